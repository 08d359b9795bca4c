"""Vowel-aware words (حركات:عَلِمَ, query/vowels.py) on fully diacritized Arabic text."""

from __future__ import annotations

import pytest

from conftest import index_of
from search import Index, QueryError
from search.opensearch.querydsl import to_query_dsl
from search.query.language import parse_query
from search.query.vowels import vocalized_like

ARTICLES = [
    {"id": "alima", "title": "دَرْسٌ", "date": "2015-07-21 09:00:00",
     "text": "عَلِمَ الطَّالِبُ أَنَّ الامْتِحَانَ قَرِيبٌ فَذَاكَرَ دُرُوسَهُ."},
    {"id": "ulima", "title": "خَبَرٌ", "date": "2015-07-22 09:00:00",
     "text": "عُلِمَ مِنْ مَصَادِرَ مُطَّلِعَةٍ أَنَّ الاجْتِمَاعَ تَأَجَّلَ."},
    {"id": "both", "title": "قِصَّةٌ", "date": "2015-07-23 09:00:00",
     "text": "عُلِمَ الخَبَرُ صَبَاحًا، ثُمَّ عَلِمَ بِهِ الوَزِيرُ مَسَاءً."},
    {"id": "malik", "title": "المَلِكُ", "date": "2015-07-24 09:00:00",
     "text": "اسْتَقْبَلَ المَلِكُ الوَفْدَ، وَقَالَ مَلِك البِلَادِ كَلِمَةً."},
    {"id": "malak", "title": "مَلَاكٌ", "date": "2015-07-25 09:00:00",
     "text": "رَأَى الطِّفْلُ فِي الحُلْمِ مَلَك يَطِيرُ فَوْقَ البَيْتِ."},
    {"id": "bare", "title": "بلا تشكيل", "date": "2015-07-26 09:00:00",
     "text": "علم الجميع بالخبر وقال ملك البلاد كلمة."},
]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Index:
    return index_of(tmp_path_factory.mktemp("vowels"), ARTICLES)


def ids(index, query) -> set[str]:
    return {hit.id for hit in index.search(query, limit=50).hits}


def test_without_the_operator_diacritics_are_ignored(index):
    assert ids(index, "عَلِمَ") == {"alima", "ulima", "both", "bare"}


def test_each_written_haraka_must_match_and_a_missing_one_matches_anything(index):
    assert ids(index, "حركات:عَلِمَ") == {"alima", "both", "bare"}
    assert ids(index, "vowels:عُلِمَ") == {"ulima", "both", "bare"}
    assert ids(index, "حركات:عُ") == set()


def test_malik_and_malak_are_told_apart(index):
    assert ids(index, "حركات:مَلِك") == {"malik", "bare"}
    assert ids(index, "حركات:مَلَك") == {"malak", "bare"}


def test_the_total_counts_only_the_documents_kept(index):
    results = index.search("حركات:عَلِمَ", limit=1)
    assert results.total == 3 and len(results.hits) == 1


def test_the_snippet_highlights_only_the_matching_occurrence(index):
    hit = next(hit for hit in index.search("حركات:عَلِمَ").hits if hit.id == "both")
    assert [(m.original, m.rule) for m in hit.matches] == [("عَلِمَ", "vowels")]
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["عَلِمَ"]


def test_with_other_words_the_vowel_word_is_required_and_the_others_rank(index):
    ranked = [hit.id for hit in index.search("الخبر حركات:عَلِمَ").hits]
    assert sorted(ranked[:2]) == ["bare", "both"] and ranked[2:] == ["alima"]


def test_letter_forms_still_fold_and_marks_are_compared():
    assert vocalized_like("أَكَلَ", "اَكَلَ")
    assert not vocalized_like("عُلِمَ", "عَلِمَ")
    assert vocalized_like("علم", "عَلِمَ")


@pytest.mark.parametrize("query", ["مصر OR حركات:عَلِمَ", "-حركات:عَلِمَ", "(حركات:عَلِمَ OR مصر)", "حركات:عَلِمَ-الخبر"])
def test_the_operator_is_refused_where_it_cannot_be_required(query):
    with pytest.raises(QueryError):
        parse_query(query)


def test_the_opensearch_renderer_refuses_it_clearly():
    with pytest.raises(QueryError, match="needs the local engine"):
        to_query_dsl(parse_query("حركات:عَلِمَ"))
