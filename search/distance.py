"""Edit distance: the one measure fuzzy expansion, fuzzy highlights and "did you mean" share.

Damerau-Levenshtein in its optimal-string-alignment form: an insertion,
a deletion, a substitution or a swap of two neighbouring letters is one
edit, as a fuzzy query (``word~2``) counts them, so a word the index
matched through a swap (الرياص / الرايص) is highlighted too.
"""

from __future__ import annotations

from typing import Callable


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
