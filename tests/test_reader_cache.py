"""Searches reuse one open reader, and see every update as soon as it is committed."""

from __future__ import annotations

import threading

import pytest

from search import Index


def write(seeds, name: str, title: str, body: str) -> None:
    (seeds / name).write_text(f"{title}\n{body}\n", encoding="utf-8")


@pytest.fixture
def folders(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    write(seeds, "a.txt", "افتتاح مدرسة", "افتتحت وزارة التعليم مدرسة جديدة في الرياض.")
    write(seeds, "b.txt", "مباراة الهلال", "فاز الهلال على النصر في الدوري.")
    index = Index(tmp_path / "index")
    index.update(seeds)
    return seeds, index


def ids(index: Index, query: str) -> list[str]:
    return [hit.id for hit in index.search(query).hits]


def test_searches_share_the_open_reader(folders):
    _, index = folders
    assert ids(index, "مدرسة") == ["a.txt"]
    first = index._readers.opened()
    assert ids(index, "الهلال") == ["b.txt"]
    assert index._readers.opened() is first


def test_an_incremental_update_is_seen_by_the_next_search(folders):
    seeds, index = folders
    assert ids(index, "قافلة") == []
    before = index._readers.opened()
    write(seeds, "c.txt", "قافلة", "وصلت قافلة المساعدات إلى المدينة.")
    Index(index.path).update(seeds)  # another Index object, as another process would
    assert ids(index, "قافلة") == ["c.txt"]
    assert index._readers.opened() is not before


def test_a_deleted_file_disappears_from_the_next_search(folders):
    seeds, index = folders
    assert ids(index, "الهلال") == ["b.txt"]
    (seeds / "b.txt").unlink()
    Index(index.path).update(seeds)
    assert ids(index, "الهلال") == []


def test_a_full_rebuild_is_seen_by_the_next_search(folders):
    seeds, index = folders
    assert ids(index, "مدرسة") == ["a.txt"]
    write(seeds, "a.txt", "افتتاح جامعة", "افتتحت وزارة التعليم جامعة جديدة.")
    Index(index.path).update(seeds, full=True)
    assert ids(index, "مدرسة") == []
    assert ids(index, "جامعة") == ["a.txt"]


def test_each_thread_has_its_own_reader(folders):
    _, index = folders
    mine = index._readers.opened()
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(index._readers.opened()))
    thread.start()
    thread.join()
    assert theirs[0] is not mine
    assert theirs[0].key == mine.key


def test_threads_share_one_set_of_decoded_arrays_per_generation(folders):
    seeds, index = folders
    assert ids(index, "مدرسة") == ["a.txt"]
    mine = index._readers.opened().arrays()
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(index._readers.opened().arrays()))
    thread.start()
    thread.join()
    assert theirs[0] is mine
    write(seeds, "c.txt", "قافلة", "وصلت قافلة المساعدات إلى المدينة.")
    Index(index.path).update(seeds)
    assert ids(index, "قافلة") == ["c.txt"]
    assert index._readers.opened().arrays() is not mine


def test_dropped_caches_are_decoded_again_with_the_same_results(folders):
    _, index = folders
    before = index.search("مدرسة")
    arrays = index._readers.opened().arrays()
    assert arrays._terms and arrays._documents  # the search decoded postings and a document
    index._readers.drop_caches()
    assert not arrays._terms and not arrays._documents
    again = index.search("مدرسة")
    assert [(h.id, h.score, h.snippet) for h in again.hits] == [(h.id, h.score, h.snippet) for h in before.hits]
