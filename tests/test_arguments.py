"""Index.search's arguments and the query's dates: a bad one is a one-line error naming it."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from search import Index, QueryError
from search.query.language import parse_date

ARTICLES = [
    {"id": "school", "title": "افتتاح مدرسة جديدة في الرياض", "date": "2015-07-21 09:00:00", "source": "okaz",
     "text": "افتتحت وزارة التعليم المدرسة الجديدة في حي النرجس، واستقبلت المدرسةُ مئتي طالب في يومها الأول."},
    {"id": "oil", "title": "ارتفاع أسعار النفط", "date": "2015-08-02 12:00:00", "source": "aleqtisadiya",
     "text": "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار أوبك خفض الإنتاج مليون برميل يومياً."},
]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Index:
    folder = tmp_path_factory.mktemp("small")
    (folder / "seeds").mkdir()
    (folder / "seeds" / "news.jsonl").write_text(
        "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), encoding="utf-8")
    index = Index(folder / "index")
    index.update(folder / "seeds")
    return index


# ----- dates ----------------------------------------------------------------------------


def test_the_last_year_of_the_calendar_is_a_date():
    assert parse_date("9999") == dt.datetime(9999, 1, 1)
    assert parse_date("9999", end_of_period=True) == dt.datetime.max
    assert parse_date("9999-12", end_of_period=True) == parse_date("9999-12-31", end_of_period=True) == dt.datetime.max
    assert parse_date("9999-11", end_of_period=True) == dt.datetime(9999, 11, 30, 23, 59, 59, 999999)


def test_date_9999_and_beyond(small):
    assert small.search("المدرسة date:9999").total == 0
    assert small.search("المدرسة date:2015..9999").total == small.search("المدرسة").total == 1
    assert small.search("المدرسة", until="9999").total == 1
    with pytest.raises(QueryError, match=r"^date '>9999' is out of range \(years 1 to 9999\) at character 9$"):
        small.search("المدرسة date:>9999")
    with pytest.raises(QueryError, match=r"^bad date '10000'"):
        small.search("المدرسة date:10000")


# ----- the library's arguments -------------------------------------------------------------


@pytest.mark.parametrize("arguments, named", [
    ({"limit": 0}, "limit"), ({"limit": 1.5}, "limit"), ({"limit": 1001}, "limit"), ({"limit": True}, "limit"),
    ({"page": None}, "page"), ({"page": 0}, "page"), ({"sort": "bogus"}, "sort"),
    ({"since": "2015-13"}, "since"), ({"until": "أمس"}, "until"), ({"since": 2015}, "since"),
    ({"source": 3}, "source"), ({"time_limit": 0}, "time_limit"), ({"time_limit": "10"}, "time_limit"),
    ({"plain": "yes"}, "plain"), ({"cancel": True}, "cancel"),
])
def test_a_bad_argument_is_a_one_line_value_error_naming_it(small, arguments, named):
    with pytest.raises(ValueError) as raised:
        small.search("المدرسة", **arguments)
    message = str(raised.value)
    assert message.startswith(named) and "\n" not in message and not isinstance(raised.value, QueryError)


def test_a_query_that_is_no_string_is_named(small):
    with pytest.raises(ValueError, match="^query must be a string"):
        small.search(None)


def test_since_and_until_take_strings_as_the_command_line_reads_them(small):
    def found(**dates):
        return [hit.id for hit in small.search("المدرسة OR النفط", **dates).hits]

    assert found(since="2015-08") == found(since=dt.datetime(2015, 8, 1)) == ["oil"]
    assert found(until="2015-07") == found(until=dt.datetime(2015, 7, 31, 23, 59, 59)) == ["school"]
    assert found(until="2015-07-21") == found(until=dt.date(2015, 7, 21)) == ["school"]  # the whole day
    assert found(since="٢٠١٥-٠٨") == found(since="۲۰۱۵-۰۸") == ["oil"]  # Arabic-Indic, Persian digits
    assert [hit.id for hit in small.search("النفط date:۲۰۱۵-۰۸").hits] == ["oil"]
    assert set(found(since="2015", until="2015")) == {"school", "oil"}
