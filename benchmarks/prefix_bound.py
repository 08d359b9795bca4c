"""A bounded prefix word next to its unbounded expansion: the same top hits? And at what cost?

    python benchmarks/prefix_bound.py --index INDEX --seeds SEEDS

The 3-letter prefixes of benchmarks/load.py's mix (الم*, الإ*, حضو*, ...),
each searched twice in this process: as the engine does (its most
frequent completions, up to plan.PREFIX_POSTINGS postings and
plan.MAX_EXPANSIONS terms a field), and with every completion of every
field (the budgets lifted). Per prefix, the share of the unbounded top 10
found in the bounded top 10; and each search's time, its postings decoded
anew (the memoised vocabulary kept, as a server keeps it).

Results go to the "prefix-bound" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import load  # noqa: E402
from search import Index  # noqa: E402
from search.engine import postings  # noqa: E402
from search.query import plan  # noqa: E402
from search.query.language import QueryError  # noqa: E402

UNBOUNDED = 10**9


def top_ids(index: Index, query: str) -> list[str]:
    return [hit.id for hit in index.search(query, limit=10, time_limit=None).hits]


def timed(index: Index, query: str) -> float:
    """Seconds for one search of query with its postings decoded anew (the vocabulary's memos kept)."""
    arrays = index._readers.opened().arrays()
    with arrays._lock:
        for kept in (arrays._terms, arrays._positions, arrays._scores, arrays._documents):
            kept.clear()
        arrays._held = 0
    started = time.perf_counter()
    index.search(query, limit=10)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=common.DEFAULT_WORK, help="work folder (temp)")
    parser.add_argument("--index", type=Path, help="an index (default: build.py's in the work folder)")
    parser.add_argument("--seeds", type=Path, help="that index's seeds folder")
    parser.add_argument("--requests", type=int, default=10_000, help="requests drawn as load.py draws them")
    args = parser.parse_args()
    seeds = args.seeds or common.extract_days(common.day_zips(), args.work / "seeds-all")
    index_path = args.index or args.work / "index-ours"
    articles = common.load_articles(seeds)
    prefixes = sorted({dict(r.params)["q"] for r in load.draw_requests(articles, args.requests)
                       if r.kind == "prefix 3"})
    bounded, unbounded = Index(index_path), Index(index_path)
    shares, bounded_times, refused, cut = {}, [], [], []
    budgets = (plan.MAX_EXPANSIONS, plan.MAX_QUERY_EXPANSIONS, plan.PREFIX_POSTINGS, postings.MAX_EXPANSION_KEPT)
    common.log(f"{len(prefixes)} distinct 3-letter prefixes")
    for number, query in enumerate(prefixes):
        try:
            results = bounded.search(query, limit=10, time_limit=None)
        except QueryError:
            refused.append(query)
            continue
        if results.notes:
            cut.append(query)
        expected = [hit.id for hit in results.hits]
        bounded_times.append(timed(bounded, query))
        plan.MAX_EXPANSIONS = plan.MAX_QUERY_EXPANSIONS = plan.PREFIX_POSTINGS = UNBOUNDED
        postings.MAX_EXPANSION_KEPT = UNBOUNDED
        try:
            reference = top_ids(unbounded, query)
        finally:
            plan.MAX_EXPANSIONS, plan.MAX_QUERY_EXPANSIONS, plan.PREFIX_POSTINGS, postings.MAX_EXPANSION_KEPT = budgets
        shares[query] = len(set(expected) & set(reference)) / len(reference) if reference else 1.0
        if number % 50 == 0:
            common.log(f"  {number} of {len(prefixes)}")
    mean_share = statistics.mean(shares.values())
    cut_share = statistics.mean(shares[query] for query in cut) if cut else 1.0
    exact = sum(1 for share in shares.values() if share == 1.0)
    worst = sorted(shares.items(), key=lambda item: item[1])[:8]
    headers = ["figure", "value"]
    rows = [
        ["distinct 3-letter prefixes", len(prefixes)],
        ["refused (only the article or a clitic)", f"{len(refused)}: {' '.join(refused)}"],
        ["bounded (a note says so)", len(cut)],
        ["top 10 shared with the unbounded top 10, mean", f"{100 * mean_share:.1f}%"],
        ["the same, among the bounded prefixes only", f"{100 * cut_share:.1f}%"],
        ["prefixes whose top 10 is the same set", f"{exact} of {len(shares)}"],
        ["lowest shares", ", ".join(f"{q} {100 * s:.0f}%" for q, s in worst)],
        ["bounded search, postings decoded anew: p50 / p95 / max",
         f"{common.ms(common.percentile(bounded_times, 0.5))} / {common.ms(common.percentile(bounded_times, 0.95))}"
         f" / {common.ms(max(bounded_times))} ms"],
    ]
    common.print_table("prefix bound", headers, rows)
    common.update_report("prefix-bound", "\n".join([
        "## Bounded prefix words (benchmarks/prefix_bound.py)",
        "",
        f"`python benchmarks/prefix_bound.py`: the distinct 3-letter prefixes of benchmarks/load.py's mix, "
        f"each searched as the engine does (its most frequent completions first, up to "
        f"{plan.PREFIX_POSTINGS:,} postings and {plan.MAX_EXPANSIONS} terms a field) and with every "
        f"completion of every field; the share of the unbounded top 10 that the bounded top 10 holds. "
        f"The times are in one process, each search's postings decoded anew; the machine is shared, "
        f"so they vary between runs.",
        "",
        f"Measured {common.machine_line()}.",
        "",
        common.markdown_table(headers, rows),
    ]))


if __name__ == "__main__":
    main()
