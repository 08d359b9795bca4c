"""What an update reports as done is on disk, and what is on disk is what was committed.

A rename is atomic but not durable: after a power cut, a renamed CURRENT
or manifest can point at files whose data never reached the disk. So
every file of a commit, and the folder that names it, is fsynced before
the update reports success (write_durably, sync_commit).

Whoosh keeps no checksums: a truncated postings file or a zeroed stored
fields file reads as garbage, or raises deep inside a search. At each
commit, commit.json records every file the commit's TOC uses with its
size and a CRC of its first and last SAMPLE_BYTES, where Whoosh's files
keep their headers and their directories; check_generation compares
them in a few milliseconds, so an update can tell a damaged generation
and rebuild it instead of reporting "up to date".
"""

from __future__ import annotations

import json
import os
import re
import zlib
from pathlib import Path

from .storage import open_index, segment_ids

COMMIT_FILE = "commit.json"
SAMPLE_BYTES = 65536  # read at each end of a file: headers at the start, column directories at the end


def fsync_path(path: Path | str) -> None:
    """Flush a file's or a folder's data and metadata to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_durably(path: Path, data: bytes) -> None:
    """Replace path with data atomically and durably: a crash leaves the old file or the new one, never half."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, path)
    fsync_path(path.parent)


def write_json_durably(path: Path, data) -> None:
    write_durably(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def committed_files(gen_dir: Path) -> tuple[str, list[str]]:
    """The name of the latest TOC of a Whoosh index folder and of every file its segments use.

    Raises whatever opening the TOC raises (OSError, EmptyIndexError, an
    unpickling error for a damaged TOC): the caller decides what that means.
    """
    ix = open_index(gen_dir)
    toc = toc_name(ix)
    segments = segment_ids(ix)
    segment_file = re.compile(rf"({re.escape(ix.indexname)}_[0-9a-z]+)\..+")
    files = []
    with os.scandir(gen_dir) as entries:
        for entry in entries:
            match = segment_file.fullmatch(entry.name)
            if match and match.group(1) in segments and not entry.name.endswith(".tmp"):
                files.append(entry.name)
    return toc, sorted(files)


def toc_name(ix) -> str:
    """The file name of a Whoosh index's latest TOC: it names the commit (_MAIN_7.toc)."""
    return f"_{ix.indexname}_{ix.latest_generation()}.toc"


def file_record(path: Path) -> list[int]:
    """[size, CRC-32 of the first SAMPLE_BYTES, CRC-32 of the last SAMPLE_BYTES] of a file."""
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        head = zlib.crc32(file.read(SAMPLE_BYTES))
        file.seek(max(0, size - SAMPLE_BYTES))
        tail = zlib.crc32(file.read(SAMPLE_BYTES))
    return [size, head, tail]


def sync_commit(gen_dir: Path) -> str:
    """fsync every file of the latest commit and the folder, then record them in commit.json; the TOC's name."""
    toc, files = committed_files(gen_dir)
    records = {}
    for name in [toc, *files]:
        fsync_path(gen_dir / name)
        records[name] = file_record(gen_dir / name)
    fsync_path(gen_dir)
    write_json_durably(gen_dir / COMMIT_FILE, {"toc": toc, "files": records})
    return toc


def check_generation(gen_dir: Path) -> str | None:
    """What is wrong with a generation folder's Whoosh index, in a few words, or None when it checks out.

    A commit.json naming an older TOC means the last update stopped
    between its commit and its record: the TOC and the files it names
    must still open, but there are no sizes to compare.
    """
    try:
        toc, _ = committed_files(gen_dir)
    except Exception as error:  # any failure to open the TOC is damage, whatever Whoosh raised
        return f"its table of contents cannot be read ({type(error).__name__})"
    try:
        record = json.loads((gen_dir / COMMIT_FILE).read_text(encoding="utf-8"))
        recorded_toc, recorded = record["toc"], record["files"]
        if not isinstance(recorded, dict):
            raise TypeError
    except FileNotFoundError:
        return None  # written before commit records existed: nothing to compare
    except (OSError, ValueError, KeyError, TypeError):
        return f"{COMMIT_FILE} is unreadable"
    if recorded_toc != toc:
        return None
    for name, expected in recorded.items():
        try:
            found = file_record(gen_dir / name)
        except OSError:
            return f"{name} is missing"
        if found[0] != expected[0]:
            return f"{name} is {found[0]:,} bytes, {expected[0]:,} when written"
        if found != expected:
            return f"{name} has changed since it was written"
    return None
