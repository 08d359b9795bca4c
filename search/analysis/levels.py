"""The analysis levels: one entry per level, read by every stage that names a field.

Each text field of an article (title, body) is indexed once per level:

- stem: light stems, stopwords left out: recall (مدرسة finds المدارس);
- exact: normalized words, stopwords kept: phrases, =word, and a bonus for
  the form the user typed;
- root: the root of each word, stopwords left out (root.py): searched by
  root:كتاب, which finds كتب, مكتبة and كاتب; plain words search it only
  if ROOT_PLAIN_SHARE is above 0.

A level says how a word and a text become its terms (tokenize.py), what
its fields are called in the Whoosh schema and on a cluster, and how much
a match in each weighs when a plain word is ranked. The schema and its
analyzer, the indexer, the query plan, both renderers, suggestions and
the export read their field names from here, so a new level (a root
level, say) is one entry below plus its term functions and, in
opensearch/export.py, the cluster analyzer that reproduces them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .tokenize import root_or_none, root_positions, stem_or_none, stem_positions, word_positions

TEXT_FIELDS = ("title", "body")  # the analyzed fields of an article


def _as_typed(normalized_word: str) -> str:
    """The exact level's term of a word: the word itself, normalized (stopwords kept)."""
    return normalized_word


@dataclass(frozen=True, eq=False)
class Level:
    """One analysis level: its terms, its fields, its weights, its analyzer on a cluster."""

    name: str
    suffix: str  # the Whoosh field of text field F is F + suffix: body_stem
    term: Callable[[str], str | None]  # normalized word -> its term here, None when the level leaves it out
    positions: Callable[[str], dict[str, list[int]]]  # text -> each term and its positions (what is indexed)
    weights: dict[str, float]  # text field -> weight of a plain word's match in it
    cluster_analyzer: str  # the analyzer's name in the export (export.analysis_settings defines it)
    subfield: str | None  # None: the cluster's text field itself; else its sub-field: body.stem
    literal: bool = False  # the term is the word as typed: the only level an =word searches
    clitics: bool = False  # a word with a glued ب ل ك ف also searches its remainder here (query/plan.py)
    rooted: bool = False  # the level a root: word searches, and the only one it searches
    plain_share: float = 1.0  # a plain word's weight here is this share of weights; 0: plain words skip it
    preanalyzed: bool = False  # a cluster cannot compute the terms: the export sends them (cluster field F + suffix)

    def field(self, text_field: str) -> str:
        """This level's Whoosh field of a text field: body -> body_stem."""
        return text_field + self.suffix

    def word_term(self, normalized_word: str, exact: bool = False, root: bool = False) -> str | None:
        """The term a query word looks for here; None: the word is not searched at this level.

        A root: word searches the rooted level alone; a plain word skips a level with no share.
        """
        if root != self.rooted and (root or not self.plain_share):
            return None
        if exact and not self.literal:
            return None
        return self.term(normalized_word)

    def searched_plainly(self) -> bool:
        """Whether plain words (and phrases, prefixes, fuzzy words) search this level."""
        return self.plain_share > 0


STEM = Level(
    name="stem", suffix="_stem", term=stem_or_none, positions=stem_positions,
    # The stem level carries recall; titles say what an article is about.
    weights={"body": 1.0, "title": 0.5},
    cluster_analyzer="arabic_stem", subfield="stem", clitics=True,
)
EXACT = Level(
    name="exact", suffix="", term=_as_typed, positions=word_positions,
    # Half the stem level's: a word matching as typed scores at both levels, above a stem-only match.
    weights={"body": 0.5, "title": 0.25},
    cluster_analyzer="arabic_exact", subfield=None, literal=True,
)
# A plain word's share of the root level's weights (0: only root: searches
# it): a tenth, so that مدرسة also finds مدارس, below every article with
# the word's own stem. It raised MRR@10 on ARCD from 0.822 to 0.830 and
# with the SaudiNewsNet distractors from 0.735 to 0.746
# (benchmarks/relevance.py); snippets mark such words "same root".
ROOT_PLAIN_SHARE = 0.1
ROOT = Level(
    name="root", suffix="_root", term=root_or_none, positions=root_positions,
    # root:كتاب ranks as a plain word does at the stem level.
    weights={"body": 1.0, "title": 0.5},
    cluster_analyzer="arabic_root", subfield=None, rooted=True, plain_share=ROOT_PLAIN_SHARE,
    preanalyzed=True,
)
# The order in which a plain word's terms are listed (and their scores summed):
# the body before the title, in each the levels in this order.
LEVELS = (STEM, EXACT, ROOT)
RANKING_ORDER = ("body", "title")

LEVEL_NAMED = {level.name: level for level in LEVELS}


@dataclass(frozen=True)
class IndexedField:
    """One Whoosh field of a text field at a level, and its weight for a plain word."""

    name: str  # body_stem
    text_field: str  # body
    level: Level
    weight: float

    def cluster_name(self) -> str:
        """The field on a cluster loaded from the export: body_stem -> body.stem, body -> body, body_root."""
        if self.level.preanalyzed:
            return self.name
        sub = self.level.subfield
        return f"{self.text_field}.{sub}" if sub else self.text_field


# Every indexed text field, in ranking order: body_stem, body, body_root, title_stem, title, title_root.
FIELDS = tuple(IndexedField(level.field(text), text, level, level.weights[text])
               for text in RANKING_ORDER for level in LEVELS)
FIELD_NAMED = {field.name: field for field in FIELDS}
# The weights of a plain word's matches, in the fields plain words search.
WEIGHTS = {field.name: field.weight * field.level.plain_share for field in FIELDS if field.level.searched_plainly()}


@lru_cache(maxsize=None)
def fields_of(text_field: str | None = None, level: Level | None = None) -> tuple[IndexedField, ...]:
    """The indexed fields of one text field (title: -> title's), of one level, or all, in ranking order.

    Memoised: every query word asks, and the answers are a handful of constant tuples.
    """
    return tuple(field for field in FIELDS
                 if (text_field is None or field.text_field == text_field) and (level is None or field.level is level))


def field_names(level: Level) -> tuple[str, ...]:
    """The Whoosh fields of a level, in TEXT_FIELDS order: title_stem, body_stem."""
    return tuple(level.field(text) for text in TEXT_FIELDS)
