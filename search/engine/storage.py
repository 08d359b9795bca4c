"""A generation folder as a Whoosh index: open it, create it, count its segments.

The store (search.store.index) manages folders, locks and manifests and
never imports Whoosh; what it needs of a Whoosh index on disk is here.
"""

from __future__ import annotations

from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError

from .schema import build_schema

# What opening a folder that holds no (readable) Whoosh index raises.
NOT_AN_INDEX = (OSError, EmptyIndexError)


def open_index(folder: Path | str, mapped: bool = True):
    """The Whoosh index in folder.

    mapped=False reads files on demand: Whoosh copies every memory-mapped
    segment file a reader opens into memory (a BytesIO over the map), which
    a pass over stored fields alone (the export) never needs.
    """
    return FileStorage(str(folder), supports_mmap=mapped).open_index()


def create_index(folder: Path | str):
    """A new, empty Whoosh index with this project's schema in an existing folder."""
    return FileStorage(str(folder)).create().create_index(build_schema())


def index_folder(ix) -> Path:
    """The folder a Whoosh index lives in."""
    return Path(ix.storage.folder)


def segment_ids(ix) -> set[str]:
    """The ids of the segments of the index's latest commit (each names its files: _MAIN_<id>.*)."""
    return {segment.segment_id() for segment in ix._segments()}


def segment_count(ix) -> int:
    """How many segments the index's latest commit has."""
    return len(ix._segments())
