"""An Index's open reader, kept between searches and reopened when the index changes.

Opening the live generation for each search costs a millisecond or two,
and the first use of the source column (the facet counts) then reads its
whole offset table again: about 10 ms a search on the 31,030-article
index. ReaderCache keeps the reader open instead, one per thread (Whoosh
readers move shared file positions, so threads must not share one), and
opens a new one as soon as CURRENT names another generation or the live
generation has a newer TOC (an update committed). Reading CURRENT and
listing the folder costs ~80 microseconds, a tenth of a fast search, so
each search first compares two stats with the previous search's: CURRENT
(replaced by a rename, so a new inode) and the live folder (a commit adds
a TOC file, which changes its mtime). Only when one differs is the
folder read again.

A replaced reader is not closed here: another search may still be using
it. Its files close when the last searcher lets go of it.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from whoosh.searching import Searcher

from ..snippets import forget_texts
from .postings import IndexArrays

TOC_FILE = re.compile(r"_(.+)_(\d+)\.toc")


def latest_toc(gen_dir: Path) -> int:
    """The generation number of the newest TOC in a Whoosh index folder (-1 when none)."""
    latest = -1
    with os.scandir(gen_dir) as entries:
        for entry in entries:
            match = TOC_FILE.fullmatch(entry.name)
            if match:
                latest = max(latest, int(match.group(2)))
    return latest


class OpenedIndex:
    """A Whoosh index with one open reader; ``searcher()`` as Whoosh's, sharing that reader."""

    def __init__(self, key: tuple[str, int], ix, shared_arrays=None):
        self.key = key
        self.ix = ix
        self.reader = ix.reader()
        self.stamp: tuple | None = None  # ReaderCache's stats of CURRENT and the folder when last checked
        self._shared_arrays = shared_arrays  # (this) -> the IndexArrays of this generation, shared by threads
        self._arrays: IndexArrays | None = None

    def arrays(self) -> IndexArrays:
        """This generation's decoded postings, columns and documents (postings.py), made on first use."""
        if self._arrays is None:
            self._arrays = self._shared_arrays(self) if self._shared_arrays else IndexArrays(self.ix.reader())
        return self._arrays

    def searcher(self, **kwargs) -> Searcher:
        """A Searcher on the shared reader; closing it leaves the reader open."""
        return Searcher(self.reader, fromindex=self.ix, closereader=False, **kwargs)


class ReaderCache:
    """The live index of one search.Index, opened once per thread and per change on disk."""

    def __init__(self, index):
        self.index = index  # a search.store.index.Index: generation_dir() and open_whoosh()
        self.local = threading.local()
        self._arrays_lock = threading.Lock()
        self._arrays: tuple[tuple[str, int], IndexArrays] | None = None  # the latest generation's, for all threads

    def arrays(self, opened: OpenedIndex) -> IndexArrays:
        """The IndexArrays of opened's generation, one for all threads (over a reader of its own)."""
        with self._arrays_lock:
            if self._arrays is None or self._arrays[0] != opened.key:
                self._arrays = (opened.key, IndexArrays(opened.ix.reader()))
            return self._arrays[1]

    def drop_caches(self) -> None:
        """Forget the decoded postings and documents; the next search decodes what it needs again."""
        with self._arrays_lock:
            if self._arrays is not None:
                self._arrays[1].forget()
        forget_texts()

    def opened(self) -> OpenedIndex:
        """The live index, its reader open; reopened when CURRENT or the live TOC changed."""
        cached = getattr(self.local, "opened", None)
        if cached is not None and cached.stamp is not None and cached.stamp == self._stamp(cached.key[0]):
            return cached
        gen_dir = self.index.generation_dir()
        stamp = self._stamp(gen_dir.name)  # before the check: a commit after it changes the stamp again
        key = (gen_dir.name, latest_toc(gen_dir))
        if cached is None or cached.key != key:
            ix = self.index.open_whoosh()
            cached = OpenedIndex((Path(ix.storage.folder).name, ix.latest_generation()), ix, self.arrays)
            self.local.opened = cached
        cached.stamp = stamp if cached.key == key else None
        return cached

    def _stamp(self, generation: str) -> tuple | None:
        """CURRENT's inode, size and mtime and the generation folder's mtime; None when either is gone."""
        try:
            current = os.stat(os.path.join(self.index.path, "CURRENT"))
            folder = os.stat(os.path.join(self.index.path, generation))
        except OSError:
            return None
        return current.st_ino, current.st_size, current.st_mtime_ns, folder.st_mtime_ns
