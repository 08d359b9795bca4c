"""Run a query on an open Whoosh index: rank, page, facet, snippet, suggest.

Keyword queries rank in two tiers: documents holding every content word
first, then those missing some, so complete matches are never buried and
a query never comes back empty for lack of one word. Questions rank by
BM25 with a coordination factor instead (why: whoosh_query.py). Within a
tier, BM25 over both analysis levels (scoring.LuceneBM25) orders the
documents.

Counts and facets come from the set of matching document numbers, read
once without scoring; the tiers and filters restrict the scored search
to a set too.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from whoosh import query as wq
from whoosh.collectors import FilterCollector, TimeLimit, TimeLimitCollector, TopCollector

from .query import ParsedQuery, parse_plain, parse_query
from .results import ArticleView, Hit, SearchResults
from .scoring import LuceneBM25
from .snippets import best_snippet, find_matches
from .suggest import suggest_correction
from .whoosh_query import to_whoosh

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


@dataclass(frozen=True)
class SearchOptions:
    limit: int = 10
    page: int = 1
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    source: str | None = None
    sort: str = "relevance"  # or "date" (newest first)
    time_limit: float | None = DEFAULT_TIME_LIMIT
    plain: bool = False  # ignore the query syntax: every word is a plain word


def run_search(ix, text: str, options: SearchOptions) -> SearchResults:
    """Search an open Whoosh index; raises QueryError for a malformed query."""
    started = time.perf_counter()
    parsed = parse_plain(text) if options.plain else parse_query(text)
    limit = max(1, min(options.limit, MAX_LIMIT))
    page = max(1, options.page)
    wanted = limit * page
    with ix.searcher(weighting=SCORING) as searcher:
        plan = to_whoosh(parsed, searcher.reader())
        filters = list(plan.filters)
        if options.source:
            filters.append(wq.Term("source", options.source))
        if options.since or options.until:
            filters.append(wq.DateRange("date", options.since, options.until))
        deadline = time.monotonic() + options.time_limit if options.time_limit else None

        matching = _docs(searcher, plan.query)
        if filters:
            matching &= _docs(searcher, wq.And(filters))
        total = len(matching)
        partial = False
        if options.sort == "date":
            ranked, partial = _collect(searcher, plan.query, matching, wanted, deadline, sortedby="date")
        elif plan.all_words is not None:
            complete = matching & _docs(searcher, plan.all_words)
            ranked, partial = _collect(searcher, plan.query, complete, wanted, deadline)
            if len(ranked) < wanted and not partial:
                more, partial = _collect(searcher, plan.query, matching - complete, wanted - len(ranked), deadline)
                ranked += more
        else:
            ranked, partial = _collect(searcher, plan.query, matching, wanted, deadline)

        facets = _source_facets(searcher, matching)
        hits = [
            _make_hit(rank, fields, score, parsed)
            for rank, (fields, score) in enumerate(ranked[(page - 1) * limit: wanted], (page - 1) * limit + 1)
        ]
        suggestion = suggest_correction(searcher.reader(), parsed) if total < FEW_HITS else None
    return SearchResults(text, total, hits, page, limit, suggestion, facets,
                         round(time.perf_counter() - started, 4), partial)


def _docs(searcher, query) -> set[int]:
    """The numbers of the documents query matches, without scoring."""
    return set(searcher.docs_for_query(query))


def _collect(searcher, query, allowed: set[int], limit, deadline, sortedby=None):
    """The top documents among allowed as (stored fields, score), and whether time ran out.

    allowed is passed to Whoosh as a set: given a query as a filter, Whoosh
    builds a bit set whose truth test walks all its bytes for every
    candidate document, quadratic on a large index.
    """
    if not allowed:
        return [], False  # Whoosh reads an empty allow set as "no filter"
    if sortedby:
        collector = searcher.collector(limit=limit, sortedby=sortedby, reverse=True)
    else:
        # Exact top documents: Whoosh's block-quality skipping and matcher
        # replacement trust per-block score bounds that do not hold for the
        # optional proximity clauses (AndMaybe over phrase spans) and are
        # rounded by the byte-coded field lengths; they lost ARCD answers.
        collector = TopCollector(limit=limit, usequality=False, replace=0)
    partial = False
    if deadline is not None:
        remaining = deadline - time.monotonic()
        partial = remaining <= 0  # spent before ranking began: rank for a moment, say it is partial
        collector = TimeLimitCollector(collector, max(0.001, remaining), use_alarm=False)
    # Outermost: TimeLimitCollector would otherwise bypass the filtering loop.
    collector = FilterCollector(collector, allow=allowed)
    try:
        searcher.search_with_collector(query, collector)
    except TimeLimit:
        partial = True
    ranked = [(hit.fields(), hit.score or 0.0) for hit in collector.results()]
    return ranked, partial


def _source_facets(searcher, docs: set[int]) -> dict[str, int]:
    """Matching documents per source, most first, read from each segment's source column.

    Segment by segment: Whoosh's multi-segment column reader misplaces the
    documents of a segment that has no source column.
    """
    counts: dict[str, int] = {}
    for segment, offset in searcher.reader().leaf_readers():
        if not segment.has_column("source"):
            continue
        sources = segment.column_reader("source")
        end = offset + segment.doc_count_all()
        for docnum in docs:
            if offset <= docnum < end:
                name = sources[docnum - offset]
                if name:
                    counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _make_hit(rank: int, fields: dict, score: float, parsed: ParsedQuery) -> Hit:
    """A Hit with a snippet of the original body (or title) around the best passage."""
    body = fields.get("body") or ""
    matches = find_matches(body, parsed)
    snippet = best_snippet(body, matches)
    return Hit(
        rank=rank, id=fields["id"], score=score, title=fields.get("title") or "",
        snippet=snippet.text, highlights=snippet.highlights,
        url=fields.get("url"), date=fields.get("date"), source=fields.get("source"),
        author=fields.get("author"), path=fields.get("path"), matches=snippet.matches,
    )



def article_view(fields: dict, query: str | None) -> ArticleView:
    """A whole stored article, its body highlighted for query (a malformed query raises QueryError)."""
    body = fields.get("body") or ""
    highlights: tuple = ()
    if query:
        highlights = tuple((m.start, m.end) for m in find_matches(body, parse_query(query)))
    return ArticleView(
        id=fields["id"], title=fields.get("title") or "", body=body, highlights=highlights,
        url=fields.get("url"), date=fields.get("date"), source=fields.get("source"),
        author=fields.get("author"), path=fields.get("path"),
    )
