"""How much each long-lived cache of a process keeps: every size in one place, so sizes that must agree do.

A server answers thousands of queries: each cache below is bounded, and
its size says what it is for. Caches of one search (memos of a query's
plan and its evaluation) end with the search and are not listed.
"""

# Decoded posting lists kept per open generation (ids, weights, positions,
# scores; engine.postings.IndexArrays), in MB. The files stay in the OS page
# cache, so a term decoded again costs a few milliseconds. Over 10,000 varied
# queries (benchmarks/serve.py) a server grew from 102 to 427 MB with 256 MB
# here and 2,048 documents below, to 174 MB with these sizes; a query holds
# about 60 kB of postings, so 32 MB keeps those of the last few hundred.
POSTINGS_BUDGET_MB = 32
# Documents shown recently: their stored fields kept unpickled
# (engine.postings) and, for as many texts, their normalized views
# (snippets._view); a hundred pages of hits. One figure for both: a
# document shown again needs both.
DOCUMENTS_KEPT = 1024
# Memoised document frequencies and prefix expansions per generation (engine.postings).
LOOKUPS_KEPT = 65536
# Terms of the vocabularies a fuzzy word compares itself with (engine.postings: a field's
# terms sharing the word's first letter; 50k for ا in the 31k index's body), about 8 MB.
VOCABULARY_TERMS_KEPT = 200_000
# Stems of distinct words (analysis.tokenize.stem_term): 31k news articles hold ~370k.
STEMS_KEPT = 500_000
