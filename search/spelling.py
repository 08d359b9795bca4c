"""The spelling a reader is shown for an index term: the one the articles write most often.

The exact level indexes words normalized (ة as ه, ئ and ؤ as ء, أ as ا),
which is what lets any spelling find any other, but its vocabulary is no
way to write to a reader: "did you mean الضراءب" and the completion
مدرسه are spellings nobody uses. written_form finds the term in the
stored titles, else bodies, of a few of the documents holding it
(SAMPLED_DOCUMENTS, those first in the index) and returns the commonest
way they write it, marks and tatweel left out. Nothing is kept at index
time: a suggestion or a completion reads those few texts.
"""

from __future__ import annotations

import re
from collections import Counter

from .analysis.levels import EXACT, FIELD_NAMED, field_names
from .analysis.normalize import is_dropped, normalize_text, normalize_with_offsets

SAMPLED_DOCUMENTS = 8  # documents read for one term: the commonest spelling shows in the first few


def written_form(arrays, term: str) -> str:
    """How the documents holding an exact-level term most often write it: in their titles, else their bodies.

    Titles first: a few short texts cost far less than a few whole
    articles, and a word is spelt there as in the body. arrays is a
    postings.IndexArrays. The term itself when no document holds it;
    ties go to the spelling met first.
    """
    for field in field_names(EXACT):  # title, body
        spellings = _spellings(arrays, field, term)
        if spellings:
            return spellings.most_common(1)[0][0]
    return term


def _spellings(arrays, field: str, term: str) -> Counter[str]:
    """The written forms of term in the first SAMPLED_DOCUMENTS documents holding it in field, counted."""
    text_field = FIELD_NAMED[field].text_field
    spellings: Counter[str] = Counter()
    for docnum in arrays.term(field, term).ids[:SAMPLED_DOCUMENTS].tolist():
        spellings.update(spellings_in(arrays.stored_fields(docnum).get(text_field) or "", term))
    return spellings


def spellings_in(text: str, term: str) -> Counter[str]:
    """How text writes the normalized word term, each written form counted (marks and tatweel left out)."""
    # The term as a whole token of the normalized text (tokenize.TOKEN_PATTERN cuts at anything but [^\W_]):
    # a search for it costs far less than cutting every word of the text.
    whole_word = re.compile(r"(?<![^\W_])" + re.escape(term) + r"(?![^\W_])")
    spellings: Counter[str] = Counter()
    normalized, offsets = normalize_with_offsets(text)
    for found in whole_word.finditer(normalized):
        start, end = found.span()
        if offsets is not None:
            start, end = offsets.start(start), offsets.end(end - 1)
        spellings["".join(char for char in text[start:end] if not is_dropped(char))] += 1
    return spellings


def after_prefix(written: str, prefix: str) -> str:
    """What follows, in a written word, the part that normalizes to prefix ("" when none does).

    مدرسة after مدر is سة: a completion keeps what was typed and adds this.
    """
    for end in range(len(written) + 1):
        if normalize_text(written[:end]) == prefix:
            return written[end:]
    return ""
