"""Find the query's words in an article's ORIGINAL text, explain each match, cut a snippet.

Every offset here points into the original text (diacritics, tatweel and
hamza as written), so a hit for مدرسة in وبالمدرسةِ highlights the whole
written word, and its stem part مدرس separately from the prefix وبال.

Both functions run for each hit of every search, so neither tokenizes a
whole body (~300 µs for a news article). Every word a term accepts holds
a needle, the term's stem or prefix, which a regex finds in a view of the
text: the text itself, the text without its marks and tatweel, or, for
the rare text with ligatures or presentation forms, the text normalized
whole. Only the words around the hits are cut and tried. best_snippet
counts words with C-level regex calls on the original, and only as far as
a window needs. A fuzzy term has no needle: its queries tokenize the text.
tests/test_snippets.py checks both against the plain loop over every token.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate
from typing import Callable, NamedTuple

from .analysis.levels import ROOT
from .analysis.normalize import FOLD_TABLE, OffsetMap, is_dropped, normalize_with_offsets
from .analysis.stem import strip_prefix
from .analysis.tokenize import TOKEN_PATTERN, root_or_none, stem_or_none, tokenize
from .cache_sizes import DOCUMENTS_KEPT
from .deadline import Deadline
from .distance import within
from .query.language import Fuzzy, ParsedQuery, Prefix, Word
from .query.vowels import vocalized_like

SNIPPET_TOKENS = 30  # about two lines of news text
LEAD_TOKENS = 3  # a snippet window starts this many words before its first match
# A stretch of this many characters per token likely holds that many tokens
# (news words average six characters and a space). Speed depends on it, results do not.
LIKELY_CHARACTERS_A_TOKEN = 8
MAX_FUZZY_DISTANCE = 2
# The rules that tell the written word from the typed one: the only ones
# that depend on more than the word's normalized form.
WRITTEN_FORM_RULES = ("identical", "diacritics", "letter form", "vowels")
SYNONYM_RULE = "synonym"  # a form a synonyms rule searched for the word typed (query/synonyms.py)
ROOT_RULE = "same root"  # a word of the typed word's root (root: words, and plain words by ROOT_PLAIN_SHARE)

# The blocks whose characters the fast path knows one by one (classified
# once, ~7 µs a character): Latin, Arabic, General Punctuation (ZWNJ,
# bidi marks, …) and the BOM, in which news is written; then the Arabic
# presentation forms and ligatures (ﻻ), which a few texts hold. Needles
# are spelled with the first only: each presentation form would add three
# or four spellings to every letter. A text with any other character
# (Greek, an emoji) is normalized whole.
PLAIN_BLOCKS = ((0x0000, 0x024F), (0x0600, 0x06FF), (0x2000, 0x206F), (0xFEFF, 0xFEFF))
FORM_BLOCKS = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFE))


class Match(NamedTuple):
    """One original word that a query term matched, and the rule that made it match.

    A NamedTuple: a search makes one per highlighted word, twice, and a
    tuple is made three times faster than a frozen dataclass.
    """

    term: str  # the query term as typed
    start: int  # offsets in the original text
    end: int
    original: str
    rule: str  # identical, diacritics, letter form, prefix, stem, same root, prefix search, fuzzy, synonym
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
    only names the rule), so each distinct word is tried once. For the
    hits of one search, QueryTerms(parsed).find_matches shares that work.
    """
    return QueryTerms(parsed).find_matches(text)


def prepare() -> None:
    """Classify the alphabet now (~20 ms, once per process): a server does it before its first request."""
    _alphabet()


def forget_texts() -> None:
    """Drop what is kept per text (its view and tokens), as Index.drop_caches drops documents."""
    _view.cache_clear()
    _tokens.cache_clear()


class QueryTerms:
    """A query's terms, their needles, and the term that accepts each word seen: made once per search."""

    def __init__(self, parsed: ParsedQuery):
        self.terms = _query_terms(parsed)
        self.needles = _needles(self.terms) if self.terms else None
        # Words a document may hold only by their root (ROOT_PLAIN_SHARE), each with its root
        # term: no needle finds those.
        self.rooted = ({term.text: root_or_none(term.normalized) for term in self.terms if _root_matched(term)}
                       if ROOT.searched_plainly() else {})
        self.accepted: dict[str, tuple | None] = {}  # normalized word -> (first term accepting it, rule) or None
        self.accepted_by_root: dict[str, tuple | None] = {}  # the same, words of the same root accepted too

    def find_matches(self, text: str, deadline: Deadline | None = None,
                     holds_root: Callable[[str], bool] | None = None) -> list[Match]:
        """find_matches(text, parsed) for the query these terms came from.

        At the deadline, the matches found so far (a word not yet tried
        costs a fuzzy query an edit distance for each of its fuzzy words).
        holds_root(root term) says whether the text holds a word of that
        root (its document's root postings): when it holds none of the
        missing words' roots, reading every token again would find nothing.
        """
        if not self.terms:
            return []
        if self.needles is None:
            matches = self._matches(text, _tokens(text), deadline)
        else:
            matches = self._matches(text, _candidate_tokens(_view(text), self.needles), deadline)
        missing = self.rooted.keys() - {match.term for match in matches}
        if missing and (holds_root is None or any(holds_root(self.rooted[word]) for word in missing)):
            # A word found in no form of its stem may be here by its root (مدارس for مدرسة): the
            # words matched so far and every word of a query word's root are read again, words of
            # the same root accepted too (no other word can be).
            roots = {root for root in self.rooted.values() if root}
            matched_at = {match.start for match in matches}
            tokens = [token for token in _tokens(text) if token[0] in matched_at or root_or_none(token[2]) in roots]
            by_root = self._matches(text, tokens, deadline, by_root=True)
            if any(match.term in missing and match.rule == ROOT_RULE for match in by_root):
                return by_root
        return matches

    def _matches(self, text: str, tokens, deadline: Deadline | None, by_root: bool = False) -> list[Match]:
        """The Matches among tokens, (start, end, normalized word) in text order."""
        matches = []
        accepted = self.accepted_by_root if by_root else self.accepted
        for start, end, normalized in tokens:
            found = accepted.get(normalized, False)
            if found is False:
                if deadline is not None and deadline.expired():
                    break
                found = accepted[normalized] = _first_accepting(self.terms, normalized, by_root)
            if found is None:
                continue
            term, rule = found
            original = text[start:end]
            if rule in WRITTEN_FORM_RULES:
                rule = _match_rule(term, original, normalized, by_root)
                if rule is None:
                    continue  # a حركات: word written with other harakat here
            stem_start, stem_end = _stem_span(text, start, end, normalized, rule)
            typed = getattr(term, "synonym_of", None) or term.text  # a synonym's match counts for the word typed
            matches.append(Match(typed, start, end, original, rule, stem_start, stem_end))
        return matches


def _first_accepting(terms: list, normalized: str, by_root: bool = False) -> tuple | None:
    """The first term whose rule accepts a word of this normalized form, and the rule; None if none does."""
    for term in terms:
        rule = _match_rule(term, normalized, normalized, by_root)
        if rule:
            return term, rule
    return None


def _needles(terms: list) -> list[str] | None:
    """For each term, a string that every normalized word it accepts contains; None if a term has none.

    The light stemmer only cuts a prefix and suffixes, so a word's stem is
    a substring of it: a word accepted by a stemmed term holds the term's
    stem, one accepted by an exact or stopword term equals its normalized
    form, one accepted by a prefix holds the prefix. A fuzzy word holds
    nothing in particular, nor does a root: word (مدارس does not hold
    درس). A needle that is not all word characters can be in no token, so
    its term accepts nothing and it is left out.
    """
    needles = []
    for term in terms:
        if isinstance(term, Fuzzy) or (isinstance(term, Word) and term.root):
            return None
        if isinstance(term, Word) and not term.exact and term.stem is not None:
            needle = term.stem
        else:
            needle = term.normalized
        if not needle:
            return None
        if TOKEN_PATTERN.fullmatch(needle):
            needles.append(needle)
    return needles


def _candidate_tokens(view: _View, needles: list[str]) -> list[tuple[int, int, str]]:
    """The tokens of the text that hold a needle, as tokenize() gives them, in text order."""
    text = view.text
    words, spell = (TOKEN_PATTERN, _literal) if view.normalized else (_alphabet().word_run, _spelling)
    found: dict[int, int] = {}  # start -> end in the view of each token holding a needle
    for needle in needles:
        spelling = spell(needle)
        if spelling is None:
            continue
        pattern, lead, checks = spelling
        hit = pattern.search(text, lead)
        while hit:
            at = hit.start()
            if checks and not _spelled(text, at, checks):
                hit = pattern.search(text, at + 1)
                continue
            # No token holds a space: the one holding the hit is the first after the last space to end past it.
            word = words.search(text, text.rfind(" ", 0, at) + 1)
            while word.end() <= at:
                word = words.search(text, word.end())
            found[word.start()] = word.end()
            hit = pattern.search(text, word.end())
    spans = sorted(found.items())
    if view.offsets is None:
        return [(start, end, _fold(text[start:end])) for start, end in spans]
    offsets = view.offsets
    return [(offsets.start(start), offsets.end(end - 1), _fold(text[start:end])) for start, end in spans]


def _spelled(text: str, at: int, checks: tuple[tuple[int, str], ...]) -> bool:
    """Whether each checked letter around a hit at ``at`` is one of its spellings (see _spelling)."""
    for offset, letters in checks:
        if text[at + offset] not in letters:
            return False
    return True


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    """normalize_text of one word, memoized: str.translate costs ~50 ns a character, and words recur."""
    return word.translate(FOLD_TABLE)


@lru_cache(maxsize=32)
def _tokens(text: str) -> tuple[tuple[int, int, str], ...]:
    """tokenize(text) as a tuple, for fuzzy queries and the texts best_snippet cannot read (cached for a page)."""
    return tuple(tokenize(text))


def _query_terms(parsed: ParsedQuery):
    """The words, prefixes and fuzzy words of a query, content words only when there are any."""
    words = [w for w in parsed.words if w.stem is not None or w.exact]
    terms: list = words or list(parsed.words)
    stack = [parsed.root]
    while stack:
        node = stack.pop()
        if isinstance(node, Word):
            continue
        if isinstance(node, (Prefix, Fuzzy)):
            terms.append(node)
        for attribute in ("children", "words"):
            stack.extend(getattr(node, attribute, ()))
        if hasattr(node, "child"):
            stack.append(node.child)
    return terms


def _match_rule(term, original: str, normalized: str, by_root: bool = False) -> str | None:
    """Why this written word matches the term, or None; by_root: a plain word also accepts its root's words."""
    if isinstance(term, Prefix):
        stem = stem_or_none(normalized) or normalized
        return "prefix search" if normalized.startswith(term.normalized) or stem.startswith(term.normalized) else None
    if isinstance(term, Fuzzy):
        return "fuzzy" if within(normalized, term.normalized, term.distance) else None
    word: Word = term
    if word.vowels is not None:
        return "vowels" if normalized == word.normalized and vocalized_like(original, word.vowels) else None
    if word.synonym_of is not None:
        return SYNONYM_RULE if _match_rule(_as_typed(word), original, normalized, by_root) else None
    if normalized == word.normalized:
        if original == word.text:
            return "identical"
        if _without_marks(original) == _without_marks(word.text):
            return "diacritics"
        return "letter form"
    if word.root:
        root = root_or_none(word.normalized)
        return ROOT_RULE if root is not None and root_or_none(normalized) == root else None
    if word.exact or word.stem is None:
        return None
    stem = stem_or_none(normalized)
    if stem != word.stem:
        if by_root and _root_matched(word) and root_or_none(normalized) == root_or_none(word.normalized):
            return ROOT_RULE
        return None
    # Only the front differs (والمدرسة for مدرسة): a prefix; anything else: the stem rule.
    return "prefix" if _strip_prefix(normalized) == _strip_prefix(word.normalized) else "stem"


def _root_matched(term) -> bool:
    """A plain content word, which the root level also searches when levels.ROOT_PLAIN_SHARE is above 0."""
    return (isinstance(term, Word) and not term.exact and not term.root and term.stem is not None
            and term.vowels is None and term.synonym_of is None)


@lru_cache(maxsize=256)
def _as_typed(word: Word) -> Word:
    """A synonym's form as a word of its own, to ask whether its rules accept a written word."""
    return replace(word, synonym_of=None)


def _stem_span(text: str, start: int, end: int, normalized: str, rule: str) -> tuple[int, int]:
    """The original span of the stem inside a matched word (the whole word when no affix was cut)."""
    if rule not in ("prefix", "stem"):
        return start, end
    low, high = _stem_offsets(text[start:end], normalized)
    return start + low, start + high


@lru_cache(maxsize=4096)
def _stem_offsets(original: str, normalized: str) -> tuple[int, int]:
    """Where the stem of a written word lies in it (memoized: the same words recur on a page)."""
    stem = stem_or_none(normalized)
    index = normalized.find(stem) if stem else -1
    if index < 0:
        return 0, len(original)
    _, offsets = normalize_with_offsets(original)
    if offsets is None:  # every character folds to one, in place
        return index, index + len(stem)
    return offsets.start(index), offsets.end(index + len(stem) - 1)


@lru_cache(maxsize=4096)
def _strip_prefix(word: str) -> str:
    """stem.strip_prefix, memoized: the rules ask it for every matched word and the typed one."""
    return strip_prefix(word)


@lru_cache(maxsize=4096)
def _without_marks(text: str) -> str:
    """text without its diacritics, tatweel and format marks (memoized: the same words recur on a page)."""
    return "".join(c for c in text if not is_dropped(c))


def best_snippet(text: str, matches: list[Match], size: int = SNIPPET_TOKENS) -> Snippet:
    """The passage of about ``size`` words with the most distinct query terms (then most matches).

    ``matches`` are find_matches(text, ...) in text order. Only token
    distances below ``size`` decide the window, so the words between two
    matches are counted no further than that.
    """
    if size < 1 or not _view(text).known:
        return _snippet_of_tokens(text, matches, size)
    if not matches and _alphabet().token.search(text) is None:
        return Snippet(text[:200], (), ())
    # Beyond these many words the count changes no window: a match so far
    # from the previous one shares none with it, and a first match so far
    # from the start has a window that starts after the first word.
    cap, first_cap = max(size, LEAD_TOKENS + 1), LEAD_TOKENS + 1
    positions, position, previous = [], 0, 0
    for match in matches:
        position += _count_tokens(text, previous, match.start, cap if positions else first_cap)
        positions.append(position)
        previous = match.start
    first, chosen = _best_window(positions, matches, size)
    cut_start = 0 if first == 0 else _token_start_before(text, matches[chosen].start, LEAD_TOKENS)
    return _passage(text, matches, cut_start, _window_end(text, cut_start, size))


def _snippet_of_tokens(text: str, matches: list[Match], size: int) -> Snippet:
    """best_snippet over the full token list, for the texts the fast path does not read."""
    tokens = _tokens(text)
    if not tokens:
        return Snippet(text[:200], (), ())
    starts = [start for start, _, _ in tokens]
    first, _ = _best_window([bisect.bisect_left(starts, m.start) for m in matches], matches, size)
    last = min(len(tokens), first + size) - 1
    cut_start = 0 if first == 0 else tokens[first][0]
    cut_end = len(text) if last == len(tokens) - 1 else tokens[last][1]
    return _passage(text, matches, cut_start, cut_end)


def _best_window(positions: list[int], matches: list[Match], size: int) -> tuple[int, int]:
    """The first token of the best window and the match it was placed for (-1: no match).

    Each match proposes the window starting LEAD_TOKENS words before it;
    the first with the most distinct terms, then the most matches, wins.
    ``positions`` are the matches' token indices, in increasing order.
    """
    terms = [m.term for m in matches]
    distinct = len(set(terms))
    unbeatable = (distinct, len(terms))  # every term and every match: no later window wins
    best_first, best_key, chosen = 0, (-1, -1), -1
    low = high = 0  # the window's matches: positions[low:high] (both bounds only move forward)
    for index, position in enumerate(positions):
        window_start = position - LEAD_TOKENS if position > LEAD_TOKENS else 0
        while positions[low] < window_start:
            low += 1
        while high < len(positions) and positions[high] < window_start + size:
            high += 1
        key = (distinct if distinct == 1 else len(set(terms[low:high])), high - low)
        if key > best_key:
            best_key, best_first, chosen = key, window_start, index
            if key == unbeatable:
                break
    return best_first, chosen


def _passage(text: str, matches: list[Match], cut_start: int, cut_end: int) -> Snippet:
    """The Snippet of text[cut_start:cut_end], its matches moved to offsets into the passage."""
    prefix = "" if cut_start == 0 else "… "
    suffix = "" if cut_end == len(text) else " …"
    cut = text[cut_start:cut_end]
    passage = prefix + cut.strip() + suffix
    shift = len(prefix) - cut_start - (len(cut) - len(cut.lstrip()))
    moved = tuple(
        Match(m.term, m.start + shift, m.end + shift, m.original, m.rule, m.stem_start + shift, m.stem_end + shift)
        for m in matches if m.start >= cut_start and m.end <= cut_end
    )
    return Snippet(passage.replace("\n", " "), tuple((m.start, m.end) for m in moved), moved)


# ----- reading the original text without tokenizing it ---------------------------


@dataclass(frozen=True)
class _Alphabet:
    """The characters of the known blocks sorted by what normalizing makes of each, as regex pieces.

    A word character folds to word characters only, a separator to
    non-word characters only, a dropped one to nothing (marks, tatweel,
    ZWNJ); no character folds to both (normalize.fold_char keeps such a
    one whole). So a text of known characters is tokenized on the original
    like its normalized text: a token is a word character, then word and
    dropped characters. Plain characters, those of PLAIN_BLOCKS that fold
    to one word character or to separators, stand in the view of a text
    as written; needles are spelled with them.
    """

    dropped: str  # class body, for [...]
    separator: str  # class body: separators and dropped characters
    sources: dict[str, str]  # normalized word character -> the plain characters that fold to it
    token: re.Pattern  # one token of the original, its offsets as tokenize() gives them
    token_end: re.Pattern  # a token with an empty group at its end: findall() counts without copying
    word_run: re.Pattern  # one token of a text of plain characters
    not_plain: re.Pattern  # a run of characters that are not plain, as a group (for split)
    dropped_only: re.Pattern
    unknown: re.Pattern  # a character the alphabet does not classify (outside the known blocks)
    # (Each pattern opens with a class, not a repeat: only then does the
    # regex engine skip ahead to a character of that class in C.)


@lru_cache(maxsize=1)
def _alphabet() -> _Alphabet:
    """Classify the known blocks once (~10 ms, on the first snippet); FOLD_TABLE memoizes the folds."""
    words, separators, drops, plain_words, plain = [], [], [], [], []
    sources: dict[str, str] = {}
    for low, high in sorted(PLAIN_BLOCKS + FORM_BLOCKS):
        in_plain_block = (low, high) in PLAIN_BLOCKS
        for code in range(low, high + 1):
            folded = FOLD_TABLE[code]
            if not folded:
                drops.append(code)
            elif TOKEN_PATTERN.fullmatch(folded):
                words.append(code)
                if in_plain_block and len(folded) == 1:
                    plain_words.append(code)
                    plain.append(code)
                    sources[folded] = sources.get(folded, "") + chr(code)
            elif TOKEN_PATTERN.search(folded) is None:
                separators.append(code)
                if in_plain_block:
                    plain.append(code)
    word, separator, dropped = _char_class(words), _char_class(separators), _char_class(drops)
    plain_word, plain_char = _char_class(plain_words), _char_class(plain)
    token = f"[{word}][{word}{dropped}]*+"
    return _Alphabet(
        dropped=dropped, separator=separator + dropped, sources=sources,
        token=re.compile(token),
        token_end=re.compile(token + "()"),
        word_run=re.compile(f"[{plain_word}][{plain_word}]*+"),
        not_plain=re.compile(f"([^{plain_char}][^{plain_char}]*+)"),
        dropped_only=re.compile(f"[{dropped}]+"),
        unknown=re.compile(f"[^{word}{separator}{dropped}]"),
    )


def _char_class(codes: list[int]) -> str:
    """The inside of a regex class holding exactly these code points (sorted), as ranges."""
    parts = []
    index = 0
    while index < len(codes):
        last = index
        while last + 1 < len(codes) and codes[last + 1] == codes[last] + 1:
            last += 1
        low, high = re.escape(chr(codes[index])), re.escape(chr(codes[last]))
        parts.append(low if index == last else f"{low}-{high}")
        index = last + 1
    return "".join(parts)


class _View(NamedTuple):
    """What the needles are looked for in, and the way back to offsets in the original text.

    Most texts are plain, or plain but for dropped characters: the view is
    the text without those, its characters as written (each folds to one
    character, so a needle's letters stand side by side, as in the
    normalized text). A text holding any other character (a ligature, a
    presentation form) is normalized whole, as tokenize() does.
    (NamedTuples, not dataclasses, here: one is built per text.)
    """

    text: str
    offsets: _DropMap | OffsetMap | None  # start(i), end(i) of character i in the original; None: in place
    normalized: bool = False  # text is normalize_text(original)
    known: bool = True  # every character of the original is classified: its tokens can be cut on it


class _DropMap(NamedTuple):
    """Where each character of a text without its dropped characters stood in the original.

    Each run of dropped characters is kept as the index it stood before
    (``at``) and its end in the original; offsets are what OffsetMap
    would give for the normalized text.
    """

    at: tuple[int, ...]
    ends: tuple[int, ...]

    def start(self, index: int) -> int:
        """The original offset of character ``index``."""
        run = bisect.bisect_right(self.at, index) - 1
        return index if run < 0 else self.ends[run] + index - self.at[run]

    def end(self, index: int) -> int:
        """The original end of character ``index``, the dropped characters right after it included."""
        run = bisect.bisect_right(self.at, index + 1) - 1
        if run < 0:
            return index + 1
        if self.at[run] == index + 1:  # a run right after it
            return self.ends[run]
        return self.ends[run] + index + 1 - self.at[run]


@lru_cache(maxsize=DOCUMENTS_KEPT)
def _view(text: str) -> _View:
    """The view of text: itself, itself without dropped characters, or normalized (one regex pass but for the last).

    Cached for as many texts as engine.postings keeps documents: find_matches
    and best_snippet both ask, and a document shown once is often shown again.
    """
    alphabet = _alphabet()
    parts = alphabet.not_plain.split(text)  # pieces of plain text, and between them the runs of others
    if len(parts) == 1:
        return _View(text, None)
    runs = "".join(parts[1::2])
    if alphabet.dropped_only.fullmatch(runs):
        pieces = parts[::2]
        at = tuple(accumulate(map(len, pieces[:-1])))
        ends = tuple(accumulate(map(len, parts)))[1::2]
        return _View("".join(pieces), _DropMap(at, ends))
    normalized, offsets = normalize_with_offsets(text)
    return _View(normalized, offsets, normalized=True, known=alphabet.unknown.search(runs) is None)


@lru_cache(maxsize=256)
def _spelling(needle: str) -> tuple[re.Pattern, int, tuple[tuple[int, str], ...]] | None:
    """A regex for the plain spellings of a normalized needle, and what it leaves to check at each hit.

    Each letter may be written in any form that folds to it (ى for ي). The
    regex starts at the first letter written only one way, so the engine
    scans for a literal, and a letter whose spellings make a costly class
    (ا: ا أ إ آ ٱ, ~0.1 ms to compile each time) is a dot. Those letters,
    and the ``lead`` letters before the regex, are checked at each hit
    against their spellings: (offset from the hit, spellings). None if no
    plain character spells the needle.
    """
    sources = _alphabet().sources
    if any(char not in sources for char in needle):
        return None
    lead = next((index for index, char in enumerate(needle) if len(sources[char]) == 1), None)
    if lead is None:  # every letter has several spellings (a number, a Latin word): classes, whatever they cost
        return re.compile("".join(f"[{_char_class(sorted(map(ord, sources[char])))}]" for char in needle)), 0, ()
    letters = [_letter(sources[char]) for char in needle]
    checks = tuple((index - lead, sources[char]) for index, char in enumerate(needle)
                   if index < lead or letters[index] == ".")
    return re.compile("".join(letters[lead:])), lead, checks


def _letter(spellings: str) -> str:
    """A regex for one letter's spellings: a literal, a class the compiler builds cheaply, else a dot.

    The compiler turns a class of at most two ranges, or of Latin-1 alone,
    into a few opcodes; any other becomes a 64k-bit map.
    """
    if len(spellings) == 1:
        return re.escape(spellings)
    codes = sorted(map(ord, spellings))
    if codes[-1] < 256 or sum(1 for low, high in zip(codes, codes[1:]) if high != low + 1) < 2:
        return f"[{_char_class(codes)}]"
    return "."


@lru_cache(maxsize=256)
def _literal(needle: str) -> tuple[re.Pattern, int, tuple]:
    """The needle itself, for a normalized view, in the shape of _spelling's answer."""
    return re.compile(re.escape(needle)), 0, ()


def _count_tokens(text: str, start: int, end: int, cap: int) -> int:
    """How many tokens start in text[start:end]: exactly, or cap for a long stretch holding that many.

    One match of cap tokens answers for a long stretch; a shorter one,
    which likely holds fewer, is counted token by token straight away
    rather than scanned twice. (Past cap, a count moves every later match
    alike, which changes no window.)
    """
    if end - start >= LIKELY_CHARACTERS_A_TOKEN * cap and _token_run(cap).match(text, start, end):
        return cap
    return len(_alphabet().token_end.findall(text, start, end))


def _token_start_before(text: str, start: int, count: int) -> int:
    """Where the count-th token before the one at ``start`` begins (there are at least that many).

    Tokens are cut from a stretch before ``start``, widened until it holds
    one more token than needed: its first token may begin before it.
    """
    token = _alphabet().token
    width = 16 * count
    while True:
        low = max(0, start - width)
        starts = [word.start() for word in token.finditer(text, low, start)]
        if len(starts) > count or low == 0:
            return starts[-count]
        width *= 4


def _window_end(text: str, start: int, count: int) -> int:
    """The end of the count-th token from ``start``; len(text) if no token follows it or fewer remain."""
    run = _token_run(count).match(text, start)
    if run is None or _alphabet().token.search(text, run.end()) is None:
        return len(text)
    return run.end()


@lru_cache(maxsize=8)
def _token_run(count: int) -> re.Pattern:
    """``count`` tokens and what comes before each, in one C-level match."""
    alphabet = _alphabet()
    return re.compile(f"(?:[{alphabet.separator}]*+{alphabet.token.pattern}){{{count}}}")
