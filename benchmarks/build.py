"""Full build of all 31,030 SaudiNewsNet articles: ours next to stock Whoosh, SQLite FTS5 and Lucene.

    python benchmarks/build.py              # about 5 minutes here
    python benchmarks/build.py --no-lucene  # without the Java peer

Each engine indexes the same articles in its own process tree, one after
the other in this run: wall time, CPU time of the tree, the largest RSS
of the tree (parent and writer processes summed, sampled every 50 ms)
and of any one process, and the size on disk.

- ours: ``cli.py index --full --seeds SEEDS --index INDEX`` (reading the
  seed files, both analysis levels, two writer processes);
- stock Whoosh: one process, ``RegexTokenizer() | LowercaseFilter()`` on
  title and body (positions, stored), id, date, source; default writer;
- FTS5: our normalized title and body in an FTS5 table, then 'optimize';
- Lucene: run.sh bm25 with a one-query file; its build figure is its own
  index_s (analysis and inversion into memory, no disk), its wall time
  includes the JVM and reading DOCS.tsv.

The table goes to the "build" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

PROCESS_LIMIT = 1e9  # bytes: each process's peak must stay under 1 GB
TARGET_RATIO = 0.33  # our build time / stock Whoosh's


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=common.DEFAULT_WORK, help="work folder (temp)")
    parser.add_argument("--no-lucene", action="store_true", help="skip the Lucene peer")
    args = parser.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    if not common.fts5_available():
        sys.exit("this Python's sqlite3 has no FTS5")

    seeds = common.extract_days(common.day_zips(), work / "seeds-all")
    articles = common.load_articles(seeds)
    common.log(f"{len(articles)} articles in {seeds}")

    rows = []
    results = {}
    common.log("ours: cli.py index --full")
    ours = common.build_ours(seeds, work / "index-ours")
    results["ours"] = (ours, common.dir_size(work / "index-ours"))
    common.log("stock Whoosh, one process")
    stock = common.build_peer("whoosh", seeds, work / "index-whoosh")
    results["stock Whoosh"] = (stock, common.dir_size(work / "index-whoosh"))
    common.log("SQLite FTS5")
    fts5 = common.build_peer("fts5", seeds, work / "fts5.sqlite")
    results["FTS5"] = (fts5, common.dir_size(work / "fts5.sqlite"))
    lucene = None
    if not args.no_lucene:
        common.log("Lucene (run.sh bm25)")
        docs = common.lucene_docs(articles, work / "lucene-docs.tsv")
        lucene = common.run_lucene(docs, ["الرياض"], work)

    for name, (measured, size) in results.items():
        rows.append([name, f"{measured.seconds:.1f}", f"{measured.cpu_seconds:.1f}", common.mb(measured.peak_tree),
                     common.mb(measured.peak_process), measured.processes, common.mb(size),
                     f"{measured.seconds / stock.seconds:.2f}"])
    if lucene:
        m = lucene.measured
        rows.append([f"Lucene (index_s; wall {m.seconds:.1f} s with JVM and TSV)", f"{lucene.index_seconds:.1f}",
                     f"{m.cpu_seconds:.1f}", common.mb(m.peak_tree), common.mb(m.peak_process), m.processes,
                     "in memory", f"{lucene.index_seconds / stock.seconds:.2f}"])
    headers = ["engine", "wall s", "CPU s", "peak tree", "peak process", "processes", "index size",
               "time / stock Whoosh"]
    common.print_table(f"Full build, {len(articles)} articles", headers, rows)

    ratio = ours.seconds / stock.seconds
    targets = [
        f"- build time: ours {ours.seconds:.1f} s = **{ratio:.2f}×** stock Whoosh's {stock.seconds:.1f} s "
        f"(target ≤ {TARGET_RATIO}×: {'met' if ratio <= TARGET_RATIO else 'NOT met'})",
        f"- CPU time: ours {ours.cpu_seconds:.1f} s over {ours.processes} processes = "
        f"{ours.cpu_seconds / stock.cpu_seconds:.2f}× stock Whoosh's {stock.cpu_seconds:.1f} s; with both cores "
        f"to itself our build would take about {ours.cpu_seconds / 2:.0f} s "
        f"({ours.cpu_seconds / 2 / stock.cpu_seconds:.2f}× stock's CPU time): the wall-time ratio above "
        "depends on what else the machine runs (see the load average)",
        f"- memory: largest single process of ours {common.mb(ours.peak_process)}, whole tree "
        f"{common.mb(ours.peak_tree)} over {ours.processes} processes (target ≤ 1 GB per process: "
        f"{'met' if ours.peak_process <= PROCESS_LIMIT else 'NOT met'})",
    ]
    print("\n".join(targets))
    body = "\n".join([
        "## Full build (benchmarks/build.py)",
        "",
        f"`python benchmarks/build.py`: all {len(articles):,} SaudiNewsNet articles (18 day files), each engine "
        "in its own process tree, one after the other in one run. Peak memory is the RSS of the tree "
        "(parent and writer processes summed) or of its largest process, sampled every 50 ms; "
        "CPU is user + system of the whole tree.",
        "",
        f"Measured {common.machine_line()}.",
        "",
        common.markdown_table(headers, rows),
        "",
        *targets,
    ])
    common.update_report("build", body)


if __name__ == "__main__":
    main()
