"""Incremental updates: a day's file added, a run with nothing changed, 20 small updates.

    python benchmarks/incremental.py   # about 3 minutes here

1. ``cli.py index --full`` over the first 17 SaudiNewsNet day files;
2. the 18th day's file copied in, then ``cli.py index`` (incremental):
   compared with that day's share of the 17-day build (build time x the
   day's articles / the 17 days' articles);
3. ``cli.py index`` again with nothing changed: the command as a user runs
   it (Python start-up included) and ``Index.update()`` in process;
4. 20 small updates, alternately adding a new file of 20 articles and
   rewriting the previous one (new text, same ids), each a ``cli.py
   index``; the segment count after each;
5. query latency of the same 24 queries on the index before the 20 updates
   (a copy) and after them, interleaved: piling segments must not slow
   searches down (Whoosh merges small segments at commit).

Results go to the "incremental" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

ADD_TARGET = 1.5  # adding a day / that day's share of the full build
NO_CHANGE_TARGET = 0.5  # seconds
SMALL_UPDATES = 20
SMALL_FILE_ARTICLES = 20


def update(seeds: Path, index: Path) -> common.Measured:
    return common.check(common.run_measured([common.PYTHON, str(common.CLI), "index", "--seeds", str(seeds),
                                             "--index", str(index), "--json"]), "cli.py index")


def summary(measured: common.Measured) -> dict:
    return json.loads(measured.stdout)


def segments(index: Path) -> int:
    from search import Index

    return Index(index).stats().segments


def write_small_file(path: Path, articles, round_number: int) -> None:
    """SMALL_FILE_ARTICLES articles with ids of their own; round_number changes the text, not the ids."""
    records = [{"title": f"{a.title} ({round_number})", "content": f"{a.body}\n\nتحديث {round_number}",
                "url": f"{a.id}#copy-{path.stem}", "source": a.source,
                "date_extracted": a.date.isoformat(sep=" ") if a.date else None} for a in articles]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=common.DEFAULT_WORK, help="work folder (temp)")
    args = parser.parse_args()
    work = args.work / "incremental"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    zips = common.day_zips()
    all_seeds = common.extract_days(zips, args.work / "seeds-all")
    last_day = all_seeds / (zips[-1].stem + ".json")
    seeds = work / "seeds"
    seeds.mkdir()
    for day in zips[:-1]:
        shutil.copy2(all_seeds / (day.stem + ".json"), seeds)
    index = work / "index"

    common.log("full build of 17 days")
    full = common.build_ours(seeds, index)
    full_articles = summary(common.check(update(seeds, index), "no-op"))["unchanged"]

    common.log("adding the 18th day")
    shutil.copy2(last_day, seeds)
    added = update(seeds, index)
    day_articles = summary(added)["added"]
    share = full.seconds * day_articles / full_articles
    add_ratio = added.seconds / share

    common.log("no-change runs")
    no_change = [update(seeds, index) for _ in range(5)]
    from search import Index

    library = []
    for _ in range(5):
        started = time.perf_counter()
        Index(index).update(seeds)
        library.append(time.perf_counter() - started)
    no_change_cli = statistics.median(m.seconds for m in no_change)
    no_change_lib = statistics.median(library)

    before = work / "index-before"
    shutil.copytree(index, before)
    pool = common.load_articles(seeds)[:SMALL_UPDATES * SMALL_FILE_ARTICLES]
    steps = []
    segments_before = segments(index)
    common.log(f"{SMALL_UPDATES} small updates")
    for step in range(SMALL_UPDATES):
        number = step // 2
        path = seeds / f"zz-extra-{number:02d}.json"
        chosen = pool[number * SMALL_FILE_ARTICLES:(number + 1) * SMALL_FILE_ARTICLES]
        write_small_file(path, chosen, step)
        measured = update(seeds, index)
        result = summary(measured)
        steps.append((step + 1, "add" if step % 2 == 0 else "rewrite", path.name, measured.seconds,
                      result["added"], result["updated"], segments(index)))

    articles = common.load_articles(all_seeds)
    queries = common.draw_queries(articles, 6, seed=18)
    engines = [common.OursEngine(before), common.OursEngine(index)]
    engines[0].name, engines[1].name = "before", "after"
    timings = common.time_engines(engines, queries, rounds=5)
    median_before = statistics.median(timings["before"].values())
    median_after = statistics.median(timings["after"].values())

    rows = [
        ["full build, 17 days", f"{full_articles:,}", f"{full.seconds:.2f}", ""],
        ["add the 18th day", f"{day_articles:,}", f"{added.seconds:.2f}",
         f"{add_ratio:.2f}× its share ({share:.2f} s; target ≤ {ADD_TARGET}×)"],
        ["nothing changed: cli.py index", "0", f"{no_change_cli:.2f}", f"target ≤ {NO_CHANGE_TARGET} s"],
        ["nothing changed: Index.update()", "0", f"{no_change_lib:.3f}", "in process"],
    ]
    headers = ["run", "articles", "wall s", "note"]
    common.print_table("Incremental updates", headers, rows)
    step_headers = ["update", "what", "file", "wall s", "added", "updated", "segments after"]
    step_rows = [[n, what, name, f"{s:.2f}", a, u, seg] for n, what, name, s, a, u, seg in steps]
    common.print_table("20 small updates", step_headers, step_rows)
    latency_headers = ["index", "segments", "median ms", "p95 ms"]
    latency_rows = [
        ["before the 20 updates", segments_before, common.ms(median_before),
         common.ms(common.percentile(list(timings["before"].values()), 0.95))],
        ["after them", steps[-1][-1], common.ms(median_after),
         common.ms(common.percentile(list(timings["after"].values()), 0.95))],
    ]
    common.print_table("Query latency before and after", latency_headers, latency_rows)
    targets = [
        f"- adding a day's file ({day_articles:,} articles): {added.seconds:.2f} s = **{add_ratio:.2f}×** that "
        f"day's share of the full build (target ≤ {ADD_TARGET}×: {'met' if add_ratio <= ADD_TARGET else 'NOT met'})",
        f"- nothing changed: `cli.py index` {no_change_cli:.2f} s (median of 5; target ≤ {NO_CHANGE_TARGET} s: "
        f"{'met' if no_change_cli <= NO_CHANGE_TARGET else 'NOT met'}); `Index.update()` {no_change_lib * 1000:.0f} ms",
        f"- after {SMALL_UPDATES} small updates: {steps[-1][-1]} segments, median query {common.ms(median_after)} ms "
        f"against {common.ms(median_before)} ms before ({median_after / median_before:.2f}×)",
    ]
    print("\n".join(targets))
    body = "\n".join([
        "## Incremental updates (benchmarks/incremental.py)",
        "",
        "`python benchmarks/incremental.py`: a full build of the first 17 day files, then the 18th day's "
        "file added (`cli.py index`), then runs with nothing changed, then "
        f"{SMALL_UPDATES} small updates (a new file of {SMALL_FILE_ARTICLES} articles, then that file rewritten, "
        "alternately). A day's share is the 17-day build time times the day's share of the articles. "
        "Query latency: the same 24 queries (6 of each kind) on a copy of the index taken before the small "
        "updates and on the index after them, interleaved, median over 5 passes.",
        "",
        f"Measured {common.machine_line()}.",
        "",
        common.markdown_table(headers, rows),
        "",
        common.markdown_table(step_headers, step_rows),
        "",
        common.markdown_table(latency_headers, latency_rows),
        "",
        *targets,
    ])
    common.update_report("incremental", body)


if __name__ == "__main__":
    main()
