"""Edit distance: the one measure fuzzy expansion, fuzzy highlights and "did you mean" share.

Damerau-Levenshtein in its optimal-string-alignment form: an insertion,
a deletion, a substitution or a swap of two neighbouring letters is one
edit, as a fuzzy query (``word~2``) counts them, so a word the index
matched through a swap (الرياص / الرايص) is highlighted too.

Which of the words within reach is meant is a finer question: an
Arabic-aware cost (arabic_edit_distance) makes the confusions Arabic
typists really make (ض/ظ, ذ/ز/د, س/ص/ث, ت/ط, ه/ح, ق/ك, ا/ء) cost half an
edit, so الرياص is nearer الرياض than الرياح. "Did you mean" and the
ranking of a fuzzy word's expansions use it.
"""

from __future__ import annotations

from typing import Callable

SIMILAR_LETTERS = [set("ضظ"), set("ذزد"), set("سصث"), set("تط"), set("هح"), set("قك"), set("اء")]
SIMILAR_COST = 0.5


def edit_distance(a: str, b: str, substitution: Callable[[str, str], float] | None = None,
                  limit: float | None = None) -> float:
    """The edits that turn a into b; substitution(x, y), if given, prices replacing x by y (else 0 or 1).

    Given a limit, stops as soon as the distance is sure to exceed it and
    returns a value above the limit: no later row can come back under it
    once a row exceeds it and the row before it reaches it (a swap reaches
    back one row further, at a cost of one).
    """
    before_previous: list[float] = []
    previous = [float(j) for j in range(len(b) + 1)]
    for i, char_a in enumerate(a, 1):
        current = [float(i)]
        for j, char_b in enumerate(b, 1):
            replaced = (char_a != char_b) if substitution is None else substitution(char_a, char_b)
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + replaced)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b and char_a != char_b:
                cost = min(cost, before_previous[j - 2] + 1)
            current.append(cost)
        if limit is not None and min(current) > limit and min(previous) >= limit:
            return min(current)
        before_previous, previous = previous, current
    return previous[-1]


def within(a: str, b: str, limit: int) -> bool:
    """Whether a and b are at most limit edits apart (the length difference alone can say no)."""
    return abs(len(a) - len(b)) <= limit and edit_distance(a, b, limit=limit) <= limit


def substitution_cost(a: str, b: str) -> float:
    """Replacing a by b: nothing for the same letter, SIMILAR_COST for a look-alike (SIMILAR_LETTERS), else 1."""
    if a == b:
        return 0.0
    return SIMILAR_COST if any(a in group and b in group for group in SIMILAR_LETTERS) else 1.0


def arabic_edit_distance(a: str, b: str) -> float:
    """The edit distance of a and b where look-alike and sound-alike Arabic letters cost half."""
    return edit_distance(a, b, substitution_cost)
