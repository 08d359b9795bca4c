"""Score a compiled Whoosh query over whole posting lists at once, with numpy.

Whoosh evaluates a query by walking a tree of matchers document by
document in Python. This module computes the same thing list-wise: a
query node becomes ``Matches``, the ascending numbers of the documents
it matches and their scores, combined with numpy. Term scores are
Lucene's BM25 exactly as scoring.LuceneBM25Scorer computes them (same
formula, same operand order, the same byte-coded field lengths, idf and
average length), and each compound node combines its children as its
Whoosh matcher does (sums for Or/And, the first child's score for AndNot,
a bonus for AndMaybe, the coordination factor for Coordinated, span
checks on positions for phrases). Sums may add the same numbers in
another order than Whoosh's matcher tree, so scores can differ in the
last bit; tests/test_evaluate.py compares both on real queries.

A node type without a rule here is handed to Whoosh's own matcher, so
any query still runs, only slower.

Given a deadline, the evaluator checks it before each node and in its
longer loops, and raises SearchStopped: a query half evaluated would
match the wrong documents (an exclusion cut short lets in what it excludes).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from whoosh import query as wq
from whoosh.query.spans import Span, SpanNear2, bisect_spans

from ..deadline import Deadline
from .postings import IndexArrays
from .scoring import Blended, Coordinated, LuceneBM25, lucene_idf
from .scoring import bm25 as bm25_score  # the inner bm25() below builds Matches


class Same:
    """A key that is equal only to a key of the same object, and holds that object.

    Whoosh queries compare and hash by value, walking their whole tree;
    the evaluator's memos want the object itself, cheaply.
    """

    __slots__ = ("item",)

    def __init__(self, item):
        self.item = item

    def __hash__(self):
        return object.__hash__(self.item)

    def __eq__(self, other):
        return isinstance(other, Same) and other.item is self.item


class Matches(NamedTuple):
    """The documents a query matches, ascending, and their scores (aligned).

    A NamedTuple: a search makes dozens, and a tuple is made faster than a frozen dataclass.
    """

    ids: np.ndarray  # int64
    scores: np.ndarray  # float64

    def count(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        """What a term's kept scores add to postings.IndexArrays' budget (its ids are its postings', counted there)."""
        return self.scores.nbytes


NOTHING = Matches(np.zeros(0, dtype=np.int64), np.zeros(0))
_NO_INDICES = np.zeros(0, dtype=np.int64)
# Unions of fewer postings than documents / SORTED_UNION_SHARE are merged by sorting them.
SORTED_UNION_SHARE = 8


class Evaluator:
    """Evaluates Whoosh queries against one open reader's arrays; memoises nodes within one search."""

    def __init__(self, arrays: IndexArrays, reader, scoring: LuceneBM25, open_searcher,
                 deadline: Deadline | None = None):
        self.arrays = arrays
        self.reader = reader  # for the schema and the collection statistics
        self.scoring = scoring
        self.open_searcher = open_searcher  # () -> a Whoosh Searcher, for node types without a rule
        self.deadline = deadline or Deadline()
        self.size = arrays.doc_count
        self._memo: dict[Same, Matches] = {}
        self._unions: dict[tuple[Same, ...], tuple[Matches, np.ndarray]] = {}  # by an Or's parts

    def matches(self, query: wq.Query) -> Matches:
        """The documents query matches and their scores, as Whoosh would score them.

        Memoised by object, not by value: hashing a query tree walks all of
        it, and compile renders a word shared by both tiers as one object.
        """
        key = Same(query)
        cached = self._memo.get(key)
        if cached is None:
            self.deadline.check()
            cached = self._memo[key] = self._evaluate(query)
        return cached

    def _evaluate(self, query: wq.Query) -> Matches:
        kind = type(query)
        if kind is wq.Term:
            return self._term(query)
        if kind is Coordinated:
            return self._coordinated(query)
        if kind is Blended:
            return self._blended(query)
        if kind is wq.Or:
            return self._or(query)
        if kind is wq.And:
            return self._and(query)
        if kind is wq.AndMaybe:
            return self._and_maybe(query)
        if kind is wq.AndNot:
            return self._and_not(query)
        if kind is wq.Phrase:
            return self._phrase(query)
        if kind is SpanNear2 and all(type(q) is wq.Term for q in query.qs):
            return self._near(query)
        if kind is wq.Every and query.fieldname is None:
            return self._every(query)
        if query is wq.NullQuery or kind is type(wq.NullQuery):
            return NOTHING
        return self._with_whoosh(query)

    # ----- leaves ---------------------------------------------------------

    def _term(self, query: wq.Term) -> Matches:
        found = self._scored(query.fieldname, query.text)
        if query.boost != 1.0 and len(found.ids):
            return Matches(found.ids, found.scores * query.boost)  # Whoosh's WrappingMatcher around the term
        return found

    def _scored(self, fieldname: str, text: str) -> Matches:
        """The term's documents and BM25 scores (LuceneBM25Scorer._score; WeightScorer when unscorable), kept."""
        field = self.reader.schema[fieldname]
        b = self.scoring.field_b.get(fieldname, self.scoring.B)
        k1 = self.scoring.K1

        def bm25() -> Matches:
            postings = self.arrays.term(fieldname, text)
            if not len(postings.ids):
                return NOTHING
            if not field.scorable:
                return Matches(postings.ids, postings.weights)
            tf = postings.weights
            length = self.arrays.lengths(fieldname)[postings.ids]
            idf = lucene_idf(self.reader.doc_count_all(), postings.doc_frequency)
            average_length = self.reader.field_length(fieldname) / (self.reader.doc_count_all() or 1) or 1
            return Matches(postings.ids, bm25_score(idf, tf, length, average_length, b, k1))  # arrays, elementwise

        return self.arrays.scores((fieldname, text, b, k1), bm25)

    def _blended(self, query: Blended) -> Matches:
        """One field's terms as one: frequencies summed per document, the idf of the commonest
        (BlendedMatcher's scores)."""
        fieldname = query.fieldname
        every = [self.arrays.term(fieldname, text) for text in query.texts]
        postings = [found for found in every if len(found.ids)]
        if not postings:
            return NOTHING
        ids = np.concatenate([found.ids for found in postings])
        tf = np.concatenate([found.weights for found in postings])
        order = ids.argsort(kind="stable")
        ids, tf = ids[order], tf[order]
        starts = np.concatenate(([True], ids[1:] != ids[:-1])).nonzero()[0]
        ids, tf = ids[starts], np.add.reduceat(tf, starts)
        if not self.reader.schema[fieldname].scorable:
            return Matches(ids, tf * query.boost)
        b = self.scoring.field_b.get(fieldname, self.scoring.B)
        documents = self.reader.doc_count_all()
        idf = lucene_idf(documents, max(found.doc_frequency for found in every))  # deleted ones counted, as Whoosh
        average_length = self.reader.field_length(fieldname) / (documents or 1) or 1
        length = self.arrays.lengths(fieldname)[ids]
        scores = bm25_score(idf, tf, length, average_length, b, self.scoring.K1)
        return Matches(ids, scores * query.boost if query.boost != 1.0 else scores)

    def _every(self, query: wq.Every) -> Matches:
        """Every live document, each scored its boost (Whoosh's ListMatcher of all documents)."""
        ids = np.flatnonzero(self.arrays.live())
        return Matches(ids, np.full(len(ids), float(query.boost)))

    # ----- compounds ------------------------------------------------------

    def _parts(self, query) -> list[Matches]:
        return [self.matches(q) for q in query.subqueries]

    def _boosted(self, query, result: Matches) -> Matches:
        """A compound's boost multiplies its score, except for one child (Whoosh returns that child's matcher)."""
        if query.boost == 1.0 or len(query.subqueries) == 1:
            return result
        return Matches(result.ids, result.scores * query.boost)

    def _union(self, parts: list[Matches], boosts: list[float] | None = None,
               counted: bool = False) -> tuple[Matches, np.ndarray | None]:
        """Documents in any part, with the sum of the parts' scores (times their boosts), and if
        ``counted`` how many parts hold each (else None).

        Few postings are merged by sorting them; many are added up in
        arrays over every document, whose cost does not grow with them.
        """
        boosted = [(part, boost) for part, boost in zip(parts, boosts or [1.0] * len(parts)) if len(part.ids)]
        if not boosted:
            return NOTHING, np.zeros(0, dtype=np.int64) if counted else None
        if len(boosted) == 1:
            part, boost = boosted[0]
            scores = part.scores if boost == 1.0 else part.scores * boost
            return Matches(part.ids, scores), np.ones(len(part.ids), dtype=np.int64) if counted else None
        postings = sum(len(part.ids) for part, _ in boosted)
        if postings * SORTED_UNION_SHARE < self.size:
            ids = np.concatenate([part.ids for part, _ in boosted])
            scores = np.concatenate([part.scores for part, _ in boosted])
            if any(boost != 1.0 for _, boost in boosted):
                scores *= np.repeat([boost for _, boost in boosted], [len(part.ids) for part, _ in boosted])
            order = ids.argsort(kind="stable")  # stable: each document's scores add in part order
            ids, scores = ids[order], scores[order]
            starts = np.concatenate(([True], ids[1:] != ids[:-1])).nonzero()[0]
            counts = np.diff(np.append(starts, len(ids))) if counted else None
            return Matches(ids[starts], np.add.reduceat(scores, starts)), counts
        totals = np.zeros(self.size)
        held = np.zeros(self.size, dtype=np.int32 if counted else bool)
        for part, boost in boosted:  # a part's ids are distinct, so += adds each score once
            totals[part.ids] += part.scores if boost == 1.0 else part.scores * boost
            if counted:
                held[part.ids] += 1
            else:
                held[part.ids] = True
        ids = (held > 0 if counted else held).nonzero()[0]  # on a bool array: several times faster than on int32
        return Matches(ids, totals[ids]), held[ids] if counted else None

    def _or(self, query: wq.Or) -> Matches:
        if all(type(q) is wq.Term for q in query.subqueries):  # a word's fields, a prefix's terms
            # Each term's kept scores, boosted in the union: one multiplication, not one a term.
            parts = [self._checked(self._scored, q.fieldname, q.text) for q in query.subqueries]
            union, _ = self._union(parts, [q.boost for q in query.subqueries])
        else:
            union, counts = self._union(self._parts(query), counted=True)
            # An And of the same parts (a keyword query's first tier) is then the documents all of them hold.
            self._unions[tuple(map(Same, query.subqueries))] = (union, counts)
        return self._boosted(query, union)

    def _checked(self, function, *args):
        """function(*args), once the deadline is checked: for loops over the terms of a large Or."""
        self.deadline.check()
        return function(*args)

    def _and(self, query: wq.And) -> Matches:
        seen = self._unions.get(tuple(map(Same, query.subqueries)))
        if seen is None:
            return self._boosted(query, self._intersection(self._parts(query)))
        union, counts = seen  # its scores add the parts in order, as _intersection does
        every = counts == len(query.subqueries)
        return self._boosted(query, Matches(union.ids[every], union.scores[every]))

    def _intersection(self, parts: list[Matches]) -> Matches:
        """Documents in every part, with the sum of the parts' scores (added in part order)."""
        if not parts:
            return NOTHING
        result = parts[0]
        for part in parts[1:]:
            in_result, in_part = common(result.ids, part.ids)
            result = Matches(result.ids[in_result], result.scores[in_result] + part.scores[in_part])
        return result

    def _coordinated(self, query: Coordinated) -> Matches:
        """Sum of the parts times (parts matched / parts) ** exponent (scoring.CoordinationMatcher)."""
        union, counts = self._union(self._parts(query), counted=True)
        share = counts / len(query.subqueries)
        return Matches(union.ids, union.scores * query.boost * share ** query.exponent)

    def _and_maybe(self, query: wq.AndMaybe) -> Matches:
        required, optional = self.matches(query.a), self.matches(query.b)
        if not len(optional.ids):
            return required
        in_required, in_optional = common(required.ids, optional.ids)
        scores = required.scores.copy()
        scores[in_required] += optional.scores[in_optional]
        return Matches(required.ids, scores)

    def _and_not(self, query: wq.AndNot) -> Matches:
        return exclude(self.matches(query.a), self.matches(query.b).ids)

    # ----- positions --------------------------------------------------------

    def _phrase(self, query: wq.Phrase) -> Matches:
        """Whoosh's Phrase: an ordered SpanNear2 of its words' terms, mindist 1, times its boost."""
        terms = [wq.Term(query.fieldname, word) for word in query.words]
        found = self._spans(terms, query.slop, ordered=True, mindist=1)
        if query.boost != 1.0:
            found = Matches(found.ids, found.scores * query.boost)
        return found

    def _near(self, query: SpanNear2) -> Matches:
        found = self._spans(query.qs, query.slop, query.ordered, query.mindist)
        boost = getattr(query, "boost", 1.0)  # SpanNear2 takes none; compile.py may set one
        if boost != 1.0:
            found = Matches(found.ids, found.scores * boost)
        return found

    def _spans(self, terms: list[wq.Term], slop: int, ordered: bool, mindist: int) -> Matches:
        """Documents holding every term within the span rule, scored as the sum of the terms' scores."""
        if len(terms) == 2 and mindist == 1:
            parts = [self.matches(term) for term in terms]
            if not all(len(part.ids) for part in parts):
                return NOTHING  # no positions to decode
            first, second = (self.arrays.positions(term.fieldname, term.text).keys for term in terms)
            return summed_at(parts, pairs_within(first, second, slop, ordered))
        every = self._and_of(terms)
        candidates = every.ids
        if not len(candidates):
            return NOTHING
        per_term = [self._positions_in(term, candidates) for term in terms]
        keep = np.fromiter(
            (self._checked(spans_match, [positions[i] for positions in per_term], slop, ordered, mindist)
             for i in range(len(candidates))),
            dtype=bool, count=len(candidates))
        return Matches(candidates[keep], every.scores[keep])

    def _and_of(self, terms: list[wq.Term]) -> Matches:
        """Documents holding every term, scored by the sum of the terms' scores (Whoosh's intersection)."""
        return self._intersection([self.matches(term) for term in terms])

    def _positions_in(self, term: wq.Term, docs: np.ndarray) -> list[list[int]]:
        """The positions of term in each of docs (all of which hold it)."""
        postings = self.arrays.term(term.fieldname, term.text)
        positions = self.arrays.positions(term.fieldname, term.text)
        return [positions.of(i) for i in np.searchsorted(postings.ids, docs).tolist()]

    # ----- anything else ------------------------------------------------------

    def _with_whoosh(self, query: wq.Query) -> Matches:
        """Run Whoosh's own matcher over every segment (for node types without a rule above)."""
        ids, scores = [], []
        with self.open_searcher() as searcher:
            context = searcher.context()
            for subsearcher, offset in searcher.leaf_searchers():
                matcher = query.matcher(subsearcher, context)
                while matcher.is_active():
                    self.deadline.check()
                    ids.append(offset + matcher.id())
                    scores.append(matcher.score())
                    matcher.next()
        return Matches(np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64))


def summed_at(parts: list[Matches], docs: np.ndarray) -> Matches:
    """docs (ascending, each in every part) scored as _intersection scores them: the parts' scores added in order."""
    if not len(docs):
        return NOTHING
    scores = parts[0].scores[parts[0].ids.searchsorted(docs)]
    for part in parts[1:]:
        scores = scores + part.scores[part.ids.searchsorted(docs)]
    return Matches(docs, scores)


def restrict(matches: Matches, allowed: np.ndarray) -> Matches:
    """The matches whose documents are in allowed (ascending document numbers)."""
    keep, _ = common(matches.ids, allowed)
    return Matches(matches.ids[keep], matches.scores[keep])


def exclude(matches: Matches, excluded: np.ndarray) -> Matches:
    """The matches whose documents are not in excluded (ascending document numbers)."""
    found, _ = common(matches.ids, excluded)
    if not len(found):
        return matches
    keep = np.ones(len(matches.ids), dtype=bool)
    keep[found] = False
    return Matches(matches.ids[keep], matches.scores[keep])


def common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the documents both ascending arrays hold stand in a and in b (two aligned index arrays).

    Each document of the shorter array is looked up in the longer (a binary
    search each): a rare word's few documents are looked up in a common
    word's list, never the other way round.
    """
    if len(a) > len(b):
        in_b, in_a = common(b, a)
        return in_a, in_b
    if not len(a):
        return _NO_INDICES, _NO_INDICES
    at = np.searchsorted(b, a)
    at[at == len(b)] = 0  # past the end: compare with any element, here the first, which is smaller
    found = b[at] == a
    return np.flatnonzero(found), at[found]


def pairs_within(first: np.ndarray, second: np.ndarray, slop: int, ordered: bool) -> np.ndarray:
    """The documents where a second-term position stands 1..slop after a first-term one (either side unless ordered).

    What spans_match decides for two one-position spans with mindist 1, for
    every document at once on TermPositions keys (document << 32 | position:
    keys of two documents are further apart than any slop). Each key of the
    shorter list looks up its neighbours in the longer one.
    """
    if not len(first) or not len(second):
        return _NO_INDICES
    keys, others, after, before = first, second, True, not ordered
    if len(first) > len(second):  # look for a first-term key before each second-term key
        keys, others, after, before = second, first, not ordered, True
    near = np.zeros(len(keys), dtype=bool)
    if after:
        at = np.searchsorted(others, keys, side="right")  # the first key > each
        gap = others[np.minimum(at, len(others) - 1)] - keys
        near |= (at < len(others)) & (gap >= 1) & (gap <= slop)
    if before:
        at = np.searchsorted(others, keys, side="left") - 1  # the last key < each
        gap = keys - others[np.maximum(at, 0)]
        near |= (at >= 0) & (gap >= 1) & (gap <= slop)
    docs = keys[near] >> 32
    return docs[np.concatenate(([True], docs[1:] != docs[:-1]))] if len(docs) else docs


def spans_match(position_lists: list[list[int]], slop: int, ordered: bool, mindist: int) -> bool:
    """Whether SpanNear2Matcher._get_spans finds a span for these per-term positions (its loop, as is)."""
    aspans = [Span(p) for p in position_lists[0]]
    i = 1
    while i < len(position_lists) and aspans:
        bspans = [Span(p) for p in position_lists[i]]
        spans = set()
        for aspan in aspans:
            start = aspan.start if ordered else max(0, aspan.start - slop)
            j = bisect_spans(bspans, start)
            while j < len(bspans):
                bspan = bspans[j]
                j += 1
                if bspan.end < aspan.start - slop or (ordered and aspan.start > bspan.start):
                    continue
                if bspan.start > aspan.end + slop:
                    break
                if mindist <= aspan.distance_to(bspan) <= slop:
                    spans.add(aspan.to(bspan))
        aspans = sorted(spans)
        i += 1
    return i == len(position_lists) and bool(aspans)
