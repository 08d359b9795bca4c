"""TermPool, the writer's posting buffer: its spilled runs are merged without being held in memory."""

from __future__ import annotations

import tracemalloc

from whoosh.filedb.filestore import FileStorage

from search.engine.writer import TermPool


def test_a_spilled_pool_is_merged_an_entry_at_a_time(tmp_path):
    """The merge at commit holds about one term per run, not the runs: a pool that spilled to twenty
    runs merges in a small part of the memory its postings took to gather."""
    def postings():
        for docnum in range(2_000):
            for term in range(docnum % 7, 300, 7):
                yield "body", f"كلمة{term}".encode(), docnum, 1.0, docnum.to_bytes(4, "little") * 2

    tracemalloc.start()
    try:
        whole = TermPool(FileStorage(str(tmp_path)), limitmb=1024)
        for posting in postings():
            whole.add(posting)
        gathered, estimated = tracemalloc.get_traced_memory()[0], whole.size
        del whole
        spilled = TermPool(FileStorage(str(tmp_path)), limitmb=estimated / 20 / 2**20)
        for posting in postings():
            spilled.add(posting)
        assert len(spilled.runs) >= 10
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        merged = sum(1 for _ in spilled.iter_postings())
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert merged == sum(1 for _ in postings())
    assert peak < gathered / 4
