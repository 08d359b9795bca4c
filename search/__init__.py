"""Arabic full-text search on Whoosh: the public library API.

    from search import Index
    index = Index(".index")
    index.update("seeds")
    for hit in index.search("مدرسة").hits:
        print(hit.rank, hit.title, hit.snippet)
"""

from .analysis.normalize import Normalized, normalize
from .analysis.stem import light_stem
from .analysis.tokenize import AnalyzedToken, analyze
from .query.language import QueryError, parse_query
from .results import Hit, SearchResults, trec_lines
from .sources import Article, Problem, SeedsError
from .store.index import Index, IndexBusyError, IndexFolderError, IndexStats, UpdateSummary

__all__ = [
    "AnalyzedToken", "Article", "Hit", "Index", "IndexBusyError", "IndexFolderError", "IndexStats",
    "Normalized", "Problem", "QueryError", "SearchResults", "SeedsError", "UpdateSummary",
    "analyze", "light_stem", "normalize", "parse_query", "trec_lines",
]
