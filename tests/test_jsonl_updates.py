"""A changed JSON Lines dump is updated record by record: what did not change is not written again.

Real dumps of Arabic news records in a real seeds folder, indexed into a
real Whoosh index on disk. What an update wrote is read back from the
index itself: which segment and document number every article has, how
many documents each segment holds and how many of them are deleted. After
every change the index must equal a full build of the same seeds, and an
update killed (SIGKILL, a real process) at any point of its writes must
leave what the next update brings to exactly that.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_concurrency import SENTENCES
from test_index_identity import comparable

import search.sources
from search import Index
from search.sources import WARNING

REPO = Path(__file__).resolve().parents[1]
RECORDS = 300
ECLIPSE = "وشهدت سماء المنطقة كسوفاً جزئياً للشمس رصده الفلكيون."  # in no record but those a test adds


def news(n: int, extra: str = "", with_id: bool = True) -> dict:
    """Record n: a headline and three sentences of news, ending with its own number."""
    rng = random.Random(n)
    record = {"title": rng.choice(SENTENCES).split("،")[0], "content": " ".join(rng.sample(SENTENCES, 3)) + extra
              + f" رقم {n}", "source": "spa", "date_extracted": f"2015-08-{1 + n % 28:02d} 09:30:00"}
    if with_id:
        record["id"] = f"n{n}"
    return record


def line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(lines), encoding="utf-8")


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def append(path: Path, *records: dict) -> None:
    with open(path, "a", encoding="utf-8") as dump:
        dump.write("".join(line(record) for record in records))


@pytest.fixture
def built(tmp_path) -> tuple[Path, Index]:
    """A seeds folder holding dump.jsonl of RECORDS records, and its index."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    write_lines(seeds / "dump.jsonl", [line(news(n)) for n in range(RECORDS)])
    index = Index(tmp_path / "index")
    index.update(seeds)
    return seeds, index


def positions(index: Index) -> dict[str, tuple[str, int]]:
    """Where each live document sits: its segment and its number in that segment."""
    with index.open_whoosh().reader() as reader:
        return {fields["id"]: (leaf.segment().segment_id(), docnum)
                for leaf, _ in reader.leaf_readers() for docnum, fields in leaf.iter_docs()}


def segments(index: Index) -> list[tuple[str, int, int]]:
    """(segment, documents written to it, documents of it deleted since), in the index's order."""
    return [(segment.segment_id(), segment.doc_count_all(), segment.deleted_count())
            for segment in index.open_whoosh()._segments()]


def counts(summary) -> tuple[int, int, int, int]:
    return summary.added, summary.updated, summary.removed, summary.unchanged


def hits(index: Index, query: str) -> list[str]:
    return sorted(hit.id for hit in index.search(query, limit=50).hits)


def fresh_build(seeds: Path, folder: Path) -> tuple[Index, list]:
    """A full build of the seeds: what every incremental update must end at; and its problems."""
    fresh = Index(folder)
    summary = fresh.update(seeds, full=True)
    return fresh, summary.problems


def assert_same_as_a_full_build(index: Index, seeds: Path, folder: Path, problems=None) -> None:
    """Same documents (postings, stored fields, columns, digests), same manifest entries, same problems."""
    fresh, fresh_problems = fresh_build(seeds, folder)
    assert comparable(index) == comparable(fresh)
    assert index.manifest() == fresh.manifest()
    if problems is not None:
        assert problems == fresh_problems


@pytest.fixture
def parsed(monkeypatch) -> list[int]:
    """Counts the JSON lines parsed (sources.parse_json), as one list element per line."""
    calls: list[int] = []
    parse = search.sources.parse_json
    monkeypatch.setattr(search.sources, "parse_json", lambda text: calls.append(1) or parse(text))
    return calls


# ---------------------------------------------------------------- one line


def test_appending_a_line_writes_that_record_alone(built, parsed, tmp_path):
    seeds, index = built
    before, segments_before = positions(index), segments(index)
    parsed.clear()

    append(seeds / "dump.jsonl", news(RECORDS, " " + ECLIPSE))
    summary = index.update(seeds)

    assert counts(summary) == (1, 0, 0, RECORDS)
    assert len(parsed) == 1  # the new line, not the 300 before it
    after = positions(index)
    assert {article_id: after[article_id] for article_id in before} == before  # every other document where it was
    [(new_segment, written, deleted)] = segments(index)[len(segments_before):]
    assert (written, deleted) == (1, 0)
    assert segments(index)[:len(segments_before)] == segments_before  # nothing deleted from the old ones
    assert after[f"n{RECORDS}"] == (new_segment, 0)
    assert hits(index, "كسوف") == [f"n{RECORDS}"]
    assert index.manifest()["dump.jsonl"]["read"]["offset"] == (seeds / "dump.jsonl").stat().st_size
    assert_same_as_a_full_build(index, seeds, tmp_path / "fresh", summary.problems)


def test_editing_a_line_replaces_that_record_alone(built, tmp_path):
    seeds, index = built
    before, segments_before = positions(index), segments(index)
    lines = read_lines(seeds / "dump.jsonl")
    lines[150] = line(news(150, " " + ECLIPSE))
    write_lines(seeds / "dump.jsonl", lines)

    summary = index.update(seeds)

    assert counts(summary) == (0, 1, 0, RECORDS - 1)
    after = positions(index)
    assert {i: after[i] for i in before if i != "n150"} == {i: p for i, p in before.items() if i != "n150"}
    old_segment = before["n150"][0]
    assert [deleted for segment, _, deleted in segments(index) if segment == old_segment] == [1]
    [(new_segment, written, deleted)] = segments(index)[len(segments_before):]
    assert (written, deleted) == (1, 0)
    assert after["n150"] == (new_segment, 0)
    assert hits(index, "كسوف") == ["n150"]
    assert_same_as_a_full_build(index, seeds, tmp_path / "fresh", summary.problems)


def test_deleting_a_line_deletes_that_record_alone(built, tmp_path):
    seeds, index = built
    before, segments_before = positions(index), segments(index)
    lines = read_lines(seeds / "dump.jsonl")
    del lines[150]
    write_lines(seeds / "dump.jsonl", lines)

    summary = index.update(seeds)

    assert counts(summary) == (0, 0, 1, RECORDS - 1)
    assert positions(index) == {i: p for i, p in before.items() if i != "n150"}
    assert [(segment, written) for segment, written, _ in segments(index)] == \
        [(segment, written) for segment, written, _ in segments_before]  # no document written
    assert sum(deleted for _, _, deleted in segments(index)) == 1
    assert hits(index, '"رقم 150"') == [] and hits(index, '"رقم 151"') == ["n151"]
    assert_same_as_a_full_build(index, seeds, tmp_path / "fresh", summary.problems)


def test_reordering_the_lines_writes_nothing(built, tmp_path):
    """Records with an id are matched by their fields, wherever their line went."""
    seeds, index = built
    before, segments_before = positions(index), segments(index)
    lines = read_lines(seeds / "dump.jsonl")
    random.Random(7).shuffle(lines)
    write_lines(seeds / "dump.jsonl", lines)

    summary = index.update(seeds)

    assert counts(summary) == (0, 0, 0, RECORDS) and summary.files_changed == 1
    assert positions(index) == before and segments(index) == segments_before
    assert_same_as_a_full_build(index, seeds, tmp_path / "fresh", summary.problems)


def test_a_line_written_differently_with_the_same_fields_writes_nothing(built, tmp_path):
    seeds, index = built
    lines = read_lines(seeds / "dump.jsonl")
    lines[10] = json.dumps(dict(reversed(list(json.loads(lines[10]).items()))), indent=None) + "\n"  # \\u escapes
    write_lines(seeds / "dump.jsonl", lines)

    summary = index.update(seeds)

    assert counts(summary) == (0, 0, 0, RECORDS)
    assert_same_as_a_full_build(index, seeds, tmp_path / "fresh", summary.problems)


def test_records_without_an_id_are_numbered_by_line_so_a_line_inserted_above_renumbers_them(tmp_path):
    """Their id is dump.jsonl#n: a line added at the end costs a line, one added at the top is a new id for each."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    write_lines(seeds / "dump.jsonl", [line(news(n, with_id=False)) for n in range(50)])
    index = Index(tmp_path / "index")
    index.update(seeds)

    append(seeds / "dump.jsonl", news(50, with_id=False))
    assert counts(index.update(seeds)) == (1, 0, 0, 50)

    write_lines(seeds / "dump.jsonl", [line(news(99, with_id=False))] + read_lines(seeds / "dump.jsonl"))
    summary = index.update(seeds)

    assert counts(summary) == (1, 51, 0, 0)  # dump.jsonl#0 .. #50 now name other records; #51 is new
    assert hits(index, '"رقم 99"') == ["dump.jsonl#0"]
    assert_same_as_a_full_build(index, seeds, tmp_path / "fresh", summary.problems)


# ---------------------------------------------------------------- problems and duplicate ids


def test_problems_of_unchanged_lines_are_still_listed_with_their_lines(tmp_path, parsed):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    lines = [line(news(n)) for n in range(20)]
    lines[3] = line({"id": "empty", "title": "", "content": ""})  # no text: a warning
    lines[7] = '{"id": "cut", "title": "خبر مقطوع\n'  # an error
    lines[12] = line(dict(news(12), id="n2"))  # n2 again: a warning, the first kept
    write_lines(seeds / "dump.jsonl", lines)
    index = Index(tmp_path / "index")
    first = index.update(seeds).problems
    assert [(p.line, p.severity) for p in first] == [(4, WARNING), (8, "error"), (None, WARNING)]  # ids: no line
    parsed.clear()

    append(seeds / "dump.jsonl", news(20), dict(news(21), id="n5"), {"id": "still-empty", "title": " "})
    summary = index.update(seeds)

    assert len(parsed) == 3 and counts(summary) == (1, 0, 0, 17)  # 20 lines: one empty, one cut, one duplicate
    assert summary.problems[:3] == first
    assert [(p.line, p.reason) for p in summary.problems[3:]] == [
        (None, "duplicate id 'n5' within the file; kept the first"), (23, "record 22 has no text")]
    assert summary.new_problems == summary.problems[3:]
    assert_same_as_a_full_build(index, seeds, tmp_path / "fresh", summary.problems)


def test_a_duplicate_within_the_file_takes_over_when_the_first_goes(built, tmp_path):
    seeds, index = built
    append(seeds / "dump.jsonl", dict(news(RECORDS, " " + ECLIPSE), id="n5"))  # n5 again: not indexed
    summary = index.update(seeds)
    assert counts(summary) == (0, 0, 0, RECORDS) and hits(index, "كسوف") == []
    assert [p.reason for p in summary.problems] == ["duplicate id 'n5' within the file; kept the first"]

    lines = read_lines(seeds / "dump.jsonl")
    lines[5] = line(dict(news(5), id="n5-renamed"))
    write_lines(seeds / "dump.jsonl", lines)
    summary = index.update(seeds)

    assert counts(summary) == (1, 1, 0, RECORDS - 1)  # n5-renamed is new; n5 is now the last line's record
    assert hits(index, "كسوف") == ["n5"] and summary.problems == []
    assert_same_as_a_full_build(index, seeds, tmp_path / "fresh", summary.problems)


def test_ids_shared_with_another_dump_follow_path_order_and_leave_the_rest_alone(built, tmp_path):
    seeds, index = built
    write_lines(seeds / "extra.jsonl", [line(dict(news(7), title="نسخة أخرى", id="n7")), line(news(1000))])
    summary = index.update(seeds)
    assert counts(summary) == (1, 0, 0, RECORDS)  # dump.jsonl sorts first and keeps n7
    assert [p.reason for p in summary.problems] == ["duplicate id 'n7' (already indexed from dump.jsonl); skipped"]

    append(seeds / "extra.jsonl", news(1001))  # read on from its last line: n7 is still dump.jsonl's
    summary = index.update(seeds)
    assert counts(summary) == (1, 0, 0, RECORDS + 1)
    assert [p.reason for p in summary.problems] == ["duplicate id 'n7' (already indexed from dump.jsonl); skipped"]

    before = positions(index)
    lines = read_lines(seeds / "dump.jsonl")
    del lines[7]
    write_lines(seeds / "dump.jsonl", lines)
    summary = index.update(seeds)

    assert counts(summary) == (0, 1, 0, RECORDS + 1)  # n7 moved to extra.jsonl; extra's others left alone
    assert hits(index, "نسخة") == ["n7"] and summary.problems == []
    after = positions(index)
    assert {i: after[i] for i in before if i != "n7"} == {i: p for i, p in before.items() if i != "n7"}
    assert_same_as_a_full_build(index, seeds, tmp_path / "fresh", summary.problems)

    write_lines(seeds / "0-first.jsonl", [line(dict(news(1001), title="الأولى في الترتيب"))])  # takes n1001
    summary = index.update(seeds)

    assert counts(summary) == (0, 1, 0, RECORDS + 1)
    assert [p.reason for p in summary.problems] == [
        "duplicate id 'n1001' (already indexed from 0-first.jsonl); skipped"]
    assert hits(index, "الترتيب") == ["n1001"]
    assert_same_as_a_full_build(index, seeds, tmp_path / "fresh-2", summary.problems)


def test_a_dump_that_gained_lines_and_an_id_in_one_update_is_read_through(built, tmp_path):
    """Reading on from its last line would miss the id freed by the earlier file: the whole dump is compared."""
    seeds, index = built
    write_lines(seeds / "extra.jsonl", [line(dict(news(7), title="نسخة أخرى", id="n7")), line(news(1000))])
    index.update(seeds)
    lines = read_lines(seeds / "dump.jsonl")
    del lines[7]
    write_lines(seeds / "dump.jsonl", lines)
    append(seeds / "extra.jsonl", news(1001))

    summary = index.update(seeds)

    assert counts(summary) == (1, 1, 0, RECORDS)  # n1001 new; n7 now extra.jsonl's
    assert hits(index, "نسخة") == ["n7"]
    assert_same_as_a_full_build(index, seeds, tmp_path / "fresh", summary.problems)


def test_a_dump_that_becomes_unreadable_keeps_its_documents_and_comes_back_unchanged(built, tmp_path):
    seeds, index = built
    good = (seeds / "dump.jsonl").read_bytes()
    (seeds / "dump.jsonl").write_bytes(b"\x00\x01garbage\n" * 100)

    summary = index.update(seeds)

    assert [(p.path, p.severity) for p in summary.problems] == [("dump.jsonl", "error")]
    assert summary.removed == 0 and index.stats().documents == RECORDS
    (seeds / "dump.jsonl").write_bytes(good)
    assert counts(index.update(seeds)) == (0, 0, 0, RECORDS)


# ---------------------------------------------------------------- a sequence against full builds


def test_a_sequence_of_line_changes_always_equals_a_full_build(tmp_path):
    """Appends, edits, deletions, a reorder, a duplicate, a bad line, in turn; a full build after each."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    dump = seeds / "dump.jsonl"
    write_lines(dump, [line(news(n)) for n in range(80)])
    write_lines(seeds / "other.jsonl", [line(news(n)) for n in range(75, 90)])  # n75..n79 shadowed
    index = Index(tmp_path / "index")
    index.update(seeds)
    rng = random.Random(18)

    def record_of(text: str) -> dict | None:
        try:
            return json.loads(text)
        except ValueError:
            return None  # the broken line

    def appended(lines):
        return lines + [line(news(200 + len(lines)))]

    def edited(lines):
        k = rng.choice([k for k, text in enumerate(lines) if record_of(text)])
        return lines[:k] + [line(dict(record_of(lines[k]), title="عنوان معدل"))] + lines[k + 1:]

    def deleted(lines):
        k = rng.randrange(len(lines))
        return lines[:k] + lines[k + 1:]

    def reordered(lines):
        return rng.sample(lines, len(lines))

    def duplicated(lines):
        return lines + [line(dict(news(999), id=record_of(lines[0])["id"]))]

    def broken(lines):
        return lines + ['{"id": "half", "title": "خبر\n']

    def shadowing_dropped(lines):
        return [text for text in lines if (record_of(text) or {}).get("id") not in ("n76", "n77")]

    steps = [appended, appended, edited, deleted, reordered, appended, duplicated, broken, appended, edited,
             shadowing_dropped, appended]
    for step, change in enumerate(steps):
        write_lines(dump, change(read_lines(dump)))
        summary = index.update(seeds)
        assert summary.files_changed >= 1, change.__name__
        assert_same_as_a_full_build(index, seeds, tmp_path / f"fresh-{step}", summary.problems)


# ---------------------------------------------------------------- killed updates

KILLED_AT = textwrap.dedent("""
    import os, signal, sys
    import search.engine.durability as durability
    import search.store.index as index_module
    from search import Index

    index_dir, seeds, point = sys.argv[1:4]

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "after the commit":
        index_module.sync_commit = die  # committed; commit.json and the manifest describe the commit before
    elif point == "after commit.json":
        index_module._write_manifest = die  # commit.json names the new commit, the manifest the one before
    elif point == "with the manifest written but not renamed":
        replace = os.replace
        os.replace = lambda source, target: die() if str(target).endswith("manifest.json") else replace(source, target)
    elif point == "after the manifest":
        index_module.Index._record_problems = die  # problems.json is the one before
    Index(index_dir).update(seeds)
    sys.exit(3)  # the update ran to its end: the test did not kill it where it meant to
""")
POINTS = ["after the commit", "after commit.json", "with the manifest written but not renamed", "after the manifest"]


def kill_update_at(point: str, seeds: Path, index: Index) -> None:
    killed = subprocess.run([sys.executable, "-c", KILLED_AT, str(index.path), str(seeds), point], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("change", ["lines appended", "lines appended, then replaced by others",
                                    "lines appended, then taken back", "a line edited"])
def test_an_update_killed_at_any_point_is_finished_by_the_next_as_a_full_build_would(built, tmp_path, point,
                                                                                     change, parsed):
    seeds, index = built
    dump = seeds / "dump.jsonl"
    original = read_lines(dump)
    if change == "a line edited":
        write_lines(dump, original[:100] + [line(news(100, " " + ECLIPSE))] + original[101:])
    else:
        append(dump, *(news(n, " " + ECLIPSE) for n in range(RECORDS, RECORDS + 3)))

    kill_update_at(point, seeds, index)

    if change == "lines appended, then replaced by others":
        # The killed update indexed n300..n302; the dump now holds the old lines and other ones.
        write_lines(dump, original + [line(news(n)) for n in range(400, 402)])
    if change == "lines appended, then taken back":
        write_lines(dump, original)  # the hash the manifest recorded, but another time: read again all the same
    summary = index.update(seeds)

    assert index.verify() is None
    assert not [p for p in index.path.rglob("*") if p.name.endswith(".tmp")]
    assert_same_as_a_full_build(index, seeds, tmp_path / "fresh", summary.problems)
    parsed.clear()
    append(dump, news(500))
    assert counts(index.update(seeds))[:3] == (1, 0, 0) and len(parsed) == 1  # reads on from its last line again
    assert_same_as_a_full_build(index, seeds, tmp_path / "fresh-after", None)
