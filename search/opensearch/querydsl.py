"""Render a query plan (query/plan.py) to OpenSearch / Elasticsearch Query DSL.

The plan is the one engine/compile.py renders for our engine, and every
node of it becomes a clause here, so a cluster loaded from the export
(export.py) matches the same documents and ranks them by the same rules:
the same terms and weights per field and level (analysis/levels.py), the clitic
alternatives, the all-words tier of keyword queries, the coordination
factor of questions, the proximity bonus, phrases with their slop,
prefix and fuzzy words with their budgets, exclusions and filters
(tests/test_plan_parity.py compares both renderings). Words are sent as
the terms our analyzer made (``term`` queries): the cluster never
re-analyzes a query, so query analysis is exactly ours.

Where the cluster can only approximate our engine, the difference is
listed once, in APPROXIMATIONS; README.md and docs/scale-out.md print
that list (tests/test_querydsl.py checks they do).
"""

from __future__ import annotations

import datetime as dt
import json

from ..analysis.levels import FIELD_NAMED, FIELDS, STEM, WEIGHTS, fields_of
from ..query.language import ParsedQuery, QueryError
from ..query.plan import (
    COORDINATION_EXPONENT,
    MAX_EXPANSIONS,
    PREFIX_POSTINGS,
    MAX_QUERY_EXPANSIONS,
    Blend,
    Bonus,
    Expansion,
    Filter,
    Group,
    PlanNode,
    Span,
    Terms,
    Vocabulary,
    Without,
    plan_query,
)

ALL_WORDS_BONUS = 1000.0  # added to documents holding every content word: the first tier
FRAGMENT_CHARS = 200  # the cluster's own highlight fragment, for clients that use it
FACET_SIZE = 100  # sources returned in the facet (SaudiNewsNet has 14)
PHRASE_ANALYZER = "whitespace"  # phrase terms are already ours: split them, change nothing

# Where a cluster ranks or matches otherwise than our engine: the one list,
# printed verbatim by README.md and docs/scale-out.md.
APPROXIMATIONS = (
    f"**Tiers**: our engine ranks the documents holding every content word of a keyword query before "
    f"the rest; the cluster adds {ALL_WORDS_BONUS:g} to them (a `constant_score` clause). The order is "
    f"the same while BM25 scores stay below the bonus (a few dozen is typical); the backend subtracts it, "
    f"so scores read as BM25.",
    f"**Coordination** (questions): the same factor, (words matched / words)^{COORDINATION_EXPONENT:g}, "
    f"as a `function_score` whose first matching filter, at least k of the n words, multiplies the "
    f"score by (k / n)^{COORDINATION_EXPONENT:g}: exact up to the scoring below, at the cost of sending "
    f"a question's words n + 1 times.",
    "**Scoring**: BM25 per field with Lucene's idf, summed over the clauses, with our k1 and b (the export "
    "copies them), as our engine scores. But both engines code field lengths in one byte, not alike; "
    "Lucene scores in 32-bit floats; and each shard keeps its own idf and average length unless the "
    "search uses `search_type=dfs_query_then_fetch`. Close scores may swap.",
    "**Phrase slop**: ours is the number of words allowed between each pair of neighbours, Lucene's the "
    "number of moves over the whole phrase: the same for two words in order (the proximity bonus too). "
    "With a slop of 2 or more Lucene also matches two words swapped, and a longer phrase may spend its "
    "slop unevenly.",
    "**Phrase and NEAR scores**: ours is the sum of the words' scores in each document holding the "
    "phrase; Lucene's is BM25 of the phrase's own frequency (a sloppy match counting "
    "1 / (distance + 1)) with the words' idf summed.",
    f"**Prefix and fuzzy words**: `top_terms_N` keeps N terms per field, N being our budget (at most "
    f"{MAX_EXPANSIONS} a word, {MAX_QUERY_EXPANSIONS} a query): for a prefix the first N in term order, "
    f"where ours takes its most frequent completions up to {PREFIX_POSTINGS:,} postings a field (a prefix "
    f"within that budget expands alike); for a fuzzy word the N closest, each boosted by Lucene's edit similarity, where ours "
    f"keeps the first N within the distance in term order, each boosted by its Arabic-aware similarity (a "
    f"look-alike letter half an edit) and scored with the idf of the commonest of them (Lucene's blended "
    f"frequencies).",
    "**Synonyms**: ours scores a synonym's forms in one field as one term, as Lucene's SynonymQuery "
    "does (their frequencies summed, the idf of the commonest form); the cluster is sent each form's "
    "term and sums their scores, so there a rarer spelling weighs more, and an article that writes "
    "both spellings ranks higher.",
    "**Clitic alternatives** (بمرض also searches مرض): decided on the cluster's own document counts, "
    "asked in one `size: 0` search before the query: the same counts as ours, except for words that "
    "Lucene's stemmer stemmed in a `--changes-since` update.",
)


def es_field(field: str) -> str:
    """The cluster's name for a field of ours: title_stem -> title.stem, title -> title, source -> source."""
    indexed = FIELD_NAMED.get(field)
    return indexed.cluster_name() if indexed is not None else field


def date_value(value: dt.datetime) -> str:
    """A date in the mapping's strict_date_optional_time form, to the millisecond."""
    return value.isoformat(timespec="milliseconds")


def render(node: PlanNode) -> dict:
    """The Query DSL clause of a plan node."""
    if isinstance(node, Terms):
        return either([{"term": {es_field(t.field): {"value": t.text, "boost": t.weight}}} for t in node.terms])
    if isinstance(node, Blend):
        return either([{"term": {es_field(field): {"value": text, "boost": weight}}}
                       for field, texts, weight in node.fields for text in texts])
    if isinstance(node, Span):
        return span_clause(node)
    if isinstance(node, Expansion):
        return either([expansion_clause(node, field, weight) for field, weight in node.fields])
    if isinstance(node, Filter):
        return filter_clause(node)
    if isinstance(node, Group):
        return group_clause(node)
    if isinstance(node, Bonus):
        return {"bool": {"must": [render(node.required)], "should": [render(node.bonus)]}}
    if isinstance(node, Without):
        return {"bool": {"must": [{"match_all": {}}], "must_not": [render(node.child)]}}
    raise TypeError(node)


def group_clause(group: Group) -> dict:
    """bool must (all) or should (any), a function_score (coordinated); exclusions as must_not.

    No child: match_all less the exclusions, each document scored 1, as
    our engine scores them.
    """
    children = [render(child) for child in group.children]
    excluded = [render(child) for child in group.excluded]
    if len(children) == 1 and not excluded:
        return children[0]
    if not children:
        return {"bool": {"must": [{"match_all": {}}], "must_not": excluded}}
    if len(children) > 1 and group.op == "coordinated":
        clause = coordinated(children, group.exponent)
        return {"bool": {"must": [clause], "must_not": excluded}} if excluded else clause
    query: dict = {"must" if group.op == "all" else "should": children}
    if excluded:
        query["must_not"] = excluded
    return {"bool": query}


def coordinated(parts: list[dict], exponent: float) -> dict:
    """Any of parts, the summed score times (parts matched / parts) ** exponent.

    function_score applies the first function whose filter matches: the
    filters ask for at least k parts, k from all of them down to one.
    """
    n = len(parts)
    functions = [{"filter": {"bool": {"should": parts, "minimum_should_match": k}}, "weight": (k / n) ** exponent}
                 for k in range(n, 0, -1)]
    return {"function_score": {"query": {"bool": {"should": parts}}, "functions": functions,
                               "score_mode": "first", "boost_mode": "multiply"}}


def span_clause(span: Span) -> dict:
    """match_phrase in order; NEAR (any order) is a span_near of span_terms. The slop is the plan's."""
    name = es_field(span.field)
    if span.ordered:
        return {"match_phrase": {name: {"query": " ".join(span.texts), "slop": span.slop,
                                        "analyzer": PHRASE_ANALYZER, "boost": span.weight}}}
    return {"span_near": {"clauses": [{"span_term": {name: text}} for text in span.texts],
                          "slop": span.slop, "in_order": False, "boost": span.weight}}


def expansion_clause(node: Expansion, field: str, weight: float) -> dict:
    """A prefix or fuzzy query on one field: its top node.per_field terms, each scored (top_terms_N)."""
    name, rewrite = es_field(field), f"top_terms_{node.per_field}"
    if node.kind == "prefix":
        return {"prefix": {name: {"value": node.text, "boost": weight, "rewrite": rewrite}}}
    return {"fuzzy": {name: {"value": node.text, "fuzziness": node.distance, "prefix_length": node.prefix,
                             "max_expansions": node.per_field, "transpositions": node.transpositions,
                             "rewrite": rewrite, "boost": weight}}}


def either(clauses: list[dict]) -> dict:
    """One clause, or a bool should of several (a bool of should clauses alone needs one to match)."""
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses}}


def filter_clause(node: Filter) -> dict:
    """source: as a term on the keyword field, date: as a range (bounds inclusive)."""
    if node.source is not None:
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
    fields = {field.cluster_name(): {"fragment_size": FRAGMENT_CHARS, "number_of_fragments": 1} for field in FIELDS
              if not field.level.preanalyzed}  # a preanalyzed field's source is its terms, not the text
    return {"fields": dict(sorted(fields.items()))}


def to_query_dsl(parsed: ParsedQuery, limit: int = 10, page: int = 1, since: dt.datetime | None = None,
                 until: dt.datetime | None = None, source: str | None = None, sort: str = "relevance",
                 time_limit: float | None = None, highlight: bool = True,
                 vocabulary: Vocabulary | None = None) -> dict:
    """A _search body for a parsed query and the same options as Index.search.

    vocabulary gives the document frequencies the plan's clitic
    alternatives are decided on (backend.py asks the cluster);
    without one, no alternatives are searched. A keyword query's
    all-words tier is a bonus clause; source:, date: and the options
    become non-scoring filters; sort="date" orders newest first, without
    tiers, as the local engine does.
    """
    plan = plan_query(parsed, vocabulary)
    if plan.vowels:
        raise QueryError("vowels: (حركات:) needs the local engine: the cluster's index holds no diacritics "
                         "and the DSL cannot check the original text")
    filters = [filter_clause(f) for f in plan.filters]
    if source:
        filters.append({"term": {"source": source}})
    if since or until:
        filters.append(date_range(since, until))

    top: dict = {"must": [render(plan.query) if plan.query is not None else {"match_all": {}}]}
    if plan.all_words is not None and sort != "date":
        top["should"] = [{"constant_score": {"filter": render(plan.all_words), "boost": ALL_WORDS_BONUS}}]
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
    # The cluster cannot find a typed word's root: the template searches the levels it can analyze.
    weighted = [f"{field.cluster_name()}^{WEIGHTS[field.name]}" for field in FIELDS
                if field.name in WEIGHTS and not field.level.preanalyzed]
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
