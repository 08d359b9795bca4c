"""engine/compat: with a Whoosh the fast paths were not written for, Whoosh's own paths give the same results.

The version is faked (whoosh.__version__), so this runs on the installed
Whoosh: the index is written by Whoosh's own writer and read through its
matchers, and must search exactly as the index the fast paths write and read.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import pytest
import whoosh
from whoosh.writing import SegmentWriter

from search import Index
from search.engine import compat
from search.engine.writer import BufferedSegmentWriter, open_writer

REPO = Path(__file__).resolve().parent.parent
DAYS = REPO.parent / "shared" / "corpora" / "saudinewsnet" / "dataset"
QUERIES = ["الرياض", "وزارة الصحة", '"خادم الحرمين الشريفين"', "مدرس*", "السعوديه~", "=المدرسة",
           "title:داعش", "-الهلال النصر", "الرياض NEAR/3 أمطار", "متى تأسست وزارة الصحة؟", "٢٠١٥"]


EXTRA = [{"url": "extra-1", "title": "مدرسة جديدة في الرياض", "content": "افتتحت المدرسة الجديدة عام ٢٠١٥ في الرياض"},
         {"url": "extra-2", "title": "أمطار", "content": "هطلت الأمطار على الرياض وجدة"}]


@pytest.fixture
def fresh_check():
    """compat.fast_paths decides once per process: forget that decision around the test."""
    compat.fast_paths.cache_clear()
    yield
    compat.fast_paths.cache_clear()


@pytest.fixture
def other_whoosh(monkeypatch, fresh_check):
    """The installed Whoosh, claiming another version."""
    monkeypatch.setattr(whoosh, "__version__", (2, 7, 6))


def _seeds(folder: Path) -> Path:
    if not (DAYS / "2015-07-21.zip").is_file():
        pytest.skip("../shared/corpora/saudinewsnet is absent")
    seeds = folder / "seeds"
    seeds.mkdir(parents=True)
    with zipfile.ZipFile(DAYS / "2015-07-21.zip") as archive:
        (seeds / "a.json").write_bytes(archive.read(archive.namelist()[0]))
    (seeds / "b.jsonl").write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in EXTRA),
                                   encoding="utf-8")
    return seeds


def _build(folder: Path, update: bool) -> Index:
    """A full build of a day's news; with update, the day then rewritten with half its articles (deletions)."""
    seeds = _seeds(folder)
    index = Index(folder / "index")
    index.update(seeds, full=True)
    if update:
        day = seeds / "a.json"
        day.write_text(json.dumps(json.loads(day.read_text(encoding="utf-8"))[::2], ensure_ascii=False),
                       encoding="utf-8")
        index.update(seeds)
    return index


def _ranking(index: Index, query: str) -> list[tuple[str, float, str]]:
    results = index.search(query, limit=20, time_limit=None)
    return [(hit.id, round(hit.score, 4), hit.snippet) for hit in results.hits] + [("total", results.total, "")]


def test_the_installed_whoosh_takes_the_fast_paths(fresh_check):
    assert compat.mismatch() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert compat.fast_paths()


def test_another_version_is_named_and_said_once(other_whoosh):
    assert compat.mismatch() == "Whoosh 2.7.6 is installed; the fast paths were written for 2.7.5"
    with pytest.warns(RuntimeWarning, match="Whoosh 2.7.6 is installed.*Whoosh's own paths"):
        assert not compat.fast_paths()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second warning would raise here
        assert not compat.fast_paths()


def test_another_version_gets_whoosh_own_writer(other_whoosh, tmp_path):
    from search.engine.storage import create_index

    ix = create_index(tmp_path)
    with pytest.warns(RuntimeWarning):
        writer = open_writer(ix, protocol=5, max_segments=6, limitmb=64)
    assert type(writer) is SegmentWriter and not isinstance(writer, BufferedSegmentWriter)
    writer.cancel()


def _rankings(index: Index) -> dict[str, list]:
    return {query: _ranking(index, query) for query in QUERIES}


def _scores(index: Index) -> dict[str, list[tuple[float, str]]]:
    """Every hit of each query as (score, id), best first: two indexes number their documents differently,
    so documents of equal score may come in another order."""
    return {query: sorted((-round(hit.score, 4), hit.id) for hit in index.search(query, limit=1000, time_limit=None).hits)
            for query in QUERIES}


def test_whoosh_own_matchers_read_an_index_as_the_fast_paths(tmp_path, other_whoosh):
    """Segments and deletions, written by the fast writer; read by a new Index through Whoosh's matchers."""
    compat.fast_paths.cache_clear()
    with pytest.MonkeyPatch.context() as real:
        real.setattr(whoosh, "__version__", compat.WRITTEN_FOR)
        written = _build(tmp_path, update=True)
        expected = _rankings(written)
        assert compat.fast_paths()
    assert all(len(ranking) > 1 for ranking in expected.values())
    compat.fast_paths.cache_clear()
    with pytest.warns(RuntimeWarning, match="2.7.6"):
        assert _rankings(Index(tmp_path / "index")) == expected


def test_whoosh_own_writer_builds_the_index_the_fast_writer_builds(tmp_path, other_whoosh):
    with pytest.warns(RuntimeWarning, match="2.7.6"):
        slow = _build(tmp_path / "slow", update=False)
        slow_scores = _scores(slow)
    compat.fast_paths.cache_clear()
    with pytest.MonkeyPatch.context() as real:
        real.setattr(whoosh, "__version__", compat.WRITTEN_FOR)
        fast = _build(tmp_path / "fast", update=False)
        assert _scores(fast) == slow_scores
        assert slow.stats().documents == fast.stats().documents > 1000
