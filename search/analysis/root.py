"""The root of a word, for the root level: مدارس, مدرسة and درس share درس.

Light stemming cannot join a broken plural to its singular (مدارس and
مدرسة keep different stems); their root does. The extractor is ISRI
(Taghva, Elkhoury and Coombs, 2005: rules, no dictionary; isri.py, as
NLTK's ISRIStemmer computes it), chosen by benchmarks/roots_eval.py on
1,250 Arramooz words: tashaphyne's get_root is as accurate, five times
slower, and its answers change with Python's hash seed (an index and
the process searching it could disagree); qalsadi is more accurate but
looks every word up in a dictionary, at 181 words a second.

ISRI strips one of a few prefixes (وال, بال, كال, فال, لل), so a word of
the news loses its clitics first, as the stem level strips them
(stem.strip_prefix): وبالمدرسة -> مدرسة -> درس, where ISRI alone keeps
وبالمدرسه whole (on roots_eval.py's words with clitics, 68% right
instead of 31%).

Words come here normalized (normalize.py), so a final ة is already ه:
ISRI strips ة as a suffix and not ه, so a final ه is handed to it as ة
(مكتبه -> كتب, not كبه). Its answer is normalized again and a hamza
folded to alef, the one spelling the index and queries share.
"""

from __future__ import annotations

from .isri import isri_root
from .normalize import normalize_text
from .stem import strip_prefix

TEH_MARBUTA = "\u0629"
HEH = "\u0647"
HAMZA = "\u0621"
ALEF = "\u0627"
SHORTEST_ROOTED = 3  # letters: a shorter word is its own root (ISRI returns it as is)


def canonical_root(root: str) -> str:
    """A root as the index spells it: normalized, a hamza (ء) as alef (ءخذ, أخذ, اخذ are one)."""
    return normalize_text(root).replace(HAMZA, ALEF)


def word_root(normalized_word: str) -> str:
    """The root of a normalized word (كتب for مكتبه, كتاب, وللكاتب); a word shorter than three letters is its own.

    Not memoised here: tokenize.root_term holds each distinct word once, as stem_term does.
    """
    if len(normalized_word) < SHORTEST_ROOTED or not normalized_word.isalpha():
        return canonical_root(normalized_word)
    word = strip_prefix(normalized_word)
    if word.endswith(HEH):
        word = word[:-1] + TEH_MARBUTA
    return canonical_root(isri_root(word))
