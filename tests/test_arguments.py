"""The query's dates, from year 1 to 9999: a date out of range is a one-line error naming it."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from search import Index, QueryError
from search.query import parse_date

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
    assert small.search("المدرسة", until=parse_date("9999", None, True)).total == 1
    with pytest.raises(QueryError, match=r"^date '>9999' is out of range \(years 1 to 9999\) at character 9$"):
        small.search("المدرسة date:>9999")
    with pytest.raises(QueryError, match=r"^bad date '10000'"):
        small.search("المدرسة date:10000")
