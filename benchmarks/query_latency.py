"""Query latency after warm-up: ours (in process) next to stock Whoosh and SQLite FTS5, interleaved.

    python benchmarks/query_latency.py               # uses build.py's indexes if present
    python benchmarks/query_latency.py --rebuild     # builds all three first

64 queries (16 of each kind) drawn from the 31,030 SaudiNewsNet articles
with a fixed seed: single words, two words, two-word phrases and 4-letter
prefixes, as written in the articles. Each engine returns the top 10
with highlighted snippets:

- ours: ``search.Index(INDEX).search(query, limit=10)``: both tiers,
  facets, snippets with highlights (the library, in this process);
- ours with its caches dropped before each query (``Index.drop_caches()``):
  the same search decoding every posting list and document it needs, in
  a second pass against FTS5 alone;
- stock Whoosh: its MultifieldParser over title and body, BM25F, and
  ``hit.highlights("body")`` for each of the 10 hits;
- FTS5: ``MATCH`` on normalized text, ``ORDER BY rank``, ``snippet()``.

Then the first search, in two more passes of the same shape:

- a new ``search.Index`` for each query, caches dropped, against a new
  FTS5 connection for each query (what a library user opening an index
  for one call pays; modules imported, files in the OS page cache);
- ``cli.py search QUERY`` in a new process, output piped, against a
  one-shot Python script that runs the FTS5 query and prints its rows
  (common.FTS5_ONE_SHOT): the first query of a process, on a few queries
  of each kind (``--process-queries``).

One warm-up pass, then ROUNDS passes; in each pass every query runs on
every engine, the engines' order rotating from query to query. A query's
time is its median over the passes; the table gives, per kind, the median
and the 95th percentile over the queries. Results go to the "latency"
section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

P95_TARGET = 0.050  # seconds, single and two-word queries
NEW_INDEX_TARGET = 1.5  # a new Index's first query / a new FTS5 connection's, medians
NEW_PROCESS_TARGET = 4.0  # cli.py search in a new process / the one-shot FTS5 script, medians


def ensure_indexes(work: Path, rebuild: bool) -> tuple[Path, Path, Path, list]:
    seeds = common.extract_days(common.day_zips(), work / "seeds-all")
    articles = common.load_articles(seeds)
    ours, stock, fts5 = work / "index-ours", work / "index-whoosh", work / "fts5.sqlite"
    if rebuild or not ours.exists():
        common.log("building ours")
        common.build_ours(seeds, ours)
    if rebuild or not stock.exists():
        common.log("building stock Whoosh")
        common.build_peer("whoosh", seeds, stock)
    if rebuild or not fts5.exists():
        common.log("building FTS5")
        common.build_peer("fts5", seeds, fts5)
    return ours, stock, fts5, articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=common.DEFAULT_WORK, help="work folder (temp)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the three indexes first")
    parser.add_argument("--per-kind", type=int, default=16, help="queries of each kind")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes")
    parser.add_argument("--process-queries", type=int, default=4, help="queries of each kind run in new processes")
    parser.add_argument("--process-rounds", type=int, default=3, help="timed passes in new processes")
    args = parser.parse_args()
    ours_index, stock_index, fts5_db, articles = ensure_indexes(args.work, args.rebuild)
    queries = common.draw_queries(articles, args.per_kind)
    engines = [common.OursEngine(ours_index), common.StockWhooshEngine(stock_index), common.Fts5Engine(fts5_db)]
    cold_engines = [common.OursColdEngine(ours_index), common.Fts5Engine(fts5_db)]
    hits = {engine.name: sum(engine.search(q) > 0 for q in queries) for engine in engines + cold_engines[:1]}
    common.log(f"{len(queries)} queries; timing {args.rounds} rounds")
    timings = common.time_engines(engines, queries, rounds=args.rounds)
    # A pass of its own: dropping caches between the warm engine's queries
    # would empty the snippet views it shares with it (they are per process).
    common.log(f"with caches dropped: timing {args.rounds} rounds")
    cold_timings = common.time_engines(cold_engines, queries, rounds=args.rounds)
    cold = common.OursColdEngine.name
    timings[cold] = cold_timings[cold]
    common.log(f"a new Index for each query: timing {args.rounds} rounds")
    new_index = common.time_engines([common.OursNewIndexEngine(ours_index), common.Fts5NewConnectionEngine(fts5_db)],
                                    queries, rounds=args.rounds)
    few = [q for kind in common.KINDS for q in [q for q in queries if q.kind == kind][:args.process_queries]]
    common.log(f"{len(few)} queries in new processes: timing {args.process_rounds} rounds")
    seeds = args.work / "seeds-all"
    new_process = common.time_engines([common.OursProcessEngine(ours_index, seeds), common.Fts5ProcessEngine(fts5_db)],
                                      few, rounds=args.process_rounds)

    headers = (["kind"] + [f"{name} {stat}" for name in timings for stat in ("median ms", "p95 ms")]
               + ["ours / FTS5", f"{cold} / FTS5 (its pass)"])
    rows = common.latency_rows(timings)

    def median_of(name: str, kind: str, measured=timings) -> float:
        return statistics.median([s for q, s in measured[name].items() if kind == "all" or q.kind == kind])

    for row in rows:
        row += [f"{median_of('ours', row[0]) / median_of('FTS5', row[0]):.2f}",
                f"{median_of(cold, row[0]) / median_of('FTS5', row[0], cold_timings):.2f}"]
    common.print_table(f"Query latency, top 10 with snippets, {len(articles)} articles", headers, rows)

    fts5_median = median_of("FTS5", "all")
    ratio = median_of("ours", "all") / fts5_median
    cold_fts5 = median_of("FTS5", "all", cold_timings)
    cold_ratio = median_of(cold, "all") / cold_fts5
    targets = [
        f"- median over all {len(queries)} queries: ours {common.ms(median_of('ours', 'all'))} ms = "
        f"**{ratio:.2f}×** FTS5's {common.ms(fts5_median)} ms (target ≤ 1.0×: {'met' if ratio <= 1.0 else 'NOT met'}); "
        f"with our caches dropped before each query {common.ms(median_of(cold, 'all'))} ms = {cold_ratio:.2f}× "
        f"FTS5's {common.ms(cold_fts5)} ms in that pass",
    ]
    for kind in ("single", "two words"):
        for name in ("ours", cold):
            p95 = common.percentile([s for q, s in timings[name].items() if q.kind == kind], 0.95)
            targets.append(f"- p95 of {name}, {kind}: {common.ms(p95)} ms (target < 50 ms: "
                           f"{'met' if p95 < P95_TARGET else 'NOT met'})")
    targets.append("- queries with at least one hit: " + ", ".join(f"{n} {h}/{len(queries)}" for n, h in hits.items()))
    print("\n".join(targets))
    first_headers = ["kind", "new Index ms", "FTS5 new connection ms", "ratio", "new process ms",
                     "FTS5 new process ms", "ratio"]
    first_rows = []
    for kind in list(common.KINDS) + ["all"]:
        row = [kind]
        for measured in (new_index, new_process):
            ours_name, peer_name = list(measured)
            ours_ms, peer_ms = median_of(ours_name, kind, measured), median_of(peer_name, kind, measured)
            row += [common.ms(ours_ms), common.ms(peer_ms), f"{ours_ms / peer_ms:.2f}"]
        first_rows.append(row)
    common.print_table("First search: a new Index, a new process", first_headers, first_rows)
    for measured, target, what in ((new_index, NEW_INDEX_TARGET, "a new Index's first query"),
                                   (new_process, NEW_PROCESS_TARGET, "`cli.py search` in a new process")):
        ours_name, peer_name = list(measured)
        ratio = median_of(ours_name, "all", measured) / median_of(peer_name, "all", measured)
        targets.append(f"- {what}: {common.ms(median_of(ours_name, 'all', measured))} ms = **{ratio:.2f}×** "
                       f"{peer_name}'s {common.ms(median_of(peer_name, 'all', measured))} ms (target ≤ {target}×: "
                       f"{'met' if ratio <= target else 'NOT met'})")
    print("\n".join(targets[-2:]))
    examples = ", ".join(f"`{q.ours()}`" for q in queries[:: max(1, len(queries) // 8)])
    body = "\n".join([
        "## Query latency (benchmarks/query_latency.py)",
        "",
        f"`python benchmarks/query_latency.py`: {len(queries)} queries drawn from the articles "
        f"({args.per_kind} single words, two words, two-word phrases, 4-letter prefixes; e.g. {examples}), "
        "top 10 with highlighted snippets, on the full-build indexes. One warm-up pass, then "
        f"{args.rounds} passes with the engines interleaved query by query; a query's time is its median "
        "over the passes. Ours is `search.Index.search` in process (both tiers, facets, snippets); "
        "stock Whoosh uses its query parser and `hit.highlights()`; FTS5 `ORDER BY rank` and `snippet()`. "
        "Then a second pass of the same shape, ours with every cache of decoded postings, documents and "
        "snippet views dropped before each query (`Index.drop_caches()`) against FTS5 again.",
        "",
        f"Measured {common.machine_line()}.",
        "",
        common.markdown_table(headers, rows),
        "",
        f"First search: each query with a new `search.Index` (caches dropped) against a new FTS5 connection, "
        f"{args.rounds} passes; and {len(few)} of the queries as `cli.py search QUERY` in a new process, output "
        f"piped, against a one-shot Python script running the FTS5 query, {args.process_rounds} passes.",
        "",
        common.markdown_table(first_headers, first_rows),
        "",
        *targets,
    ])
    common.update_report("latency", body)


if __name__ == "__main__":
    main()
