"""Vowel-aware words (حركات:عَلِمَ): each haraka written in the query must be written so in the text.

Diacritics are ignored everywhere else, rightly: most text carries none.
A reader who types them on purpose (عَلِمَ, not عُلِمَ; مَلِك, not مَلَك)
asks for them with this operator. The index holds no diacritics, so such
a word is searched in two steps: the normal match on its normalized form
finds the candidates (query/plan.py, an exact word), then a document is
kept only when some occurrence of the word in its original title or body
is vocalized like the typed form (pyarabic's ``araby.vocalizedlike``: a
haraka written in both must agree, one missing in either matches
anything). Letter forms still fold (أ and ا are one letter here too); the
marks are what is compared. The word is required, so the operator stands
only where a required word may: the whole query, or a word of its
top-level words (not under OR, NOT or parentheses).
"""

from __future__ import annotations

from functools import lru_cache

from pyarabic import araby

from ..analysis.normalize import FOLD_TABLE
from ..analysis.tokenize import tokenize
from .language import And, Node, QueryError, Soft, Word


def required_vowel_words(root: Node | None) -> list[Word]:
    """The vowel-aware words of a query, each a required part of it; QueryError for one nested deeper."""
    top = [root] if not isinstance(root, (Soft, And)) else list(root.children)
    top += [child.children[0] for child in top if isinstance(child, And) and len(child.children) == 1]  # +word
    allowed = [node for node in top if isinstance(node, Word) and node.vowels is not None]
    found = _every_vowel_word(root)
    if len(found) != len(allowed):
        raise QueryError("a vowels: (حركات:) word must be one of the query's top-level words, "
                         "not under OR, NOT or parentheses")
    return allowed


def _every_vowel_word(node) -> list[Word]:
    if isinstance(node, Word):
        return [node] if node.vowels is not None else []
    found = []
    for child in getattr(node, "children", ()) + ((node.child,) if hasattr(node, "child") else ()):
        found += _every_vowel_word(child)
    return found


def holds_vocalized(text: str, word: Word) -> bool:
    """Whether some occurrence of word in text (original, with its marks) is vocalized like the typed form."""
    return any(normalized == word.normalized and vocalized_like(text[start:end], word.vowels)
               for start, end, normalized in tokenize(text))


@lru_cache(maxsize=4096)
def vocalized_like(written: str, typed: str) -> bool:
    """araby.vocalizedlike on both words with their letters folded and their marks kept."""
    return araby.vocalizedlike(_fold_letters(written), _fold_letters(typed))


def _fold_letters(word: str) -> str:
    """word with each letter folded as the index folds it (أ -> ا) and its harakat and shadda kept."""
    return "".join(char if araby.is_tashkeel(char) else char.translate(FOLD_TABLE) for char in word)
