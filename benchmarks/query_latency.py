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
        *targets,
    ])
    common.update_report("latency", body)


if __name__ == "__main__":
    main()
