"""Fold Arabic spelling variants so the index and queries agree.

A query for اكرم must find أكرم, كتب must find كَتَبَ, and مدرسة must find
مـــدرسة. Every rule below is data with its reason, applied one original
character at a time, so each normalized character knows the span of the
original text it came from: snippets are cut and highlighted on the text
as it was written, diacritics and all.

The profile (identical at index and query time):

- strip diacritics: harakat and tanween, the superscript alef, Qur'anic
  annotation marks, and their spacing presentation forms (ﹶ is not a space);
- strip tatweel and every invisible format character (ZWNJ, ZWJ, LRM,
  RLM, ALM, bidi embeddings and isolates, BOM, soft hyphen);
- fold presentation forms and ligatures with NFKC (ﻻ becomes لا), except
  a character that would become words and separators at once (ﷺ);
- unify letter forms (FOLD);
- map Eastern Arabic and Persian digits to ASCII; lowercase Latin.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

TATWEEL = "\u0640"

# Marks that change pronunciation, never the word a reader means.
DIACRITIC_RANGES = (
    ("\u0610", "\u061a"),  # Qur'anic honorifics and small high letters
    ("\u064b", "\u0652"),  # FATHATAN .. SUKUN: harakat and tanween
    ("\u0653", "\u065f"),  # MADDA ABOVE, HAMZA ABOVE/BELOW marks, small vowels
    ("\u0670", "\u0670"),  # SUPERSCRIPT (dagger) ALEF: هٰذا is هذا
    ("\u06d6", "\u06ed"),  # Qur'anic pause and recitation marks
)
DROPPED_MARKS = frozenset([TATWEEL] + [chr(code) for low, high in DIACRITIC_RANGES
                                        for code in range(ord(low), ord(high) + 1)])

FOLD = {
    "\u0622": "\u0627",  # ALEF WITH MADDA ABOVE -> ALEF: آلاف / الاف
    "\u0623": "\u0627",  # ALEF WITH HAMZA ABOVE -> ALEF: seat often omitted, أحمد / احمد
    "\u0625": "\u0627",  # ALEF WITH HAMZA BELOW -> ALEF: إسلام / اسلام
    "\u0671": "\u0627",  # ALEF WASLA -> ALEF: Qur'anic spelling of ال
    "\u0649": "\u064a",  # ALEF MAKSURA -> YEH: مستشفى / مستشفي both occur
    "\u0629": "\u0647",  # TEH MARBUTA -> HEH: مدرسة / مدرسه both occur
    "\u06cc": "\u064a",  # FARSI YEH -> YEH: Persian keyboards type it for ي
    "\u06a9": "\u0643",  # KEHEH -> KAF: Persian keyboards type it for ك
    "\u06c0": "\u0647",  # HEH WITH YEH ABOVE -> HEH: Persian form of final ة
    "\u06be": "\u0647",  # HEH DOACHASHMEE -> HEH: Urdu keyboards type it for ه
    "\u06c1": "\u0647",  # HEH GOAL -> HEH: Urdu keyboards type it for ه
    # The seat of a medial hamza follows regional convention, not meaning:
    # مسؤول / مسئول and شؤون / شئون are both common in Saudi news. Folding
    # both seats to the bare HAMZA unifies them; no two words differ only
    # by the seat, so nothing is lost.
    "\u0624": "\u0621",  # WAW WITH HAMZA ABOVE -> HAMZA
    "\u0626": "\u0621",  # YEH WITH HAMZA ABOVE -> HAMZA
}

EASTERN_DIGITS = "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
PERSIAN_DIGITS = "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9"
for _digits in (EASTERN_DIGITS, PERSIAN_DIGITS):
    FOLD.update({digit: str(value) for value, digit in enumerate(_digits)})
DIGITS_FOLD = str.maketrans({digit: str(value) for digits in (EASTERN_DIGITS, PERSIAN_DIGITS)
                             for value, digit in enumerate(digits)})


def fold_digits(text: str) -> str:
    """text with its Arabic-Indic and Persian digits as ASCII ones, nothing else changed: for dates and numbers typed."""
    return text.translate(DIGITS_FOLD)


def is_dropped(char: str) -> bool:
    """True for a character that carries no letter: a diacritic, tatweel or a format mark."""
    return char in DROPPED_MARKS or unicodedata.category(char) == "Cf"


def mixes_word_and_separator(text: str) -> bool:
    """True if text holds both word characters (letters, digits) and anything else.

    Word characters are the tokenizer's (analyze.TOKEN_PATTERN, [^\\W_]):
    exactly the characters for which str.isalnum() is true.
    """
    return any(c.isalnum() for c in text) and not all(c.isalnum() for c in text)


@lru_cache(maxsize=65536)
def fold_char(char: str) -> str:
    """Normalize one original character: zero, one or several normalized characters.

    NFKC and lowercasing can each expose a character the other changes
    (a ligature hiding a diacritic, a capital whose lowercase decomposes),
    so the steps repeat until nothing changes; that is what makes
    normalize() idempotent.

    A character whose folded form would mix word characters with spaces,
    punctuation or marks is kept as written: ﷺ would be four words, ½
    "1⁄2", İ "i" plus a combining dot. Its words would all map to that one
    original character, so no token could be cut from the original text
    and normalize back to itself; kept whole, it is one token.
    """
    compatible = unicodedata.normalize("NFKC", char)
    if compatible[:1] == " " and len(compatible) > 1 and all(map(is_dropped, compatible[1:])):
        return ""  # spacing form of a diacritic (FE70 ﹰ, FE76 ﹶ, FC5E ﱞ): no space either
    text = char
    while True:
        folded = unicodedata.normalize("NFKC", text).lower()
        folded = "".join(FOLD.get(c, c) for c in folded if not is_dropped(c))
        if folded == text:
            break
        text = folded
    if mixes_word_and_separator(folded):
        return char
    return folded


@dataclass(frozen=True)
class Normalized:
    """Normalized text and, for each of its characters, the original span it came from.

    ``spans[i]`` is ``(start, end)`` in the ORIGINAL text: the character
    (with any marks it drops) that produced ``text[i]``.
    """

    text: str
    spans: tuple[tuple[int, int], ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalized slice [start, end) to the original slice it came from."""
        if start >= end:
            return (self.spans[start][0], self.spans[start][0]) if start < len(self.spans) else (0, 0)
        return self.spans[start][0], self.spans[end - 1][1]


def normalize(text: str) -> Normalized:
    """Normalize text and keep a map from every normalized character to its original span.

    A dropped character (a mark or tatweel) joins the span of the letter
    before it, so a highlight of كَتَبَ covers its final fatha too.
    """
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    group_start = 0  # first normalized index produced by the latest kept character
    for position, char in enumerate(text):
        folded = fold_char(char)
        if folded:
            out.append(folded)
            group_start = len(spans)
            spans.extend([(position, position + 1)] * len(folded))
        elif spans:
            widened = (spans[group_start][0], position + 1)
            spans[group_start:] = [widened] * (len(spans) - group_start)
    return Normalized("".join(out), tuple(spans))


class FoldTable(dict):
    """fold_char as a str.translate table: code point -> folded text, filled on first sight.

    A memo of the pure fold_char, like its lru_cache, but one str.translate
    call folds a whole article in C instead of one Python call per
    character. It also records which characters fold to anything but
    exactly one character (a dropped mark, a ligature that becomes two
    letters): only text holding one of those needs an offset map.
    """

    def __init__(self):
        super().__init__()
        self.irregular: dict[int, str] = {}  # code point -> folded text of length != 1
        self._irregular_pattern = None

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        self[code] = folded
        if len(folded) != 1:
            self.irregular[code] = folded
            self._irregular_pattern = None
        return folded

    def irregular_pattern(self) -> re.Pattern:
        """A regex matching every irregular character seen so far (call after translating)."""
        if self._irregular_pattern is None:
            chars = "".join(re.escape(chr(code)) for code in sorted(self.irregular))
            self._irregular_pattern = re.compile(f"[{chars}]" if chars else "(?!)")
        return self._irregular_pattern


FOLD_TABLE = FoldTable()


def normalize_text(text: str) -> str:
    """Only the normalized text, for callers that need no offsets (same as normalize(text).text)."""
    return text.translate(FOLD_TABLE)


class OffsetMap:
    """Where each character of normalize_text(text) came from, without a span per character.

    Equivalent to Normalized.spans: ``start(i)`` is ``spans[i][0]`` and
    ``end(i)`` is ``spans[i][1]``. Between two irregular characters the
    map is a shift, so it is kept as one segment per stretch of regular
    text; text without irregular characters maps every index to itself.
    """

    __slots__ = ("segment_starts", "origins", "expanded", "drop_ends")

    def __init__(self, text: str, table: FoldTable = FOLD_TABLE):
        self.segment_starts = [0]  # normalized index where each segment begins
        self.origins = [0]  # original position of that index
        self.expanded = [False]  # True: every index of the segment comes from one original character
        self.drop_ends: dict[int, int] = {}  # first position of a run of dropped characters -> its end
        normalized_length = 0
        previous = 0  # original position after the latest irregular character
        run_start = -1  # first position of the latest run of dropped characters
        irregular = table.irregular
        for match in table.irregular_pattern().finditer(text):
            position = match.start()
            normalized_length += position - previous
            folded = irregular[ord(match.group())]
            if folded:
                self._add_segment(normalized_length, position, True)
                normalized_length += len(folded)
            else:
                if self.drop_ends.get(run_start) != position:
                    run_start = position
                self.drop_ends[run_start] = position + 1
            previous = position + 1
            self._add_segment(normalized_length, previous, False)

    def _add_segment(self, normalized_index: int, origin: int, expanded: bool) -> None:
        if self.segment_starts[-1] == normalized_index:  # the last segment is empty: replace it
            self.origins[-1], self.expanded[-1] = origin, expanded
        else:
            self.segment_starts.append(normalized_index)
            self.origins.append(origin)
            self.expanded.append(expanded)

    def start(self, index: int) -> int:
        """Original position of the character that produced normalized character ``index``."""
        segment = bisect.bisect_right(self.segment_starts, index) - 1
        if self.expanded[segment]:
            return self.origins[segment]
        return self.origins[segment] + index - self.segment_starts[segment]

    def end(self, index: int) -> int:
        """End of that character's original span: its trailing marks and tatweel included."""
        after = self.start(index) + 1
        return self.drop_ends.get(after, after)


def normalize_with_offsets(text: str) -> tuple[str, OffsetMap | None]:
    """normalize_text(text) and its OffsetMap; None when every character maps to itself in place."""
    normalized = text.translate(FOLD_TABLE)
    if FOLD_TABLE.irregular_pattern().search(text) is None:
        return normalized, None
    return normalized, OffsetMap(text)
