"""One very long article costs memory near its own size, and reads back whole.

A 50 MB article (the news of several SaudiNewsNet days in one text file)
is indexed by a real update in a fresh interpreter, its peak memory read
from the kernel; the compact paths it takes are checked against the
ordinary ones on real Arabic text.
"""

from __future__ import annotations

import importlib
import io
import json
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from search import Index

analyze = importlib.import_module("search.analysis.tokenize")  # search.analysis.tokenize is also the name of a function
writer = importlib.import_module("search.engine.writer")

REPO = Path(__file__).resolve().parents[1]
CLI = REPO / "cli.py"
SEED_ARTICLE = REPO / "seeds" / "000_8a7e0e5c3f8f0a9f.txt"
DAYS = REPO.parent / "shared" / "corpora" / "saudinewsnet" / "dataset"
LONG_ARTICLE_BYTES = 50_000_000
PEAK_LIMIT_MB = 300  # per process, whatever the article's length

# This process's peak is VmHWM, not ru_maxrss: ru_maxrss survives exec, so it
# would count the pytest process this one was forked from. Its writer
# processes are forked from it alone: their ru_maxrss is their own.
MEASURE = """
import re, resource, sys
from search import Index
summary = Index(sys.argv[1]).update(sys.argv[2])
status = open("/proc/self/status").read()
print(summary.added, int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1)) // 1024,
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
"""


def seed_text() -> str:
    return SEED_ARTICLE.read_text(encoding="utf-8")


def test_long_text_positions_are_the_ordinary_ones(monkeypatch):
    text = seed_text() * 3
    ordinary_words = {word: list(at) for word, at in analyze.word_positions(text).items()}
    ordinary_stems = {stem: list(at) for stem, at in analyze.stem_positions(text).items()}
    analyze.forget_positions()
    monkeypatch.setattr(analyze, "LARGE_TEXT", 500)  # chunks of 125 characters, cut at spaces
    long_words = analyze.word_positions(text)
    assert all(type(at).__name__ == "array" for at in long_words.values())
    assert list(long_words) == list(ordinary_words)  # same words, same order of first use
    assert {word: list(at) for word, at in long_words.items()} == ordinary_words
    assert {stem: list(at) for stem, at in analyze.stem_positions(text).items()} == ordinary_stems
    assert len(ordinary_stems["دول"]) > 5  # pooled from الدول, الدولي, دوليه, ...: still in order, still in order
    analyze.forget_positions()


def test_streamed_pickle_unpickles_to_the_stored_fields(monkeypatch):
    monkeypatch.setattr(writer, "LONG_STORED_TEXT", 100)
    fields = {"id": "a.txt", "title": "افتتاح مدرسة جديدة", "body": seed_text() + "𝕏", "url": None}
    file = io.BytesIO()
    writer.pickle_fields_to(fields, file)
    assert pickle.loads(file.getvalue()) == fields


def test_long_articles_read_back_whole_and_highlighted(monkeypatch, tmp_path):
    monkeypatch.setattr(writer, "LONG_STORED_TEXT", 1000)  # the seed article (4 kB) takes the streamed path
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "long.txt").write_text(seed_text(), encoding="utf-8")
    (seeds / "short.txt").write_text("أمطار غزيرة\nتوقعت الأرصاد أمطاراً غزيرة على مكة.", encoding="utf-8")
    index = Index(tmp_path / "index")
    assert index.update(seeds).added == 2
    body = seed_text().split("\n", 1)[1].strip()
    view = index.article("long.txt", "داعش")
    assert view.body == body
    assert view.highlights and all(body[start:end].endswith("داعش") for start, end in view.highlights)
    assert index.article("short.txt").body == "توقعت الأرصاد أمطاراً غزيرة على مكة."
    assert {hit.id for hit in index.search("داعش").hits} == {"long.txt"}


@pytest.fixture(scope="module")
def long_article(tmp_path_factory) -> tuple[Path, str]:
    """A seeds folder holding one 50 MB text file of real news, and its last line."""
    days = sorted(DAYS.glob("*.zip"))
    if not days:
        pytest.skip(f"the SaudiNewsNet corpus is not beside the repository ({DAYS})")
    seeds = tmp_path_factory.mktemp("long") / "seeds"
    seeds.mkdir()
    written, last = 0, ""
    with open(seeds / "archive.txt", "w", encoding="utf-8") as out:
        out.write("أرشيف الأخبار\n")
        for day in days:
            with zipfile.ZipFile(day) as archive:
                articles = json.loads(archive.read(archive.namelist()[0]))
            for article in articles:
                content = (article.get("content") or "").strip()
                if content:
                    out.write(content + "\n")
                    written += len(content.encode("utf-8"))
                    last = content
                if written >= LONG_ARTICLE_BYTES:
                    return seeds, last
    pytest.skip(f"the corpus holds less than {LONG_ARTICLE_BYTES} bytes of text")


def test_a_fifty_megabyte_article_indexes_in_bounded_memory(long_article, tmp_path):
    seeds, last = long_article
    measured = subprocess.run([sys.executable, "-c", MEASURE, str(tmp_path / "index"), str(seeds)],
                              capture_output=True, text=True, cwd=REPO, timeout=600)
    assert measured.returncode == 0, measured.stderr
    added, parent_mb, child_mb = map(int, measured.stdout.split())
    assert added == 1
    assert parent_mb <= PEAK_LIMIT_MB and child_mb <= PEAK_LIMIT_MB, (parent_mb, child_mb)

    shown = subprocess.run([sys.executable, str(CLI), "show", "archive.txt", "--index", str(tmp_path / "index"),
                            "-q", "الرياض"], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.rstrip().endswith(last.split("\n")[-1].strip())
    assert shown.stdout.count("\n") > 10_000  # the whole body, its lines kept
