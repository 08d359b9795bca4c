"""Turn a parsed query tree into Whoosh queries over both analysis levels.

A plain word becomes four weighted terms: its stem in body_stem and
title_stem (recall) and its normalized form in body and title (exact-form
matches rank above stem-only ones), with title matches boosted. The
weights are data below, tuned on ARCD's train questions
(benchmarks/relevance.py, docs/relevance.md). A word that starts with one
of the one-letter clitics ب ل ك ف (بمرض, لاستضافة) also looks for the
word without it, when the index knows that remainder better than the
whole word: evidence that the letter was glued on, not part of the word
(لبنان keeps its ل, بيروت its ب). The stemmer cannot strip these letters
itself, without a vocabulary it would cut بيروت to يروت.

Plain words are ranked in one of two ways, by the kind of query:

- Keywords (مدرسة جديدة): documents holding every content word rank
  first, then those missing some (searching.py). A word is present when
  any form the stemmer conflates with it is, in the title or the body;
  stopwords are never required.
- Questions (متى ولد نجيب محفوظ؟): a query with ? or ؟, or whose first or
  second word is an interrogative (stopwords.INTERROGATIVES). Such a query
  names its subject with words an answer often rephrases (ولد / مواليد,
  تقع / يقع), so strict tiers bury the answer under any long text that
  happens to hold every word: on ARCD with 31k news articles added, MRR@10
  falls from 0.736 to 0.667 (Lucene: 0.661). A question is ranked by BM25 times a
  coordination factor, (words matched / words) ** COORDINATION_EXPONENT:
  among documents of similar weight the complete matches come first, and
  it never comes back empty. Answer-type nouns right after an
  interrogative (ما اسم, كم عدد, في أي عام) are dropped like stopwords:
  they describe the answer, the answer does not contain them.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as wq
from whoosh.query.spans import SpanNear2

from .analyze import stem_or_none
from .deadline import Deadline
from .levels import FIELD_NAMED, STEM, WEIGHTS, fields_of  # noqa: F401 (WEIGHTS: imported from here)
from .postings import IndexArrays
from .query import And, DateRange, Fuzzy, Node, Not, Or, ParsedQuery, Phrase, Prefix, Soft, SourceFilter, Word
from .scoring import Coordinated
from .stopwords import is_answer_type, is_interrogative

MAX_EXPANSIONS = 256  # terms one prefix or fuzzy word may expand to in each field: bounds query time
# Terms all the prefix and fuzzy words of one query may expand to, shared
# equally among them: four words in every field still get MAX_EXPANSIONS
# each, 200 fuzzy words a few, not 200 times as many postings to decode.
MAX_QUERY_EXPANSIONS = 4096

# One-letter proclitics the stemmer leaves on (with, for, like, so), the
# weight of the remainder as an alternative, and the shortest remainder.
CLITIC_LETTERS = "بلكف"
CLITIC_WEIGHT = 1.0
MIN_CLITIC_REMAINDER = 3
CLITIC_EVIDENCE = STEM.field("body")  # the vocabulary that says a letter was glued on: the stems of bodies

# Neighbouring plain words found at most PROXIMITY_SLOP positions apart in
# a body (in order; a stopword between them counts) add PROXIMITY_WEIGHT
# times their body score: مجلس الشورى as a phrase outranks the two words
# scattered. Neutral on ARCD's questions (docs/relevance.md), kept for
# keyword queries, where a name or a compound is typed as adjacent words.
PROXIMITY_SLOP = 2
PROXIMITY_WEIGHT = 0.1
PROXIMITY_FIELD = STEM.field("body")

# How strongly a question's ranking favours documents with more of its words.
COORDINATION_EXPONENT = 0.25
QUESTION_MARKS = ("?", "\u061f")  # QUESTION MARK, ARABIC QUESTION MARK
QUESTION_OPENING = 2  # an interrogative among this many first words makes a question


@dataclass
class WhooshPlan:
    """What to run: the scoring query, the stricter all-words query (if any), and filters."""

    query: wq.Query
    all_words: wq.Query | None  # top-level plain words: documents matching it rank first
    filters: list[wq.Query]  # source: and date: parts, which match without scoring


def is_question(parsed: ParsedQuery) -> bool:
    """A question mark, or an interrogative among the first words (see the module docstring)."""
    if any(mark in parsed.text for mark in QUESTION_MARKS):
        return True
    return any(is_interrogative(word.normalized) for word in parsed.words[:QUESTION_OPENING])


class _Compiler:
    def __init__(self, reader, question: bool = False, root: Node | None = None,
                 deadline: Deadline | None = None):
        self.reader = reader
        self.filters: list[wq.Query] = []
        self.question = question
        self.root = root
        self.deadline = deadline
        # Each prefix or fuzzy word's share of MAX_QUERY_EXPANSIONS.
        self.word_expansions = MAX_QUERY_EXPANSIONS // max(1, _count_expanding(root))
        self._compiled: dict[int, tuple[Node, wq.Query | None]] = {}

    def compile(self, node: Node) -> wq.Query | None:
        """The Whoosh query of node, the same object each time it is asked (evaluate.py memoises by object)."""
        key = id(node)
        if key not in self._compiled:
            self._compiled[key] = (node, self._compile(node))  # the node kept: its id stays its own
        return self._compiled[key][1]

    def _compile(self, node: Node) -> wq.Query | None:
        """The Whoosh query of node; source: and date: parts go to self.filters instead (None)."""
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return self.phrase(node)
        if isinstance(node, Prefix):
            return self.expanded(node.field, lambda field, _: self.reader.expand_prefix(field, node.normalized))
        if isinstance(node, Fuzzy):
            return self.expanded(node.field, lambda field, count: self.fuzzy_terms(field, node, count))
        if isinstance(node, (SourceFilter, DateRange)):
            self.filters.append(filter_query(node))
            return None
        if isinstance(node, Not):
            if isinstance(node.child, (SourceFilter, DateRange)):
                return wq.Not(filter_query(node.child))  # -source:x excludes x
            child = self.compile(node.child)
            return wq.Not(child) if child is not None else None
        if isinstance(node, And):
            return self.combine(node.children, wq.And)
        if isinstance(node, Soft):
            return self.soft(node)
        if isinstance(node, Or):
            return self.combine(node.children, wq.Or)
        raise TypeError(node)

    def soft(self, node: Soft) -> wq.Query | None:
        """Plain words; +word ones (parsed as a one-child And) are required, the rest only rank."""
        required = [c for c in node.children if isinstance(c, And) and len(c.children) == 1]
        optional = tuple(c for c in self.soft_children(node) if c not in required)
        kind = wq.Or
        if self.question and node is self.root:
            def kind(parts):
                return Coordinated(parts, COORDINATION_EXPONENT)
        if not required:
            return self.combine(optional, kind)
        must = self.combine(tuple(c.children[0] for c in required) + tuple(
            c for c in optional if isinstance(c, Not)), wq.And)
        maybe = self.combine(tuple(c for c in optional if not isinstance(c, Not)), kind)
        if must is None:  # +source:x, +date:...: the required parts were filters
            return maybe
        return wq.AndMaybe(must, maybe) if maybe is not None else must

    def soft_children(self, node: Soft) -> tuple[Node, ...]:
        """Drop stopwords (and, in a question, its interrogatives and the answer types they ask
        for) from plain words, unless nothing else is left."""
        content = []
        after_interrogative = False
        for child in node.children:
            plain = isinstance(child, Word) and not child.exact
            if plain and self.question and is_interrogative(child.normalized):
                after_interrogative = True
                continue
            if plain and child.stem is None:
                continue  # a stopword; ما هو اسم still has اسم right after its interrogative
            if not (plain and self.question and after_interrogative and is_answer_type(child.stem)):
                content.append(child)
            after_interrogative = False
        return tuple(content) or node.children

    def combine(self, children, kind) -> wq.Query | None:
        """Join children; a Not child becomes an exclusion of the whole group."""
        positive, negative = [], []
        for child in children:
            if isinstance(child, Not):
                negated = child.child
                compiled = filter_query(negated) if isinstance(negated, (SourceFilter, DateRange)) \
                    else self.compile(negated)
                if compiled is not None:
                    negative.append(compiled)
                continue
            compiled = self.compile(child)
            if compiled is not None:
                positive.append(compiled)
        if not positive and not negative:
            return None
        query = (positive[0] if len(positive) == 1 else kind(positive)) if positive else wq.Every()
        if negative:
            query = wq.AndNot(query, negative[0] if len(negative) == 1 else wq.Or(negative))
        return query

    def word(self, word: Word) -> wq.Query:
        terms = []
        remainder = self.clitic_remainder(word)
        for field in fields_of(word.field):
            field_name, weight = field.name, field.weight
            if field.level.literal:
                terms.append(wq.Term(field_name, word.normalized, boost=weight))
            elif word.stem is not None:
                terms.append(wq.Term(field_name, word.stem, boost=weight))
                if remainder is not None:
                    terms.append(wq.Term(field_name, remainder, boost=weight * CLITIC_WEIGHT))
        return terms[0] if len(terms) == 1 else wq.Or(terms)

    def proximity(self, node: Soft) -> wq.Query | None:
        """Optional phrase clauses for each pair of neighbouring plain words, at the stem level."""
        children = self.soft_children(node)
        clauses = [
            wq.Phrase(PROXIMITY_FIELD, [left.stem, right.stem], slop=PROXIMITY_SLOP,
                      boost=PROXIMITY_WEIGHT * FIELD_NAMED[PROXIMITY_FIELD].weight)
            for left, right in zip(children, children[1:])
            if _plain_stemmed(left) and _plain_stemmed(right)
        ]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else wq.Or(clauses)

    def clitic_remainder(self, word: Word) -> str | None:
        """The stem of word without a glued ب ل ك ف, when the index holds it in more documents."""
        text = word.normalized
        if word.exact or word.stem is None or text[:1] not in CLITIC_LETTERS:
            return None
        if len(text) - 1 < MIN_CLITIC_REMAINDER:
            return None
        remainder = stem_or_none(text[1:])
        if remainder is None or remainder == word.stem:
            return None
        frequency = self.reader.doc_frequency
        if frequency(CLITIC_EVIDENCE, remainder) <= frequency(CLITIC_EVIDENCE, word.stem):
            return None
        return remainder

    def phrase(self, phrase: Phrase) -> wq.Query:
        alternatives = []
        has_stopword = any(w.stem is None for w in phrase.words)
        for field in fields_of(phrase.field):
            field_name, weight = field.name, field.weight
            exact_level = field.level.literal
            if not exact_level and has_stopword:
                continue  # the stem level has no stopwords to match
            texts = [w.normalized if exact_level else w.stem for w in phrase.words]
            if phrase.ordered:
                alternatives.append(wq.Phrase(field_name, texts, slop=phrase.slop + 1, boost=weight))
            else:
                terms = [wq.Term(field_name, text) for text in texts]
                alternatives.append(SpanNear2(terms, slop=phrase.slop + 1, ordered=False))
        return alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives)

    def expanded(self, field_only: str | None, expand) -> wq.Query:
        """A prefix or fuzzy word as an OR of real index terms: in each field at most MAX_EXPANSIONS,
        and at most the word's share of MAX_QUERY_EXPANSIONS in all.

        expand(field, count) gives the field's terms in term order (count: how many are wanted).
        """
        fields = [field.name for field in fields_of(field_only)]
        per_field = max(1, min(MAX_EXPANSIONS, self.word_expansions // len(fields)))
        terms = []
        for field_name in fields:
            if self.deadline is not None:
                self.deadline.check()
            for count, term in enumerate(expand(field_name, per_field)):
                if count >= per_field:
                    break
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                terms.append(wq.Term(field_name, text, boost=WEIGHTS[field_name]))
        return wq.Or(terms) if terms else wq.NullQuery

    def fuzzy_terms(self, field_name: str, node: Fuzzy, count: int):
        """The first count terms of field_name within node's edits (sharing its first letter), in term order."""
        if isinstance(self.reader, IndexArrays):  # stops at count, and at the deadline
            return self.reader.terms_within(field_name, node.normalized, node.distance, prefix=1, limit=count,
                                            deadline=self.deadline)
        return self.reader.terms_within(field_name, node.normalized, node.distance, prefix=1)  # a Whoosh reader


def _count_expanding(root: Node | None) -> int:
    """How many prefix and fuzzy words the tree holds (each compiles once, however often it is asked)."""
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        if isinstance(node, (Prefix, Fuzzy)):
            count += 1
        elif isinstance(node, (And, Or, Soft)):
            stack.extend(node.children)
        elif isinstance(node, Not):
            stack.append(node.child)
    return count


def _plain_stemmed(node: Node) -> bool:
    """A plain content word of title and body: one that proximity clauses can pair."""
    return isinstance(node, Word) and not node.exact and node.stem is not None and node.field is None


def to_whoosh(parsed: ParsedQuery, reader, deadline: Deadline | None = None) -> WhooshPlan:
    """Compile a parsed query against an open index reader (prefix and fuzzy words need its terms).

    reader needs doc_frequency, expand_prefix and terms_within: a Whoosh
    reader, or postings.IndexArrays, which memoises them. Expanding prefix
    and fuzzy words raises SearchStopped once the deadline is reached (its
    half-expanded words would match fewer documents, or exclude fewer).
    """
    question = is_question(parsed)
    compiler = _Compiler(reader, question, parsed.root, deadline)
    query = compiler.compile(parsed.root)
    all_words = None
    if isinstance(parsed.root, Soft) and not question:
        children = [compiler.compile(c) for c in compiler.soft_children(parsed.root) if not isinstance(c, Not)]
        children = [c for c in children if c is not None]
        if len(children) > 1:
            all_words = wq.And(children)
    if isinstance(parsed.root, Soft) and query is not None:
        near = compiler.proximity(parsed.root)
        if near is not None:
            query = wq.AndMaybe(query, near)  # a bonus: never lets in a document the words exclude
    if query is None:
        query = wq.Every()  # only filters: every document they let through
    return WhooshPlan(query, all_words, compiler.filters)


def filter_query(node: SourceFilter | DateRange) -> wq.Query:
    """The Whoosh query of a source: or date: part, which matches without scoring."""
    if isinstance(node, SourceFilter):
        return wq.Term("source", node.source)
    return wq.DateRange("date", node.start, node.end)
