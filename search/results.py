"""Typed search results, and their JSON and TREC forms.

Results carry offsets, never markup: the command line, the web page and
other tools each render highlights their own way. The JSON keys are a
contract (``cli.py search --json`` and ``/api/search`` print exactly this);
absent metadata is omitted, no hits is ``"hits": []``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .snippets import Match


@dataclass(frozen=True)
class Hit:
    rank: int
    id: str
    score: float
    title: str
    snippet: str
    highlights: tuple[tuple[int, int], ...]  # offsets into snippet
    url: str | None = None
    date: dt.datetime | None = None
    source: str | None = None
    author: str | None = None
    path: str | None = None
    matches: tuple[Match, ...] = ()  # "why it matched", offsets into snippet

    def to_dict(self, explain: bool = False) -> dict:
        data = {
            "rank": self.rank,
            "id": self.id,
            "score": round(self.score, 4),
            "title": self.title,
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
        }
        for name in ("url", "source", "author", "path"):
            value = getattr(self, name)
            if value:
                data[name] = value
        if self.date:
            data["date"] = self.date.isoformat(sep=" ")
        if explain:
            data["explain"] = [match.to_dict() for match in self.matches]
        return data


@dataclass(frozen=True)
class ArticleView:
    """A whole article as stored, with highlight spans into its body."""

    id: str
    title: str
    body: str
    highlights: tuple[tuple[int, int], ...] = ()
    url: str | None = None
    date: dt.datetime | None = None
    source: str | None = None
    author: str | None = None
    path: str | None = None

    def to_dict(self) -> dict:
        data = {"id": self.id, "title": self.title, "body": self.body,
                "highlights": [list(span) for span in self.highlights]}
        for name in ("url", "source", "author", "path"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        if self.date:
            data["date"] = self.date.isoformat(sep=" ")
        return data


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[Hit]
    page: int = 1
    limit: int = 10
    suggestion: str | None = None
    facets: dict[str, int] = field(default_factory=dict)  # source -> matching documents
    seconds: float = 0.0
    partial: bool = False  # the time limit cut the search short
    # Keyword queries of several words: how many of the total hold every word, and how many only some
    # (total_all + total_some == total). None when the query ranks no such tier (one word, OR, a question).
    total_all: int | None = None
    total_some: int | None = None
    notes: list[str] = field(default_factory=list)  # what the search left out by design (a prefix's rare completions)

    def to_dict(self, explain: bool = False) -> dict:
        data = {
            "query": self.query,
            "total": self.total,
            "total_all": self.total_all,
            "total_some": self.total_some,
            "page": self.page,
            "limit": self.limit,
            "hits": [hit.to_dict(explain) for hit in self.hits],
            "suggestion": self.suggestion,
            "facets": {"source": self.facets},
        }
        if self.notes:
            data["notes"] = list(self.notes)
        if self.partial:
            data["partial"] = True
            data["note"] = "time limit reached: results may be incomplete"
        return data


def trec_lines(qid: str, results: SearchResults, tag: str = "arabic-search") -> list[str]:
    """One TREC run line per hit: ``qid Q0 docid rank score tag``."""
    return [f"{qid} Q0 {hit.id} {hit.rank} {hit.score:.6f} {tag}" for hit in results.hits]
