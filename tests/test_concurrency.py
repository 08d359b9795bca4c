"""Crashes and concurrent use: kill the indexer mid-update, search while it runs, start a second one.

Everything runs as a user would: ``cli.py index`` in a real subprocess,
SIGKILL from the outside, searches from another process, on a real index
of a few thousand real-looking Arabic news articles.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from search import Index
from search.engine.reader_cache import OpenedIndex
from search.engine.searching import SearchOptions, run_search
from search.store.index import GENERATION, MARKER

REPO = Path(__file__).resolve().parents[1]
CLI = REPO / "cli.py"

SENTENCES = [
    "افتتحت وزارة التعليم المدرسة الجديدة في حي النرجس، واستقبلت المدرسةُ مئتي طالب في يومها الأول.",
    "افتتح وزير الصحة اليوم مستشفى «الأمل» بسعة ثلاثمئة سرير، ويخدم سكان الأحياء الشمالية في جدة.",
    "توقعت الأرصاد الجوية أمطاراً غزيرة على مكة المكرمة والمدينة المنورة خلال عطلة نهاية الأسبوع.",
    "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار أوبك خفض الإنتاج مليون برميل يومياً.",
    "فاز نادي الهلال على النصر في مباراة كرة القدم بهدفين نظيفين أمام جمهور غفير.",
    "انطلقت قافلة المساعدات الإنسانية من الرياض نحو المناطق المتضررة من السيول.",
    "أعلنت هيئة السياحة عن مهرجان صيفي في أبها يستمر شهراً كاملاً بمشاركة فرق شعبية.",
    "ناقش مجلس الشورى مشروع نظام حماية المستهلك وأقر عدداً من التوصيات في جلسته الأسبوعية.",
    "وقعت المملكة اتفاقية تعاون اقتصادي مع اليابان لتطوير الطاقة المتجددة ونقل التقنية.",
    "أكد أمير المنطقة الشرقية أهمية المشاريع التنموية في تحسين الخدمات المقدمة للمواطنين.",
]
ECLIPSE = "وشهدت سماء المنطقة كسوفاً جزئياً للشمس رصده الفلكيون."  # only in the articles added later
EVERY = "رقم"  # every article ends with رقم N: searching it counts the documents
# Articles before the update, articles it adds: enough that an update takes
# a few seconds, so a test can catch it at work.
OLD, NEW = 600, 4000
PER_FILE = 100


def write_articles(seeds: Path, start: int, count: int, extra: str = "") -> None:
    """count articles a<start>.. in JSONL files of PER_FILE, each ending with its own number."""
    rng = random.Random(start)
    seeds.mkdir(parents=True, exist_ok=True)
    for first in range(start, start + count, PER_FILE):
        with open(seeds / f"news-{first:05d}.jsonl", "w", encoding="utf-8") as file:
            for n in range(first, min(first + PER_FILE, start + count)):
                body = " ".join(rng.sample(SENTENCES, 4)) + extra + f" {EVERY} {n}"
                file.write(json.dumps({"id": f"a{n}", "title": rng.choice(SENTENCES).split("،")[0],
                                       "content": body, "source": "spa",
                                       "date_extracted": f"2015-07-{21 + n % 10} 10:00:00"},
                                      ensure_ascii=False) + "\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Seeds of OLD articles and their index, built once; tests work on copies."""
    folder = tmp_path_factory.mktemp("built")
    write_articles(folder / "seeds", 0, OLD)
    Index(folder / "index").update(folder / "seeds")
    return folder


@pytest.fixture
def work(built, tmp_path) -> Path:
    """A copy of the built seeds and index (mtimes kept, so the index is up to date), plus NEW articles."""
    shutil.copytree(built / "seeds", tmp_path / "seeds")
    shutil.copytree(built / "index", tmp_path / "index", symlinks=True)
    # The copy follows the built seeds folder until told otherwise; the copied files are unchanged.
    moved = Index(tmp_path / "index").update(tmp_path / "seeds")
    assert moved.up_to_date and moved.switched_from == str(built / "seeds")
    assert not Index(tmp_path / "index").is_stale(tmp_path / "seeds")
    write_articles(tmp_path / "seeds", OLD, NEW, ECLIPSE)
    return tmp_path


def environment(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARABIC_SEARCH_")}
    env.update(overrides)
    return env


def start_index(folder: Path, *extra, **env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(CLI), "index", "--seeds", str(folder / "seeds"),
                             "--index", str(folder / "index"), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment(**env))


def run_index(folder: Path, *extra, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CLI), "index", "--seeds", str(folder / "seeds"),
                           "--index", str(folder / "index"), *extra],
                          capture_output=True, text=True, env=environment(**env), timeout=300)


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def kill(process: subprocess.Popen) -> None:
    assert process.poll() is None, "the update ended before it could be killed: give it more articles"
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)


def documents(index: Index) -> int:
    return index.search(EVERY, limit=1).total


def found(index: Index, n: int) -> bool:
    return [hit.id for hit in index.search(f'"{EVERY} {n}"', limit=1).hits] == [f"a{n}"]


def assert_clean(index_dir: Path) -> None:
    """Only the live generation and at most the one before it; no temporary or uncommitted files."""
    generations = sorted(p.name for p in index_dir.iterdir() if GENERATION.fullmatch(p.name))
    live = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    assert live == generations[-1] and len(generations) <= 2
    leftovers = [str(p.relative_to(index_dir)) for p in index_dir.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    gen = Index(index_dir).open_whoosh()
    live_segments = {segment.segment_id() for segment in gen._segments()}
    on_disk = {p.name.split(".")[0] for p in (index_dir / live).iterdir() if p.name.startswith("MAIN_")}
    assert on_disk - {"MAIN_WRITELOCK"} == live_segments


def assert_recovered(folder: Path) -> None:
    """The next plain ``index`` run, allowed no wait for a lock, ends consistent with the seeds."""
    result = run_index(folder, ARABIC_SEARCH_LOCK_WAIT="0")
    assert result.returncode == 0, result.stderr
    index = Index(folder / "index")
    assert documents(index) == OLD + NEW == index.stats().documents
    assert index.search("كسوف", limit=1).total == NEW  # only in the new files
    assert found(index, OLD + NEW - 1) and found(index, 7)
    assert not index.is_stale(folder / "seeds")
    assert_clean(folder / "index")
    assert "up to date" in run_index(folder).stderr


# ---------------------------------------------------------------- crashes


def test_killed_incremental_update_leaves_the_last_commit_and_recovers(work):
    index = Index(work / "index")
    live = index.generation_dir()
    before = {p.name for p in live.iterdir()}
    process = start_index(work)
    # The writer has started once its new segment files appear in the live generation.
    wait_for(lambda: {p.name for p in live.iterdir()} - before, "the writer to start")
    time.sleep(0.2)
    kill(process)

    assert index.generation_dir() == live
    assert documents(index) == OLD  # the last committed state, whole
    assert all(found(index, n) for n in range(0, OLD, 97))
    assert index.search("كسوف").total == 0
    assert (live / "MAIN.tmp").exists() or {p.name for p in live.iterdir()} - before  # debris to clean up
    assert_recovered(work)


def processes_mentioning(text: str) -> list[int]:
    """Pids of the live processes whose command line contains text."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                pids.append(int(entry.name))
        except OSError:
            pass  # ended meanwhile
    return pids


def test_killed_full_rebuild_leaves_the_old_generation_and_recovers(work):
    index = Index(work / "index")
    live = index.generation_dir()
    process = start_index(work, "--full")
    wait_for(lambda: any(GENERATION.fullmatch(p.name) and p.name > live.name and any(p.iterdir())
                         for p in (work / "index").iterdir()), "the new generation to be started")
    time.sleep(0.3)
    kill(process)

    half_built = [p for p in (work / "index").iterdir() if GENERATION.fullmatch(p.name) and p.name > live.name]
    assert half_built, "the rebuild should have left its unfinished generation behind"
    assert index.generation_dir() == live
    assert documents(index) == OLD
    assert all(found(index, n) for n in range(0, OLD, 97))
    # The full build forked writer workers: they must not outlive the updater, nor keep its lock.
    wait_for(lambda: processes_mentioning(str(work / "index")) == [], "the writer workers to end", timeout=5)
    with open(work / "index" / "update.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if anything still holds it
        fcntl.flock(handle, fcntl.LOCK_UN)
    assert_recovered(work)
    assert not any(p.exists() for p in half_built)


def test_killed_between_commit_and_manifest_the_next_run_does_not_duplicate(tmp_path):
    """The commit is in, the manifest is the old one: the next run must replace, not add again."""
    write_articles(tmp_path / "seeds", 0, 200)
    index = Index(tmp_path / "index")
    index.update(tmp_path / "seeds")
    manifest = index.generation_dir() / "manifest.json"
    old_manifest = manifest.read_bytes()
    write_articles(tmp_path / "seeds", 200, 100, ECLIPSE)
    (tmp_path / "seeds" / "news-00000.jsonl").unlink()
    index.update(tmp_path / "seeds")
    manifest.write_bytes(old_manifest)  # what a kill right after the commit leaves

    summary = index.update(tmp_path / "seeds")

    assert summary.problems == []
    assert documents(index) == index.stats().documents == 200  # 100 gone with news-00000, 100 new ones once
    assert index.search("كسوف", limit=1).total == 100 and found(index, 250) and not found(index, 50)
    assert index.update(tmp_path / "seeds").up_to_date


def test_damaged_current_or_manifest_is_a_clear_error_and_the_next_index_repairs_it(tmp_path):
    write_articles(tmp_path / "seeds", 0, 100)
    run_index(tmp_path)
    index_dir = tmp_path / "index"
    live = Index(index_dir).generation_dir()
    manifest = live / "manifest.json"
    manifest.write_text('{"news-00000.jsonl": ', encoding="utf-8")  # cut short by hand or by a full disk
    (tmp_path / "seeds" / "extra.txt").write_text("خبر إضافي\nرصد الفلكيون مذنباً ساطعاً.", encoding="utf-8")

    result = run_index(tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == f"rebuilt {index_dir}: {live.name}: manifest.json is unreadable"
    assert documents(Index(index_dir)) == 100 and Index(index_dir).search("الفلكيون").total == 1

    (index_dir / "CURRENT").write_text("../../somewhere\n", encoding="utf-8")
    search = subprocess.run([sys.executable, str(CLI), "search", EVERY, "--index", str(index_dir)],
                            capture_output=True, text=True, env=environment(), timeout=60, cwd=tmp_path)
    assert search.returncode == 2
    assert search.stderr.splitlines() == [
        f"error: {index_dir}: CURRENT names '../../somewhere', not a generation; repair it: index"]
    result = run_index(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == f"rebuilt {index_dir}: CURRENT names no generation"
    assert documents(Index(index_dir)) == 100 and Index(index_dir).search("الفلكيون").total == 1
    assert run_index(tmp_path, "--full").returncode == 0
    assert_clean(index_dir)


# ---------------------------------------------------------------- concurrent use

SEARCH_LOOP = textwrap.dedent("""
    import json, os, random, sys, time
    from search import Index
    index_dir, stop, old, every = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    rng = random.Random(7)
    while not os.path.exists(stop):
        n = rng.randrange(old)
        try:
            total = Index(index_dir).search(every, limit=1).total
            hits = [hit.id for hit in Index(index_dir).search(f'"{every} {n}"', limit=1).hits]
            print(json.dumps({"total": total, "old_found": hits == [f"a{n}"]}), flush=True)
        except Exception as error:
            print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
        time.sleep(0.02)  # leave the indexer most of the CPU
""")


def test_searches_during_updates_always_answer_from_a_committed_state(work):
    stop = work / "stop"
    searcher = subprocess.Popen([sys.executable, "-c", SEARCH_LOOP, str(work / "index"), str(stop), str(OLD), EVERY],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        first = searcher.stdout.readline()  # searching has begun before any update
        assert run_index(work).returncode == 0  # incremental: one commit into the live generation
        for _ in range(2):
            assert run_index(work, "--full").returncode == 0  # two switches: the oldest generation is removed
        time.sleep(0.3)
    finally:
        stop.touch()
        out, err = searcher.communicate(timeout=60)
    answers = [json.loads(line) for line in [first] + out.splitlines()]

    assert err == "" and [a for a in answers if "error" in a] == []
    totals = [a["total"] for a in answers]
    assert set(totals) <= {OLD, OLD + NEW} and totals[0] == OLD and OLD + NEW in totals
    assert totals == sorted(totals)  # once the update is committed, no search sees the state before it
    assert all(a["old_found"] for a in answers)
    assert len(answers) > 20


def test_a_searcher_that_opened_the_previous_generation_keeps_working(work):
    index = Index(work / "index")
    opened = OpenedIndex(("previous", 0), index.open_whoosh())  # a reader open on it, as a search keeps one
    searcher = opened.searcher()
    try:
        assert run_index(work, "--full").returncode == 0  # the generation opened above becomes "previous"

        assert searcher.doc_count() == OLD
        assert run_search(opened, EVERY, SearchOptions(limit=1)).total == OLD  # a new searcher on it, too
        assert index.search("كسوف", limit=1).total == NEW  # new readers see the new generation
    finally:
        searcher.close()


def test_a_second_index_run_waits_then_gives_up_clearly_or_goes_on(work):
    first = start_index(work, "--full")
    lock = work / "index" / "update.lock"

    def first_holds_the_lock() -> bool:
        with open(lock, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    wait_for(first_holds_the_lock, "the first run to take the lock")
    first.send_signal(signal.SIGSTOP)  # it keeps the lock, however fast it would otherwise be done
    try:
        assert first_holds_the_lock()
        impatient = run_index(work, ARABIC_SEARCH_LOCK_WAIT="0.2")
        waiting = start_index(work)  # default wait: long enough for the first run to end
    finally:
        first.send_signal(signal.SIGCONT)

    assert impatient.returncode == 2 and impatient.stdout == ""
    assert impatient.stderr.splitlines() == [
        f"error: {work / 'index'}: another index update is still running after 0.2s of waiting; "
        "try again when it ends"]
    assert first.wait(timeout=300) == 0 and first.poll() == 0
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0 and "up to date" in err  # it waited, then found nothing left to do
    index = Index(work / "index")
    assert documents(index) == OLD + NEW and index.search("كسوف", limit=1).total == NEW
    assert_clean(work / "index")


def test_cli_search_during_an_update_answers_at_once_from_the_committed_state(work):
    """search updates a stale index first, but never waits for an update another process is running."""
    with open(work / "index" / "update.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # an updater is at work (the seeds have NEW articles)
        try:
            during = subprocess.run([sys.executable, str(CLI), "search", EVERY, "--json", "--limit", "1",
                                     "--seeds", str(work / "seeds"), "--index", str(work / "index")],
                                    capture_output=True, text=True, env=environment(), timeout=20)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

    assert during.returncode == 0, during.stderr
    assert json.loads(during.stdout)["total"] == OLD
    assert during.stderr.splitlines() == ["another index update is running: searching the index as last committed"]
    after = subprocess.run([sys.executable, str(CLI), "search", EVERY, "--json", "--limit", "1",
                            "--seeds", str(work / "seeds"), "--index", str(work / "index")],
                           capture_output=True, text=True, env=environment(), timeout=120)
    assert after.returncode == 0 and json.loads(after.stdout)["total"] == OLD + NEW  # updated first this time


def test_a_bad_lock_wait_setting_is_a_one_line_error(work):
    result = run_index(work, ARABIC_SEARCH_LOCK_WAIT="soon")
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["error: $ARABIC_SEARCH_LOCK_WAIT must be a number of seconds, not 'soon'"]


def test_a_killed_run_on_a_fresh_folder_leaves_it_reusable(tmp_path):
    """Killed during the very first build: no CURRENT yet, only a marker and a half-built generation."""
    write_articles(tmp_path / "seeds", 0, NEW)
    process = start_index(tmp_path)
    wait_for(lambda: (tmp_path / "index" / "gen-000001").is_dir() and any((tmp_path / "index" / "gen-000001").iterdir()),
             "the first generation to be started")
    time.sleep(0.3)
    kill(process)
    assert (tmp_path / "index" / MARKER).is_file() and not (tmp_path / "index" / "CURRENT").exists()

    result = run_index(tmp_path, ARABIC_SEARCH_LOCK_WAIT="0")

    assert result.returncode == 0, result.stderr
    assert documents(Index(tmp_path / "index")) == NEW
    assert_clean(tmp_path / "index")
