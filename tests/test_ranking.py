"""Ranking on a small real index: which of two articles comes first, and why.

Each test pairs articles that differ in one respect only (the form of a
word, where it stands, how many query words they hold, how close the words
are) and checks that the difference decides the order, with a strictly
higher score where scores are comparable.
"""

from __future__ import annotations

import pytest

from conftest import index_of
from search import Index
from search.engine.scoring import lucene_idf
from search.query.language import parse_query
from search.query.plan import COORDINATION_EXPONENT, is_question

ARTICLES = [
    # exact form and stem: المدرسة written as is, or only its stem (مدرستهم)
    {"id": "exact-form", "title": "خبر محلي أول", "date": "2015-07-01 08:00:00",
     "text": "زار الوزير المدرسة صباح اليوم مع الوفد"},
    {"id": "stem-only", "title": "خبر محلي ثان", "date": "2015-07-02 08:00:00",
     "text": "زار الوزير مدرستهم صباح اليوم مع الوفد"},
    # the same body, the query word in one title only
    {"id": "title-match", "title": "مزارع النخيل", "date": "2015-07-03 08:00:00",
     "text": "تنتج المزارع في الأحساء تمورا كثيرة ويرعى الفلاحون النخيل طوال العام"},
    {"id": "body-match", "title": "مزارع الأحساء", "date": "2015-07-04 08:00:00",
     "text": "تنتج المزارع في الأحساء تمورا كثيرة ويرعى الفلاحون النخيل طوال العام"},
    # ميناء جدة: both words in a long text, or one word in a short one and its title
    {"id": "both-words", "title": "حركة الملاحة في البحر الأحمر", "date": "2015-07-20 08:00:00",
     "text": "شهدت حركة الملاحة التجارية في البحر الأحمر نموا ملحوظا خلال الربع الثاني من العام "
             "إذ استقبل ميناء المدينة عددا كبيرا من السفن القادمة من آسيا وأوروبا وأفريقيا "
             "وقالت الهيئة العامة للموانئ إن جدة ستبقى بوابة الحجاج والتجار على السواء "
             "وإن خطط التوسعة ماضية كما أعلن عنها في بداية السنة المالية الجارية"},
    {"id": "one-word", "title": "ميناء الدمام", "date": "2015-07-06 08:00:00",
     "text": "ميناء الدمام يستقبل السفن"},
    {"id": "jeddah-weather", "title": "طقس حار", "date": "2015-07-07 08:00:00",
     "text": "درجات الحرارة في جدة تتجاوز الأربعين ويشكو السكان من الرطوبة"},
    # a question whose words no article holds all of
    {"id": "gold", "title": "أسعار الذهب", "date": "2015-07-08 08:00:00",
     "text": "ارتفع سعر الذهب في الأسواق العالمية اليوم"},
    # مجلس الشورى as a phrase, or the same words scattered
    {"id": "phrase", "title": "جلسة اليوم", "date": "2015-07-09 08:00:00",
     "text": "ناقش مجلس الشورى نظام العمل الجديد مع الأعضاء"},
    {"id": "scattered", "title": "جلسة أمس", "date": "2015-07-10 08:00:00",
     "text": "ناقش مجلس نظام العمل الجديد مع الشورى الأعضاء"},
    # كم عدد سكان الرياض؟ asks for a number; one text counts other things
    {"id": "population", "title": "الرياض تكبر", "date": "2015-07-12 08:00:00",
     "text": "يبلغ سكان الرياض اليوم سبعة ملايين نسمة بحسب آخر تقدير رسمي نشرته الهيئة العامة للإحصاء في تقريرها السنوي"},
    {"id": "traffic-counts", "title": "إحصاءات المرور", "date": "2015-07-13 08:00:00",
     "text": "عدد السيارات في الرياض يفوق عدد الحافلات"},
    # لبنان and the idiom يشار إليه بالبنان (fingertips): ل is part of the name
    {"id": "lebanon", "title": "أخبار لبنان", "date": "2015-07-14 08:00:00",
     "text": "اجتمعت الحكومة في لبنان لمناقشة الكهرباء"},
    {"id": "idiom", "title": "لاعب موهوب", "date": "2015-07-15 08:00:00",
     "text": "أصبح اللاعب الشاب يشار إليه بالبنان في النادي"},
    # a one-letter clitic glued on in the query (بمرض), not in the text
    {"id": "disease", "title": "صحة عامة", "date": "2015-07-11 08:00:00",
     "text": "أصيب آلاف الأطفال هذا الصيف بالحمى وينتشر المرض في المدارس ويعالج المرض مبكرا"},
]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Index:
    return index_of(tmp_path_factory.mktemp("ranking"), ARTICLES, "articles.jsonl")


def hits(index, query, **options):
    return index.search(query, limit=20, **options).hits


def position(ranked, article_id) -> int:
    return [hit.id for hit in ranked].index(article_id)


def test_exact_form_ranks_above_stem_only_match(index):
    ranked = hits(index, "المدرسة")[:2]
    assert [hit.id for hit in ranked] == ["exact-form", "stem-only"]
    assert ranked[0].score > ranked[1].score


def test_stem_only_match_is_still_found(index):
    assert "stem-only" in [hit.id for hit in hits(index, "المدرسة")]


def test_title_match_is_boosted(index):
    ranked = hits(index, "النخيل")
    assert [hit.id for hit in ranked] == ["title-match", "body-match"]
    assert ranked[0].score > ranked[1].score


def test_document_with_all_words_ranks_above_a_partial_one_with_a_higher_score(index):
    ranked = hits(index, "ميناء جدة")
    assert ranked[0].id == "both-words"
    # Not won on score: the partial match scores higher and still comes second.
    assert ranked[position(ranked, "one-word")].score > ranked[0].score
    assert {"one-word", "jeddah-weather"} <= {hit.id for hit in ranked[1:]}


def test_question_style_query_never_returns_nothing(index):
    question = "ما هو سعر الزمرد في أسواق الذهب؟"
    assert hits(index, "+سعر +الزمرد +أسواق +الذهب") == []  # no article holds every word
    ranked = hits(index, question)
    assert ranked and ranked[0].id == "gold"


def test_answer_type_word_of_a_question_is_not_searched(index):
    # كم عدد asks for a number: عدد names the answer, the answer need not say it,
    # and a text counting other things must not win on it.
    ranked = hits(index, "كم عدد سكان الرياض؟")
    assert ranked[0].id == "population"
    assert "traffic-counts" in [hit.id for hit in ranked]  # found through الرياض alone


@pytest.mark.parametrize("query, expected", [
    ("متى ولد نجيب محفوظ", True),  # an interrogative opens it
    ("في أي عام ولد نجيب محفوظ", True),  # second word
    ("نجيب محفوظ؟", True),  # Arabic question mark
    ("ميناء جدة", False),
    ("رحلة إلى جدة من الرياض", False),  # من inside a keyword query
])
def test_question_detection(query, expected):
    assert is_question(parse_query(query)) is expected


def test_sort_by_date_puts_newest_first(index):
    by_relevance = [hit.id for hit in hits(index, "ميناء")]
    by_date = [hit.id for hit in hits(index, "ميناء", sort="date")]
    assert by_date == ["both-words", "one-word"]
    assert by_date != by_relevance  # the order really comes from the dates
    dates = [hit.date for hit in hits(index, "جدة", sort="date")]
    assert dates == sorted(dates, reverse=True) and len(dates) == 2


def test_phrase_outranks_scattered_words(index):
    ranked = hits(index, "مجلس الشورى")
    assert [hit.id for hit in ranked] == ["phrase", "scattered"]
    assert ranked[0].score > ranked[1].score


def test_quoted_phrase_finds_only_the_phrase(index):
    assert [hit.id for hit in hits(index, '"مجلس الشورى"')] == ["phrase"]


def test_glued_clitic_in_the_query_finds_the_bare_word(index):
    # بمرض is not in the text; المرض is, and the index holds مرض more often than بمرض.
    assert [hit.id for hit in hits(index, "بمرض")] == ["disease"]


def test_clitic_letter_of_a_name_is_kept(index):
    # بنان is in the index (بالبنان), but no more often than لبنان: the ل is the name's own.
    assert [hit.id for hit in hits(index, "لبنان")] == ["lebanon"]


def test_lucene_idf_gives_a_word_in_every_document_almost_no_weight():
    assert 0 < lucene_idf(1000, 1000) < 0.001
    assert lucene_idf(1000, 1) > lucene_idf(1000, 10) > lucene_idf(1000, 500)


def test_question_scales_each_score_by_the_share_of_words_matched(index):
    keywords = {hit.id: hit.score for hit in hits(index, "ميناء جدة")}
    question = {hit.id: hit.score for hit in hits(index, "ما ميناء جدة؟")}
    assert question["both-words"] == pytest.approx(keywords["both-words"])
    assert question["one-word"] == pytest.approx(keywords["one-word"] * 0.5 ** COORDINATION_EXPONENT)
