"""An update either commits everything it read or nothing, and never waits without bound.

Real ``cli.py index`` processes on real Whoosh indexes: a writer
subprocess killed (as the out-of-memory killer does), both of them
killed, a full disk (a small tmpfs where the machine allows mounting one,
and always a file-size limit, which fails writes the same way), damaged
index files, a read-only index folder, and the seeds watcher of ``serve
--watch``, which must not repeat itself.
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_index_safety import CLI, NEWS, lock_is_free, many_articles, run_cli, start_index, write, writer_children

from search import Index

SIZE_LIMIT = 1_000_000  # bytes a file may reach under the file-size limit: 3,000 articles' postings outgrow it


@pytest.fixture
def built(tmp_path) -> tuple[Path, Path]:
    """An index of 3,000 articles (about the word ضباب) and, in its seeds folder, 6,000 more (about ثلج) to add."""
    seeds = many_articles(tmp_path / "seeds", 3000, "ضباب")
    index_dir = tmp_path / "index"
    assert run_cli("index", "--seeds", seeds, "--index", index_dir, cwd=tmp_path).returncode == 0
    many_articles(seeds, 6000, "ثلج")
    return seeds, index_dir


def assert_as_before(index_dir: Path, live: str) -> None:
    """The generation that was live still is, complete and searchable, nothing else left; the lock free."""
    assert (index_dir / "CURRENT").read_text(encoding="utf-8").strip() == live
    assert lock_is_free(index_dir)
    index = Index(index_dir)
    assert index.verify() is None
    assert index.search("ضباب", limit=1).total == 3000 and index.search("ثلج", limit=1).total == 0
    assert {p.name for p in index_dir.iterdir() if p.name.startswith("gen-")} <= {live, f"gen-{int(live[4:]) - 1:06d}"}
    assert not [p for p in index_dir.rglob("*") if p.name.endswith((".tmp", ".doclist", ".terms"))]


def assert_next_run_does_the_work(seeds: Path, index_dir: Path) -> None:
    finished = run_cli("index", "--index", index_dir, cwd=seeds, timeout=300)
    assert finished.returncode == 0, finished.stderr
    index = Index(index_dir)
    assert index.search("ثلج", limit=1).total == 6000 and index.search("ضباب", limit=1).total == 3000


# ---------------------------------------------------------------- writer processes


@pytest.mark.parametrize("how", ["full rebuild", "incremental"])
def test_a_killed_writer_process_fails_the_whole_update_and_the_next_run_does_the_work(built, how):
    seeds, index_dir = built
    live = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    process = start_index(seeds, index_dir, *(["--full"] if how == "full rebuild" else []))
    victim = writer_children(process)[0]
    time.sleep(0.3)

    os.kill(victim, signal.SIGKILL)  # what the out-of-memory killer does
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == 2
    [line] = stderr.splitlines()
    assert line == (f"error: {index_dir}: the update failed (a writer process was killed (signal 9)); "
                    "the index is as it was before it")
    assert_as_before(index_dir, live)
    assert_next_run_does_the_work(seeds, index_dir)


def test_both_writer_processes_killed_the_update_ends_at_once(built):
    seeds, index_dir = built
    live = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    process = start_index(seeds, index_dir, "--full")
    children = writer_children(process)

    for child in children:
        os.kill(child, signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)  # Whoosh's own commit waited here forever

    assert process.returncode == 2 and "a writer process was killed" in stderr
    assert_as_before(index_dir, live)


# ---------------------------------------------------------------- a full disk


def limited_file_size(limit: int):
    """For preexec_fn: writes past limit bytes fail with EFBIG in this process and its children, as a full disk does."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the writer instead of failing the write
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def index_with_size_limit(seeds: Path, index_dir: Path, *extra) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ARABIC_SEARCH_")}
    return subprocess.run([sys.executable, str(CLI), "index", "--seeds", str(seeds), "--index", str(index_dir),
                           *extra], capture_output=True, text=True, env=environment, timeout=300,
                          preexec_fn=limited_file_size(SIZE_LIMIT))


@pytest.mark.parametrize("how", ["full rebuild", "incremental"])
def test_a_write_that_fails_like_a_full_disk_is_one_line_and_leaves_nothing_behind(built, how):
    seeds, index_dir = built
    live = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()

    result = index_with_size_limit(seeds, index_dir, *(["--full"] if how == "full rebuild" else []))

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {index_dir}: the update failed (") and "File too large" in line
    assert line.endswith("the index is as it was before it")
    assert_as_before(index_dir, live)
    assert_next_run_does_the_work(seeds, index_dir)


def test_a_first_build_that_fails_like_a_full_disk_leaves_no_folder(tmp_path):
    seeds = many_articles(tmp_path / "seeds", 6000, "ثلج")
    result = index_with_size_limit(seeds, tmp_path / "index")
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "index").exists()


@pytest.fixture
def small_disk(tmp_path):
    """A 6 MB tmpfs (needs the right to mount: root, outside most containers' limits), unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.strip() or 'not permitted'}); "
                    "the file-size limit tests cover the same failure")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_really_full_disk_is_one_line_partial_files_are_removed_and_the_old_index_stays(small_disk, tmp_path):
    seeds = many_articles(tmp_path / "seeds", 1500, "ضباب")
    index_dir = small_disk / "index"
    first = run_cli("index", "--seeds", seeds, "--index", index_dir, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    live = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    free_before = shutil.disk_usage(small_disk).free
    many_articles(seeds, 9000, "ثلج")  # more than the disk holds

    result = run_cli("index", "--index", index_dir, cwd=tmp_path, timeout=300)

    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert "No space left on device" in line and line.endswith("the index is as it was before it")
    assert (index_dir / "CURRENT").read_text(encoding="utf-8").strip() == live and lock_is_free(index_dir)
    assert Index(index_dir).verify() is None and Index(index_dir).search("ضباب", limit=1).total == 1500
    assert shutil.disk_usage(small_disk).free >= free_before - 64 * 1024  # the partial segment files are gone


# ---------------------------------------------------------------- damaged files


def damage_truncated_postings(gen: Path) -> None:
    postings = sorted(gen.glob("*.pst"))[0]
    os.truncate(postings, postings.stat().st_size // 2)


def damage_zeroed_stored_fields(gen: Path) -> None:
    stored = sorted(gen.glob("*._stored.col"))[0]
    stored.write_bytes(bytes(stored.stat().st_size))


def damage_truncated_toc(gen: Path) -> None:
    toc = sorted(gen.glob("_MAIN_*.toc"))[-1]
    os.truncate(toc, 40)


def damage_manifest_shape(gen: Path) -> None:
    (gen / "manifest.json").write_text('{"hospital.txt": [1, 2, 3]}', encoding="utf-8")  # valid JSON, wrong shape


@pytest.mark.parametrize("damage", [damage_truncated_postings, damage_zeroed_stored_fields, damage_truncated_toc,
                                    damage_manifest_shape], ids=lambda damage: damage.__name__[7:])
def test_index_finds_a_damaged_generation_and_rebuilds_it_with_one_line(tmp_path, damage):
    seeds = write(tmp_path / "seeds", NEWS)
    index_dir = tmp_path / "index"
    run_cli("index", "--seeds", seeds, "--index", index_dir, cwd=tmp_path)
    gen = Index(index_dir).generation_dir()
    damage(gen)

    searched = run_cli("search", "مستشفى", "--index", index_dir, cwd=tmp_path)
    assert "Traceback" not in searched.stderr
    if searched.returncode == 2:
        [line] = searched.stderr.splitlines()
        assert line.startswith("error: ") and line.endswith("repair it: index")

    repaired = run_cli("index", "--index", index_dir, cwd=tmp_path)

    assert repaired.returncode == 0, repaired.stderr
    assert repaired.stderr.splitlines()[0].startswith(f"rebuilt {index_dir}: {gen.name}: ")
    assert "up to date" not in repaired.stderr
    index = Index(index_dir)
    assert index.verify() is None and index.stats().documents == len(NEWS)
    assert [hit.id for hit in index.search("مستشفى").hits] == ["hospital.txt"]


def test_index_full_works_whatever_is_in_a_marked_folder(tmp_path):
    seeds = write(tmp_path / "seeds", NEWS)
    index_dir = tmp_path / "index"
    run_cli("index", "--seeds", seeds, "--index", index_dir, cwd=tmp_path)
    gen = Index(index_dir).generation_dir()
    for entry in gen.iterdir():
        entry.write_bytes(b"\x00" * 17)  # every file of the generation overwritten
    (index_dir / "CURRENT").write_text("gen-999999\n", encoding="utf-8")

    result = run_cli("index", "--full", "--index", index_dir, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert Index(index_dir).verify() is None and Index(index_dir).stats().documents == len(NEWS)


# ---------------------------------------------------------------- a read-only index


@pytest.fixture
def read_only(tmp_path):
    """Make a folder read-only for the code under test: a read-only bind mount as root (chmod does not stop root)."""
    mounted = []

    def make(folder: Path) -> None:
        if os.geteuid() != 0:
            for path in [folder, *folder.rglob("*")]:
                path.chmod(path.stat().st_mode & ~0o222)
            return
        bind = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True, text=True)
        if bind.returncode != 0:
            pytest.skip(f"cannot make a read-only bind mount here ({bind.stderr.strip()})")
        mounted.append(folder)
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)

    yield make
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)
    for path in tmp_path.rglob("*"):
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)


def test_a_read_only_index_is_searched_as_it_is_and_says_so_once(tmp_path, read_only):
    seeds = write(tmp_path / "seeds", NEWS)
    index_dir = tmp_path / "index"
    run_cli("index", "--seeds", seeds, "--index", index_dir, cwd=tmp_path)
    read_only(index_dir)
    write(seeds, {"eclipse.txt": "كسوف الشمس\nرصد الفلكيون كسوفاً جزئياً للشمس صباح اليوم."})

    result = run_cli("search", "مستشفى", "--index", index_dir, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{index_dir} cannot be updated (") and line.endswith("searching it as it is")
    assert "hospital.txt" in result.stdout
    update = run_cli("index", "--index", index_dir, cwd=tmp_path)
    assert update.returncode == 2 and len(update.stderr.splitlines()) == 1 and "Traceback" not in update.stderr


# ---------------------------------------------------------------- serve --watch


def test_the_watcher_logs_a_known_problem_once_not_at_every_update(tmp_path, caplog):
    from search.web.app import SeedsWatcher

    seeds = write(tmp_path / "seeds", NEWS)
    (seeds / "broken.json").write_text('{"title": ', encoding="utf-8")
    index = Index(tmp_path / "index")
    index.update(seeds)
    watcher = SeedsWatcher(index, None, interval=60)
    caplog.set_level(logging.INFO, logger="uvicorn.error")

    for n in range(3):
        write(seeds, {f"new-{n}.txt": f"خبر {n}\nرصد الفلكيون كسوفاً جزئياً للشمس صباح اليوم {n}."})
        watcher.check()

    assert watcher.updates == 3
    assert [record.message for record in caplog.records if "broken.json" in record.message] == []  # known before
    (seeds / "other.json").write_text("[1, ", encoding="utf-8")
    watcher.check()
    watcher.check()  # nothing changed: no update, nothing logged
    assert [record.message for record in caplog.records if "skipped" in record.message] == [
        "watch: skipped other.json: invalid JSON: Expecting value"]
    (tmp_path / "seeds").rename(tmp_path / "gone")
    watcher.check()
    watcher.check()
    assert [record.message for record in caplog.records if "is missing" in record.message] == [
        f"watch: the seeds folder {seeds} of {index.path} is missing: searching the index as it is"]
