"""Searching: variant-insensitive words, every operator, highlights on the original text."""

from __future__ import annotations

import pytest

from conftest import index_of
from search import Index, QueryError

ARTICLES = [
    {"id": "school", "title": "افتتاح مدرسة جديدة", "source": "okaz", "date": "2015-07-21 09:00:00",
     "text": "افتتح وزير التعليم وبالمدرسةِ الجديدة احتفل الطلاب، وقال مديرُ المَدرسة إن الدروس تبدأ غداً."},
    {"id": "ahmad", "title": "لقاء مع أحمد", "source": "riyadh", "date": "2015-07-22 10:00:00",
     "text": "التقى إحمد المدير مع آلاف الزوار في المعرض، وكتب كَتَبَ الصحفيون عن مستشفى الملك فيصل."},
    {"id": "tatweel", "title": "مـــدرسة القرية", "source": "okaz", "date": "2015-08-01 08:00:00",
     "text": "تقع مـــدرسة القرية قرب المستشفي القديم، وقد تأسست عام ٢٠١٥ بدعم من الأهالي."},
    {"id": "oil", "title": "أسعار النفط", "source": "aleqtisadiya", "date": "2015-08-02 12:00:00",
     "text": "ارتفعت أسعار النفط بعد قرار منظمة أوبك، وقال المحللون إن مجلس الوزراء السعودي رحب بالقرار."},
    {"id": "council", "title": "جلسة الحكومة", "source": "riyadh", "date": "2015-08-03 12:00:00",
     "text": "عقد مجلس الوزراء جلسته الأسبوعية برئاسة الملك، وناقش الوزراء ملف التعليم والمدارس."},
    {"id": "cabinet", "title": "أخبار متفرقة", "source": "okaz", "date": "2015-08-04 12:00:00",
     "text": "اجتمع الوزراء في مجلس خاص بعيداً عن الإعلام لمناقشة الميزانية."},
    {"id": "persian", "title": "كتابة بلوحة فارسية", "source": "okaz", "date": "2015-08-05 12:00:00",
     "text": "كتب المراسل كلمة ﻻعب و\u200fمسئول وشؤون على لوحة مفاتيح فارسية: کتاب یومی."},
]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Index:
    return index_of(tmp_path_factory.mktemp("search"), ARTICLES)


def ids(index, query, **options) -> list[str]:
    return [hit.id for hit in index.search(query, limit=50, **options).hits]


# ----- variants ------------------------------------------------------------


@pytest.mark.parametrize("query", ["مدرسة", "مَدْرَسَة", "المدرسة", "مدرسه", "مـدرسة"])
def test_every_spelling_of_school_finds_every_written_form(index, query):
    assert {"school", "tatweel"} <= set(ids(index, query))


@pytest.mark.parametrize("query", ["أحمد", "احمد", "إحمد", "أَحْمَد"])
def test_hamza_forms_of_ahmad_are_one_word(index, query):
    assert set(ids(index, query)) == {"ahmad"}


def test_alef_maksura_and_yeh_are_one_letter(index):
    assert set(ids(index, "مستشفى")) == set(ids(index, "مستشفي")) == {"ahmad", "tatweel"}


def test_eastern_digits_match_western(index):
    assert ids(index, "2015") == ["tatweel"]
    assert ids(index, "٢٠١٥") == ["tatweel"]


def test_diacritized_query_finds_plain_text_and_back(index):
    assert "ahmad" in ids(index, "كتب")  # text has both كتب and كَتَبَ
    assert "oil" in ids(index, "النِّفْطُ")


def test_persian_keyboard_letters_and_ligatures(index):
    assert ids(index, "كتاب")[:1] == ["persian"]  # written کتاب with keheh (then كتب, by its root)
    assert ids(index, "لاعب") == ["persian"]  # written with the lam-alef ligature ﻻ
    assert ids(index, "مسؤول") == ["persian"]  # written مسئول
    assert ids(index, "شئون") == ["persian"]  # written شؤون


# ----- operators -------------------------------------------------------------


def test_plain_words_rank_documents_with_all_words_first(index):
    ranked = ids(index, "مجلس الوزراء الميزانية")
    assert ranked[0] == "cabinet"  # the only article with all three
    assert set(ranked) >= {"council", "oil", "cabinet"}


def test_question_style_query_never_returns_nothing(index):
    assert ids(index, "ما هي أسعار النفط في العالم اليوم؟")[0] == "oil"


def test_only_stopwords_still_finds_something(index):
    assert ids(index, "في") != []


@pytest.mark.parametrize("query", ["النفط OR الميزانية", "النفط أو الميزانية", "النفط || الميزانية"])
def test_or(index, query):
    assert set(ids(index, query)) == {"oil", "cabinet"}


@pytest.mark.parametrize("query", ["الوزراء AND الملك", "الوزراء وأيضا الملك", "+الوزراء +الملك", "الوزراء && الملك"])
def test_and(index, query):
    assert ids(index, query) == ["council"]


@pytest.mark.parametrize("query", ["الوزراء NOT الملك", "الوزراء بدون الملك", "الوزراء -الملك"])
def test_not(index, query):
    assert set(ids(index, query)) == {"oil", "cabinet"}


@pytest.mark.parametrize("query", ['"مجلس الوزراء"', "«مجلس الوزراء»"])
def test_phrase(index, query):
    assert set(ids(index, query)) == {"oil", "council"}  # cabinet has الوزراء في مجلس: not the phrase


def test_phrase_with_slop_and_near(index):
    assert "cabinet" not in ids(index, '"الوزراء مجلس"')
    assert "cabinet" in ids(index, '"الوزراء مجلس"~2')
    assert "cabinet" in ids(index, "مجلس NEAR الوزراء")
    assert "cabinet" not in ids(index, "مجلس NEAR/0 الميزانية")


def test_prefix(index):
    assert set(ids(index, "مدر*")) == {"school", "tatweel"}  # مدرسة in any form; not مدارس
    assert set(ids(index, "مدي*")) == {"school", "ahmad"}  # مديرُ, المدير
    assert ids(index, "أوب*") == ["oil"]


def test_fuzzy(index):
    assert ids(index, "اوبق~") == ["oil"]
    assert ids(index, "اوبق") == []


def test_exact_form_is_not_stemmed(index):
    assert ids(index, "=وبالمدرسة") == ["school"]
    assert "school" not in ids(index, "=مدارس")
    assert "council" in ids(index, "=والمدارس")


def test_title_and_source_filters(index):
    assert ids(index, "title:النفط") == ["oil"]
    assert set(ids(index, "الوزراء source:riyadh")) == {"council"}
    assert set(ids(index, "الوزراء", source="okaz")) == {"cabinet"}


def test_date_ranges_in_query_and_options(index):
    import datetime as dt

    assert set(ids(index, "الوزراء date:2015-08-03..2015-08-04")) == {"council", "cabinet"}
    assert set(ids(index, "الوزراء date:>2015-08-03")) == {"cabinet"}
    assert set(ids(index, "الوزراء", since=dt.datetime(2015, 8, 3))) == {"council", "cabinet"}
    assert set(ids(index, "الوزراء", until=dt.datetime(2015, 8, 2, 23, 59))) == {"oil"}


def test_sort_by_date_newest_first(index):
    assert ids(index, "مدرسة OR الوزراء", sort="date") == ["cabinet", "council", "oil", "tatweel", "school"]


@pytest.mark.parametrize("query, message", [
    ('"مجلس الوزراء', "unclosed quote"),
    ("(النفط OR الغاز", "unclosed parenthesis"),
    ("النفط OR", "needs a word after it"),
    ("AND النفط", "needs a word before it"),
    ("date:2015-13-01", "bad date"),
    ("؟؟؟", "nothing to search"),
])
def test_malformed_query_says_what_and_where(index, query, message):
    with pytest.raises(QueryError, match=message):
        index.search(query)


# ----- results ---------------------------------------------------------------


def test_highlight_lands_on_the_original_diacritized_word(index):
    hit = {h.id: h for h in index.search("مدرسة").hits}["school"]
    marked = [hit.snippet[start:end] for start, end in hit.highlights]
    assert "وبالمدرسةِ" in marked  # the whole written word, kasra included
    assert "المَدرسة" in marked


def test_why_it_matched_names_the_rule_and_the_stem_part(index):
    hit = {h.id: h for h in index.search("مدرسة").hits}["school"]
    by_word = {m.original: m for m in hit.matches}
    prefixed = by_word["وبالمدرسةِ"]
    assert prefixed.rule == "prefix"
    assert hit.snippet[prefixed.stem_start:prefixed.stem_end] == "مدرس"
    assert by_word["المَدرسة"].rule == "prefix"
    assert index.search("مَدرسة").hits[0].matches[0].rule in ("diacritics", "prefix")
    ahmad = index.search("احمد").hits[0].matches[0]
    assert (ahmad.original, ahmad.rule) == ("إحمد", "letter form")


def test_tatweel_word_highlighted_whole(index):
    hit = [h for h in index.search("مدرسة").hits if h.id == "tatweel"][0]
    assert "مـــدرسة" in [hit.snippet[s:e] for s, e in hit.highlights]


def test_hit_metadata_and_facets(index):
    results = index.search("الوزراء")
    assert results.total == 3
    assert results.facets == {"aleqtisadiya": 1, "okaz": 1, "riyadh": 1}
    hit = {h.id: h for h in results.hits}["oil"]
    assert hit.source == "aleqtisadiya" and hit.date.year == 2015 and hit.path == "news.jsonl"


def test_pagination(index):
    everything = ids(index, "الوزراء OR مدرسة")
    first = index.search("الوزراء OR مدرسة", limit=2, page=1)
    second = index.search("الوزراء OR مدرسة", limit=2, page=2)
    assert [h.id for h in first.hits + second.hits] == everything[:4]
    assert [h.rank for h in second.hits] == [3, 4]
    assert first.total == second.total == len(everything)


def test_did_you_mean(index):
    results = index.search("الوزرا")
    (hit,) = results.hits  # وزير: no form of the word, only its root
    assert [m.rule for m in hit.matches] == ["same root"]
    assert results.suggestion == "الوزراء"


def test_json_contract(index):
    data = index.search("النفط").to_dict()
    assert set(data) >= {"query", "total", "hits", "suggestion"}
    hit = data["hits"][0]
    assert set(hit) == {"rank", "id", "score", "title", "snippet", "highlights", "date", "source", "path"}
    assert hit["highlights"] and all(isinstance(s, list) and len(s) == 2 for s in hit["highlights"])
    empty = index.search("الغواصات").to_dict()
    assert empty["hits"] == [] and empty["total"] == 0


def test_negated_filters_exclude(index):
    assert set(ids(index, "الوزراء -source:riyadh")) == {"cabinet", "oil"}
    assert set(ids(index, "الوزراء NOT source:okaz")) == {"council", "oil"}
    assert set(ids(index, "الوزراء -date:2015-08-03")) == {"cabinet", "oil"}


def test_no_suggestion_for_a_word_whose_stem_is_indexed(index):
    results = index.search("أوبكها")  # this form is nowhere, but its stem اوبك is
    assert results.total == 1 and results.suggestion is None


# ----- nisba families ------------------------------------------------------

# Real SaudiNewsNet articles (alweeam, aleqtisadiya, 2015-07): the first says
# only الحوثيون, the second الحوثي and الحوثيين, the third no Houthi at all.
NISBA_ARTICLES = [
    {"id": "houthis", "title": "بالصور .. هذا ما فعله الحوثيون في اليمن .!", "source": "alweeam",
     "date": "2015-07-22 12:00:00", "text": "رابط الخبر بصحيفة الوئام: بالصور .. هذا ما فعله الحوثيون في اليمن .!"},
    {"id": "aden", "title": "بعد طرد الحوثيين .. هادي يعين نايف البكري محافظاً لعدن", "source": "alweeam",
     "date": "2015-07-23 12:00:00",
     "text": "أصدر الرئيس اليمني عبد ربه منصور هادي قراراً جمهورياً بتعيين نايف البكري كمحافظ لعدن وذلك بعد "
             "طرد ميليشيات الحوثي منها."},
    {"id": "emirates", "title": "استشهاد الإماراتي سيف الفلاسي ضمن \"إعادة الأمل\" في اليمن",
     "source": "aleqtisadiya", "date": "2015-07-21 10:41:08",
     "text": "أعلنت القوات المسلحة الإماراتية اليوم عن استشهاد أحد أبنائها البواسل أثناء تأديته واجبه الوطني "
             "ضمن القوات المشاركة في عملية إعادة الأمل للتحالف العربي للوقوف إلى جانب الحكومة الشرعية في اليمن."},
]


@pytest.fixture(scope="module")
def nisba_index(tmp_path_factory) -> Index:
    return index_of(tmp_path_factory.mktemp("nisba"), NISBA_ARTICLES)


def test_singular_nisba_finds_an_article_with_only_the_plural(nisba_index):
    assert set(ids(nisba_index, "الحوثي")) == {"houthis", "aden"}


def test_plural_nisba_finds_an_article_with_the_singular(nisba_index):
    assert set(ids(nisba_index, "الحوثيون")) == {"houthis", "aden"}


def test_not_a_nisba_excludes_its_plural_too(nisba_index):
    assert ids(nisba_index, "اليمن بدون الحوثي") == ["emirates"]
