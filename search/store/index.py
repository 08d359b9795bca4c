"""The index on disk: build it from a seeds folder, keep it in step incrementally.

Layout of an index folder::

    INDEX/.arabic-search-index   marker: only a folder carrying it is ever cleaned up; it records
                                 the format and the seeds folder the index follows (FolderSettings)
    INDEX/CURRENT                name of the live generation, replaced atomically
    INDEX/gen-000001/            a Whoosh index + manifest.json (the commit it describes; files ->
                                 size, mtime, hash, ids), commit.json (engine/durability.py) and
                                 problems.json (the last update's)
    INDEX/update.lock            held (flock) by the one process updating
    INDEX/synonyms.txt           optional: the reader's own synonyms rules (query/synonyms.py), added
                                 to the shipped ones at query time; never written or removed here

An index follows one seeds folder, recorded as an absolute path when it
is built: an update without a folder uses that one, whatever the working
directory, and only an update given another folder switches the index to
it (a rebuild). Read commands never switch: refresh() refuses a folder
other than the recorded one, and searches what is there, changing
nothing, when the recorded folder is gone.

An update touches only new, changed (size+mtime, confirmed by content hash)
and deleted files. ``full=True`` builds a new generation beside the live
one and switches CURRENT only when it is complete, so a failed rebuild
leaves the old index searchable. Readers open whatever CURRENT names; the
generation before it is kept one more round, for a reader that opened it
just before the switch.

Duplicate ids: an id is indexed from one file only, the first in path
order, and every other file holding it is reported. This holds for
incremental updates too, so the index depends only on the seeds and never
on the order files arrived in: a file added later whose path sorts first
takes the id over (the file that held it is read again, and its copy
reported), and when the holder drops the id, the next file holding it
gets it.

Crashes and concurrency: an update holds update.lock (flock, so the lock
dies with its process) and writes the live generation in one Whoosh
commit, or a new generation behind CURRENT, so a reader sees the state
before an update or after it, never between. Whatever a killed update
leaves behind (a half-built generation, temporary files, uncommitted
segments) is removed by the next update, which holds the lock, and only
under a folder carrying the marker. A second updater waits up to
LOCK_WAIT_SECONDS ($ARABIC_SEARCH_LOCK_WAIT) and then gives up with
IndexBusyError. An update that fails (a full disk, a writer process
killed, Ctrl-C) removes what it wrote and leaves the live generation as
it was; every file of a commit is fsynced before success is reported.
An update first checks the live generation (durability.check_generation,
the manifest's shape, the format) and rebuilds it from the seeds when
it is damaged or older than this code.

JSON Lines dumps are updated record by record, not file by file: each
document of a .jsonl record carries a digest of its fields (engine/schema.py),
so a changed dump is read through and only the records whose digest is
not indexed from it are written, and only its documents no record
matches any more are deleted (_Run.index_records). A dump that only
gained lines is not even read through: its manifest entry records where
the last read ended (sources.JsonlCursor), and the new lines are read
from there (_Run.index_appended), so appending a line costs that line.
That shortcut trusts the manifest, so it is taken only when the manifest
describes the live commit (it names the commit's TOC) and no other file
took or freed one of the dump's ids in the same update; otherwise the
record-by-record read, which trusts only the documents in the index,
does the work.

Memory: a .jsonl file is read a record at a time and each article handed
to the Whoosh writer at once, so a large dump costs one record plus the
writer's buffer (limitmb below), whatever the file size; comparing a
changed dump with the index adds a digest and a document number per
record indexed from it.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import fcntl
import hashlib
import heapq
import json
import os
import pickle
import re
import shutil
import signal
import struct
import time
import zlib
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from ..analysis.levels import FIELDS, LEVELS, TEXT_FIELDS
from ..engine.durability import (
    check_generation,
    committed_files,
    sync_commit,
    toc_name,
    write_durably,
    write_json_durably,
)
from ..engine.postings import DamagedPostingsError
from ..engine.reader_cache import ReaderCache
from ..engine.schema import DIGEST_BYTES, DIGEST_FIELD
from ..engine.searching import DEFAULT_TIME_LIMIT, SearchOptions, article_view, run_search
from ..engine.similar import run_similar
from ..engine.storage import NOT_AN_INDEX, create_index, index_folder, open_index, segment_count
from ..engine.writer import BYTES_PROTOCOL, WriterProcessError, abandon, open_writer
from ..query.synonyms import USER_FILE, Synonyms, default_synonyms, merged, read_synonyms
from ..results import ArticleView, SearchResults
from ..snippets import prepare as prepare_snippets
from ..sources import (
    WARNING,
    Article,
    JsonlCursor,
    Problem,
    SeedFile,
    SeedsError,
    file_hash,
    iter_articles,
    open_appended,
    scan,
)
from ..suggest import MAX_COMPLETIONS, complete

MARKER = ".arabic-search-index"
# 1: the first layout. 2: the marker records the seeds folder; each generation
# has commit.json (file sizes and checksums) and problems.json. 3: documents of
# .jsonl records carry a digest column; the manifest names the commit it
# describes and, for a .jsonl file, where its last read ended. 4: the schema's
# field classes moved to search.engine.schema (Whoosh pickles them by name).
# 5: a root level (title_root, body_root; analysis/levels.py), and a nisba's
# plural and feminine stemmed as its singular (analysis/stem.py). 6: a
# nisba's stem keeps its ي (اليمني -> يمني, no longer يمن). 7: positions as
# 4-byte integers instead of pickled deltas (schema.PositionArray).
FORMAT_VERSION = 7
MANIFEST_FILE = "manifest.json"
PROBLEMS_FILE = "problems.json"
# Each seed's size and mtime as the manifest records them, and the manifest's
# own stamp: what the check before a search reads (the manifest holds every
# article id and digest: 2.2 MB, 10 ms to parse, for 31,030 articles).
SEED_STATS_FILE = "seed_stats.json"
DEFAULT_INDEX_DIR = ".index"
INDEX_ENV = "ARABIC_SEARCH_INDEX"
SEEDS_ENV = "ARABIC_SEARCH_SEEDS"
DEFAULT_SEEDS_DIR = "seeds"

# Whoosh writer settings (writer.open_writer). A full build uses both cores,
# one segment per process; an incremental update stays in one process and
# merges segments a tier at a time (writer.MergeTiers: each document is
# rewritten a few times over any number of updates), and the smallest ones
# until at most max_segments remain (searches pay per segment). Segments stay as separate
# files (compound=False): no copy into one file at commit, and opening them
# is cheap. Posting blocks are pickled with protocol 3 (writer.BYTES_PROTOCOL):
# faster to write and read, and smaller, than W3's own protocol 2.
FULL_BUILD_WRITER = {"procs": 2, "compound": False, "limitmb": 512, "protocol": BYTES_PROTOCOL}
UPDATE_WRITER = {"compound": False, "limitmb": 256, "max_segments": 10, "protocol": BYTES_PROTOCOL}
# An update that reads this many bytes of seeds (a day of news: ~1,700
# articles, 5 MB) is written by two processes, as a full build is: half
# the time, two new segments instead of one.
PARALLEL_UPDATE_BYTES = 2_000_000
LOCK_WAIT_SECONDS = 30.0
LOCK_WAIT_ENV = "ARABIC_SEARCH_LOCK_WAIT"  # overrides LOCK_WAIT_SECONDS (0: do not wait)

GENERATION = re.compile(r"gen-(\d{6})")  # the only folders an update creates or removes
PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): a signal for when the parent dies
OPEN_ATTEMPTS = 3  # a reader retries when a rebuild switched generations under it
# What reading a damaged index file raises from inside Whoosh (truncated,
# zeroed or overwritten files): turned into IndexDamagedError, one line.
DAMAGE_ERRORS = (DamagedPostingsError, pickle.UnpicklingError, EOFError, struct.error, zlib.error,
                 UnicodeDecodeError, OSError, IndexError, KeyError, OverflowError, MemoryError)
# errno values meaning the index folder cannot be written: search it as it is.
READ_ONLY_ERRORS = (errno.EACCES, errno.EPERM, errno.EROFS)

ProgressCallback = Callable[[int, int], None]


@dataclass
class IndexStats:
    path: str
    documents: int
    sources: dict[str, int]
    first_date: str | None
    last_date: str | None
    size_bytes: int
    last_update: str
    segments: int
    seeds: str | None = None  # the folder the index follows
    seeds_missing: bool = False
    format: int = FORMAT_VERSION
    errors: int = 0  # problems of the last update (stats --problems lists them)
    warnings: int = 0


@dataclass(frozen=True)
class FolderSettings:
    """What an index folder's marker records: its format and the seeds folder it follows."""

    format: int
    seeds: str | None = None  # absolute; None in format 1, which did not record it
    follow_links: bool = False  # whether links out of the seeds folder are read (sources.scan)

    def to_json(self) -> bytes:
        return (json.dumps(asdict(self), ensure_ascii=False) + "\n").encode("utf-8")


class IndexFolderError(Exception):
    """A problem with the index folder itself; the message names the folder."""


class IndexBusyError(IndexFolderError):
    """Another process is updating this index."""


class SeedsMismatchError(IndexFolderError):
    """A read command was given a seeds folder other than the one the index follows."""


class IndexDamagedError(IndexFolderError):
    """A file of the live generation cannot be read: the next ``index`` rebuilds it."""


class IndexUpdateError(IndexFolderError):
    """An update failed part way (full disk, writer process killed): the index is as it was before it."""


@dataclass
class UpdateSummary:
    """What an update did, article by article, and what it could not read."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    files_changed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    full: bool = False
    created: bool = False  # the update built a new index
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)  # every problem the seeds have now
    new_problems: list[Problem] = field(default_factory=list)  # those the previous update did not report
    seeds: str | None = None  # the folder read (absolute)
    switched_from: str | None = None  # the folder the index followed before, when this update switched it
    rebuilt_because: str | None = None  # why an update rebuilt the index (damage, an older format)

    @property
    def up_to_date(self) -> bool:
        """Nothing was added, updated or removed."""
        return not (self.added or self.updated or self.removed or self.files_changed or self.files_removed)

    def to_dict(self) -> dict:
        """A JSON-ready view (the contract of ``index --json``)."""
        data = asdict(self)
        data["up_to_date"] = self.up_to_date
        data["problems"] = [asdict(problem) for problem in self.problems]
        data["new_problems"] = [asdict(problem) for problem in self.new_problems]
        return data

    @property
    def errors(self) -> list[Problem]:
        """The problems that left articles out: files or records that could not be read."""
        return [problem for problem in self.problems if problem.is_error]


@dataclass
class Freshness:
    """What refresh() did before a read: the update it ran, or one line saying why it ran none."""

    summary: UpdateSummary | None = None
    note: str | None = None


def default_index_dir() -> Path:
    """$ARABIC_SEARCH_INDEX, else ./.index."""
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX_DIR)


def default_seeds_dir() -> Path:
    """$ARABIC_SEARCH_SEEDS, else ./seeds: where a new index is built from (an existing one follows its own)."""
    return Path(os.environ.get(SEEDS_ENV) or DEFAULT_SEEDS_DIR)


def same_folder(a: Path | str, b: Path | str) -> bool:
    """Whether two paths name one folder (links and relative paths resolved)."""
    return Path(a).resolve() == Path(b).resolve()


class Index:
    """An index folder: update it from seeds, open it for searching."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path is not None else default_index_dir()
        self._readers = ReaderCache(self)  # searches reuse an open reader until the index changes
        self._synonyms: tuple | None = None  # (the user file's stamp, the rules read with it)

    # ----- state on disk -------------------------------------------------

    def exists(self) -> bool:
        """True when the folder holds a complete index of ours."""
        return (self.path / MARKER).is_file() and (self.path / "CURRENT").is_file()

    def settings(self) -> FolderSettings | None:
        """What the marker records, or None when the folder has none (not an index, or not yet).

        A marker that cannot be read counts as format 0: older than any
        layout, so the next ``index`` rebuilds the folder.
        """
        try:
            data = json.loads((self.path / MARKER).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return FolderSettings(format=0)
        if not isinstance(data, dict) or not isinstance(data.get("format"), int):
            return FolderSettings(format=0)
        seeds = data.get("seeds")
        return FolderSettings(data["format"], seeds if isinstance(seeds, str) else None,
                              data.get("follow_links") is True)

    def seeds_dir(self) -> Path | None:
        """The seeds folder this index follows, or None when it records none."""
        settings = self.settings()
        return Path(settings.seeds) if settings and settings.seeds else None

    def generation_dir(self) -> Path:
        """The folder of the live generation."""
        name = self._live_name()
        if name is None:
            raise IndexFolderError(f"{self.path}: no index here yet (run: index --seeds DIR)")
        return self.path / name

    def _live_name(self) -> str | None:
        """The name CURRENT holds, or None when there is no index yet."""
        if not self.exists():
            return None
        name = (self.path / "CURRENT").read_text(encoding="utf-8").strip()
        if not GENERATION.fullmatch(name):
            raise IndexDamagedError(f"{self.path}: CURRENT names {name!r}, not a generation; repair it: index")
        return name

    def open_whoosh(self):
        """The live Whoosh index, for searching; refuses a layout this code does not read.

        A rebuild can switch CURRENT, and remove the generation before the
        previous one, between our reading CURRENT and opening what it named:
        then CURRENT is read again.
        """
        self._check_format()
        return self._open_live()

    def _open_live(self):
        for _ in range(OPEN_ATTEMPTS):
            gen_dir = self.generation_dir()
            try:
                return open_index(gen_dir)
            except NOT_AN_INDEX as error:
                if self.generation_dir() == gen_dir:
                    raise IndexDamagedError(f"{gen_dir}: cannot open the index ({error}); repair it: index") from None
            except (ModuleNotFoundError, AttributeError):  # its schema names classes this code no longer has
                self._check_format()  # an older format says so
                raise IndexDamagedError(f"{gen_dir}: cannot read the index's schema; repair it: index") from None
            except DAMAGE_ERRORS + (ValueError,) as error:
                raise IndexDamagedError(f"{gen_dir}: cannot open the index ({type(error).__name__}); "
                                        "repair it: index") from None
        raise IndexFolderError(f"{self.path}: the live generation keeps changing; try again")

    def _check_format(self) -> None:
        """Raise IndexFolderError for an index written in another format than this code's."""
        settings = self.settings()
        if settings is None or settings.format == FORMAT_VERSION:
            return
        if settings.format > FORMAT_VERSION:
            raise IndexFolderError(f"{self.path}: written by a newer version of arabic-search (format "
                                   f"{settings.format}; this one reads {FORMAT_VERSION}); upgrade to use it")
        raise IndexFolderError(f"{self.path}: written by an older version (format {settings.format}; this one "
                               f"reads {FORMAT_VERSION}); rebuild it: index --seeds DIR --index {self.path}")

    def manifest(self) -> dict:
        """The live generation's manifest: relative path -> {size, mtime_ns, sha256, ids, ...}."""
        return self._recorded()[0]

    def _recorded(self) -> tuple[dict, str | None]:
        """The live manifest's files, and the commit it describes (its TOC's name; None if it names none)."""
        if not self.exists():
            return {}, None
        path = self.generation_dir() / MANIFEST_FILE
        try:
            data = _read_json(path, default={"commit": None, "files": {}})
        except ValueError as error:
            raise IndexDamagedError(f"{path}: unreadable ({error}); repair it: index") from None
        if not is_manifest(data):
            raise IndexDamagedError(f"{path}: not a manifest of this index; repair it: index")
        if _is_files(data):
            return data, None  # format 2, read for a rebuild's counts or an export: it names no commit
        return data["files"], data["commit"]

    def problems(self) -> list[Problem]:
        """The problems the last update found in the seeds (what ``stats --problems`` lists)."""
        if not self.exists():
            return []
        return _read_problems(self.generation_dir())

    def verify(self) -> str | None:
        """What is damaged in the live generation, in a few words, or None when it checks out.

        A few milliseconds: the TOC opens, every file of the last commit has
        its recorded size and end checksums (engine/durability.py), the manifest
        has its shape. Not a read of every byte.
        """
        try:
            gen_dir = self.generation_dir()
        except (OSError, IndexFolderError):
            return "CURRENT names no generation"
        if not gen_dir.is_dir():
            return f"CURRENT names {gen_dir.name}, which is missing"
        damage = check_generation(gen_dir)
        if damage is None:
            try:
                self.manifest()
            except (OSError, IndexFolderError):
                damage = "manifest.json is unreadable"
        return f"{gen_dir.name}: {damage}" if damage else None

    def is_stale(self, seeds_dir: Path) -> bool:
        """True when the index is missing or a seed file differs from what it holds (size, mtime, presence).

        Stats only, no reading or hashing: a content check comes with the update.
        """
        if not self.exists():
            return True
        settings = self.settings()
        files, _ = scan(seeds_dir, follow_links=bool(settings and settings.follow_links))
        known = self._seed_stats()
        if set(known) != {seed.path for seed in files}:
            return True
        return any(known[seed.path] != (seed.size, seed.mtime_ns) for seed in files)

    def _seed_stats(self) -> dict[str, tuple[int, int]]:
        """Each recorded seed's (size, mtime_ns): from SEED_STATS_FILE when it was written with the live
        manifest (its stamp matches), else from the manifest itself."""
        gen_dir = self.generation_dir()
        try:
            data = _read_json(gen_dir / SEED_STATS_FILE, default=None)
            if isinstance(data, dict) and data.get("manifest") == _file_stamp(gen_dir / MANIFEST_FILE):
                return {path: (size, mtime_ns) for path, (size, mtime_ns) in data["files"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            pass  # missing (an older generation), damaged or of another shape: the manifest says
        return {path: (entry["size"], entry["mtime_ns"]) for path, entry in self.manifest().items()}

    def check_seeds(self, seeds_dir: Path | str | None) -> None:
        """Refuse a seeds folder given to a read command that is not the one this index follows."""
        remembered = self.seeds_dir()
        if seeds_dir is not None and remembered is not None and self.exists() and not same_folder(seeds_dir, remembered):
            raise SeedsMismatchError(
                f"{self.path} follows the seeds folder {remembered}, not {os.path.abspath(seeds_dir)}; "
                f"to switch it, run: index --seeds {seeds_dir} --index {self.path}")

    # ----- before reading ------------------------------------------------

    def refresh(self, seeds_dir: Path | str | None = None, progress: ProgressCallback | None = None) -> Freshness:
        """Bring the index in step with its seeds before a read (search, serve), never destroying it.

        A new index is built from seeds_dir, else default_seeds_dir(). An
        existing one is updated from the folder it follows when a file
        there changed (stats only when nothing did): seeds_dir, if given,
        must be that folder (SeedsMismatchError). When that folder is gone,
        another update is running, or the folder cannot be written, nothing
        is changed and Freshness.note says why in one line.
        """
        if not self.exists():
            seeds = Path(seeds_dir) if seeds_dir is not None else default_seeds_dir()
            if not seeds.is_dir():
                raise IndexFolderError(f"{self.path}: no index here yet (run: index --seeds DIR --index {self.path})")
            return Freshness(self.update(seeds, progress=progress))
        self.check_seeds(seeds_dir)
        settings = self.settings()
        remembered = self.seeds_dir()
        seeds_gone = remembered is not None and not remembered.is_dir()
        if settings.format > FORMAT_VERSION or remembered is None or seeds_gone:
            # Newer: not ours to write. Older, and silent about its seeds or its seeds gone: it can neither be
            # searched as it is nor rebuilt here (index --seeds rebuilds it).
            self._check_format()
        if seeds_gone:
            return Freshness(note=f"the seeds folder {remembered} of {self.path} is missing: "
                                  "searching the index as it is")
        try:
            if settings.format == FORMAT_VERSION and not self.is_stale(remembered):
                return Freshness()
            return Freshness(self.update(remembered, progress=progress, lock_wait=0))
        except IndexBusyError:
            return Freshness(note="another index update is running: searching the index as last committed")
        except PermissionError as error:
            return Freshness(note=f"{self.path} cannot be updated ({error.strerror}): searching it as it is")
        except OSError as error:
            if error.errno not in READ_ONLY_ERRORS:
                raise
            return Freshness(note=f"{self.path} cannot be updated ({error.strerror}): searching it as it is")

    # ----- reading -------------------------------------------------------

    def search(self, query: str, limit: int = 10, page: int = 1, since=None, until=None,
               source: str | None = None, sort: str = "relevance",
               time_limit: float | None = DEFAULT_TIME_LIMIT, plain: bool = False, cancel=None) -> SearchResults:
        """Ranked hits for query (see query/language.py for the syntax); raises QueryError when malformed.

        ``plain=True`` ignores the syntax (every word a plain word), for pasted questions.
        Reads the last committed state; it never updates (refresh() does).
        Past ``time_limit`` seconds, or once ``cancel`` (a threading.Event) is set, the
        search stops and comes back with ``partial=True``. A bad argument raises a
        ValueError naming it (searching.SearchOptions); since and until may be strings.
        """
        options = SearchOptions(limit, page, since, until, source, sort, time_limit, plain, cancel)
        synonyms = self.synonyms()
        with self._reading():
            return run_search(self._readers.opened(), query, options, synonyms)

    def similar(self, article_id: str, limit: int = 10, page: int = 1, exclude_duplicates: bool = False,
                time_limit: float | None = DEFAULT_TIME_LIMIT, cancel=None) -> SearchResults | None:
        """Articles related to one article, best first (engine/similar.py), or None when no such id.

        They share its most distinctive words (MoreLikeThis); the article
        itself is never among them. The same story from another paper is
        kept unless ``exclude_duplicates``. The results' query is the words
        that were looked for. Arguments are checked as search() checks them.
        """
        options = SearchOptions(limit=limit, page=page, time_limit=time_limit, cancel=cancel)
        if not isinstance(exclude_duplicates, bool):
            raise ValueError(f"exclude_duplicates must be True or False, not {exclude_duplicates!r}")
        if not isinstance(article_id, str):
            raise ValueError(f"article id must be a string, not {article_id!r}")
        with self._reading():
            opened = self._readers.opened()
            with opened.searcher() as searcher:
                docnum = searcher.document_number(id=article_id)
            if docnum is None:
                return None
            return run_similar(opened, docnum, options, exclude_duplicates)

    def warm_up(self) -> None:
        """Open the live generation and read what every search needs, so that the first search costs what the
        next ones do (a server calls it before it listens): the columns, and the snippets' alphabet."""
        with self._reading():
            self._readers.opened().arrays().read_columns(field.name for field in FIELDS)
        prepare_snippets()

    def document_count(self) -> int:
        """How many articles the live generation holds."""
        with self._reading():
            return self.open_whoosh().doc_count()

    def complete(self, text: str, count: int = MAX_COMPLETIONS) -> dict:
        """Completions of the last word of text, most frequent first (suggest.complete)."""
        with self._reading():
            return complete(self._readers.opened().arrays(), text, count)

    def drop_caches(self) -> None:
        """Forget the posting lists and documents searches decoded (up to cache_sizes.POSTINGS_BUDGET_MB of postings).

        The next search decodes what it needs again, with the same results.
        """
        self._readers.drop_caches()

    def article(self, article_id: str, query: str | None = None) -> ArticleView | None:
        """One whole article, highlighted for an optional query, or None when no such id."""
        synonyms = self.synonyms()
        with self._reading(), self.open_whoosh().searcher() as searcher:
            fields = searcher.document(id=article_id)
        return article_view(fields, query, synonyms=synonyms) if fields else None

    def synonyms(self) -> Synonyms:
        """The shipped synonyms and the rules of the folder's own synonyms.txt, if any (read again when it changes).

        A bad line of that file raises SynonymsError naming the file and the line.
        """
        path = self.path / USER_FILE
        try:
            stat = path.stat()
            stamp = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        except FileNotFoundError:
            stamp = None
        if self._synonyms is None or self._synonyms[0] != stamp:
            rules = merged(default_synonyms(), read_synonyms(path)) if stamp else default_synonyms()
            self._synonyms = (stamp, rules)
        return self._synonyms[1]

    @contextmanager
    def _reading(self):
        """Turn what a damaged file raises deep inside Whoosh into one line naming the index."""
        try:
            yield
        except DAMAGE_ERRORS as error:
            raise IndexDamagedError(f"{self.path}: the index cannot be read ({type(error).__name__}: "
                                    f"{str(error)[:80]}); repair it: index") from error

    def stats(self) -> IndexStats:
        """Documents, sources, date range, size on disk, seeds folder and last update of the live generation.

        Works on an index of an older format too: it says which format it is.
        """
        with self._reading():
            ix = self._open_live()
            gen_dir = index_folder(ix)
            with ix.searcher() as searcher:
                sources: dict[str, int] = {}
                dates = []
                for fields in searcher.all_stored_fields():
                    if fields.get("source"):
                        sources[fields["source"]] = sources.get(fields["source"], 0) + 1
                    if fields.get("date"):
                        dates.append(fields["date"])
                documents = searcher.doc_count()
            segments = segment_count(ix)
        size = sum(f.stat().st_size for f in gen_dir.iterdir() if f.is_file())
        settings = self.settings() or FolderSettings(FORMAT_VERSION)
        problems = _read_problems(gen_dir)
        return IndexStats(
            path=str(self.path), documents=documents,
            sources=dict(sorted(sources.items(), key=lambda item: -item[1])),
            first_date=min(dates).isoformat(sep=" ") if dates else None,
            last_date=max(dates).isoformat(sep=" ") if dates else None,
            size_bytes=size,
            last_update=dt.datetime.fromtimestamp((gen_dir / MANIFEST_FILE).stat().st_mtime).isoformat(
                sep=" ", timespec="seconds"),
            segments=segments,
            seeds=settings.seeds,
            seeds_missing=settings.seeds is not None and not Path(settings.seeds).is_dir(),
            format=settings.format,
            errors=sum(problem.is_error for problem in problems),
            warnings=sum(not problem.is_error for problem in problems),
        )

    # ----- updating ------------------------------------------------------

    def update(self, seeds_dir: Path | str | None = None, full: bool = False,
               progress: ProgressCallback | None = None, lock_wait: float | None = None,
               follow_links: bool | None = None) -> UpdateSummary:
        """Bring the index in step with its seeds folder and say what changed.

        Without seeds_dir, the folder the index follows (a new index:
        default_seeds_dir()). A seeds_dir other than that folder switches
        the index to it, which summary.switched_from and summary.removed
        report; files with the same relative path and content count as
        unchanged, so a seeds folder that was moved or copied costs no
        rebuild. Incremental unless ``full``, no index yet, or a live
        generation that is damaged or of an older format
        (summary.rebuilt_because). ``follow_links`` (remembered
        too) lets the seeds folder's links reach files outside it.

        Raises IndexBusyError when another process holds the update lock
        longer than lock_wait seconds (default: lock_wait_seconds()),
        SeedsError when the seeds folder is unusable, IndexUpdateError when
        writing failed (the index is then as it was).
        """
        started = time.perf_counter()
        created = self._claim_folder()
        try:
            with self._update_lock(lock_wait_seconds() if lock_wait is None else lock_wait):
                summary = self._update_locked(seeds_dir, full, progress, follow_links)
        except BaseException:
            if created:
                self._remove_created_folder()
            raise
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary

    def _update_locked(self, seeds_dir, full: bool, progress, follow_links: bool | None) -> UpdateSummary:
        settings = self.settings()
        existed = self.exists()
        if settings.format > FORMAT_VERSION:
            self._check_format()  # a layout this code does not know: never written over, even by --full
        seeds = self._seeds_to_read(seeds_dir, settings, existed)
        follow = settings.follow_links if follow_links is None else follow_links
        self._remove_leftovers()
        switched_from = settings.seeds if existed and settings.seeds and not same_folder(seeds, settings.seeds) else None
        rebuilt_because = None
        if existed and settings.format < FORMAT_VERSION:
            rebuilt_because = f"written by an older version (format {settings.format}; this one writes {FORMAT_VERSION})"
        elif existed and not full:
            rebuilt_because = self.verify()
        files, problems = scan(seeds, follow_links=follow)
        previous_problems = self._problems_or_none()
        # Recorded before the work: an update killed now leaves the folder the user asked for, not the old one.
        self._write_settings(FolderSettings(settings.format if existed else FORMAT_VERSION,
                                            os.path.abspath(seeds), follow))
        if full or rebuilt_because or not existed:
            summary = self._build_generation(seeds, files, progress, follow)
        else:
            summary = self._update_generation(seeds, files, progress, follow)
        if settings.format != FORMAT_VERSION:
            self._write_settings(FolderSettings(FORMAT_VERSION, os.path.abspath(seeds), follow))
        summary.problems[:0] = problems
        self._record_problems(summary, previous_problems)
        summary.seeds = os.path.abspath(seeds)
        summary.switched_from = switched_from
        summary.rebuilt_because = rebuilt_because
        summary.created = not existed
        return summary

    def _seeds_to_read(self, seeds_dir, settings: FolderSettings | None, existed: bool) -> Path:
        """seeds_dir if given, else the folder the index follows, else (a new index) the default."""
        if seeds_dir is not None:
            return Path(seeds_dir)
        if settings is not None and settings.seeds:
            if not Path(settings.seeds).is_dir():
                raise SeedsError(f"the seeds folder {settings.seeds} of {self.path} does not exist; to switch "
                                 f"the index to another folder: index --seeds DIR --index {self.path}")
            return Path(settings.seeds)
        if existed:
            raise IndexFolderError(f"{self.path} does not record the seeds folder it was built from (written by "
                                   f"an older version); give it once: index --seeds DIR --index {self.path}")
        return default_seeds_dir()

    def _write_settings(self, settings: FolderSettings) -> None:
        if settings != self.settings():
            write_durably(self.path / MARKER, settings.to_json())

    def _problems_or_none(self) -> set[tuple] | None:
        """The live generation's problems as comparable keys, or None without a live generation."""
        try:
            return {_problem_key(problem) for problem in self.problems()}
        except (OSError, IndexFolderError):
            return None

    def _record_problems(self, summary: UpdateSummary, previous: set[tuple] | None) -> None:
        """Keep the problems with the generation, and tell the ones the previous update did not report."""
        known = previous or set()
        summary.new_problems = [problem for problem in summary.problems if _problem_key(problem) not in known]
        gen_dir = self.generation_dir()
        if previous is None or {_problem_key(problem) for problem in summary.problems} != previous \
                or not (gen_dir / PROBLEMS_FILE).is_file():
            write_json_durably(gen_dir / PROBLEMS_FILE, [asdict(problem) for problem in summary.problems])

    def _claim_folder(self) -> bool:
        """Create the index folder with its marker, or refuse a folder that is not ours; True if created here."""
        if self.path.exists() and not self.path.is_dir():
            raise IndexFolderError(f"{self.path}: exists and is not a folder")
        if self.path.is_dir() and not (self.path / MARKER).is_file():
            if any(self.path.iterdir()):
                raise IndexFolderError(f"{self.path}: folder is not empty and is not an index; refusing to use it")
        created = not self.path.exists()
        self.path.mkdir(parents=True, exist_ok=True)
        marker = self.path / MARKER
        if not marker.is_file():
            write_durably(marker, FolderSettings(FORMAT_VERSION).to_json())
        return created

    def _remove_created_folder(self) -> None:
        """After a first build that failed: remove the folder it created, if it holds only our names."""
        if self.exists():
            return
        ours = {MARKER, "update.lock", "CURRENT.tmp", MARKER + ".tmp"}
        try:
            entries = list(self.path.iterdir())
        except OSError:
            return
        if all(entry.name in ours or GENERATION.fullmatch(entry.name) for entry in entries):
            shutil.rmtree(self.path, ignore_errors=True)

    @contextmanager
    def _update_lock(self, wait: float):
        """Hold the folder's update lock; wait a while for another updater, then give up clearly.

        flock belongs to the open file, so a killed updater's lock goes with
        it: the file left on disk is never a stale lock. Processes forked
        while it is held let go of it (see _let_go_in_child).
        """
        lock_path = self.path / "update.lock"
        with open(lock_path, "a+") as handle:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as error:
                    if error.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise IndexBusyError(
                            f"{self.path}: another index update is still running after {wait:g}s of waiting; "
                            "try again when it ends"
                        ) from None
                    time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
            _LOCKS_HELD[handle.fileno()] = os.getpid()
            try:
                yield
            finally:
                del _LOCKS_HELD[handle.fileno()]
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _remove_leftovers(self) -> None:
        """Remove what a killed update left behind; called with the update lock held.

        Only names this module or Whoosh create are touched, inside a folder
        carrying the marker: generations newer than the live one (a rebuild
        that never switched) or older than the previous one, CURRENT.tmp,
        and the live generation's temporary and uncommitted files.
        """
        try:
            live = self._live_name()
        except IndexFolderError:
            return  # CURRENT names no generation: nothing can be told apart; index --full replaces it
        numbers = sorted(number for number, _ in self._generations())
        live_number = int(GENERATION.fullmatch(live).group(1)) if live else None
        older = [number for number in numbers if live_number is not None and number < live_number]
        keep = {live_number, older[-1] if older else None}
        for number, gen_dir in self._generations():
            if number not in keep:
                shutil.rmtree(gen_dir, ignore_errors=True)
        (self.path / "CURRENT.tmp").unlink(missing_ok=True)
        if live:
            _remove_uncommitted(self.path / live)

    def _generations(self) -> list[tuple[int, Path]]:
        """(number, folder) of every generation folder; symlinks and other names are not ours."""
        found = []
        for entry in self.path.iterdir():
            match = GENERATION.fullmatch(entry.name)
            if match and entry.is_dir() and not entry.is_symlink():
                found.append((int(match.group(1)), entry))
        return found

    def _build_generation(self, seeds: Path, files: list[SeedFile],
                          progress: ProgressCallback | None, follow_links: bool) -> UpdateSummary:
        """Build every file into a new generation, then switch CURRENT to it."""
        previous_ids = {i for entry in self._manifest_or_empty().values() for i in entry["ids"]}
        gen_dir = self._new_generation_dir()
        summary = UpdateSummary(full=True)
        manifest: dict = {}
        try:
            ix = create_index(gen_dir)
            writer = open_writer(ix, **FULL_BUILD_WRITER)
        except BaseException as error:
            shutil.rmtree(gen_dir, ignore_errors=True)
            if _is_write_failure(error):
                raise _update_error(self.path, error) from None
            raise
        run = _Run(seeds, writer, owners={}, replacing=False, follow_links=follow_links)
        try:
            for done, seed in enumerate(files, 1):
                entry = run.index_file(seed)
                if entry is not None:
                    manifest[seed.path] = entry
                    summary.files_changed += 1
                if progress:
                    progress(done, len(files))
            writer.commit(optimize=False)
            _write_manifest(gen_dir, manifest, sync_commit(gen_dir))
        except BaseException as error:
            abandon(writer)
            shutil.rmtree(gen_dir, ignore_errors=True)
            if _is_write_failure(error):
                raise _update_error(self.path, error) from None
            raise
        run.summarize(summary, previous_ids)
        self._switch_to(gen_dir)
        return summary

    def _update_generation(self, seeds: Path, files: list[SeedFile],
                           progress: ProgressCallback | None, follow_links: bool) -> UpdateSummary:
        """Apply only what changed since the manifest to the live generation, in one commit.

        Files are read in path order; reading one can send a later file to
        be read again (it lost an id to this one, or may now get one this
        one dropped), so the files to read are a heap, not a list.

        When the manifest does not describe the live commit (an update was
        killed between the two), the index may hold more than the manifest
        says: every file whose size or time changed is then read again,
        even if its hash did not (it may have been put back as it was), and
        no .jsonl file is read on from where the manifest says its last read ended.
        """
        gen_dir = self.generation_dir()
        old_manifest, commit = self._recorded()
        ix = self._open_live()
        recorded = commit == toc_name(ix)
        manifest = dict(old_manifest)
        summary = UpdateSummary()
        seeds_by_path = {seed.path: seed for seed in files}
        stored_problems: dict[str, list[Problem]] = {}
        digests: dict[str, str] = {}
        to_read: list[str] = []
        for seed in files:
            entry = old_manifest.get(seed.path)
            if entry is None:
                to_read.append(seed.path)
                continue
            if entry["size"] != seed.size or entry["mtime_ns"] != seed.mtime_ns:
                try:
                    digest = file_hash(seeds, seed.path, follow_links=follow_links)
                except OSError as error:  # keep what was indexed; try again next time
                    stored_problems[seed.path] = [Problem(seed.path, f"cannot read: {error.strerror}")]
                    continue
                if digest != entry["sha256"] or not recorded:
                    digests[seed.path] = digest
                    to_read.append(seed.path)
                    continue
                manifest[seed.path] = dict(entry, size=seed.size, mtime_ns=seed.mtime_ns)
            stored_problems[seed.path] = [Problem(**known) for known in entry.get("problems", ())]
        deleted = [path for path in old_manifest if path not in seeds_by_path]
        if not to_read and not deleted:
            if manifest != old_manifest:
                _write_manifest(gen_dir, manifest, commit)
            summary.files_unchanged = len(manifest)
            summary.unchanged = sum(len(entry["ids"]) for entry in manifest.values())
            summary.problems = [problem for path in sorted(stored_problems) for problem in stored_problems[path]]
            return summary

        owners = {i: path for path, entry in old_manifest.items() for i in entry["ids"]}
        shadowing: dict[str, set[str]] = {}  # id -> files that hold it but lost it to an earlier file
        for path, entry in old_manifest.items():
            for article_id in entry.get("shadowed", ()):
                shadowing.setdefault(article_id, set()).add(path)
        previous_ids = set(owners)
        reading = sum(seeds_by_path[path].size for path in to_read)
        try:
            writer = open_writer(ix, procs=2 if reading >= PARALLEL_UPDATE_BYTES else 1, **UPDATE_WRITER)
        except OSError as error:
            raise _update_error(self.path, error) from None
        run = _Run(seeds, writer, owners, follow_links=follow_links)
        heapq.heapify(to_read)
        read: set[str] = set()
        disturbed: set[str] = set()  # files read because another file took or freed one of their ids

        def read_again(path: str) -> None:
            heapq.heappush(to_read, path)
            disturbed.add(path)

        def release(article_ids) -> None:
            """Ids nobody holds any more go to the first later file that has them."""
            for article_id in article_ids:
                if article_id not in owners:
                    for path in shadowing.get(article_id, ()):
                        if path in seeds_by_path and path not in read:
                            read_again(path)

        try:
            for path in deleted:
                writer.delete_by_term("path", path)
                gone = manifest.pop(path)["ids"]
                for article_id in gone:
                    owners.pop(article_id, None)
                release(gone)
                summary.files_removed += 1
            while to_read:
                path = heapq.heappop(to_read)
                if path in read:
                    continue
                read.add(path)
                previous = old_manifest.get(path)
                # Read on from the last read only if nothing but this file's own bytes changed for it.
                appended = recorded and path in digests and path not in disturbed
                entry = run.index_file(seeds_by_path[path], digests.get(path), previous, appended)
                stored_problems.pop(path, None)
                if entry is not None:
                    manifest[path] = entry
                    summary.files_changed += 1
                release(previous["ids"] if previous else ())
                for evicted in run.take_evicted():
                    if evicted not in read:
                        read_again(evicted)
                if progress:
                    progress(len(read), len(read) + len(set(to_read) - read))
            run.close()
            writer.commit()
        except BaseException as error:
            run.close()
            abandon(writer)
            _remove_uncommitted(gen_dir)
            if _is_write_failure(error):
                raise _update_error(self.path, error) from None
            raise
        try:
            _write_manifest(gen_dir, manifest, sync_commit(gen_dir))
        except OSError as error:
            # Committed but not recorded: the next update reads these files again (see the docstring).
            raise _update_error(self.path, error, committed=True) from None
        summary.files_unchanged = len(manifest) - summary.files_changed
        run.summarize(summary, previous_ids, stored_problems)
        return summary

    def _manifest_or_empty(self) -> dict:
        """The live manifest, or {} when the live generation is missing or unreadable (a rebuild needs none)."""
        try:
            return self.manifest()
        except (OSError, ValueError, IndexFolderError):
            return {}

    def _new_generation_dir(self) -> Path:
        """A fresh, empty generation folder numbered after every existing one."""
        numbers = [number for number, _ in self._generations()]
        gen_dir = self.path / f"gen-{max(numbers, default=0) + 1:06d}"
        gen_dir.mkdir()
        return gen_dir

    def _switch_to(self, gen_dir: Path) -> None:
        """Point CURRENT at gen_dir atomically and durably, then drop generations older than the previous one.

        The previous generation is kept one round: a searcher that opened
        it a moment ago can finish reading.
        """
        try:
            previous = self._live_name()
        except IndexFolderError:
            previous = None  # a damaged CURRENT: this rebuild replaces it
        write_durably(self.path / "CURRENT", (gen_dir.name + "\n").encode("utf-8"))
        for _, old in self._generations():
            if old.name not in (gen_dir.name, previous):
                shutil.rmtree(old, ignore_errors=True)


def document_fields(article: Article) -> dict:
    """The Whoosh fields of one article: its title and body at every analysis level, and its metadata."""
    fields = {"id": article.id, "path": article.path}
    for text_field in TEXT_FIELDS:
        text = getattr(article, text_field)
        for level in LEVELS:
            fields[level.field(text_field)] = text
    for name in ("url", "date", "source", "author"):
        value = getattr(article, name)
        if value:
            fields[name] = value
    return fields


def record_digest(fields: dict) -> bytes:
    """A hash of a document's fields (document_fields): two documents with one digest are the same document.

    Each value is hashed with its name and length, so no two different
    sets of fields run together into the same bytes.
    """
    hasher = hashlib.blake2b(digest_size=DIGEST_BYTES)
    for name in sorted(fields):
        value = str(fields[name]).encode("utf-8")
        hasher.update(f"{name}:{len(value)}:".encode("utf-8"))
        hasher.update(value)
    return hasher.digest()


def is_jsonl(path: str) -> bool:
    """A JSON Lines dump: updated record by record (see the module docstring)."""
    return path.lower().endswith(".jsonl")


@dataclass
class _FileRead:
    """What reading one file gave: the ids it holds, the ids earlier files hold, its problems."""

    ids: list[str] = field(default_factory=list)
    shadowed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    read_any: bool = False  # an article was read, whoever holds its id


class _Run:
    """One update's Whoosh writer and its bookkeeping: who holds which id, what was written.

    ``owners`` maps every id in the index to the file it comes from; the
    first file in path order holding an id keeps it (see the module
    docstring).
    """

    def __init__(self, seeds: Path, writer, owners: dict[str, str], replacing: bool = True,
                 follow_links: bool = False):
        self.seeds = seeds
        self.follow_links = follow_links  # sources.scan's: links out of the seeds folder are read
        self.writer = writer
        self.owners = owners
        self.replacing = replacing  # False in a new generation: no old documents to delete
        self.written: set[str] = set()  # ids added by this run
        self.problems: dict[str, list[Problem]] = {}  # path -> problems of the files read
        self.evicted: set[str] = set()  # later files that lost an id to the file just read
        self._committed = None  # a reader of the documents committed before this run, opened when needed

    def index_file(self, seed: SeedFile, digest: str | None = None, previous: dict | None = None,
                   appended: bool = False) -> dict | None:
        """Write one file's articles; its manifest entry, or None to keep the old one (``previous``).

        The hash is taken before reading: if the file changes meanwhile, the
        manifest holds an older hash than what was indexed, and the next
        update reads the file again (the other order would miss the change).
        A file that cannot be read, or has nothing left to read, keeps what
        was indexed from it and is reported until fixed. In a live
        generation a .jsonl file is compared with the index record by
        record; ``appended`` says that, as far as the caller knows, only
        the file's own bytes changed, so if it only gained lines those
        lines alone are read.
        """
        path = seed.path
        if digest is None:
            try:
                digest = file_hash(self.seeds, path, follow_links=self.follow_links)
            except OSError as error:
                self.problems[path] = [Problem(path, f"cannot read: {error.strerror}")]
                return None
        before = previous["ids"] if previous else ()
        if not (self.replacing and is_jsonl(path)):
            return self.index_whole(seed, digest, before)
        earlier = previous.get("read") if previous and appended else None
        opened = open_appended(self.seeds, path, earlier, follow_links=self.follow_links) \
            if isinstance(earlier, dict) else None
        if opened is not None:
            return self.index_appended(seed, digest, previous, *opened)
        return self.index_records(seed, digest, before)

    def index_whole(self, seed: SeedFile, digest: str, before) -> dict | None:
        """Read the whole file and write all its articles; in a live generation, its old documents go."""
        path = seed.path
        cursor = JsonlCursor() if is_jsonl(path) else None
        self._let_go(path, before)
        read = self._read(path, iter_articles(self.seeds, path, follow_links=self.follow_links, cursor=cursor),
                          self._add)
        if self._keeps_old(read, path, before):
            return None
        if self.replacing:
            # The old version goes: deletions reach only the segments committed
            # before this writer, never the documents just added. Done even for
            # a file the manifest does not know: an update killed between its
            # commit and its manifest left its documents behind.
            self.writer.delete_by_term("path", path)
        return self._entry(seed, digest, read, cursor)

    def index_records(self, seed: SeedFile, digest: str, before) -> dict | None:
        """Read a whole .jsonl file; write only the records not indexed as they are, delete only what no record matches.

        What is indexed from the file is taken from the committed documents
        themselves (their path and digest), not from the manifest, so
        documents an update left behind when it was killed between its
        commit and its manifest are matched or deleted like any other.
        """
        path = seed.path
        cursor = JsonlCursor()
        live, surplus = self._live_documents(path)

        def keep(article: Article) -> None:
            fields = self._fields(article)
            if live.pop(fields[DIGEST_FIELD], None) is None:
                self._write(fields)

        self._let_go(path, before)
        read = self._read(path, iter_articles(self.seeds, path, follow_links=self.follow_links, cursor=cursor), keep)
        if self._keeps_old(read, path, before):
            return None
        for docnum in [*live.values(), *surplus]:
            self.writer.delete_document(docnum)
        return self._entry(seed, digest, read, cursor)

    def index_appended(self, seed: SeedFile, digest: str, previous: dict, items, cursor: JsonlCursor) -> dict:
        """Write the records of the lines a .jsonl file gained; what was indexed from its other lines stays.

        Sound only while the manifest describes the live commit and no
        other file changed who holds one of this file's ids: the caller
        checks both (Index._update_generation). Its ids stay held by it,
        so a new line repeating one is a duplicate within the file, as a
        whole read would find it.
        """
        path = seed.path
        read = self._read(path, items, self._add)
        read.ids[:0] = previous["ids"]
        read.shadowed[:0] = previous.get("shadowed", ())
        read.problems[:0] = [Problem(**known) for known in previous.get("problems", ())]  # those of its old lines
        return self._entry(seed, digest, read, cursor)

    def _read(self, path: str, items, keep: Callable[[Article], None]) -> _FileRead:
        """Go through a file's items: keep each article whose id the file holds, report the rest."""
        read = _FileRead()
        for item in items:
            if isinstance(item, Problem):
                read.problems.append(item)
                continue
            read.read_any = True
            if self._claim(item, path, read):
                keep(item)
                read.ids.append(item.id)
        self.problems[path] = read.problems
        return read

    def _claim(self, article: Article, path: str, read: _FileRead) -> bool:
        """Whether the file at path holds the article's id: the first file in path order does."""
        owner = self.owners.get(article.id)
        if owner == path:
            read.problems.append(Problem(path, f"duplicate id {article.id!r} within the file; kept the first",
                                         severity=WARNING))
            return False
        if owner is not None and owner < path:
            read.problems.append(Problem(path, f"duplicate id {article.id!r} (already indexed from {owner}); "
                                               "skipped", severity=WARNING))
            read.shadowed.append(article.id)
            return False
        if owner is not None:
            self.evicted.add(owner)  # a later file: it is read again and reports its copy
        self.owners[article.id] = path
        return True

    def _let_go(self, path: str, before) -> None:
        """Before a file is read again: the ids it held are free, for it or for an earlier file to take."""
        for article_id in before:
            if self.owners.get(article_id) == path:
                del self.owners[article_id]

    def _keeps_old(self, read: _FileRead, path: str, before) -> bool:
        """A file that could not be read, or gave nothing but problems, keeps the ids it held (and their documents)."""
        if read.read_any or not read.problems or not before:
            return False
        for article_id in before:
            self.owners.setdefault(article_id, path)
        return True

    def _fields(self, article: Article) -> dict:
        """The document of an article; one from a .jsonl record with its digest."""
        fields = document_fields(article)
        if is_jsonl(article.path):
            fields[DIGEST_FIELD] = record_digest(fields)
        return fields

    def _add(self, article: Article) -> None:
        self._write(self._fields(article))

    def _write(self, fields: dict) -> None:
        self.writer.add_document(**fields)
        self.written.add(fields["id"])

    def _live_documents(self, path: str) -> tuple[dict[bytes, int], list[int]]:
        """The committed documents of a file: digest -> document number, and any further one of the same digest."""
        if self._committed is None:
            self._committed = self.writer.reader()  # numbered as writer.delete_document numbers them
        live: dict[bytes, int] = {}
        surplus: list[int] = []
        for segment, offset in self._committed.leaf_readers():
            if ("path", path) not in segment:
                continue
            digests = segment.column_reader(DIGEST_FIELD, translate=False)
            for docnum in segment.postings("path", path).all_ids():  # deleted documents left out
                if digests[docnum] in live:
                    surplus.append(offset + docnum)
                else:
                    live[digests[docnum]] = offset + docnum
        return live, surplus

    def _entry(self, seed: SeedFile, digest: str, read: _FileRead, cursor: JsonlCursor | None) -> dict:
        """The manifest entry of a file just read."""
        entry = {
            "size": seed.size,
            "mtime_ns": seed.mtime_ns,
            "sha256": digest,
            "ids": read.ids,
            "shadowed": read.shadowed,
            "problems": [asdict(problem) for problem in read.problems],
        }
        if cursor is not None:
            entry["read"] = cursor.to_json()  # where an update reads on from if the file only gains lines
        return entry

    def close(self) -> None:
        """Close the reader of committed documents, before the commit replaces what it reads."""
        if self._committed is not None:
            committed, self._committed = self._committed, None
            try:
                committed.close()
            except Exception:
                pass  # only ever read: nothing of the update depends on closing it

    def take_evicted(self) -> set[str]:
        """Files that lost an id since the last call (each must be read again)."""
        evicted, self.evicted = self.evicted, set()
        return evicted

    def summarize(self, summary: UpdateSummary, previous_ids: set[str],
                  stored_problems: dict[str, list[Problem]] | None = None) -> None:
        """Fill in the article counts and every file's problems, in path order."""
        final_ids = set(self.owners)
        summary.added = len(self.written - previous_ids)
        summary.updated = len(self.written & previous_ids)
        summary.removed = len(previous_ids - final_ids)
        summary.unchanged = len(final_ids - self.written)
        problems = dict(stored_problems or {})
        problems.update(self.problems)
        summary.problems = [problem for path in sorted(problems) for problem in problems[path]]


# update.lock descriptors this process holds right now -> its pid. Module
# state, because fork is process-wide: _let_go_in_child must find them.
_LOCKS_HELD: dict[int, int] = {}


def _let_go_in_child() -> None:
    """In a child forked while an update runs (the full build's writer workers), drop the lock.

    A forked child shares the parent's open files, and with them the flock:
    when a killed updater leaves its workers behind (they wait forever for
    work), they would keep the index locked. So the child points its copy
    of the descriptor at /dev/null, and on Linux asks to be killed with its
    parent instead of lingering.
    """
    if not _LOCKS_HELD:
        return
    parent = next(iter(_LOCKS_HELD.values()))
    null = os.open(os.devnull, os.O_RDONLY)
    for descriptor in _LOCKS_HELD:
        os.dup2(null, descriptor)
    os.close(null)
    _LOCKS_HELD.clear()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux: the lock is free all the same
    if os.getppid() != parent:
        os._exit(1)  # the parent died before prctl took effect


os.register_at_fork(after_in_child=_let_go_in_child)


def lock_wait_seconds() -> float:
    """How long an update waits for another: $ARABIC_SEARCH_LOCK_WAIT, else LOCK_WAIT_SECONDS."""
    value = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not value:
        return LOCK_WAIT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"${LOCK_WAIT_ENV} must be a number of seconds, not {value!r}")
    return seconds


def _remove_uncommitted(gen_dir: Path) -> None:
    """Remove a killed writer's leftovers from a generation: temporary files, unfinished segments.

    Kept: manifest.json, seed_stats.json, commit.json, problems.json, the TOC Whoosh reads
    (the latest), the segments it lists, and Whoosh's lock file (an flock
    too: harmless once its owner is gone). Removed: *.tmp files and
    folders (ours, Whoosh's posting pools and unfinished TOCs), older TOCs
    and segment files no TOC lists.
    """
    try:
        live_toc, live_files = committed_files(gen_dir)
    except Exception:
        return  # a TOC that does not open: nothing can be told apart safely; the update rebuilds
    name = live_toc[1:].rsplit("_", 1)[0]  # _MAIN_7.toc -> MAIN
    toc_file = re.compile(rf"_{re.escape(name)}_\d+\.toc(\..*)?")
    segment_file = re.compile(rf"{re.escape(name)}_[0-9a-z]+\..+")
    keep = set(live_files)
    for entry in gen_dir.iterdir():
        stale = (
            entry.name.endswith(".tmp")
            or (toc_file.fullmatch(entry.name) and entry.name != live_toc)
            or (segment_file.fullmatch(entry.name) and entry.name not in keep)
        )
        if not stale:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def is_manifest(data) -> bool:
    """Whether data has the shape of a manifest: {"commit": TOC name, "files": files} (or, format 2, the files).

    Files map a relative path to {size, mtime_ns, sha256, ids}. No seed
    is named "commit" or "files" (a seed has an extension), so the two
    shapes cannot be mistaken for each other.
    """
    if isinstance(data, dict) and set(data) == {"commit", "files"}:
        return (data["commit"] is None or isinstance(data["commit"], str)) and _is_files(data["files"])
    return _is_files(data)


def _is_files(data) -> bool:
    """Whether data maps relative paths to {size, mtime_ns, sha256, ids}: a manifest's files."""
    if not isinstance(data, dict):
        return False
    for path, entry in data.items():
        if not (isinstance(path, str) and isinstance(entry, dict)):
            return False
        if not (isinstance(entry.get("size"), int) and isinstance(entry.get("mtime_ns"), int)
                and isinstance(entry.get("sha256"), str) and isinstance(entry.get("ids"), list)):
            return False
    return True


def _write_manifest(gen_dir: Path, files: dict, commit: str | None) -> None:
    """Record what the index holds from each file, and which commit that describes (see _Run.index_appended)."""
    write_json_durably(gen_dir / MANIFEST_FILE, {"commit": commit, "files": files})
    stats = {path: [entry["size"], entry["mtime_ns"]] for path, entry in files.items()}
    write_json_durably(gen_dir / SEED_STATS_FILE, {"manifest": _file_stamp(gen_dir / MANIFEST_FILE), "files": stats})


def _file_stamp(path: Path) -> list[int]:
    """[inode, size, mtime_ns] of a file: a manifest rewritten (a new file renamed into place) has another."""
    stat = path.stat()
    return [stat.st_ino, stat.st_size, stat.st_mtime_ns]


def _read_problems(gen_dir: Path) -> list[Problem]:
    """The problems recorded with a generation (none when it records none, as format 1 did)."""
    try:
        data = _read_json(gen_dir / PROBLEMS_FILE, default=[])
        return [Problem(**item) for item in data]
    except (OSError, ValueError, TypeError):
        return []


def _problem_key(problem: Problem) -> tuple:
    return problem.path, problem.line, problem.reason


def _is_write_failure(error: BaseException) -> bool:
    """An error of the disk or of a writer process, as opposed to a bug or an interruption."""
    return isinstance(error, (OSError, WriterProcessError))


def _update_error(index_path: Path, error: BaseException, committed: bool = False) -> IndexUpdateError:
    """One line for a failed write: what failed, and that the index is as it was (or committed, not recorded)."""
    if isinstance(error, OSError):
        what = error.strerror or str(error)
        if error.filename:
            what += f" ({Path(error.filename).name})"
    else:
        what = str(error)
    if committed:
        return IndexUpdateError(f"{index_path}: the update was committed but not recorded ({what}); "
                                "the next update reads the changed files again")
    return IndexUpdateError(f"{index_path}: the update failed ({what}); the index is as it was before it")


def _read_json(path: Path, default):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
