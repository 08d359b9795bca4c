"""The Whoosh schema: every field, and at which analysis level it is indexed.

Title and body are indexed once per level of levels.LEVELS: ``title``/``body``
hold normalized words (exact level, stopwords kept, so phrases and =word
work) and ``title_stem``/``body_stem`` hold light stems (recall level). The
exact fields store the text as written, so snippets and highlights come
from the original text.

A document read from a .jsonl record also carries ``digest``, a column
(neither indexed nor stored) holding a hash of its fields: an update of a
changed dump tells from it which records are indexed as they are, and
leaves those alone (index.py).
"""

from __future__ import annotations

from functools import lru_cache

from whoosh.columns import FixedBytesColumn
from whoosh.fields import COLUMN, DATETIME, ID, STORED, TEXT, Schema
from whoosh.formats import Positions

from .levels import EXACT, LEVEL_NAMED, LEVELS, TEXT_FIELDS

DIGEST_FIELD = "digest"  # bookkeeping of updates, not part of an article: never searched, shown or exported
DIGEST_BYTES = 16


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
        super().__init__(analyzer=LEVEL_NAMED[level].analyzer(), stored=stored, phrase=True)
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


@lru_cache(maxsize=65536)
def encode_single_position(position: int) -> bytes:
    """Positions.encode([position]): most terms occur once in an article, at few distinct positions."""
    return Positions().encode([position])


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
