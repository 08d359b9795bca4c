"""Seed files in, articles out: one test per rule, on real Arabic text written to tmp_path."""

from __future__ import annotations

import codecs
import datetime
import hashlib
import json
import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.sources import (
    EMPTY,
    NOT_TEXT,
    WARNING,
    Article,
    JsonlCursor,
    Problem,
    SeedFile,
    SeedsError,
    decode_text,
    file_hash,
    iter_articles,
    open_appended,
    read_articles,
    scan,
)

SHARED = Path(__file__).parents[1].parent / "shared"

TITLE = "وزير الصحة يفتتح مستشفىً جديداً في الرياض"
BODY = "افتتح وزير الصحة اليوم مستشفى «الأمل» بسعة 300 سرير، ويخدم سكان الأحياء الشمالية.\nوقال الوزير: هل ننتظر أكثر؟"
FRENCH = "Le ministre de la santé a inauguré l'hôpital « l'Espoir » à Riyad, très attendu."


def write(folder: Path, name: str, content: str | bytes) -> Path:
    """Write content (str as UTF-8) to folder/name, creating parent folders."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def json_lines(*records) -> str:
    return "\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n"


# ---------------------------------------------------------------- .txt and .md


def test_txt_first_nonempty_line_is_title_rest_is_body(tmp_path):
    write(tmp_path, "news/health.txt", f"\n  \n  {TITLE}  \n\n{BODY}\n\n")
    articles, problems = read_articles(tmp_path, "news/health.txt")
    assert problems == []
    assert articles == [Article(id="news/health.txt", title=TITLE, body=BODY, path="news/health.txt")]


def test_txt_crlf_line_endings(tmp_path):
    write(tmp_path, "a.txt", f"{TITLE}\r\n{BODY.replace(chr(10), chr(13) + chr(10))}\r\n")
    [article], _ = read_articles(tmp_path, "a.txt")
    assert (article.title, article.body) == (TITLE, BODY)


def test_txt_title_only_has_empty_body(tmp_path):
    write(tmp_path, "a.txt", TITLE + "\n")
    [article], problems = read_articles(tmp_path, "a.txt")
    assert (article.title, article.body, problems) == (TITLE, "", [])


def test_md_title_loses_leading_hashes(tmp_path):
    write(tmp_path, "a.md", f"## {TITLE}\n\n{BODY}\n")
    [article], _ = read_articles(tmp_path, "a.md")
    assert (article.title, article.body, article.id) == (TITLE, BODY, "a.md")


def test_txt_keeps_leading_hash(tmp_path):
    write(tmp_path, "a.txt", f"# {TITLE}\n{BODY}")
    [article], _ = read_articles(tmp_path, "a.txt")
    assert article.title == f"# {TITLE}"


def test_extension_is_case_insensitive(tmp_path):
    write(tmp_path, "NEWS.TXT", f"{TITLE}\n{BODY}")
    files, problems = scan(tmp_path)
    assert [seed.path for seed in files] == ["NEWS.TXT"] and problems == []
    [article], _ = read_articles(tmp_path, "NEWS.TXT")
    assert article.title == TITLE


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("encode", [
    lambda text: text.encode("utf-8"),
    lambda text: text.encode("utf-8-sig"),
    lambda text: text.encode("utf-16"),  # BOM + native (little-endian) order
    lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    lambda text: text.encode("cp1256"),
], ids=["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom", "cp1256"])
def test_txt_encodings_decode_to_the_same_article(tmp_path, encode):
    write(tmp_path, "a.txt", encode(f"{TITLE}\n{BODY}\n"))
    articles, problems = read_articles(tmp_path, "a.txt")
    assert problems == []
    assert [(article.title, article.body) for article in articles] == [(TITLE, BODY)]


def test_latin1_text_is_not_taken_for_cp1256(tmp_path):
    write(tmp_path, "french.txt", FRENCH.encode("latin-1"))
    assert read_articles(tmp_path, "french.txt") == ([], [Problem("french.txt", NOT_TEXT)])


def test_binary_file_is_refused(tmp_path):
    write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    assert read_articles(tmp_path, "image.txt") == ([], [Problem("image.txt", NOT_TEXT)])


def test_nul_bytes_in_valid_utf8_are_refused(tmp_path):
    write(tmp_path, "a.txt", f"{TITLE}\n\x00\x00{BODY}")
    assert read_articles(tmp_path, "a.txt") == ([], [Problem("a.txt", NOT_TEXT)])


def test_utf16_without_bom_is_refused(tmp_path):
    # Arabic UTF-16-LE is valid UTF-8 (U+0627 is bytes 27 06): only the control characters give it away.
    write(tmp_path, "a.txt", f"{TITLE}\n{BODY}".encode("utf-16-le"))
    assert read_articles(tmp_path, "a.txt") == ([], [Problem("a.txt", NOT_TEXT)])


def test_random_high_bytes_are_not_arabic():
    # Every byte 0x80-0xFF read as cp1256: 74% of the letters are Arabic, below the bar.
    assert decode_text(bytes(range(0x80, 0x100))) is None


def test_cp1256_with_quotes_and_latin_names_is_arabic():
    text = "قال «محمد» لوكالة Reuters: سنبدأ في 2024؟"
    assert decode_text(text.encode("cp1256")) == text


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n ", "\n  \n".encode("utf-16"), codecs.BOM_UTF8])
def test_empty_file(tmp_path, content):
    write(tmp_path, "a.txt", content)
    assert read_articles(tmp_path, "a.txt") == ([], [Problem("a.txt", EMPTY, severity=WARNING)])


ARABIC_WORD = st.text(alphabet="ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي", min_size=2, max_size=8)
ARABIC_TEXT = st.lists(ARABIC_WORD, min_size=1, max_size=30).map(" ".join)


@given(ARABIC_TEXT, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1256"]))
def test_arabic_text_survives_every_encoding(text, encoding):
    assert decode_text(text.encode(encoding)) == text


@given(st.binary(max_size=2000))
def test_decode_never_raises_and_returns_no_control_characters(data):
    text = decode_text(data)
    assert text is None or not any(char < " " and char not in "\t\r\n" for char in text)


# ---------------------------------------------------------------- .json


def test_json_single_object_with_metadata(tmp_path):
    record = {"id": "spa-1", "title": TITLE, "content": BODY, "url": "https://www.spa.gov.sa/1",
              "date": "2024-03-23 09:15:00", "source": "spa", "author": "الرياض: واس"}
    write(tmp_path, "one.json", json.dumps(record, ensure_ascii=False))
    assert read_articles(tmp_path, "one.json") == ([Article(
        id="spa-1", title=TITLE, body=BODY, path="one.json", url="https://www.spa.gov.sa/1",
        date=datetime.datetime(2024, 3, 23, 9, 15), source="spa", author="الرياض: واس")], [])


def test_json_array_gives_one_article_per_record(tmp_path):
    write(tmp_path, "day.json", json.dumps([{"title": TITLE}, {"text": BODY}, {"body": "نص ثالث"}], ensure_ascii=False))
    articles, problems = read_articles(tmp_path, "day.json")
    assert problems == []
    assert [(article.title, article.body) for article in articles] == [(TITLE, ""), ("", BODY), ("", "نص ثالث")]


def test_body_field_preference_content_then_text_then_body(tmp_path):
    records = [{"content": "المحتوى", "text": "النص", "body": "المتن"},
               {"content": "  ", "text": "النص", "body": "المتن"},
               {"body": "المتن"}]
    write(tmp_path, "a.json", json.dumps(records, ensure_ascii=False))
    articles, _ = read_articles(tmp_path, "a.json")
    assert [article.body for article in articles] == ["المحتوى", "النص", "المتن"]


def test_json_id_rules_id_then_url_then_path_and_index(tmp_path):
    records = [{"id": 7, "url": "https://sabq.org/1", "title": TITLE},
               {"id": "", "url": "https://sabq.org/2", "title": TITLE},
               {"title": TITLE},
               {"id": "sabq-4", "title": TITLE}]
    write(tmp_path, "news/day.json", json.dumps(records, ensure_ascii=False))
    articles, _ = read_articles(tmp_path, "news/day.json")
    assert [article.id for article in articles] == ["7", "https://sabq.org/2", "news/day.json#2", "sabq-4"]


def test_empty_metadata_strings_are_absent(tmp_path):
    write(tmp_path, "a.json", json.dumps({"title": TITLE, "url": "", "author": " ", "source": "", "date": ""},
                                         ensure_ascii=False))
    [article], problems = read_articles(tmp_path, "a.json")
    assert (article.url, article.author, article.source, article.date, problems) == (None, None, None, None, [])


def test_record_without_text_is_skipped(tmp_path):
    records = [{"title": "", "content": " ", "url": "https://www.al-madina.com/1"}, {"title": TITLE}]
    write(tmp_path, "a.json", json.dumps(records, ensure_ascii=False))
    articles, problems = read_articles(tmp_path, "a.json")
    assert [article.id for article in articles] == ["a.json#1"]
    assert problems == [Problem("a.json", "record 0 has no text", severity=WARNING)]


def test_non_object_record_is_a_problem(tmp_path):
    write(tmp_path, "a.json", json.dumps(["مقال", {"title": TITLE}], ensure_ascii=False))
    articles, problems = read_articles(tmp_path, "a.json")
    assert [article.id for article in articles] == ["a.json#1"]
    assert problems == [Problem("a.json", "record 0 is not an object")]


def test_json_top_level_scalar_is_a_problem(tmp_path):
    write(tmp_path, "a.json", '"مقال"')
    articles, [problem] = read_articles(tmp_path, "a.json")
    assert articles == [] and "not an object or an array" in problem.reason


def test_malformed_json_names_the_line(tmp_path):
    write(tmp_path, "a.json", f'[\n  {{"title": "{TITLE}"}},\n  {{"title": }}\n]\n')
    articles, [problem] = read_articles(tmp_path, "a.json")
    assert articles == []
    assert (problem.path, problem.line) == ("a.json", 3)
    assert problem.reason.startswith("invalid JSON")


def test_json_in_cp1256(tmp_path):
    write(tmp_path, "a.json", json.dumps({"title": TITLE, "content": BODY}, ensure_ascii=False).encode("cp1256"))
    [article], problems = read_articles(tmp_path, "a.json")
    assert (article.title, article.body, problems) == (TITLE, BODY, [])


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("field, value, expected", [
    ("date", "2015-07-21 02:51:32", datetime.datetime(2015, 7, 21, 2, 51, 32)),
    ("date", "2015-07-21", datetime.datetime(2015, 7, 21)),
    ("date", "2015-07-21T02:51:32", datetime.datetime(2015, 7, 21, 2, 51, 32)),
    ("date", "2015-07-21T02:51:32.250000", datetime.datetime(2015, 7, 21, 2, 51, 32, 250000)),
    ("date", "2015-07-21T02:51:32Z", datetime.datetime(2015, 7, 21, 2, 51, 32)),
    ("date", "2015-07-21T05:51:32+03:00", datetime.datetime(2015, 7, 21, 5, 51, 32)),  # wall clock kept
    ("date_extracted", "2015-07-21 02:51:32", datetime.datetime(2015, 7, 21, 2, 51, 32)),
    ("published", "2015-07-21", datetime.datetime(2015, 7, 21)),
])
def test_date_forms(tmp_path, field, value, expected):
    write(tmp_path, "a.json", json.dumps({"title": TITLE, field: value}, ensure_ascii=False))
    [article], problems = read_articles(tmp_path, "a.json")
    assert (article.date, article.date.tzinfo, problems) == (expected, None, [])


def test_date_field_preference(tmp_path):
    record = {"title": TITLE, "published": "2020-01-01", "date_extracted": "2019-01-01", "date": "2018-01-01"}
    write(tmp_path, "a.json", json.dumps(record, ensure_ascii=False))
    [article], _ = read_articles(tmp_path, "a.json")
    assert article.date == datetime.datetime(2018, 1, 1)


@pytest.mark.parametrize("value", ["أمس", "21/07/2015", "2015-13-40", 1437436292])
def test_unparseable_date_keeps_the_record(tmp_path, value):
    write(tmp_path, "a.json", json.dumps({"title": TITLE, "date": value}, ensure_ascii=False))
    [article], [problem] = read_articles(tmp_path, "a.json")
    assert (article.title, article.date) == (TITLE, None)
    assert problem.path == "a.json" and "unparseable date" in problem.reason and "record 0" in problem.reason


# ---------------------------------------------------------------- .jsonl


def test_jsonl_one_article_per_line_blank_lines_ignored(tmp_path):
    write(tmp_path, "a.jsonl", "\n" + json_lines({"title": TITLE}) + "\n   \n" + json_lines({"text": BODY}))
    articles, problems = read_articles(tmp_path, "a.jsonl")
    assert problems == []
    assert [(article.id, article.title, article.body) for article in articles] == [
        ("a.jsonl#0", TITLE, ""), ("a.jsonl#1", "", BODY)]


def test_jsonl_bad_line_is_a_problem_and_valid_lines_are_kept(tmp_path):
    content = json_lines({"title": TITLE}) + '{"title": "خبر مقطوع\n' + json_lines({"title": "خبر ثالث"})
    write(tmp_path, "a.jsonl", content)
    articles, [problem] = read_articles(tmp_path, "a.jsonl")
    # The bad line keeps its index: fixing it must not renumber the records after it.
    assert [(article.id, article.title) for article in articles] == [("a.jsonl#0", TITLE), ("a.jsonl#2", "خبر ثالث")]
    assert (problem.path, problem.line) == ("a.jsonl", 2)
    assert problem.reason.startswith("invalid JSON")


def test_jsonl_record_problems_carry_the_line(tmp_path):
    write(tmp_path, "a.jsonl", json_lines({"title": TITLE}, [1, 2], {"content": ""}, {"title": TITLE, "date": "غدا"}))
    articles, problems = read_articles(tmp_path, "a.jsonl")
    assert len(articles) == 2
    assert [(problem.line, problem.reason.split(" ")[2]) for problem in problems] == [
        (2, "is"), (3, "has"), (4, "unparseable")]


def test_jsonl_undecodable_line_is_a_problem(tmp_path):
    content = (json_lines({"title": TITLE}).encode("utf-8")
               + json.dumps({"title": FRENCH}, ensure_ascii=False).encode("latin-1") + b"\n"
               + json_lines({"title": "خبر ثالث"}).encode("utf-8"))
    write(tmp_path, "a.jsonl", content)
    articles, problems = read_articles(tmp_path, "a.jsonl")
    assert [article.title for article in articles] == [TITLE, "خبر ثالث"]
    assert problems == [Problem("a.jsonl", NOT_TEXT, 2)]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1256"])
def test_jsonl_encodings(tmp_path, encoding):
    write(tmp_path, "a.jsonl", json_lines({"title": TITLE, "text": BODY}, {"title": "خبر ثان"}).encode(encoding))
    articles, problems = read_articles(tmp_path, "a.jsonl")
    assert problems == []
    assert [(article.title, article.body) for article in articles] == [(TITLE, BODY), ("خبر ثان", "")]


def test_jsonl_binary_is_one_problem_not_one_per_line(tmp_path):
    write(tmp_path, "a.jsonl", (b"\x00\x01\x02\n" * 50))
    assert read_articles(tmp_path, "a.jsonl") == ([], [Problem("a.jsonl", NOT_TEXT)])


def test_jsonl_blank_is_empty(tmp_path):
    write(tmp_path, "a.jsonl", "\n  \n\n")
    assert read_articles(tmp_path, "a.jsonl") == ([], [Problem("a.jsonl", EMPTY, severity=WARNING)])


def test_jsonl_is_read_line_by_line(tmp_path):
    # 20 MB of records without text: the result is small, so a whole-file read shows in the peak.
    padding = "ر" * 50_000
    write(tmp_path, "big.jsonl", json_lines(*({"title": "", "pad": padding} for _ in range(200))))
    tracemalloc.start()
    try:
        articles, problems = read_articles(tmp_path, "big.jsonl")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (len(articles), len(problems)) == (0, 200)
    assert peak < 2_000_000


# ---------------------------------------------------------------- .jsonl read on after appended lines

# Lines of every kind a dump holds: records with and without an id, a blank
# line, a record without text (a warning), a line that is no JSON (an error),
# a line of Windows-1256 and one of Latin-1 (undecodable), a duplicate id.
DUMP_LINES = [
    json.dumps({"id": "n1", "title": TITLE, "content": BODY}, ensure_ascii=False) + "\n",
    json.dumps({"title": "أمطار غزيرة على مكة", "content": "توقعت الأرصاد أمطاراً غزيرة."}, ensure_ascii=False) + "\n",
    "\n",
    json.dumps({"id": "n3", "title": ""}) + "\n",
    '{"id": "n4", "title": "خبر مقطوع\n',
    json.dumps({"id": "n5", "title": "النفط", "content": "ارتفعت أسعار النفط."}, ensure_ascii=False) + "\n",
    json.dumps({"id": "n6", "title": FRENCH}, ensure_ascii=False) + "\n",
    json.dumps({"id": "n1", "title": "نسخة ثانية", "date": "غدا"}, ensure_ascii=False) + "\n",
    json.dumps({"title": "خبر بلا معرف", "content": "انطلقت قافلة المساعدات."}, ensure_ascii=False) + "\n",
]


def dump_bytes(lines: list[str]) -> bytes:
    """The lines as UTF-8, but the one in French as Latin-1: undecodable, a problem of its own."""
    return b"".join(line.encode("latin-1") if FRENCH in line else line.encode("utf-8") for line in lines)


def read_whole(folder: Path, name: str) -> tuple[list, JsonlCursor]:
    cursor = JsonlCursor()
    return list(iter_articles(folder, name, cursor=cursor)), cursor


@pytest.mark.parametrize("split", range(1, len(DUMP_LINES)))
def test_jsonl_read_on_after_appended_lines_gives_what_a_whole_read_gives(tmp_path, split):
    write(tmp_path, "dump.jsonl", dump_bytes(DUMP_LINES[:split]))
    first, earlier = read_whole(tmp_path, "dump.jsonl")
    write(tmp_path, "dump.jsonl", dump_bytes(DUMP_LINES))
    whole, whole_cursor = read_whole(tmp_path, "dump.jsonl")

    opened = open_appended(tmp_path, "dump.jsonl", earlier.to_json())

    if earlier.record == 0:  # only blank lines so far: "empty file" must go, so the file is read whole
        assert opened is None
        return
    items, cursor = opened
    assert first + list(items) == whole  # same articles, ids (path#n), problems and line numbers
    assert cursor.to_json() == whole_cursor.to_json()


def test_jsonl_cursor_counts_bytes_lines_and_records(tmp_path):
    content = dump_bytes(DUMP_LINES)
    write(tmp_path, "dump.jsonl", content)
    _, cursor = read_whole(tmp_path, "dump.jsonl")
    assert cursor.to_json() == {"offset": len(content), "line": 9, "record": 8,  # the blank line is no record
                                "sha256": hashlib.sha256(content).hexdigest()}


@pytest.mark.parametrize("change", [
    "a line read before was edited",
    "the last line read had no newline",
    "the file is shorter",
    "a NUL in the first 8 KB",
])
def test_jsonl_not_read_on_when_not_only_appended(tmp_path, change):
    lines = [json.dumps({"id": f"n{n}", "title": TITLE}, ensure_ascii=False) + "\n" for n in range(3)]
    if change == "the last line read had no newline":
        lines[-1] = lines[-1].rstrip("\n")
    write(tmp_path, "dump.jsonl", "".join(lines))
    _, earlier = read_whole(tmp_path, "dump.jsonl")
    if change == "a line read before was edited":
        lines[1] = lines[1].replace("n1", "n9")
    appended = json.dumps({"id": "n3", "title": "خبر جديد"}, ensure_ascii=False) + "\n"
    content = "".join(lines).encode("utf-8") + appended.encode("utf-8")
    if change == "the file is shorter":
        content = "".join(lines[:2]).encode("utf-8")
    if change == "a NUL in the first 8 KB":
        content += b"\x00\n"  # a whole read refuses the file: reading on must not accept it
    write(tmp_path, "dump.jsonl", content)

    assert open_appended(tmp_path, "dump.jsonl", earlier.to_json()) is None


def test_jsonl_in_utf16_is_never_read_on(tmp_path):
    write(tmp_path, "dump.jsonl", json_lines({"id": "n1", "title": TITLE}).encode("utf-16"))
    _, earlier = read_whole(tmp_path, "dump.jsonl")  # read as text, not split in bytes: no offset to go on from
    write(tmp_path, "dump.jsonl", json_lines({"id": "n1", "title": TITLE}, {"id": "n2", "title": "خبر"}).encode("utf-16"))
    assert earlier.offset == 0 and open_appended(tmp_path, "dump.jsonl", earlier.to_json()) is None


@pytest.mark.parametrize("earlier", [{}, {"offset": "12", "line": 1, "record": 1, "sha256": "x"},
                                     {"offset": 12, "line": True, "record": 1, "sha256": "x"}])
def test_jsonl_read_on_refuses_a_cursor_of_the_wrong_shape(tmp_path, earlier):
    write(tmp_path, "dump.jsonl", json_lines({"id": "n1", "title": TITLE}))
    assert open_appended(tmp_path, "dump.jsonl", earlier) is None


def test_jsonl_read_on_of_a_missing_file_is_none(tmp_path):
    write(tmp_path, "dump.jsonl", json_lines({"id": "n1", "title": TITLE}))
    _, earlier = read_whole(tmp_path, "dump.jsonl")
    (tmp_path / "dump.jsonl").unlink()
    assert open_appended(tmp_path, "dump.jsonl", earlier.to_json()) is None


# ---------------------------------------------------------------- reading errors


def test_unreadable_file_is_a_problem(tmp_path):
    path = write(tmp_path, "secret.txt", f"{TITLE}\n{BODY}")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user (root) who can read a chmod 0 file")
        assert read_articles(tmp_path, "secret.txt") == ([], [Problem("secret.txt", "cannot read: Permission denied")])
    finally:
        path.chmod(0o644)


def test_folder_named_like_a_seed_is_a_problem_not_an_exception(tmp_path):
    (tmp_path / "folder.txt").mkdir()
    assert read_articles(tmp_path, "folder.txt") == ([], [Problem("folder.txt", "cannot read: Is a directory")])


def test_read_articles_refuses_unknown_type(tmp_path):
    write(tmp_path, "photo.jpg", b"\xff\xd8\xff\xe0")
    assert read_articles(tmp_path, "photo.jpg") == ([], [Problem("photo.jpg", "unknown file type .jpg, ignored", severity=WARNING)])


# ---------------------------------------------------------------- scan


def test_scan_lists_seed_files_sorted_with_size_and_mtime(tmp_path):
    for name in ["b.txt", "a/z.jsonl", "a.md", "a/b/c.json"]:
        write(tmp_path, name, f"{TITLE}\n{BODY}")
    files, problems = scan(tmp_path)
    assert problems == []
    assert [seed.path for seed in files] == ["a.md", "a/b/c.json", "a/z.jsonl", "b.txt"]
    stat = (tmp_path / "a/b/c.json").stat()
    assert files[1] == SeedFile("a/b/c.json", stat.st_size, stat.st_mtime_ns)


def test_scan_lists_unknown_extensions(tmp_path):
    write(tmp_path, "news.txt", TITLE)
    write(tmp_path, "scans/page.pdf", b"%PDF-1.4")
    write(tmp_path, "README", "اقرأني")
    files, problems = scan(tmp_path)
    assert [seed.path for seed in files] == ["news.txt"]
    assert problems == [Problem("README", "unknown file type (no extension), ignored", severity=WARNING),
                        Problem("scans/page.pdf", "unknown file type .pdf, ignored", severity=WARNING)]


def test_scan_ignores_hidden_and_editor_files_silently(tmp_path):
    write(tmp_path, "news.txt", TITLE)
    for name in [".hidden.txt", ".git/HEAD", ".git/notes.txt", "news.txt~", "news.txt.swp", ".news.txt.swp",
                 "news.txt.swo", "#news.txt#", ".#news.txt", ".DS_Store"]:
        write(tmp_path, name, TITLE)
    assert scan(tmp_path) == ([SeedFile("news.txt", (tmp_path / "news.txt").stat().st_size,
                                        (tmp_path / "news.txt").stat().st_mtime_ns)], [])


def test_scan_follows_symlinked_files_out_of_the_folder_when_asked(tmp_path):
    outside = write(tmp_path, "outside/real.txt", f"{TITLE}\n{BODY}")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "link.txt").symlink_to(outside)
    files, problems = scan(seeds, follow_links=True)
    assert (files, problems) == ([SeedFile("link.txt", outside.stat().st_size, outside.stat().st_mtime_ns)], [])
    [article], _ = read_articles(seeds, "link.txt", follow_links=True)
    assert (article.id, article.title) == ("link.txt", TITLE)


def test_scan_reports_a_symlink_loop_once(tmp_path):
    write(tmp_path, "a/news.txt", TITLE)
    (tmp_path / "a/back").symlink_to(tmp_path, target_is_directory=True)
    files, problems = scan(tmp_path)
    assert [seed.path for seed in files] == ["a/news.txt"]
    assert problems == [Problem("a/back", "symlink loop back to ., not followed", severity=WARNING)]


def test_scan_enters_a_folder_linked_twice_once(tmp_path):
    outside = tmp_path / "outside"
    write(outside, "news.txt", TITLE)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "first").symlink_to(outside, target_is_directory=True)
    (seeds / "second").symlink_to(outside, target_is_directory=True)
    files, problems = scan(seeds, follow_links=True)
    assert [seed.path for seed in files] == ["first/news.txt"]
    assert problems == [Problem("second", "same folder as first, not followed", severity=WARNING)]


def test_scan_reports_broken_symlink(tmp_path):
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    files, [problem] = scan(tmp_path)
    assert files == [] and problem.path == "gone.txt" and problem.reason.startswith("broken symlink")


def test_scan_reports_unreadable_folder(tmp_path):
    write(tmp_path, "news.txt", TITLE)
    locked = tmp_path / "locked"
    write(locked, "hidden-from-us.txt", TITLE)
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as a user (root) who can read a chmod 0 folder")
        files, problems = scan(tmp_path)
        assert [seed.path for seed in files] == ["news.txt"]
        assert problems == [Problem("locked", "unreadable folder: Permission denied")]
    finally:
        locked.chmod(0o755)


def test_scan_reports_folder_it_cannot_list(tmp_path, monkeypatch):
    # The same rule as above, runnable as root: the OS refuses to list one folder.
    write(tmp_path, "news.txt", TITLE)
    write(tmp_path, "locked/hidden-from-us.txt", TITLE)
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, problems = scan(tmp_path)
    assert [seed.path for seed in files] == ["news.txt"]
    assert problems == [Problem("locked", "unreadable folder: Permission denied")]


def test_scan_missing_seeds_folder_raises(tmp_path):
    with pytest.raises(SeedsError, match="no-such-folder"):
        scan(tmp_path / "no-such-folder")


def test_scan_seeds_path_that_is_a_file_raises(tmp_path):
    path = write(tmp_path, "seeds.txt", TITLE)
    with pytest.raises(SeedsError, match="not a folder"):
        scan(path)


def test_file_hash_is_sha256_of_the_bytes(tmp_path):
    data = (TITLE + "\n" + BODY).encode("utf-8") * 20_000  # several hash chunks
    write(tmp_path, "big.txt", data)
    assert file_hash(tmp_path, "big.txt") == hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- real corpora


def shared_file(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} is absent (shared corpora live in ../shared next to the repo)")
    return path


def extract_saudinewsnet_day(day: str, folder: Path) -> str:
    """Unzip one SaudiNewsNet day into folder; return the JSON file's relative path."""
    with zipfile.ZipFile(shared_file(f"corpora/saudinewsnet/dataset/{day}.zip")) as archive:
        archive.extractall(folder)
    return f"{day}.json"


SUBSTITUTE_URLS = {f"http://www.alyaum.com/article/{n}" for n in (4081227, 4081251, 4081269, 4081290)}


@pytest.mark.slow
def test_saudinewsnet_day_parses_without_problems(tmp_path):
    path = extract_saudinewsnet_day("2015-08-01", tmp_path)
    files, scan_problems = scan(tmp_path)
    assert [seed.path for seed in files] == [path] and scan_problems == []
    articles, problems = read_articles(tmp_path, path)
    assert problems == []
    assert len(articles) == 1285
    assert all(article.title or article.body for article in articles)
    assert all(isinstance(article.date, datetime.datetime) for article in articles)
    assert all(article.id == article.url and article.source for article in articles)
    assert len({article.id for article in articles}) == len(articles)
    # Four alyaum articles open their paragraphs with \u001a\u001a: read, without it.
    with_substitutes = [article for article in articles if article.url in SUBSTITUTE_URLS]
    assert len(with_substitutes) == 4 and not any("\x1a" in article.body for article in articles)


@pytest.mark.slow
def test_saudinewsnet_empty_records_are_reported(tmp_path):
    # 2015-07-21 holds 19 records whose title is "" and content " " (al-madina video pages).
    path = extract_saudinewsnet_day("2015-07-21", tmp_path)
    articles, problems = read_articles(tmp_path, path)
    assert (len(articles), len(problems)) == (2953, 19)
    assert all(problem.reason.endswith("has no text") for problem in problems)


@pytest.mark.slow
def test_arcd_corpus_has_460_articles():
    path = shared_file("eval/arcd/corpus.jsonl")
    articles, problems = read_articles(path.parent, path.name)
    assert problems == []
    assert len(articles) == 460
    assert articles[0].id == "arcd-a000-p00"
    assert all(article.title and article.body for article in articles)
    assert len({article.id for article in articles}) == 460
