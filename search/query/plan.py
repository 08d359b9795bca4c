"""Turn a parsed query into one plan that every backend renders: what to look for, how to rank it.

engine/compile.py renders the plan to Whoosh queries for our engine,
opensearch/querydsl.py to Query DSL for a cluster loaded from the export; neither
decides anything the plan does not say. Field names and weights come from
analysis/levels.py.

A plain word becomes a weighted term per field and level: its stem in
body_stem and title_stem (recall), its normalized form in body and title
(exact-form matches rank above stem-only ones), titles boosted (the
weights are levels.WEIGHTS, tuned on ARCD's train questions:
benchmarks/relevance.py, docs/relevance.md). A word that starts with one
of the one-letter clitics ب ل ك ف (بمرض, لاستضافة) also looks for the
word without it, when the index knows that remainder better than the
whole word: evidence that the letter was glued on, not part of the word
(لبنان keeps its ل, بيروت its ب). The stemmer cannot strip these letters
itself, without a vocabulary it would cut بيروت to يروت. The vocabulary
is the backend's: plan_query asks it for document frequencies (a Whoosh
reader, postings.IndexArrays, or counts a cluster gave).

Plain words are ranked in one of two ways, by the kind of query:

- Keywords (مدرسة جديدة): documents holding every content word rank
  first, then those missing some (QueryPlan.all_words). A word is present
  when any form the stemmer conflates with it is, in the title or the
  body; stopwords are never required.
- Questions (متى ولد نجيب محفوظ؟): a query with ? or ؟, or whose first or
  second word is an interrogative (stopwords.INTERROGATIVES). Such a query
  names its subject with words an answer often rephrases (ولد / مواليد,
  تقع / يقع), so strict tiers bury the answer under any long text that
  happens to hold every word: on ARCD with 31k news articles added, MRR@10
  falls from 0.736 to 0.667 (Lucene: 0.661). A question is ranked by BM25 times a
  coordination factor, (words matched / words) ** COORDINATION_EXPONENT:
  among documents of similar weight the complete matches come first, and
  it never comes back empty. Answer-type nouns right after an
  interrogative (ما اسم, كم عدد, في أي عام) are dropped like stopwords:
  they describe the answer, the answer does not contain them.

Neighbouring plain words found close together in a body add a small
bonus (PROXIMITY_SLOP, PROXIMITY_WEIGHT). Prefix and fuzzy words expand
to at most a budget of index terms per field. source: and date: parts
filter without scoring. A word a synonyms rule matched (synonyms.py) is
any of its forms, and in each field their terms count as one term
(Blend): أمريكا and أميركا are one word spelled two ways, so neither
spelling is worth more for being rarer, nor an article for writing both.
A rule with a phrase among its forms is any of them, each planned as the
word or phrase it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple, Protocol, Union

from ..analysis.levels import FIELDS, STEM, fields_of
from ..analysis.stopwords import is_answer_type, is_interrogative
from .vowels import required_vowel_words
from .language import (
    And,
    DateRange,
    Fuzzy,
    Node,
    Not,
    Or,
    ParsedQuery,
    Phrase,
    Prefix,
    QueryError,
    Soft,
    SourceFilter,
    Synonym,
    Word,
)

MAX_EXPANSIONS = 256  # terms one prefix or fuzzy word may expand to in each field: bounds query time
# Terms all the prefix and fuzzy words of one query may expand to, shared
# equally among them: four words in every field still get MAX_EXPANSIONS
# each, 200 fuzzy words a few, not 200 times as many postings to decode.
MAX_QUERY_EXPANSIONS = 4096
# Postings one prefix word may read in each field. A prefix expands to its
# most frequent terms first (the ones that decide its top hits) until this
# many postings or its term budget; rarer completions beyond are left out,
# and the results say so (Expansion.note). الم* holds 8,313 body terms and
# 290,000 postings in the 31k-article index: unbounded, it cost seconds;
# its 19 most frequent terms hold the first 50,000.
PREFIX_POSTINGS = 50_000
# Prefixes that are only the article or clitics before it: every word of
# the text starts with one, so they name nothing to search for. Refused
# with a note (QueryError) instead of expanding to most of the vocabulary.
ARTICLE_PREFIXES = frozenset({"ال", "وال", "فال", "بال", "كال", "لل", "ولل", "فلل", "وبال", "فبال", "وكال"})
FUZZY_PREFIX = 1  # letters a fuzzy word's expansions share with it: misspellings rarely touch the first
FUZZY_TRANSPOSITIONS = True  # two swapped letters are one edit (postings.terms_within: Damerau-Levenshtein)

# One-letter proclitics the stemmer leaves on (with, for, like, so), the
# weight of the remainder as an alternative, and the shortest remainder.
CLITIC_LETTERS = "بلكف"
CLITIC_WEIGHT = 1.0
MIN_CLITIC_REMAINDER = 3
CLITIC_EVIDENCE = STEM.field("body")  # the vocabulary that says a letter was glued on: the stems of bodies

# Neighbouring plain words found at most PROXIMITY_SLOP positions apart in
# a body (in order; a stopword between them counts) add PROXIMITY_WEIGHT
# times their body score: مجلس الشورى as a phrase outranks the two words
# scattered. Neutral on ARCD's questions (docs/relevance.md), kept for
# keyword queries, where a name or a compound is typed as adjacent words.
PROXIMITY_SLOP = 2
PROXIMITY_WEIGHT = 0.1
PROXIMITY_FIELD = STEM.field("body")

# How strongly a question's ranking favours documents with more of its words.
COORDINATION_EXPONENT = 0.25
QUESTION_MARKS = ("?", "\u061f")  # QUESTION MARK, ARABIC QUESTION MARK
QUESTION_OPENING = 2  # an interrogative among this many first words makes a question


class Vocabulary(Protocol):
    """What the plan asks the backend's index: in how many documents a field holds a term."""

    def doc_frequency(self, fieldname: str, text: str) -> int: ...


# ----- the plan --------------------------------------------------------------
# Nodes compare by identity: one query word is one node, wherever the plan uses
# it (in the ranking and in the all-words tier), so a backend renders it once.
# Read-only by convention, not frozen: a frozen dataclass is four times slower
# to make, and planning is on every search's path.


class Term(NamedTuple):
    """One term of one field, and the weight of a match (a tuple: a query makes dozens)."""

    field: str  # a Whoosh field name of levels.FIELDS: body_stem
    text: str
    weight: float


@dataclass(eq=False, slots=True)
class Terms:
    """A plain or =exact word: documents holding any of its terms, scored by the sum of those they hold."""

    word: Word
    terms: tuple[Term, ...]  # in levels.FIELDS order, a clitic alternative right after its field's term
    clitic: str | None = None  # the word without its glued letter, searched too (بمرض -> مرض)


@dataclass(eq=False, slots=True)
class Blend:
    """A synonym's forms, all single words: documents holding any of their terms.

    In each field the forms' terms are scored as one term, as Lucene's
    SynonymQuery does: their frequencies summed, the idf of the most
    frequent. Scores are summed over the fields, as for Terms.
    """

    forms: tuple[Word, ...]
    fields: tuple[tuple[str, tuple[str, ...], float], ...]  # (field, its distinct texts, weight)


@dataclass(eq=False, slots=True)
class Span:
    """Terms of one field in order (or any order), at most ``slop`` words between neighbours."""

    field: str
    texts: tuple[str, ...]
    slop: int  # 0: adjacent; "…"~N allows N
    ordered: bool
    weight: float


@dataclass(eq=False, slots=True)
class Expansion:
    """A prefix (كتا*) or fuzzy (مدرسه~) word: the index terms it stands for, found by the backend."""

    kind: str  # "prefix" or "fuzzy"
    text: str  # normalized
    fields: tuple[tuple[str, float], ...]  # (field, weight): each expanded term is weighted as its field
    per_field: int  # at most this many terms in each field: MAX_EXPANSIONS, or the word's share of the query's
    distance: int = 0  # fuzzy: edits allowed
    prefix: int = 0  # fuzzy: leading letters kept
    transpositions: bool = False  # fuzzy: a swap of two letters is one edit
    postings: int | None = None  # prefix: at most this many postings in each field, most frequent terms first


@dataclass(eq=False, slots=True)
class Filter:
    """source: (a source name) or date: (inclusive bounds, None for open): matches without scoring."""

    source: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(eq=False, slots=True)
class Group:
    """Children joined by ``op``, minus the documents of any excluded node.

    all: every child, scores summed; any: at least one, summed;
    coordinated: any, the sum times (children matched / children) ** exponent.
    One child stands for itself (nothing to coordinate). No child: every
    document the exclusions leave, each scored 1.
    """

    op: str
    children: tuple["PlanNode", ...]
    excluded: tuple["PlanNode", ...] = ()
    exponent: float = 0.0


@dataclass(eq=False, slots=True)
class Bonus:
    """The documents of ``required``; those also matching ``bonus`` add its score."""

    required: "PlanNode"
    bonus: "PlanNode"


@dataclass(eq=False, slots=True)
class Without:
    """Every document except those of child (a query that is only NOT …), each scored 1."""

    child: "PlanNode"


PlanNode = Union[Terms, Blend, Span, Expansion, Filter, Group, Bonus, Without]


@dataclass
class QueryPlan:
    """A whole query: the scoring part, the stricter all-words tier (if any), and the filters."""

    query: PlanNode | None  # None: only filters, every document they let through
    all_words: PlanNode | None  # keyword queries: documents matching it rank first
    filters: list[Filter]  # source: and date: parts of the query (not the search options)
    question: bool
    vowels: tuple[Word, ...] = ()  # حركات: words: a document must hold one vocalized as typed (vowels.py)


def is_question(parsed: ParsedQuery) -> bool:
    """A question mark, or an interrogative among the first words (see the module docstring)."""
    if any(mark in parsed.text for mark in QUESTION_MARKS):
        return True
    return any(is_interrogative(word.normalized) for word in parsed.words[:QUESTION_OPENING])


def plan_query(parsed: ParsedQuery, vocabulary: Vocabulary | None = None) -> QueryPlan:
    """The plan of a parsed query; vocabulary decides clitic alternatives (None: no alternatives)."""
    question = is_question(parsed)
    planner = _Planner(vocabulary, question, parsed.root)
    root = parsed.root
    query = planner.plan(root) if root is not None else None
    all_words = None
    if isinstance(root, Soft) and not question:
        children = [planner.plan(c) for c in planner.soft_children(root) if not isinstance(c, Not)]
        children = [c for c in children if c is not None]
        if len(children) > 1:
            all_words = Group("all", tuple(children))
    if isinstance(root, Soft) and query is not None:
        near = planner.proximity(root)
        if near is not None:
            query = Bonus(query, near)  # never lets in a document the words exclude
    return QueryPlan(query, all_words, planner.filters, question, tuple(required_vowel_words(root)))


def clitic_lookups(parsed: ParsedQuery) -> list[tuple[str, str]]:
    """The (field, term) document frequencies plan_query may ask about, for a backend that fetches them at once."""
    asked = []
    for word in parsed.words:
        remainder = _clitic_candidate(word)
        if remainder is not None:
            asked += [(CLITIC_EVIDENCE, remainder), (CLITIC_EVIDENCE, word.stem)]
    return list(dict.fromkeys(asked))


def _clitic_candidate(word: Word) -> str | None:
    """The stem of word without a leading ب ل ك ف, if it has one to try (no vocabulary asked)."""
    text = word.normalized
    if word.exact or word.root or word.stem is None or text[:1] not in CLITIC_LETTERS:
        return None
    if len(text) - 1 < MIN_CLITIC_REMAINDER:
        return None
    remainder = STEM.term(text[1:])
    if remainder is None or remainder == word.stem:
        return None
    return remainder


class _Planner:
    def __init__(self, vocabulary: Vocabulary | None, question: bool, root: Node | None):
        self.vocabulary = vocabulary
        self.question = question
        self.root = root
        self.filters: list[Filter] = []
        # Each prefix or fuzzy word's share of MAX_QUERY_EXPANSIONS.
        self.word_expansions = MAX_QUERY_EXPANSIONS // max(1, _count_expanding(root))
        self._planned: dict[Node, PlanNode | None] = {}

    def plan(self, node: Node) -> PlanNode | None:
        """The plan of node, the same object each time it, or an equal node, is asked (a backend renders it once)."""
        if node not in self._planned:
            self._planned[node] = self._plan(node)
        return self._planned[node]

    def _plan(self, node: Node) -> PlanNode | None:
        """The plan of node; source: and date: parts go to self.filters instead (None)."""
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return self.phrase(node)
        if isinstance(node, Synonym):
            return self.synonym(node)
        if isinstance(node, (Prefix, Fuzzy)):
            return self.expansion(node)
        if isinstance(node, (SourceFilter, DateRange)):
            self.filters.append(filter_of(node))
            return None
        if isinstance(node, Not):
            if isinstance(node.child, (SourceFilter, DateRange)):
                return Without(filter_of(node.child))  # -source:x excludes x
            child = self.plan(node.child)
            return Without(child) if child is not None else None
        if isinstance(node, And):
            return self.combine(node.children, "all")
        if isinstance(node, Soft):
            return self.soft(node)
        if isinstance(node, Or):
            return self.combine(node.children, "any")
        raise TypeError(node)

    def soft(self, node: Soft) -> PlanNode | None:
        """Plain words; +word ones (parsed as a one-child And) are required, the rest only rank."""
        required = [c for c in node.children if isinstance(c, And) and len(c.children) == 1]
        optional = tuple(c for c in self.soft_children(node) if c not in required)
        op = "coordinated" if self.question and node is self.root else "any"
        if not required:
            return self.combine(optional, op)
        must = self.combine(tuple(c.children[0] for c in required) + tuple(
            c for c in optional if isinstance(c, Not)), "all")
        maybe = self.combine(tuple(c for c in optional if not isinstance(c, Not)), op)
        if must is None:  # +source:x, +date:...: the required parts were filters
            return maybe
        return Bonus(must, maybe) if maybe is not None else must

    def soft_children(self, node: Soft) -> tuple[Node, ...]:
        """Drop stopwords (and, in a question, its interrogatives and the answer types they ask
        for) from plain words, unless nothing else is left."""
        content = []
        after_interrogative = False
        for child in node.children:
            plain = isinstance(child, Word) and not child.exact
            if plain and self.question and is_interrogative(child.normalized):
                after_interrogative = True
                continue
            if plain and child.stem is None:
                continue  # a stopword; ما هو اسم still has اسم right after its interrogative
            if not (plain and self.question and after_interrogative and is_answer_type(child.stem)):
                content.append(child)
            after_interrogative = False
        return tuple(content) or node.children

    def combine(self, children, op: str) -> PlanNode | None:
        """Join children; a Not child becomes an exclusion of the whole group."""
        positive, negative = [], []
        for child in children:
            if isinstance(child, Not):
                negated = child.child
                planned = filter_of(negated) if isinstance(negated, (SourceFilter, DateRange)) \
                    else self.plan(negated)
                if planned is not None:
                    negative.append(planned)
                continue
            planned = self.plan(child)
            if planned is not None:
                positive.append(planned)
        if not positive and not negative:
            return None
        if len(positive) == 1 and not negative:
            return positive[0]
        return Group(op, tuple(positive), tuple(negative), COORDINATION_EXPONENT if op == "coordinated" else 0.0)

    def word(self, word: Word) -> Terms:
        """A term per field of levels.FIELDS (title's only, for title:), and the clitic remainder's.

        A root: word has a term at the root level only, weighted in full.
        """
        remainder = self.clitic_remainder(word)
        terms = []
        for field in fields_of(word.field):
            level = field.level
            text = level.word_term(word.normalized, word.exact, word.root)
            if text is None:
                continue
            terms.append(Term(field.name, text, field.weight * (1.0 if word.root else level.plain_share)))
            if remainder is not None and level.clitics:
                alternative = level.term(remainder)
                if alternative is not None and alternative != text:
                    terms.append(Term(field.name, alternative, field.weight * CLITIC_WEIGHT))
        return Terms(word, tuple(terms), remainder)

    def synonym(self, node: Synonym) -> PlanNode | None:
        """A Blend of single-word forms; with a phrase among them, any form, their scores summed.

        A form's terms blend with the other forms' terms of the same field
        and weight (a clitic alternative weighted otherwise stays apart).
        """
        if not all(isinstance(form, Word) for form in node.forms):
            return self.combine(node.forms, "any")
        fields: dict[tuple[str, float], list[str]] = {}
        for form in node.forms:
            for term in self.word(form).terms:
                texts = fields.setdefault((term.field, term.weight), [])
                if term.text not in texts:
                    texts.append(term.text)
        return Blend(node.forms, tuple((field, tuple(texts), weight) for (field, weight), texts in fields.items()))

    def clitic_remainder(self, word: Word) -> str | None:
        """The word without a glued ب ل ك ف, when the vocabulary holds its stem in more documents."""
        stem = _clitic_candidate(word)
        if stem is None or self.vocabulary is None:
            return None
        frequency = self.vocabulary.doc_frequency
        if frequency(CLITIC_EVIDENCE, stem) <= frequency(CLITIC_EVIDENCE, word.stem):
            return None
        return word.normalized[1:]

    def phrase(self, phrase: Phrase) -> PlanNode:
        """The words in each field at each level; a level that leaves a word out (a stopword) is skipped.

        NEAR spans are not weighted by field, as the engine has always ranked them. Not the
        root level: a phrase asks for these words, not for others of their roots.
        """
        alternatives = []
        for field in fields_of(phrase.field):
            if field.level.rooted:
                continue
            texts = [field.level.word_term(w.normalized, w.exact) for w in phrase.words]
            if None in texts:
                continue  # the stem level has no stopwords to match
            weight = field.weight * field.level.plain_share if phrase.ordered else 1.0
            alternatives.append(Span(field.name, tuple(texts), phrase.slop, phrase.ordered, weight))
        return alternatives[0] if len(alternatives) == 1 else Group("any", tuple(alternatives))

    def expansion(self, node: Prefix | Fuzzy) -> Expansion:
        """A prefix or fuzzy word with its budget: at most MAX_EXPANSIONS terms in each field,
        and at most the word's share of MAX_QUERY_EXPANSIONS in all."""
        # Not the root level: a word's prefix or misspelling is not its root's.
        fields = tuple((field.name, field.weight * field.level.plain_share) for field in fields_of(node.field)
                       if field.level.searched_plainly() and not field.level.rooted)
        per_field = max(1, min(MAX_EXPANSIONS, self.word_expansions // len(fields)))
        if isinstance(node, Prefix):
            if node.normalized in ARTICLE_PREFIXES:
                raise QueryError(f"{node.text} is only the article or a clitic, which most words start with: "
                                 f"add a letter of the word ({node.text[:-1]}م*) or search the word itself")
            return Expansion("prefix", node.normalized, fields, per_field, postings=PREFIX_POSTINGS)
        return Expansion("fuzzy", node.normalized, fields, per_field, node.distance, FUZZY_PREFIX,
                         FUZZY_TRANSPOSITIONS)

    def proximity(self, node: Soft) -> PlanNode | None:
        """Optional spans for each pair of neighbouring plain words, at the stem level of the body."""
        weight = PROXIMITY_WEIGHT * next(f.weight for f in FIELDS if f.name == PROXIMITY_FIELD)
        children = self.soft_children(node)
        spans = [
            Span(PROXIMITY_FIELD, (left.stem, right.stem), PROXIMITY_SLOP - 1, True, weight)
            for left, right in zip(children, children[1:])
            if _plain_stemmed(left) and _plain_stemmed(right)
        ]
        if not spans:
            return None
        return spans[0] if len(spans) == 1 else Group("any", tuple(spans))


def _count_expanding(root: Node | None) -> int:
    """How many prefix and fuzzy words the tree holds (each is planned once, however often it is asked)."""
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        if isinstance(node, (Prefix, Fuzzy)):
            count += 1
        elif isinstance(node, (And, Or, Soft)):
            stack.extend(node.children)
        elif isinstance(node, Not):
            stack.append(node.child)
    return count


def _plain_stemmed(node: Node) -> bool:
    """A plain content word of title and body: one that proximity spans can pair."""
    return (isinstance(node, Word) and not node.exact and not node.root and node.stem is not None
            and node.field is None)


def filter_of(node: SourceFilter | DateRange) -> Filter:
    if isinstance(node, SourceFilter):
        return Filter(source=node.source)
    return Filter(start=node.start, end=node.end)


def walk(node: PlanNode | None):
    """Every node under node (itself first), each once: for backends and tests that list a plan's parts."""
    seen, stack = set(), [node]
    while stack:
        node = stack.pop()
        if node is None or node in seen:  # plan nodes hash by identity (eq=False)
            continue
        seen.add(node)
        yield node
        if isinstance(node, Group):
            stack.extend(reversed(node.children + node.excluded))
        elif isinstance(node, Bonus):
            stack.extend((node.bonus, node.required))
        elif isinstance(node, Without):
            stack.append(node.child)
