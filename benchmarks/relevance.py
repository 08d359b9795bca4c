"""Relevance next to Lucene's ArabicAnalyzer + BM25, measured in one run on the same documents.

    python benchmarks/relevance.py                     # ARCD, then ARCD + SaudiNewsNet distractors
    python benchmarks/relevance.py --skip-distractors  # ARCD only: about a minute

Four runs, each a TREC file scored by the same function (evaluate):

- ours on ARCD: ``cli.py index`` over a seeds folder holding ARCD's
  corpus.jsonl, then every question through ``cli.py search --batch
  QUERIES --trec --limit 100``: the real command line, in a subprocess;
- Lucene on ARCD: ``../shared/peers/lucene/run.sh bm25 DOCS QUERIES 100
  arabic`` with DOCS = id<TAB>title + " " + text;
- the same two with every SaudiNewsNet article added as an unjudged
  distractor (the day files extracted into the seeds folder; Lucene gets
  the very articles our index keeps: same reader, same ids, the first
  file holding a url keeps it).

Each run is scored on the whole question set and on ARCD's own train and
test halves (splits.tsv): ranking choices are tuned on train only, and
test says whether they carry over. The table, with the date and the
machine, replaces the generated part of docs/relevance.md.

Shared data is read from ../shared (beside the repository) and never
copied into it: seeds, indexes and runs live in a work folder under the
system temp folder (--work), and an index is rebuilt only when the seeds
or the analysis code changed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from search.sources import read_articles, scan  # noqa: E402  (needs REPO on the path)

SHARED = REPO / ".." / "shared"
ARCD = Path("eval") / "arcd"
DISTRACTOR_ZIPS = Path("corpora") / "saudinewsnet" / "dataset"
LUCENE_RUNNER = Path("peers") / "lucene" / "run.sh"
REPORT = REPO / "docs" / "relevance.md"
BEGIN, END = "<!-- relevance.py: begin -->", "<!-- relevance.py: end -->"

TREC_SEPARATOR = re.compile(r"[ \t]+")
DEPTH = 100  # hits per query in every run
METRICS = ("MRR@10", "nDCG@10", "R@10", "R@100")
SPLITS = ("all", "train", "test")

# Code whose change alters what the index holds: a cached index built before
# such a change would be measured with the old analysis.
INDEXING_CODE = ("analysis/normalize.py", "analysis/root.py", "analysis/isri.py", "analysis/stem.py", "analysis/stopwords.py", "analysis/tokenize.py", "analysis/levels.py", "engine/schema.py", "sources.py",
                 "store/index.py", "engine/writer.py")


# ----- metrics ------------------------------------------------------------


def read_qrels(path: Path) -> dict[str, set[str]]:
    """qid -> relevant document ids (qid<TAB>docid<TAB>relevance, relevance > 0)."""
    qrels: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, docid, relevance = line.split("\t")[:3]
            if int(relevance) > 0:
                qrels.setdefault(qid, set()).add(docid)
    return qrels


def read_run(path: Path) -> dict[str, list[str]]:
    """qid -> document ids best first, from a TREC run (qid Q0 docid rank score tag).

    Ordered by rank as written; a document listed twice for one query counts once.
    Columns are split on ASCII spaces and tabs only: a SaudiNewsNet url can hold
    a no-break space, which str.split() would take for a separator.
    """
    rows: dict[str, list[tuple[int, str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = TREC_SEPARATOR.split(line.strip(" \t"))
        if len(parts) >= 6:
            rows.setdefault(parts[0], []).append((int(parts[3]), parts[2]))
    run = {}
    for qid, ranked in rows.items():
        seen: dict[str, None] = {}
        for _, docid in sorted(ranked, key=lambda row: row[0]):
            seen.setdefault(docid, None)
        run[qid] = list(seen)
    return run


def evaluate(run: dict[str, list[str]], qrels: dict[str, set[str]], qids) -> dict[str, float]:
    """MRR@10, nDCG@10 (binary gain), Recall@10 and Recall@100 averaged over qids.

    Every judged query counts: one the run left without hits scores 0.
    """
    totals = dict.fromkeys(METRICS, 0.0)
    qids = [qid for qid in qids if qrels.get(qid)]
    for qid in qids:
        relevant = qrels[qid]
        ranked = run.get(qid, [])
        found = [rank for rank, docid in enumerate(ranked[:DEPTH], 1) if docid in relevant]
        top10 = [rank for rank in found if rank <= 10]
        totals["MRR@10"] += 1.0 / top10[0] if top10 else 0.0
        ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), 10) + 1))
        totals["nDCG@10"] += sum(1.0 / math.log2(rank + 1) for rank in top10) / ideal
        totals["R@10"] += len(top10) / len(relevant)
        totals["R@100"] += len(found) / len(relevant)
    return {name: total / len(qids) if qids else 0.0 for name, total in totals.items()}


def read_splits(path: Path) -> dict[str, list[str]]:
    """split name -> qids, plus "all"."""
    splits: dict[str, list[str]] = {"all": []}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, name = line.split("\t")[:2]
            splits.setdefault(name.strip(), []).append(qid)
            splits["all"].append(qid)
    return splits


# ----- preparing documents -----------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Timer:
    """Seconds per step, printed as each ends and kept for the report."""

    steps: dict[str, float]

    def run(self, name: str, function, *args, **kwargs):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        seconds = time.perf_counter() - started
        self.steps[name] = seconds
        log(f"  {name}: {seconds:.1f}s")
        return result


def sync_file(source: Path, target: Path) -> None:
    """Copy source to target unless an identical-looking copy (size, mtime) is there."""
    stat = source.stat()
    if target.is_file() and target.stat().st_size == stat.st_size and target.stat().st_mtime_ns == stat.st_mtime_ns:
        return
    shutil.copy2(source, target)


def prepare_seeds(shared: Path, seeds: Path, distractors: bool) -> None:
    """A seeds folder with ARCD's corpus.jsonl and, with distractors, every SaudiNewsNet day file."""
    seeds.mkdir(parents=True, exist_ok=True)
    sync_file(shared / ARCD / "corpus.jsonl", seeds / "corpus.jsonl")
    if not distractors:
        return
    for archive in sorted((shared / DISTRACTOR_ZIPS).glob("*.zip")):
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.infolist():
                target = seeds / Path(member.filename).name
                if target.suffix != ".json":
                    continue
                if target.is_file() and target.stat().st_size == member.file_size:
                    continue
                with bundle.open(member) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)


def write_lucene_docs(seeds: Path, docs_tsv: Path) -> int:
    """id<TAB>title + " " + body for every article the index keeps; returns how many.

    Read with the index's own reader (search.sources) and its id rule (the
    first file holding an id keeps it), so both engines rank the same documents.
    """
    files, _ = scan(seeds)
    kept: set[str] = set()
    with open(docs_tsv, "w", encoding="utf-8") as out:
        for seed in files:
            articles, _ = read_articles(seeds, seed.path)
            for article in articles:
                if article.id in kept:
                    continue
                kept.add(article.id)
                text = f"{article.title} {article.body}".translate({9: " ", 10: " ", 13: " "})
                out.write(f"{article.id}\t{text}\n")
    return len(kept)


def indexing_fingerprint() -> str:
    """A hash of the code that decides what the index holds (see INDEXING_CODE)."""
    digest = hashlib.sha256()
    for name in INDEXING_CODE:
        path = REPO / "search" / name
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()[:16]


# ----- the runs -----------------------------------------------------------


def build_ours(seeds: Path, index_dir: Path, rebuild: bool) -> dict:
    """``cli.py index`` over seeds; a full rebuild when asked or when the analysis code changed."""
    stamp = index_dir.parent / (index_dir.name + ".fingerprint")
    fingerprint = indexing_fingerprint()
    full = rebuild or not stamp.is_file() or stamp.read_text().strip() != fingerprint
    command = [sys.executable, "cli.py", "index", "--seeds", str(seeds), "--index", str(index_dir), "--json"]
    if full:
        command.append("--full")
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    try:
        summary = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"cli.py index failed (exit {done.returncode}): {done.stderr.strip()}") from None
    stamp.write_text(fingerprint + "\n")
    log(f"  ours: {'rebuilt' if full else 'updated'}: {indexed_count(summary)} articles, "
        f"{len(summary['problems'])} records skipped (no text, or an id already taken)")
    return summary


def indexed_count(summary: dict) -> int:
    """Articles in the index after an update, from its JSON summary."""
    return summary["added"] + summary["updated"] + summary["unchanged"]


def run_ours(seeds: Path, index_dir: Path, queries: Path, run_file: Path) -> None:
    """Every query through ``cli.py search --batch --trec``, the run written to run_file."""
    command = [sys.executable, "cli.py", "search", "--batch", str(queries), "--trec", "--limit", str(DEPTH),
               "--index", str(index_dir), "--seeds", str(seeds)]
    with open(run_file, "w", encoding="utf-8") as out:
        done = subprocess.run(command, cwd=REPO, stdout=out, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"cli.py search failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    fallbacks = sum("searched as plain words" in line for line in done.stderr.splitlines())
    if fallbacks:
        log(f"  ours: {fallbacks} queries were not valid syntax and ran as plain words")


def run_lucene(shared: Path, docs_tsv: Path, queries: Path, run_file: Path) -> None:
    """Lucene's ArabicAnalyzer + BM25 over docs_tsv, the run written to run_file."""
    command = [str(shared / LUCENE_RUNNER), "bm25", str(docs_tsv), str(queries), str(DEPTH), "arabic"]
    with open(run_file, "w", encoding="utf-8") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"Lucene peer failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    log(f"  lucene: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}")


def measure(name: str, shared: Path, work: Path, distractors: bool, rebuild: bool,
            timer: Timer) -> dict[str, Path]:
    """Build and run both engines on one document collection; returns the run files."""
    log(f"{name}:")
    folder = work / name
    folder.mkdir(parents=True, exist_ok=True)
    seeds, index_dir = folder / "seeds", folder / "index"
    queries = shared / ARCD / "queries.tsv"
    timer.run(f"{name}: prepare seeds", prepare_seeds, shared, seeds, distractors)
    summary = timer.run(f"{name}: ours, index", build_ours, seeds, index_dir, rebuild)
    runs = {"ours": folder / "ours.trec", "lucene": folder / "lucene.trec"}
    timer.run(f"{name}: ours, {DEPTH} hits per query", run_ours, seeds, index_dir, queries, runs["ours"])
    docs_tsv = folder / "docs.tsv"
    count = timer.run(f"{name}: lucene, write docs.tsv", write_lucene_docs, seeds, docs_tsv)
    log(f"  lucene: {count} documents")
    if count != indexed_count(summary):
        raise SystemExit(f"{name}: Lucene got {count} documents, our index {indexed_count(summary)}")
    timer.run(f"{name}: lucene, index + {DEPTH} hits per query", run_lucene, shared, docs_tsv, queries,
              runs["lucene"])
    return runs


# ----- the report ---------------------------------------------------------


def score_runs(shared: Path, runs: dict[str, dict[str, Path]]) -> dict:
    """collection -> engine -> split -> metric -> value."""
    qrels = read_qrels(shared / ARCD / "qrels.tsv")
    splits = read_splits(shared / ARCD / "splits.tsv")
    return {
        collection: {
            engine: {split: evaluate(read_run(path), qrels, splits[split]) for split in SPLITS}
            for engine, path in files.items()
        }
        for collection, files in runs.items()
    }


def table(scores: dict) -> str:
    """A Markdown table: ours, Lucene and ours/Lucene for every collection, split and metric."""
    header = "| collection | split | engine | " + " | ".join(METRICS) + " |"
    lines = [header, "|" + " --- |" * (3 + len(METRICS))]
    for collection, engines in scores.items():
        for split in SPLITS:
            ours, lucene = engines["ours"][split], engines["lucene"][split]
            lines.append(f"| {collection} | {split} | ours | " + " | ".join(f"{ours[m]:.3f}" for m in METRICS) + " |")
            lines.append(f"| {collection} | {split} | Lucene | "
                         + " | ".join(f"{lucene[m]:.3f}" for m in METRICS) + " |")
            ratios = [f"{ours[m] / lucene[m]:.3f}" if lucene[m] else "-" for m in METRICS]
            lines.append(f"| {collection} | {split} | **ours/Lucene** | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def report(scores: dict, timer: Timer, command: str) -> str:
    """The generated section of docs/relevance.md."""
    machine = f"{platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    timings = "\n".join(f"| {step} | {seconds:.1f} |" for step, seconds in timer.steps.items())
    return "\n".join([
        BEGIN,
        f"Measured {dt.datetime.now().isoformat(sep=' ', timespec='minutes')} on {machine}",
        f"with `{command}`.",
        "",
        table(scores),
        "",
        "| step | seconds |",
        "| --- | --- |",
        timings,
        END,
    ])


def write_report(section: str) -> None:
    """Replace the generated section of docs/relevance.md, keeping the prose around it."""
    text = REPORT.read_text(encoding="utf-8") if REPORT.is_file() else "# Relevance\n\n"
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-distractors", action="store_true",
                        help="ARCD alone: skip the run with SaudiNewsNet added (a quick check).")
    parser.add_argument("--shared", type=Path, default=SHARED, help="The shared data folder (default: ../shared).")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "arabic-search-relevance",
                        help="Where seeds, indexes and runs are kept between runs (default: %(default)s).")
    parser.add_argument("--rebuild", action="store_true", help="Rebuild our indexes even when up to date.")
    parser.add_argument("--no-write", action="store_true", help="Print the table; leave docs/relevance.md alone.")
    args = parser.parse_args(argv)

    timer = Timer({})
    started = time.perf_counter()
    runs = {"ARCD": measure("arcd", args.shared, args.work, False, args.rebuild, timer)}
    if not args.skip_distractors:
        runs["ARCD + SaudiNewsNet"] = measure("arcd-saudinewsnet", args.shared, args.work, True, args.rebuild,
                                              timer)
    timer.steps["total"] = time.perf_counter() - started
    scores = score_runs(args.shared, runs)
    command = "python benchmarks/relevance.py" + (" --skip-distractors" if args.skip_distractors else "")
    section = report(scores, timer, command)
    print(table(scores))
    if not args.no_write:
        write_report(section)
        log(f"written to {REPORT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
