"""The query language: lex and parse what a user types into a tree of words, phrases and operators.

Syntax (documented with examples in the README):

    مدرسة جديدة            plain words: documents with all of them first, then the rest
    مصر أو السعودية        OR  (also: OR, ||)
    مصر وأيضا السعودية     AND (also: AND, &&, or +word)
    مدرسة بدون جامعة       NOT (also: NOT, or -word)
    "مجلس الوزراء"  «مجلس الوزراء»   phrase;  "مجلس الوزراء"~3  words within 3 positions
    مجلس NEAR الوزراء      proximity (NEAR/5 sets the distance; Arabic: قرب)
    كتا*                   prefix        مدرسه~   fuzzy (edit distance 1; ~2 for two)
    =المدرسة               this exact form: normalized, not stemmed
    title:داعش  source:okaz  date:2015-07-01..2015-07-31  date:>2015-08-01
    حركات:عَلِمَ  vowels:عَلِمَ   this word with these harakat (vowels.py)
    ( … )                  grouping

Words are analyzed by the same code as the index (analysis/tokenize.py), never by a
second normalizer: a query for مَدرَسة and one for مدرسه mean the same.
The tree becomes a backend-neutral plan in plan.py, which
engine/compile.py renders for Whoosh and opensearch/querydsl.py as Query DSL.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..analysis.normalize import fold_digits
from ..analysis.tokenize import stem_or_none, tokenize

MAX_QUERY_LENGTH = 2000
DEFAULT_NEAR_DISTANCE = 5
# Parentheses, NOT and -/+ signs nested deeper than this are refused: the
# parser and the Whoosh query recurse once per level, and Python's stack is
# finite. Nobody types 32 levels; a pasted or generated query might.
MAX_NESTING = 32

OR_WORDS = {"OR", "||", "او"}  # normalized: أو -> او
AND_WORDS = {"AND", "&&", "وايضا"}
NOT_WORDS = {"NOT", "بدون"}
NEAR_WORDS = {"NEAR", "قرب"}
FIELD_ALIASES = {
    "title": "title", "عنوان": "title",
    "source": "source", "مصدر": "source",
    "date": "date", "تاريخ": "date",
    "vowels": "vowels", "حركات": "vowels",
}
QUOTES = {'"': '"', "«": "»", "\u201c": "\u201d"}


class QueryError(ValueError):
    """A malformed query: says what is wrong and at which character."""

    def __init__(self, message: str, position: int | None = None):
        self.message = message
        self.position = position
        where = f" at character {position + 1}" if position is not None else ""
        super().__init__(f"{message}{where}")


# ----- the tree -----------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """One word typed by the user, with what the index will look for."""

    text: str  # as typed
    normalized: str
    stem: str | None  # None for a stopword
    exact: bool = False  # =word: no stemming
    field: str | None = None  # title, or None for title+body
    synonym_of: str | None = None  # a form searched for another word (synonyms.py): that word as typed
    vowels: str | None = None  # حركات:عَلِمَ: the typed form whose harakat the text must agree with (vowels.py)


@dataclass(frozen=True)
class Phrase:
    """Words in order, at most ``slop`` extra positions apart; NEAR makes it unordered."""

    words: tuple[Word, ...]
    slop: int = 0
    field: str | None = None
    ordered: bool = True


@dataclass(frozen=True)
class Prefix:
    text: str
    normalized: str
    field: str | None = None


@dataclass(frozen=True)
class Fuzzy:
    text: str
    normalized: str
    distance: int = 1
    field: str | None = None


@dataclass(frozen=True)
class Synonym:
    """A word or phrase that a synonyms rule matched, and every form searched for it (synonyms.py)."""

    original: "Word | Phrase"
    forms: tuple["Word | Phrase", ...]  # the original itself among them, unless an explicit rule left it out


@dataclass(frozen=True)
class SourceFilter:
    source: str


@dataclass(frozen=True)
class DateRange:
    start: dt.datetime | None
    end: dt.datetime | None  # inclusive


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Soft:
    """Plain juxtaposed words: all-words documents rank first, partial matches follow."""

    children: tuple["Node", ...]


Node = Word | Phrase | Synonym | Prefix | Fuzzy | SourceFilter | DateRange | Not | And | Or | Soft


@dataclass
class ParsedQuery:
    """The tree of one query, and the words it looks for (for highlighting and suggestions)."""

    text: str
    root: Node | None
    words: list[Word] = field(default_factory=list)


# ----- lexing -------------------------------------------------------------

_LEX = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<quote>["«\u201c])
  | (?P<word>[^\s()"«»\u201c\u201d]+)
  | (?P<stray>[»\u201d])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Lexeme:
    kind: str  # word, lparen, rparen, phrase
    text: str
    position: int
    slop: int = 0
    operator: str | None = None  # OR, AND, NOT or NEAR when the word is one


def _word_lexeme(text: str, position: int) -> _Lexeme:
    """A word lexeme and the operator it spells, if any: found once here, asked at every step of the parse."""
    return _Lexeme("word", text, position, operator=_operator(text))


def _operator(word: str) -> str | None:
    """The operator a typed word spells (OR, AND, NOT, NEAR), or None."""
    normalized = word if word.isascii() else _normalized(word)
    for name, words in (("OR", OR_WORDS), ("AND", AND_WORDS), ("NOT", NOT_WORDS), ("NEAR", NEAR_WORDS)):
        if normalized in words:
            return name
    if word.startswith("NEAR/") and word[5:].isdigit():
        return "NEAR"
    return None


def _lex(text: str) -> list[_Lexeme]:
    """Split the query into words, parentheses and whole quoted phrases."""
    lexemes = []
    position = 0
    while position < len(text):
        match = _LEX.match(text, position)
        kind = match.lastgroup
        if kind == "quote":
            closing = QUOTES[match.group()]
            end = text.find(closing, match.end())
            if end < 0:
                raise QueryError(f"unclosed quote {match.group()}", position)
            inner = text[match.end():end]
            after = end + 1
            slop = 0
            slop_match = re.match(r"~(\d{1,3})", text[after:])
            if slop_match:
                slop = int(slop_match.group(1))
                after += slop_match.end()
            lexemes.append(_Lexeme("phrase", inner, position, slop))
            position = after
            continue
        if kind == "stray":
            raise QueryError(f"closing quote {match.group()} without an opening one", position)
        if kind == "word":
            lexemes.append(_word_lexeme(match.group(), position))
        elif kind != "space":
            lexemes.append(_Lexeme(kind, match.group(), position))
        position = match.end()
    return lexemes


# ----- parsing ------------------------------------------------------------


class _Parser:
    """Recursive descent over lexemes: or_expr := and_expr (OR and_expr)*."""

    def __init__(self, text: str):
        self.text = text
        self.lexemes = _lex(text)
        self.index = 0
        self.depth = 0  # unary() calls in progress: one per parenthesis, NOT or sign
        self.words: list[Word] = []

    def parse(self) -> ParsedQuery:
        if not self.lexemes:
            raise QueryError("empty query: type a word to search for")
        root = self.or_expr()
        if root is None:
            raise QueryError("nothing to search: the query has no letters or digits")
        from .vowels import required_vowel_words  # vowels.py reads this module's tree
        required_vowel_words(root)  # refuses one nested where it cannot be required
        if self.index < len(self.lexemes):
            lexeme = self.lexemes[self.index]
            raise QueryError(f"unexpected {lexeme.text!r}", lexeme.position)
        return ParsedQuery(self.text, root, self.words)

    def peek(self) -> _Lexeme | None:
        return self.lexemes[self.index] if self.index < len(self.lexemes) else None

    def peek_operator(self) -> str | None:
        lexeme = self.peek()
        return None if lexeme is None else lexeme.operator

    def or_expr(self) -> Node | None:
        children = [self.and_expr()]
        while self.peek_operator() == "OR":
            self.expect_operand_after()
            children.append(self.and_expr())
        children = [child for child in children if child is not None]
        if not children:
            return None
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        """Juxtaposed operands form a Soft group; an explicit AND makes its neighbours required."""
        groups: list[list[Node | None]] = [[self.unary()]]
        hard = False
        while True:
            operator = self.peek_operator()
            lexeme = self.peek()
            if lexeme is None or lexeme.kind == "rparen" or operator == "OR":
                break
            if operator == "AND":
                self.expect_operand_after()
                hard = True
                groups.append([self.unary()])
            elif operator == "NEAR":
                self.index += 1
                distance = DEFAULT_NEAR_DISTANCE
                if lexeme.text.startswith("NEAR/"):
                    distance = int(lexeme.text[5:])
                left = groups[-1].pop() if groups[-1] else None
                right = self.unary() if self.peek() else None
                if not isinstance(left, Word) or not isinstance(right, Word):
                    raise QueryError("NEAR joins two plain words", lexeme.position)
                groups[-1].append(Phrase((left, right), slop=distance, ordered=False))
            else:
                groups[-1].append(self.unary())
        groups = [[node for node in group if node is not None] for group in groups]
        groups = [group for group in groups if group]
        if not groups:
            return None
        nodes = [group[0] if len(group) == 1 else Soft(tuple(group)) for group in groups]
        if hard:
            return And(tuple(nodes))
        return nodes[0]

    def expect_operand_after(self) -> None:
        """Consume a binary operator, refusing one with nothing after it."""
        lexeme = self.lexemes[self.index]
        self.index += 1
        following = self.peek()
        if following is None or following.kind == "rparen":
            raise QueryError(f"{lexeme.text!r} needs a word after it", lexeme.position)

    def unary(self) -> Node:
        lexeme = self.peek()
        if lexeme is None:
            raise QueryError("the query ends too early", len(self.text))
        if self.depth >= MAX_NESTING:
            raise QueryError(f"the query nests more than {MAX_NESTING} levels deep", lexeme.position)
        self.depth += 1
        try:
            return self.nested_unary(lexeme)
        finally:
            self.depth -= 1

    def nested_unary(self, lexeme: _Lexeme) -> Node:
        """unary() once the nesting depth is checked: NOT, a sign, or an atom."""
        operator = self.peek_operator()
        if operator == "NOT":
            self.expect_operand_after()
            child = self.unary()
            return Not(child) if child is not None else None
        if operator in ("OR", "AND", "NEAR"):
            raise QueryError(f"{lexeme.text!r} needs a word before it", lexeme.position)
        if lexeme.kind == "word" and lexeme.text in ("-", "+", "!"):
            self.index += 1  # a lone sign (a dash before a question): nothing to apply it to
            return None
        if lexeme.kind == "word" and lexeme.text[0] in "-+!" and len(lexeme.text) > 1:
            self.lexemes[self.index] = _word_lexeme(lexeme.text[1:], lexeme.position + 1)
            child = self.unary()
            if child is None:
                return None
            return Not(child) if lexeme.text[0] in "-!" else And((child,))
        return self.atom()

    def atom(self) -> Node:
        lexeme = self.lexemes[self.index]
        self.index += 1
        if lexeme.kind == "lparen":
            if self.peek() is None:
                raise QueryError("unclosed parenthesis", lexeme.position)
            if self.peek().kind == "rparen":
                raise QueryError("empty parentheses", lexeme.position)
            inner = self.or_expr()
            if inner is None:
                raise QueryError("nothing to search inside the parentheses", lexeme.position)
            closing = self.peek()
            if closing is None or closing.kind != "rparen":
                raise QueryError("unclosed parenthesis", lexeme.position)
            self.index += 1
            return inner
        if lexeme.kind == "rparen":
            raise QueryError("closing parenthesis without an opening one", lexeme.position)
        if lexeme.kind == "phrase":
            return self.phrase(lexeme.text, lexeme.position, lexeme.slop, None)
        return self.word(lexeme.text, lexeme.position, None)

    def word(self, text: str, position: int, field_name: str | None) -> Node:
        if ":" in text and not text.startswith(":"):
            name, _, rest = text.partition(":")
            if name.lower() in FIELD_ALIASES or name in FIELD_ALIASES:
                return self.field(FIELD_ALIASES.get(name.lower(), FIELD_ALIASES.get(name)), rest, position)
        exact = text.startswith("=")
        body = text[1:] if exact else text
        if body.endswith("*"):
            stem = body.rstrip("*")
            normalized = _normalized(stem)
            if len(normalized) < 2:
                raise QueryError("a prefix needs at least 2 letters before *", position)
            return Prefix(text, normalized, field_name)
        fuzzy = re.fullmatch(r"(.+?)~([12]?)", body)
        if fuzzy:
            normalized = _normalized(fuzzy.group(1))
            if not normalized:
                raise QueryError("~ must follow a word", position)
            return Fuzzy(text, normalized, int(fuzzy.group(2) or 1), field_name)
        tokens = [word for _, _, word in tokenize(body)]
        if not tokens:
            return None  # punctuation only (a stray ؟ or -): nothing to look for
        if len(tokens) == 1:
            return self.make_word(body, tokens[0], exact, field_name)
        # One typed word that splits into several tokens (U.S.A, 2015-07) is a phrase.
        return Phrase(tuple(self.make_word(t, t, exact, field_name) for t in tokens), 0, field_name)

    def make_word(self, text: str, normalized: str, exact: bool, field_name: str | None) -> Word:
        """A Word with its stem (none for =word or a stopword), remembered for highlighting."""
        word = Word(text, normalized, None if exact else stem_or_none(normalized), exact, field_name)
        self.words.append(word)
        return word

    def vowel_word(self, typed: str, position: int) -> Word:
        """حركات:عَلِمَ: an exact word (the candidates) that keeps its typed harakat for the filter."""
        tokens = [word for _, _, word in tokenize(typed)]
        if len(tokens) != 1:
            raise QueryError("vowels: (حركات:) takes one word", position)
        word = Word(typed, tokens[0], None, True, None, vowels=typed)
        self.words.append(word)
        return word

    def phrase(self, text: str, position: int, slop: int, field_name: str | None) -> Node:
        exact = text.startswith("=")
        tokens = [word for _, _, word in tokenize(text[1:] if exact else text)]
        if not tokens:
            raise QueryError("empty phrase", position)
        words = tuple(self.make_word(token, token, exact, field_name) for token in tokens)
        if len(words) == 1:
            return words[0]
        return Phrase(words, slop, field_name)

    def field(self, name: str, value: str, position: int) -> Node:
        if not value:
            following = self.peek()
            if name in ("title",) and following is not None and following.kind == "phrase":
                self.index += 1
                return self.phrase(following.text, following.position, following.slop, "title")
            raise QueryError(f"{name}: needs a value", position)
        if name == "title":
            return self.word(value, position, "title")
        if name == "source":
            return SourceFilter(value)
        if name == "vowels":
            return self.vowel_word(value, position)
        return parse_date_range(value, position)


def _normalized(text: str) -> str:
    """The normalized letters of text, as the index would see them (joined, no separators)."""
    return "".join(word for _, _, word in tokenize(text))


def parse_date(text: str, position: int | None = None, end_of_period: bool = False) -> dt.datetime:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD; the end of a period for an inclusive upper bound.

    The last period of the calendar (9999, 9999-12, 9999-12-31) ends at
    datetime.max: the start of the next one is past what datetime holds.
    Arabic-Indic and Persian digits read as their ASCII ones (٢٠١٥).
    """
    try:
        parts = [int(part) for part in fold_digits(text).split("-")]
        if not 1 <= len(parts) <= 3:
            raise ValueError(text)
        start = dt.datetime(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise QueryError(f"bad date {text!r} (use YYYY, YYYY-MM or YYYY-MM-DD)", position) from None
    if not end_of_period:
        return start
    if len(parts) == 1:
        following = (start.year + 1, 1, 1)
    elif len(parts) == 2:
        following = (start.year + (start.month == 12), start.month % 12 + 1, 1)
    else:
        following = (start + dt.timedelta(days=1)).timetuple()[:3] if start.date() < dt.date.max else None
    if following is None or following[0] > dt.MAXYEAR:
        return dt.datetime.max
    return dt.datetime(*following) - dt.timedelta(microseconds=1)


def parse_date_range(value: str, position: int | None = None) -> DateRange:
    """date:2015-07-01..2015-07-31, date:>2015-08, date:<2015, date:2015-07-21."""
    try:
        return _date_range(fold_digits(value), position)
    except OverflowError:  # date:<1 or date:>9999 reach past the calendar
        raise QueryError(f"date {value!r} is out of range (years 1 to 9999)", position) from None


def _date_range(value: str, position: int | None) -> DateRange:
    if ".." in value:
        low, _, high = value.partition("..")
        return DateRange(parse_date(low, position) if low else None,
                         parse_date(high, position, end_of_period=True) if high else None)
    if value.startswith(">="):
        return DateRange(parse_date(value[2:], position), None)
    if value.startswith(">"):
        return DateRange(parse_date(value[1:], position, end_of_period=True) + dt.timedelta(microseconds=1), None)
    if value.startswith("<="):
        return DateRange(None, parse_date(value[2:], position, end_of_period=True))
    if value.startswith("<"):
        return DateRange(None, parse_date(value[1:], position) - dt.timedelta(microseconds=1))
    return DateRange(parse_date(value, position), parse_date(value, position, end_of_period=True))


def parse_query(text: str) -> ParsedQuery:
    """Parse a query; raises QueryError (what and where) for a malformed one."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"query too long ({len(text)} characters; the limit is {MAX_QUERY_LENGTH})")
    return _Parser(text).parse()


def parse_plain(text: str) -> ParsedQuery:
    """Every word of text as a plain word, operators and quotes ignored (for pasted questions)."""
    parser = _Parser("")
    words = [parser.make_word(word, word, False, None) for _, _, word in tokenize(text[:MAX_QUERY_LENGTH])]
    if not words:
        raise QueryError("nothing to search: the query has no letters or digits")
    return ParsedQuery(text, words[0] if len(words) == 1 else Soft(tuple(words)), parser.words)
