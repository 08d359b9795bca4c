"""A prefix word's cost is bounded: its most frequent completions, up to a postings budget; the article alone is refused.

On one day of SaudiNewsNet, indexed in two updates (several segments, so a
term's frequency is summed over both).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from search import Index, QueryError
from search.engine import postings
from search.engine.compile import to_whoosh
from search.query import plan
from search.query.language import parse_query

REPO = Path(__file__).resolve().parent.parent
DAY = REPO.parent / "shared" / "corpora" / "saudinewsnet" / "dataset" / "2015-07-21.zip"
UNBOUNDED = 10**9


@pytest.fixture(scope="module")
def news(tmp_path_factory) -> Index:
    """One day of SaudiNewsNet (2,972 articles), half in a first update and half in a second."""
    if not DAY.is_file():
        pytest.skip("../shared/corpora/saudinewsnet is absent: the prefix tests need a day of real news")
    folder = tmp_path_factory.mktemp("news")
    (folder / "seeds").mkdir()
    with zipfile.ZipFile(DAY) as archive:
        records = json.loads(archive.read(archive.namelist()[0]))
    index = Index(folder / "index")
    for name, half in zip(("a.json", "b.json"), (records[:len(records) // 2], records[len(records) // 2:])):
        (folder / "seeds" / name).write_text(json.dumps(half, ensure_ascii=False), encoding="utf-8")
        index.update(folder / "seeds")
    return index


def unbounded(monkeypatch) -> None:
    """Lift every expansion budget: a prefix then stands for all its completions."""
    for name in ("MAX_EXPANSIONS", "MAX_QUERY_EXPANSIONS", "PREFIX_POSTINGS"):
        monkeypatch.setattr(plan, name, UNBOUNDED)
    monkeypatch.setattr(postings, "MAX_EXPANSION_KEPT", UNBOUNDED)


@pytest.mark.parametrize("prefix", ["الم", "مست", "حضو"])
def test_prefix_frequencies_are_whooshs_document_frequencies(news, prefix):
    arrays = news._readers.opened().arrays()
    assert len(arrays.segments) > 1  # a frequency is summed over the segments
    with news.open_whoosh().reader() as reader:
        for field in ("body", "title_stem"):
            expected = {term.decode("utf-8"): reader.doc_frequency(field, term)
                        for term in reader.expand_prefix(field, prefix)}
            found = arrays.prefix_frequencies(field, prefix)
            assert found.count == len(expected) > 0
            assert dict(found.terms) == expected
            frequencies = [frequency for _, frequency in found.terms]
            assert frequencies == sorted(frequencies, reverse=True)


def test_a_three_letter_prefix_reads_its_most_frequent_completions_within_the_budget(news):
    arrays = news._readers.opened().arrays()
    compiled = to_whoosh(parse_query("الم*"), arrays)
    chosen = {text for field, text in compiled.query.iter_all_terms() if field == "body"}
    frequencies = dict(arrays.prefix_frequencies("body", "الم").terms)
    assert len(frequencies) > 10 * len(chosen)  # the day's body holds thousands of الم… words
    assert sum(frequencies[text] for text in chosen) <= plan.PREFIX_POSTINGS
    assert "المملكه" in chosen  # the kingdom, in hundreds of the day's articles
    least_chosen = min(frequencies[text] for text in chosen)
    assert all(frequency <= least_chosen for text, frequency in frequencies.items() if text not in chosen)
    results = news.search("الم*")
    assert results.total > 1000 and not results.partial
    (note,) = results.notes
    assert note.startswith("الم*: its ") and "rarer ones are left out" in note
    assert results.to_dict()["notes"] == [note]


def test_a_prefix_within_the_budget_is_not_bounded(news):
    results = news.search("حضو*")
    assert results.total > 50 and results.notes == []


def test_a_bounded_prefix_ranks_the_unbounded_top_hits_first(news, monkeypatch):
    """With 5,000 postings a field, الر* (the day's الرياض, الرءيس, ...) keeps the top 3 of all its completions."""
    monkeypatch.setattr(plan, "PREFIX_POSTINGS", 5_000)
    bounded = news.search("الر*", limit=10, time_limit=None)
    assert bounded.notes
    unbounded(monkeypatch)
    everything = Index(news.path).search("الر*", limit=10, time_limit=None)  # its own memos
    assert not everything.notes
    assert [hit.id for hit in bounded.hits[:3]] == [hit.id for hit in everything.hits[:3]]


@pytest.mark.parametrize("query", ["ال*", "وال*", "بال*", "title:لل*", "مدرسة ال*"])
def test_a_prefix_that_is_only_the_article_is_refused_with_a_note(news, query):
    with pytest.raises(QueryError, match=r"is only the article or a clitic, which most words start with: "
                                         r"add a letter of the word"):
        news.search(query)
