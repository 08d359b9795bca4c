"""The command line through click's CliRunner: every command, exit codes, bidi, machine output."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from test_reliability import run_cli

import cli
from search.sources import CONTROL_CHARS

ARTICLES = [
    {"id": "school", "title": "افتتاح مدرسة جديدة", "source": "okaz", "date": "2015-07-21 09:00:00",
     "text": "افتتح وزير التعليم المدرسة الجديدة، واحتفل الطلاب بالمدرسةِ مع المعلمين."},
    {"id": "oil", "title": "أسعار النفط", "source": "aleqtisadiya", "date": "2015-08-02 12:00:00",
     "text": "ارتفعت أسعار النفط بعد قرار منظمة أوبك خفض الإنتاج."},
]


@pytest.fixture
def folders(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "news.jsonl").write_text(
        "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), encoding="utf-8")
    return seeds, tmp_path / "index"


def run(*args):
    result = CliRunner().invoke(cli.main, [str(a) for a in args])
    return result


def built(folders):
    seeds, index = folders
    assert run("index", "--seeds", seeds, "--index", index).exit_code == 0
    return ["--index", index, "--seeds", seeds]


def test_index_prints_a_summary_then_says_up_to_date(folders):
    seeds, index = folders
    first = run("index", "--seeds", seeds, "--index", index)
    assert first.exit_code == 0 and "2 added" in first.output
    again = run("index", "--seeds", seeds, "--index", index)
    assert again.exit_code == 0 and "up to date" in again.output


def test_index_json_summary(folders):
    seeds, index = folders
    result = run("index", "--seeds", seeds, "--index", index, "--json")
    data = json.loads(result.output)
    assert data["added"] == 2 and data["problems"] == [] and data["full"] is True


def test_index_with_a_bad_file_exits_2_and_names_it(folders):
    seeds, index = folders
    (seeds / "broken.json").write_text('{"title": "خبر", "content": ', encoding="utf-8")
    result = run("index", "--seeds", seeds, "--index", index)
    assert result.exit_code == 2
    assert "broken.json" in result.output and "2 added" in result.output


def test_search_renders_hits_with_logical_order_when_bidi_off(folders):
    options = built(folders)
    result = run("search", "المدرسة", *options, "--bidi", "off")
    assert result.exit_code == 0
    assert "1 results" in result.output
    assert "افتتاح مدرسة جديدة" in result.output  # logical order, unshaped
    assert "by source: okaz 1" in result.output


def test_search_bidi_on_reorders_and_shapes(folders):
    options = built(folders)
    result = run("search", "المدرسة", *options, "--bidi", "on")
    assert result.exit_code == 0
    assert "افتتاح مدرسة جديدة" not in result.output
    assert cli.visual("افتتاح مدرسة جديدة") in result.output
    assert cli.visual("جديدة").startswith("ﺓ")  # shaped final form, now on the left


def test_bidi_environment_variable(folders, monkeypatch):
    options = built(folders)
    monkeypatch.setenv(cli.BIDI_ENV, "on")
    result = run("search", "المدرسة", *options)
    assert cli.visual("افتتاح مدرسة جديدة") in result.output


def test_json_is_never_reordered(folders):
    options = built(folders)
    result = run("search", "المدرسة", *options, "--json", "--bidi", "on")
    data = json.loads(result.output)
    assert data["hits"][0]["title"] == "افتتاح مدرسة جديدة"
    hit = data["hits"][0]
    assert [hit["snippet"][s:e] for s, e in hit["highlights"]] == ["المدرسة", "بالمدرسةِ"]


def test_search_explain(folders):
    options = built(folders)
    result = run("search", "مدرسة", *options, "--explain", "--bidi", "off")
    assert "بالمدرسةِ" in result.output and "(prefix)" in result.output
    data = json.loads(run("search", "مدرسة", *options, "--explain", "--json").output)
    assert {m["rule"] for m in data["hits"][0]["explain"]} == {"prefix"}


def test_no_results_exit_1(folders):
    options = built(folders)
    result = run("search", "الغواصات", *options, "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["hits"] == []


def test_malformed_query_is_one_line_exit_2(folders):
    options = built(folders)
    result = run("search", '"النفط', *options)
    assert result.exit_code == 2
    assert result.output.strip() == 'error: unclosed quote " at character 1'


def test_usage_error_exit_2(folders):
    assert run("search").exit_code == 2
    assert run("search", "x", "--limit", "0").exit_code == 2


def test_batch_json_and_trec(folders, tmp_path):
    options = built(folders)
    queries = tmp_path / "queries.tsv"
    queries.write_text("q1\tالمدرسة\nq2\tالنفط\n", encoding="utf-8")
    lines = run("search", "--batch", queries, *options, "--json").output.strip().split("\n")
    assert [json.loads(line)["qid"] for line in lines] == ["q1", "q2"]
    trec = run("search", "--batch", queries, *options, "--trec").output.strip().split("\n")
    assert trec[0].split()[:4] == ["q1", "Q0", "school", "1"]
    assert trec[1].split()[:4] == ["q2", "Q0", "oil", "1"]


def test_search_updates_a_stale_index_first(folders):
    seeds, index = folders
    options = built(folders)
    (seeds / "extra.txt").write_text("خبر عاجل\nوصلت قافلة المساعدات إلى المدينة.", encoding="utf-8")
    result = run("search", "قافلة", *options, "--json")
    assert json.loads(result.output)["hits"][0]["id"] == "extra.txt"


def test_show_highlights_the_query(folders):
    options = built(folders)
    result = run("show", "school", "-q", "مدرسة", "--index", options[1], "--json")
    data = json.loads(result.output)
    assert [data["body"][s:e] for s, e in data["highlights"]] == ["المدرسة", "بالمدرسةِ"]
    missing = run("show", "nothing", "--index", options[1])
    assert missing.exit_code == 2 and "no article with id 'nothing'" in missing.output


def test_stats(folders):
    options = built(folders)
    data = json.loads(run("stats", "--index", options[1], "--json").output)
    assert data["documents"] == 2 and data["sources"] == {"okaz": 1, "aleqtisadiya": 1}
    assert data["first_date"].startswith("2015-07-21") and data["last_date"].startswith("2015-08-02")
    assert "documents" in run("stats", "--index", options[1]).output


def test_stats_without_index_is_one_line(tmp_path):
    result = run("stats", "--index", tmp_path / "nowhere")
    assert result.exit_code == 2 and result.output.count("\n") == 1


def test_normalize_and_analyze():
    assert run("normalize", "أَحْمَد مـــدرسة ٢٠١٥").output == "احمد مدرسه 2015\n"
    tokens = [json.loads(line) for line in run("analyze", "وبالمدرسةِ الجديدة", "--json").output.split("\n") if line]
    assert tokens[0] == {"position": 0, "start": 0, "end": 10, "original": "وبالمدرسةِ",
                         "normalized": "وبالمدرسه", "stem": "مدرس"}
    assert tokens[1]["stem"] == "جديد"


def test_the_last_year_of_the_calendar_is_a_date_on_the_command_line(folders):
    options = built(folders)
    assert json.loads(run("search", "المدرسة", *options, "--until", "9999", "--json").output)["total"] == 1
    assert json.loads(run("search", "المدرسة", *options, "--since", "9999", "--json").output)["total"] == 0
    result = run("search", "المدرسة", *options, "--since", "10000")
    assert result.exit_code == 2 and result.output == "error: bad date '10000' (use YYYY, YYYY-MM or YYYY-MM-DD)\n"


# ----- terminal escapes in articles ----------------------------------------------------

# Escape sequences, C0 and C1 controls and a bidi override in a real headline and text.
EVIL_TITLE = "افتتاح \x1b[31mمدرسة\x1b[0m جديدة\u202e في\nالرياض"
EVIL_BODY = ("\x1b]0;pwned\x07افتتح وزير التعليم\x00 المدرسة\x9b2J الجديدة،\r\x1b[1A واحتفل الطلاب "
             "بالمدرسةِ مع المعلمين.\x1bc")
EVIL = {"id": "evil\x1b[2J", "title": EVIL_TITLE, "source": "okaz\x07", "date": "2015-07-21 09:00:00",
        "text": EVIL_BODY}
TERMINAL_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # all but \n


def as_stored(text: str) -> str:
    """What reading a seed keeps of text (sources.py drops C0 controls but tab, newline, CR; C1 and bidi stay)."""
    return CONTROL_CHARS.sub("", text)


@pytest.fixture
def evil_options(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "news.jsonl").write_text(json.dumps(EVIL, ensure_ascii=False) + "\n", encoding="utf-8")
    assert run("index", "--seeds", seeds, "--index", tmp_path / "index").exit_code == 0
    return ["--index", tmp_path / "index", "--seeds", seeds]


@pytest.mark.parametrize("text, shown", [
    ("\x1b[31mمدرسة\x1b[0m", "مدرسة"),  # colours
    ("مدرسة\x1b]8;;http://evil.example\x1b\\رابط\x1b]8;;\x1b\\", "مدرسةرابط"),  # a hyperlink
    ("عنوان\x1b]0;pwned\x07", "عنوان"),  # the window title
    ("\x1bcمدرسة", "مدرسة"),  # reset the terminal
    ("مدرسة\x00\x7f\x9b2J", "مدرسة"),  # NUL, DEL, a C1 CSI
    ("مدرسة\nجديدة\tفي\rالرياض", "مدرسة جديدة في الرياض"),  # one line stays one line
    ("\u202eمدرسة\u202c \u2067جديدة\u2069", "مدرسة جديدة"),  # bidi overrides and isolates
    ("مدرسة\x1b", "مدرسة"),  # a lone escape
    ("مَدْرَسَة\u200f", "مَدْرَسَة\u200f"),  # marks and an RLM print as they are
    ("", ""),
])
def test_terminal_text_strips_what_drives_a_terminal(text, shown):
    assert cli.terminal_text(text) == shown


def test_terminal_spans_keep_highlights_on_their_words():
    text = "\x1b[31mافتتح\x1b[0m المدرسة\x00 و\nبالمدرسةِ"
    words = [(text.index("المدرسة"), text.index("المدرسة") + 7), (text.index("بالمدرسةِ"), len(text))]
    shown = cli.highlighted(text, words, bidi=False)
    assert shown.plain == "افتتح المدرسة و بالمدرسةِ"
    assert [shown.plain[span.start:span.end] for span in shown.spans] == ["المدرسة", "بالمدرسةِ"]
    kept, spans = cli.terminal_spans(text, words, keep_newlines=True)
    assert kept == "افتتح المدرسة و\nبالمدرسةِ" and [kept[a:b] for a, b in spans] == ["المدرسة", "بالمدرسةِ"]


def test_search_and_show_print_no_terminal_escapes_from_articles(evil_options):
    for command in (["search", "المدرسة", *evil_options, "--bidi", "off"],
                    ["search", "المدرسة", *evil_options, "--bidi", "on", "--explain"],
                    ["show", as_stored(EVIL["id"]), "-q", "المدرسة", *evil_options[:2]]):
        result = run(*command)
        assert result.exit_code == 0, result.output
        assert not TERMINAL_CONTROLS.search(result.output), (command, result.output)
    output = run("search", "المدرسة", *evil_options, "--bidi", "off").output
    assert cli.terminal_text(as_stored(EVIL_TITLE)) in output and "okaz" in output
    assert cli.terminal_text(as_stored(EVIL["id"])) in output


def test_json_keeps_the_article_as_stored(evil_options):
    hit = json.loads(run("search", "المدرسة", *evil_options, "--json").output)["hits"][0]
    assert hit["title"] == as_stored(EVIL_TITLE) and hit["id"] == as_stored(EVIL["id"])
    assert hit["source"] == as_stored(EVIL["source"])
    assert "التعليم المدرسة\x9b2J" in hit["snippet"]  # the C1 control kept as stored
    assert [hit["snippet"][s:e] for s, e in hit["highlights"]] == ["المدرسة", "بالمدرسةِ"]
    article = json.loads(run("show", as_stored(EVIL["id"]), "--json", *evil_options[:2]).output)
    assert article["body"] == as_stored(EVIL_BODY) and "\u202e" in article["title"]


def test_a_real_cli_process_prints_no_terminal_escapes(evil_options, tmp_path):
    result = run_cli("search", "المدرسة", *evil_options, "--bidi", "off", cwd=tmp_path)
    assert result.returncode == 0 and "مدرسة" in result.stdout
    assert not TERMINAL_CONTROLS.search(result.stdout), repr(result.stdout)


def test_every_command_has_help_with_an_arabic_example():
    for name, command in cli.main.commands.items():
        text = run(name, "--help").output
        assert command.help, name
        if name in ("search", "normalize", "analyze", "show"):
            assert any("\u0600" <= c <= "\u06ff" for c in text), name
