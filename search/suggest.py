""""Did you mean": a better spelling from the index's own vocabulary.

Candidates are the exact-level terms within two edits of a query word
(normalized, so hamza and ta marbuta variants are already one word). An
Arabic-aware cost makes the confusions Arabic typists really make (ض/ظ,
ذ/ز/د, س/ص/ث, ت/ط, ه/ح, ق/ك) cheaper than any other substitution; the
most frequent candidate among the cheapest wins.
"""

from __future__ import annotations

from .deadline import Deadline, SearchStopped
from .query import ParsedQuery

SIMILAR_LETTERS = [set("ضظ"), set("ذزد"), set("سصث"), set("تط"), set("هح"), set("قك"), set("اء")]
SIMILAR_COST = 0.5
MAX_COST = 2.0
MIN_WORD_LENGTH = 3
# A word in this many documents or more is taken as spelt right: looking for
# neighbours of a common word costs a scan of the vocabulary and helps nobody.
WELL_ATTESTED = 3


def substitution_cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    return SIMILAR_COST if any(a in group and b in group for group in SIMILAR_LETTERS) else 1.0


def arabic_edit_distance(a: str, b: str) -> float:
    """Levenshtein distance where look-alike and sound-alike Arabic letters cost half."""
    previous = [float(j) for j in range(len(b) + 1)]
    for i, char_a in enumerate(a, 1):
        current = [float(i)]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + substitution_cost(char_a, char_b)))
        previous = current
    return previous[-1]


def suggest_word(reader, word: str, deadline: Deadline | None = None) -> str | None:
    """The best-attested close spelling of word in the body vocabulary, if it is more frequent.

    reader is a postings.IndexArrays. Raises SearchStopped at the deadline.
    """
    if len(word) < MIN_WORD_LENGTH:
        return None
    own_frequency = reader.doc_frequency("body", word)
    if own_frequency >= WELL_ATTESTED:
        return None
    best = None
    for candidate in reader.terms_within("body", word, 2, prefix=1, deadline=deadline):
        candidate = candidate.decode("utf-8") if isinstance(candidate, bytes) else candidate
        if candidate == word:
            continue
        cost = arabic_edit_distance(word, candidate)
        frequency = reader.doc_frequency("body", candidate)
        if cost > MAX_COST or frequency <= own_frequency:
            continue
        key = (cost, -frequency)
        if best is None or key < best[0]:
            best = (key, candidate)
    return best[1] if best else None


def suggest_correction(reader, parsed: ParsedQuery, deadline: Deadline | None = None) -> str | None:
    """The query with each misspelt content word replaced, or None when nothing changes (or at the deadline)."""
    changed = False
    corrected = []
    try:
        for word in parsed.words:
            better = suggest_word(reader, word.normalized, deadline) if _unknown_stem(reader, word.stem) else None
            corrected.append(better or word.text)
            changed = changed or better is not None
    except SearchStopped:
        return None
    return " ".join(corrected) if changed else None


def _unknown_stem(reader, stem: str | None) -> bool:
    """True for a content word whose stem no document holds: منطقة is no typo when المنطقة is indexed."""
    if stem is None:
        return False
    return not any(reader.doc_frequency(field, stem) for field in ("body_stem", "title_stem"))
