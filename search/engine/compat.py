"""Whether the installed Whoosh is the one the engine's fast paths were written for.

The writer's posting files (writer.write_postings, ParallelWriter) and the
readers' arrays (postings.IndexArrays) use Whoosh internals: W3's block
layout, its private postings file and length columns, MpWriter's task
protocol. They were written against WRITTEN_FOR with the W3 codec. With any
other version or codec, the engine takes Whoosh's own writer and matcher
paths instead, slower but correct, and says so once per process
(a RuntimeWarning).
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import whoosh
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import W3Codec

WRITTEN_FOR = (2, 7, 5)


def mismatch() -> str | None:
    """Why the fast paths would be wrong here, or None when the installed Whoosh is the expected one."""
    installed = tuple(whoosh.__version__)
    if installed != WRITTEN_FOR:
        return (f"Whoosh {'.'.join(map(str, installed))} is installed; the fast paths were written for "
                f"{'.'.join(map(str, WRITTEN_FOR))}")
    codec = default_codec()
    if type(codec) is not W3Codec:
        return f"Whoosh's codec is {type(codec).__name__}, not W3Codec"
    return None


@lru_cache(maxsize=None)
def fast_paths() -> bool:
    """True when the fast paths may run; checked once per process, and a mismatch is said once."""
    reason = mismatch()
    if reason is None:
        return True
    warnings.warn(f"{reason}: indexing and searching use Whoosh's own paths (slower, same results)",
                  RuntimeWarning, stacklevel=2)
    return False
