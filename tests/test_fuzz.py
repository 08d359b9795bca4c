"""Property tests: the normalizer and tokenizer on any Unicode, the query parser and search on any mix.

Nothing a user can type or a file can hold may raise anything but the
documented QueryError: these tests draw arbitrary text and random
mixtures of Arabic words and query operators to make sure of it.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import Index, QueryError, parse_query
from search.analysis.levels import EXACT, STEM
from search.analysis.normalize import normalize
from search.analysis.tokenize import analyze, tokenize
from search.engine.schema import level_analyzer
from search.query.language import MAX_QUERY_LENGTH, ParsedQuery

ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=300)  # every code point but lone surrogates

WORDS = ["مدرسة", "المدرسة", "مَدْرَسَةٌ", "مستشفى", "الأمل", "وزير", "الصحة", "الرياض", "جدة", "أمطار",
         "النفط", "أوبك", "الهلال", "في", "من", "على", "مجلس", "الوزراء", "2015", "٢٠١٥", "Riyadh", "ﻻ", "ـــ"]
OPERATORS = ["AND", "OR", "NOT", "أو", "وأيضا", "بدون", "NEAR", "NEAR/3", "NEAR/0", "قرب", "+", "-", "!", "*", "~",
             "~2", "=", '"', "«", "»", "\u201c", "\u201d", "(", ")", "||", "&&", ":", "..", ">", "<"]
FIELDS = ["title:", "عنوان:", "source:", "مصدر:", "date:", "تاريخ:"]
DATES = ["2015", "2015-07", "2015-07-21", "2015-07-01..2015-07-31", ">2015-08", "<2015", "2015-13", "0", ".."]
ODD = ["\u202e", "\u2067", "\u200f", "\u064e", "\u0651", "\x01", "\x1b", "\t", "\ufffd", "؟", "،"]

TOKEN = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(OPERATORS),
    st.sampled_from(ODD),
    st.tuples(st.sampled_from(FIELDS), st.sampled_from(WORDS + DATES + [""])).map("".join),
    st.tuples(st.sampled_from(WORDS), st.sampled_from(["*", "~", "~1", "~2", "~3"])).map("".join),
    st.tuples(st.sampled_from(["+", "-", "=", "!"]), st.sampled_from(WORDS)).map("".join),
)
QUERY = st.lists(st.tuples(TOKEN, st.sampled_from(["", " ", " ", "  "])), max_size=14).map(
    lambda parts: "".join(token + space for token, space in parts))


# ---------------------------------------------------------------- normalize and tokenize


@given(ANY_TEXT)
def test_normalize_any_text_maps_every_character_in_bounds_and_in_order(text):
    normalized = normalize(text)
    assert len(normalized.spans) == len(normalized.text)
    previous = (0, 0)
    for start, end in normalized.spans:
        assert 0 <= start < end <= len(text)
        assert start >= previous[0] and end >= previous[1]
        previous = (start, end)


@given(ANY_TEXT)
def test_tokenize_any_text_gives_ordered_nonoverlapping_offsets(text):
    previous_end = 0
    for start, end, word in tokenize(text):
        assert 0 <= previous_end <= start < end <= len(text)
        assert word and word.isalnum()
        previous_end = end
    assert [t.normalized for t in analyze(text)] == [word for _, _, word in tokenize(text)]


@given(ANY_TEXT)
def test_whoosh_analyzers_accept_any_text(text):
    for analyzer in (level_analyzer(EXACT), level_analyzer(STEM)):
        for token in analyzer(text, positions=True, chars=True, mode="index"):
            assert 0 <= token.startchar < token.endchar <= len(text) and token.text


# ---------------------------------------------------------------- the query parser


def parses_or_refuses(query: str) -> ParsedQuery | None:
    """The parsed query, or None after a well-formed QueryError: never another exception."""
    try:
        parsed = parse_query(query)
    except QueryError as error:
        assert str(error) and "\n" not in str(error)
        assert error.position is None or 0 <= error.position <= len(query)
        return None
    assert parsed.root is not None
    return parsed


@settings(max_examples=400)
@given(QUERY)
def test_parser_returns_a_tree_or_a_query_error_on_any_mix_of_words_and_operators(query):
    parses_or_refuses(query)


@given(ANY_TEXT)
def test_parser_returns_a_tree_or_a_query_error_on_any_text(query):
    parses_or_refuses(query)


@given(st.text(st.sampled_from('()"«»-+! '), max_size=MAX_QUERY_LENGTH))
def test_parser_survives_long_runs_of_brackets_quotes_and_signs(query):
    parses_or_refuses(query + "مدرسة")


# ---------------------------------------------------------------- searching


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Index:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "seeds").mkdir()
    records = [
        {"id": "school", "title": "افتتاح مدرسة جديدة", "source": "okaz", "date": "2015-07-21 09:00:00",
         "content": "افتتحت وزارة التعليم المدرسة الجديدة في الرياض، واستقبلت المدرسةُ مئتي طالب."},
        {"id": "hospital", "title": "مستشفى الأمل", "source": "spa", "date": "2015-07-28 12:00:00",
         "content": "افتتح وزير الصحة مستشفى «الأمل» في جدة بسعة 300 سرير، بحضور مجلس الوزراء."},
        {"id": "oil", "title": "أسعار النفط", "source": "aleqtisadiya", "date": "2015-08-02 08:30:00",
         "content": "ارتفعت أسعار النفط بعد قرار أوبك خفض الإنتاج، وقال محللون في Riyadh إن ٢٠١٥ عام صعب."},
        {"id": "rain", "title": "أمطار غزيرة", "source": "spa",
         "content": "توقعت الأرصاد أمطاراً غزيرة على مكة والمدينة، وفاز الهلال على النصر."},
    ]
    (folder / "seeds" / "news.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    built = Index(folder / "index")
    built.update(folder / "seeds")
    return built


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERY, sort=st.sampled_from(["relevance", "date"]), page=st.integers(1, 3))
def test_any_query_that_parses_searches_without_raising(index, query, sort, page):
    if parses_or_refuses(query) is None:
        with pytest.raises(QueryError):
            index.search(query)
        return
    results = index.search(query, sort=sort, page=page, limit=2)
    assert results.total >= len(results.hits)
    for hit in results.hits:
        for start, end in hit.highlights:
            assert 0 <= start < end <= len(hit.snippet)
    json.dumps(results.to_dict(explain=True), ensure_ascii=False)
    if results.hits:
        assert index.article(results.hits[0].id, query) is not None  # highlighting a whole article too


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=ANY_TEXT)
def test_any_text_searched_as_plain_words_never_raises_but_the_query_error(index, query):
    try:
        index.search(query, plain=True)
    except QueryError:
        pass
