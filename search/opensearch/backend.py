"""Run our queries on an OpenSearch / Elasticsearch cluster loaded from the export.

The query is parsed here and sent as Query DSL (querydsl.py); the answer
comes back as the local engine's SearchResults and Hits. A query with a
word that may carry a glued ب ل ك ف first asks the cluster for the
document counts that decide its clitic alternative (query/plan.py), in one
``size: 0`` search. Snippets and highlights are cut from the returned
``_source`` body by our snippets module, so a hit looks the same
whichever engine found it.

opensearch-py is an optional extra (``pip install '.[opensearch]'``) and
is imported only when a search runs. What is verified without a cluster:
the DSL (tests/test_querydsl.py, tests/test_plan_parity.py), the analysis
in real Lucene (tests/test_export_lucene.py) and the mapping of a response
of the documented shape (tests/test_export.py); a live cluster is needed
for the rest (docs/scale-out.md).
"""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlsplit, urlunsplit

from ..engine.searching import DEFAULT_TIME_LIMIT, MAX_LIMIT
from ..query.language import ParsedQuery, parse_plain, parse_query
from ..query.plan import clitic_lookups
from ..query.synonyms import Synonyms, default_synonyms, expand_synonyms
from ..results import Hit, SearchResults
from ..snippets import best_snippet, find_matches
from ..sources import parse_date as parse_seed_date
from .errors import BackendError
from .querydsl import ALL_WORDS_BONUS, es_field, to_query_dsl

DEFAULT_INDEX_NAME = "arabic-search"
REQUEST_TIMEOUT = 30.0  # seconds for one HTTP request, beyond the query's own time limit


def split_url(url: str) -> tuple[str, str]:
    """http://host:9200/articles -> (http://host:9200, articles); no path -> DEFAULT_INDEX_NAME."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BackendError(f"{url!r} is not a cluster URL (like http://localhost:9200/{DEFAULT_INDEX_NAME})")
    name = parts.path.strip("/")
    if "/" in name:
        raise BackendError(f"{url!r}: the path names one index or alias, like /{DEFAULT_INDEX_NAME}")
    return urlunsplit((parts.scheme, parts.netloc, "", "", "")), name or DEFAULT_INDEX_NAME


class OpenSearchBackend:
    """A cluster index (or alias) searched with the same call as Index.search."""

    def __init__(self, url: str, synonyms: Synonyms | None = None):
        self.host, self.index_name = split_url(url)
        self.synonyms = default_synonyms() if synonyms is None else synonyms  # expanded here, as Index.search does

    def search(self, query: str, limit: int = 10, page: int = 1, since=None, until=None,
               source: str | None = None, sort: str = "relevance",
               time_limit: float | None = DEFAULT_TIME_LIMIT, plain: bool = False) -> SearchResults:
        """Ranked hits from the cluster; raises QueryError for a malformed query, BackendError for the cluster."""
        started = time.perf_counter()
        parsed = expand_synonyms(parse_plain(query) if plain else parse_query(query), self.synonyms)
        limit = max(1, min(limit, MAX_LIMIT))
        page = max(1, page)
        lookups = clitic_lookups(parsed)
        vocabulary = frequencies_from_response(lookups, self._send(frequency_request(lookups))) if lookups else None
        body = to_query_dsl(parsed, limit, page, since, until, source, sort, time_limit, highlight=False,
                            vocabulary=vocabulary)
        response = self._send(body)
        return results_from_response(parsed, response, page, limit, round(time.perf_counter() - started, 4))

    def _send(self, body: dict) -> dict:
        try:
            import opensearchpy
        except ImportError:
            raise BackendError("opensearch-py is not installed (pip install 'arabic-search[opensearch]')") from None
        client = opensearchpy.OpenSearch(self.host, timeout=REQUEST_TIMEOUT)
        try:
            return client.search(index=self.index_name, body=body)
        except opensearchpy.exceptions.NotFoundError:
            raise BackendError(f"{self.host}: no index or alias {self.index_name!r}") from None
        except opensearchpy.exceptions.ConnectionError:
            raise BackendError(f"{self.host}: cannot connect") from None
        except opensearchpy.exceptions.TransportError as error:
            raise BackendError(
                f"{self.host}: the cluster refused the search ({error.status_code} {error.error})") from None


class Frequencies:
    """Document frequencies the cluster gave, for the plan's vocabulary lookups (0 for any other)."""

    def __init__(self, counts: dict[tuple[str, str], int]):
        self.counts = counts

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self.counts.get((fieldname, text), 0)


def frequency_request(lookups: list[tuple[str, str]]) -> dict:
    """A _search body counting the documents of each (field, term): one filter aggregation each."""
    return {"size": 0, "track_total_hits": False,
            "aggs": {str(i): {"filter": {"term": {es_field(field): text}}} for i, (field, text) in enumerate(lookups)}}


def frequencies_from_response(lookups: list[tuple[str, str]], response: dict) -> Frequencies:
    """The counts of frequency_request's answer, by (field, term)."""
    found = response.get("aggregations", {})
    return Frequencies({lookup: found.get(str(i), {}).get("doc_count", 0) for i, lookup in enumerate(lookups)})


def results_from_response(parsed: ParsedQuery, response: dict, page: int = 1, limit: int = 10,
                          seconds: float = 0.0) -> SearchResults:
    """The local engine's SearchResults from a _search response of to_query_dsl's body.

    Ranks continue across pages, the all-words bonus is taken off the score
    (so scores read as BM25, as locally), and the source facet comes from
    the ``source`` aggregation. "Did you mean" needs the local index: none here.
    """
    found = response.get("hits", {})
    total = found.get("total", 0)
    if isinstance(total, dict):
        total = total.get("value", 0)
    first_rank = (page - 1) * limit + 1
    hits = [hit_from_source(rank, entry.get("_source", {}), entry.get("_score"), parsed)
            for rank, entry in enumerate(found.get("hits", []), first_rank)]
    buckets = response.get("aggregations", {}).get("source", {}).get("buckets", [])
    facets = {bucket["key"]: bucket["doc_count"] for bucket in buckets if bucket.get("key")}
    facets = dict(sorted(facets.items(), key=lambda item: (-item[1], item[0])))
    return SearchResults(parsed.text, total, hits, page, limit, None, facets, seconds,
                         bool(response.get("timed_out")))


def hit_from_source(rank: int, document: dict, score: float | None, parsed: ParsedQuery) -> Hit:
    """A Hit with a snippet of the returned original body, as engine/searching.py makes one."""
    body = document.get("body") or ""
    snippet = best_snippet(body, find_matches(body, parsed))
    score = score or 0.0
    if score >= ALL_WORDS_BONUS:
        score -= ALL_WORDS_BONUS
    return Hit(
        rank=rank, id=document["id"], score=score, title=document.get("title") or "",
        snippet=snippet.text, highlights=snippet.highlights,
        url=document.get("url"), date=parse_date(document.get("date")), source=document.get("source"),
        author=document.get("author"), path=document.get("path"), matches=snippet.matches,
    )


def parse_date(value: str | None) -> dt.datetime | None:
    """The exported date ("2015-07-21 02:51:32" or ISO 8601) as a naive datetime, read as a seed's date is."""
    return parse_seed_date(value) if value else None
