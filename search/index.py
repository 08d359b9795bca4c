"""The index on disk: build it from a seeds folder, keep it in step incrementally.

Layout of an index folder::

    INDEX/.arabic-search-index   marker: only a folder carrying it is ever cleaned up
    INDEX/CURRENT                name of the live generation, replaced atomically
    INDEX/gen-000001/            a Whoosh index + manifest.json (files -> size, mtime, hash, ids)
    INDEX/update.lock            held (flock) by the one process updating

An update touches only new, changed (size+mtime, confirmed by content hash)
and deleted files. ``full=True`` builds a new generation beside the live
one and switches CURRENT only when it is complete, so a failed rebuild
leaves the old index searchable. Readers open whatever CURRENT names.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from whoosh import index as whoosh_index

from .results import ArticleView, SearchResults
from .schema import build_schema
from .searching import DEFAULT_TIME_LIMIT, SearchOptions, article_view, run_search
from .sources import Article, Problem, SeedFile, SeedsError, file_hash, read_articles, scan

MARKER = ".arabic-search-index"
FORMAT_VERSION = 1
DEFAULT_INDEX_DIR = ".index"
INDEX_ENV = "ARABIC_SEARCH_INDEX"
SEEDS_ENV = "ARABIC_SEARCH_SEEDS"
DEFAULT_SEEDS_DIR = "seeds"

# Whoosh writer settings. A full build uses both cores (procs=2 pays off only
# with multisegment=True) and a buffer large enough not to spill postings to
# disk; an incremental update stays in one process and merges small segments.
FULL_BUILD_WRITER = {"procs": 2, "multisegment": True, "limitmb": 512}
UPDATE_WRITER = {"limitmb": 256}
LOCK_WAIT_SECONDS = 30.0

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


class IndexFolderError(Exception):
    """A problem with the index folder itself; the message names the folder."""


class IndexBusyError(IndexFolderError):
    """Another process is updating this index."""


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
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        """Nothing was added, updated or removed."""
        return not (self.added or self.updated or self.removed or self.files_changed or self.files_removed)

    def to_dict(self) -> dict:
        """A JSON-ready view (the contract of ``index --json``)."""
        data = asdict(self)
        data["up_to_date"] = self.up_to_date
        data["problems"] = [asdict(problem) for problem in self.problems]
        return data


def default_index_dir() -> Path:
    """$ARABIC_SEARCH_INDEX, else ./.index."""
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX_DIR)


def default_seeds_dir() -> Path:
    """$ARABIC_SEARCH_SEEDS, else ./seeds."""
    return Path(os.environ.get(SEEDS_ENV) or DEFAULT_SEEDS_DIR)


class Index:
    """An index folder: update it from seeds, open it for searching."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path is not None else default_index_dir()

    # ----- state on disk -------------------------------------------------

    def exists(self) -> bool:
        """True when the folder holds a complete index of ours."""
        return (self.path / MARKER).is_file() and (self.path / "CURRENT").is_file()

    def generation_dir(self) -> Path:
        """The folder of the live generation."""
        if not self.exists():
            raise IndexFolderError(f"{self.path}: no index here yet (run: index)")
        name = (self.path / "CURRENT").read_text(encoding="utf-8").strip()
        return self.path / name

    def open_whoosh(self):
        """The live Whoosh index, for searching."""
        return whoosh_index.open_dir(str(self.generation_dir()))

    def manifest(self) -> dict:
        """The live generation's manifest: relative path -> {size, mtime_ns, sha256, ids}."""
        if not self.exists():
            return {}
        return _read_json(self.generation_dir() / "manifest.json", default={})

    def is_stale(self, seeds_dir: Path) -> bool:
        """True when the index is missing or a seed file differs from what it holds (size, mtime, presence)."""
        if not self.exists():
            return True
        files, _ = scan(seeds_dir)
        known = self.manifest()
        if set(known) != {seed.path for seed in files}:
            return True
        return any(
            known[seed.path]["size"] != seed.size or known[seed.path]["mtime_ns"] != seed.mtime_ns
            for seed in files
        )

    # ----- reading -------------------------------------------------------

    def search(self, query: str, limit: int = 10, page: int = 1, since=None, until=None,
               source: str | None = None, sort: str = "relevance",
               time_limit: float | None = DEFAULT_TIME_LIMIT, plain: bool = False) -> SearchResults:
        """Ranked hits for query (see query.py for the syntax); raises QueryError when malformed.

        ``plain=True`` ignores the syntax (every word a plain word), for pasted questions.
        """
        options = SearchOptions(limit, page, since, until, source, sort, time_limit, plain)
        return run_search(self.open_whoosh(), query, options)

    def article(self, article_id: str, query: str | None = None) -> ArticleView | None:
        """One whole article, highlighted for an optional query, or None when no such id."""
        with self.open_whoosh().searcher() as searcher:
            fields = searcher.document(id=article_id)
        return article_view(fields, query) if fields else None

    def stats(self) -> IndexStats:
        """Documents, sources, date range, size on disk and last update of the live generation."""
        gen_dir = self.generation_dir()
        ix = whoosh_index.open_dir(str(gen_dir))
        with ix.searcher() as searcher:
            sources: dict[str, int] = {}
            dates = []
            for fields in searcher.all_stored_fields():
                if fields.get("source"):
                    sources[fields["source"]] = sources.get(fields["source"], 0) + 1
                if fields.get("date"):
                    dates.append(fields["date"])
            documents = searcher.doc_count()
        size = sum(f.stat().st_size for f in gen_dir.iterdir() if f.is_file())
        return IndexStats(
            path=str(self.path), documents=documents,
            sources=dict(sorted(sources.items(), key=lambda item: -item[1])),
            first_date=min(dates).isoformat(sep=" ") if dates else None,
            last_date=max(dates).isoformat(sep=" ") if dates else None,
            size_bytes=size,
            last_update=dt.datetime.fromtimestamp((gen_dir / "manifest.json").stat().st_mtime).isoformat(
                sep=" ", timespec="seconds"),
            segments=len(ix._segments()),
        )

    # ----- updating ------------------------------------------------------

    def update(self, seeds_dir: Path | str | None = None, full: bool = False,
               progress: ProgressCallback | None = None) -> UpdateSummary:
        """Bring the index in step with seeds_dir and say what changed.

        Incremental unless ``full`` (or no index exists yet). Raises
        IndexBusyError when another process holds the update lock past
        LOCK_WAIT_SECONDS, SeedsError when the seeds folder is unusable.
        """
        seeds = Path(seeds_dir) if seeds_dir is not None else default_seeds_dir()
        started = time.perf_counter()
        self._claim_folder()
        with self._update_lock():
            files, problems = scan(seeds)
            if full or not self.exists():
                summary = self._build_generation(seeds, files, progress)
            else:
                summary = self._update_generation(seeds, files, progress)
        summary.problems[:0] = problems
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary

    def _claim_folder(self) -> None:
        """Create the index folder with its marker, or refuse a folder that is not ours."""
        if self.path.exists() and not self.path.is_dir():
            raise IndexFolderError(f"{self.path}: exists and is not a folder")
        if self.path.is_dir() and not (self.path / MARKER).is_file():
            if any(self.path.iterdir()):
                raise IndexFolderError(f"{self.path}: folder is not empty and is not an index; refusing to use it")
        self.path.mkdir(parents=True, exist_ok=True)
        marker = self.path / MARKER
        if not marker.is_file():
            marker.write_text(json.dumps({"format": FORMAT_VERSION}) + "\n", encoding="utf-8")

    @contextmanager
    def _update_lock(self):
        """Hold the folder's update lock; wait a while for another updater, then give up clearly."""
        lock_path = self.path / "update.lock"
        with open(lock_path, "a+") as handle:
            deadline = time.monotonic() + LOCK_WAIT_SECONDS
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as error:
                    if error.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise IndexBusyError(
                            f"{self.path}: another index update is running; try again when it ends"
                        ) from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _build_generation(self, seeds: Path, files: list[SeedFile],
                          progress: ProgressCallback | None) -> UpdateSummary:
        """Build every file into a new generation, then switch CURRENT to it."""
        previous_ids = {i for entry in self.manifest().values() for i in entry["ids"]}
        gen_dir = self._new_generation_dir()
        ix = whoosh_index.create_in(str(gen_dir), build_schema())
        summary = UpdateSummary(full=True)
        manifest: dict = {}
        owners: dict[str, str] = {}
        writer = ix.writer(**FULL_BUILD_WRITER)
        try:
            for done, seed in enumerate(files, 1):
                articles, problems = read_articles(seeds, seed.path)
                summary.problems.extend(problems)
                kept = _claim_ids(articles, seed.path, owners, summary.problems)
                for article in kept:
                    writer.add_document(**document_fields(article))
                manifest[seed.path] = _manifest_entry(seeds, seed, kept, problems)
                summary.files_changed += 1
                if progress:
                    progress(done, len(files))
            writer.commit(optimize=False)
        except BaseException:
            writer.cancel()
            shutil.rmtree(gen_dir, ignore_errors=True)
            raise
        _write_json(gen_dir / "manifest.json", manifest)
        new_ids = set(owners)
        summary.added = len(new_ids - previous_ids)
        summary.updated = len(new_ids & previous_ids)
        summary.removed = len(previous_ids - new_ids)
        self._switch_to(gen_dir)
        return summary

    def _update_generation(self, seeds: Path, files: list[SeedFile],
                           progress: ProgressCallback | None) -> UpdateSummary:
        """Apply only what changed since the manifest to the live generation."""
        gen_dir = self.generation_dir()
        old_manifest = self.manifest()
        manifest = dict(old_manifest)
        summary = UpdateSummary()
        current = {seed.path for seed in files}
        changed: list[SeedFile] = []
        for seed in files:
            entry = old_manifest.get(seed.path)
            same_stat = entry and entry["size"] == seed.size and entry["mtime_ns"] == seed.mtime_ns
            if same_stat or (entry and entry["sha256"] == file_hash(seeds, seed.path)):
                manifest[seed.path] = dict(entry, size=seed.size, mtime_ns=seed.mtime_ns)
                summary.files_unchanged += 1
                summary.unchanged += len(entry["ids"])
                summary.problems.extend(Problem(**known) for known in entry.get("problems", ()))
            else:
                changed.append(seed)
        deleted = [path for path in old_manifest if path not in current]
        if not changed and not deleted:
            if manifest != old_manifest:
                _write_json(gen_dir / "manifest.json", manifest)
            return summary

        owners = {i: path for path, entry in old_manifest.items() for i in entry["ids"]}
        ix = whoosh_index.open_dir(str(gen_dir))
        writer = ix.writer(**UPDATE_WRITER)
        try:
            for path in deleted:
                writer.delete_by_term("path", path)
                for article_id in manifest.pop(path)["ids"]:
                    owners.pop(article_id, None)
                    summary.removed += 1
                summary.files_removed += 1
            for done, seed in enumerate(changed, 1):
                before = set(old_manifest.get(seed.path, {}).get("ids", ()))
                articles, problems = read_articles(seeds, seed.path)
                summary.problems.extend(problems)
                if not articles and problems and before:
                    # An unreadable new version must not erase what was indexed.
                    summary.unchanged += len(before)
                    continue
                for article_id in before:
                    owners.pop(article_id, None)
                writer.delete_by_term("path", seed.path)
                kept = _claim_ids(articles, seed.path, owners, summary.problems)
                for article in kept:
                    writer.add_document(**document_fields(article))
                after = {article.id for article in kept}
                summary.added += len(after - before)
                summary.updated += len(after & before)
                summary.removed += len(before - after)
                manifest[seed.path] = _manifest_entry(seeds, seed, kept, problems)
                summary.files_changed += 1
                if progress:
                    progress(done, len(changed))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        _write_json(gen_dir / "manifest.json", manifest)
        return summary

    def _new_generation_dir(self) -> Path:
        """A fresh, empty generation folder numbered after every existing one."""
        numbers = [int(p.name[4:]) for p in self.path.glob("gen-*") if p.name[4:].isdigit()]
        gen_dir = self.path / f"gen-{max(numbers, default=0) + 1:06d}"
        gen_dir.mkdir()
        return gen_dir

    def _switch_to(self, gen_dir: Path) -> None:
        """Point CURRENT at gen_dir atomically, then drop generations older than the previous one.

        The previous generation is kept one round: a searcher that opened
        it a moment ago can finish reading.
        """
        previous = (self.path / "CURRENT").read_text(encoding="utf-8").strip() if self.exists() else None
        tmp = self.path / "CURRENT.tmp"
        tmp.write_text(gen_dir.name + "\n", encoding="utf-8")
        os.replace(tmp, self.path / "CURRENT")
        for old in self.path.glob("gen-*"):
            if old.name not in (gen_dir.name, previous):
                shutil.rmtree(old, ignore_errors=True)


def document_fields(article: Article) -> dict:
    """The Whoosh fields of one article: both analysis levels, metadata, stored original text."""
    fields = {
        "id": article.id,
        "path": article.path,
        "title": article.title,
        "title_stem": article.title,
        "body": article.body,
        "body_stem": article.body,
    }
    for name in ("url", "date", "source", "author"):
        value = getattr(article, name)
        if value:
            fields[name] = value
    return fields


def _claim_ids(articles: list[Article], path: str, owners: dict[str, str],
               problems: list[Problem]) -> list[Article]:
    """Keep the articles whose id no other file holds yet; report the rest.

    The rule: the first file to hold an id keeps it (files are read in
    path order, and an indexed file keeps its ids against newcomers).
    """
    kept = []
    for article in articles:
        owner = owners.get(article.id)
        if owner is not None and owner != path:
            problems.append(Problem(path, f"duplicate id {article.id!r} (already indexed from {owner}); skipped"))
            continue
        if owner == path and any(k.id == article.id for k in kept):
            problems.append(Problem(path, f"duplicate id {article.id!r} within the file; kept the first"))
            continue
        owners[article.id] = path
        kept.append(article)
    return kept


def _manifest_entry(seeds: Path, seed: SeedFile, kept: list[Article], problems: list[Problem]) -> dict:
    """What the next update compares against; a file's problems are kept to be reported again."""
    return {
        "size": seed.size,
        "mtime_ns": seed.mtime_ns,
        "sha256": file_hash(seeds, seed.path),
        "ids": [article.id for article in kept],
        "problems": [asdict(problem) for problem in problems],
    }


def _read_json(path: Path, default):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def _write_json(path: Path, data) -> None:
    """Write JSON atomically: a crash leaves the old file or the new one, never half."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)

