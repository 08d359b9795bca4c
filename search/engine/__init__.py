"""The Whoosh engine: the only package that imports Whoosh.

schema (fields and the analyzer, built from analysis.levels), compile (a
query plan into Whoosh queries), evaluate/postings/scoring (the fast
paths over posting arrays), writer (the indexing processes), reader_cache,
searching (one search from query text to ranked hits), durability and
storage (generations on disk), compat (which Whoosh this was written for).
"""
