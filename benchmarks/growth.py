"""Cost growth: build time, index size and median query latency at 1k, 4k, 16k and all 31k articles.

    python benchmarks/growth.py   # about 10 minutes here

For each size, the first N articles (in file order) are written to a seeds
folder of their own and indexed by every engine, one after the other: ours
(``cli.py index --full``), stock Whoosh (one process), SQLite FTS5 and
Lucene (its own index_s, in memory). Then 32 queries drawn from those
articles (8 of each kind) run on ours, stock Whoosh and FTS5, interleaved,
after a warm-up pass (median over 3 passes per query). The table goes to
the "growth" section of docs/benchmarks.md and the plot to docs/growth.png.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

SIZES = (1000, 4000, 16000, None)  # None: every article
PLOT = common.REPO / "docs" / "growth.png"
ENGINES = ("ours", "stock Whoosh", "FTS5", "Lucene")


def plot(points: dict[str, dict[int, tuple]], path: Path) -> None:
    """Three small panels: build seconds, index MB, median query ms, against articles (log-log)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    titles = ("build time (s)", "index size (MB)", "median query, top 10 + snippets (ms)")
    for panel, (axis, title) in enumerate(zip(axes, titles)):
        for engine, by_size in points.items():
            xs = [n for n in sorted(by_size) if by_size[n][panel] is not None]
            if xs:
                axis.plot(xs, [by_size[n][panel] for n in xs], marker="o", label=engine)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("articles")
        axis.set_title(title, fontsize=10)
        axis.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    common.log(f"wrote {path.relative_to(common.REPO)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=common.DEFAULT_WORK, help="work folder (temp)")
    parser.add_argument("--no-lucene", action="store_true", help="skip the Lucene peer")
    args = parser.parse_args()
    work = args.work / "growth"
    work.mkdir(parents=True, exist_ok=True)
    all_articles = common.load_articles(common.extract_days(common.day_zips(), args.work / "seeds-all"))

    points: dict[str, dict[int, tuple]] = {engine: {} for engine in ENGINES}
    rows = []
    for size in SIZES:
        articles = all_articles[:size] if size else all_articles
        n = len(articles)
        common.log(f"{n} articles")
        seeds = common.write_subset(articles, work / f"seeds-{n}")
        ours = common.build_ours(seeds, work / f"ours-{n}")
        stock = common.build_peer("whoosh", seeds, work / f"whoosh-{n}")
        fts5 = common.build_peer("fts5", seeds, work / f"fts5-{n}.sqlite")
        lucene = None
        if not args.no_lucene:
            lucene = common.run_lucene(common.lucene_docs(articles, work / f"lucene-{n}.tsv"), ["الرياض"], work)
        queries = common.draw_queries(articles, 8, seed=n)
        engines = [common.OursEngine(work / f"ours-{n}"), common.StockWhooshEngine(work / f"whoosh-{n}"),
                   common.Fts5Engine(work / f"fts5-{n}.sqlite")]
        timings = common.time_engines(engines, queries, rounds=3)
        medians = {name: statistics.median(per.values()) for name, per in timings.items()}
        sizes = {"ours": common.dir_size(work / f"ours-{n}"), "stock Whoosh": common.dir_size(work / f"whoosh-{n}"),
                 "FTS5": common.dir_size(work / f"fts5-{n}.sqlite")}
        builds = {"ours": ours.seconds, "stock Whoosh": stock.seconds, "FTS5": fts5.seconds}
        for engine in ("ours", "stock Whoosh", "FTS5"):
            points[engine][n] = (builds[engine], sizes[engine] / 1e6, medians[engine] * 1000)
            rows.append([f"{n:,}", engine, f"{builds[engine]:.1f}", common.mb(sizes[engine]),
                         common.ms(medians[engine])])
        if lucene:
            points["Lucene"][n] = (lucene.index_seconds, None, None)
            rows.append([f"{n:,}", "Lucene (index_s)", f"{lucene.index_seconds:.1f}", "in memory", "-"])

    headers = ["articles", "engine", "build s", "index size", "median query ms"]
    common.print_table("Cost growth", headers, rows)
    plot(points, PLOT)
    largest = max(points["ours"])
    smallest = min(points["ours"])
    growth = [
        f"- from {smallest:,} to {largest:,} articles ({largest / smallest:.0f}×): our build time "
        f"×{points['ours'][largest][0] / points['ours'][smallest][0]:.1f}, index size "
        f"×{points['ours'][largest][1] / points['ours'][smallest][1]:.1f}, median query "
        f"×{points['ours'][largest][2] / points['ours'][smallest][2]:.1f}",
    ]
    print("\n".join(growth))
    body = "\n".join([
        "## Cost growth (benchmarks/growth.py)",
        "",
        "`python benchmarks/growth.py`: the first 1,000, 4,000, 16,000 and all articles, each size built by "
        "every engine and queried with 32 queries drawn from its own articles (8 of each kind; top 10 with "
        "snippets; engines interleaved; median over 3 passes per query, then over the queries).",
        "",
        f"Measured {common.machine_line()}.",
        "",
        "![build time, index size and median query latency against the number of articles](growth.png)",
        "",
        common.markdown_table(headers, rows),
        "",
        *growth,
    ])
    common.update_report("growth", body)


if __name__ == "__main__":
    main()
