"""One 50 MB article: time and peak memory to index it, and to show it highlighted.

The article is the news of the first SaudiNewsNet days in one text file,
written to a work folder under the system temp folder. Indexing is
``cli.py index`` as a user runs it; its process tree is sampled
(common.run_measured). The figures print; nothing is written to the report.

    python benchmarks/long_article.py [--megabytes 50]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from common import CLI, PYTHON, check, day_zips, mb, print_table, run_measured


def write_long_article(path: Path, megabytes: int) -> int:
    """The contents of the corpus's articles, day after day, one per line, up to megabytes; bytes written."""
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write("أرشيف الأخبار\n")
        for day in day_zips():
            with zipfile.ZipFile(day) as archive:
                articles = json.loads(archive.read(archive.namelist()[0]))
            for article in articles:
                content = (article.get("content") or "").strip()
                if content:
                    out.write(content + "\n")
                    written += len(content.encode("utf-8"))
                if written >= megabytes * 1_000_000:
                    return written
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.gettempdir()) / "arabic-search-bench" / "long-article"
    shutil.rmtree(work, ignore_errors=True)
    seeds = work / "seeds"
    seeds.mkdir(parents=True)
    size = write_long_article(seeds / "archive.txt", args.megabytes)
    index = work / "index"
    built = check(run_measured([PYTHON, str(CLI), "index", "--seeds", str(seeds), "--index", str(index)]), "index")
    shown = check(run_measured([PYTHON, str(CLI), "show", "archive.txt", "--index", str(index), "-q", "الرياض"]),
                  "show")
    rows = [[step, f"{measured.seconds:.1f}", mb(measured.peak_process), mb(measured.peak_tree)]
            for step, measured in (("index", built), ("show -q الرياض", shown))]
    print_table(f"one article of {mb(size)}", ["step", "wall s", "peak per process", "peak of the tree"], rows)


if __name__ == "__main__":
    main()
