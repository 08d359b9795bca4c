"""Reliability: bad seed files, the user's own folders, malformed queries and runaway queries.

Every case is a real file in a real seeds folder, indexed into a real
Whoosh index on disk, once through the library (``Index.update``) and once
through ``cli.py index`` in a subprocess for the exit code: a run goes on
past a bad file, lists it, and exits 2 when some input was skipped.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from search import Index, QueryError, parse_query
from search.analysis.levels import WEIGHTS
from search.engine.compile import to_whoosh
from search.query.language import MAX_NESTING, MAX_QUERY_LENGTH
from search.query.plan import MAX_EXPANSIONS
from search.sources import EMPTY, NOT_TEXT, WARNING, Problem

REPO = Path(__file__).resolve().parents[1]
CLI = REPO / "cli.py"
NOBODY = 65534  # uid and gid an unprivileged run drops to when the tests run as root

SCHOOL_TITLE = "افتتاح مدرسة جديدة في الرياض"
SCHOOL = "افتتحت وزارة التعليم المدرسة الجديدة في حي النرجس، واستقبلت المدرسةُ مئتي طالب في يومها الأول."
HOSPITAL_TITLE = "وزير الصحة يفتتح مستشفى الأمل"
HOSPITAL = "افتتح وزير الصحة اليوم مستشفى «الأمل» بسعة ثلاثمئة سرير، ويخدم سكان الأحياء الشمالية في جدة."
WEATHER = "توقعت الأرصاد الجوية أمطاراً غزيرة على مكة المكرمة والمدينة المنورة خلال عطلة نهاية الأسبوع."
OIL = "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار أوبك خفض الإنتاج مليون برميل يومياً."
FOOTBALL = "فاز نادي الهلال على النصر في مباراة كرة القدم بهدفين نظيفين أمام جمهور غفير."
CARAVAN = "انطلقت قافلة المساعدات الإنسانية من الرياض نحو المناطق المتضررة من السيول."


def record(article_id: str | None, title: str, content: str, **extra) -> dict:
    data = {"title": title, "content": content, **extra}
    if article_id is not None:
        data["id"] = article_id
    return data


def jsonl(*records: dict) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def run_cli(*args, env: dict | None = None, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """cli.py in a fresh interpreter, as a user would run it; environment overrides in env."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ARABIC_SEARCH_")}
    environment.update(env or {})
    return subprocess.run([sys.executable, str(CLI), *map(str, args)], capture_output=True, text=True,
                          env=environment, cwd=cwd, timeout=timeout)


def invoke(*args):
    """cli.main in this process (click's CliRunner), stdout and stderr apart."""
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def ids_found(index: Index, query: str) -> set[str]:
    return {hit.id for hit in index.search(query, limit=100).hits}


def skipped_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("skipped ")]


@pytest.fixture
def seeds(tmp_path) -> Path:
    """A seeds folder with one good article, which every run must still index."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "school.txt").write_text(f"{SCHOOL_TITLE}\n\n{SCHOOL}\n", encoding="utf-8")
    return folder


# ---------------------------------------------------------------- bad seed files


@dataclass(frozen=True)
class BadSeed:
    """One seed file, what the update must report about it, and what must still be found."""

    name: str
    content: bytes
    problems: tuple[Problem, ...]  # exactly these, for this file
    found: tuple[tuple[str, str], ...] = ()  # (query, id) pairs that must hit

    def __str__(self):
        return self.name


BROKEN_JSON = (
    '[\n'
    f'  {json.dumps(record("oil-1", "النفط", OIL), ensure_ascii=False)},\n'
    '  {"id": "oil-2", "title": "أوبك" "content": "خفض الإنتاج"}\n'
    ']\n'
)
DAMAGED = f"{HOSPITAL_TITLE}\n{HOSPITAL}\n{CARAVAN}\n".encode("utf-8")
DAMAGED_AT = DAMAGED.index("قافلة".encode("utf-8")) + 2  # inside the ف of قافلة, on line 3

BAD_SEEDS = [
    BadSeed("empty.txt", b"", (Problem("empty.txt", EMPTY, severity=WARNING),)),
    BadSeed("empty.jsonl", b"\n  \n\n", (Problem("empty.jsonl", EMPTY, severity=WARNING),)),
    BadSeed("scan.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
            (Problem("scan.txt", NOT_TEXT),)),
    BadSeed("archive.json", gzip.compress(json.dumps([record("x", "عنوان", OIL)], ensure_ascii=False).encode()),
            (Problem("archive.json", NOT_TEXT),)),
    BadSeed("legacy.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}\n".encode("cp1256"), (),
            (("مستشفى", "legacy.txt"), ("الشمالية", "legacy.txt"))),
    BadSeed("legacy.json", json.dumps(record("legacy-1", "أمطار", WEATHER), ensure_ascii=False).encode("cp1256"), (),
            (("الأرصاد", "legacy-1"),)),
    BadSeed("wide.txt", f"قافلة إنسانية\n{CARAVAN}\n".encode("utf-16"), (), (("المساعدات", "wide.txt"),)),
    BadSeed("wide.jsonl", jsonl(record("wide-1", "الهلال", FOOTBALL), record("wide-2", "النفط", OIL)).encode("utf-16"),
            (), (("الهلال", "wide-1"), ("أوبك", "wide-2"))),
    BadSeed("damaged.txt", DAMAGED[:DAMAGED_AT] + b"\xff" + DAMAGED[DAMAGED_AT:],
            (Problem("damaged.txt", "invalid UTF-8 (byte 0xff); read with bad bytes replaced by U+FFFD", 3,
                     WARNING),),
            (("مستشفى", "damaged.txt"), ("المتضررة", "damaged.txt"))),
    BadSeed("damaged.jsonl",
            jsonl(record("d-1", "النفط", OIL)).encode() + jsonl(record("d-2", "الهلال", FOOTBALL)).encode()
            .replace("نادي".encode(), b"\xd9\xff") + jsonl(record("d-3", "أمطار", WEATHER)).encode(),
            (Problem("damaged.jsonl", "invalid UTF-8 (byte 0xd9); read with bad bytes replaced by U+FFFD", 2,
                     WARNING),),
            (("أوبك", "d-1"), ("النصر", "d-2"), ("الأرصاد", "d-3"))),
    BadSeed("broken.json", BROKEN_JSON.encode(), (Problem("broken.json", "invalid JSON: Expecting ',' delimiter", 3),)),
    BadSeed("feed.jsonl",
            (jsonl(record("f-1", "النفط", OIL)) + '{"id": "f-2", "title": "الهلال", "content": "فاز\n'
             + jsonl(record("f-3", "أمطار", WEATHER))).encode(),
            (Problem("feed.jsonl", "invalid JSON: Invalid control character at", 2),),
            (("أوبك", "f-1"), ("الأرصاد", "f-3"))),
    BadSeed("records.json",
            json.dumps([record("r-1", "", "  "), {"id": "r-2", "author": "واس"}, record("r-3", "قافلة", CARAVAN)],
                       ensure_ascii=False).encode(),
            (Problem("records.json", "record 0 has no text", severity=WARNING),
             Problem("records.json", "record 1 has no text", severity=WARNING)),
            (("قافلة", "r-3"),)),
]


def matches(problem: Problem, expected: Problem) -> bool:
    """Same file, line and severity, and the reason starts with the expected one (JSON messages end with a column)."""
    return ((problem.path, problem.line, problem.severity) == (expected.path, expected.line, expected.severity)
            and problem.reason.startswith(expected.reason))


@pytest.mark.parametrize("bad", BAD_SEEDS, ids=str)
def test_bad_seed_file_through_the_library(seeds, tmp_path, bad):
    (seeds / bad.name).write_bytes(bad.content)
    index = Index(tmp_path / "index")

    summary = index.update(seeds)

    assert len(summary.problems) == len(bad.problems)
    assert all(matches(p, e) for p, e in zip(summary.problems, bad.problems)), summary.problems
    assert ids_found(index, "المدرسة") == {"school.txt"}  # the run went on
    for query, article_id in bad.found:
        assert article_id in ids_found(index, query), query
    # A second, incremental run reports the same problems again and changes nothing.
    again = index.update(seeds)
    assert again.up_to_date and [(p.path, p.line) for p in again.problems] == [(p.path, p.line) for p in summary.problems]


@pytest.mark.parametrize("bad", BAD_SEEDS, ids=str)
def test_bad_seed_file_through_the_cli(seeds, tmp_path, bad):
    (seeds / bad.name).write_bytes(bad.content)

    result = invoke("index", "--seeds", seeds, "--index", tmp_path / "index")

    errors = [problem for problem in bad.problems if problem.is_error]
    warnings = len(bad.problems) - len(errors)
    assert result.exit_code == (2 if errors else 0), result.output  # a warning alone is no failure
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    lines = skipped_lines(result.stderr)
    assert len(lines) == len(errors)
    for line, expected in zip(lines, errors):
        where = f"{expected.path}:{expected.line}" if expected.line else expected.path
        assert line.startswith(f"skipped {where}: {expected.reason}"), line
    assert (f"{warnings} warning" in result.stderr) == bool(warnings), result.stderr
    assert Index(tmp_path / "index").stats().documents == 1 + len({i for _, i in bad.found})
    # The next run prints none of them again, counts them, and exits as the first did.
    again = invoke("index", "--index", tmp_path / "index")
    assert again.exit_code == result.exit_code and skipped_lines(again.stderr) == []
    assert ("known from earlier runs" in again.stderr) == bool(bad.problems), again.stderr
    assert (f"{len(bad.problems)} problem" in again.stderr) == bool(bad.problems), again.stderr


def test_all_bad_files_at_once_through_a_cli_process(seeds, tmp_path):
    """One real ``cli.py index`` process: the run goes on, each problem with file and line, exit 2."""
    for bad in BAD_SEEDS:
        (seeds / bad.name).write_bytes(bad.content)

    result = run_cli("index", "--seeds", seeds, "--index", tmp_path / "index", "--json", cwd=tmp_path)

    assert result.returncode == 2 and "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    expected = [problem for bad in sorted(BAD_SEEDS, key=lambda b: b.name) for problem in bad.problems]
    assert len(summary["problems"]) == len(expected)
    assert all(matches(Problem(**p), e) for p, e in zip(summary["problems"], expected)), summary["problems"]
    assert summary["added"] == 1 + sum(len({i for _, i in bad.found}) for bad in BAD_SEEDS)


def test_symlink_loops_are_reported_and_the_run_goes_on(seeds, tmp_path):
    (seeds / "news").mkdir()
    (seeds / "news" / "hospital.txt").write_text(f"{HOSPITAL_TITLE}\n{HOSPITAL}", encoding="utf-8")
    (seeds / "news" / "again").symlink_to(seeds, target_is_directory=True)  # a folder loop
    (seeds / "self.txt").symlink_to("self.txt")  # a link to itself: ELOOP on open
    (seeds / "a.txt").symlink_to("b.txt")
    (seeds / "b.txt").symlink_to("a.txt")  # two links pointing at each other
    index = Index(tmp_path / "index")

    summary = index.update(seeds)

    assert [(p.path, p.reason) for p in summary.problems] == [
        ("a.txt", "symlink loop, ignored"),
        ("b.txt", "symlink loop, ignored"),
        ("news/again", "symlink loop back to ., not followed"),
        ("self.txt", "symlink loop, ignored"),
    ]
    assert index.stats().documents == 2
    result = run_cli("index", "--seeds", seeds, "--index", tmp_path / "cli-index", cwd=tmp_path)
    assert result.returncode == 2 and len(skipped_lines(result.stderr)) == 3  # the links that cannot be read
    assert "1 warning (1 × symlink loop back to .): 'stats --problems' lists them" in result.stderr


# ---------------------------------------------------------------- duplicate ids


def id_owners(index: Index) -> dict[str, str]:
    """Every indexed id -> the seed file it was indexed from."""
    with index.open_whoosh().searcher() as searcher:
        return {fields["id"]: fields["path"] for fields in searcher.all_stored_fields()}


def test_duplicate_id_first_file_in_path_order_keeps_it(seeds, tmp_path):
    (seeds / "a.jsonl").write_text(jsonl(record("oil", "النفط", OIL), record("match", "الهلال", FOOTBALL)),
                                   encoding="utf-8")
    (seeds / "b.jsonl").write_text(jsonl(record("oil", "أمطار", WEATHER), record("aid", "قافلة", CARAVAN)),
                                   encoding="utf-8")
    index = Index(tmp_path / "index")

    summary = index.update(seeds)

    assert id_owners(index) == {"school.txt": "school.txt", "oil": "a.jsonl", "match": "a.jsonl", "aid": "b.jsonl"}
    assert [(p.path, p.reason) for p in summary.problems] == [
        ("b.jsonl", "duplicate id 'oil' (already indexed from a.jsonl); skipped")]
    assert ids_found(index, "الأرصاد") == set()  # the second copy is not searchable under any id
    result = run_cli("index", "--seeds", seeds, "--index", tmp_path / "cli-index", cwd=tmp_path)
    assert result.returncode == 0  # a warning: every article is indexed once
    assert skipped_lines(result.stderr) == []
    assert "1 warning (1 × duplicate id): 'stats --problems' lists them" in result.stderr
    listed = run_cli("stats", "--problems", "--index", tmp_path / "cli-index", cwd=tmp_path)
    assert listed.stdout.splitlines() == [
        "b.jsonl: warning: duplicate id 'oil' (already indexed from a.jsonl); skipped"]


def test_duplicate_id_incremental_runs_end_as_a_full_build_would(seeds, tmp_path):
    """The later file in path order arrives first; then the earlier one; then the earlier one drops the id."""
    index = Index(tmp_path / "index")
    (seeds / "b.jsonl").write_text(jsonl(record("oil", "أمطار", WEATHER), record("aid", "قافلة", CARAVAN)),
                                   encoding="utf-8")
    index.update(seeds)
    assert id_owners(index)["oil"] == "b.jsonl"

    (seeds / "a.jsonl").write_text(jsonl(record("oil", "النفط", OIL)), encoding="utf-8")
    summary = index.update(seeds)

    assert id_owners(index)["oil"] == "a.jsonl"  # path order, as a full build would decide
    assert ids_found(index, "أوبك") == {"oil"} and ids_found(index, "الأرصاد") == set()
    assert [(p.path, p.reason) for p in summary.problems] == [
        ("b.jsonl", "duplicate id 'oil' (already indexed from a.jsonl); skipped")]
    # oil moved; b.jsonl was read again, but its record aid is indexed as it is: left alone
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (0, 1, 0, 2)
    assert index.stats().documents == 3
    assert [(p.path, p.reason) for p in index.update(seeds).problems] == [
        ("b.jsonl", "duplicate id 'oil' (already indexed from a.jsonl); skipped")]  # still reported, from the manifest

    (seeds / "a.jsonl").write_text(jsonl(record("match", "الهلال", FOOTBALL)), encoding="utf-8")
    summary = index.update(seeds)

    assert id_owners(index) == {"school.txt": "school.txt", "match": "a.jsonl", "oil": "b.jsonl", "aid": "b.jsonl"}
    assert ids_found(index, "الأرصاد") == {"oil"}  # b.jsonl's copy came back without b.jsonl changing
    assert summary.problems == []

    (seeds / "a.jsonl").write_text(jsonl(record("oil", "النفط", OIL)), encoding="utf-8")
    index.update(seeds)
    (seeds / "a.jsonl").unlink()
    index.update(seeds)
    incremental = id_owners(index)
    assert incremental["oil"] == "b.jsonl" and ids_found(index, "الأرصاد") == {"oil"}
    index.update(seeds, full=True)
    assert id_owners(index) == incremental


def test_duplicate_id_within_one_file_keeps_the_first(seeds, tmp_path):
    (seeds / "feed.jsonl").write_text(jsonl(record("n1", "النفط", OIL), record("n1", "أمطار", WEATHER)),
                                      encoding="utf-8")
    index = Index(tmp_path / "index")
    summary = index.update(seeds)
    assert [(p.path, p.reason) for p in summary.problems] == [
        ("feed.jsonl", "duplicate id 'n1' within the file; kept the first")]
    assert ids_found(index, "أوبك") == {"n1"} and ids_found(index, "الأرصاد") == set()


# ---------------------------------------------------------------- a 50 MB file

MEASURE_UPDATE = textwrap.dedent("""
    import json, resource, sys
    from search import Index
    warm, big = sys.argv[1], sys.argv[2]
    Index(warm + "/index").update(warm + "/seeds")  # every module and the writer's code paths loaded
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    summary = Index(big + "/index").update(big + "/seeds")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"baseline_kb": baseline, "peak_kb": peak, "children_kb": children,
                      "added": summary.added, "problems": len(summary.problems),
                      "first": [p.reason for p in summary.problems[:1]]}))
""")


def write_big_jsonl(path: Path, size: int) -> int:
    """A JSONL dump of `size` bytes: distinct records first and last, one long real article repeated between.

    The repeated record keeps its url, as a crawler that fetched the same
    page again would: it is reported as a duplicate and costs no indexing
    time, so the test reads 50 MB without spending a minute analyzing it.
    """
    body = " ".join([HOSPITAL, WEATHER, OIL, FOOTBALL, CARAVAN, SCHOOL] * 120)  # ~55 KB of Arabic
    repeated = json.dumps(record(None, HOSPITAL_TITLE, body, url="https://www.spa.gov.sa/1375284",
                                 source="spa", date="2015-07-21 10:00:00"), ensure_ascii=False) + "\n"
    first = jsonl(record("big-first", "النفط", OIL))
    last = jsonl(record("big-last", "قافلة", CARAVAN))
    count = (size - len(first.encode()) - len(last.encode())) // len(repeated.encode()) + 1
    with open(path, "w", encoding="utf-8") as file:
        file.write(first)
        for _ in range(count):
            file.write(repeated)
        file.write(last)
    return count


def test_50mb_jsonl_is_streamed_in_bounded_memory(tmp_path):
    warm, big = tmp_path / "warm", tmp_path / "big"
    for folder in (warm, big):
        (folder / "seeds").mkdir(parents=True)
    (warm / "seeds" / "feed.jsonl").write_text(jsonl(record("w", "أمطار", WEATHER)), encoding="utf-8")
    copies = write_big_jsonl(big / "seeds" / "dump.jsonl", 50_000_000)
    size = (big / "seeds" / "dump.jsonl").stat().st_size
    assert size >= 50_000_000

    result = subprocess.run([sys.executable, "-c", MEASURE_UPDATE, str(warm), str(big)], capture_output=True,
                            text=True, cwd=REPO, timeout=300)

    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout)
    assert measured["added"] == 3  # first, one copy of the repeated article, last: the whole file was read
    assert measured["problems"] == copies - 1 and "duplicate id" in measured["first"][0]
    grown_mb = (measured["peak_kb"] - measured["baseline_kb"]) / 1024
    assert grown_mb < 15, f"peak grew by {grown_mb:.0f} MB while indexing a {size / 1e6:.0f} MB file"
    assert measured["children_kb"] / 1024 < 200  # the full build's writer process stays small too
    index = Index(big / "index")
    assert ids_found(index, "المتضررة") >= {"big-last"}
    result = run_cli("index", "--seeds", big / "seeds", "--index", tmp_path / "cli-index", "--json", cwd=tmp_path)
    assert result.returncode == 0  # the repeated copies were skipped, and said so, as warnings
    summary = json.loads(result.stdout)
    assert summary["added"] == 3 and len(summary["problems"]) == copies - 1


# ---------------------------------------------------------------- unreadable files

UNPRIVILEGED = textwrap.dedent("""
    import contextlib, io, os, sys, time
    import whoosh.multiproc, whoosh.searching, whoosh.writing
    import cli

    def run(command):
        try:
            cli.main(command)
        except SystemExit as exit:
            return exit.code

    def quietly(command):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            run(command)

    warm, command = sys.argv[1], sys.argv[2:]
    if os.geteuid() == 0:
        # Run every code path once (full build, incremental change, problem
        # lines) before dropping to nobody, who may not read the
        # interpreter's folder and so could not import anything new.
        index = ["--seeds", warm + "/seeds", "--index", warm + "/index"]
        quietly(["index", "--full"] + index)
        with open(warm + "/seeds/changing.txt", "w", encoding="utf-8") as file:
            file.write("تحديث\\n" + str(time.time_ns()))
        quietly(["index"] + index)
        os.setegid(%d)
        os.seteuid(%d)
    sys.exit(run(command))
""" % (NOBODY, NOBODY))


@pytest.fixture
def open_folder():
    """A folder an unprivileged user can reach (pytest's tmp_path is private to its owner)."""
    folder = Path(tempfile.mkdtemp(prefix="arabic-search-test-"))
    folder.chmod(0o755)
    if os.geteuid() == 0 and not all(parent.stat().st_mode & 0o001 for parent in folder.parents):
        folder.rmdir()
        pytest.skip(f"{folder.parent} cannot be crossed by other users: set TMPDIR to a folder that can")
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder)


def run_unprivileged(folder: Path, *command) -> subprocess.CompletedProcess:
    """cli.py's main as a user who cannot read a chmod 0 file (drops from root to nobody when needed)."""
    warm = folder / "warm"
    if not warm.exists():
        (warm / "seeds").mkdir(parents=True)
        (warm / "seeds" / "empty.txt").write_bytes(b"")  # so the warm-up renders a problem line too
        (warm / "seeds" / "a.txt").write_text(f"{SCHOOL_TITLE}\n{SCHOOL}", encoding="utf-8")
    return subprocess.run([sys.executable, "-c", UNPRIVILEGED, str(warm), *map(str, command)], capture_output=True,
                          text=True, cwd=REPO, timeout=120)


def make_writable_by_nobody(*paths: Path) -> None:
    if os.geteuid() == 0:
        for path in paths:
            path.mkdir(parents=True, exist_ok=True)
            os.chown(path, NOBODY, NOBODY)


def test_unreadable_file_is_a_problem_and_what_was_indexed_stays(open_folder):
    seeds, index_dir = open_folder / "seeds", open_folder / "index"
    seeds.mkdir(mode=0o755)
    (seeds / "school.txt").write_text(f"{SCHOOL_TITLE}\n{SCHOOL}", encoding="utf-8")
    secret = seeds / "hospital.txt"
    secret.write_text(f"{HOSPITAL_TITLE}\n{HOSPITAL}", encoding="utf-8")
    for path in (seeds / "school.txt", secret):
        path.chmod(0o644)
    make_writable_by_nobody(index_dir)
    secret.chmod(0)

    first = run_unprivileged(open_folder, "index", "--seeds", seeds, "--index", index_dir, "--json")

    assert first.returncode == 2, first.stderr
    assert json.loads(first.stdout)["problems"] == [
        {"path": "hospital.txt", "reason": "cannot read: Permission denied", "line": None, "severity": "error"}]
    index = Index(index_dir)
    assert ids_found(index, "المدرسة") == {"school.txt"} and ids_found(index, "مستشفى") == set()

    secret.chmod(0o644)
    assert run_unprivileged(open_folder, "index", "--seeds", seeds, "--index", index_dir).returncode == 0
    assert ids_found(index, "مستشفى") == {"hospital.txt"}

    # Indexed, then unreadable with a new mtime: the hash cannot be taken.
    secret.write_text(f"{HOSPITAL_TITLE}\n{HOSPITAL} وأضاف الوزير أن العمل مستمر.", encoding="utf-8")
    secret.chmod(0)
    third = run_unprivileged(open_folder, "index", "--seeds", seeds, "--index", index_dir)

    assert third.returncode == 2 and "Traceback" not in third.stderr
    assert skipped_lines(third.stderr) == ["skipped hospital.txt: cannot read: Permission denied"]
    assert ids_found(index, "مستشفى") == {"hospital.txt"}  # the old version stays searchable
    secret.chmod(0o644)
    assert run_unprivileged(open_folder, "index", "--seeds", seeds, "--index", index_dir).returncode == 0
    assert ids_found(index, "مستمر") == {"hospital.txt"}  # and the next readable run takes the new one


# ---------------------------------------------------------------- the user's own folders


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every path under folder with its type, bytes and mtime: what "untouched" means."""
    state = {}
    for path in sorted(folder.rglob("*")):
        stat = path.lstat()
        content = path.read_bytes() if path.is_file() and not path.is_symlink() else os.readlink(path) \
            if path.is_symlink() else None
        state[str(path.relative_to(folder))] = (stat.st_mode, stat.st_mtime_ns, content)
    return state


def test_full_rebuild_refuses_a_folder_that_is_not_an_index(seeds, tmp_path):
    documents = tmp_path / "Documents"
    (documents / "gen-000001").mkdir(parents=True)
    (documents / "report.txt").write_text("تقرير الربع الأول", encoding="utf-8")
    (documents / "gen-000001" / "notes.md").write_text("ملاحظات", encoding="utf-8")
    (documents / "CURRENT").write_text("gen-000001\n", encoding="utf-8")
    (documents / "manifest.tmp").write_text("{}", encoding="utf-8")
    before = snapshot(documents)

    result = run_cli("index", "--seeds", seeds, "--index", documents, "--full", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {documents}: folder is not empty and is not an index; refusing to use it"]
    assert snapshot(documents) == before
    with pytest.raises(Exception, match="refusing to use it"):
        Index(documents).update(seeds, full=True)
    assert snapshot(documents) == before


def test_cleanup_touches_only_our_names_inside_a_marked_folder(seeds, tmp_path):
    index = Index(tmp_path / "index")
    index.update(seeds)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "gen-000099").mkdir(parents=True)
    (elsewhere / "gen-000099" / "keep.txt").write_text("لا تحذف", encoding="utf-8")
    # Things a user might leave in the index folder: none of them is ours to remove.
    (index.path / "notes.txt").write_text("ملاحظة", encoding="utf-8")
    (index.path / "gen-notes").mkdir()
    (index.path / "gen-000050").symlink_to(elsewhere / "gen-000099", target_is_directory=True)
    outside_before = snapshot(elsewhere)

    for _ in range(3):
        index.update(seeds, full=True)

    assert (index.path / "notes.txt").read_text(encoding="utf-8") == "ملاحظة"
    assert (index.path / "gen-notes").is_dir() and (index.path / "gen-000050").is_symlink()
    assert snapshot(elsewhere) == outside_before
    generations = sorted(p.name for p in index.path.iterdir() if p.name.startswith("gen-0") and not p.is_symlink())
    assert len(generations) == 2 and index.generation_dir().name == generations[-1]  # live + previous


def test_an_index_file_path_is_refused(seeds, tmp_path):
    not_a_folder = tmp_path / "index.txt"
    not_a_folder.write_text("ليس مجلداً", encoding="utf-8")
    result = run_cli("index", "--seeds", seeds, "--index", not_a_folder, "--full", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.strip() == f"error: {not_a_folder}: exists and is not a folder"
    assert not_a_folder.read_text(encoding="utf-8") == "ليس مجلداً"


# ---------------------------------------------------------------- malformed and odd queries

QUERY_CASES = {
    "unbalanced quote": '"مجلس الوزراء',
    "unbalanced guillemet": "«مجلس الوزراء",
    "closing guillemet alone": "مجلس» الوزراء",
    "unclosed parenthesis": "(مستشفى أو مدرسة",
    "stray closing parenthesis": "مستشفى) مدرسة",
    "empty parentheses": "()",
    "lone AND": "AND",
    "lone OR": "OR",
    "lone NOT": "NOT",
    "lone Arabic or": "أو",
    "lone Arabic and": "وأيضا",
    "lone Arabic not": "بدون",
    "NEAR alone": "NEAR/3",
    "operator at the end": "مستشفى OR",
    "plus and minus alone": "+ -",
    "star alone": "*",
    "one letter prefix": "م*",
    "tilde alone": "~",
    "equals alone": "=",
    "field without value": "title:",
    "bad date": "date:2015-13-45",
    "date before year one": "date:<1",
    "date after year 9999": "date:>9999",
    "10,000 characters": ("مستشفى " * 1500)[:10_000],
    # Within MAX_QUERY_LENGTH, yet deep enough to exhaust Python's stack in a recursive parser.
    "deep parentheses": "(" * 990 + "مستشفى" + ")" * 990,
    "deep negation": "NOT " * 480 + "مستشفى",
    "deep signs": "-" * 1990 + "مستشفى",
    "control characters": "مستشفى\x01\x02\x1b[31m",
    "bidi controls": "\u202eمستشفى\u202c \u2067الأمل\u2069",
    "only bidi controls": "\u202e\u202b\u2066",
    "only stopwords": "في من على إلى",
    "only diacritics": "\u064e\u0650\u0651\u0652",
    "only tatweel": "\u0640\u0640\u0640",
    "only punctuation": "؟! ، ؛",
    "blank": "   ",
    "latin": "hospital Riyadh",
    "mixed scripts": "مستشفىhospital الأملRiyadh ١٢٣",
    "fullwidth and ligatures": "ﷺ ﻻ Ｒｉｙａｄｈ",
    "filters only": "+source:spa +date:2015",
    "excluded filter": "مستشفى -source:spa",
    "huge NEAR distance": "مستشفى NEAR/99999999999999999999 الأمل",
    "huge phrase slop": '"مستشفى الأمل"~999',
}


@pytest.fixture(scope="module")
def small_index(tmp_path_factory) -> Index:
    folder = tmp_path_factory.mktemp("small")
    (folder / "seeds").mkdir()
    (folder / "seeds" / "news.jsonl").write_text(jsonl(
        record("h", HOSPITAL_TITLE, HOSPITAL, source="spa", date="2015-07-21"),
        record("s", SCHOOL_TITLE, SCHOOL, source="okaz", date="2015-07-22"),
        record("w", "أمطار غزيرة", WEATHER, source="spa", date="2015-08-01"),
        record("o", "النفط", OIL + " hospital Riyadh", source="aleqtisadiya", date="2015-08-02"),
    ), encoding="utf-8")
    index = Index(folder / "index")
    index.update(folder / "seeds")
    return index


@pytest.mark.parametrize("query", list(QUERY_CASES.values()), ids=list(QUERY_CASES))
def test_odd_query_gives_a_result_or_a_query_error(small_index, query):
    try:
        results = small_index.search(query)
    except QueryError as error:
        assert "\n" not in str(error) and str(error)
    else:
        assert results.total >= 0 and all(hit.id for hit in results.hits)


def is_malformed(index: Index, query: str) -> bool:
    try:
        index.search(query)
    except QueryError:
        return True
    return False


@pytest.mark.parametrize("query", list(QUERY_CASES.values()), ids=list(QUERY_CASES))
def test_odd_query_through_the_cli_exits_cleanly(small_index, tmp_path, query):
    # After "--": a query may start with "-" (NOT), which click would take for an option.
    result = invoke("search", "--index", small_index.path, "--json", "--", query)

    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if is_malformed(small_index, query):
        assert result.exit_code == 2 and result.stdout == ""
        [line] = result.stderr.splitlines()
        assert line.startswith("error: ")
    else:
        assert result.exit_code in (0, 1) and result.stderr == ""
        assert "hits" in json.loads(result.stdout)


@pytest.mark.parametrize("name", ["unbalanced quote", "10,000 characters", "deep parentheses", "bidi controls",
                                  "control characters", "only diacritics"])
def test_odd_query_through_a_cli_process(small_index, tmp_path, name):
    query = QUERY_CASES[name]
    result = run_cli("search", "--index", small_index.path, "--", query,
                     cwd=tmp_path)
    assert "Traceback" not in result.stderr
    if is_malformed(small_index, query):
        assert result.returncode == 2
        [line] = result.stderr.splitlines()
        assert line.startswith("error: ")
    else:
        assert result.returncode in (0, 1)


def test_overlong_and_overnested_queries_are_refused_with_a_reason():
    with pytest.raises(QueryError, match="query too long"):
        parse_query("م" * (MAX_QUERY_LENGTH + 1))
    with pytest.raises(QueryError, match="nests more than"):
        parse_query("(" * (MAX_NESTING + 1) + "مستشفى" + ")" * (MAX_NESTING + 1))
    with pytest.raises(QueryError, match="nests more than"):
        parse_query("-" * (MAX_NESTING + 1) + "مستشفى")
    assert parse_query("(" * (MAX_NESTING - 1) + "مستشفى" + ")" * (MAX_NESTING - 1)).root is not None


def test_nesting_just_under_the_limit_searches(small_index):
    depth = MAX_NESTING - 1
    assert small_index.search("(" * depth + "مستشفى" + ")" * depth).total == 1
    assert small_index.search("مدرسة " + "NOT " * (depth - 1) + "مستشفى").total >= 0
    assert small_index.search("-" * depth + "مستشفى").total >= 0  # searched, not refused


def test_required_filter_with_words_searches(small_index):
    assert {hit.id for hit in small_index.search("مستشفى +source:spa").hits} == {"h"}


# ---------------------------------------------------------------- expansion and time limits

PREFIX = "مس"
LETTERS = "بتثجحخدذرزسشصضطظعغفقكلمنهوي"  # 28: PREFIX + two of them gives 784 words


@pytest.fixture(scope="module")
def big_index(tmp_path_factory) -> Index:
    """3,000 short articles with a vocabulary of 784 words starting with مس, all within edit distance 2 of مسكن."""
    folder = tmp_path_factory.mktemp("big")
    (folder / "seeds").mkdir()
    words = [PREFIX + a + b for a in LETTERS for b in LETTERS]
    sentences = [HOSPITAL, SCHOOL, WEATHER, OIL, FOOTBALL, CARAVAN]
    with open(folder / "seeds" / "news.jsonl", "w", encoding="utf-8") as file:
        for n in range(3000):
            word = words[n % len(words)]
            file.write(json.dumps(record(f"n{n}", f"خبر {word} من الرياض",
                                         f"{sentences[n % 6]} الرياض {word}"),
                                  ensure_ascii=False) + "\n")
    index = Index(folder / "index")
    index.update(folder / "seeds")
    return index


def expanded_terms(index: Index, query: str) -> dict[str, int]:
    """How many index terms each field's part of the compiled query holds."""
    with index.open_whoosh().searcher() as searcher:
        plan = to_whoosh(parse_query(query), searcher.reader())
    counts: dict[str, int] = {}
    for field, _ in plan.query.iter_all_terms():
        counts[field] = counts.get(field, 0) + 1
    return counts


@pytest.mark.parametrize("query", [PREFIX + "*", "مسكن~2", "title:" + PREFIX + "*"])
def test_prefix_and_fuzzy_expansion_is_bounded(big_index, query):
    with big_index.open_whoosh().searcher() as searcher:
        available = sum(1 for _ in searcher.reader().expand_prefix("body", PREFIX))
    assert available > MAX_EXPANSIONS  # the bound has something to cut

    counts = expanded_terms(big_index, query)

    assert counts and all(count <= MAX_EXPANSIONS for count in counts.values())
    assert set(counts) <= set(WEIGHTS)
    if not query.startswith("title:"):
        assert counts["body"] == MAX_EXPANSIONS
    assert big_index.search(query).total > 0


def test_tiny_time_limit_returns_partial_results_with_a_note(big_index, tmp_path):
    results = big_index.search("الرياض", time_limit=1e-6)
    assert results.partial is True
    assert results.to_dict()["note"] == "time limit reached: results may be incomplete"
    assert big_index.search("الرياض").partial is False  # the default limit is ample here

    result = run_cli("search", "الرياض", "--index", big_index.path,
                     "--time-limit", "1e-6", "--json", cwd=tmp_path)

    data = json.loads(result.stdout)
    assert data["partial"] is True and data["note"] == "time limit reached: results may be incomplete"
