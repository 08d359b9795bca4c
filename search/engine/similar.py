"""Related articles: the documents that share an article's most distinctive words (MoreLikeThis).

As Lucene's MoreLikeThis does, the article's stem-level terms are scored
by tf × idf (occurrences in its title and body, times the idf of the
index), the best MAX_QUERY_TERMS kept, each weighted by its score over
the best one, and run as one weighted OR through the engine's own
evaluator and BM25 (evaluate.py): the related articles are ranked as a
search is. Terms the article uses once, terms in almost no other
document and terms in a large share of all documents say little about
its subject and are skipped (MIN_TERM_FREQUENCY, MIN_DOC_FREQUENCY,
MAX_DOC_SHARE); stopwords have no stem-level term at all.

The same story printed by another paper (a wire report, an official
statement) is often the best match. It is kept unless asked otherwise:
with exclude_duplicates, a document whose stem terms overlap the
article's, or those of a related article listed before it, by
DUPLICATE_OVERLAP or more (Jaccard of the two term sets) is passed over,
so that each story is listed once.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq

from ..analysis.levels import EXACT, STEM, TEXT_FIELDS, fields_of
from ..deadline import Deadline, SearchStopped
from ..query.language import parse_plain
from ..results import SearchResults
from ..snippets import QueryTerms
from ..spelling import spellings_in
from .evaluate import Evaluator, Matches, exclude
from .scoring import lucene_idf
from .searching import SCORING, SearchOptions, _make_hit, _source_facets, body_holds_root, top_documents

MAX_QUERY_TERMS = 25  # Lucene's default: enough to name a subject, few enough to stay fast
MIN_TERM_FREQUENCY = 2  # a word the article uses once is rarely its subject
MIN_DOC_FREQUENCY = 2  # a word no other document holds finds nothing
MAX_DOC_SHARE = 0.5  # a word in half of all documents or more names no subject
MIN_TERM_LENGTH = 3  # letters
# Jaccard of two articles' stem-term sets from which the second is taken for
# the same story. On SaudiNewsNet (the top 5 related articles of 150 random
# ones), copies of one agency report by several papers overlap 0.6 to 1.0
# (a fifth of all pairs overlap 0.9 or more), a story rewritten by another
# paper 0.25 to 0.6, different stories on one subject mostly below 0.4.
DUPLICATE_OVERLAP = 0.6


@dataclass(frozen=True)
class ArticleTerms:
    """What an article is about: its chosen terms, their weights, and each one's commonest written word."""

    terms: tuple[tuple[str, float], ...]  # (stem-level term, weight in 0..1), best first
    words: tuple[str, ...]  # for each term, the word the article writes it as most often, as written
    all_terms: frozenset[str]  # every stem-level term of the article, for the duplicate test


def article_terms(fields: dict, arrays) -> ArticleTerms:
    """The article's MAX_QUERY_TERMS most distinctive stem-level terms (see the module docstring).

    A short article whose words never repeat would have none: its terms
    are then taken at any frequency.
    """
    frequency: Counter[str] = Counter()
    written: dict[str, Counter[str]] = {}
    for name in TEXT_FIELDS:
        text = fields.get(name) or ""
        for word, positions in EXACT.positions(text).items():
            stem = STEM.term(word)
            if stem is None or len(stem) < MIN_TERM_LENGTH:
                continue
            frequency[stem] += len(positions)
            written.setdefault(stem, Counter())[word] += len(positions)
    documents = arrays.doc_count
    scored = []
    for stem, count in frequency.items():
        found_in = max(arrays.doc_frequency(field.name, stem) for field in fields_of(level=STEM))
        if found_in < MIN_DOC_FREQUENCY or found_in >= MAX_DOC_SHARE * documents:
            continue
        scored.append((count * lucene_idf(documents, found_in), count, stem))
    frequent = [entry for entry in scored if entry[1] >= MIN_TERM_FREQUENCY]
    best = sorted(frequent or scored, key=lambda entry: (-entry[0], entry[2]))[:MAX_QUERY_TERMS]
    top = best[0][0] if best else 1.0
    return ArticleTerms(
        terms=tuple((stem, score / top) for score, _, stem in best),
        words=tuple(_as_written(fields, written[stem].most_common(1)[0][0]) for _, _, stem in best),
        all_terms=frozenset(frequency),
    )


def _as_written(fields: dict, word: str) -> str:
    """A normalized word of the article as the article most often writes it (المقاومه -> المقاومة)."""
    spellings = Counter()
    for name in TEXT_FIELDS:
        spellings.update(spellings_in(fields.get(name) or "", word))
    return spellings.most_common(1)[0][0] if spellings else word


def similarity_query(chosen: ArticleTerms) -> wq.Query:
    """One weighted OR: each term in each stem-level field, boosted by its weight times the field's."""
    return wq.Or([wq.Term(field.name, stem, boost=weight * field.weight)
                  for stem, weight in chosen.terms for field in fields_of(level=STEM)])


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two term sets: shared terms over all terms."""
    return len(a & b) / len(a | b) if a or b else 0.0


def run_similar(opened, docnum: int, options: SearchOptions, exclude_duplicates: bool = False) -> SearchResults:
    """The documents most like document docnum of an open index (reader_cache.OpenedIndex), itself excluded.

    options gives limit, page, time_limit and cancel (the filters are not
    used). The results' query is the article's chosen words as it writes
    them: what was looked for.
    """
    started = time.perf_counter()
    deadline = Deadline(options.time_limit, options.cancel)
    arrays = opened.arrays()
    fields = arrays.stored_fields(docnum)
    chosen = article_terms(fields, arrays)
    looked_for = " ".join(chosen.words)
    limit, page = options.limit, options.page
    wanted = limit * page

    def stopped() -> SearchResults:
        return SearchResults(looked_for, 0, [], page, limit, None, {}, round(time.perf_counter() - started, 4), True)

    if not chosen.terms:
        return SearchResults(looked_for, 0, [], page, limit, None, {}, round(time.perf_counter() - started, 4))
    try:
        evaluator = Evaluator(arrays, opened.reader, SCORING, lambda: opened.searcher(weighting=SCORING), deadline)
        found = exclude(evaluator.matches(similarity_query(chosen)), np.array([docnum], dtype=np.int64))
        if exclude_duplicates:
            found, ranked = _without_duplicates(found, chosen, arrays, wanted, deadline)
        else:
            ranked = top_documents(found, wanted)
    except SearchStopped:
        return stopped()
    terms = QueryTerms(parse_plain(looked_for))
    hits = [
        _make_hit(rank, arrays.stored_fields(number), score, terms, deadline, body_holds_root(arrays, number))
        for rank, (number, score) in enumerate(ranked[(page - 1) * limit: wanted], (page - 1) * limit + 1)
    ]
    return SearchResults(looked_for, found.count(), hits, page, limit, None, _source_facets(arrays, found.ids),
                         round(time.perf_counter() - started, 4), deadline.reached)


def _without_duplicates(found: Matches, chosen: ArticleTerms, arrays, wanted: int,
                        deadline: Deadline) -> tuple[Matches, list[tuple[int, float]]]:
    """found without the duplicates among its best documents, and the ``wanted`` best of the rest.

    A duplicate repeats the article's story or that of a document kept before it.

    Only documents that would be shown are compared (each costs an
    analysis of its text), best first, until ``wanted`` are kept: the
    total then counts out the duplicates seen, not those further down.
    """
    kept, duplicates = [], []
    stories = [chosen.all_terms]  # the article's terms, then those of each document kept
    asked = wanted
    while len(kept) < wanted:
        ranked = top_documents(found, asked)
        for number, score in ranked[len(kept) + len(duplicates):]:
            deadline.check()
            terms = _terms_of(arrays.stored_fields(number))
            if any(overlap(story, terms) >= DUPLICATE_OVERLAP for story in stories):
                duplicates.append(number)
            else:
                kept.append((number, score))
                stories.append(terms)
                if len(kept) == wanted:
                    break
        if len(ranked) < asked:
            break  # every document was seen
        asked *= 2
    return exclude(found, np.array(sorted(duplicates), dtype=np.int64)), kept


def _terms_of(fields: dict) -> frozenset[str]:
    """Every stem-level term of a stored article's title and body."""
    terms: set[str] = set()
    for name in TEXT_FIELDS:
        terms.update(stem for stem in STEM.positions(fields.get(name) or "") if len(stem) >= MIN_TERM_LENGTH)
    return frozenset(terms)
