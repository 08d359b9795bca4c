"""Run a query on an open Whoosh index: rank, page, facet, snippet, suggest.

Keyword queries rank in two tiers: documents holding every content word
first, then those missing some, so complete matches are never buried and
a query never comes back empty for lack of one word; the results count
both (total_all, total_some). Questions rank by
BM25 with a coordination factor instead (why: query/plan.py). Within a
tier, BM25 over both analysis levels (scoring.LuceneBM25) orders the
documents.

The query is scored over whole posting lists at once (evaluate.py):
one pass gives every matching document with its score, from which the
total, the tiers, the source counts and the top documents are taken.

The time limit holds for every stage (deadline.py). Expanding prefix and
fuzzy words and evaluating the query either finish or are dropped whole:
a search stopped there comes back empty and partial, never with documents
a half-built query let in. After them, ranking and facets take one pass
over arrays; the hits past the deadline have snippets without highlights,
and "did you mean" is skipped.
"""

from __future__ import annotations

import datetime as dt
import numbers
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
from whoosh import query as wq
from whoosh.collectors import FilterCollector, TimeLimit, WrappingCollector

from ..analysis.levels import ROOT
from ..deadline import Deadline, SearchStopped
from ..query.language import QueryError, parse_date, parse_plain, parse_query
from ..query.vowels import holds_vocalized
from ..query.synonyms import NO_SYNONYMS, Synonyms, expand_synonyms
from ..results import ArticleView, Hit, SearchResults
from ..snippets import QueryTerms, best_snippet
from ..suggest import suggest_correction
from .compile import to_whoosh
from .evaluate import Evaluator, Matches, exclude, restrict
from .scoring import LuceneBM25

DEFAULT_TIME_LIMIT = 10.0  # seconds per query; partial results come back with a note
MAX_LIMIT = 1000
FEW_HITS = 3  # below this many hits, "did you mean" looks for a better spelling
# BM25 parameters, tuned on ARCD's train questions (docs/relevance.md).
# K1 0.6: term frequency saturates early, so a long text repeating a name
# does not outweigh a short one that answers. B 1.0: full length
# normalization, so a long news article matching many words by chance does
# not outrank the paragraph that is about them.
BM25_K1 = 0.6
BM25_B = 1.0
SCORING = LuceneBM25(k1=BM25_K1, b=BM25_B)


SORTS = ("relevance", "date")


@dataclass(frozen=True)
class SearchOptions:
    """Index.search's arguments, checked when made: a bad one raises a one-line ValueError naming it.

    since and until may be datetimes, dates or strings YYYY, YYYY-MM or
    YYYY-MM-DD (as --since and --until read them); until is inclusive, so
    a date or a string means the end of that day, month or year.
    """

    limit: int = 10
    page: int = 1
    since: dt.datetime | dt.date | str | None = None
    until: dt.datetime | dt.date | str | None = None
    source: str | None = None
    sort: str = "relevance"  # or "date" (newest first)
    time_limit: float | None = DEFAULT_TIME_LIMIT  # seconds, or None for no limit
    plain: bool = False  # ignore the query syntax: every word is a plain word
    cancel: threading.Event | None = None  # once set (by another thread), the search stops as at its time limit

    def __post_init__(self):
        object.__setattr__(self, "limit", _whole_number("limit", self.limit, 1, MAX_LIMIT))
        object.__setattr__(self, "page", _whole_number("page", self.page, 1, None))
        object.__setattr__(self, "since", _moment("since", self.since, end_of_period=False))
        object.__setattr__(self, "until", _moment("until", self.until, end_of_period=True))
        if self.source is not None and not isinstance(self.source, str):
            raise ValueError(f"source must be a source name or None, not {self.source!r}")
        if self.sort not in SORTS:
            raise ValueError(f"sort must be 'relevance' or 'date', not {self.sort!r}")
        limit = self.time_limit
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, numbers.Real)
                                  or not limit > 0):
            raise ValueError(f"time_limit must be a number of seconds above 0, or None, not {limit!r}")
        if not isinstance(self.plain, bool):
            raise ValueError(f"plain must be True or False, not {self.plain!r}")
        if self.cancel is not None and not isinstance(self.cancel, threading.Event):
            raise ValueError(f"cancel must be a threading.Event or None, not {self.cancel!r}")


def _whole_number(name: str, value, low: int, high: int | None) -> int:
    """value as an int from low to high (no bound: None), else a ValueError naming it."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and low <= value <= (high or value):
        return int(value)
    bounds = f"from {low} to {high}" if high else f"of at least {low}"
    raise ValueError(f"{name} must be a whole number {bounds}, not {value!r}")


def _moment(name: str, value, end_of_period: bool) -> dt.datetime | None:
    """A since or until argument as a datetime: strings and dates as --since and --until read them."""
    if value is None or isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a datetime, a date or a string YYYY[-MM[-DD]], not {value!r}")
    try:
        return parse_date(value.strip(), None, end_of_period)
    except QueryError as error:
        raise ValueError(f"{name}: {error}") from None


def run_search(opened, text: str, options: SearchOptions, synonyms: Synonyms = NO_SYNONYMS) -> SearchResults:
    """Search an open index (reader_cache.OpenedIndex); raises QueryError for a malformed query.

    synonyms expand the parsed query (query/synonyms.py) before it is planned.
    """
    started = time.perf_counter()
    deadline = Deadline(options.time_limit, options.cancel)
    if not isinstance(text, str):
        raise ValueError(f"query must be a string, not {text!r}")
    parsed = expand_synonyms(parse_plain(text) if options.plain else parse_query(text), synonyms)
    limit, page = options.limit, options.page
    wanted = limit * page
    arrays = opened.arrays()
    try:
        plan = to_whoosh(parsed, arrays, deadline)  # its term lookups, memoised
        filters = list(plan.filters)
        if options.source:
            filters.append(wq.Term("source", options.source))
        if options.since or options.until:
            filters.append(wq.DateRange("date", options.since, options.until))
        evaluator = Evaluator(arrays, opened.reader, SCORING, lambda: opened.searcher(weighting=SCORING), deadline)
        found = evaluator.matches(plan.query)
        if filters:
            found = restrict(found, evaluator.matches(wq.And(filters)).ids)
        if plan.vowels:  # before ranking, so the total, the tiers and the pages count only what is kept
            found = restrict(found, vocalized_documents(arrays, found.ids, plan.vowels, deadline))
        complete = restrict(found, evaluator.matches(plan.all_words).ids) if plan.all_words is not None else None
        # Ranking by relevance is one pass over arrays; by date, Whoosh's collector stops at the deadline.
        if options.sort == "date":
            with opened.searcher(weighting=SCORING) as searcher:
                ranked = relevance_of(found, _collect_by_date(searcher, plan.query, found.ids, wanted, deadline))
        elif complete is not None:
            ranked = top_documents(complete, wanted)
            if len(ranked) < wanted:
                ranked += top_documents(exclude(found, complete.ids), wanted - len(ranked))
        else:
            ranked = top_documents(found, wanted)
    except SearchStopped:
        return SearchResults(text, 0, [], page, limit, None, {}, round(time.perf_counter() - started, 4), True)

    total = found.count()
    facets = _source_facets(arrays, found.ids)
    terms = QueryTerms(parsed)  # shared by the hits' snippets
    hits = [
        _make_hit(rank, arrays.stored_fields(docnum), score, terms, deadline, body_holds_root(arrays, docnum))
        for rank, (docnum, score) in enumerate(ranked[(page - 1) * limit: wanted], (page - 1) * limit + 1)
    ]
    suggestion = suggest_correction(arrays, parsed, deadline) if total < FEW_HITS else None  # memoised lookups
    total_all = complete.count() if complete is not None else None
    return SearchResults(text, total, hits, page, limit, suggestion, facets,
                         round(time.perf_counter() - started, 4), deadline.reached,
                         total_all, None if total_all is None else total - total_all, plan.notes)


def body_holds_root(arrays, docnum: int) -> Callable[[str], bool]:
    """Whether this document's body holds a word of a root: its root postings (memoised per term)."""
    field = ROOT.field("body")

    def holds(root: str) -> bool:
        ids = arrays.term(field, root).ids
        at = int(np.searchsorted(ids, docnum))
        return at < len(ids) and int(ids[at]) == docnum

    return holds


def vocalized_documents(arrays, ids: np.ndarray, words, deadline: Deadline) -> np.ndarray:
    """The documents among ids whose original title or body holds each word vocalized as typed (query/vowels.py).

    Reads each candidate's stored text; at the deadline the search stops
    whole (SearchStopped), never with a half-checked candidate set.
    """
    kept = []
    for docnum in ids.tolist():
        deadline.check()
        fields = arrays.stored_fields(docnum)
        text = f"{fields.get('title') or ''}\n{fields.get('body') or ''}"
        if all(holds_vocalized(text, word) for word in words):
            kept.append(docnum)
    return np.array(kept, dtype=ids.dtype)


def top_documents(matches: Matches, limit: int) -> list[tuple[int, float]]:
    """The ``limit`` best (document number, score): score descending, then number ascending.

    The order of Whoosh's TopCollector, so equal scores keep index order.
    """
    ids, scores = matches.ids, matches.scores
    if len(ids) > limit:
        threshold = np.partition(scores, len(ids) - limit)[len(ids) - limit]
        above = scores > threshold
        tied = np.flatnonzero(scores == threshold)[: limit - int(np.count_nonzero(above))]
        chosen = np.concatenate([np.flatnonzero(above), tied])
        ids, scores = ids[chosen], scores[chosen]
    order = np.lexsort((ids, -scores))
    return [(int(docnum), float(score)) for docnum, score in zip(ids[order], scores[order])]


def relevance_of(found: Matches, documents: list[int]) -> list[tuple[int, float]]:
    """(document number, relevance score) of each of documents, in their order; all are among found."""
    at = np.searchsorted(found.ids, documents)
    return [(docnum, float(score)) for docnum, score in zip(documents, found.scores[at])]


def _collect_by_date(searcher, query, allowed: np.ndarray, limit, deadline: Deadline) -> list[int]:
    """The newest documents among allowed, newest first; at the deadline, the newest seen so far.

    allowed is passed to Whoosh as a set: given a query as a filter, Whoosh
    builds a bit set whose truth test walks all its bytes for every
    candidate document, quadratic on a large index.
    """
    allowed_set = set(allowed.tolist())
    if not allowed_set:
        return []  # Whoosh reads an empty allow set as "no filter"
    collector = DeadlineCollector(searcher.collector(limit=limit, sortedby="date", reverse=True), deadline)
    collector = FilterCollector(collector, allow=allowed_set)  # its loop reads DeadlineCollector.matches()
    try:
        searcher.search_with_collector(query, collector)
    except TimeLimit:
        pass  # deadline.reached says the results are partial
    return [hit.docnum for hit in collector.results()]  # a hit's score here is its date's sort key


class DeadlineCollector(WrappingCollector):
    """Stops a Whoosh collector at a Deadline, raising TimeLimit (TimeLimitCollector knows a time, not a cancel).

    The check is in matches(), the loop a FilterCollector around it runs.
    """

    def __init__(self, child, deadline: Deadline):
        super().__init__(child)
        self.deadline = deadline

    def matches(self):
        for sub_docnum in self.child.matches():
            if self.deadline.expired():
                raise TimeLimit
            yield sub_docnum

    def collect_matches(self):
        for sub_docnum in self.matches():
            self.child.collect(sub_docnum)


def _source_facets(arrays, ids: np.ndarray) -> dict[str, int]:
    """Matching documents per source, most first."""
    codes, names = arrays.sources()
    matched = codes[ids]
    counts = np.bincount(matched[matched >= 0], minlength=len(names))
    found = {names[code]: int(count) for code, count in enumerate(counts) if count}
    return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))


def _make_hit(rank: int, fields: dict, score: float, terms: QueryTerms, deadline: Deadline,
              holds_root: Callable[[str], bool]) -> Hit:
    """A Hit with a snippet of the original body (or title) around the best passage (its start, past the deadline)."""
    body = fields.get("body") or ""
    matches = [] if deadline.expired() else terms.find_matches(body, deadline, holds_root)
    snippet = best_snippet(body, matches)
    return Hit(
        rank=rank, id=fields["id"], score=score, title=fields.get("title") or "",
        snippet=snippet.text, highlights=snippet.highlights,
        url=fields.get("url"), date=fields.get("date"), source=fields.get("source"),
        author=fields.get("author"), path=fields.get("path"), matches=snippet.matches,
    )



def article_view(fields: dict, query: str | None, time_limit: float | None = DEFAULT_TIME_LIMIT,
                 synonyms: Synonyms = NO_SYNONYMS) -> ArticleView:
    """A whole stored article, its body highlighted for query (a malformed query raises QueryError).

    Highlighting stops at the time limit: a long article and a query of
    many fuzzy words cost an edit distance for each pair of them.
    """
    body = fields.get("body") or ""
    highlights: tuple = ()
    if query:
        matches = QueryTerms(expand_synonyms(parse_query(query), synonyms)).find_matches(body, Deadline(time_limit))
        highlights = tuple((m.start, m.end) for m in matches)
    return ArticleView(
        id=fields["id"], title=fields.get("title") or "", body=body, highlights=highlights,
        url=fields.get("url"), date=fields.get("date"), source=fields.get("source"),
        author=fields.get("author"), path=fields.get("path"),
    )
