"""The web server's first request next to its warm ones, and its memory over many varied queries.

    python benchmarks/serve.py               # uses build.py's index if present
    python benchmarks/serve.py --servers 5 --queries 10000

- first request: ``cli.py serve`` is started SERVERS times on the full
  31,030-article index; each server's first ``/api/search`` (a query of
  its own) is timed, then 32 other varied queries, each new to the server
  as the first was (its warm requests: the same work, a warm process),
  then the same 32 again (repeated: their postings and documents kept).
  The target: first ≤ 2× warm (medians).
- memory: one server answers QUERIES varied queries (single words, two
  words, phrases and prefixes drawn from the articles, each asked once);
  its resident memory (RSS) is read after 100 and after all of them.
  The target: after all ≤ 1.5× after 100 (the caches are bounded).

Each request is an HTTP GET from this process, as a browser's would be.
Results go to the "serve" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

FIRST_TARGET = 2.0  # first request / warm requests, medians
MEMORY_TARGET = 1.5  # RSS after all queries / RSS after 100
WARM_QUERIES = 32
EARLY = 100  # queries before the first memory reading


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=common.DEFAULT_WORK, help="work folder (temp)")
    parser.add_argument("--servers", type=int, default=5, help="servers started for the first-request figure")
    parser.add_argument("--queries", type=int, default=10_000, help="varied queries for the memory figure")
    args = parser.parse_args()
    seeds = common.extract_days(common.day_zips(), args.work / "seeds-all")
    index = args.work / "index-ours"
    if not index.exists():
        common.log("building ours")
        common.build_ours(seeds, index)
    articles = common.load_articles(seeds)
    common.log(f"drawing {args.queries} queries")
    queries = [q.ours() for q in common.draw_queries(articles, -(-args.queries // len(common.KINDS)))][:args.queries]

    firsts, warms, repeated = [], [], []
    for number in range(args.servers):
        common.log(f"server {number + 1} of {args.servers}: first request, then {WARM_QUERIES} queries twice")
        server = common.Server(index, seeds)
        try:
            firsts.append(server.search(queries[number]))
            varied = queries[args.servers + number * WARM_QUERIES:args.servers + (number + 1) * WARM_QUERIES]
            warms.extend(server.search(query) for query in varied)
            repeated.extend(server.search(query) for query in varied)
        finally:
            server.stop()
    first_ms, warm_ms = 1000 * statistics.median(firsts), 1000 * statistics.median(warms)
    repeated_ms = 1000 * statistics.median(repeated)

    common.log(f"one server, {len(queries)} varied queries")
    server = common.Server(index, seeds)
    try:
        for query in queries[:EARLY]:
            server.search(query)
        early_mb = server.rss_mb()
        for query in queries[EARLY:]:
            server.search(query)
        late_mb = server.rss_mb()
        common.log(f"{server.refused} of {len(queries)} queries were answered 400 (the syntax refused them)")
    finally:
        server.stop()

    first_ratio, memory_ratio = first_ms / warm_ms, late_mb / early_mb
    headers = ["figure", "value"]
    rows = [
        [f"first request, median of {args.servers} new servers", f"{first_ms:.1f} ms"],
        [f"warm requests (new queries), median of {len(warms)}", f"{warm_ms:.1f} ms"],
        [f"repeated queries, median of {len(repeated)}", f"{repeated_ms:.1f} ms"],
        ["first / warm", f"{first_ratio:.2f}"],
        [f"RSS after {EARLY} queries", f"{early_mb:.0f} MB"],
        [f"RSS after {len(queries)} queries", f"{late_mb:.0f} MB"],
        ["after all / after 100", f"{memory_ratio:.2f}"],
    ]
    common.print_table(f"cli.py serve, {len(articles)} articles", headers, rows)
    targets = [
        f"- first request {first_ms:.1f} ms = **{first_ratio:.2f}×** the warm median {warm_ms:.1f} ms "
        f"(target ≤ {FIRST_TARGET}×: {'met' if first_ratio <= FIRST_TARGET else 'NOT met'})",
        f"- RSS {late_mb:.0f} MB after {len(queries)} queries = **{memory_ratio:.2f}×** {early_mb:.0f} MB after "
        f"{EARLY} (target ≤ {MEMORY_TARGET}×: {'met' if memory_ratio <= MEMORY_TARGET else 'NOT met'})",
    ]
    print("\n".join(targets))
    common.update_report("serve", "\n".join([
        "## The web server (benchmarks/serve.py)",
        "",
        f"`python benchmarks/serve.py`: `cli.py serve` on the full-build index, requests to `/api/search` "
        f"over HTTP. First request: {args.servers} servers started one after the other, each timed on its "
        f"first query, then on {WARM_QUERIES} other varied queries, each new to it (warm), then on those "
        f"again (repeated). Memory: one server, "
        f"{len(queries)} varied queries drawn from the articles, RSS read after {EARLY} and after all.",
        "",
        f"Measured {common.machine_line()}.",
        "",
        common.markdown_table(headers, rows),
        "",
        *targets,
    ]))


if __name__ == "__main__":
    main()
