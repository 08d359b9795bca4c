"""Time, peak memory and size of ``export opensearch`` on the whole SaudiNewsNet index.

    python benchmarks/export_bench.py               # builds the index first when the work folder has none
    python benchmarks/export_bench.py --index DIR   # export an existing index

The index is built from every day file of ../shared/corpora/saudinewsnet
(extracted into a work folder under the system temp folder, never into
the repository) with ``cli.py index``. The export then runs alone in a
child process, ``cli.py export opensearch --json``, so its peak resident
memory (os.wait4) is the export's, not the build's or this script's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATASET = REPO.parent / "shared" / "corpora" / "saudinewsnet" / "dataset"


def build_index(work: Path) -> Path:
    """The full index in work/index, built with the command line unless it is there already."""
    index = work / "index"
    if (index / "CURRENT").is_file():
        return index
    seeds = work / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    days = sorted(DATASET.glob("*.zip"))
    if not days:
        sys.exit(f"export_bench: no SaudiNewsNet day files in {DATASET}")
    for day in days:
        with zipfile.ZipFile(day) as archive:
            archive.extractall(seeds)
    started = time.perf_counter()
    subprocess.run([sys.executable, str(REPO / "cli.py"), "index", "--seeds", str(seeds), "--index", str(index)],
                   check=False, stdout=subprocess.DEVNULL)  # exit 2 only reports the records without text
    print(f"index built from {len(days)} day files in {time.perf_counter() - started:.0f}s")
    return index


def measured_export(index: Path, out: Path, chunk_mb: float) -> tuple[dict, float, float]:
    """The export's JSON summary, its wall time and its peak resident memory in MB."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, str(REPO / "cli.py"), "export", "opensearch", "--index", str(index),
                              "--out", str(out), "--chunk-mb", str(chunk_mb), "--json"], stdout=subprocess.PIPE)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("export_bench: the export failed")
    return json.loads(output), seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="an existing index (default: build one in --work)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "arabic-search-export-bench")
    parser.add_argument("--chunk-mb", type=float, default=10.0)
    args = parser.parse_args()
    index = args.index or build_index(args.work)
    summary, seconds, peak_mb = measured_export(index, args.work / "export", args.chunk_mb)
    out = Path(summary["out"])
    bulk = sum((out / name).stat().st_size for name in summary["chunks"])
    largest = max((out / name).stat().st_size for name in summary["chunks"])
    print(f"articles exported    {summary['documents']:,}")
    print(f"time                 {seconds:.1f}s wall ({summary['seconds']:.1f}s inside the export)")
    print(f"peak memory          {peak_mb:.0f} MB resident (the whole Python process)")
    print(f"bulk files           {len(summary['chunks'])} x <= {args.chunk_mb:g} MB, {bulk / 1e6:.1f} MB "
          f"(largest {largest / 1e6:.2f} MB)")
    rules_mb = (out / summary["rules_file"]).stat().st_size / 1e6
    print(f"stem rules           {summary['rules']:,} words, {rules_mb:.1f} MB ({summary['rules_file']})")
    print(f"index.json           {(out / 'index.json').stat().st_size / 1e3:.0f} KB, "
          f"{summary['char_rules']:,} mapping rules")
    print(f"export folder        {summary['bytes'] / 1e6:.1f} MB in {out}")


if __name__ == "__main__":
    main()
