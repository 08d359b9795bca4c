"""BM25 as Lucene computes it, field by field, and a coordinated OR, for Whoosh.

Whoosh's own BM25F takes its idf from classic tf-idf, log(N / (df + 1)) + 1:
a word found in every document still weighs 1, as much as a fairly rare
one weighs 2 or 3, so a question's frequent words (كان, عام) drown the
rare one that names its subject. Lucene's BM25 idf,
log(1 + (N - df + 0.5) / (df + 0.5)), falls towards 0 for such words and
is what Elasticsearch, OpenSearch and Solr rank Arabic text with; on
ARCD it ranks better (docs/relevance.md).

Each field may keep its own length normalization ``B`` (``field_b``).

``Coordinated`` is an OR whose documents are scored by the evidence they
hold times the share of the query's words they contain, raised to a small
power: complete matches rank above partial ones of similar weight, and a
partial match with much stronger evidence can still pass them (the
ranking of question-style queries, see query/plan.py).

``Blended`` is several terms of one field scored as one, Lucene's
SynonymQuery: the forms of a synonym (query/plan.py's Blend).
"""

from __future__ import annotations

from math import log

from whoosh import query as wq
from whoosh.matching import NullMatcher, UnionMatcher, WrappingMatcher
from whoosh.scoring import WeightingModel, WeightLengthScorer, WeightScorer
from whoosh.util import make_binary_tree


def lucene_idf(doc_count: int, doc_frequency: int) -> float:
    """Lucene's BM25 idf: near 0 for a word in every document, never negative."""
    return log(1 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


def bm25(idf: float, tf: float, length: float, average_length: float, b: float, k1: float) -> float:
    """One term in one field: saturating term frequency, normalized by field length.

    The one BM25 formula: evaluate.py applies it to numpy arrays of a term's documents at once.
    """
    return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average_length))


class LuceneBM25(WeightingModel):
    """BM25 with Lucene's idf; ``field_b`` sets B per field (others use ``b``).

    K1 and B keep the attribute names of Whoosh's BM25F, which the export
    to OpenSearch reads (its BM25 uses Lucene's idf too).
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75, field_b: dict[str, float] | None = None):
        self.K1 = k1
        self.B = b
        self.field_b = dict(field_b or {})

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        return lucene_idf(parent.doc_count_all(), parent.doc_frequency(fieldname, text))

    def supports_block_quality(self):
        return True

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        return LuceneBM25Scorer(searcher, fieldname, text, self.field_b.get(fieldname, self.B), self.K1)


class LuceneBM25Scorer(WeightLengthScorer):
    """Scores one term of one field; idf and average length come from the whole index."""

    def __init__(self, searcher, fieldname, text, b: float, k1: float):
        parent = searcher.get_parent()
        self.idf = parent.idf(fieldname, text)
        self.average_length = parent.avg_field_length(fieldname) or 1
        self.b = b
        self.k1 = k1
        self.setup(searcher, fieldname, text)

    def _score(self, weight, length):
        return bm25(self.idf, weight, length, self.average_length, self.b, self.k1)


class Coordinated(wq.Or):
    """Documents matching any part, scored ``sum of scores * (parts matched / parts) ** exponent``."""

    def __init__(self, subqueries, exponent: float, boost: float = 1.0):
        super().__init__(subqueries, boost=boost)
        self.exponent = exponent

    def __eq__(self, other):
        return super().__eq__(other) and self.exponent == other.exponent

    __hash__ = wq.Or.__hash__

    def __repr__(self):
        return f"{type(self).__name__}({self.subqueries!r}, exponent={self.exponent!r})"

    def apply(self, fn):
        return type(self)([fn(q) for q in self.subqueries], self.exponent, self.boost)

    def normalize(self):
        return self  # Or.normalize would flatten it into a plain Or

    def matcher(self, searcher, context=None):
        # Each part must say which document it is on (no pre-scored arrays).
        context = context.set(needs_current=True) if context is not None else None
        parts = [part.matcher(searcher, context) for part in self.subqueries]
        parts = [part for part in parts if part.is_active()]
        if not parts:
            return NullMatcher()
        return CoordinationMatcher(parts, len(self.subqueries), self.exponent, self.boost)


class CoordinationMatcher(WrappingMatcher):
    """A union of the parts' matchers that counts, per document, the parts it matched.

    A union only ever moves a part forward past the current document, so
    a part matches the current document exactly when it stands on it.
    """

    def __init__(self, parts, total: int, exponent: float, boost: float = 1.0):
        self.parts = parts
        self.total = total
        self.exponent = exponent
        union = parts[0] if len(parts) == 1 else make_binary_tree(UnionMatcher, parts)
        super().__init__(union, boost=boost)

    def copy(self):
        return type(self)([part.copy() for part in self.parts], self.total, self.exponent, self.boost)

    def replace(self, minquality=0):
        # Keep the parts: a replaced union could drop one and lose its count.
        return self if self.is_active() else NullMatcher()

    def supports_block_quality(self):
        return False

    def matched_parts(self) -> int:
        current = self.child.id()
        return sum(1 for part in self.parts if part.is_active() and part.id() == current)

    def score(self):
        share = self.matched_parts() / self.total
        return self.child.score() * self.boost * share ** self.exponent


class Blended(wq.Or):
    """Terms of one field scored as one term: their frequencies in a document summed, BM25 with
    the idf of the term in the most documents (Lucene's SynonymQuery; plan.Blend)."""

    def __init__(self, fieldname: str, texts, boost: float = 1.0):
        super().__init__([wq.Term(fieldname, text) for text in texts], boost=boost)
        self.fieldname = fieldname
        self.texts = tuple(texts)

    def __eq__(self, other):
        return type(other) is type(self) and (self.fieldname, self.texts, self.boost) == (
            other.fieldname, other.texts, other.boost)

    __hash__ = wq.Or.__hash__

    def __repr__(self):
        return f"{type(self).__name__}({self.fieldname!r}, {self.texts!r}, boost={self.boost!r})"

    def apply(self, fn):
        return self  # its parts are its terms, not queries to rewrite

    def normalize(self):
        return self  # Or.normalize would flatten it into a plain Or

    def matcher(self, searcher, context=None):
        context = context.set(needs_current=True) if context is not None else None
        parts = [part.matcher(searcher, context) for part in self.subqueries]
        parts = [part for part in parts if part.is_active()]
        if not parts:
            return NullMatcher()
        parent = searcher.get_parent()
        commonest = max(self.texts, key=lambda text: parent.doc_frequency(self.fieldname, text))
        scorer = searcher.weighting.scorer(searcher, self.fieldname, commonest)
        return BlendedMatcher(parts, scorer, self.boost)


class BlendedMatcher(WrappingMatcher):
    """A union of one field's term matchers, each document scored once on their summed frequency."""

    def __init__(self, parts, scorer, boost: float = 1.0):
        self.parts = parts
        self.scorer = scorer  # the commonest term's: its idf is the blend's
        union = parts[0] if len(parts) == 1 else make_binary_tree(UnionMatcher, parts)
        super().__init__(union, boost=boost)

    def copy(self):
        return type(self)([part.copy() for part in self.parts], self.scorer, self.boost)

    def replace(self, minquality=0):
        return self if self.is_active() else NullMatcher()

    def supports_block_quality(self):
        return False

    def weight(self):
        current = self.child.id()
        return sum(part.weight() for part in self.parts if part.is_active() and part.id() == current)

    def score(self):
        current = self.child.id()
        if not isinstance(self.scorer, LuceneBM25Scorer):
            return self.weight() * self.boost  # an unscored field: its frequency, as WeightScorer
        return self.boost * self.scorer._score(self.weight(), self.scorer.dfl(current))
