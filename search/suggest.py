"""Suggestions from the index's own vocabulary: "did you mean", and completions of a word being typed.

Candidates are the exact-level terms within two edits of a query word
(normalized, so hamza and ta marbuta variants are already one word) that
share its first letter. An Arabic-aware cost makes the confusions Arabic
typists really make (ض/ظ, ذ/ز/د, س/ص/ث, ت/ط, ه/ح, ق/ك) cheaper than any
other substitution; the most frequent candidate among the cheapest wins.

The work per word is bounded, whatever the vocabulary: a word longer
than MAX_WORD_LENGTH gets no suggestion, and at most MAX_CANDIDATES
terms are compared with it. The look-alike spellings, the cheapest
corrections, are looked up directly (a few lookups, and the answer when
one is found); then the terms sharing the longest start with the word
are compared first, where a typo near its end puts them.

Completions (complete) are the most frequent exact-level terms starting
with the last word typed, at most MAX_SCANNED_TERMS read per field.

Both show a term as the articles most often write it (spelling.py), not
as the index folds it: الضرائب, not الضراءب; مدرسة, not مدرسه.
"""

from __future__ import annotations

from .analysis.levels import EXACT, STEM, field_names, fields_of
from .analysis.tokenize import tokenize
from .deadline import Deadline, SearchStopped
from .distance import SIMILAR_LETTERS, arabic_edit_distance, within
from .query.language import ParsedQuery
from .spelling import after_prefix, written_form

MAX_COST = 2.0
MAX_EDITS = 2
MIN_WORD_LENGTH = 3
# Longer words get no suggestion: no Arabic word is that long, and an edit
# distance costs the product of the two lengths.
MAX_WORD_LENGTH = 24
MAX_CANDIDATES = 4000  # vocabulary terms read for one word (~0.1 s)
# A word in this many documents or more is taken as spelt right: looking for
# neighbours of a common word costs a scan of the vocabulary and helps nobody.
WELL_ATTESTED = 3

MAX_COMPLETIONS = 8
MIN_PREFIX = 3  # normalized letters before completions are offered: ال alone starts a third of the vocabulary
MAX_SCANNED_TERMS = 20_000  # per field, a bound on one request's work (الم: 8,300 terms in SaudiNewsNet)


def suggest_word(reader, word: str, deadline: Deadline | None = None) -> str | None:
    """The best-attested close spelling of word in the body vocabulary, if it is more frequent.

    reader is a postings.IndexArrays. Raises SearchStopped at the deadline.
    """
    if not MIN_WORD_LENGTH <= len(word) <= MAX_WORD_LENGTH:
        return None
    own_frequency = reader.doc_frequency("body", word)
    if own_frequency >= WELL_ATTESTED:
        return None
    best = None
    for candidates in (look_alikes(word), _sharing_its_start(reader, word, deadline)):
        for candidate in candidates:
            if candidate == word or abs(len(candidate) - len(word)) > MAX_EDITS:
                continue
            if not within(candidate, word, MAX_EDITS):
                continue
            cost = arabic_edit_distance(word, candidate)
            frequency = reader.doc_frequency("body", candidate)
            if cost > MAX_COST or frequency <= own_frequency:
                continue
            key = (cost, -frequency, candidate)
            if best is None or key < best[0]:
                best = (key, candidate)
        if best is not None:
            return best[1]  # a look-alike costs distance.SIMILAR_COST: no other candidate is as cheap
    return None


def look_alikes(word: str) -> list[str]:
    """word with one letter after the first replaced by a look-alike (SIMILAR_LETTERS), in term order."""
    spellings = set()
    for position in range(1, len(word)):
        for group in SIMILAR_LETTERS:
            if word[position] in group:
                spellings.update(word[:position] + other + word[position + 1:] for other in group - {word[position]})
    return sorted(spellings)


def _sharing_its_start(reader, word: str, deadline: Deadline | None):
    """Up to MAX_CANDIDATES body terms sharing word's first letter, those sharing a longer start first.

    Terms starting with all of word first, then those sharing all but its
    last letter (and not the whole word), and so on down to its first letter.
    """
    read = 0
    for shared in range(len(word), 0, -1):
        excluding = word[:shared + 1] if shared < len(word) else None
        for term in reader.prefixed_terms("body", word[:shared], excluding=excluding, deadline=deadline):
            yield term
            read += 1
            if read >= MAX_CANDIDATES:
                return


def suggest_correction(reader, parsed: ParsedQuery, deadline: Deadline | None = None) -> str | None:
    """The query with each misspelt content word replaced, or None when nothing changes (or at the deadline).

    Only the words typed are corrected: a synonym's other forms (synonym_of)
    are not, and a word is no typo when the index holds one of its forms.
    """
    changed = False
    corrected = []
    forms: dict[str, list] = {}
    for word in parsed.words:
        if word.synonym_of is not None:
            forms.setdefault(word.synonym_of, []).append(word)
    try:
        for word in parsed.words:
            if word.synonym_of is not None:
                continue
            unknown = all(_unknown_stem(reader, form.stem) for form in [word, *forms.get(word.text, [])])
            better = suggest_word(reader, word.normalized, deadline) if unknown else None
            corrected.append(written_form(reader, better) if better else word.text)
            changed = changed or better is not None
    except SearchStopped:
        return None
    return " ".join(corrected) if changed else None


def _unknown_stem(reader, stem: str | None) -> bool:
    """True for a content word whose stem no document holds: منطقة is no typo when المنطقة is indexed."""
    if stem is None:
        return False
    return not any(reader.doc_frequency(field.name, stem) for field in fields_of(level=STEM))


def complete(reader, text: str, count: int = MAX_COMPLETIONS) -> dict:
    """Completions of the last word of text from the index vocabulary, most frequent first.

    reader is a postings.IndexArrays. Candidates are exact-level terms of
    the title and body fields starting with the normalized last word; each
    completion keeps what was typed and adds the rest of the word as the
    articles most often write it (``text``; ``term`` is the index's
    normalized term). Nothing is offered after a space or for fewer than
    MIN_PREFIX letters.
    """
    tokens = list(tokenize(text))
    if not tokens or tokens[-1][1] != len(text):
        return {"query": text, "prefix": "", "completions": []}
    start, end, prefix = tokens[-1]
    if len(prefix) < MIN_PREFIX:
        return {"query": text, "prefix": prefix, "completions": []}
    documents: dict[str, int] = {}
    for field in field_names(EXACT):
        for scanned, term in enumerate(reader.prefixed_terms(field, prefix)):
            if scanned >= MAX_SCANNED_TERMS:
                break
            documents[term] = max(documents.get(term, 0), reader.doc_frequency(field, term))
    best = sorted(documents.items(), key=lambda item: (-item[1], item[0]))[:count]
    completions = []
    for term, frequency in best:
        rest = after_prefix(written_form(reader, term), prefix) or term[len(prefix):]
        completions.append({"text": text[:end] + rest, "term": term, "documents": frequency})
    return {"query": text, "prefix": prefix, "completions": completions}
