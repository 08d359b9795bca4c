"""The search page and the JSON API: a web layer as thin as cli.py.

``create_app(index_path)`` serves the page (``GET /``), one article with the
query's matches highlighted (``GET /doc/{id}``) and the JSON API under
``/api/``. The server only reads, through the Index's reader cache: each
request sees the last committed state while an update (``--watch`` or a
separate ``index`` run) is writing, and a generation is opened once.

Safety: article and query text reach HTML only through markupsafe.escape.
Highlights are offsets (results.py), turned into markup here by escaping
each piece of text and wrapping the spans in ``<mark>`` (highlight_html);
Jinja2 autoescapes everything else. A request whose Host header is not a
name the server answers to gets 400 (HostCheck): a page on another site
cannot rebind its own name to 127.0.0.1 and read the API. A search runs
in the threadpool while the event loop watches its client; when the
client goes, the search stops (Index.search's cancel) instead of holding
a core until its time limit.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Callable, Iterable, Literal
from urllib.parse import quote, urlencode, urlsplit

import anyio
import jinja2
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..engine.searching import DEFAULT_TIME_LIMIT
from ..query.language import MAX_QUERY_LENGTH, ParsedQuery, QueryError, parse_date, parse_query
from ..results import Hit, SearchResults
from ..snippets import Match, find_matches
from ..store.index import Index, IndexFolderError
from ..suggest import MAX_COMPLETIONS
from .messages import STATUS_MESSAGES, arabic_message, status_in_arabic, validation_in_arabic

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_LIMIT = 10
MAX_LIMIT = 100  # hits per page
MAX_PAGE = 1000  # with MAX_LIMIT: at most 100,000 documents collected for one request
PAGE_LINKS = 7  # page numbers shown around the current page
RELATED_ON_PAGE = 5  # related articles listed under an article
DISCONNECT_POLL = 0.05  # seconds between two looks at whether a searching client is still there
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")  # what a browser on this machine calls a local server
WILDCARD_HOSTS = ("0.0.0.0", "::", "")  # listening on every interface
HOSTS_ENV = "ARABIC_SEARCH_ALLOWED_HOSTS"  # more names to answer to, comma-separated (serve --host 0.0.0.0)
APP_ENV = "ARABIC_SEARCH_APP"  # create_app's arguments for each worker process of serve --workers (JSON)
WATCH_INTERVAL = 2.0  # seconds between two looks at the seeds folder (--watch)

# The example queries of the empty page, each a link to its search, and what it shows.
EXAMPLES = [
    ("مدرسة", "تجد المدرسة وبالمدرسةِ ومدرستنا"),
    ('"مجلس الوزراء"', "عبارة كما هي"),
    ("مصر أو السعودية", "إحدى الكلمتين"),
    ("مدرسة بدون جامعة", "الأولى دون الثانية"),
    ("كتا*", "كلمات تبدأ بالمقطع"),
    ("مدرسه~", "بحث تقريبي"),
    ("title:داعش", "في العنوان"),
]

# snippets.Match.rule -> what the reader sees under "why it matched".
RULE_LABELS = {
    "identical": "الكلمة نفسها",
    "diacritics": "الكلمة نفسها بتشكيل مختلف",
    "letter form": "الكلمة نفسها بشكل حرف مختلف (أ/ا، ة/ه، ى/ي)",
    "prefix": "الكلمة نفسها مع سابقة متصلة (و، ف، ب، ك، ل، ال)",
    "stem": "كلمة من الجذع نفسه بعد حذف السوابق واللواحق",
    "prefix search": "كلمة تبدأ بالمقطع المطلوب",
    "fuzzy": "كلمة قريبة في الكتابة (بحث تقريبي)",
    "synonym": "كتابة أخرى للكلمة أو مرادف لها (قائمة المرادفات)",
    "vowels": "الكلمة نفسها بالحركات المطلوبة",
}

# Pages render nothing from elsewhere and run only our own script.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a link to the news site must not carry the query
}

Sort = Literal["relevance", "date"]
QueryText = Annotated[str, Query(max_length=MAX_QUERY_LENGTH, description="The query (see the README for the syntax).")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Hits per page.")]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")]
DateText = Annotated[str, Query(max_length=10, description="YYYY, YYYY-MM or YYYY-MM-DD.")]
SourceText = Annotated[str, Query(max_length=200, description="Only articles of this source.")]

log = logging.getLogger("uvicorn.error")  # uvicorn prints this logger; the watcher reports through it


# ----- markup ----------------------------------------------------------------


def highlight_html(text: str, spans) -> Markup:
    """text as HTML, escaped piece by piece, each (start, end) span of text wrapped in <mark>.

    Spans are offsets into text (results.py); overlapping spans merge.
    """
    pieces = []
    position = 0
    for start, end in sorted(spans):
        start = max(start, position)
        if start >= end:
            continue
        pieces.append(escape(text[position:start]))
        pieces.append(Markup("<mark>%s</mark>") % text[start:end])
        position = end
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


def word_html(match: Match) -> Markup:
    """The matched word with the part its stem covers underlined (وبال<u>مدرس</u>ة)."""
    stem_start, stem_end = match.stem_start - match.start, match.stem_end - match.start
    if (stem_start, stem_end) == (0, len(match.original)):
        return escape(match.original)
    word = match.original
    return (escape(word[:stem_start]) + Markup('<span class="stem">%s</span>') % word[stem_start:stem_end]
            + escape(word[stem_end:]))


def doc_url(article_id: str, query: str = "") -> str:
    """The article page's URL. Ids may hold "/", "#", "?" or a whole URL: every character is quoted."""
    url = "/doc/" + quote(article_id, safe="")
    return url + "?" + urlencode({"q": query}) if query else url


def safe_link(url: str | None) -> str | None:
    """url when it is http(s), else None: a stored javascript: URL must never become a link."""
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return None


# ----- the search form ----------------------------------------------------------


@dataclass(frozen=True)
class SearchForm:
    """The page's parameters; url() links to the same search with some of them changed."""

    q: str = ""
    limit: int = DEFAULT_LIMIT
    page: int = 1
    since: str = ""
    until: str = ""
    source: str = ""
    sort: str = "relevance"

    def url(self, **changes) -> str:
        """This search's page URL with changes applied; parameters at their default are left out."""
        changed = dataclasses.replace(self, **changes)
        default = SearchForm()
        params = {
            field.name: getattr(changed, field.name)
            for field in dataclasses.fields(self)
            if getattr(changed, field.name) != getattr(default, field.name)
        }
        return "/?" + urlencode(params) if params else "/"


def search_index(index: Index, form: SearchForm, time_limit: float | None = DEFAULT_TIME_LIMIT,
                 cancel: threading.Event | None = None) -> SearchResults:
    """Run the form's search; raises QueryError for a malformed query or date."""
    return index.search(
        form.q, limit=form.limit, page=form.page, since=_date(form.since, "since", False),
        until=_date(form.until, "until", True), source=form.source or None, sort=form.sort,
        time_limit=time_limit, cancel=cancel,
    )


def _date(value: str, name: str, end_of_period: bool):
    """A date parameter as the command line reads it (parse_date reads Arabic-Indic digits too)."""
    value = value.strip()
    if not value:
        return None
    try:
        return parse_date(value, None, end_of_period)
    except QueryError as error:
        raise QueryError(f"{name}: {error}") from None


def results_view(results: SearchResults, form: SearchForm) -> dict:
    """What the results part of the page shows, markup built and escaped here."""
    parsed = parse_query(form.q)
    pages = max(1, -(-results.total // results.limit))
    first = max(1, min(results.page - PAGE_LINKS // 2, pages - PAGE_LINKS + 1))
    return {
        "total": results.total,
        "total_all": results.total_all,
        "total_some": results.total_some,
        "milliseconds": round(results.seconds * 1000),
        "partial": results.partial,
        "notes": results.notes,
        "suggestion": results.suggestion,
        "suggestion_url": form.url(q=results.suggestion, page=1) if results.suggestion else None,
        "hits": [_hit_view(hit, form, parsed) for hit in results.hits],
        "facets": [
            {"name": name, "count": count, "url": form.url(source=name, page=1), "active": name == form.source}
            for name, count in results.facets.items()
        ],
        "all_sources_url": form.url(source="", page=1) if form.source else None,
        "page": results.page,
        "pages": [(number, form.url(page=number)) for number in range(first, min(pages, first + PAGE_LINKS - 1) + 1)],
        "previous_url": form.url(page=results.page - 1) if results.page > 1 else None,
        "next_url": form.url(page=results.page + 1) if results.page < pages else None,
    }


def _hit_view(hit: Hit, form: SearchForm, parsed: ParsedQuery) -> dict:
    reasons: dict[tuple, dict] = {}
    for match in hit.matches:
        key = (match.term, match.original, match.rule)
        if key in reasons:
            reasons[key]["count"] += 1
        else:
            reasons[key] = {"term": match.term, "word": word_html(match), "rule": match.rule,
                            "label": RULE_LABELS.get(match.rule, match.rule), "count": 1}
    return {
        "rank": hit.rank,
        "title": highlight_html(hit.title, [(m.start, m.end) for m in find_matches(hit.title, parsed)]),
        "url": doc_url(hit.id, form.q),
        "source": hit.source,
        "source_url": form.url(source=hit.source, page=1) if hit.source else None,
        "date": hit.date.date().isoformat() if hit.date else None,
        "snippet": highlight_html(hit.snippet, hit.highlights),
        "score": f"{hit.score:.2f}",
        "reasons": list(reasons.values()),
    }


def related_view(results: SearchResults | None) -> list[dict]:
    """The related articles under an article: title, link, source and date of each."""
    if results is None:
        return []
    return [{"title": hit.title, "url": doc_url(hit.id), "source": hit.source,
             "date": hit.date.date().isoformat() if hit.date else None} for hit in results.hits]


# ----- completions ---------------------------------------------------------------


# ----- the client: its Host header, its disconnect -------------------------------------


def host_names_for(listen_host: str) -> list[str]:
    """The Host names a server listening on listen_host answers to (for create_app's allowed_hosts).

    The loopback names for a loopback address; the address itself for any
    other; on every interface (0.0.0.0, ::), the loopback names and those
    of $ARABIC_SEARCH_ALLOWED_HOSTS (comma-separated), the names by which
    other machines reach this one.
    """
    names = list(LOOPBACK_NAMES) if listen_host in LOOPBACK_NAMES + WILDCARD_HOSTS else [listen_host]
    if listen_host in WILDCARD_HOSTS:
        names += [name.strip() for name in os.environ.get(HOSTS_ENV, "").split(",") if name.strip()]
    return names


def host_name(header: str) -> str:
    """The name in a Host header, without its port, brackets or final dot, lowercased ("[::1]:8000" -> "::1")."""
    header = header.strip().lower()
    if header.startswith("["):  # an IPv6 address, maybe with a port
        return header[1:header.find("]")] if "]" in header else header
    if header.count(":") == 1:
        header = header.partition(":")[0]
    return header.rstrip(".")


class HostCheck:
    """ASGI middleware: 400 for a request whose Host header names no allowed host (DNS rebinding).

    A page on evil.example can make its own name resolve to 127.0.0.1; the
    browser then sends it here with "Host: evil.example", which no name of
    this server matches.
    """

    def __init__(self, app, names: Iterable[str]):
        self.app = app
        self.names = frozenset(host_name(name) for name in names)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            header = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if host_name(header) not in self.names:
                message = (f"Host {header!r} is not a name this server answers to "
                           f"({', '.join(sorted(self.names))}; see serve --host)")
                if scope["path"].startswith("/api/"):
                    response = JSONResponse({"error": message}, status_code=400)
                else:
                    response = PlainTextResponse(message + "\n", status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def while_connected(request: Request, work: Callable[[threading.Event], object]):
    """work(cancel) in the threadpool; cancel is set as soon as the client has disconnected.

    A sync endpoint runs in the threadpool too, but nothing there can see
    the client go: its search would run to its time limit for nobody.
    """
    cancel = threading.Event()

    async def watch():
        while not await request.is_disconnected():
            await anyio.sleep(DISCONNECT_POLL)
        cancel.set()

    result = error = None
    async with anyio.create_task_group() as watching:
        watching.start_soon(watch)
        try:
            result = await run_in_threadpool(work, cancel)
        except Exception as raised:  # re-raised below: the task group would wrap it in an ExceptionGroup
            error = raised
        watching.cancel_scope.cancel()
    if error is not None:
        raise error
    return result


# ----- watching the seeds folder ------------------------------------------------------


class SeedsWatcher(threading.Thread):
    """Polls the index's seeds folder and updates the index when a file is new, changed or gone.

    Each poll is Index.refresh: the folder the index follows (seeds_dir
    must be that one), stats only when nothing changed. Index.update writes
    a new state and commits it at once; searches opened meanwhile keep
    reading the previous one. What it logs is said once: a note or an error
    until it changes, and only the problems an update found anew.
    """

    def __init__(self, index: Index, seeds_dir: Path | None, interval: float):
        super().__init__(name="seeds-watcher", daemon=True)
        self.index = index
        self.seeds_dir = seeds_dir
        self.interval = interval
        self.stopped = threading.Event()
        self.updates = 0  # completed updates, for whoever wants to know the index moved
        self.last_message: str | None = None  # the last note or error logged, not repeated

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.check()

    def check(self) -> None:
        """One poll: update when stale; a failure is logged once and retried at the next poll."""
        try:
            freshness = self.index.refresh(self.seeds_dir)
        except Exception as error:  # the thread must outlive any one failed update
            self._say_once(f"watch: {error}")
            return
        self._say_once(f"watch: {freshness.note}" if freshness.note else None)
        summary = freshness.summary
        if summary is None:
            return
        self.updates += 1
        log.info("watch: index updated: %d added, %d updated, %d removed in %.2fs",
                 summary.added, summary.updated, summary.removed, summary.seconds)
        for problem in summary.new_problems:
            log.warning("watch: skipped %s: %s", problem.path, problem.reason)

    def _say_once(self, message: str | None) -> None:
        if message is not None and message != self.last_message:
            log.warning("%s", message)
        self.last_message = message

    def stop(self) -> None:
        self.stopped.set()


# ----- the application ---------------------------------------------------------------


def create_app(index_path: Path | str, seeds_dir: Path | str | None = None, watch: bool = False,
               watch_interval: float = WATCH_INTERVAL, allowed_hosts: Iterable[str] = LOOPBACK_NAMES,
               time_limit: float | None = DEFAULT_TIME_LIMIT) -> FastAPI:
    """The web application for the index at index_path; with watch, its seeds folder is polled for changes.

    seeds_dir, if given, must be the folder the index follows (Index.refresh).
    allowed_hosts: the names in a Host header the server answers to
    (host_names_for gives those of a listening address); time_limit: seconds per search.
    """
    allowed_hosts = [allowed_hosts] if isinstance(allowed_hosts, str) else list(allowed_hosts)
    if not allowed_hosts:
        raise ValueError("allowed_hosts names no host: the server would answer no request")
    index = Index(index_path)
    index.check_seeds(seeds_dir)
    watcher = SeedsWatcher(index, Path(seeds_dir) if seeds_dir else None, watch_interval) if watch else None

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Before the server listens, what its first request would pay once: the index's columns and the
        # snippets' alphabet, and the first task group (anyio imports its parts then: 35 ms).
        try:
            index.warm_up()
        except IndexFolderError:
            pass  # no index yet, or a damaged one: each request says so
        async with anyio.create_task_group():
            pass
        if watcher:
            watcher.start()
        yield
        if watcher:
            watcher.stop()
            watcher.join(timeout=5)

    app = FastAPI(title="Arabic search", lifespan=lifespan,
                  description="Arabic full-text search: the page at / and a JSON API under /api/.")
    app.state.index = index
    app.state.watcher = watcher
    app.add_middleware(HostCheck, names=allowed_hosts)
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static")
    templates = Jinja2Templates(env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(PACKAGE_DIR / "templates"), autoescape=True,
        trim_blocks=True, lstrip_blocks=True,
    ))

    def render(request: Request, name: str, context: dict, status: int = 200) -> HTMLResponse:
        context.setdefault("form", SearchForm())
        return templates.TemplateResponse(request, name, context, status_code=status, headers=PAGE_HEADERS)

    def failure(request: Request, status: int, message: str, arabic: str | None = None, detail: bool = False):
        """A JSON error for the API (English ``error``, Arabic ``message``), an Arabic page for people.

        detail: the page shows the English line too (an index problem names the folder and the fix).
        """
        arabic = arabic or arabic_message(message)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "message": arabic}, status_code=status)
        return render(request, "error.html", {"status": status, "message": arabic,
                                              "detail": message if detail else None}, status)

    @app.exception_handler(QueryError)
    async def query_error(request: Request, error: QueryError):
        return failure(request, 400, str(error))

    @app.exception_handler(RequestValidationError)
    async def invalid_parameter(request: Request, error: RequestValidationError):
        return failure(request, 400, validation_message(error), validation_in_arabic(error.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        detail = str(error.detail)
        return failure(request, error.status_code, detail, status_in_arabic(error.status_code, detail))

    @app.exception_handler(IndexFolderError)
    async def no_index(request: Request, error: IndexFolderError):
        return failure(request, 503, str(error), STATUS_MESSAGES[503], detail=True)

    # ----- pages

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def search_page(request: Request, q: QueryText = "", limit: Limit = DEFAULT_LIMIT, page: PageNumber = 1,
                          since: DateText = "", until: DateText = "", source: SourceText = "",
                          sort: Sort = "relevance"):
        form = SearchForm(q, limit, page, since, until, source, sort)

        def page_of(cancel: threading.Event) -> HTMLResponse:
            context = {"form": form, "results": None, "error": None, "documents": None, "examples": None}
            if not q.strip():
                context["documents"] = index.document_count()
                context["examples"] = [{"query": query, "url": SearchForm(query).url(), "shows": shows}
                                       for query, shows in EXAMPLES]
                return render(request, "search.html", context)
            try:
                context["results"] = results_view(search_index(index, form, time_limit, cancel), form)
            except QueryError as error:
                context["error"] = arabic_message(str(error))
                return render(request, "search.html", context, 400)
            return render(request, "search.html", context)

        return await while_connected(request, page_of)

    @app.get("/doc/{article_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: str, q: QueryText = ""):
        error = None
        try:
            article = index.article(article_id, q or None)
        except QueryError as query_error:
            error = arabic_message(str(query_error))
            article = index.article(article_id)
        if article is None:
            return failure(request, 404, f"no article with id {article_id!r}")
        parsed = parse_query(q) if q and not error else None
        title_spans = [(m.start, m.end) for m in find_matches(article.title, parsed)] if parsed else []
        context = {
            "form": SearchForm(q),
            "article": article,
            "title": highlight_html(article.title, title_spans),
            "body": highlight_html(article.body, article.highlights),
            "matches": len(article.highlights),
            "link": safe_link(article.url),
            "date": article.date.isoformat(sep=" ", timespec="minutes") if article.date else None,
            "back_url": SearchForm(q).url() if q else None,
            "error": error,
            "related": related_view(index.similar(article_id, limit=RELATED_ON_PAGE, time_limit=time_limit)),
        }
        return render(request, "doc.html", context)

    # ----- the JSON API

    @app.get("/api/search", summary="Search: the JSON of `cli.py search --json`")
    async def api_search(request: Request, q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH)],
                         limit: Limit = DEFAULT_LIMIT, page: PageNumber = 1, since: DateText = "",
                         until: DateText = "", source: SourceText = "", sort: Sort = "relevance",
                         explain: bool = False):
        form = SearchForm(q, limit, page, since, until, source, sort)

        def answer(cancel: threading.Event) -> JSONResponse:
            return JSONResponse(search_index(index, form, time_limit, cancel).to_dict(explain))

        return await while_connected(request, answer)

    @app.get("/api/doc/{article_id:path}", summary="One whole article, highlighted for an optional query")
    def api_doc(request: Request, article_id: str, q: QueryText = ""):
        article = index.article(article_id, q or None)
        if article is None:
            return failure(request, 404, f"no article with id {article_id!r}")
        return JSONResponse(article.to_dict())

    @app.get("/api/similar/{article_id:path}", summary="Articles related to one article: the JSON of `cli.py similar --json`")
    async def api_similar(request: Request, article_id: str, limit: Limit = DEFAULT_LIMIT, page: PageNumber = 1,
                          exclude_duplicates: bool = False):
        def answer(cancel: threading.Event) -> JSONResponse:
            results = index.similar(article_id, limit=limit, page=page, exclude_duplicates=exclude_duplicates,
                                    time_limit=time_limit, cancel=cancel)
            if results is None:
                return failure(request, 404, f"no article with id {article_id!r}")
            return JSONResponse({"id": article_id, **results.to_dict()})

        return await while_connected(request, answer)

    @app.get("/api/stats", summary="Documents, sources, dates, size: the JSON of `cli.py stats --json`")
    def api_stats():
        return JSONResponse(asdict(index.stats()))

    @app.get("/api/suggest", summary="Completions of the last word typed, from the index vocabulary")
    def api_suggest(q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)] = "",
                    limit: Annotated[int, Query(ge=1, le=MAX_COMPLETIONS)] = MAX_COMPLETIONS):
        return JSONResponse(index.complete(q, limit))

    return app


def app_settings(index_path: Path | str, allowed_hosts: Iterable[str]) -> str:
    """What app_from_environment needs, as the JSON that serve --workers puts in $ARABIC_SEARCH_APP."""
    return json.dumps({"index_path": str(index_path), "allowed_hosts": list(allowed_hosts)})


def app_from_environment() -> FastAPI:
    """create_app with $ARABIC_SEARCH_APP's arguments: the factory each worker process of serve --workers calls.

    Workers only read: the serve process itself watches the seeds folder
    and updates the index, and each worker's reader cache reopens the
    index once an update is committed (one writer, whatever the workers).
    """
    settings = json.loads(os.environ[APP_ENV])
    return create_app(settings["index_path"], allowed_hosts=settings["allowed_hosts"])


def validation_message(error: RequestValidationError) -> str:
    """FastAPI's validation errors as one line: "limit: Input should be less than or equal to 100"."""
    parts = []
    for item in error.errors():
        name = ".".join(str(part) for part in item.get("loc", ()) if part not in ("query", "path"))
        parts.append(f"{name}: {item.get('msg', 'invalid')}" if name else item.get("msg", "invalid"))
    return "; ".join(parts) or "invalid request"
