"""Run a query on an open Whoosh index: rank, page, facet, snippet, suggest.

Plain words rank in two tiers: documents holding every content word
first, then those missing some, so a question-style query never comes
back empty and complete matches are never buried. Within a tier, BM25F
over both analysis levels orders the documents.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from whoosh import query as wq
from whoosh import scoring, sorting
from whoosh.collectors import FilterCollector, TimeLimit, TimeLimitCollector

from .query import ParsedQuery, parse_plain, parse_query
from .results import ArticleView, Hit, SearchResults
from .snippets import best_snippet, find_matches
from .suggest import suggest_correction
from .whoosh_query import to_whoosh

DEFAULT_TIME_LIMIT = 10.0  # seconds per query; partial results come back with a note
MAX_LIMIT = 1000
FEW_HITS = 3  # below this many hits, "did you mean" looks for a better spelling
SCORING = scoring.BM25F(B=0.75, K1=1.2)


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
        filter_query = wq.And(filters) if filters else None
        deadline = time.monotonic() + options.time_limit if options.time_limit else None

        partial = False
        if options.sort == "date":
            ranked, total, partial = _collect(searcher, plan.query, filter_query, None, wanted,
                                              deadline, sortedby="date")
        elif plan.all_words is not None:
            first_filter = wq.And([plan.all_words] + filters)
            ranked, total, partial = _collect(searcher, plan.query, first_filter, None, wanted, deadline)
            if len(ranked) < wanted and not partial:
                more, more_total, partial = _collect(searcher, plan.query, filter_query, plan.all_words,
                                                     wanted - len(ranked), deadline)
                ranked += more
                total += more_total
            else:
                total += _count(searcher, plan.query, filter_query, plan.all_words)
        else:
            ranked, total, partial = _collect(searcher, plan.query, filter_query, None, wanted, deadline)

        facets = _source_facets(searcher, plan.query, filter_query) if not partial else {}
        hits = [
            _make_hit(rank, fields, score, parsed)
            for rank, (fields, score) in enumerate(ranked[(page - 1) * limit: wanted], (page - 1) * limit + 1)
        ]
        suggestion = suggest_correction(searcher.reader(), parsed) if total < FEW_HITS else None
    return SearchResults(text, total, hits, page, limit, suggestion, facets,
                         round(time.perf_counter() - started, 4), partial)


def _collect(searcher, query, filter_query, mask, limit, deadline, sortedby=None):
    """Top documents as (stored fields, score), the total count, and whether time ran out."""
    collector = searcher.collector(limit=limit, sortedby=sortedby, reverse=bool(sortedby))
    if deadline is not None:
        collector = TimeLimitCollector(collector, max(0.001, deadline - time.monotonic()), use_alarm=False)
    if filter_query is not None or mask is not None:
        # Outermost: TimeLimitCollector would otherwise bypass the filtering loop.
        collector = FilterCollector(collector, filter_query, mask)
    partial = False
    try:
        searcher.search_with_collector(query, collector)
    except TimeLimit:
        partial = True
    results = collector.results()
    ranked = [(hit.fields(), hit.score or 0.0) for hit in results]
    total = len(results)
    return ranked, total, partial


def _count(searcher, query, filter_query, mask) -> int:
    """How many documents match (no scoring, no ranking)."""
    results = searcher.search(query, filter=filter_query, mask=mask, limit=None, scored=False)
    return len(results)


def _source_facets(searcher, query, filter_query) -> dict[str, int]:
    """Matching documents per source, most first."""
    results = searcher.search(query, filter=filter_query, limit=1, scored=False,
                              groupedby=sorting.FieldFacet("source"), maptype=sorting.Count)
    counts = {name: count for name, count in results.groups("source").items() if name}
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
