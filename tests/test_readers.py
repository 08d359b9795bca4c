"""What readers see, on a third of a real day of SaudiNewsNet (../shared; skipped without it).

"Did you mean" and completions in the spelling the articles write, fuzzy
words ranked nearest first, and totals that say what they count.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from search import Index
from search.engine.compile import fuzzy_ranking
from search.spelling import after_prefix

REPO = Path(__file__).resolve().parent.parent
DAY = REPO.parent / "shared" / "corpora" / "saudinewsnet" / "dataset" / "2015-07-21.zip"


@pytest.fixture(scope="module")
def news(tmp_path_factory) -> Index:
    """Every third article of 2015-07-21 (991 articles)."""
    if not DAY.is_file():
        pytest.skip("../shared/corpora/saudinewsnet is absent: these tests read real news")
    with zipfile.ZipFile(DAY) as archive:
        records = json.loads(archive.read(archive.namelist()[0]))
    folder = tmp_path_factory.mktemp("readers")
    (folder / "seeds").mkdir()
    (folder / "seeds" / "day.json").write_text(json.dumps(records[::3], ensure_ascii=False), encoding="utf-8")
    index = Index(folder / "index")
    index.update(folder / "seeds")
    return index


# ----- spelling -------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["الضرايب", "الظرائب", "الضرائبب"])
def test_did_you_mean_is_spelt_as_the_articles_write_it(news, typed):
    results = news.search(typed)
    assert results.total == 0
    assert results.suggestion == "الضرائب"  # the index's term is الضراءب


def test_completions_are_spelt_as_the_articles_write_them(news):
    completions = news.complete("زيادة الضرا")["completions"]
    assert completions[0]["text"] == "زيادة الضرائب" and completions[0]["term"] == "الضراءب"
    texts = [completion["text"] for completion in news.complete("مدر")["completions"]]
    assert "مدرسة" in texts and "مدرسه" not in texts


def test_a_completion_keeps_what_was_typed():
    assert after_prefix("الأمير", "الام") == "ير"
    assert after_prefix("مدرسة", "مدر") == "سة"


# ----- fuzzy words ------------------------------------------------------------------


def test_a_fuzzy_word_ranks_its_nearest_common_spelling_first(news):
    hits = news.search("الرياص~", limit=5).hits
    assert [hit.matches[0].original for hit in hits] == ["الرياض"] * 5  # not الريان, الرياح, الرصاص


def test_fuzzy_expansions_are_ordered_by_arabic_edit_cost_then_frequency(news):
    arrays = news._readers.opened().arrays()
    terms = arrays.terms_within("body", "الرياص", 1, prefix=1)
    ranked = fuzzy_ranking(arrays, "الرياص", "body", terms)
    assert ranked[0][0] == "الرياض"  # ص/ض look alike: half an edit
    one_edit = [text for text, _ in ranked[1:]]
    frequencies = [arrays.doc_frequency("body", text) for text in one_edit]
    assert frequencies == sorted(frequencies, reverse=True)
    factors = [factor for _, factor in ranked]
    assert factors[0] > max(factors[1:])


# ----- totals -----------------------------------------------------------------------


def test_totals_say_how_many_hold_every_word_and_how_many_some(news):
    results = news.search("الحوثي اليمن")
    both = news.search("+الحوثي +اليمن").total  # both words required
    assert 0 < results.total_all == both < results.total
    assert results.total_all + results.total_some == results.total
    data = results.to_dict()
    assert (data["total_all"], data["total_some"]) == (both, results.total - both)


def test_totals_hold_within_filters_and_when_sorted_by_date(news):
    by_date = news.search("الحوثي اليمن", sort="date", source="aawsat")
    assert by_date.total_all == news.search("+الحوثي +اليمن", source="aawsat").total
    assert by_date.total_all + by_date.total_some == by_date.total


@pytest.mark.parametrize("query", ["الحوثي", "الحوثي أو اليمن", '"المقاومة الشعبية"', "من هو الحوثي؟"])
def test_a_query_without_an_every_word_tier_gives_only_the_total(news, query):
    results = news.search(query)
    assert results.total > 0 and results.total_all is None and results.total_some is None
