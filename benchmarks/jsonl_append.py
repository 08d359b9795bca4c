"""A large JSON Lines dump changed a line at a time: one line appended, one edited, one deleted, none.

    python benchmarks/jsonl_append.py                            # about 4 minutes here
    python benchmarks/jsonl_append.py --compare OTHER/cli.py     # and the same append with another version (9)

1. a dump of --records records (100,000) made from the SaudiNewsNet
   articles, repeated under new ids, each body cut to --body-chars
   characters (300) so that a build takes minutes, not an hour;
2. ``cli.py index --full`` over it;
3. one line appended, then ``cli.py index``; then one line in the middle
   edited, one deleted, and a run with nothing changed, each followed by
   ``cli.py index``. Each run: wall time, peak memory (RSS) of the
   process tree and of its largest process, what the update wrote, and
   the index size after it.

``--compare`` builds the same dump and appends the same line with
another checkout's ``cli.py`` (an older version: its own ``search``
package is the one imported), for the figures before record-level
updates. Results go to the "jsonl-append" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

RECORDS = 100_000
BODY_CHARS = 300
APPENDED_ID = "appended-0"


def write_dump(path: Path, records: int, body_chars: int) -> None:
    """records JSON Lines records cut from the real articles, taken in turn, each under an id of its own."""
    zips = common.day_zips()
    articles = common.load_articles(common.extract_days(zips, common.DEFAULT_WORK / "seeds-all"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as dump:
        for n in range(records):
            dump.write(record_line(articles[n % len(articles)], f"r{n:07d}", body_chars))


def record_line(article, article_id: str, body_chars: int) -> str:
    record = {"id": article_id, "title": article.title, "content": article.body[:body_chars],
              "source": article.source, "url": f"{article.id}#{article_id}",
              "date_extracted": article.date.isoformat(sep=" ") if article.date else None}
    return json.dumps(record, ensure_ascii=False) + "\n"


def append_line(path: Path) -> None:
    with open(path, "a", encoding="utf-8") as dump:
        dump.write(json.dumps({"id": APPENDED_ID, "title": "خبر أضيف في آخر الملف",
                               "content": "أعلنت الهيئة العامة للأرصاد عن موجة حر تضرب المنطقة الشرقية."},
                              ensure_ascii=False) + "\n")


def change_middle_line(path: Path, edit: bool) -> None:
    """Rewrite the dump with its middle line edited (a word added to the title) or left out."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    middle = len(lines) // 2
    if edit:
        record = json.loads(lines[middle])
        record["title"] += " (محدث)"
        lines[middle] = json.dumps(record, ensure_ascii=False) + "\n"
    else:
        del lines[middle]
    path.write_text("".join(lines), encoding="utf-8")


def run_index(cli: Path, seeds: Path, index: Path, *extra: str) -> tuple[common.Measured, dict]:
    measured = common.check(common.run_measured([common.PYTHON, str(cli), "index", "--seeds", str(seeds),
                                                 "--index", str(index), "--json", *extra]), f"{cli} index")
    return measured, json.loads(measured.stdout)


def row(version: str, what: str, measured: common.Measured, summary: dict, index: Path) -> list:
    return [version, what, f"{measured.seconds:.2f}", common.mb(measured.peak_tree), common.mb(measured.peak_process),
            f"{summary['added']:,}", f"{summary['updated']:,}", f"{summary['removed']:,}",
            f"{summary['unchanged']:,}", common.mb(common.dir_size(index))]


def measure(cli: Path, version: str, work: Path, dump: Path, only_append: bool) -> list[list]:
    """Build a copy of the dump with cli, then change it a line at a time; a table row per run."""
    seeds = work / "seeds"
    if seeds.exists():
        shutil.rmtree(seeds)
    seeds.mkdir(parents=True)
    shutil.copy2(dump, seeds / dump.name)
    index = work / "index"
    if index.exists():
        shutil.rmtree(index)
    common.log(f"{version}: full build")
    rows = [row(version, "full build", *run_index(cli, seeds, index, "--full"), index)]
    append_line(seeds / dump.name)
    common.log(f"{version}: one line appended")
    rows.append(row(version, "one line appended", *run_index(cli, seeds, index), index))
    if only_append:
        return rows
    for what, edit in (("one line edited", True), ("one line deleted", False)):
        change_middle_line(seeds / dump.name, edit)
        common.log(f"{version}: {what}")
        rows.append(row(version, what, *run_index(cli, seeds, index), index))
    rows.append(row(version, "nothing changed", *run_index(cli, seeds, index), index))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=common.DEFAULT_WORK, help="work folder (temp)")
    parser.add_argument("--records", type=int, default=RECORDS, help="records in the dump")
    parser.add_argument("--body-chars", type=int, default=BODY_CHARS, help="characters kept of each body")
    parser.add_argument("--compare", type=Path, help="another checkout's cli.py: its build and append too")
    args = parser.parse_args()
    work = args.work / "jsonl-append"
    dump = work / "dump.jsonl"
    common.log(f"writing a dump of {args.records:,} records")
    write_dump(dump, args.records, args.body_chars)
    rows = []
    if args.compare:
        rows += measure(args.compare.resolve(), "compared", work / "compared", dump, only_append=True)
    rows += measure(common.CLI, "this one", work / "this", dump, only_append=False)
    headers = ["version", "run", "wall s", "peak tree", "peak process", "added", "updated", "removed",
               "unchanged", "index size"]
    common.print_table("A JSON Lines dump changed a line at a time", headers, rows)
    body = "\n".join([
        "## A JSON Lines dump changed a line at a time (benchmarks/jsonl_append.py)",
        "",
        f"`python benchmarks/jsonl_append.py{' --compare OTHER/cli.py' if args.compare else ''}`: "
        f"a dump of {args.records:,} records (the SaudiNewsNet articles in turn under new ids, bodies cut to "
        f"{args.body_chars} characters, {common.mb(dump.stat().st_size)}), built with `cli.py index --full`, "
        "then one line appended, one edited, one deleted and nothing changed, each followed by `cli.py index`. "
        "Peak memory is the RSS of the process tree, sampled every 50 ms, and of its largest process"
        + ("; \"compared\" is the same build and append with the `--compare` checkout." if args.compare else "."),
        "",
        f"Measured {common.machine_line()}.",
        "",
        common.markdown_table(headers, rows),
    ])
    common.update_report("jsonl-append", body)


if __name__ == "__main__":
    main()
