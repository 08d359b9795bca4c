"""The one tokenizer: words of the normalized text with their offsets into the original.

Tokenizing happens on the NORMALIZED text, so a diacritized word stays one
token (a regex over the raw text would cut كَتَبَ at every mark), and each
token's start/end point into the ORIGINAL text, so a hit is highlighted as
it was written. Indexing (word_positions, stem_positions), queries
(query.language), snippets and the Whoosh analyzer of the schema
(engine.schema.ArabicTokenizer) all cut words with TOKEN_PATTERN here.

What each analysis level makes of the words is here too (levels.py names
them): the exact level keeps the normalized words, stopwords included; the
stem level drops stopwords and light-stems the rest (stem_term); the root
level drops them too and keeps the root of the rest (root_term).
"""

from __future__ import annotations

import heapq
import re
from array import array
from dataclasses import dataclass
from functools import lru_cache

from ..cache_sizes import STEMS_KEPT
from .normalize import normalize_text, normalize_with_offsets
from .root import word_root
from .stem import light_stem
from .stopwords import is_stopword

# A token is a run of letters and digits of the normalized text.
TOKEN_PATTERN = re.compile(r"[^\W_]+")
# Texts longer than this (characters) keep their positions compactly (_large_word_positions).
LARGE_TEXT = 1_000_000
# Distinct words of one text from which stem_positions stems them without stem_term's memo.
LARGE_VOCABULARY = 20_000


@dataclass(frozen=True)
class AnalyzedToken:
    """One word: where it stands in the original text and what the index sees."""

    position: int
    start: int  # offset in the original text
    end: int  # offset in the original text, exclusive
    original: str
    normalized: str
    stem: str | None  # None for a stopword: the stem level leaves it out


def analyze(text: str) -> list[AnalyzedToken]:
    """Every token of text, with original offsets, normalized form and stem."""
    result = []
    for position, (start, end, word) in enumerate(tokenize(text)):
        result.append(AnalyzedToken(position, start, end, text[start:end], word, stem_or_none(word)))
    return result


def tokenize(text: str):
    """Yield (original_start, original_end, normalized_word) for each token of text.

    The same tokens as cutting normalize(text).text and mapping each back
    through its spans, without building a span per character: text whose
    characters all fold in place (most news text) needs no map at all.
    """
    normalized, offsets = normalize_with_offsets(text)
    if offsets is None:
        for match in TOKEN_PATTERN.finditer(normalized):
            yield match.start(), match.end(), match.group()
        return
    start, end = offsets.start, offsets.end
    for match in TOKEN_PATTERN.finditer(normalized):
        yield start(match.start()), end(match.end() - 1), match.group()


@lru_cache(maxsize=2)
def word_positions(text: str) -> dict[str, list[int] | array]:
    """What the exact level indexes: each normalized word of text and its positions, in order of first use.

    Cached for the last two texts: a document's body, then its title, is
    indexed at the exact level and at once at the stem level. The position
    lists are shared: callers must not change them. A text longer than
    LARGE_TEXT takes _large_word_positions, whose memory stays near the
    text's own size.
    """
    normalized = normalize_text(text)
    if len(normalized) > LARGE_TEXT:
        return _large_word_positions(normalized)
    positions: dict[str, list[int]] = {}
    get = positions.get
    for position, word in enumerate(TOKEN_PATTERN.findall(normalized)):
        at = get(word)
        if at is None:
            positions[word] = [position]
        else:
            at.append(position)
    return positions


def forget_positions() -> None:
    """Drop word_positions' memo once a document's fields are filed (a long text's is large)."""
    word_positions.cache_clear()


def _large_word_positions(normalized: str) -> dict[str, array]:
    """word_positions of a long normalized text: the same words and positions, held compactly.

    A list of every word of a 50 MB text (5 million strings) and a Python
    int per position would take twenty times the text: here the words are
    found a chunk at a time, cut at a space so no word is split, and each
    word's positions are a 4-byte array.
    """
    positions: dict[str, array] = {}
    get = positions.get
    position = start = 0
    while start < len(normalized):
        end = normalized.find(" ", start + LARGE_TEXT // 4) + 1 or len(normalized)
        for word in TOKEN_PATTERN.findall(normalized, start, end):
            at = get(word)
            if at is None:
                positions[word] = array("i", (position,))
            else:
                at.append(position)
            position += 1
        start = end
    return positions


def stem_positions(text: str) -> dict[str, list[int]]:
    """What the stem level indexes: each stem of text and its positions (stopwords have none).

    Built from word_positions, one stem lookup per distinct word: words
    sharing a stem (المدرسة, مدرسة) pool their positions.
    """
    # A long text's words are stemmed past the memo: a hundred thousand
    # words seen once would fill it (and the process) for nothing.
    return _pooled_positions(text, stem_term, _stem_term)


def root_positions(text: str) -> dict[str, list[int]]:
    """What the root level indexes: each root of text and its positions (stopwords have none)."""
    return _pooled_positions(text, root_term, _root_term)


def _pooled_positions(text: str, term_of, uncached_term_of) -> dict[str, list[int] | array]:
    """Each term of text at a level whose term_of maps a word to it ("" for none), with the positions of its words."""
    positions: dict[str, list[int] | array] = {}
    words = word_positions(text)
    if len(words) >= LARGE_VOCABULARY:
        term_of = uncached_term_of
    for word, at in words.items():
        term = term_of(word)
        if not term:
            continue
        pooled = positions.get(term)
        if pooled is None:
            positions[term] = at
        elif isinstance(at, array):
            positions[term] = array("i", heapq.merge(pooled, at))  # no list of a million ints
        else:
            positions[term] = sorted(pooled + at)
    return positions


# light_stem without its own memo: stem_term's memo holds each word once.
_light_stem = getattr(light_stem, "__wrapped__", light_stem)


def _stem_term(normalized_word: str) -> str:
    """stem_term without the memo."""
    if is_stopword(normalized_word):
        return ""
    return _light_stem(normalized_word)


@lru_cache(maxsize=STEMS_KEPT)
def stem_term(normalized_word: str) -> str:
    """The stem-level term of a normalized word; "" for a stopword (no stem is empty).

    The one memo of the analysis: each distinct word (~370k in 31k news
    articles) is stemmed once, in a cache that holds it once.
    """
    return _stem_term(normalized_word)


def stem_or_none(normalized_word: str) -> str | None:
    """The stem-level term of a normalized word, or None for a stopword."""
    return stem_term(normalized_word) or None


def _root_term(normalized_word: str) -> str:
    """root_term without the memo."""
    if is_stopword(normalized_word):
        return ""
    return word_root(normalized_word)


@lru_cache(maxsize=STEMS_KEPT)
def root_term(normalized_word: str) -> str:
    """The root-level term of a normalized word; "" for a stopword. One memo, as stem_term's."""
    return _root_term(normalized_word)


def root_or_none(normalized_word: str) -> str | None:
    """The root-level term of a normalized word, or None for a stopword."""
    return root_term(normalized_word) or None
