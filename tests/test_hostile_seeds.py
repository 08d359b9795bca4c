"""Hostile seed files: each is one Problem of that file, never an exception out of sources.py, never a hang.

A rule test on the library for each kind of file, then, where a user would
see it, a real ``cli.py index`` process: the other files are indexed and
searchable, the bad one is named in one line on stderr, no traceback.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from test_reliability import CLI, run_cli, skipped_lines

from search import Index
from search.sources import (
    EMPTY,
    MAX_FOLDER_DEPTH,
    MAX_JSON_DEPTH,
    MAX_NUMBER_LENGTH,
    OUTSIDE_LINK,
    WARNING,
    Problem,
    SeedsError,
    decode_text,
    file_hash,
    read_articles,
    scan,
)

SCHOOL_TITLE = "افتتاح مدرسة جديدة في الرياض"
SCHOOL = "افتتحت وزارة التعليم المدرسة الجديدة في حي النرجس، واستقبلت المدرسةُ مئتي طالب في يومها الأول."
HOSPITAL_TITLE = "وزير الصحة يفتتح مستشفى الأمل"
HOSPITAL = "افتتح وزير الصحة اليوم مستشفى «الأمل» بسعة ثلاثمئة سرير، ويخدم سكان الأحياء الشمالية في جدة."
OIL = "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار أوبك خفض الإنتاج مليون برميل يومياً."
WEATHER = "توقعت الأرصاد الجوية أمطاراً غزيرة على مكة المكرمة والمدينة المنورة خلال عطلة نهاية الأسبوع."
# From SaudiNewsNet (alyaum, 2015-08-01): a pair of SUBSTITUTE characters (\x1a) opens each paragraph.
NASSR_TITLE = "متى يحل النصر لغز الأجانب..؟؟"
NASSR = (" \x1a\x1a لا يمكن لأي عاقل أن ينسف الجهود الكبيرة والمضنية التي بذلتها إدارة النصر بقيادة ربان "
         "السفينة الصفراء فيصل بن تركي..\n\x1a\x1a ولا يمكن أيضا لأي عاقل أن يتجاهل احترافية الإدارة في إبرام "
         "جملة من الصفقات المحلية الكبيرة التي كانت حديث الشارع الرياضي.")


def write(folder: Path, name: str, content: str | bytes) -> Path:
    """Write content (str as UTF-8) to folder/name, creating parent folders."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def record(article_id: str, title: str, content: str, **extra) -> str:
    return json.dumps({"id": article_id, "title": title, "content": content, **extra}, ensure_ascii=False)


def good_seeds(tmp_path: Path) -> Path:
    """A seeds folder with the one good article every run must still index."""
    seeds = tmp_path / "seeds"
    write(seeds, "school.txt", f"{SCHOOL_TITLE}\n\n{SCHOOL}\n")
    return seeds


def index_ids(index: Path, query: str) -> set[str]:
    return {hit.id for hit in Index(index).search(query, limit=100).hits}


def assert_one_line_each(stderr: str, expected: list[str]) -> None:
    """stderr names each bad file in exactly the expected "skipped" lines, in order, with no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = skipped_lines(stderr)
    assert len(lines) == len(expected), lines
    for line, start in zip(lines, expected):
        assert line.startswith(start), (line, start)


def finishes(function, *args, seconds: float = 10, **kwargs):
    """function(*args, **kwargs), failing the test if it has not returned within seconds: a hang."""
    outcome = {}

    def call():
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # handed to the test below
            outcome["error"] = error

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"{function.__name__} has not returned after {seconds}s: it hangs")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# ---------------------------------------------------------------- only regular files are opened


def swap_for_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


@pytest.mark.parametrize("name", ["hospital.txt", "hospital.json", "hospital.jsonl"])
def test_a_seed_replaced_by_a_fifo_after_scan_is_a_problem_not_a_hang(tmp_path, name):
    write(tmp_path, name, record("h", HOSPITAL_TITLE, HOSPITAL) if ".json" in name else HOSPITAL)
    assert [seed.path for seed in scan(tmp_path)[0]] == [name]  # a regular file when scanned
    swap_for_fifo(tmp_path / name)

    assert finishes(read_articles, tmp_path, name) == ([], [Problem(name, "cannot read: not a regular file (FIFO)")])
    with pytest.raises(OSError) as refused:
        finishes(file_hash, tmp_path, name)
    assert refused.value.strerror == "not a regular file (FIFO)"


# ---------------------------------------------------------------- links out of the seeds folder


def test_link_to_a_file_outside_the_seeds_folder_is_not_followed(tmp_path):
    outside = write(tmp_path, "outside/hospital.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}")
    seeds = good_seeds(tmp_path)
    (seeds / "hospital.txt").symlink_to(outside)

    assert scan(seeds)[1] == [Problem("hospital.txt", OUTSIDE_LINK, severity=WARNING)]
    assert [seed.path for seed in scan(seeds)[0]] == ["school.txt"]
    files, problems = scan(seeds, follow_links=True)
    assert [seed.path for seed in files] == ["hospital.txt", "school.txt"] and problems == []


def test_link_to_a_folder_outside_the_seeds_folder_is_not_walked(tmp_path):
    write(tmp_path, "archive/2015/hospital.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}")
    seeds = good_seeds(tmp_path)
    (seeds / "archive").symlink_to(tmp_path / "archive", target_is_directory=True)
    (seeds / "news").mkdir()
    (seeds / "news" / "up").symlink_to("../../archive/2015", target_is_directory=True)  # relative, still outside

    files, problems = scan(seeds)

    assert [seed.path for seed in files] == ["school.txt"]
    assert problems == [Problem("archive", OUTSIDE_LINK, severity=WARNING),
                        Problem("news/up", OUTSIDE_LINK, severity=WARNING)]
    files, problems = scan(seeds, follow_links=True)
    assert [seed.path for seed in files] == ["archive/2015/hospital.txt", "school.txt"]
    assert problems == [Problem("news/up", "same folder as archive/2015, not followed", severity=WARNING)]


def test_links_that_stay_inside_the_seeds_folder_are_followed(tmp_path):
    seeds = good_seeds(tmp_path)
    write(seeds, "2015/07/hospital.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}")
    (seeds / "latest.txt").symlink_to("2015/07/hospital.txt")
    (seeds / "2015" / "07" / "school.txt").symlink_to("../../school.txt")
    (seeds / "current").symlink_to(seeds / "2015" / "07", target_is_directory=True)

    files, problems = scan(seeds)

    assert [seed.path for seed in files] == ["2015/07/hospital.txt", "2015/07/school.txt", "latest.txt",
                                             "school.txt"]
    assert problems == [Problem("current", "same folder as 2015/07, not followed", severity=WARNING)]
    assert read_articles(seeds, "latest.txt")[0][0].title == HOSPITAL_TITLE


def test_a_seed_turned_into_a_link_out_of_the_folder_after_scan_is_not_read(tmp_path):
    secret = write(tmp_path, "private/notes.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}")
    seeds = good_seeds(tmp_path)
    write(seeds, "hospital.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}")
    assert [seed.path for seed in scan(seeds)[0]] == ["hospital.txt", "school.txt"]
    (seeds / "hospital.txt").unlink()
    (seeds / "hospital.txt").symlink_to(secret)

    assert read_articles(seeds, "hospital.txt") == ([], [Problem("hospital.txt", OUTSIDE_LINK, severity=WARNING)])
    with pytest.raises(OSError) as refused:
        file_hash(seeds, "hospital.txt")
    assert refused.value.strerror == OUTSIDE_LINK
    assert read_articles(seeds, "hospital.txt", follow_links=True)[0][0].title == HOSPITAL_TITLE
    assert file_hash(seeds, "hospital.txt", follow_links=True) == file_hash(secret.parent, "notes.txt")


def test_links_out_of_the_seeds_folder_through_a_cli_process(tmp_path):
    seeds = good_seeds(tmp_path)
    (seeds / "passwd.txt").symlink_to("/etc/passwd")
    write(tmp_path, "home/hospital.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}")
    (seeds / "home").symlink_to(tmp_path / "home", target_is_directory=True)
    index = tmp_path / "index"

    result = run_cli("index", "--seeds", seeds, "--index", index, cwd=tmp_path)

    assert result.returncode == 0  # warnings: passed over on purpose
    assert "2 warnings (2 × link to a path outside the seeds folder)" in result.stderr
    listed = run_cli("stats", "--problems", "--index", index, cwd=tmp_path).stdout.splitlines()
    assert listed == [f"home: warning: {OUTSIDE_LINK}", f"passwd.txt: warning: {OUTSIDE_LINK}"]
    assert index_ids(index, "المدرسة") == {"school.txt"}
    assert index_ids(index, "مستشفى") == set() and index_ids(index, "root") == set()
    assert Index(index).stats().documents == 1

    followed = run_cli("index", "--index", index, "--follow-links", cwd=tmp_path)  # asked for: read, and remembered
    assert followed.returncode == 0, followed.stderr
    assert index_ids(index, "مستشفى") == {"home/hospital.txt"} and index_ids(index, "root") == {"passwd.txt"}
    write(tmp_path, "home/eclipse.txt", "كسوف الشمس\nرصد الفلكيون كسوفاً جزئياً للشمس صباح اليوم.")
    searched = run_cli("search", "كسوف", "--index", index, "--json", cwd=tmp_path)  # a search's update follows too
    assert [hit["id"] for hit in json.loads(searched.stdout)["hits"]] == ["home/eclipse.txt"]
    assert Index(index).stats().documents == 4


def test_a_seed_replaced_by_a_link_to_a_device_after_scan_is_a_problem_not_a_hang(tmp_path):
    write(tmp_path, "hospital.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}")
    assert [seed.path for seed in scan(tmp_path)[0]] == ["hospital.txt"]
    (tmp_path / "hospital.txt").unlink()
    (tmp_path / "hospital.txt").symlink_to("/dev/zero")  # endless: read whole, it fills the memory

    assert finishes(read_articles, tmp_path, "hospital.txt") == (
        [], [Problem("hospital.txt", OUTSIDE_LINK, severity=WARNING)])
    assert finishes(read_articles, tmp_path, "hospital.txt", follow_links=True) == (
        [], [Problem("hospital.txt", "cannot read: not a regular file (character device)")])
    with pytest.raises(OSError, match=r"not a regular file \(character device\)"):
        finishes(file_hash, tmp_path, "hospital.txt", follow_links=True)


def open_files(pid: int) -> set[str]:
    """Paths the process holds open, from /proc (empty once it has ended)."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return set()
    paths = set()
    for name in names:
        try:
            paths.add(os.readlink(f"/proc/{pid}/fd/{name}"))
        except OSError:
            pass
    return paths


def limit_memory() -> None:
    """In the child: a reader of /dev/zero fails instead of filling the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see what the process reads")
def test_seeds_swapped_for_a_fifo_and_a_device_during_a_cli_index_process(tmp_path):
    """Swapped after the scan, while the process reads a big earlier file: the run must still end."""
    seeds = good_seeds(tmp_path)
    big = write(seeds, "a-archive.jsonl", "".join(record(f"oil-{n}", "النفط", OIL) + "\n" for n in range(6_000)))
    write(seeds, "y-fifo.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}")
    write(seeds, "z-device.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ARABIC_SEARCH_")}
    process = subprocess.Popen([sys.executable, str(CLI), "index", "--seeds", str(seeds), "--index",
                                str(tmp_path / "index")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=environment, cwd=tmp_path, preexec_fn=limit_memory)
    try:
        deadline = time.monotonic() + 60
        while os.path.realpath(big) not in open_files(process.pid):  # scanned, now reading the first file
            assert process.poll() is None and time.monotonic() < deadline, "never saw the big file read"
            time.sleep(0.005)
        swap_for_fifo(seeds / "y-fifo.txt")
        (seeds / "z-device.txt").unlink()
        (seeds / "z-device.txt").symlink_to("/dev/zero")
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()

    assert process.returncode == 2
    assert_one_line_each(stderr, ["skipped y-fifo.txt: cannot read: not a regular file (FIFO)",
                                  f"skipped z-device.txt: cannot read: {OUTSIDE_LINK}"])
    assert index_ids(tmp_path / "index", "المدرسة") == {"school.txt"}
    assert len(index_ids(tmp_path / "index", "أوبك")) == 100  # limit=100 of the 6,000


# ---------------------------------------------------------------- file names that are not UTF-8


def write_bad_name(folder: Path, name: bytes, content: bytes) -> None:
    """A file whose name holds bytes that are not UTF-8 (pathlib cannot spell it)."""
    descriptor = os.open(os.fsencode(folder) + b"/" + name, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(descriptor, content)
    os.close(descriptor)


def test_file_name_that_is_not_utf8_is_an_error_named_with_its_bytes_escaped(tmp_path):
    write(tmp_path, "school.txt", f"{SCHOOL_TITLE}\n{SCHOOL}")
    write_bad_name(tmp_path, b"bad\xff.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}".encode())
    write_bad_name(tmp_path, b"scan\xe9.png", b"\x89PNG")
    os.mkdir(os.fsencode(tmp_path) + b"/old\xe1")
    write_bad_name(tmp_path / os.fsdecode(b"old\xe1"), b"news.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}".encode())

    files, problems = scan(tmp_path)

    assert [seed.path for seed in files] == ["school.txt"]
    assert problems == [
        Problem("bad\\xff.txt", "file name is not UTF-8, not read; rename it"),
        Problem("old\\xe1", "folder name is not UTF-8, not entered; rename it"),
        Problem("scan\\xe9.png", "unknown file type .png, ignored", severity=WARNING),
    ]
    assert all(problem.path.encode("utf-8") for problem in problems)  # printable, storable


def test_file_name_that_is_not_utf8_through_cli_index_search_and_show(tmp_path):
    seeds = good_seeds(tmp_path)
    write_bad_name(seeds, b"bad\xff.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}".encode())
    index = tmp_path / "index"

    indexed = run_cli("index", "--seeds", seeds, "--index", index, cwd=tmp_path)
    found = run_cli("search", "المدرسة", "--index", index, "--json", cwd=tmp_path)
    shown = run_cli("show", "school.txt", "--index", index, "--json", cwd=tmp_path)

    assert indexed.returncode == 2
    assert_one_line_each(indexed.stderr, ["skipped bad\\xff.txt: file name is not UTF-8, not read; rename it"])
    assert found.returncode == 0 and [hit["id"] for hit in json.loads(found.stdout)["hits"]] == ["school.txt"]
    assert shown.returncode == 0 and json.loads(shown.stdout)["title"] == SCHOOL_TITLE
    again = run_cli("index", "--seeds", seeds, "--index", index, cwd=tmp_path)  # incremental: counted, not reprinted
    assert again.returncode == 2 and skipped_lines(again.stderr) == []
    assert "1 problem known from earlier runs (1 error)" in again.stderr


# ---------------------------------------------------------------- control characters


def test_stray_control_characters_are_dropped_from_text(tmp_path):
    write(tmp_path, "nassr.txt", f"{NASSR_TITLE}\n{NASSR}\n\x0c\n")  # and a form feed, a page break
    [article], problems = read_articles(tmp_path, "nassr.txt")
    assert problems == []
    assert (article.title, article.body) == (NASSR_TITLE, NASSR.replace("\x1a", "").strip())


def test_text_mostly_control_characters_is_binary(tmp_path):
    # One control in 20 characters is still text; more is a binary file, as NUL bytes are.
    text = SCHOOL_TITLE + "\n" + SCHOOL
    allowed = len(text) // 20 + 1
    assert decode_text(("\x1a" * allowed + text).encode()) == text
    assert decode_text(("\x1a" * (allowed + 2) + text).encode()) is None
    assert decode_text(("\x1a" * (allowed + 2) + text).encode("utf-16")) is None
    assert decode_text((text + "\x00").encode()) is None


def test_stray_control_character_through_a_cli_process(tmp_path):
    seeds = good_seeds(tmp_path)
    write(seeds, "nassr.txt", f"{NASSR_TITLE}\n{NASSR}\n")
    index = tmp_path / "index"

    indexed = run_cli("index", "--seeds", seeds, "--index", index, cwd=tmp_path)
    shown = run_cli("show", "nassr.txt", "--index", index, "--json", cwd=tmp_path)

    assert indexed.returncode == 0 and skipped_lines(indexed.stderr) == [], indexed.stderr
    assert index_ids(index, "احترافية") == {"nassr.txt"} and index_ids(index, "المدرسة") == {"school.txt"}
    assert "\x1a" not in json.loads(shown.stdout)["body"]


# ---------------------------------------------------------------- JSON escapes: control characters, lone surrogates


def test_control_character_escapes_are_dropped_from_json_strings(tmp_path):
    # Escaped (\u001a, \b, \f, \u0000) and raw (\x1a, invalid JSON until dropped) alike.
    content = json.dumps({"id": "alyaum-4081251", "title": "\b" + NASSR_TITLE, "content": NASSR + "\f\x00",
                          "author": "علي\u001fالسلمي"}, ensure_ascii=False)
    write(tmp_path, "a.json", content)
    write(tmp_path, "raw.jsonl", content.replace("\\u001a", "\x1a") + "\n")
    for name in ("a.json", "raw.jsonl"):
        [article], problems = read_articles(tmp_path, name)
        assert problems == []
        assert (article.title, article.body, article.author) == (
            NASSR_TITLE, NASSR.replace("\x1a", "").strip(), "عليالسلمي"), name


SURROGATE_RECORD = ('{"id": "okaz-\\ud800", "title": "\\udfff' + HOSPITAL_TITLE + '", "content": "' + HOSPITAL
                    + ' \\uD83D", "url": "https://okaz.com.sa/\\ud801x", "source": "okaz\\udc00",'
                    ' "author": "\\ud800\\ud800واس"}')


def test_lone_surrogate_escapes_become_replacement_characters_in_every_field(tmp_path):
    write(tmp_path, "a.json", SURROGATE_RECORD)
    [article], problems = read_articles(tmp_path, "a.json")
    assert problems == []
    assert (article.id, article.title, article.body, article.url, article.source, article.author) == (
        "okaz-\ufffd", "\ufffd" + HOSPITAL_TITLE, HOSPITAL + " \ufffd", "https://okaz.com.sa/\ufffdx",
        "okaz\ufffd", "\ufffd\ufffdواس")


def test_surrogate_pairs_and_escaped_backslashes_are_kept(tmp_path):
    # A pair is one character (an emoji); "\\ud800" is a backslash and the letters u d 8 0 0.
    write(tmp_path, "a.jsonl", '{"title": "\\ud83d\\ude00 ' + SCHOOL_TITLE + '", "content": "C:\\\\ud800 \\\\\\ud800"}\n'
                               '{"title": "\\ud800\\\\udc00 ' + SCHOOL_TITLE + '"}\n'
                               '{"title": "\\\\ud800\\udc00 ' + SCHOOL_TITLE + '"}\n')
    articles, problems = read_articles(tmp_path, "a.jsonl")
    assert problems == []
    assert [(article.title, article.body) for article in articles] == [
        ("\U0001f600 " + SCHOOL_TITLE, "C:\\ud800 \\\ufffd"), ("\ufffd\\udc00 " + SCHOOL_TITLE, ""),
        ("\\ud800\ufffd " + SCHOOL_TITLE, "")]


JSON_STRING_CHARS = st.sampled_from(["\\", "u", "d", "8", "c", "0", "b", "f", "n", "\"", "\ud800", "\udbff",
                                      "\udc00", "\udfff", "\x00", "\x1a", "\x1f", "\t", "\n", "م", "ة"])


@given(st.text(JSON_STRING_CHARS, max_size=40), st.booleans())
def test_any_json_string_reads_as_its_characters_without_controls_or_lone_surrogates(text, ascii_only):
    # What json.dumps writes for any string, surrogates and backslashes included, reads back as that
    # string with pairs joined, lone halves U+FFFD (as UTF-16 decoding does) and controls dropped.
    assume(ascii_only or not any("\ud800" <= char <= "\udfff" for char in text))  # raw, not UTF-8: damaged bytes
    expected = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    expected = "".join(char for char in expected if char >= " " or char in "\t\n\r").strip()
    with tempfile.TemporaryDirectory() as folder:
        write(Path(folder), "a.jsonl", json.dumps({"title": SCHOOL_TITLE, "content": text}, ensure_ascii=ascii_only))
        articles, problems = read_articles(Path(folder), "a.jsonl")
    assert problems == [] and [article.body for article in articles] == [expected]


def test_lone_surrogate_through_the_cli_and_the_web(tmp_path):
    pytest.importorskip("fastapi", reason="the web extra is not installed: pip install -e '.[web]'")
    from fastapi.testclient import TestClient

    from search.web.app import create_app

    seeds = good_seeds(tmp_path)
    write(seeds, "okaz.json", SURROGATE_RECORD)
    index = tmp_path / "index"

    indexed = run_cli("index", "--seeds", seeds, "--index", index, cwd=tmp_path)
    found = run_cli("search", "مستشفى", "--index", index, cwd=tmp_path)
    found_json = run_cli("search", "مستشفى", "--index", index, "--json", cwd=tmp_path)
    shown = run_cli("show", "okaz-\ufffd", "--index", index, cwd=tmp_path)

    assert indexed.returncode == 0, indexed.stderr
    for result in (found, found_json, shown):
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert [hit["id"] for hit in json.loads(found_json.stdout)["hits"]] == ["okaz-\ufffd"]
    client = TestClient(create_app(index), base_url="http://127.0.0.1")
    page = client.get("/", params={"q": "مستشفى"})
    api = client.get("/api/search", params={"q": "مستشفى"})
    document = client.get("/doc/" + quote("okaz-\ufffd", safe=""))
    assert (page.status_code, api.status_code, document.status_code) == (200, 200, 200)
    assert [hit["id"] for hit in api.json()["hits"]] == ["okaz-\ufffd"] and HOSPITAL_TITLE in document.text


# ---------------------------------------------------------------- nesting depth and number size


def nested(depth: int) -> str:
    """A JSON array holding itself depth levels deep: [[[...]]]."""
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("content", [
    nested(100_000),  # RecursionError in json's parser
    record("deep", SCHOOL_TITLE, SCHOOL, tags=json.loads(nested(MAX_JSON_DEPTH))),  # parses, one level too deep
], ids=["100000-deep", "limit+1"])
def test_json_nested_deeper_than_the_limit_is_an_error_of_the_file(tmp_path, content):
    write(tmp_path, "deep.json", content)
    assert finishes(read_articles, tmp_path, "deep.json") == (
        [], [Problem("deep.json", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")])


def test_jsonl_line_nested_too_deep_costs_only_that_line(tmp_path):
    lines = [record("oil", "النفط", OIL), nested(100_000), record("rain", "أمطار", WEATHER),
             record("deep", SCHOOL_TITLE, SCHOOL, tags=json.loads(nested(MAX_JSON_DEPTH)))]
    write(tmp_path, "feed.jsonl", "\n".join(lines) + "\n")
    articles, problems = read_articles(tmp_path, "feed.jsonl")
    assert [article.id for article in articles] == ["oil", "rain"]
    assert problems == [Problem("feed.jsonl", f"JSON nested deeper than {MAX_JSON_DEPTH} levels", line)
                        for line in (2, 4)]


LONG_NUMBER = "1234567890" * 500  # 5,000 digits: past Python's int limit of 4,300


@pytest.mark.parametrize("number", [LONG_NUMBER, "-" + LONG_NUMBER[:MAX_NUMBER_LENGTH],
                                    "0." + LONG_NUMBER, "1" + "0" * MAX_NUMBER_LENGTH + "e5"],
                         ids=["5000-digit-int", "limit+1-int", "long-float", "limit+1-float"])
def test_json_number_longer_than_the_limit_is_an_error(tmp_path, number):
    write(tmp_path, "long.json", f'{{"id": {number}, "title": "{SCHOOL_TITLE}"}}')
    write(tmp_path, "long.jsonl", f'{record("oil", "النفط", OIL)}\n{{"id": {number}, "title": "{SCHOOL_TITLE}"}}\n')
    reason = f"JSON number longer than {MAX_NUMBER_LENGTH} characters"
    assert read_articles(tmp_path, "long.json") == ([], [Problem("long.json", reason)])
    articles, problems = read_articles(tmp_path, "long.jsonl")
    assert [article.id for article in articles] == ["oil"] and problems == [Problem("long.jsonl", reason, 2)]


def test_json_at_the_limits_is_read(tmp_path):
    digits = "9" * MAX_NUMBER_LENGTH
    # The record is level 1: tags holds the other MAX_JSON_DEPTH - 1.
    write(tmp_path, "edge.json", f'{{"id": {digits}, "title": "{SCHOOL_TITLE}", "content": "{SCHOOL}", '
                                 f'"tags": {nested(MAX_JSON_DEPTH - 1)}, "score": 0.{"5" * (MAX_NUMBER_LENGTH - 2)}}}')
    [article], problems = read_articles(tmp_path, "edge.json")
    assert problems == [] and (article.id, article.title) == (digits, SCHOOL_TITLE)


def test_large_legal_json_is_read_whole(tmp_path):
    records = [json.loads(record(f"okaz-{n}", f"{SCHOOL_TITLE} {n}", SCHOOL)) for n in range(30_000)]
    write(tmp_path, "dump.json", json.dumps(records, ensure_ascii=False))
    started = time.perf_counter()
    articles, problems = read_articles(tmp_path, "dump.json")
    assert problems == [] and len(articles) == 30_000 and articles[-1].id == "okaz-29999"
    assert time.perf_counter() - started < 10  # ~0.3s: no per-character work in Python


def test_deep_json_and_long_numbers_through_a_cli_process(tmp_path):
    seeds = good_seeds(tmp_path)
    write(seeds, "deep.json", nested(100_000))
    write(seeds, "feed.jsonl", f'{record("oil", "النفط", OIL)}\n{nested(100_000)}\n{{"id": {LONG_NUMBER}}}\n'
                               f'{record("rain", "أمطار", WEATHER)}\n')
    write(seeds, "long.json", f'{{"id": {LONG_NUMBER}, "title": "{HOSPITAL_TITLE}", "content": "{HOSPITAL}"}}')

    result = run_cli("index", "--seeds", seeds, "--index", tmp_path / "index", cwd=tmp_path)

    assert result.returncode == 2
    assert_one_line_each(result.stderr, [
        f"skipped deep.json: JSON nested deeper than {MAX_JSON_DEPTH} levels",
        f"skipped feed.jsonl:2: JSON nested deeper than {MAX_JSON_DEPTH} levels",
        f"skipped feed.jsonl:3: JSON number longer than {MAX_NUMBER_LENGTH} characters",
        f"skipped long.json: JSON number longer than {MAX_NUMBER_LENGTH} characters",
    ])
    assert index_ids(tmp_path / "index", "المدرسة") == {"school.txt"}
    assert index_ids(tmp_path / "index", "أوبك") == {"oil"}
    assert index_ids(tmp_path / "index", "الأرصاد") == {"rain"}


# ---------------------------------------------------------------- other odd inputs


@pytest.mark.parametrize("value", ["1e999999", "-1e999999", "NaN", "Infinity"])
def test_json_number_that_is_not_finite_is_absent(tmp_path, value):
    write(tmp_path, "a.jsonl", f'{{"id": {value}, "title": "{SCHOOL_TITLE}", "author": {value}}}\n')
    [article], problems = read_articles(tmp_path, "a.jsonl")
    assert problems == [] and (article.id, article.author) == ("a.jsonl#0", None)


def test_json_that_is_one_huge_string_is_one_problem(tmp_path):
    write(tmp_path, "a.json", json.dumps(SCHOOL * 50_000, ensure_ascii=False))  # ~9 MB
    assert finishes(read_articles, tmp_path, "a.json") == (
        [], [Problem("a.json", "JSON top level is not an object or an array of objects")])


@pytest.mark.parametrize("name", ["a.txt", "a.md", "a.json", "a.jsonl"])
@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"], ids=["utf-8", "utf-16-le", "utf-16-be"])
def test_bom_only_file_is_empty(tmp_path, name, bom):
    write(tmp_path, name, bom)
    assert read_articles(tmp_path, name) == ([], [Problem(name, EMPTY, severity=WARNING)])


def make_deep_folders(root: Path, depth: int) -> Path:
    """root/d/d/.../d, depth folders down (os.makedirs would recurse past Python's limit)."""
    folder = root
    for _ in range(depth):
        folder = folder / "d"
        folder.mkdir()
    return folder


def remove_deep_folders(root: Path, depth: int) -> None:
    """The inverse, deepest first (shutil.rmtree recurses too)."""
    for level in range(depth, 0, -1):
        folder = root / "/".join(["d"] * level)
        for child in folder.iterdir():
            if not child.is_dir():
                child.unlink()
        folder.rmdir()


def test_folders_nested_past_the_limit_are_one_problem(tmp_path):
    write(tmp_path, "school.txt", f"{SCHOOL_TITLE}\n{SCHOOL}")
    depth = 1_100  # past Python's recursion limit
    write(make_deep_folders(tmp_path, depth), "hospital.txt", f"{HOSPITAL_TITLE}\n{HOSPITAL}")
    try:
        files, problems = scan(tmp_path)
    finally:
        remove_deep_folders(tmp_path, depth)
    too_deep = "/".join(["d"] * (MAX_FOLDER_DEPTH + 1))
    assert [seed.path for seed in files] == ["school.txt"]
    assert problems == [Problem(too_deep, f"folder nested deeper than {MAX_FOLDER_DEPTH} levels, not entered")]


def test_seeds_folder_that_cannot_be_looked_at_is_a_seeds_error(tmp_path, monkeypatch):
    # A folder below one we may not enter (runnable as root: the OS refuses the stat).
    seeds = tmp_path / "locked" / "seeds"
    real_stat = os.stat

    def refusing_stat(path, *args, **kwargs):
        if Path(path) == seeds:
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", refusing_stat)
    with pytest.raises(SeedsError, match="Permission denied"):
        scan(seeds)


SEED_NAMES = st.sampled_from(["a.txt", "a.md", "a.json", "a.jsonl"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(JSON_STRING_CHARS, max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "title", "content", "text", "date", "url", "source", "author"]), children, max_size=5),
    max_leaves=20)


@given(st.binary(max_size=500) | JSON_VALUES.map(lambda value: json.dumps(value).encode()), SEED_NAMES)
def test_any_seed_reads_as_articles_and_one_line_problems_without_raising(data, name):
    with tempfile.TemporaryDirectory() as folder:
        write(Path(folder), name, data)
        articles, problems = read_articles(Path(folder), name)
    for article in articles:
        for text in filter(None, (article.id, article.title, article.body, article.url, article.source,
                                  article.author)):
            text.encode("utf-8")  # raises for a lone surrogate
            assert not any(char < " " and char not in "\t\n\r" for char in text), text
    assert all(problem.path == name and "\n" not in problem.reason for problem in problems)
