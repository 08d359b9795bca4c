"""Turn a parsed query tree into Whoosh queries over both analysis levels.

A plain word becomes four weighted terms: its stem in body_stem and
title_stem (recall) and its normalized form in body and title (exact-form
matches rank above stem-only ones), with title matches boosted. The
weights are data below, tuned on ARCD (benchmarks/relevance.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as wq
from whoosh.query.spans import SpanNear2

from .query import And, DateRange, Fuzzy, Node, Not, Or, ParsedQuery, Phrase, Prefix, Soft, SourceFilter, Word

# Weight of each field for a plain word: stem level carries recall, the
# exact level rewards the form the user typed, titles say what an article is about.
WEIGHTS = {
    "body_stem": 1.0,
    "body": 0.5,
    "title_stem": 0.5,
    "title": 0.25,
}
MAX_EXPANSIONS = 256  # terms one prefix or fuzzy word may expand to: bounds query time


@dataclass
class WhooshPlan:
    """What to run: the scoring query, the stricter all-words query (if any), and filters."""

    query: wq.Query
    all_words: wq.Query | None  # top-level plain words: documents matching it rank first
    filters: list[wq.Query]  # source: and date: parts, which match without scoring


class _Compiler:
    def __init__(self, reader):
        self.reader = reader
        self.filters: list[wq.Query] = []

    def compile(self, node: Node) -> wq.Query | None:
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return self.phrase(node)
        if isinstance(node, Prefix):
            return self.expanded(node.field, lambda field: self.reader.expand_prefix(field, node.normalized),
                                 node.normalized)
        if isinstance(node, Fuzzy):
            return self.expanded(node.field, lambda field: self.reader.terms_within(field, node.normalized,
                                                                                    node.distance, prefix=1),
                                 node.normalized)
        if isinstance(node, SourceFilter):
            self.filters.append(wq.Term("source", node.source))
            return None
        if isinstance(node, DateRange):
            self.filters.append(wq.DateRange("date", node.start, node.end))
            return None
        if isinstance(node, Not):
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
        if not required:
            return self.combine(optional, wq.Or)
        must = self.combine(tuple(c.children[0] for c in required) + tuple(
            c for c in optional if isinstance(c, Not)), wq.And)
        maybe = self.combine(tuple(c for c in optional if not isinstance(c, Not)), wq.Or)
        if must is None:  # +source:x, +date:...: the required parts were filters
            return maybe
        return wq.AndMaybe(must, maybe) if maybe is not None else must

    def soft_children(self, node: Soft) -> tuple[Node, ...]:
        """Drop stopwords from plain words, unless nothing else is left."""
        content = tuple(c for c in node.children if not (isinstance(c, Word) and c.stem is None and not c.exact))
        return content or node.children

    def combine(self, children, kind) -> wq.Query | None:
        """Join children; a Not child becomes an exclusion of the whole group."""
        positive, negative = [], []
        for child in children:
            if isinstance(child, Not):
                compiled = self.compile(child.child)
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
        for field_name, weight in WEIGHTS.items():
            if word.field and not field_name.startswith(word.field):
                continue
            exact_level = not field_name.endswith("_stem")
            if exact_level:
                terms.append(wq.Term(field_name, word.normalized, boost=weight))
            elif word.stem is not None:
                terms.append(wq.Term(field_name, word.stem, boost=weight))
        return terms[0] if len(terms) == 1 else wq.Or(terms)

    def phrase(self, phrase: Phrase) -> wq.Query:
        alternatives = []
        has_stopword = any(w.stem is None for w in phrase.words)
        for field_name, weight in WEIGHTS.items():
            if phrase.field and not field_name.startswith(phrase.field):
                continue
            exact_level = not field_name.endswith("_stem")
            if not exact_level and has_stopword:
                continue  # the stem level has no stopwords to match
            texts = [w.normalized if exact_level else w.stem for w in phrase.words]
            if phrase.ordered:
                alternatives.append(wq.Phrase(field_name, texts, slop=phrase.slop + 1, boost=weight))
            else:
                terms = [wq.Term(field_name, text) for text in texts]
                alternatives.append(SpanNear2(terms, slop=phrase.slop + 1, ordered=False))
        return alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives)

    def expanded(self, field_only: str | None, expand, shown: str) -> wq.Query:
        """A prefix or fuzzy word as an OR of at most MAX_EXPANSIONS real index terms per field."""
        terms = []
        for field_name, weight in WEIGHTS.items():
            if field_only and not field_name.startswith(field_only):
                continue
            for count, term in enumerate(expand(field_name)):
                if count >= MAX_EXPANSIONS:
                    break
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                terms.append(wq.Term(field_name, text, boost=weight))
        return wq.Or(terms) if terms else wq.NullQuery


def to_whoosh(parsed: ParsedQuery, reader) -> WhooshPlan:
    """Compile a parsed query against an open index reader (prefix and fuzzy words need its terms)."""
    compiler = _Compiler(reader)
    query = compiler.compile(parsed.root)
    all_words = None
    if isinstance(parsed.root, Soft):
        children = [compiler.compile(c) for c in compiler.soft_children(parsed.root) if not isinstance(c, Not)]
        children = [c for c in children if c is not None]
        if len(children) > 1:
            all_words = wq.And(children)
    if query is None:
        query = wq.Every()  # only filters: every document they let through
    return WhooshPlan(query, all_words, compiler.filters)
