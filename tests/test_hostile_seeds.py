"""Hostile seed files: each is one Problem of that file, never an exception out of sources.py, never a hang.

A rule test on the library for each kind of file, then, where a user would
see it, a real ``cli.py index`` process: the other files are indexed and
searchable, the bad one is named in one line on stderr, no traceback.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from search import Index
from search.sources import (
    Problem,
    file_hash,
    read_articles,
    scan,
)
from test_reliability import skipped_lines

SCHOOL_TITLE = "افتتاح مدرسة جديدة في الرياض"
SCHOOL = "افتتحت وزارة التعليم المدرسة الجديدة في حي النرجس، واستقبلت المدرسةُ مئتي طالب في يومها الأول."
HOSPITAL_TITLE = "وزير الصحة يفتتح مستشفى الأمل"
HOSPITAL = "افتتح وزير الصحة اليوم مستشفى «الأمل» بسعة ثلاثمئة سرير، ويخدم سكان الأحياء الشمالية في جدة."
OIL = "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار أوبك خفض الإنتاج مليون برميل يومياً."
WEATHER = "توقعت الأرصاد الجوية أمطاراً غزيرة على مكة المكرمة والمدينة المنورة خلال عطلة نهاية الأسبوع."
# From SaudiNewsNet (alyaum, 2015-08-01): a pair of SUBSTITUTE characters (\x1a) opens each paragraph.
NASSR_TITLE = "متى يحل النصر لغز الأجانب..؟؟"
NASSR = (" \x1a\x1a لا يمكن لأي عاقل أن ينسف الجهود الكبيرة والمضنية التي بذلتها إدارة النصر بقيادة ربان "
         "السفينة الصفراء فيصل بن تركي..\n\x1a\x1a ولا يمكن أيضا لأي عاقل أن يتجاهل احترافية الإدارة في إبرام "
         "جملة من الصفقات المحلية الكبيرة التي كانت حديث الشارع الرياضي.")


def write(folder: Path, name: str, content: str | bytes) -> Path:
    """Write content (str as UTF-8) to folder/name, creating parent folders."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def record(article_id: str, title: str, content: str, **extra) -> str:
    return json.dumps({"id": article_id, "title": title, "content": content, **extra}, ensure_ascii=False)


def good_seeds(tmp_path: Path) -> Path:
    """A seeds folder with the one good article every run must still index."""
    seeds = tmp_path / "seeds"
    write(seeds, "school.txt", f"{SCHOOL_TITLE}\n\n{SCHOOL}\n")
    return seeds


def index_ids(index: Path, query: str) -> set[str]:
    return {hit.id for hit in Index(index).search(query, limit=100).hits}


def assert_one_line_each(stderr: str, expected: list[str]) -> None:
    """stderr names each bad file in exactly the expected "skipped" lines, in order, with no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = skipped_lines(stderr)
    assert len(lines) == len(expected), lines
    for line, start in zip(lines, expected):
        assert line.startswith(start), (line, start)


def finishes(function, *args, seconds: float = 10, **kwargs):
    """function(*args, **kwargs), failing the test if it has not returned within seconds: a hang."""
    outcome = {}

    def call():
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # handed to the test below
            outcome["error"] = error

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"{function.__name__} has not returned after {seconds}s: it hangs")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# ---------------------------------------------------------------- only regular files are opened


def swap_for_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


@pytest.mark.parametrize("name", ["hospital.txt", "hospital.json", "hospital.jsonl"])
def test_a_seed_replaced_by_a_fifo_after_scan_is_a_problem_not_a_hang(tmp_path, name):
    write(tmp_path, name, record("h", HOSPITAL_TITLE, HOSPITAL) if ".json" in name else HOSPITAL)
    files, _ = scan(tmp_path)
    swap_for_fifo(tmp_path / name)

    assert finishes(read_articles, tmp_path, name) == ([], [Problem(name, "cannot read: not a regular file (FIFO)")])
    with pytest.raises(OSError) as refused:
        finishes(file_hash, tmp_path, name)
    assert refused.value.strerror == "not a regular file (FIFO)"
