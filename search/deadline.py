"""When a search must stop: its time limit, or a cancel from outside (a web client that left).

A hostile query (hundreds of fuzzy words, a word of 2,000 letters) can
cost minutes; in a server, a request whose client has gone would go on
holding a core. Every stage of a search (expanding prefix and fuzzy
words, evaluating the query, snippets, "did you mean") asks its Deadline
at its loop boundaries, a clock read and a flag test, and stops there.
The search then comes back with ``partial=True``.
"""

from __future__ import annotations

import threading
import time


class SearchStopped(Exception):
    """Raised by Deadline.check once the search must stop; searching.run_search catches it."""


class Deadline:
    """A time limit (seconds from now, None for none) and an optional cancel Event, set by another thread."""

    def __init__(self, seconds: float | None = None, cancel: threading.Event | None = None):
        self.at = time.monotonic() + seconds if seconds is not None else None
        self.cancel = cancel
        self.reached = False  # some stage saw it and left work undone: the results are partial

    def expired(self) -> bool:
        """Whether the search must stop now; once True, always True (and ``reached`` says so)."""
        if not self.reached:
            late = self.at is not None and time.monotonic() >= self.at
            self.reached = late or (self.cancel is not None and self.cancel.is_set())
        return self.reached

    def check(self) -> None:
        """Raise SearchStopped when expired(): for stages whose half-done work would be wrong."""
        if self.expired():
            raise SearchStopped
