"""The web page and the JSON API, on a small real index of Arabic news articles.

Every request goes through FastAPI's TestClient to the real app on a real
Whoosh index built in tmp_path; test_browser.py reuses the articles.
"""

from __future__ import annotations

import concurrent.futures
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install -e '.[web]'")

from click.testing import CliRunner  # noqa: E402
from conftest import ARABIC_MIX  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import cli  # noqa: E402
from search import Index  # noqa: E402
from search.query.language import MAX_QUERY_LENGTH  # noqa: E402
from search.store.index import SeedsMismatchError  # noqa: E402
from search.web.app import LOOPBACK_NAMES, create_app, highlight_html, host_names_for  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SCHOOL_URL_ID = "https://sabq.org/news/2015/07/school?ref=home#top"
OKAZ_ID = "okaz/2015/0723#1"
XSS_TITLE = "<script>alert(1)</script>"
TEXT_FILE_ID = "local/تقرير المدرسة.txt"
LOCAL = "http://127.0.0.1"  # the server answers to its own names only (TestClient's default Host is testserver)


def _article(id_, source, date, title, body, **extra):
    return {"id": id_, "source": source, "date": date, "title": title, "content": body, **extra}


# Eight articles hold a form of مدرسة (seven in the JSONL, one in a .txt file),
# so pages of two hits and source facets have something to do.
ARTICLES = [
    _article(SCHOOL_URL_ID, "sabq", "2015-07-21 09:30:00", "افتتاح المدرسة الجديدة في حي النسيم",
             "افتتح مدير التعليم اليوم المدرسة الجديدة في حي النسيم شرق الرياض، وتستوعب المدرسة ستمئة طالب. "
             "وقال المدير إن الطلاب سيبدؤون الدراسة بالمدرسةِ مطلع العام الدراسي المقبل."),
    _article("alriyadh-oil", "alriyadh", "2015-07-22 08:00:00", "ارتفاع أسعار النفط",
             "ارتفعت أسعار النفط في تعاملات اليوم بعد تراجع المخزونات الأمريكية، وسجل خام برنت أعلى مستوى له "
             "منذ أسبوعين."),
    _article(OKAZ_ID, "okaz", "2015-07-23 10:15:00", "مبادرة للقراءة في مدارس جدة",
             "أطلقت إدارة التعليم في جدة مبادرة للقراءة تشارك فيها كل مدرسة ابتدائية، وتهدف إلى تخصيص ساعة "
             "أسبوعية للمكتبة."),
    _article("okaz-rain", "okaz", "2015-07-24 18:40:00", "أمطار غزيرة على جازان",
             "هطلت أمطار غزيرة على مناطق جازان وعسير، ودعا الدفاع المدني السكان إلى الابتعاد عن مجاري السيول."),
    _article("alriyadh-teachers", "alriyadh", "2015-07-26 07:20:00", "المعلمون يستعدون للعام الدراسي",
             "بدأ المعلمون في المدرسة المتوسطة الأولى بالدمام الاستعداد للعام الدراسي، وجرى تجهيز الفصول "
             "والمعامل."),
    _article("sabq-football", "sabq", "2015-07-28 22:05:00", "الهلال يفوز على النصر",
             "فاز فريق الهلال على النصر بهدفين مقابل هدف في المباراة التي أقيمت على ملعب الملك فهد الدولي "
             "بالرياض."),
    _article("almadina-hospital", "almadina", "2015-07-30 12:00:00", "افتتاح مستشفى الولادة",
             "افتتح أمير المنطقة مستشفى الولادة والأطفال الجديد بسعة مئتي سرير، ويضم قسمًا للعناية المركزة."),
    _article("sabq-maintenance", "sabq", "2015-08-02 11:00:00", "صيانة المباني قبل عودة الطلاب",
             "أعلنت وزارة التعليم الانتهاء من صيانة ثلاثمئة مبنى، منها مبنى المدرسة الثانوية في أبها، قبل "
             "عودة الطلاب."),
    _article("alriyadh-cabinet", "alriyadh", "2015-08-03 16:30:00", "مجلس الوزراء يوافق على نظام جديد",
             "وافق مجلس الوزراء في جلسته اليوم على نظام جديد لحماية المستهلك، ويبدأ العمل به بعد تسعين يومًا."),
    _article("almadina-buses", "almadina", "2015-08-05 06:45:00", "حافلات جديدة لنقل الطالبات",
             "وفرت إدارة التعليم في المدينة المنورة أربعين حافلة جديدة لنقل الطالبات من المنازل إلى المدرسة "
             "والعودة، مع مشرفة في كل حافلة."),
    _article("xss-1", "okaz", "2015-08-07 09:00:00", XSS_TITLE,
             "خبر اختبار عن الأمطار <img src=x onerror=alert(2)> & السيول في جازان.",
             url="javascript:alert(3)"),
    _article("okaz-award", "okaz", "2015-08-09 13:10:00", "مدرسة في القنفذة تفوز بجائزة التميز",
             "فازت مدرسةُ الفاروق في القنفذة بجائزة التميز التعليمي، وتسلم مديرها الجائزة في حفل أقيم بجدة."),
    _article("sabq-traffic", "sabq", "2015-08-12 17:25:00", "سلامة الطلاب في الطريق إلى المدرسة",
             "دعا المرور أولياء الأمور إلى الانتباه لسلامة أبنائهم في الطريق إلى المدرسة، وخفض السرعة قرب "
             "المدارس."),
    _article("sabq-athletics", "sabq", "2015-08-15 20:00:00", "أحمد يحصد الميدالية الذهبية",
             "حصد البطل أحمد الغامدي الميدالية الذهبية في بطولة آسيا لألعاب القوى، وأهدى الفوز إلى الوطن."),
]
TEXT_FILE = "تقرير عن المدرسة\n\nزار فريق من الأهالي المدرسة المجاورة وقدموا مقترحات لتحسين الساحة.\n"
SCHOOL_HITS = 8  # articles holding a form of مدرسة


def write_seeds(folder: Path) -> Path:
    """A seeds folder: the articles as JSON Lines, plus one plain-text article in a subfolder."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(article, ensure_ascii=False) for article in ARTICLES]
    (folder / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "local").mkdir(exist_ok=True)
    (folder / TEXT_FILE_ID).write_text(TEXT_FILE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(index folder, seeds folder), indexed once for the module."""
    root = tmp_path_factory.mktemp("web")
    seeds = write_seeds(root / "seeds")
    summary = Index(root / "index").update(seeds)
    assert summary.added == len(ARTICLES) + 1 and not summary.problems
    return root / "index", seeds


@pytest.fixture(scope="module")
def client(built):
    with TestClient(create_app(built[0]), base_url=LOCAL) as test_client:
        yield test_client


def search_json(client, **params):
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


# ----- highlight markup ---------------------------------------------------------


def test_highlight_html_escapes_text_and_wraps_spans():
    text = "<b>المدرسة</b> & بالمدرسةِ"
    word = text.index("بالمدرسةِ")
    assert str(highlight_html(text, [(3, 10), (word, word + len("بالمدرسةِ"))])) == (
        "&lt;b&gt;<mark>المدرسة</mark>&lt;/b&gt; &amp; <mark>بالمدرسةِ</mark>"
    )


def test_highlight_html_merges_overlapping_spans():
    assert str(highlight_html("المدرسة الجديدة", [(0, 7), (3, 15)])) == "<mark>المدرسة</mark><mark> الجديدة</mark>"


# ----- /api/search -------------------------------------------------------------------


def test_api_search_finds_every_form_of_the_word(client):
    data = search_json(client, q="المَدْرَسَة", limit=20)
    assert data["total"] == SCHOOL_HITS
    assert {hit["id"] for hit in data["hits"]} >= {SCHOOL_URL_ID, OKAZ_ID, TEXT_FILE_ID}
    first = next(hit for hit in data["hits"] if hit["id"] == SCHOOL_URL_ID)
    words = [first["snippet"][start:end] for start, end in first["highlights"]]
    assert "بالمدرسةِ" in words and "المدرسة" in words


def test_api_search_limit_and_page(client):
    first = search_json(client, q="المدرسة", limit=2)
    second = search_json(client, q="المدرسة", limit=2, page=2)
    assert [hit["rank"] for hit in first["hits"]] == [1, 2]
    assert [hit["rank"] for hit in second["hits"]] == [3, 4]
    assert (second["page"], second["limit"]) == (2, 2)
    assert not {hit["id"] for hit in first["hits"]} & {hit["id"] for hit in second["hits"]}
    assert search_json(client, q="المدرسة", limit=2, page=9)["hits"] == []


def test_api_search_source_filter_and_facets(client):
    everything = search_json(client, q="المدرسة")
    assert everything["facets"]["source"] == {"sabq": 3, "okaz": 2, "alriyadh": 1, "almadina": 1}
    okaz = search_json(client, q="المدرسة", source="okaz")
    assert [hit["source"] for hit in okaz["hits"]] == ["okaz", "okaz"]
    assert okaz["facets"]["source"] == {"okaz": 2}


def test_api_search_since_and_until(client):
    august = search_json(client, q="المدرسة", since="2015-08", limit=20)["hits"]
    assert len(august) == 4 and all(hit["date"] >= "2015-08-01" for hit in august)
    july = search_json(client, q="المدرسة", until="2015-07", limit=20)["hits"]
    assert len(july) == 3 and all(hit["date"] < "2015-08-01" for hit in july)
    arabic_digits = search_json(client, q="المدرسة", since="٢٠١٥-٠٨", limit=20)["hits"]
    assert [hit["id"] for hit in arabic_digits] == [hit["id"] for hit in august]


def test_api_search_total_counts_only_filtered_matches(client):
    assert search_json(client, q="المدرسة", source="okaz")["total"] == 2
    assert search_json(client, q="المدرسة", since="2015-08")["total"] == 4


def test_api_search_sort_by_date(client):
    hits = search_json(client, q="المدرسة", sort="date", limit=20)["hits"]
    dates = [hit["date"] for hit in hits if "date" in hit]
    assert dates == sorted(dates, reverse=True) and dates[0].startswith("2015-08-12")


def test_api_search_explain(client):
    plain = search_json(client, q="بالمدرسة")["hits"][0]
    explained = search_json(client, q="بالمدرسة", explain="true")["hits"][0]
    assert "explain" not in plain
    assert {(match["word"], match["rule"]) for match in explained["explain"]} == {
        ("المدرسة", "prefix"), ("بالمدرسةِ", "diacritics")}


def test_api_search_totals_count_every_word_and_some(client):
    data = search_json(client, q="افتتاح المدرسة")
    both = search_json(client, q="+افتتاح +المدرسة")["total"]
    assert (data["total_all"], data["total_some"]) == (both, data["total"] - both)
    assert 0 < both < data["total"]
    single = search_json(client, q="المدرسة")
    assert single["total_all"] is None and single["total_some"] is None


def test_page_totals_say_what_they_count(client):
    data = search_json(client, q="افتتاح المدرسة")
    html = client.get("/", params={"q": "افتتاح المدرسة"}).text
    assert (f"(<b>{data['total_all']}</b> تحتوي كل الكلمات · <b>{data['total_some']}</b> تحتوي بعضها)"
            in html)
    assert "تحتوي كل الكلمات" not in client.get("/", params={"q": "المدرسة"}).text


def test_api_search_no_hits_is_an_empty_list(client):
    data = search_json(client, q="بركان")
    assert data["total"] == 0 and data["hits"] == []


def test_api_search_suggests_a_spelling(client):
    data = search_json(client, q="المدرصة")
    assert data["total"] == 0 and data["suggestion"] == "المدرسة"  # as the articles write it


@pytest.mark.parametrize("arguments", [
    ["المدرسة"],
    ["المدرسة", "--limit", "2", "--page", "2", "--explain"],
    ["المدرسة", "--source", "sabq", "--sort", "date", "--since", "2015-07-25", "--until", "2015-08-31"],
    ["افتتاح أو النفط"],
])
def test_api_search_json_is_the_command_line_json(client, built, arguments):
    index_dir, seeds = built
    result = CliRunner().invoke(cli.main, ["search", "--json", "--index", str(index_dir), "--seeds", str(seeds),
                                           *arguments])
    assert result.exit_code == 0, result.output
    params = {"q": arguments[0]}
    options = arguments[1:]
    for position, option in enumerate(options):
        if option == "--explain":
            params["explain"] = "true"
        elif option.startswith("--"):
            params[option[2:]] = options[position + 1]
    assert client.get("/api/search", params=params).json() == json.loads(result.output)


# ----- errors ------------------------------------------------------------------------


@pytest.mark.parametrize("params, named", [
    ({"q": '"مجلس الوزراء'}, "quote"),
    ({"q": "مدرسة أو"}, ""),
    ({"q": "date:2015-13"}, "date"),
    ({"q": "المدرسة", "since": "أمس"}, "since"),
    ({"q": "المدرسة", "until": "2015-02-30"}, "until"),
    ({"q": "المدرسة", "limit": "0"}, "limit"),
    ({"q": "المدرسة", "limit": "101"}, "limit"),
    ({"q": "المدرسة", "limit": "ten"}, "limit"),
    ({"q": "المدرسة", "page": "0"}, "page"),
    ({"q": "المدرسة", "sort": "random"}, "sort"),
    ({"q": "م" * (MAX_QUERY_LENGTH + 1)}, "q"),
    ({}, "q"),
])
def test_api_search_bad_input_is_a_400_with_a_message(client, params, named):
    response = client.get("/api/search", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert isinstance(error, str) and error and "\n" not in error
    assert named in error


@pytest.mark.parametrize("q", [
    "*", "~", "=", "(", ")", "((", "-", "+", "title:", "source:", "date:", "NOT", "مدرسة~9", "*مدرسة",
    "\x00", "🙂", "«", "near/", "مدرسة NEAR/999999", '""', "date:..", "a" * MAX_QUERY_LENGTH,
])
def test_odd_input_is_never_a_server_error(client, q):
    for path in ("/api/search", "/", "/api/suggest", "/doc/okaz-rain", "/api/doc/okaz-rain"):
        assert client.get(path, params={"q": q}).status_code < 500, (path, q)


QUERY_PIECES = st.sampled_from(['"', "«", "»", "(", ")", "*", "~", "~2", "=", "-", "+", "OR", "أو", "بدون", "NEAR/",
                                "title:", "source:", "date:", "..", ">", "2015-07", " ", "المدرسة", "الأمطار"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(QUERY_PIECES, ARABIC_MIX), max_size=8).map("".join))
def test_any_typed_query_is_answered_without_a_server_error(client, q):
    for path in ("/api/search", "/", "/api/suggest", "/api/doc/okaz-rain"):
        assert client.get(path, params={"q": q}).status_code < 500, (path, q)


def test_missing_index_is_a_503_with_a_message(tmp_path):
    with TestClient(create_app(tmp_path / "nothing"), base_url=LOCAL) as test_client:
        response = test_client.get("/api/search", params={"q": "المدرسة"})
        assert response.status_code == 503 and "no index" in response.json()["error"]
        assert test_client.get("/").status_code == 503


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found", "message": "الصفحة المطلوبة غير موجودة"}


def test_server_is_read_only(client):
    assert client.post("/api/search", params={"q": "المدرسة"}).status_code == 405
    assert client.delete("/api/doc/okaz-rain").status_code == 405


# ----- /api/doc, /api/stats, /api/suggest ------------------------------------------------


def test_api_doc_with_url_id_and_highlights(client):
    response = client.get("/api/doc/" + quote(SCHOOL_URL_ID, safe=""), params={"q": "المَدْرَسَة"})
    assert response.status_code == 200
    article = response.json()
    assert article["id"] == SCHOOL_URL_ID and article["source"] == "sabq"
    words = [article["body"][start:end] for start, end in article["highlights"]]
    assert words == ["المدرسة", "المدرسة", "بالمدرسةِ"]


def test_api_doc_without_query_and_with_slash_in_id(client):
    article = client.get("/api/doc/" + quote(TEXT_FILE_ID, safe="")).json()
    assert article["title"] == "تقرير عن المدرسة" and article["highlights"] == []
    assert client.get("/api/doc/" + quote(OKAZ_ID, safe="/")).json()["id"] == OKAZ_ID


def test_api_doc_missing_is_404_and_bad_query_is_400(client):
    missing = client.get("/api/doc/" + quote("https://sabq.org/none", safe=""))
    assert missing.status_code == 404 and "no article" in missing.json()["error"]
    bad = client.get("/api/doc/okaz-rain", params={"q": '"أمطار'})
    assert bad.status_code == 400 and bad.json()["error"]


def test_api_similar_lists_articles_sharing_the_subject(client):
    response = client.get("/api/similar/okaz-rain")
    assert response.status_code == 200, response.text
    data = response.json()
    ids = [hit["id"] for hit in data["hits"]]
    assert data["id"] == "okaz-rain" and "okaz-rain" not in ids
    assert ids[0] == "xss-1"  # the other article about rain and floods in Jazan
    assert "جازان" in data["query"].split()


def test_api_similar_takes_a_url_id_and_exclude_duplicates(client):
    response = client.get("/api/similar/" + quote(SCHOOL_URL_ID, safe=""), params={"exclude_duplicates": 1})
    assert response.status_code == 200, response.text
    assert SCHOOL_URL_ID not in [hit["id"] for hit in response.json()["hits"]]


def test_api_similar_of_an_unknown_id_is_a_404(client):
    response = client.get("/api/similar/no-such-article")
    assert response.status_code == 404 and response.json()["error"] == "no article with id 'no-such-article'"


def test_api_stats(client):
    stats = client.get("/api/stats").json()
    assert stats["documents"] == len(ARTICLES) + 1
    assert stats["sources"] == {"sabq": 5, "okaz": 4, "alriyadh": 3, "almadina": 2}
    assert stats["first_date"].startswith("2015-07-21") and stats["last_date"].startswith("2015-08-15")


def test_api_suggest_completes_the_last_word(client):
    data = client.get("/api/suggest", params={"q": "افتتاح المدر"}).json()
    assert data["prefix"] == "المدر"
    texts = [completion["text"] for completion in data["completions"]]
    assert texts[0] == "افتتاح المدرسة"  # the most frequent: 7 articles, as they write it
    assert data["completions"][0]["documents"] >= 6
    assert all(text.startswith("افتتاح المدر") for text in texts)


def test_api_suggest_keeps_what_was_typed(client):
    texts = [c["text"] for c in client.get("/api/suggest", params={"q": "أحم"}).json()["completions"]]
    assert texts == ["أحمد"]


@pytest.mark.parametrize("q", ["", "المدرسة ", "م", "ال", "بركان", "مدرسة*"])
def test_api_suggest_offers_nothing_after_a_space_two_letters_or_an_unknown_prefix(client, q):
    assert client.get("/api/suggest", params={"q": q}).json()["completions"] == []


def test_api_suggest_limit(client):
    assert len(client.get("/api/suggest", params={"q": "الم", "limit": 3}).json()["completions"]) == 3
    assert len(client.get("/api/suggest", params={"q": "الم"}).json()["completions"]) == 8
    assert client.get("/api/suggest", params={"q": "الم", "limit": 99}).status_code == 400


# ----- the page --------------------------------------------------------------------


def test_page_without_query_is_arabic_right_to_left(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in response.text
    assert "15</b> مقال" in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_page_results(client):
    html = client.get("/", params={"q": "المَدْرَسَة", "limit": 2}).text
    assert 'value="المَدْرَسَة"' in html  # the box keeps the query as typed
    assert "عدد النتائج: <b>8</b>" in html
    assert re.search(r"\(\d+ ملّي ثانية\)", html)
    assert html.count('<li class="hit">') == 2
    assert '<span class="rank">1</span>' in html and '<span class="rank">2</span>' in html
    assert "<mark>بالمدرسةِ</mark>" in html
    assert html.count("لماذا ظهرت هذه النتيجة") == 2
    assert 'href="/doc/' + quote(SCHOOL_URL_ID, safe="") + "?q=" in html
    assert '<time datetime="2015-07-21">' in html


def test_page_why_it_matched(client):
    html = client.get("/", params={"q": "المَدْرَسَة", "limit": 20}).text
    hit = next(part for part in html.split('<li class="hit">') if quote(SCHOOL_URL_ID, safe="") in part)
    why = hit[hit.index('<details class="why">'):hit.index("</details>")]
    assert ('<li data-rule="diacritics"><bdi class="term">المَدْرَسَة</bdi> ← <bdi class="word">المدرسة</bdi>: '
            'الكلمة نفسها بتشكيل مختلف <span class="times">(×2)</span></li>') in why
    assert ('<li data-rule="prefix"><bdi class="term">المَدْرَسَة</bdi> ← '
            '<bdi class="word">بال<span class="stem">مدرس</span>ةِ</bdi>') in why


def test_page_pagination_links(client):
    html = client.get("/", params={"q": "المدرسة", "limit": 2, "page": 2}).text
    assert '<span class="rank">3</span>' in html
    assert 'rel="prev" href="/?q=%D8%A7%D9%84%D9%85%D8%AF%D8%B1%D8%B3%D8%A9&amp;limit=2"' in html
    assert 'rel="next" href="/?q=%D8%A7%D9%84%D9%85%D8%AF%D8%B1%D8%B3%D8%A9&amp;limit=2&amp;page=3"' in html
    assert '<span class="current" aria-current="page">2</span>' in html


def test_page_facet_links_filter_by_source(client):
    html = client.get("/", params={"q": "المدرسة", "page": 1}).text
    link = re.search(r'<a href="([^"]*source=okaz[^"]*)"><bdi>okaz</bdi></a> <span class="count">2</span>', html)
    assert link
    filtered = client.get(link.group(1).replace("&amp;", "&")).text
    assert filtered.count('<li class="hit">') == 2
    assert filtered.count('<bdi>okaz</bdi></a>') == 3  # the two hits and the one facet left
    assert "<bdi>sabq</bdi>" not in filtered
    assert '<input type="hidden" name="source" value="okaz">' in filtered


def test_page_date_filters_and_sort_are_kept_in_the_form(client):
    html = client.get("/", params={"q": "المدرسة", "since": "2015-08", "sort": "date"}).text
    assert html.count('<li class="hit">') == 4
    assert 'name="since" value="2015-08"' in html
    assert '<option value="date" selected>' in html
    assert html.index("2015-08-12") < html.index("2015-08-09") < html.index("2015-08-05")


def test_page_did_you_mean_is_a_link(client):
    html = client.get("/", params={"q": "المدرصة"}).text
    assert 'هل تقصد: <a href="/?q=%D8%A7%D9%84%D9%85%D8%AF%D8%B1%D8%B3%D8%A9">المدرسة</a>' in html


def test_page_malformed_query_says_what_is_wrong(client):
    response = client.get("/", params={"q": '"مجلس الوزراء'})
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert "تعذّر فهم البحث: علامة التنصيص &#34; مفتوحة ولم تُغلق عند الحرف 1" in response.text
    assert 'value="&#34;مجلس الوزراء"' in response.text


ENGLISH_ALLOWED = re.compile(r"YYYY|MM|DD|NEAR|title|relevance|date")  # syntax a reader types as is


def alert_of(html: str) -> str:
    return re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S).group(1)


@pytest.mark.parametrize("params", [
    {"q": '"مجلس الوزراء'}, {"q": "مدرسة )"}, {"q": "(مدرسة"}, {"q": "()"}, {"q": "مدرسة أو"},
    {"q": "أو مدرسة"}, {"q": "ك*"}, {"q": "title:"}, {"q": "date:2015-13"}, {"q": "date:>9999"},
    {"q": "(" * 40 + "مدرسة" + ")" * 40}, {"q": '""'}, {"q": "؟؟"}, {"q": "مدرسة", "since": "أمس"},
    {"q": "مدرسة", "until": "2015-02-30"}, {"q": "مدرسة", "limit": "0"}, {"q": "مدرسة", "limit": "ten"},
    {"q": "مدرسة", "page": "0"}, {"q": "مدرسة", "sort": "random"}, {"q": "م" * (MAX_QUERY_LENGTH + 1)},
])
def test_page_errors_are_in_arabic(client, params):
    response = client.get("/", params=params)
    assert response.status_code == 400
    alert = alert_of(response.text)
    assert re.search("[\u0621-\u064a]{3}", alert), alert
    assert not re.search("[A-Za-z]{3,}", ENGLISH_ALLOWED.sub("", alert)), alert


def test_api_errors_keep_english_and_add_arabic(client):
    response = client.get("/api/search", params={"q": "المدرسة", "limit": "101"})
    assert response.json() == {"error": "limit: Input should be less than or equal to 100",
                               "message": "عدد النتائج: يجب ألا يزيد على 100"}
    missing = client.get("/api/doc/no-such-article").json()
    assert missing == {"error": "no article with id 'no-such-article'",
                       "message": "لا يوجد مقال بالمعرّف 'no-such-article'"}


def test_error_pages_are_in_arabic(client, tmp_path):
    assert alert_of(client.get("/doc/" + quote("لا يوجد", safe="")).text) == "لا يوجد مقال بالمعرّف &#39;لا يوجد&#39;"
    assert alert_of(client.get("/nothing").text) == "الصفحة المطلوبة غير موجودة"
    with TestClient(create_app(tmp_path / "nothing"), base_url=LOCAL) as test_client:
        html = test_client.get("/").text
    assert alert_of(html) == "الفهرس غير جاهز: لم يُبنَ بعد أو تعذرت قراءته"
    assert "التفاصيل التقنية" in html and "no index here yet" in html  # the fix, for whoever runs the server


def test_empty_page_example_queries_are_links(client):
    html = client.get("/").text
    examples = re.findall(r'<li><a href="([^"]+)"><code>([^<]+)</code></a>', html)
    assert len(examples) >= 6
    for url, query in examples:
        page = client.get(url)
        assert page.status_code == 200 and 'class="results"' in page.text, query
        assert client.get(url).url.params["q"] == query.replace("&#34;", '"')


def test_page_escapes_article_text(client):
    html = client.get("/", params={"q": "الأمطار"}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_page_escapes_the_query(client):
    html = client.get("/", params={"q": '<script>alert("q")</script> المدرسة'}).text
    assert "<script>alert" not in html and "&lt;script&gt;alert(" in html


def test_doc_page_highlights_the_query(client):
    response = client.get("/doc/" + quote(SCHOOL_URL_ID, safe=""), params={"q": "المَدْرَسَة"})
    assert response.status_code == 200
    html = response.text
    assert "<h1>افتتاح <mark>المدرسة</mark> الجديدة في حي النسيم</h1>" in html
    assert html.count("<mark>") == 4 and "<mark>بالمدرسةِ</mark>" in html
    assert "مواضع التطابق في النص: <b>3</b>" in html
    assert 'href="/?q=%D8%A7%D9%84%D9%85%D9%8E%D8%AF%D9%92%D8%B1%D9%8E%D8%B3%D9%8E%D8%A9"' in html  # back


def test_doc_page_escapes_and_refuses_a_javascript_link(client):
    html = client.get("/doc/xss-1").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "javascript:" not in html


def test_doc_page_lists_related_articles_as_links(client):
    html = client.get("/doc/okaz-rain").text
    related = html[html.index("مقالات ذات صلة"):]
    assert '<a href="/doc/xss-1">&lt;script&gt;alert(1)&lt;/script&gt;</a>' in related  # escaped, linked
    assert 'href="/doc/okaz-rain"' not in related


def test_doc_page_missing_is_a_404_page(client):
    response = client.get("/doc/" + quote("لا يوجد", safe=""))
    assert response.status_code == 404 and '<html lang="ar" dir="rtl">' in response.text


def test_static_files_are_served(client):
    assert "direction" in client.get("/static/style.css").text or "rtl" in client.get("/static/style.css").text
    assert "/api/suggest" in client.get("/static/suggest.js").text


# ----- the Host header ------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""])
def test_a_request_for_another_host_is_refused(client, host):
    """DNS rebinding: a page on evil.example resolves its name to 127.0.0.1 and calls the API."""
    response = client.get("/api/search", params={"q": "المدرسة"}, headers={"host": host})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith(f"Host {host!r} is not a name this server answers to") and "\n" not in error
    page = client.get("/", params={"q": "المدرسة"}, headers={"host": host})
    assert page.status_code == 400 and page.text.count("\n") == 1 and "المدرسة" not in page.text


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000"])
def test_the_local_names_are_served(client, host):
    assert client.get("/api/search", params={"q": "المدرسة"}, headers={"host": host}).status_code == 200


def test_listening_everywhere_answers_to_the_names_given(built, monkeypatch):
    monkeypatch.setenv("ARABIC_SEARCH_ALLOWED_HOSTS", "search.lan, 192.168.1.20")
    assert host_names_for("0.0.0.0") == ["127.0.0.1", "localhost", "::1", "search.lan", "192.168.1.20"]
    assert host_names_for("192.168.1.20") == ["192.168.1.20"] and host_names_for("::1") == list(LOOPBACK_NAMES)
    app = create_app(built[0], allowed_hosts=["search.lan"])
    with TestClient(app, base_url="http://search.lan:8000") as lan:
        assert lan.get("/api/stats").status_code == 200
        assert lan.get("/api/stats", headers={"host": "localhost"}).status_code == 400


def test_serve_checks_the_host_it_listens_on(built, monkeypatch):
    import uvicorn

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.update(app=app, **options))
    monkeypatch.setenv("ARABIC_SEARCH_ALLOWED_HOSTS", "search.lan")
    result = CliRunner().invoke(cli.main, ["serve", "--index", str(built[0]), "--seeds", str(built[1]),
                                           "--host", "0.0.0.0", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert served["host"] == "0.0.0.0"
    with TestClient(served["app"], base_url="http://search.lan") as test_client:
        assert test_client.get("/api/stats").status_code == 200
        assert test_client.get("/api/stats", headers={"host": "evil.example"}).status_code == 400


# ----- --watch ------------------------------------------------------------------


def test_watch_picks_up_a_new_file(tmp_path):
    seeds = write_seeds(tmp_path / "seeds")
    Index(tmp_path / "index").update(seeds)
    app = create_app(tmp_path / "index", seeds, watch=True, watch_interval=0.1)
    with TestClient(app, base_url=LOCAL) as test_client:
        assert search_json(test_client, q="الزلزال")["total"] == 0
        (seeds / "new.txt").write_text("هزة أرضية\n\nشعر سكان المنطقة بالزلزال صباح اليوم.\n", encoding="utf-8")
        deadline = time.monotonic() + 15
        while search_json(test_client, q="الزلزال")["total"] == 0:
            assert time.monotonic() < deadline, "the watcher did not index the new file"
            time.sleep(0.05)
        assert search_json(test_client, q="الزلزال")["hits"][0]["id"] == "new.txt"
        assert search_json(test_client, q="المدرسة")["total"] == SCHOOL_HITS + 0
    assert not app.state.watcher.is_alive()


def test_watch_follows_the_folder_the_index_was_built_from(tmp_path, monkeypatch):
    seeds = write_seeds(tmp_path / "seeds")
    Index(tmp_path / "index").update(seeds)
    elsewhere = tmp_path / "elsewhere"
    write_seeds(elsewhere / "seeds")  # a ./seeds of another index where the server is started
    monkeypatch.chdir(elsewhere)
    app = create_app(tmp_path / "index", watch=True, watch_interval=0.1)
    with TestClient(app, base_url=LOCAL) as test_client:
        (seeds / "new.txt").write_text("هزة أرضية\n\nشعر سكان المنطقة بالزلزال صباح اليوم.\n", encoding="utf-8")
        deadline = time.monotonic() + 15
        while search_json(test_client, q="الزلزال")["total"] == 0:
            assert time.monotonic() < deadline, "the watcher did not index the new file"
            time.sleep(0.05)
        assert search_json(test_client, q="المدرسة")["total"] == SCHOOL_HITS


def test_an_app_refuses_a_seeds_folder_the_index_does_not_follow(tmp_path):
    seeds = write_seeds(tmp_path / "seeds")
    Index(tmp_path / "index").update(seeds)
    with pytest.raises(SeedsMismatchError, match="follows the seeds folder"):
        create_app(tmp_path / "index", write_seeds(tmp_path / "other"), watch=True)


# ----- cli.py serve ------------------------------------------------------------------


def test_serve_without_the_web_extra_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if uvicorn were not installed
    result = CliRunner().invoke(cli.main, ["serve", "--index", str(tmp_path / "index"),
                                           "--seeds", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.output.strip() == "error: the web server needs uvicorn: pip install -e '.[web]'"


def test_serve_without_index_or_seeds_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(cli.main, ["serve", "--index", str(tmp_path / "index"),
                                           "--seeds", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: {tmp_path / 'index'}: no index here yet "
                                     f"(run: index --seeds DIR --index {tmp_path / 'index'})")


def test_the_server_reads_the_columns_before_its_first_request(built):
    app = create_app(built[0])
    index = app.state.index
    with TestClient(app, base_url=LOCAL):
        arrays = index._readers._arrays[1]  # the generation's columns, read at start
        codes, names = arrays._sources
        assert sorted(names) == sorted({article["source"] for article in ARTICLES if article.get("source")})
        assert set(arrays._lengths) >= {"title", "body", "title_stem", "body_stem"}



# ----- cli.py serve --workers ------------------------------------------------------------

QUAKE = "هزة أرضية\n\nشعر سكان المنطقة بالزلزال صباح اليوم.\n"
SERVE_START = 120.0  # seconds for the server and its workers to answer (imports, on a busy machine)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_json(port: int, path: str) -> dict:
    """One request on a new connection, as a new client makes it (the workers share the listening socket)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        return json.loads(response.read())


def worker_processes(supervisor) -> list:
    """The worker processes uvicorn spawned (multiprocessing's resource tracker is a child too)."""
    return [child for child in supervisor.children() if "spawn_main" in " ".join(child.cmdline())]


def test_serve_with_two_workers_answers_from_both_and_sees_a_watch_update(tmp_path):
    psutil = pytest.importorskip("psutil", reason="counting worker processes needs psutil (the bench extra)")
    seeds = write_seeds(tmp_path / "seeds")
    Index(tmp_path / "index").update(seeds)
    port, log = free_port(), tmp_path / "serve.log"
    with open(log, "wb") as log_file:  # a pipe nobody reads would fill with the access log and stop the server
        server = subprocess.Popen([sys.executable, str(REPO / "cli.py"), "serve", "--index", str(tmp_path / "index"),
                                   "--seeds", str(seeds), "--port", str(port), "--workers", "2", "--watch"],
                                  stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        deadline = time.monotonic() + SERVE_START
        while True:
            assert server.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "the server did not answer"
            try:
                if get_json(port, "/api/search?q=" + quote("المدرسة"))["total"] == SCHOOL_HITS:
                    break
            except OSError:
                time.sleep(0.2)
        workers = worker_processes(psutil.Process(server.pid))
        while len(workers) < 2 and time.monotonic() < deadline:  # the second may still be starting
            time.sleep(0.2)
            workers = worker_processes(psutil.Process(server.pid))
        assert len(workers) == 2
        before = [worker.cpu_times().user + worker.cpu_times().system for worker in workers]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda n: get_json(port, "/api/search?q=" + quote("مدرسة"))["total"],
                                    range(64)))
        assert answers == [SCHOOL_HITS] * 64
        after = [worker.cpu_times().user + worker.cpu_times().system for worker in workers]
        assert all(late > early for early, late in zip(before, after)), "a worker answered nothing"

        (seeds / "new.txt").write_text(QUAKE, encoding="utf-8")
        while get_json(port, "/api/search?q=" + quote("الزلزال"))["total"] == 0:
            assert time.monotonic() < deadline + 30, "the update was not seen through the server"
            time.sleep(0.1)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:  # every worker sees it, not only one
            seen = list(pool.map(lambda n: get_json(port, "/api/search?q=" + quote("الزلزال"))["hits"][0]["id"],
                                 range(32)))
        assert seen == ["new.txt"] * 32
    finally:
        server.terminate()
        server.wait(timeout=30)
