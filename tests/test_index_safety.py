"""An index never loses its articles to a default: it follows the folder it was built from.

Every test drives real ``cli.py`` processes on a real Whoosh index on
disk, from a working directory that has a ``seeds/`` folder of its own
and from one that has none, as a user switching folders would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from search import Index
from search.engine.durability import COMMIT_FILE, committed_files
from search.store.index import FORMAT_VERSION, MARKER

REPO = Path(__file__).resolve().parents[1]
CLI = REPO / "cli.py"
DAYS = REPO.parent / "shared" / "corpora" / "saudinewsnet" / "dataset"

NEWS = {
    "hospital.txt": "وزير الصحة يفتتح مستشفى الأمل\nافتتح وزير الصحة اليوم مستشفى «الأمل» بسعة ثلاثمئة سرير في جدة.",
    "school.txt": "افتتاح مدرسة جديدة في الرياض\nافتتحت وزارة التعليم المدرسة الجديدة في حي النرجس.",
    "oil.txt": "أسعار النفط\nارتفعت أسعار النفط في الأسواق العالمية بعد قرار أوبك خفض الإنتاج.",
    "rain.txt": "أمطار غزيرة\nتوقعت الأرصاد الجوية أمطاراً غزيرة على مكة المكرمة والمدينة المنورة.",
}
# The one article of another folder's ./seeds (the repository's own, say).
STRAY = {"stray.txt": "قافلة المساعدات\nانطلقت قافلة المساعدات الإنسانية من الرياض نحو المناطق المتضررة."}


def write(folder: Path, articles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def run_cli(*args, cwd: Path, timeout: float = 120, **env) -> subprocess.CompletedProcess:
    """cli.py in a fresh interpreter from the folder cwd, without the ARABIC_SEARCH_* settings of this shell."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ARABIC_SEARCH_")}
    environment.update(env)
    return subprocess.run([sys.executable, str(CLI), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=environment, timeout=timeout)


def hit_ids(result: subprocess.CompletedProcess) -> set[str]:
    return {hit["id"] for hit in json.loads(result.stdout)["hits"]}


@pytest.fixture
def folders(tmp_path) -> dict[str, Path]:
    """news/ (the seeds), index/ built from it, elsewhere/ with a seeds/ of its own, bare/ with nothing."""
    news = write(tmp_path / "news", NEWS)
    built = run_cli("index", "--seeds", news, "--index", tmp_path / "index", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere / "seeds", STRAY)
    (tmp_path / "bare").mkdir()
    return {"news": news, "index": tmp_path / "index", "elsewhere": elsewhere, "bare": tmp_path / "bare"}


def documents(index_dir: Path) -> int:
    return Index(index_dir).stats().documents


# ---------------------------------------------------------------- the remembered folder


@pytest.mark.parametrize("where", ["elsewhere", "bare"])
@pytest.mark.parametrize("output", [(), ("--json",)])
def test_search_never_updates_from_the_working_directory(folders, where, output):
    result = run_cli("search", "مستشفى", "--index", folders["index"], *output, cwd=folders[where])

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "removed" not in result.stderr
    assert documents(folders["index"]) == len(NEWS)
    assert Index(folders["index"]).search("قافلة").total == 0  # ./seeds was never read


@pytest.mark.parametrize("where", ["elsewhere", "bare"])
def test_search_updates_from_the_remembered_folder_whatever_the_working_directory(folders, where):
    write(folders["news"], {"eclipse.txt": "كسوف الشمس\nرصد الفلكيون كسوفاً جزئياً للشمس صباح اليوم."})
    (folders["news"] / "rain.txt").unlink()

    result = run_cli("search", "كسوف", "--index", folders["index"], "--json", cwd=folders[where])

    assert result.returncode == 0, result.stderr
    assert hit_ids(result) == {"eclipse.txt"}
    assert documents(folders["index"]) == len(NEWS)  # one added, one removed: the folder's own changes


def test_stats_and_the_index_say_which_folder(folders):
    result = run_cli("stats", "--json", "--index", folders["index"], cwd=folders["bare"])
    figures = json.loads(result.stdout)
    assert figures["seeds"] == str(folders["news"]) and figures["seeds_missing"] is False
    assert figures["format"] == FORMAT_VERSION
    table = run_cli("stats", "--index", folders["index"], cwd=folders["bare"]).stdout
    assert str(folders["news"]) in table
    marker = json.loads((folders["index"] / MARKER).read_text(encoding="utf-8"))
    assert marker == {"format": FORMAT_VERSION, "seeds": str(folders["news"]), "follow_links": False}


@pytest.mark.parametrize("command", [
    ("search", "مستشفى"), ("show", "hospital.txt"), ("stats",), ("export", "opensearch", "--out", "{tmp}/export")])
def test_a_read_command_given_another_seeds_folder_refuses_naming_both(folders, command, tmp_path):
    command = [part.replace("{tmp}", str(tmp_path)) for part in command]
    other = folders["elsewhere"] / "seeds"

    result = run_cli(*command, "--index", folders["index"], "--seeds", other, cwd=folders["bare"])

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and str(folders["news"]) in line and str(other) in line
    assert f"index --seeds {other}" in line  # how to switch, if that was meant
    assert documents(folders["index"]) == len(NEWS)


@pytest.mark.parametrize("command", [
    ("search", "مستشفى"), ("show", "hospital.txt"), ("stats",), ("export", "opensearch", "--out", "{tmp}/export"),
    ("index",)])
def test_every_command_takes_the_same_seeds_folder_and_index(folders, command, tmp_path):
    """The folder the index follows, given as a relative path from another directory, is accepted everywhere."""
    command = [part.replace("{tmp}", str(tmp_path)) for part in command]
    relative = os.path.relpath(folders["news"], folders["elsewhere"])

    result = run_cli(*command, "--index", folders["index"], "--seeds", relative, cwd=folders["elsewhere"])

    assert result.returncode == 0, result.stderr
    assert documents(folders["index"]) == len(NEWS)


def test_serve_from_a_folder_with_its_own_seeds_serves_the_index_it_was_given(folders):
    port = free_port()
    server = subprocess.Popen([sys.executable, str(CLI), "serve", "--index", str(folders["index"]), "--port", str(port)],
                              cwd=folders["elsewhere"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stats = json.loads(fetch(port, "/api/stats"))
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert stats["documents"] == len(NEWS) and stats["seeds"] == str(folders["news"])
    refused = run_cli("serve", "--index", folders["index"], "--seeds", "seeds", "--port", port,
                      cwd=folders["elsewhere"])
    assert refused.returncode == 2 and "follows the seeds folder" in refused.stderr
    assert documents(folders["index"]) == len(NEWS)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(port: int, path: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                return response.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_only_index_with_seeds_switches_and_it_says_how_many_articles_that_removes(folders):
    other = folders["elsewhere"] / "seeds"

    result = run_cli("index", "--index", folders["index"], "--seeds", other, cwd=folders["bare"])

    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"{folders['index']} now follows {other} (was {folders['news']})"
    assert f"1 added, 0 updated, {len(NEWS)} removed" in lines[1]
    assert Index(folders["index"]).seeds_dir() == other
    assert documents(folders["index"]) == 1


def test_a_moved_seeds_folder_switches_without_a_rebuild(folders, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(folders["news"], moved)  # copy2: same content and times

    result = run_cli("index", "--index", folders["index"], "--seeds", moved, "--json", cwd=folders["bare"])

    summary = json.loads(result.stdout)
    assert summary["switched_from"] == str(folders["news"]) and summary["up_to_date"] is True
    assert summary["unchanged"] == len(NEWS) and summary["full"] is False


def test_a_missing_remembered_folder_searches_what_is_there_and_changes_nothing(folders, tmp_path):
    folders["news"].rename(tmp_path / "news-away")

    result = run_cli("search", "مستشفى", "--index", folders["index"], "--json", cwd=folders["elsewhere"])

    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"the seeds folder {folders['news']} of {folders['index']} is missing: searching the index as it is"]
    assert hit_ids(result) == {"hospital.txt"}
    update = run_cli("index", "--index", folders["index"], cwd=folders["elsewhere"])
    assert update.returncode == 2 and "does not exist" in update.stderr and len(update.stderr.splitlines()) == 1
    assert documents(folders["index"]) == len(NEWS)
    assert json.loads(run_cli("stats", "--json", "--index", folders["index"], cwd=folders["bare"]).stdout)[
        "seeds_missing"] is True


def test_a_new_index_is_built_from_the_working_directory_seeds(tmp_path):
    """The quick start: no index yet, ./seeds present: the first search builds the index from it."""
    write(tmp_path / "seeds", NEWS)
    result = run_cli("search", "مدرسة", "--json", cwd=tmp_path)
    assert result.returncode == 0 and hit_ids(result) == {"school.txt"}
    assert Index(tmp_path / ".index").seeds_dir() == tmp_path / "seeds"
    bare = tmp_path / "bare"
    bare.mkdir()
    nothing = run_cli("search", "مدرسة", cwd=bare)
    assert nothing.returncode == 2 and nothing.stderr.startswith("error: .index: no index here yet")
    assert not (bare / ".index").exists()


# ---------------------------------------------------------------- formats


def test_an_index_of_an_older_format_says_so_and_index_rebuilds_it(folders):
    marker = folders["index"] / MARKER
    marker.write_text(json.dumps({"format": 1}) + "\n", encoding="utf-8")  # as the first layout wrote it

    search = run_cli("search", "مستشفى", "--index", folders["index"], cwd=folders["elsewhere"])
    assert search.returncode == 2
    [line] = search.stderr.splitlines()
    assert "older version (format 1" in line and f"index --seeds DIR --index {folders['index']}" in line
    plain = run_cli("index", "--index", folders["index"], cwd=folders["elsewhere"])
    assert plain.returncode == 2 and "does not record the seeds folder" in plain.stderr
    assert documents(folders["index"]) == len(NEWS)  # nothing was changed by either

    rebuilt = run_cli("index", "--index", folders["index"], "--seeds", folders["news"], cwd=folders["elsewhere"])

    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stderr.splitlines()[0] == (
        f"rebuilt {folders['index']}: written by an older version (format 1; this one writes {FORMAT_VERSION})")
    assert json.loads(marker.read_text(encoding="utf-8"))["format"] == FORMAT_VERSION
    found = run_cli("search", "مستشفى", "--index", folders["index"], "--json", cwd=folders["elsewhere"])
    assert hit_ids(found) == {"hospital.txt"}


def test_an_older_index_whose_seeds_moved_says_one_thing_and_is_left_alone(folders):
    marker = folders["index"] / MARKER
    settings = json.loads(marker.read_text(encoding="utf-8"))
    marker.write_text(json.dumps({**settings, "format": FORMAT_VERSION - 1}), encoding="utf-8")
    folders["news"].rename(folders["news"].with_name("news-moved"))

    search = run_cli("search", "مستشفى", "--index", folders["index"], cwd=folders["elsewhere"])

    assert search.returncode == 2
    [line] = search.stderr.splitlines()  # no "searching the index as it is" before the refusal
    assert f"older version (format {FORMAT_VERSION - 1}" in line and "rebuild it: index --seeds DIR" in line
    assert json.loads(marker.read_text(encoding="utf-8"))["format"] == FORMAT_VERSION - 1
    assert documents(folders["index"]) == len(NEWS)


def test_stats_of_an_index_whose_schema_classes_moved_is_one_line_and_a_search_rebuilds_it(folders):
    """Format 3 pickled its schema as search.schema.*: a TOC naming a module this code lacks."""
    marker = folders["index"] / MARKER
    settings = json.loads(marker.read_text(encoding="utf-8"))
    marker.write_text(json.dumps({**settings, "format": 3}), encoding="utf-8")
    live = folders["index"] / (folders["index"] / "CURRENT").read_text(encoding="utf-8").strip()
    [toc] = live.glob("*.toc")
    pickled = toc.read_bytes()
    assert b"search.engine.schema" in pickled
    toc.write_bytes(pickled.replace(b"search.engine.schema", b"search.oldpkg.schema"))  # same length

    stats = run_cli("stats", "--index", folders["index"], cwd=folders["elsewhere"])
    assert stats.returncode == 2
    [line] = stats.stderr.splitlines()
    assert "older version (format 3" in line and "rebuild it: index" in line

    found = run_cli("search", "مستشفى", "--index", folders["index"], "--json", cwd=folders["elsewhere"])
    assert found.returncode == 0 and hit_ids(found) == {"hospital.txt"}
    assert json.loads(marker.read_text(encoding="utf-8"))["format"] == FORMAT_VERSION
    assert run_cli("stats", "--index", folders["index"], cwd=folders["elsewhere"]).returncode == 0


def test_an_index_of_a_newer_format_is_refused(folders):
    (folders["index"] / MARKER).write_text(json.dumps({"format": FORMAT_VERSION + 1, "seeds": str(folders["news"])}),
                                           encoding="utf-8")
    result = run_cli("search", "مستشفى", "--index", folders["index"], cwd=folders["bare"])
    assert result.returncode == 2 and "newer version" in result.stderr and len(result.stderr.splitlines()) == 1


# ---------------------------------------------------------------- problems: warnings and errors


@pytest.fixture(scope="module")
def saudi_day(tmp_path_factory) -> Path:
    """A real SaudiNewsNet day (1,318 articles, two of them without title or text) as a seeds folder."""
    day = DAYS / "2015-07-23.zip"
    if not day.is_file():
        pytest.skip("../shared/corpora/saudinewsnet is absent")
    folder = tmp_path_factory.mktemp("saudi") / "seeds"
    folder.mkdir()
    with zipfile.ZipFile(day) as archive:
        archive.extractall(folder)
    return folder


def test_records_without_text_are_counted_warnings_exit_0_and_not_printed_again(saudi_day, tmp_path):
    first = run_cli("index", "--seeds", saudi_day, "--index", tmp_path / "index", cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    lines = first.stderr.splitlines()
    assert lines[0].startswith("built: 1316 added")
    assert lines[1:] == ["2 warnings (2 × record has no text): 'stats --problems' lists them"]

    again = run_cli("index", "--index", tmp_path / "index", cwd=tmp_path)
    assert again.returncode == 0
    assert again.stderr.splitlines()[1:] == ["2 problems known from earlier runs: 'stats --problems' lists them"]

    records = json.loads((saudi_day / "2015-07-23.json").read_text(encoding="utf-8"))
    empty = [n for n, r in enumerate(records) if not (r["title"] or "").strip() and not (r["content"] or "").strip()]
    listed = run_cli("stats", "--problems", "--index", tmp_path / "index", cwd=tmp_path)
    assert listed.stdout.splitlines() == [f"2015-07-23.json: warning: record {n} has no text" for n in empty]
    searched = run_cli("search", "الرياض", "--index", tmp_path / "index", cwd=tmp_path)
    assert searched.returncode == 0 and "has no text" not in searched.stderr


def test_a_file_that_cannot_be_parsed_is_an_error_exit_2(folders):
    (folders["news"] / "broken.json").write_text('{"title": "خبر", "content": ', encoding="utf-8")

    result = run_cli("index", "--index", folders["index"], cwd=folders["bare"])

    assert result.returncode == 2
    assert "skipped broken.json:1: invalid JSON" in result.stderr
    again = run_cli("index", "--index", folders["index"], cwd=folders["bare"])
    assert again.returncode == 2 and "skipped" not in again.stderr  # known: counted, not reprinted
    assert "1 problem known from earlier runs (1 error)" in again.stderr


# ---------------------------------------------------------------- sort by date


def test_sort_by_date_shows_dates_and_relevance_scores_not_sort_keys(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    records = [{"id": f"n{day}", "title": "أخبار الرياض", "content": "الرياض " * day + "اليوم",
                "date": f"2015-07-{day:02d} 10:00:00", "source": "spa"} for day in range(20, 26)]
    (seeds / "news.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                                      encoding="utf-8")
    run_cli("index", "--seeds", seeds, "--index", tmp_path / "index", cwd=tmp_path)

    by_date = json.loads(run_cli("search", "الرياض", "--sort", "date", "--json", "--index", tmp_path / "index",
                                 cwd=tmp_path).stdout)["hits"]
    by_relevance = json.loads(run_cli("search", "الرياض", "--json", "--index", tmp_path / "index",
                                      cwd=tmp_path).stdout)["hits"]

    assert [hit["id"] for hit in by_date] == [f"n{day}" for day in range(25, 19, -1)]
    relevance = {hit["id"]: hit["score"] for hit in by_relevance}
    assert all(hit["score"] == relevance[hit["id"]] for hit in by_date)
    text = run_cli("search", "الرياض", "--sort", "date", "--index", tmp_path / "index", cwd=tmp_path).stdout
    assert "spa · 2015-07-25 · score " in text and all(float(line.rsplit(" ", 1)[1]) < 100
                                                          for line in text.splitlines() if " · score " in line)


# ---------------------------------------------------------------- durability


def test_an_update_fsyncs_every_file_of_its_commit_then_the_manifest_then_current(tmp_path, monkeypatch):
    seeds = write(tmp_path / "seeds", NEWS)
    index = Index(tmp_path / "index")
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(descriptor):
        synced.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    index.update(seeds)  # a first build: a new generation, then CURRENT

    gen_dir = index.generation_dir()
    assert_committed_files_synced(gen_dir, synced)
    current = synced.index(str(index.path / "CURRENT.tmp"))  # CURRENT's data, before its rename
    assert synced.index(str(gen_dir / "manifest.json.tmp")) < current
    assert synced[current + 1] == str(index.path)  # then the folder that names it

    synced.clear()
    write(seeds, {"eclipse.txt": "كسوف الشمس\nرصد الفلكيون كسوفاً جزئياً للشمس صباح اليوم."})
    index.update(seeds)  # an incremental update: a new segment in the live generation
    assert_committed_files_synced(gen_dir, synced)
    assert str(index.path / "CURRENT.tmp") not in synced


def assert_committed_files_synced(gen_dir: Path, synced: list[str]) -> None:
    """Each file the live TOC uses, then the folder, then commit.json and the manifest, each followed by the folder."""
    toc, files = committed_files(gen_dir)
    for name in [toc, *files]:
        assert str(gen_dir / name) in synced, name
    last_data = max(synced.index(str(gen_dir / name)) for name in [toc, *files])
    assert str(gen_dir) in synced[last_data:]
    for name in (COMMIT_FILE, "manifest.json"):
        written = synced.index(str(gen_dir / f"{name}.tmp"))
        assert written > last_data and synced[written + 1] == str(gen_dir), name


# ---------------------------------------------------------------- Ctrl-C


def start_index(seeds: Path, index_dir: Path, *extra) -> subprocess.Popen:
    """cli.py index in a session of its own, so Ctrl-C can be sent to its whole process group as a terminal does.

    SIGINT is reset to its default first, as a shell does for a job in the
    foreground: a test run started in the background inherits it ignored,
    and a process that starts with SIGINT ignored rightly keeps ignoring it.
    """
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ARABIC_SEARCH_")}
    return subprocess.Popen([sys.executable, str(CLI), "index", "--seeds", str(seeds), "--index", str(index_dir),
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
                            start_new_session=True, preexec_fn=_as_a_foreground_job)


def _as_a_foreground_job() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def writer_children(process: subprocess.Popen, count: int = 2, timeout: float = 60) -> list[int]:
    """The pids of the index process's writer subprocesses, once there are count of them."""
    deadline = time.monotonic() + timeout
    while True:
        found = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        if len(found) >= count:
            return [int(pid) for pid in found]
        assert process.poll() is None, "the update ended before its writers could be seen: give it more articles"
        assert time.monotonic() < deadline, "no writer subprocesses appeared"
        time.sleep(0.05)


def many_articles(folder: Path, count: int, word: str) -> Path:
    """count short real-looking articles as JSON Lines, enough for the update to use two writer processes."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    sentences = [text.split("\n", 1)[1] for text in NEWS.values()]
    for n in range(count):
        body = " ".join(sentences[(n + k) % len(sentences)] for k in range(12)) + f" {word} رقم {n}"
        lines.append(json.dumps({"id": f"{word}-{n}", "title": f"خبر {n}", "content": body}, ensure_ascii=False))
    (folder / f"{word}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def lock_is_free(index_dir: Path) -> bool:
    import fcntl

    with open(index_dir / "update.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def assert_only_the_live_generation(index_dir: Path, live: str) -> None:
    names = {entry.name for entry in index_dir.iterdir()}
    assert {name for name in names if name.startswith("gen-")} <= {live, f"gen-{int(live[4:]) - 1:06d}"}
    assert not [path for path in index_dir.rglob("*") if path.name.endswith((".tmp", ".doclist"))]


@pytest.fixture
def built_news(tmp_path) -> tuple[Path, Path]:
    seeds = many_articles(tmp_path / "seeds", 3000, "ضباب")
    index_dir = tmp_path / "index"
    assert run_cli("index", "--seeds", seeds, "--index", index_dir, cwd=tmp_path).returncode == 0
    return seeds, index_dir


@pytest.mark.parametrize("how", ["full rebuild", "incremental"])
def test_ctrl_c_during_index_exits_130_quietly_and_leaves_the_index_as_it_was(built_news, how):
    seeds, index_dir = built_news
    many_articles(seeds, 6000, "ثلج")  # 6,000 new articles: two writer processes
    live = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    process = start_index(seeds, index_dir, *(["--full"] if how == "full rebuild" else []))
    writer_children(process)
    time.sleep(0.5)

    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: every process of the group
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130
    assert stderr.splitlines() == ["interrupted"]
    assert lock_is_free(index_dir)
    assert (index_dir / "CURRENT").read_text(encoding="utf-8").strip() == live
    assert_only_the_live_generation(index_dir, live)
    index = Index(index_dir)
    assert index.search("ضباب", limit=1).total == 3000 and index.search("ثلج").total == 0
    assert index.verify() is None
    finished = run_cli("index", "--index", index_dir, cwd=seeds)
    assert finished.returncode == 0 and Index(index_dir).search("ثلج", limit=1).total == 6000


def test_ctrl_c_during_a_first_build_leaves_no_folder(tmp_path):
    seeds = many_articles(tmp_path / "seeds", 6000, "ثلج")
    process = start_index(seeds, tmp_path / "index")
    writer_children(process)

    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130 and stderr.splitlines() == ["interrupted"]
    assert not (tmp_path / "index").exists()
