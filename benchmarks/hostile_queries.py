"""How long hostile queries hold a core, against the per-query time limit.

    python benchmarks/hostile_queries.py --index INDEX [--time-limit 10] [--only NAME]

Three queries that once ran far past the limit, built from the index's
own vocabulary (so they expand on any index of news):

- fuzzy: 218 different six-letter words, each ``word~2``;
- long word: one word of 1,999 letters, which no document holds, so
  "did you mean" looks for a spelling near it;
- mixed: 30 fuzzy words and 30 three-letter prefixes (``الم*``).

The words are spread evenly over the index's body vocabulary, in term order.

Each runs once through ``search.Index.search`` in this process; the table
gives its wall time, whether it came back partial, and its total. With
``--concurrent N``, N threads then run the fuzzy query at once, as a
server's threadpool would, while this thread times a simple query
(الرياض) over and over: its median and worst time while they run.
Figures are printed, not written to docs/benchmarks.md: they check a
bound, not the speed of normal queries (query_latency.py does that).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search import Index  # noqa: E402
from search.query.language import MAX_QUERY_LENGTH  # noqa: E402

ARABIC_LETTERS = set("ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي")
FUZZY_WORDS = 218
MIXED_WORDS = 30


def vocabulary(index: Index, length: int, count: int) -> list[str]:
    """count body terms of ``length`` Arabic letters, spread evenly over the vocabulary in term order."""
    with index.open_whoosh().reader() as reader:
        words = [w for w in (t.decode("utf-8") for t in reader.lexicon("body"))
                 if len(w) == length and set(w) <= ARABIC_LETTERS]
    return words[::max(1, len(words) // count)][:count]


def hostile_queries(index: Index) -> dict[str, str]:
    six = vocabulary(index, 6, FUZZY_WORDS)
    three = vocabulary(index, 3, MIXED_WORDS)
    fuzzy = " ".join(f"{word}~2" for word in six)
    long_word = ("استقلال" * MAX_QUERY_LENGTH)[:MAX_QUERY_LENGTH - 1]
    mixed = " ".join([f"{word}~2" for word in six[:MIXED_WORDS]] + [f"{word}*" for word in three])
    return {"fuzzy": fuzzy, "long word": long_word, "mixed": mixed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="an index folder (only read)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per query")
    parser.add_argument("--only", help="run only the query of this name")
    parser.add_argument("--no-limit", action="store_true", help="no time limit: how long each would take")
    parser.add_argument("--concurrent", type=int, default=0, help="then N fuzzy queries at once beside a simple one")
    args = parser.parse_args()
    index = Index(args.index)
    index.search("الرياض")  # open the reader and its arrays outside the timings
    print(f"{'query':10} {'chars':>6} {'seconds':>8} {'partial':>8} {'total':>7}  suggestion")
    time_limit = None if args.no_limit else args.time_limit
    queries = hostile_queries(index)
    for name, text in queries.items():
        if args.only and name != args.only:
            continue
        started = time.perf_counter()
        results = index.search(text, time_limit=time_limit)
        seconds = time.perf_counter() - started
        suggestion = (results.suggestion or "-")[:30]
        print(f"{name:10} {len(text):6} {seconds:8.2f} {results.partial!s:>8} {results.total:7}  {suggestion}",
              flush=True)
    if args.concurrent:
        simple_beside(index, queries["fuzzy"], args.concurrent, time_limit)


def simple_beside(index: Index, hostile: str, count: int, time_limit: float | None) -> None:
    """Time a simple query again and again while count threads run the hostile one."""
    threads = [threading.Thread(target=index.search, args=(hostile,), kwargs={"time_limit": time_limit})
               for _ in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    times = []
    while any(thread.is_alive() for thread in threads):
        begun = time.perf_counter()
        index.search("الرياض")
        times.append(time.perf_counter() - begun)
    held = time.perf_counter() - started
    print(f"{count} fuzzy queries at once held the process {held:.1f} s; meanwhile {len(times)} searches for "
          f"الرياض took {statistics.median(times) * 1000:.0f} ms median, {max(times) * 1000:.0f} ms at worst")


if __name__ == "__main__":
    main()
