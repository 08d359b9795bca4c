"""Find the query's words in an article's ORIGINAL text, explain each match, cut a snippet.

Every offset here points into the original text (diacritics, tatweel and
hamza as written), so a hit for مدرسة in وبالمدرسةِ highlights the whole
written word, and its stem part مدرس separately from the prefix وبال.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache

from .analyze import stem_or_none, tokenize
from .normalize import is_dropped, normalize
from .query import Fuzzy, ParsedQuery, Prefix, Word
from .stem import strip_prefix

SNIPPET_TOKENS = 30  # about two lines of news text
MAX_FUZZY_DISTANCE = 2


@dataclass(frozen=True)
class Match:
    """One original word that a query term matched, and the rule that made it match."""

    term: str  # the query term as typed
    start: int  # offsets in the original text
    end: int
    original: str
    rule: str  # identical, diacritics, letter form, prefix, stem, prefix search, fuzzy
    stem_start: int  # the part the stem covers (equal to start/end when there is no affix)
    stem_end: int

    def to_dict(self) -> dict:
        return {
            "term": self.term, "word": self.original, "rule": self.rule,
            "start": self.start, "end": self.end, "stem": [self.stem_start, self.stem_end],
        }


@dataclass(frozen=True)
class Snippet:
    """A passage of the original text and the highlight spans inside it (offsets into ``text``)."""

    text: str
    highlights: tuple[tuple[int, int], ...]
    matches: tuple[Match, ...]  # offsets into the snippet text, like highlights


def find_matches(text: str, parsed: ParsedQuery) -> list[Match]:
    """Every word of text that one of the query's terms matches, in text order.

    A word matches the first term whose rule accepts it. Whether a rule
    accepts a word depends on its normalized form alone (the written form
    only names the rule), so each distinct word is tried once.
    """
    terms = _query_terms(parsed)
    if not terms:
        return []
    matches = []
    first_term: dict[str, int] = {}  # normalized word -> index of the first term that accepts it, -1: none
    for start, end, normalized in _tokens(text):
        index = first_term.get(normalized)
        if index is None:
            index = first_term[normalized] = _first_accepting(terms, normalized)
        if index < 0:
            continue
        term = terms[index]
        original = text[start:end]
        rule = _match_rule(term, original, normalized)
        stem_start, stem_end = _stem_span(text, start, end, normalized, rule)
        matches.append(Match(term.text, start, end, original, rule, stem_start, stem_end))
    return matches


def _first_accepting(terms: list, normalized: str) -> int:
    """Index of the first term whose rule accepts a word of this normalized form, or -1."""
    for index, term in enumerate(terms):
        if _match_rule(term, normalized, normalized):
            return index
    return -1


@lru_cache(maxsize=32)
def _tokens(text: str) -> tuple[tuple[int, int, str], ...]:
    """tokenize(text) as a tuple, for the few texts a page of hits snippets (find_matches, then best_snippet)."""
    return tuple(tokenize(text))


def _query_terms(parsed: ParsedQuery):
    """The words, prefixes and fuzzy words of a query, content words only when there are any."""
    words = [w for w in parsed.words if w.stem is not None or w.exact]
    terms: list = words or list(parsed.words)
    stack = [parsed.root]
    while stack:
        node = stack.pop()
        if isinstance(node, (Prefix, Fuzzy)):
            terms.append(node)
        for attribute in ("children", "words"):
            stack.extend(getattr(node, attribute, ()))
        if hasattr(node, "child"):
            stack.append(node.child)
    return terms


def _match_rule(term, original: str, normalized: str) -> str | None:
    """Why this written word matches the term, or None."""
    if isinstance(term, Prefix):
        stem = stem_or_none(normalized) or normalized
        return "prefix search" if normalized.startswith(term.normalized) or stem.startswith(term.normalized) else None
    if isinstance(term, Fuzzy):
        return "fuzzy" if _within(normalized, term.normalized, term.distance) else None
    word: Word = term
    if normalized == word.normalized:
        if original == word.text:
            return "identical"
        if _without_marks(original) == _without_marks(word.text):
            return "diacritics"
        return "letter form"
    if word.exact or word.stem is None:
        return None
    stem = stem_or_none(normalized)
    if stem != word.stem:
        return None
    # Only the front differs (والمدرسة for مدرسة): a prefix; anything else: the stem rule.
    return "prefix" if strip_prefix(normalized) == strip_prefix(word.normalized) else "stem"


def _stem_span(text: str, start: int, end: int, normalized: str, rule: str) -> tuple[int, int]:
    """The original span of the stem inside a matched word (the whole word when no affix was cut)."""
    if rule not in ("prefix", "stem"):
        return start, end
    stem = stem_or_none(normalized)
    index = normalized.find(stem) if stem else -1
    if index < 0:
        return start, end
    spans = normalize(text[start:end]).spans
    return start + spans[index][0], start + spans[index + len(stem) - 1][1]


def _without_marks(text: str) -> str:
    return "".join(c for c in text if not is_dropped(c))


def _within(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of a and b is at most limit."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1] <= limit


def best_snippet(text: str, matches: list[Match], size: int = SNIPPET_TOKENS) -> Snippet:
    """The passage of about ``size`` words with the most distinct query terms (then most matches)."""
    tokens = _tokens(text)
    if not tokens:
        return Snippet(text[:200], (), ())
    starts = [start for start, _, _ in tokens]
    best_first, best_key = 0, (-1, -1)
    if matches:
        match_tokens = [(bisect.bisect_left(starts, m.start), m) for m in matches]
        for first_index, (token_index, _) in enumerate(match_tokens):
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
    inside = [m for m in matches if m.start >= cut_start and m.end <= cut_end]
    moved = tuple(
        Match(m.term, m.start + shift, m.end + shift, m.original, m.rule, m.stem_start + shift, m.stem_end + shift)
        for m in inside
    )
    return Snippet(passage.replace("\n", " "), tuple((m.start, m.end) for m in moved), moved)
