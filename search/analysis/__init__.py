"""Text analysis: what a text and a query word become in the index, with no search engine in sight.

normalize (letter forms, diacritics, digits, offsets back to the original),
tokenize (words with their original offsets, each level's term positions),
stem (light stemming), stopwords, and levels: the one registry of analysis
levels that every other package reads its field names and weights from.
"""
