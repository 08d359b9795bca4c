"""Render a query plan (query/plan.py) to Whoosh queries for our engine.

Every decision (terms, weights, tiers, coordination, proximity, budgets)
is the plan's; this module only spells it in Whoosh's query classes and
expands prefix and fuzzy words against the open index. Each plan node
becomes one Whoosh object, however often the plan uses it: evaluate.py
memoises by object, so a word shared by the ranking and the all-words
tier is scored once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.query.spans import SpanNear2

from ..deadline import Deadline
from ..distance import arabic_edit_distance
from ..query.language import ParsedQuery
from ..query.plan import Blend, Bonus, Expansion, Filter, Group, PlanNode, QueryPlan, Span, Terms, Without, plan_query
from .postings import IndexArrays
from .scoring import Blended, Coordinated, lucene_idf


@dataclass
class WhooshPlan:
    """What to run: the scoring query, the stricter all-words query (if any), and filters."""

    query: wq.Query
    all_words: wq.Query | None  # top-level plain words: documents matching it rank first
    filters: list[wq.Query]  # source: and date: parts, which match without scoring
    notes: list[str] = field(default_factory=list)  # what the results leave out (a prefix's rarer completions)
    vowels: tuple = ()  # the plan's حركات: words, which searching.py checks on each candidate's original text


def to_whoosh(parsed: ParsedQuery, reader, deadline: Deadline | None = None) -> WhooshPlan:
    """Plan a parsed query and render it against an open index reader (prefix and fuzzy words need its terms).

    reader needs doc_frequency, expand_prefix and terms_within: a Whoosh
    reader, or postings.IndexArrays, which memoises them. Expanding prefix
    and fuzzy words raises SearchStopped once the deadline is reached (its
    half-expanded words would match fewer documents, or exclude fewer).
    """
    return render(plan_query(parsed, reader), reader, deadline)


def render(plan: QueryPlan, reader, deadline: Deadline | None = None) -> WhooshPlan:
    """The Whoosh queries of a plan; reader expands its prefix and fuzzy words."""
    renderer = _Renderer(reader, deadline)
    query = renderer.render(plan.query) if plan.query is not None else wq.Every()  # only filters: all they let through
    all_words = renderer.render(plan.all_words) if plan.all_words is not None else None
    return WhooshPlan(query, all_words, [filter_query(f) for f in plan.filters], renderer.notes, plan.vowels)


class _Renderer:
    def __init__(self, reader, deadline: Deadline | None):
        self.reader = reader
        self.deadline = deadline
        self._rendered: dict[PlanNode, wq.Query] = {}  # plan nodes hash by identity (eq=False)
        self.notes: list[str] = []

    def render(self, node: PlanNode) -> wq.Query:
        """The Whoosh query of a plan node, the same object each time it is asked."""
        if node not in self._rendered:
            self._rendered[node] = self._render(node)
        return self._rendered[node]

    def _render(self, node: PlanNode) -> wq.Query:
        if isinstance(node, Terms):
            terms = [wq.Term(t.field, t.text, boost=t.weight) for t in node.terms]
            return terms[0] if len(terms) == 1 else wq.Or(terms)
        if isinstance(node, Blend):
            fields = [wq.Term(field, texts[0], boost=weight) if len(texts) == 1 else Blended(field, texts, weight)
                      for field, texts, weight in node.fields]
            return fields[0] if len(fields) == 1 else wq.Or(fields)
        if isinstance(node, Span):
            return span_query(node)
        if isinstance(node, Expansion):
            return self.expansion(node)
        if isinstance(node, Filter):
            return filter_query(node)
        if isinstance(node, Group):
            return self.group(node)
        if isinstance(node, Bonus):
            return wq.AndMaybe(self.render(node.required), self.render(node.bonus))
        if isinstance(node, Without):
            return wq.Not(self.render(node.child))
        raise TypeError(node)

    def group(self, group: Group) -> wq.Query:
        """And, Or or Coordinated of the children (one child alone: itself); AndNot for the exclusions."""
        children = [self.render(child) for child in group.children]
        if len(children) == 1:
            query = children[0]
        elif not children:
            query = wq.Every()
        elif group.op == "all":
            query = wq.And(children)
        elif group.op == "any":
            query = wq.Or(children)
        else:
            query = Coordinated(children, group.exponent)
        if group.excluded:
            excluded = [self.render(child) for child in group.excluded]
            query = wq.AndNot(query, excluded[0] if len(excluded) == 1 else wq.Or(excluded))
        return query

    def expansion(self, node: Expansion) -> wq.Query:
        """An OR of the real index terms of a prefix or fuzzy word, each weighted as its field: in each
        field at most node.per_field, for a prefix its most frequent within node.postings, for a fuzzy
        word the first in term order (each weight times fuzzy_ranking's factor)."""
        if node.kind == "prefix":
            return self.prefix(node)
        terms = []
        for field_name, weight in node.fields:
            if self.deadline is not None:
                self.deadline.check()
            texts = []
            for count, term in enumerate(self.expand(node, field_name)):
                if count >= node.per_field:
                    break
                texts.append(term.decode("utf-8") if isinstance(term, bytes) else term)
            if node.kind == "fuzzy":
                terms += [wq.Term(field_name, text, boost=weight * factor)
                          for text, factor in fuzzy_ranking(self.reader, node.text, field_name, texts)]
            else:
                terms += [wq.Term(field_name, text, boost=weight) for text in texts]
        return wq.Or(terms) if terms else wq.NullQuery

    def prefix(self, node: Expansion) -> wq.Query:
        """The most frequent terms of a prefix in each field, until node.per_field terms or node.postings
        postings (the first term always): its cost is bounded whatever the prefix, and the terms left out
        are the rarest, which few top hits hold. A note says how many were left out."""
        terms, searched, existing, cut = [], 0, 0, False
        for field_name, weight in node.fields:
            if self.deadline is not None:
                self.deadline.check()
            frequencies, count = prefix_frequencies(self.reader, field_name, node.text)
            chosen, read = [], 0
            for text, frequency in frequencies:
                if len(chosen) == node.per_field or (chosen and node.postings is not None
                                                     and read + frequency > node.postings):
                    break
                chosen.append(text)
                read += frequency
            # In term order, as a cluster's top_terms_N lists them.
            terms += [wq.Term(field_name, text, boost=weight) for text in sorted(chosen)]
            taken = len(chosen)
            cut = cut or taken < count
            if count > existing:  # the field with the most completions speaks for the word
                searched, existing = taken, count
        if cut:
            self.notes.append(f"{node.text}*: its {searched:,} most frequent completions of {existing:,} "
                              f"searched; rarer ones are left out (add letters to reach them)")
        return wq.Or(terms) if terms else wq.NullQuery

    def expand(self, node: Expansion, field_name: str):
        """The field's terms within a fuzzy word's edits, in term order."""
        if isinstance(self.reader, IndexArrays):  # stops at the budget, and at the deadline
            return self.reader.terms_within(field_name, node.text, node.distance, prefix=node.prefix,
                                            limit=node.per_field, deadline=self.deadline)
        return self.reader.terms_within(field_name, node.text, node.distance, prefix=node.prefix)  # a Whoosh reader


def fuzzy_ranking(reader, word: str, field_name: str, texts: list[str]) -> list[tuple[str, float]]:
    """A fuzzy word's terms in one field, nearest first (Arabic-aware edit cost, then most documents),
    each with the factor its field weight is multiplied by.

    The factor is the term's similarity to the word typed, 1 - cost / the
    shorter length (Lucene's FuzzyQuery), times the idf of the most
    frequent of the terms over its own (Lucene's blended frequencies; BM25
    is idf times a term-frequency part, so the blend is a factor on the
    boost). Left to its own idf, a rare word one edit away (الريان) would
    outrank the common word half an edit away (الرياض) for its rarity alone.
    reader is postings.IndexArrays or a Whoosh reader.
    """
    if not texts:
        return []
    found_in = {text: reader.doc_frequency(field_name, text) for text in texts}
    cost = {text: arabic_edit_distance(word, text) for text in texts}
    documents = reader.doc_count if isinstance(reader, IndexArrays) else reader.doc_count_all()
    blended = lucene_idf(documents, max(found_in.values()))
    ranked = []
    for text in sorted(texts, key=lambda text: (cost[text], -found_in[text], text)):
        similarity = max(0.0, 1.0 - cost[text] / min(len(text), len(word)))
        ranked.append((text, similarity * blended / lucene_idf(documents, found_in[text])))
    return ranked
def prefix_frequencies(reader, field_name: str, prefix: str) -> tuple[tuple[tuple[str, int], ...], int]:
    """(term, document frequency) of the terms starting with prefix, most frequent first, and their number:
    IndexArrays' memo, or a Whoosh reader asked term by term."""
    if isinstance(reader, IndexArrays):
        return reader.prefix_frequencies(field_name, prefix)
    if field_name not in reader.schema:
        return (), 0
    found = [(term.decode("utf-8"), reader.doc_frequency(field_name, term))
             for term in reader.expand_prefix(field_name, prefix)]
    found.sort(key=lambda item: (-item[1], item[0]))
    return tuple(found), len(found)


def span_query(span: Span) -> wq.Query:
    """A Phrase in order, an unordered SpanNear2 otherwise; Whoosh's slop is the distance between
    neighbours' positions (1: adjacent), the plan's the words allowed between them."""
    if span.ordered:
        return wq.Phrase(span.field, list(span.texts), slop=span.slop + 1, boost=span.weight)
    near = SpanNear2([wq.Term(span.field, text) for text in span.texts], slop=span.slop + 1, ordered=False)
    if span.weight != 1.0:
        near.boost = span.weight
    return near


def filter_query(node: Filter) -> wq.Query:
    """The Whoosh query of a source: or date: part, which matches without scoring."""
    if node.source is not None:
        return wq.Term("source", node.source)
    return wq.DateRange("date", node.start, node.end)
