"""Nisba families of the news: does the stem level give each one stem?

    python benchmarks/families.py [--days 6] [--min-count 20]

A query for الحوثي must find the article that only says الحوثيون. Both
words belong to one nisba family: a relational adjective in ي and its
plural and feminine forms. This script finds those families in the first
SaudiNewsNet day files (../shared, read through common.py as the other
benchmarks do) and counts how many the stemmer conflates.

A family, on the normalized words (normalize_text: ة is ه, أ إ آ are ا):

- its head is a word ال + X + ي, X of two letters or more, that occurs
  at least --min-count times (default 20) and is no stopword (الذي);
- its members are the head and every other word of the text among
  ال + X + يون / يين / يه and the bare forms X + ي / يون / يين / يه
  (the same without the article);
- it counts only with at least one member besides the head.

A family is conflated when every member has the head's stem
(light_stem). For each family that is not, the script prints its members
with their stems and counts and how many articles using any member hold
no word with the head's stem: those a search for the head misses.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import common
from search.analysis.normalize import normalize_text
from search.analysis.stem import light_stem
from search.analysis.stopwords import is_stopword
from search.analysis.tokenize import TOKEN_PATTERN

ARTICLE = "ال"
NISBA = "ي"
# The endings of a nisba's other forms: plural (nominative, oblique) and feminine (ة folded to ه).
OTHER_ENDINGS = ("يون", "يين", "يه")
MIN_MIDDLE = 2  # ال + X + ي with X of one letter is a function word or a name's fragment


def words_of(article) -> list[str]:
    """The normalized words of an article's title and body."""
    return TOKEN_PATTERN.findall(normalize_text(f"{article.title} {article.body}"))


def member_forms(middle: str) -> list[str]:
    """Every form of the family of ال + middle + ي, the head first."""
    endings = (NISBA,) + OTHER_ENDINGS
    return [ARTICLE + middle + ending for ending in endings] + [middle + ending for ending in endings]


def find_families(counts: Counter, min_count: int) -> dict[str, list[str]]:
    """head -> its members present in the text (the head first)."""
    families = {}
    for word, count in counts.items():
        if count < min_count or not (word.startswith(ARTICLE) and word.endswith(NISBA)) or is_stopword(word):
            continue
        middle = word[len(ARTICLE):-len(NISBA)]
        if len(middle) < MIN_MIDDLE:
            continue
        members = [form for form in member_forms(middle) if counts[form]]
        if len(members) > 1:
            families[word] = members
    return families


def missed_articles(family: list[str], articles_of: dict[str, set[int]]) -> tuple[int, int]:
    """(articles using any member, those holding no member with the head's stem)."""
    head_stem = light_stem(family[0])
    using = set().union(*(articles_of[form] for form in family))
    found = set().union(*(articles_of[form] for form in family if light_stem(form) == head_stem))
    return len(using), len(using - found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=6, help="How many day files, from the first (default: 6).")
    parser.add_argument("--min-count", type=int, default=20, help="How often a head occurs at least (default: 20).")
    parser.add_argument("--work", type=Path, default=common.DEFAULT_WORK / "families",
                        help="Where the day files are unpacked (default: %(default)s).")
    args = parser.parse_args(argv)

    zips = common.day_zips()[: args.days]
    articles = common.load_articles(common.extract_days(zips, args.work / f"seeds-{args.days}"))
    counts: Counter = Counter()
    articles_of: dict[str, set[int]] = defaultdict(set)
    for number, article in enumerate(articles):
        words = words_of(article)
        counts.update(words)
        for word in set(words):
            articles_of[word].add(number)

    families = find_families(counts, args.min_count)
    failing = {head: members for head, members in families.items()
               if len({light_stem(form) for form in members}) > 1}
    conflated = len(families) - len(failing)
    share = conflated / len(families) if families else 0.0
    print(f"{len(articles)} articles of {len(zips)} days; heads occurring {args.min_count}+ times")
    print(f"{len(families)} nisba families, {conflated} conflated to one stem ({share:.1%}), {len(failing)} not")
    rows = []
    for head, members in sorted(failing.items(), key=lambda item: -counts[item[0]]):
        using, missed = missed_articles(members, articles_of)
        forms = " ".join(f"{form}→{light_stem(form)}({counts[form]})" for form in members)
        rows.append([head, f"{missed}/{using}", forms])
    if rows:
        common.print_table("families not conflated (head, articles a search for the head misses, forms)",
                           ["head", "missed", "forms→stem(count)"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
