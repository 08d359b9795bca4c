"""Render a query plan (query/plan.py) to Whoosh queries for our engine.

Every decision (terms, weights, tiers, coordination, proximity, budgets)
is the plan's; this module only spells it in Whoosh's query classes and
expands prefix and fuzzy words against the open index. Each plan node
becomes one Whoosh object, however often the plan uses it: evaluate.py
memoises by object, so a word shared by the ranking and the all-words
tier is scored once.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as wq
from whoosh.query.spans import SpanNear2

from ..deadline import Deadline
from ..query.language import ParsedQuery
from ..query.plan import Bonus, Expansion, Filter, Group, PlanNode, QueryPlan, Span, Terms, Without, plan_query
from .postings import IndexArrays
from .scoring import Coordinated


@dataclass
class WhooshPlan:
    """What to run: the scoring query, the stricter all-words query (if any), and filters."""

    query: wq.Query
    all_words: wq.Query | None  # top-level plain words: documents matching it rank first
    filters: list[wq.Query]  # source: and date: parts, which match without scoring
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
    return WhooshPlan(query, all_words, [filter_query(f) for f in plan.filters], plan.vowels)


class _Renderer:
    def __init__(self, reader, deadline: Deadline | None):
        self.reader = reader
        self.deadline = deadline
        self._rendered: dict[PlanNode, wq.Query] = {}  # plan nodes hash by identity (eq=False)

    def render(self, node: PlanNode) -> wq.Query:
        """The Whoosh query of a plan node, the same object each time it is asked."""
        if node not in self._rendered:
            self._rendered[node] = self._render(node)
        return self._rendered[node]

    def _render(self, node: PlanNode) -> wq.Query:
        if isinstance(node, Terms):
            terms = [wq.Term(t.field, t.text, boost=t.weight) for t in node.terms]
            return terms[0] if len(terms) == 1 else wq.Or(terms)
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
        """An OR of the real index terms of a prefix or fuzzy word: at most node.per_field in each field,
        the first in term order, each weighted as its field."""
        terms = []
        for field_name, weight in node.fields:
            if self.deadline is not None:
                self.deadline.check()
            for count, term in enumerate(self.expand(node, field_name)):
                if count >= node.per_field:
                    break
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                terms.append(wq.Term(field_name, text, boost=weight))
        return wq.Or(terms) if terms else wq.NullQuery

    def expand(self, node: Expansion, field_name: str):
        """The field's terms of node in term order (a prefix's, or those within a fuzzy word's edits)."""
        if node.kind == "prefix":
            return self.reader.expand_prefix(field_name, node.text)
        if isinstance(self.reader, IndexArrays):  # stops at the budget, and at the deadline
            return self.reader.terms_within(field_name, node.text, node.distance, prefix=node.prefix,
                                            limit=node.per_field, deadline=self.deadline)
        return self.reader.terms_within(field_name, node.text, node.distance, prefix=node.prefix)  # a Whoosh reader


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
