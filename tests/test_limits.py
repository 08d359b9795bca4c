"""Hostile queries: the time limit and a cancel hold at every stage, and the work is bounded.

The time-limit tests search a day of SaudiNewsNet (../shared beside the
repository), indexed in two updates so that its reader has several
segments: 200 fuzzy words over its 22,000 body terms starting with ا
would take minutes. They assert that work stopped (fewer words expanded,
fewer terms read), never how long it took.
"""

from __future__ import annotations

import json
import threading
import zipfile
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest
from test_reliability import run_cli

from search import Index
from search.analysis.levels import WEIGHTS
from search.engine import searching
from search.engine.compile import to_whoosh
from search.engine.postings import SCAN_CHUNK, IndexArrays
from search.engine.searching import top_documents
from search.query.language import MAX_QUERY_LENGTH, parse_query
from search.query.plan import ARTICLE_PREFIXES, MAX_EXPANSIONS, MAX_QUERY_EXPANSIONS
from search.suggest import MAX_CANDIDATES

REPO = Path(__file__).resolve().parent.parent
DAY = REPO.parent / "shared" / "corpora" / "saudinewsnet" / "dataset" / "2015-07-21.zip"
ARABIC_LETTERS = set("ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي")
LONG_WORD = ("استقلال" * MAX_QUERY_LENGTH)[:MAX_QUERY_LENGTH - 1]  # 1,999 letters, in no document
FUZZY_WORDS = 200

ARTICLES = [
    {"id": "school", "title": "افتتاح مدرسة جديدة في الرياض", "date": "2015-07-21 09:00:00", "source": "okaz",
     "text": "افتتحت وزارة التعليم المدرسة الجديدة في حي النرجس، واستقبلت المدرسةُ مئتي طالب في يومها الأول."},
    {"id": "oil", "title": "ارتفاع أسعار النفط", "date": "2015-08-02 12:00:00", "source": "aleqtisadiya",
     "text": "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار أوبك خفض الإنتاج مليون برميل يومياً."},
]


@pytest.fixture(scope="module")
def news(tmp_path_factory) -> Index:
    """One day of SaudiNewsNet (2,972 articles), half in a first update and half in a second."""
    if not DAY.is_file():
        pytest.skip("../shared/corpora/saudinewsnet is absent: the time-limit tests need a day of real news")
    folder = tmp_path_factory.mktemp("news")
    (folder / "seeds").mkdir()
    with zipfile.ZipFile(DAY) as archive:
        records = json.loads(archive.read(archive.namelist()[0]))
    index = Index(folder / "index")
    halves = (records[:len(records) // 2], records[len(records) // 2:])
    for name, half in zip(("a.json", "b.json"), halves):
        (folder / "seeds" / name).write_text(json.dumps(half, ensure_ascii=False), encoding="utf-8")
        index.update(folder / "seeds")
    return index


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Index:
    folder = tmp_path_factory.mktemp("small")
    (folder / "seeds").mkdir()
    (folder / "seeds" / "news.jsonl").write_text(
        "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), encoding="utf-8")
    index = Index(folder / "index")
    index.update(folder / "seeds")
    return index


def body_words(index: Index, length: int, count: int) -> list[str]:
    """count body terms of length Arabic letters, spread evenly over the vocabulary."""
    with index.open_whoosh().reader() as reader:
        words = [w for w in (t.decode("utf-8") for t in reader.lexicon("body"))
                 if len(w) == length and set(w) <= ARABIC_LETTERS]
    return words[::max(1, len(words) // count)][:count]


def fuzzy_query(index: Index) -> str:
    words = body_words(index, 6, FUZZY_WORDS)
    assert len(words) == FUZZY_WORDS
    return " ".join(f"{word}~2" for word in words)


@pytest.fixture
def expansions(monkeypatch) -> list:
    """The (field, word) of every fuzzy expansion a search starts."""
    started = []
    original = IndexArrays.terms_within

    def counted(self, fieldname, text, *args, **kwargs):
        started.append((fieldname, text))
        return original(self, fieldname, text, *args, **kwargs)

    monkeypatch.setattr(IndexArrays, "terms_within", counted)
    return started


def terms_read(monkeypatch, index: Index) -> list:
    """A list that grows by one for each term the shared reader of index's arrays yields from now on."""
    reader = index._readers.opened().arrays().reader
    original = reader.terms_from
    read = []

    def counting(fieldname, prefix):
        for term in original(fieldname, prefix):
            read.append(term)
            yield term

    monkeypatch.setattr(reader, "terms_from", counting)
    return read


# ----- the time limit ---------------------------------------------------------------


def test_fuzzy_words_stop_expanding_at_the_time_limit(news, expansions):
    query = fuzzy_query(news)
    results = news.search(query, time_limit=0.5)
    assert results.partial is True
    assert results.to_dict()["note"] == "time limit reached: results may be incomplete"
    assert results.hits == [] and results.total == 0  # stopped before evaluating: no half-built query ran
    assert 0 < len(expansions) < FUZZY_WORDS * len(WEIGHTS)


def test_a_search_cancelled_from_another_thread_stops(news, expansions):
    query = fuzzy_query(news)
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    try:
        results = news.search(query, time_limit=None, cancel=cancel)
    finally:
        timer.cancel()
    assert results.partial is True
    assert len(expansions) < FUZZY_WORDS * len(WEIGHTS)


def test_a_search_cancelled_before_it_starts_does_nothing(small, expansions):
    cancel = threading.Event()
    cancel.set()
    results = small.search("مدرسه~2", cancel=cancel)
    assert results.partial is True and results.hits == [] and expansions == []
    for sort in ("relevance", "date"):
        assert small.search("المدرسة", sort=sort, cancel=cancel).partial is True
    assert small.search("المدرسة").partial is False  # nothing stays cancelled


def test_past_the_deadline_hits_have_snippets_without_highlights(small, monkeypatch):
    """Cancelled once ranking is done: the hits are right, only their highlights are skipped."""
    complete = small.search("المدرسة OR النفط")
    assert all(hit.highlights for hit in complete.hits)
    cancel = threading.Event()

    def ranked_then_cancelled(*args):
        ranked = top_documents(*args)
        cancel.set()
        return ranked

    monkeypatch.setattr(searching, "top_documents", ranked_then_cancelled)
    cut = small.search("المدرسة OR النفط", cancel=cancel)
    assert [hit.id for hit in cut.hits] == [hit.id for hit in complete.hits] and cut.total == complete.total
    assert cut.partial is True
    assert [(hit.snippet, hit.highlights) for hit in cut.hits] == [(hit.snippet, ()) for hit in complete.hits]


def test_a_real_cli_process_comes_back_partial_at_its_time_limit(news, tmp_path):
    result = run_cli("search", fuzzy_query(news), "--index", news.path,
                     "--time-limit", "0.5", "--json", cwd=tmp_path, timeout=600)
    data = json.loads(result.stdout)
    assert data["partial"] is True and data["note"] == "time limit reached: results may be incomplete"
    assert data["hits"] == [] and result.returncode == 1  # stopped while expanding its fuzzy words


def asgi_get(app, path: str, params: dict, client_leaves: bool) -> tuple[int, dict]:
    """One GET through the ASGI app, as uvicorn makes it; the client may leave right after asking."""
    anyio = pytest.importorskip("anyio")
    incoming = [{"type": "http.request", "body": b"", "more_body": False}]
    sent = []

    async def receive():
        if incoming:
            return incoming.pop(0)
        if not client_leaves:
            await anyio.sleep_forever()  # until the response is sent and the app stops listening
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": urlencode(params).encode(),
             "headers": [(b"host", b"127.0.0.1:8000")], "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    anyio.run(app, scope, receive, send)
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body)


def test_the_server_stops_a_search_whose_client_has_gone(news, expansions):
    """No time limit: only the client's leaving can stop 200 fuzzy words, which would run for minutes."""
    pytest.importorskip("fastapi", reason="the web extra is not installed: pip install -e '.[web]'")
    from search.web.app import create_app

    app = create_app(news.path, time_limit=None)
    status, data = asgi_get(app, "/api/search", {"q": fuzzy_query(news)}, client_leaves=True)
    assert status == 200 and data["partial"] is True and data["hits"] == []
    assert len(expansions) < FUZZY_WORDS * len(WEIGHTS)
    status, data = asgi_get(app, "/api/search", {"q": "الرياض"}, client_leaves=False)
    assert status == 200 and "partial" not in data and data["total"] > 100


def expanded_terms(index: Index, query: str) -> int:
    with index.open_whoosh().searcher() as searcher:
        plan = to_whoosh(parse_query(query), searcher.reader())
    return sum(1 for _ in plan.query.iter_all_terms())


def test_the_words_of_one_query_share_its_expansions(news):
    """30 two-letter prefixes (وا* alone starts thousands of body terms) expand to MAX_QUERY_EXPANSIONS terms in all."""
    with news.open_whoosh().reader() as reader:
        starts = Counter(t.decode("utf-8")[:2] for t in reader.lexicon("body"))
    prefixes = [start + "*" for start, _ in starts.most_common()
                if set(start) <= ARABIC_LETTERS and start not in ARTICLE_PREFIXES][:30]  # ال* is refused
    assert expanded_terms(news, " ".join(prefixes)) <= MAX_QUERY_EXPANSIONS
    assert expanded_terms(news, prefixes[0]) > 2 * MAX_EXPANSIONS  # alone, a word gets more
    # Four words in every field still get MAX_EXPANSIONS each: normal queries expand as before.
    four = " ".join(prefixes[:4])
    assert expanded_terms(news, four) == sum(expanded_terms(news, prefix) for prefix in prefixes[:4])


# ----- did you mean -----------------------------------------------------------------------


def test_did_you_mean_reads_no_vocabulary_for_a_word_too_long_to_be_one(news, monkeypatch):
    read = terms_read(monkeypatch, news)
    results = news.search(LONG_WORD)
    assert results.total == 0 and results.suggestion is None and results.partial is False
    assert read == []


def test_did_you_mean_reads_a_bounded_share_of_the_vocabulary(news, monkeypatch):
    with news.open_whoosh().reader() as reader:
        assert sum(1 for _ in reader.expand_prefix("body", "ا")) > 4 * MAX_CANDIDATES
    read = terms_read(monkeypatch, news)
    results = news.search("الاجتماعيةز")  # unknown; 22,000 body terms share its first letter
    assert results.total == 0 and results.suggestion == "الاجتماعية"
    assert 0 < len(read) <= MAX_CANDIDATES + 2 * SCAN_CHUNK


def test_did_you_mean_looks_look_alikes_up_without_reading_the_vocabulary(news, monkeypatch):
    """ط for ت right after ال: among 15,000 terms starting with ال, found by one lookup."""
    read = terms_read(monkeypatch, news)
    assert news.search("الطعليم").suggestion == "التعليم"
    assert read == []


def test_did_you_mean_still_finds_other_typos(small):
    assert small.search("المضرسة").suggestion == "المدرسة"  # ض/د are not look-alikes: found by the scan
    assert small.search("النفت").suggestion == "النفط"  # ت/ط, a look-alike
    assert small.search("الافتتاحيات").suggestion is None  # nothing close enough
