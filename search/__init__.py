"""Arabic full-text search on Whoosh: the public library API."""

from .analyze import AnalyzedToken, analyze
from .normalize import Normalized, normalize
from .stem import light_stem

__all__ = ["AnalyzedToken", "Normalized", "analyze", "light_stem", "normalize"]
