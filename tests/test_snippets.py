"""Snippets: the fast find_matches and best_snippet give exactly what the plain loop over every token gives.

find_matches looks for a needle per term (a stem, a prefix) in a view of
the original text and tries only the words around the hits; best_snippet
counts tokens with regexes on the original. The references below tokenize
the whole text through normalize()'s per-character spans and try every
term on every token, as the code did before: any difference is a bug.
"""

from __future__ import annotations

import bisect
import json
import zipfile

import pytest
from conftest import ARABIC_MIX
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_index_identity import DAY, TRICKY, reference_matches, reference_tokens

from search.analysis.normalize import normalize
from search.analysis.tokenize import stem_or_none
from search.query.language import parse_query
from search.snippets import (
    FORM_BLOCKS,
    PLAIN_BLOCKS,
    SNIPPET_TOKENS,
    Match,
    Snippet,
    best_snippet,
    find_matches,
)

QUERIES = [
    "مدرسة", "المدرسة", "م\u064eدر\u064eسة", "مدرسه", "=المدرسة", "=مدرسه", '"مجلس الوزراء"', '"وزارة الصحة"~2',
    "مدرس*", "وال*", "السعوديه~", "مدرسه~2", "من", "من هو", "في الرياض", "title:داعش", "-الهلال النصر",
    "الرياض أو جدة", "مدرسة بدون جامعة", "2015", "٢٠١٥", "Saudi", "saudi arabia", "U.S.A", "أمير منطقة مكة",
    "مستشفى", "مسؤول", "شؤون", "آلاف", "لا", "إسلام", "کتاب", "ﻻعب", "الأمير محمد بن سلمان", "هيئة*", "سعود*",
    "ab*", "ك\u064eت\u064eب\u064e",
]

# Texts for the tricky cases: the query's words written with marks,
# tatweel, ligatures, presentation forms, ZWNJ and bidi marks, Persian
# letters, Eastern digits, Latin; characters outside the known blocks.
TRICKY_SNIPPETS = TRICKY + [
    "وبالمدرسة\u0650 الم\u064eدرسة مدرستها والمدارس ال\u200cمدرسة م\u0640\u0640\u0640درسة مدرسه",
    " \u064bمدرسة\u064b\u064b مدرسة\u0640\u0640 \u0640مدرسة مد\u00adرسة م\u200fدرسة",
    "كتب المراسل كلمة ﻻعب و\u200fمسئول وشؤون على لوحة مفاتيح فارسية: کتاب یومی.",
    "ﻣﺪﺭﺳﺔ جديدة في ﺍﻟﺮﻳﺎﺽ، ومدرسة أخرى",
    "مدرسة 😀 جديدة في الرياض 中文 مدرسة",
    "عام ٢٠١٥ و۱۴۳۶ ه\u0640 و2015 و²⁰¹⁵ Saudi SAUDI ſaudi U.S.A",
    "الأمير محمد بن سلمان، أمير منطقة مكة المكرمة… «مجلس الوزراء» وزارة الصحة",
    "ه\u0670ذا ك\u0650ت\u064eاب\u064c ع\u064eن\u0650 الم\u064eد\u0652ر\u064eس\u064eة\u0650 "
    "و\u064eالم\u064fد\u064eر\u0650\u0651س\u0650ين\u064e ﷺ ﷲ",
    "ال\u0640\u200dمدرسة مدرسة\u200c\u200cالعلوم \ufeffمدرسة\u202bالرياض\u202c",
]


def _reference_stem_span(text: str, start: int, end: int, normalized: str, rule: str) -> tuple[int, int]:
    """The stem's original span through normalize()'s per-character spans of the word."""
    if rule not in ("prefix", "stem"):
        return start, end
    stem = stem_or_none(normalized)
    index = normalized.find(stem) if stem else -1
    if index < 0:
        return start, end
    spans = normalize(text[start:end]).spans
    return start + spans[index][0], start + spans[index + len(stem) - 1][1]


def reference_snippet(text: str, matches: list[Match], size: int = SNIPPET_TOKENS, tokens=None) -> Snippet:
    """best_snippet over the full token list: every match proposes a window, the best wins."""
    tokens = reference_tokens(text) if tokens is None else tokens
    if not tokens:
        return Snippet(text[:200], (), ())
    starts = [start for start, _, _ in tokens]
    best_first, best_key = 0, (-1, -1)
    match_tokens = [(bisect.bisect_left(starts, m.start), m) for m in matches]
    for token_index, _ in match_tokens:
        window_start = max(0, token_index - 3)
        inside = [m for t, m in match_tokens if window_start <= t < window_start + size]
        key = (len({m.term for m in inside}), len(inside))
        if key > best_key:
            best_key, best_first = key, window_start
    last = min(len(tokens), best_first + size) - 1
    cut_start = 0 if best_first == 0 else tokens[best_first][0]
    cut_end = len(text) if last == len(tokens) - 1 else tokens[last][1]
    prefix = "" if cut_start == 0 else "… "
    suffix = "" if cut_end == len(text) else " …"
    passage = prefix + text[cut_start:cut_end].strip() + suffix
    shift = len(prefix) - (cut_start + (len(text[cut_start:cut_end]) - len(text[cut_start:cut_end].lstrip())))
    moved = tuple(
        Match(m.term, m.start + shift, m.end + shift, m.original, m.rule, m.stem_start + shift, m.stem_end + shift)
        for m in matches if m.start >= cut_start and m.end <= cut_end
    )
    return Snippet(passage.replace("\n", " "), tuple((m.start, m.end) for m in moved), moved)


def assert_same_as_reference(text: str, parsed, sizes=(SNIPPET_TOKENS,), tokens=None) -> None:
    """find_matches, and best_snippet at each size, equal the references on text."""
    matches = find_matches(text, parsed)
    assert matches == reference_matches(text, parsed, tokens, _reference_stem_span), (parsed.text, text[:80])
    for size in sizes:
        assert best_snippet(text, matches, size) == reference_snippet(text, matches, size, tokens), (parsed.text, size)


def news_bodies(days: int = 4, per_day: int = 250) -> list[str]:
    """Titles and bodies of real SaudiNewsNet articles, from a few days of the corpus."""
    folder = DAY.parent
    if not folder.is_dir():
        pytest.skip("../shared/corpora/saudinewsnet is absent")
    texts = []
    for path in sorted(folder.glob("*.zip"))[:days]:
        with zipfile.ZipFile(path) as archive:
            records = json.loads(archive.read(archive.namelist()[0]))
        texts += [field for record in records[:per_day] for field in (record.get("content"), record.get("title"))
                  if field]
    return texts


# ----- one test per case ------------------------------------------------------


@pytest.mark.parametrize("text", TRICKY_SNIPPETS)
@pytest.mark.parametrize("query", QUERIES)
def test_tricky_texts_match_the_reference(query, text):
    assert_same_as_reference(text, parse_query(query), sizes=(1, 2, 3, 4, 5, 30))


def test_tatweel_and_marks_inside_a_word_are_found():
    stretched, marked = "م\u0640\u0640\u0640درس\u064f", "الم\u064eدر\u064eسة"
    matches = find_matches(f"قال {stretched} {marked}", parse_query("مدرسة"))
    assert [(m.original, m.rule) for m in matches] == [(stretched, "stem"), (marked, "prefix")]


def test_text_in_presentation_forms_is_found():
    text = "ﻣﺪﺭﺳﺔ جديدة و ﻻعب"
    assert [m.original for m in find_matches(text, parse_query("مدرسة"))] == ["ﻣﺪﺭﺳﺔ"]
    assert [m.original for m in find_matches(text, parse_query("لاعب"))] == ["ﻻعب"]


def test_every_spelling_of_a_letter_is_found():
    text = "أمير إمارة آمال امير ٱمير مستشفى مستشفي مسؤول مسئول کتاب كتاب"
    found = [m.original for m in find_matches(text, parse_query("امير مستشفي مسءول كتاب"))]
    assert found == ["أمير", "امير", "ٱمير", "مستشفى", "مستشفي", "مسؤول", "مسئول", "کتاب", "كتاب"]


def test_a_window_starts_three_words_before_its_first_match():
    text = " ".join(f"كلمة{i}" for i in range(100)) + " مدرسة " + " ".join(f"كلمة{i}" for i in range(100))
    snippet = best_snippet(text, find_matches(text, parse_query("مدرسة")))
    assert snippet.text.startswith("… كلمة97 كلمة98 كلمة99 مدرسة")
    assert snippet == reference_snippet(text, find_matches(text, parse_query("مدرسة")))


def test_every_character_of_the_known_blocks_and_around_beside_a_word():
    """Each character of the known blocks and of their neighbours, inside, before and after a matching word."""
    queries = [parse_query(q) for q in ("مدرسة", "مد*", "=مدرسه")]
    blocks = PLAIN_BLOCKS + FORM_BLOCKS + ((0x0250, 0x05FF), (0x0700, 0x08FF), (0x2070, 0x20CF), (0xFF00, 0xFFEF))
    for low, high in blocks:
        for code in range(low, high + 1):
            c = chr(code)
            text = f"ال{c}مدرسة م{c}درسة {c}مدرسة{c} مدرس{c}ة ب{c} {c}"
            tokens = reference_tokens(text)
            for parsed in queries:
                assert_same_as_reference(text, parsed, sizes=(2, 30), tokens=tokens)


# ----- properties -------------------------------------------------------------

WORD_FORMS = ["مدرسة", "المدرسة", "وبالمدرسة\u0650", "م\u0640درسة", "مدرستها", "مدارس", "مجلس", "الوزراء", "ﻻعب",
              "لاعب", "من", "في", "2015", "٢٠١٥", "Saudi", "أمير", "امير", "مسؤول", "ﻣﺪﺭﺳﺔ"]
PROPERTY_QUERIES = ["مدرسة", "=المدرسة", '"مجلس الوزراء"', "مدرس*", "لاعب", "من هو", "2015", "saudi", "أمير",
                    "مسئول", "مدرسة~"]


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.one_of(ARABIC_MIX, st.sampled_from(WORD_FORMS)), max_size=40),
    glue=st.sampled_from([" ", "", "\u064b", "\u0640", "\u200c", "، "]),
    query=st.sampled_from(PROPERTY_QUERIES),
    size=st.integers(1, 8),
)
@example(pieces=["\u064b", "مدرسة"], glue="", query="مدرسة", size=3)
def test_fast_snippets_equal_the_reference(pieces, glue, query, size):
    text = glue.join(pieces)
    assert_same_as_reference(text, parse_query(query), sizes=(size, 30))


# ----- real news --------------------------------------------------------------


@pytest.mark.slow
def test_news_bodies_match_the_reference():
    parsed = [parse_query(query) for query in QUERIES]
    for text in news_bodies():
        tokens = reference_tokens(text)
        for query in parsed:
            assert_same_as_reference(text, query, sizes=(5, 30), tokens=tokens)


def test_a_fuzzy_word_highlights_what_the_index_matched_through_a_swap(tmp_path):
    """الرايض~1 finds الرياض (two neighbours swapped: one edit for the index): its highlight must agree."""
    from search import Index

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "riyadh.txt").write_text("طقس\nارتفعت درجات الحرارة في الرياض أمس.", encoding="utf-8")
    index = Index(tmp_path / "index")
    index.update(seeds)
    [hit] = index.search("الرايض~1").hits
    assert [match.original for match in find_matches("ارتفعت درجات الحرارة في الرياض أمس.",
                                                    parse_query("الرايض~1"))] == ["الرياض"]
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["الرياض"]


def test_edit_distance_counts_a_swap_as_one_edit_as_whoosh_does():
    from whoosh.support.levenshtein import damerau_levenshtein

    from search.distance import edit_distance, within

    words = ["الرياض", "الرايض", "الرياص", "رياض", "مدرسة", "مدرسه", "مدارس", "", "ا"]
    for a in words:
        for b in words:
            assert edit_distance(a, b) == damerau_levenshtein(a, b), (a, b)
    assert within("الرايض", "الرياض", 1) and not within("مدارس", "مدرسة", 1)


@settings(max_examples=500, deadline=None)
@given(st.text("ابتثرس", max_size=9), st.text("ابتثرس", max_size=9), st.integers(0, 3))
def test_a_limited_edit_distance_decides_as_the_full_one(a, b, limit):
    """Fuzzy expansion stops a distance early at its limit: the answer must be the full distance's."""
    from search.distance import edit_distance, within

    assert within(a, b, limit) == (edit_distance(a, b) <= limit)
    assert (edit_distance(a, b, limit=limit) <= limit) == (edit_distance(a, b) <= limit)
