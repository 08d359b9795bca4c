"""The index stage: every seed format and encoding, incremental updates, the --full swap."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from search import Index, IndexFolderError

REPO = Path(__file__).resolve().parents[1]

SCHOOL = "افتتحت وزارة التعليم المدرسة الجديدة في الرياض، واستقبلت المدرسةُ مئتي طالب."
WEATHER = "توقعت الأرصاد الجوية أمطاراً غزيرة على مكة المكرمة والمدينة المنورة."
OIL = "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار أوبك خفض الإنتاج."
FOOTBALL = "فاز نادي الهلال على النصر في مباراة كرة القدم بهدفين نظيفين."


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def ids(index: Index, query: str) -> set[str]:
    return {hit.id for hit in index.search(query, limit=100).hits}


@pytest.fixture
def seeds(tmp_path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "school.txt").write_text("مدرسة جديدة في الرياض\n\n" + SCHOOL, encoding="utf-8")
    return folder


@pytest.fixture
def index(tmp_path) -> Index:
    return Index(tmp_path / "index")


def test_every_format_and_encoding_is_indexed_and_searchable(seeds, index):
    (seeds / "weather.md").write_text("# طقس الأسبوع\n\n" + WEATHER, encoding="utf-8")
    (seeds / "oil.json").write_text(json.dumps(
        {"id": "oil-1", "title": "النفط", "content": OIL, "source": "aleqtisadiya",
         "date_extracted": "2015-07-21 10:00:00", "url": "http://example.com/oil"}, ensure_ascii=False),
        encoding="utf-8")
    write_jsonl(seeds / "sport.jsonl", [{"title": "الهلال والنصر", "text": FOOTBALL, "source": "riyadh"}])
    (seeds / "legacy.txt").write_bytes(("أخبار قديمة\n" + "صدر قرار بتعيين وزير جديد للخارجية").encode("cp1256"))
    (seeds / "wide.txt").write_bytes(("نص عريض\n" + "انطلقت قافلة المساعدات الإنسانية").encode("utf-16"))
    (seeds / "bom.txt").write_bytes(("عنوان\n" + "أعلنت الهيئة العامة للرياضة").encode("utf-8-sig"))

    summary = index.update(seeds)

    assert summary.added == 7 and not summary.problems
    assert ids(index, "المدرسة") == {"school.txt"}
    assert ids(index, "أمطار") == {"weather.md"}
    assert ids(index, "أوبك") == {"oil-1"}
    assert ids(index, "الهلال") == {"sport.jsonl#0"}
    assert ids(index, "وزير") == {"legacy.txt"}
    assert ids(index, "قافلة") == {"wide.txt"}
    assert ids(index, "الهيئة") == {"bom.txt"}
    oil = index.article("oil-1")
    assert oil.source == "aleqtisadiya" and oil.date.isoformat() == "2015-07-21T10:00:00"
    assert oil.url == "http://example.com/oil"
    assert index.article("weather.md").title == "طقس الأسبوع"


def test_unknown_extension_is_listed_not_indexed(seeds, index):
    (seeds / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not an article")
    summary = index.update(seeds)
    assert summary.added == 1
    assert any(p.path == "photo.jpg" for p in summary.problems)


def test_new_changed_and_deleted_files(seeds, index):
    index.update(seeds)
    (seeds / "oil.txt").write_text("النفط\n" + OIL, encoding="utf-8")
    summary = index.update(seeds)
    assert (summary.added, summary.updated, summary.removed) == (1, 0, 0)
    assert summary.unchanged == 1

    (seeds / "oil.txt").write_text("النفط والغاز\n" + OIL + " وتراجع الغاز الطبيعي.", encoding="utf-8")
    summary = index.update(seeds)
    assert (summary.added, summary.updated, summary.removed) == (0, 1, 0)
    assert ids(index, "الغاز") == {"oil.txt"}

    (seeds / "school.txt").unlink()
    summary = index.update(seeds)
    assert (summary.added, summary.updated, summary.removed) == (0, 0, 1)
    assert ids(index, "المدرسة") == set()
    assert index.stats().documents == 1


def test_records_added_and_removed_inside_a_jsonl_file(seeds, index):
    feed = seeds / "feed.jsonl"
    write_jsonl(feed, [{"id": "a", "title": "طقس", "text": WEATHER}, {"id": "b", "title": "نفط", "text": OIL}])
    index.update(seeds)
    assert ids(index, "النفط") == {"b"}

    write_jsonl(feed, [{"id": "a", "title": "طقس", "text": WEATHER}, {"id": "c", "title": "كرة", "text": FOOTBALL}])
    summary = index.update(seeds)

    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (1, 0, 1, 2)  # a, school.txt
    assert ids(index, "النفط") == set()
    assert ids(index, "الهلال") == {"c"}
    assert ids(index, "أمطار") == {"a"}


def test_a_rerun_with_no_change_touches_nothing(seeds, index):
    index.update(seeds)
    generation = index.generation_dir()
    before = {p.name: p.stat().st_mtime_ns for p in generation.iterdir()}

    summary = index.update(seeds)

    assert summary.up_to_date and summary.unchanged == 1 and summary.files_unchanged == 1
    assert {p.name: p.stat().st_mtime_ns for p in generation.iterdir()} == before


def test_touched_file_with_same_content_is_unchanged(seeds, index):
    index.update(seeds)
    os.utime(seeds / "school.txt", ns=(1, 1))
    summary = index.update(seeds)
    assert summary.up_to_date and summary.unchanged == 1


def test_full_rebuild_swaps_in_a_new_generation(seeds, index):
    index.update(seeds)
    old_generation = index.generation_dir()
    (seeds / "oil.txt").write_text("النفط\n" + OIL, encoding="utf-8")

    summary = index.update(seeds, full=True)

    assert summary.full and summary.added == 1 and summary.updated == 1
    assert index.generation_dir() != old_generation
    assert ids(index, "أوبك") == {"oil.txt"}


def test_failed_full_rebuild_leaves_the_old_index_searchable(seeds, index):
    index.update(seeds)
    live = index.generation_dir()
    (seeds / "oil.txt").write_text("النفط\n" + OIL, encoding="utf-8")

    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        index.update(seeds, full=True, progress=interrupt)

    assert index.generation_dir() == live
    assert ids(index, "المدرسة") == {"school.txt"}
    assert sorted(p.name for p in index.path.glob("gen-*")) == [live.name]


def test_refuses_a_folder_that_is_not_an_index(tmp_path, seeds):
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.txt").write_text("لا تحذفني", encoding="utf-8")
    with pytest.raises(IndexFolderError, match="not an index"):
        Index(precious).update(seeds, full=True)
    assert (precious / "thesis.txt").read_text(encoding="utf-8") == "لا تحذفني"


def test_stale_detection(seeds, index):
    assert index.is_stale(seeds)
    index.update(seeds)
    assert not index.is_stale(seeds)
    (seeds / "oil.txt").write_text("النفط\n" + OIL, encoding="utf-8")
    assert index.is_stale(seeds)


def test_the_check_before_a_search_reads_the_seed_stats_only_while_they_match_the_manifest(seeds, index):
    index.update(seeds)
    gen_dir = index.generation_dir()
    stats = json.loads((gen_dir / "seed_stats.json").read_text(encoding="utf-8"))
    school = seeds / "school.txt"
    assert stats["files"] == {"school.txt": [school.stat().st_size, school.stat().st_mtime_ns]}
    # The stats say school.txt changed, the manifest says not: they are believed only with their manifest.
    (gen_dir / "seed_stats.json").write_text(json.dumps(dict(stats, files={"school.txt": [1, 2]})), encoding="utf-8")
    assert index.is_stale(seeds)
    manifest = json.loads((gen_dir / "manifest.json").read_text(encoding="utf-8"))
    (gen_dir / "manifest.json").unlink()
    (gen_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")  # another stamp
    assert not index.is_stale(seeds)
    for damaged in ("{", "[]", '{"manifest": [], "files": 3}', '{"files": {"school.txt": 5}}'):
        (gen_dir / "seed_stats.json").write_text(damaged, encoding="utf-8")
        assert not index.is_stale(seeds)
    (gen_dir / "seed_stats.json").unlink()  # a generation written before the file existed
    assert not index.is_stale(seeds)
    school.write_text(school.read_text(encoding="utf-8") + "\nسطر جديد", encoding="utf-8")
    assert index.is_stale(seeds)
    index.update(seeds)
    assert not index.is_stale(seeds)


def test_end_to_end_over_the_shipped_seeds(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(REPO / "seeds", seeds)
    index = Index(tmp_path / "index")
    summary = index.update(seeds)
    assert summary.added == len(list(seeds.glob("*.txt"))) and not summary.problems
    hit = index.search("الباغوز").hits[0]
    assert hit.id == "000_8a7e0e5c3f8f0a9f.txt"
    assert "الباغوز" in hit.snippet


def test_a_saudinewsnet_day_indexes_as_it_is(tmp_path):
    import zipfile

    day = REPO.parent / "shared" / "corpora" / "saudinewsnet" / "dataset" / "2015-08-01.zip"
    if not day.is_file():
        pytest.skip("../shared/corpora/saudinewsnet is absent")
    seeds = tmp_path / "seeds"
    with zipfile.ZipFile(day) as archive:
        archive.extractall(seeds)
    index = Index(tmp_path / "index")
    summary = index.update(seeds)
    assert summary.added > 1000 and not summary.problems
    stats = index.stats()
    assert stats.documents == summary.added
    assert len(stats.sources) > 5
    assert stats.first_date.startswith("2015-08")


def test_a_full_build_lists_no_empty_segment(tmp_path):
    """Both writer processes start with the writer; one given no document leaves no segment (nor files) behind."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "rain.txt").write_text("أمطار غزيرة\nتوقعت الأرصاد الجوية أمطاراً غزيرة على مكة.", encoding="utf-8")
    index = Index(tmp_path / "index")
    assert index.update(seeds, full=True).added == 1
    segments = index.open_whoosh()._segments()
    assert [segment.doc_count_all() for segment in segments] == [1]
    names = {path.name.split(".")[0] for path in index.generation_dir().glob("MAIN_*.*")}
    assert names == {segments[0].segment_id()}


def test_updates_merge_a_tier_at_a_time_and_leave_the_rest_of_the_index_alone(tmp_path):
    """Four small updates each add a segment and rewrite none; the fifth merges the four into its own.

    Merging every small segment into each new one rewrote the same
    articles on every update (an update's cost grew with the updates
    before it); a tier merges only when five segments are in it.
    """
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    cities = ["الرياض", "جدة", "مكة", "الدمام", "أبها", "تبوك", "حائل", "جازان"]
    topics = [SCHOOL, WEATHER, OIL, FOOTBALL]
    write_jsonl(seeds / "base.jsonl", [{"id": f"base-{n}", "title": f"خبر من {cities[n % 8]}",
                                        "text": f"{topics[n % 4]} وقال مراسلنا في {cities[n % 8]} إن الخبر رقم {n}."}
                                       for n in range(40)])
    index = Index(tmp_path / "index")
    index.update(seeds, full=True)

    def segments() -> list[tuple[str, int]]:
        return [(segment.segment_id(), segment.doc_count()) for segment in index.open_whoosh()._segments()]

    base = segments()
    history = []
    for update in range(5):
        write_jsonl(seeds / f"update-{update}.jsonl",
                    [{"id": f"update-{update}-{n}", "title": f"عاجل من {cities[update]}",
                      "text": f"{topics[(update + n) % 4]} وأفاد مراسلنا في {cities[update]} بالتفاصيل."}
                     for n in range(2)])
        assert index.update(seeds).added == 2
        history.append(segments())

    for before, after in zip(history[:3], history[1:4]):
        assert after[:len(before)] == before and len(after) == len(before) + 1  # nothing rewritten
    assert history[3] == base + [(name, 2) for name, _ in history[3][len(base):]]
    assert history[4][:len(base)] == base  # the built segments stay as they were
    assert [count for _, count in history[4][len(base):]] == [10]
    assert ids(index, "عاجل") == {f"update-{u}-{n}" for u in range(5) for n in range(2)}
