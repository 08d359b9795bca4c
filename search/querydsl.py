"""Translate a parsed query of ours into OpenSearch / Elasticsearch Query DSL.

The tree is the one whoosh_query.py compiles, and the translation follows
it clause for clause, so a cluster loaded from the export (export.py)
ranks as our engine does. Words are sent as the terms our analyzer made
(``term`` queries on the normalized form and the stem): the cluster never
re-analyzes a query, so query analysis is exactly ours, and the weights
are whoosh_query.WEIGHTS.

Approximations, each also in docs/scale-out.md:

- tiers: our engine ranks documents holding every content word first.
  Here a ``constant_score`` clause adds ALL_WORDS_BONUS to them; BM25
  scores stay far below it, so the tiers keep their order and the score
  inside a tier is BM25 as before (the backend subtracts the bonus);
- slop: Lucene's phrase slop counts moves over the whole phrase, ours
  counts the gap between neighbours: the same for two words;
- scoring: Lucene's BM25 per field, summed, where Whoosh uses BM25F;
  the same k1 and b (export.py copies them from searching.SCORING).
"""

from __future__ import annotations

import datetime as dt
import json

from .query import And, DateRange, Fuzzy, Node, Not, Or, ParsedQuery, Phrase, Prefix, Soft, SourceFilter, Word
from .levels import FIELD_NAMED, FIELDS, STEM, fields_of
from .plan import MAX_EXPANSIONS
ALL_WORDS_BONUS = 1000.0  # added to documents holding every content word: the first tier
FRAGMENT_CHARS = 200  # the cluster's own highlight fragment, for clients that use it
FACET_SIZE = 100  # sources returned in the facet (SaudiNewsNet has 14)
PHRASE_ANALYZER = "whitespace"  # phrase terms are already ours: split them, change nothing


def es_field(whoosh_field: str) -> str:
    """The cluster's name for a field of ours: title_stem -> title.stem, title -> title, source -> source."""
    indexed = FIELD_NAMED.get(whoosh_field)
    return indexed.cluster_name() if indexed is not None else whoosh_field


def date_value(value: dt.datetime) -> str:
    """A date in the mapping's strict_date_optional_time form, to the millisecond."""
    return value.isoformat(timespec="milliseconds")


class _Compiler:
    """One pass over the tree; source: and date: parts are collected as filters."""

    def __init__(self):
        self.filters: list[dict] = []

    def compile(self, node: Node) -> dict | None:
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return self.phrase(node)
        if isinstance(node, Prefix):
            return self.per_field(node.field, lambda field, weight: {"prefix": {field: {
                "value": node.normalized, "boost": weight, "rewrite": f"top_terms_{MAX_EXPANSIONS}"}}})
        if isinstance(node, Fuzzy):
            return self.per_field(node.field, lambda field, weight: {"fuzzy": {field: {
                "value": node.normalized, "fuzziness": node.distance, "prefix_length": 1,
                "max_expansions": MAX_EXPANSIONS, "transpositions": False, "boost": weight}}})
        if isinstance(node, (SourceFilter, DateRange)):
            self.filters.append(filter_clause(node))
            return None
        if isinstance(node, Not):
            return self.combine((node,), "must")
        if isinstance(node, And):
            return self.combine(node.children, "must")
        if isinstance(node, Soft):
            return self.combine(soft_children(node), "should")
        if isinstance(node, Or):
            return self.combine(node.children, "should")
        raise TypeError(node)

    def combine(self, children, occur: str) -> dict | None:
        """Join children with must or should; Not children exclude from the whole group.

        A negated source: or date: excludes too (Whoosh's compiler turns it
        into a positive filter; see docs/scale-out.md).
        """
        positive, negative = [], []
        for child in children:
            if isinstance(child, Not):
                inner = child.child
                clause = filter_clause(inner) if isinstance(inner, (SourceFilter, DateRange)) else self.compile(inner)
                if clause is not None:
                    negative.append(clause)
                continue
            clause = self.compile(child)
            if clause is not None:
                positive.append(clause)
        if not positive and not negative:
            return None
        if len(positive) == 1 and not negative:
            return positive[0]
        query: dict = {occur: positive} if positive else {}
        if negative:
            query["must_not"] = negative
        return {"bool": query}

    def word(self, word: Word) -> dict:
        """The normalized form at the exact level, the stem at the stem level, weighted per field."""
        clauses = []
        for field, weight in fields_for(word.field):
            text = word.normalized if FIELD_NAMED[field].level.literal else word.stem
            if text is not None:
                clauses.append({"term": {es_field(field): {"value": text, "boost": weight}}})
        return either(clauses)

    def phrase(self, phrase: Phrase) -> dict:
        """match_phrase in order; NEAR (unordered) is a span_near. No stem level if a word is a stopword."""
        has_stopword = any(w.stem is None for w in phrase.words)
        clauses = []
        for field, weight in fields_for(phrase.field):
            stem_level = not FIELD_NAMED[field].level.literal
            if stem_level and has_stopword:
                continue  # the stem level has no stopwords to match
            texts = [w.stem if stem_level else w.normalized for w in phrase.words]
            name = es_field(field)
            if phrase.ordered:
                clauses.append({"match_phrase": {name: {"query": " ".join(texts), "slop": phrase.slop,
                                                        "analyzer": PHRASE_ANALYZER, "boost": weight}}})
            else:
                clauses.append({"span_near": {"clauses": [{"span_term": {name: text}} for text in texts],
                                              "slop": phrase.slop, "in_order": False, "boost": weight}})
        return either(clauses)

    def per_field(self, field_only: str | None, clause) -> dict:
        """A prefix or fuzzy word on every weighted field (only title's with title:)."""
        return either([clause(es_field(field), weight) for field, weight in fields_for(field_only)])


def fields_for(field_only: str | None):
    """(whoosh field, weight) pairs of levels.FIELDS, only those of field_only when given."""
    return [(field.name, field.weight) for field in fields_of(field_only)]


def either(clauses: list[dict]) -> dict:
    """One clause, or a bool should of several (a bool of should clauses alone needs one to match)."""
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses}}


def soft_children(node: Soft) -> tuple[Node, ...]:
    """Drop stopwords from plain words, unless nothing else is left (as whoosh_query does)."""
    content = tuple(c for c in node.children if not (isinstance(c, Word) and c.stem is None and not c.exact))
    return content or node.children


def filter_clause(node: SourceFilter | DateRange) -> dict:
    """source: as a term on the keyword field, date: as a range (bounds inclusive)."""
    if isinstance(node, SourceFilter):
        return {"term": {"source": node.source}}
    return date_range(node.start, node.end)


def date_range(start: dt.datetime | None, end: dt.datetime | None) -> dict:
    bounds = {}
    if start is not None:
        bounds["gte"] = date_value(start)
    if end is not None:
        bounds["lte"] = date_value(end)
    return {"range": {"date": bounds}}


def highlight_fields() -> dict:
    """The cluster's highlight on the original text of every weighted field (from _source)."""
    fields = {field.cluster_name(): {"fragment_size": FRAGMENT_CHARS, "number_of_fragments": 1} for field in FIELDS}
    return {"fields": dict(sorted(fields.items()))}


def to_query_dsl(parsed: ParsedQuery, limit: int = 10, page: int = 1, since: dt.datetime | None = None,
                 until: dt.datetime | None = None, source: str | None = None, sort: str = "relevance",
                 time_limit: float | None = None, highlight: bool = True) -> dict:
    """A _search body for a parsed query and the same options as Index.search.

    Top-level plain words get the all-words tier (a bonus clause); source:,
    date: and the options become non-scoring filters; sort="date" orders
    newest first, as the local engine does.
    """
    compiler = _Compiler()
    query = compiler.compile(parsed.root) if parsed.root is not None else None
    filters = compiler.filters
    if source:
        filters.append({"term": {"source": source}})
    if since or until:
        filters.append(date_range(since, until))

    top: dict = {"must": [query if query is not None else {"match_all": {}}]}
    if isinstance(parsed.root, Soft) and sort != "date":
        tier = _Compiler()  # a second pass: its filters are already collected above
        words = [tier.compile(c) for c in soft_children(parsed.root) if not isinstance(c, Not)]
        words = [w for w in words if w is not None]
        if len(words) > 1:
            top["should"] = [{"constant_score": {"filter": {"bool": {"must": words}}, "boost": ALL_WORDS_BONUS}}]
    if filters:
        top["filter"] = filters
    body: dict = {
        "query": {"bool": top},
        "from": (max(1, page) - 1) * limit,
        "size": limit,
        "track_total_hits": True,
        "aggs": {"source": {"terms": {"field": "source", "size": FACET_SIZE}}},
    }
    if sort == "date":
        body["sort"] = [{"date": {"order": "desc"}}]
    if highlight:
        body["highlight"] = highlight_fields()
    if time_limit:
        body["timeout"] = f"{max(1, round(time_limit * 1000))}ms"
    return body


# ----- a stored search template, for clients that do not run our parser -----

_QUERY = "\x00query\x00"  # placeholders, replaced by mustache tags once the body is JSON
_FROM = "\x00from\x00"
_SIZE = "\x00size\x00"
_MUSTACHE = {
    json.dumps(_QUERY): "{{#toJson}}query{{/toJson}}",
    json.dumps(_FROM): "{{from}}{{^from}}0{{/from}}",
    json.dumps(_SIZE): "{{size}}{{^size}}10{{/size}}",
}


def search_template() -> dict:
    """A PUT _scripts body: plain words analyzed by the cluster, weighted and tiered as ours.

    For other clients (a web front end, Kibana). The cluster's analyzers
    do the analysis here, so a word never seen at export time gets
    Lucene's stemmer, and stopwords still count at the exact level: our
    own backend sends to_query_dsl() instead.
    """
    weighted = [f"{field.cluster_name()}^{field.weight}" for field in FIELDS]
    stem_fields = [field.cluster_name() for field in fields_of(level=STEM)]
    body = {
        "query": {"bool": {
            "must": [{"multi_match": {"query": _QUERY, "type": "most_fields", "fields": weighted}}],
            "should": [{"constant_score": {
                "filter": {"multi_match": {"query": _QUERY, "type": "cross_fields", "operator": "and",
                                           "fields": stem_fields}},
                "boost": ALL_WORDS_BONUS}}],
        }},
        "from": _FROM,
        "size": _SIZE,
        "track_total_hits": True,
        "aggs": {"source": {"terms": {"field": "source", "size": FACET_SIZE}}},
        "highlight": highlight_fields(),
    }
    source = json.dumps(body, ensure_ascii=False)
    for placeholder, tag in _MUSTACHE.items():
        source = source.replace(placeholder, tag)
    return {"script": {"lang": "mustache", "source": source}}
