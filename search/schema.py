"""The Whoosh schema: every field, and at which analysis level it is indexed.

Title and body are indexed twice: ``title``/``body`` hold normalized words
(exact level, stopwords kept, so phrases and =word work) and
``title_stem``/``body_stem`` hold light stems (recall level). The body is
stored as written, so snippets and highlights come from the original text.
"""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from .analyze import exact_analyzer, stem_analyzer

# Field names, in one place: queries, snippets and the export refer to them.
EXACT_FIELDS = ("title", "body")
STEM_FIELDS = ("title_stem", "body_stem")
STEM_OF = {"title": "title_stem", "body": "body_stem"}


def build_schema() -> Schema:
    """A fresh schema; Whoosh pickles it into the index, so analyzers must pickle."""
    return Schema(
        id=ID(stored=True, unique=True),
        path=ID(stored=True),
        title=TEXT(analyzer=exact_analyzer(), stored=True, phrase=True),
        title_stem=TEXT(analyzer=stem_analyzer(), phrase=True),
        body=TEXT(analyzer=exact_analyzer(), stored=True, phrase=True),
        body_stem=TEXT(analyzer=stem_analyzer(), phrase=True),
        url=STORED,
        date=DATETIME(stored=True, sortable=True),
        source=ID(stored=True, sortable=True),
        author=STORED,
    )
