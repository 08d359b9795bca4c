"""Shared test helpers: the text alphabet of the property tests, assert_tokens() and index_of().

Every test must also end with no child process of pytest alive: a writer
subprocess left waiting would keep pytest, and whatever reads its output,
from ever ending.

Test modules import these names (``from conftest import ...``); pytest puts
this folder on sys.path because it is not a package.
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from hypothesis import strategies as st

from search import Index
from search.analysis.levels import EXACT
from search.analysis.normalize import normalize_text
from search.analysis.tokenize import analyze
from search.engine.schema import level_analyzer


def _chars(low: int, high: int) -> list[str]:
    return [chr(code) for code in range(low, high + 1)]


ARABIC_LETTERS = _chars(0x0621, 0x063A) + _chars(0x0641, 0x064A) + [
    "\u0671",  # ALEF WASLA
    "\u06a9",  # KEHEH
    "\u06be",  # HEH DOACHASHMEE
    "\u06c0",  # HEH WITH YEH ABOVE
    "\u06c1",  # HEH GOAL
    "\u06cc",  # FARSI YEH
]
MARKS = (
    _chars(0x0610, 0x061A)  # Qur'anic honorifics and small high letters
    + _chars(0x064B, 0x0652)  # harakat and tanween
    + _chars(0x0653, 0x065F)  # madda, hamza marks, small vowels
    + ["\u0670"]  # SUPERSCRIPT ALEF
    + _chars(0x06D6, 0x06ED)  # Qur'anic pause and recitation marks
)
TATWEEL = "\u0640"
FORMAT_CHARS = [
    "\u200c",  # ZERO WIDTH NON-JOINER
    "\u200d",  # ZERO WIDTH JOINER
    "\u200e",  # LEFT-TO-RIGHT MARK
    "\u200f",  # RIGHT-TO-LEFT MARK
    "\u061c",  # ARABIC LETTER MARK
    "\u202b",  # RIGHT-TO-LEFT EMBEDDING
    "\u202c",  # POP DIRECTIONAL FORMATTING
    "\u2067",  # RIGHT-TO-LEFT ISOLATE
    "\u2069",  # POP DIRECTIONAL ISOLATE
    "\ufeff",  # ZERO WIDTH NO-BREAK SPACE (BOM)
    "\u00ad",  # SOFT HYPHEN
]
LAM_ALEF_LIGATURES = _chars(0xFEF5, 0xFEFC)
PRESENTATION_FORMS = _chars(0xFB50, 0xFDFF) + _chars(0xFE70, 0xFEFC)
DIGITS = list("0123456789") + _chars(0x0660, 0x0669) + _chars(0x06F0, 0x06F9)
LATIN = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
SPACES = list(" \t\n\u00a0")
PUNCTUATION = list(".,;:!?()[]\"'-_/«»") + ["\u060c", "\u061b", "\u061f", "\u066a"]

# Each class is drawn as often as the others, so a short example can mix a
# letter, a mark, a ligature and a format character.
ARABIC_MIX = st.text(
    st.one_of(
        *(
            st.sampled_from(group)
            for group in (
                ARABIC_LETTERS, MARKS, [TATWEEL], FORMAT_CHARS, LAM_ALEF_LIGATURES,
                PRESENTATION_FORMS, DIGITS, LATIN, SPACES, PUNCTUATION,
            )
        )
    )
)


def assert_tokens(text: str, expected: list[tuple[str, int, int]]) -> None:
    """Check the tokens of text, as (normalized word, start, end), and their offsets always.

    Like Lucene's BaseTokenStreamTestCase, the offsets are checked even when
    a test only cares about the words: in bounds, non-empty, never going
    back, and each original slice normalizes to its token. The Whoosh
    tokenizer must report the same words, offsets and positions.
    """
    tokens = analyze(text)
    assert [(t.normalized, t.start, t.end) for t in tokens] == expected
    previous_start = previous_end = 0
    for position, token in enumerate(tokens):
        assert token.position == position
        assert 0 <= token.start < token.end <= len(text)
        assert token.start >= previous_start and token.end >= previous_end
        assert token.original == text[token.start:token.end]
        assert normalize_text(token.original) == token.normalized
        previous_start, previous_end = token.start, token.end
    whoosh_tokens = [
        (t.text, t.startchar, t.endchar, t.pos)
        for t in level_analyzer(EXACT)(text, chars=True, positions=True)
    ]
    assert whoosh_tokens == [(word, start, end, pos) for pos, (word, start, end) in enumerate(expected)]


@pytest.fixture(autouse=True)
def no_child_process_left_running():
    yield
    left = multiprocessing.active_children()
    for child in left:
        child.kill()
    assert not left, f"the test left child processes running: {left}"


def index_of(root: Path, articles: list[dict], file_name: str = "news.jsonl") -> Index:
    """An index on disk under root built from these records, written as one JSON Lines seed file."""
    seeds = root / "seeds"
    seeds.mkdir()
    (seeds / file_name).write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles),
                                   encoding="utf-8")
    built = Index(root / "index")
    built.update(seeds)
    return built
