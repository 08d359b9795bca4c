"""The Whoosh schema: every field, at which analysis level it is indexed, and its analyzer.

Title and body are indexed once per level of levels.LEVELS: ``title``/``body``
hold normalized words (exact level, stopwords kept, so phrases and =word
work) and ``title_stem``/``body_stem`` hold light stems (recall level). The
exact fields store the text as written, so snippets and highlights come
from the original text.

A document read from a .jsonl record also carries ``digest``, a column
(neither indexed nor stored) holding a hash of its fields: an update of a
changed dump tells from it which records are indexed as they are, and
leaves those alone (store/index.py).

The analyzer of a level's fields is the project's one tokenizer
(analysis.tokenize) followed by the level's term function, so the schema
analyses exactly as the indexer, the query plan and the snippets do.
"""

from __future__ import annotations

import struct
from functools import lru_cache

from whoosh.analysis import Composable, Filter, Token, Tokenizer
from whoosh.columns import FixedBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, STORED, TEXT, Schema
from whoosh.formats import Positions

from ..analysis.levels import EXACT, LEVEL_NAMED, LEVELS, TEXT_FIELDS, Level
from ..analysis.tokenize import tokenize

DIGEST_FIELD = "digest"  # bookkeeping of updates, not part of an article: never searched, shown or exported
DIGEST_BYTES = 16


class PositionArray(Positions):
    """Whoosh's Positions format with a posting's positions as little-endian 4-byte integers, end to end.

    Whoosh's own value is a 4-byte count, then the pickled deltas: 13 or 14
    bytes for a word met once in an article, and one pickle.loads per
    posting to read back, which made most of a phrase's first search on a
    new Index. Here a word met once costs 4 bytes, the body's positions
    take 44% of the bytes they did (before compression; the 31k index
    305 -> 286 MB), and a term's positions decode with one join and
    one numpy.frombuffer (postings.decode_positions). Whoosh's matchers
    read these values through this class's decoders.
    """

    def encode(self, poslist):
        return _uint32s(len(poslist)).pack(*poslist)

    def decode_positions(self, valuestring):
        return list(_uint32s(len(valuestring) // 4).unpack(valuestring))

    def decode_frequency(self, valuestring):
        return len(valuestring) // 4


@lru_cache(maxsize=1024)
def _uint32s(count: int) -> struct.Struct:
    """The little-endian layout of count positions."""
    return struct.Struct(f"<{count}I")


class ArabicText(TEXT):
    """A TEXT field of one analysis level whose index() skips Whoosh's token stream.

    Whoosh indexes a text by pulling a Token object per word through the
    analyzer's generators and grouping them by term. This field computes
    the same terms, frequencies, weights and encoded positions from the
    level's term positions (analyze.word_positions / stem_positions; the
    stem level reuses the exact level's work on the same text). The analyzer is still the
    schema's, for queries, highlighting and any value that is not one
    string; tests/test_index_identity.py checks that an index built
    through this field equals one built through the analyzer.
    """

    def __init__(self, level: str, stored: bool = False):
        super().__init__(analyzer=level_analyzer(LEVEL_NAMED[level]), stored=stored, phrase=True)
        self.format = PositionArray(field_boost=self.format.field_boost)
        self.level = level

    def index(self, value, **kwargs):
        if not isinstance(value, str) or kwargs:
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        once = 1.0 * boost  # the weight of a term that occurs once
        encode = self.format.encode
        single = encode_single_position
        postings = []
        add = postings.append
        for term, at in self.term_positions(value).items():
            count = len(at)
            if count == 1:
                add((term.encode("utf-8"), 1, once, single(at[0])))
            else:
                add((term.encode("utf-8"), count, float(count) * boost, encode(at)))
        return postings

    def term_positions(self, value: str) -> dict[str, list[int]]:
        """Each term of value at this level with its positions, ascending: what index() encodes.

        writer.TermPool.add_positions files these directly, without index()'s tuples.
        """
        return LEVEL_NAMED[self.level].positions(value)


class ArabicTokenizer(Tokenizer):
    """Whoosh tokenizer: analysis.tokenize's words, with offsets into the original text."""

    def __eq__(self, other):
        return type(self) is type(other)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for position, (start, end, word) in enumerate(_words(value)):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def _words(value: str) -> list[tuple[int, int, str]]:
    """analysis.tokenize as a list: the Tokenizer's own argument is called tokenize."""
    return list(tokenize(value))


class LevelTermFilter(Filter):
    """Replace each token by its term at one analysis level, dropping the words it leaves out.

    Holds the level's name, not the level: Whoosh pickles the schema into
    the index, and a name stays valid when the level's functions change.
    """

    def __init__(self, level: str):
        self.level = level

    def __eq__(self, other):
        return type(self) is type(other) and self.level == other.level

    def __call__(self, tokens):
        term_of = LEVEL_NAMED[self.level].term
        for token in tokens:
            term = term_of(token.text)
            if term is None:
                continue
            token.text = term
            yield token


def level_analyzer(level: Level) -> Composable:
    """The Whoosh analyzer of a level's fields: the tokenizer, then the level's terms.

    A literal level's term is the word itself: its analyzer is the tokenizer alone.
    """
    if level.literal:
        return ArabicTokenizer()
    return ArabicTokenizer() | LevelTermFilter(level.name)


@lru_cache(maxsize=65536)
def encode_single_position(position: int) -> bytes:
    """PositionArray.encode([position]): most terms occur once in an article, at few distinct positions."""
    return PositionArray().encode([position])


def build_schema() -> Schema:
    """A fresh schema; Whoosh pickles it into the index, so analyzers must pickle.

    Every text field at every level; the exact level stores the original text.
    """
    text_fields = {level.field(text): ArabicText(level.name, stored=level is EXACT)
                   for text in TEXT_FIELDS for level in LEVELS}
    return Schema(
        id=ID(stored=True, unique=True),
        path=ID(stored=True),
        **text_fields,
        url=STORED,
        date=DATETIME(stored=True, sortable=True),
        source=ID(stored=True, sortable=True),
        author=STORED,
        digest=COLUMN(FixedBytesColumn(DIGEST_BYTES)),  # all zeros for a document of any other file
    )


def field_kinds() -> dict[str, str]:
    """What each field of the schema is, in Whoosh-neutral words: text, date, keyword, stored or column.

    The export maps a cluster field from this without reading Whoosh's field classes.
    """
    kinds = {}
    schema = build_schema()
    for name in schema.names():
        kind = schema[name]
        if isinstance(kind, TEXT):
            kinds[name] = "text"
        elif isinstance(kind, DATETIME):
            kinds[name] = "date"
        elif isinstance(kind, ID):
            kinds[name] = "keyword"
        elif isinstance(kind, STORED):
            kinds[name] = "stored"
        elif isinstance(kind, COLUMN):
            kinds[name] = "column"
        else:
            kinds[name] = type(kind).__name__
    return kinds
