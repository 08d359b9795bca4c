"""Scale: build, memory, disk, updates and query latency from 31k to a million articles, beside SQLite FTS5.

    python benchmarks/scale.py                      # 31k, 125k, 250k, 500k, 1M articles
    python benchmarks/scale.py --days 2 --steps 3000,9000 --no-write  # a quick look

The corpus. Copy 0 is the real SaudiNewsNet day files, as shipped (empty
records included). Each further copy recombines them, with one
``random.Random`` per copy seeded from --seed and the copy's number, so
the same arguments always write the same bytes:

- one generated article per real article, in the real order: its source,
  author and number of sentences kept, its date moved by 49 days a copy
  (33 copies span about four and a half years), its url the real one plus
  ``#copy-N``;
- its body: that many sentences drawn from all the real bodies (split
  after . ! ? ؟ and line ends), its title another article's title;
- new spellings, so the vocabulary grows with the corpus as a real
  archive's does (names, typos, numbers) instead of stopping at the
  real one's: one sentence in NOVEL_SENTENCES gets two neighbouring
  letters of one of its long words swapped.

Copies are written as daily files (``YYYY-MM-DD.json``, the SaudiNewsNet
record format) into the work folder under the system temp folder, once,
and reused while the generator's arguments stay the same. A step of N
articles is a seeds folder of hard links to the first day files reaching
N articles, plus ARCD's corpus.jsonl (for the relevance check).

Each step is built by this project (``cli.py index --full``) and by FTS5
on the same text (our normalized title and body), one after the other:
wall and CPU time, peak RSS of any one process and of the tree, size on
disk. Then 32 queries drawn from the real articles (8 each: single words,
two words, phrases, prefixes; the same at every step) run warm, on a new
``Index`` (a new FTS5 connection) and in a fresh process (``cli.py search``
beside a one-shot FTS5 script): median and p95. Then ARCD's 1,395
questions through ``cli.py search --batch --trec`` with the step's
generated articles as distractors: MRR@10. At the largest step: one more
day added, a run with nothing changed, and 20 small updates (10 new
articles each), with the warm latency again after them.

The table and plot (docs/scale.png) go to the "scale" section of
docs/benchmarks.md; each target of the scale issue is printed with its figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import relevance  # noqa: E402

STEPS = (31_030, 125_000, 250_000, 500_000, 1_000_000)
COPY_SHIFT = dt.timedelta(days=49)  # longer than the real corpus's 22 days: copies never share a day
NOVEL_SENTENCES = 12  # one sentence in this many gets a new spelling
LONG_WORD = 6  # letters a word needs to be given one
GENERATOR_VERSION = 1  # bump when the generator's output changes: the corpus is then written again
UPDATE_ARTICLES = 10  # articles in each small update
SMALL_UPDATES = 20
SENTENCE_END = re.compile(r"(?<=[.!?؟\n])\s+")
PLOT = common.REPO / "docs" / "scale.png"
ARCD = Path("eval") / "arcd"

# The targets of the scale issue: at the largest step, each checked against its figure.
BUILD_GROWTH_LIMIT = 40.0  # full build at 1M / at 31k
PROCESS_PEAK_LIMIT = 1.5e9  # bytes, any one process of a build
ADD_DAY_LIMIT = 3.0  # seconds
NO_CHANGE_LIMIT = 0.5  # seconds
WARM_P95_LIMIT = 0.050  # seconds
NEW_INDEX_LIMIT = 0.100  # seconds, median
PROCESS_GROWTH_LIMIT = 2.0  # fresh CLI search at 1M / at 31k
DISK_RATIO_LIMIT = 1.5  # our index / FTS5's database


# ----- the generated corpus ---------------------------------------------------


def sentences_of(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text.strip()) if s]


def with_new_spelling(sentence: str, rng: random.Random) -> str:
    """The sentence with two neighbouring inner letters of one long word swapped (when it has one)."""
    words = sentence.split(" ")
    long_words = [i for i, word in enumerate(words) if len(word) >= LONG_WORD and word.isalpha()]
    if not long_words:
        return sentence
    at = rng.choice(long_words)
    word = words[at]
    i = rng.randrange(1, len(word) - 2)
    words[at] = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return " ".join(words)


def generated_copy(articles: list[common.Article], pool: list[str], copy: int, seed: int) -> dict[str, list[dict]]:
    """Copy number `copy` (1, 2, ...) of the articles: day file name -> its records."""
    rng = random.Random(seed * 1_000_003 + copy)
    days: dict[str, list[dict]] = {}
    for article in articles:
        sentences = []
        for _ in range(max(1, len(sentences_of(article.body)))):
            sentence = pool[rng.randrange(len(pool))]
            if rng.randrange(NOVEL_SENTENCES) == 0:
                sentence = with_new_spelling(sentence, rng)
            sentences.append(sentence)
        date = (article.date or dt.datetime(2015, 7, 21)) + copy * COPY_SHIFT
        record = {"source": article.source, "url": f"{article.id}#copy-{copy}",
                  "date_extracted": date.isoformat(sep=" "), "title": articles[rng.randrange(len(articles))].title,
                  "author": article.author, "content": " ".join(sentences)}
        days.setdefault(f"{date.date().isoformat()}.json", []).append(record)
    return days


def write_corpus(real_seeds: Path, articles: list[common.Article], pool: list[str], folder: Path,
                 articles_wanted: int, seed: int) -> list[tuple[Path, int]]:
    """The corpus's day files in date order with their article counts, written unless already there.

    Also counts the words of every body (split on spaces) for the word-frequency plot.
    """
    manifest = folder / "corpus.json"
    wanted = {"version": GENERATOR_VERSION, "articles": articles_wanted, "seed": seed}
    if manifest.is_file():
        written = json.loads(manifest.read_text(encoding="utf-8"))
        if written["wanted"] == wanted:
            return [(folder / name, count) for name, count in written["days"]]
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    days: list[tuple[str, int]] = []
    real_words: Counter = Counter()
    for article in articles:
        real_words.update(article.body.split())
    for path in sorted(real_seeds.glob("*.json")):
        os.link(path, folder / path.name)
    days += [(name, len(group)) for name, group in _days_of(articles).items()]
    all_words = Counter(real_words)
    total = len(articles)
    copy = 0
    while total < articles_wanted:
        copy += 1
        common.log(f"  generating copy {copy} ({total:,} articles so far)")
        for name, records in generated_copy(articles, pool, copy, seed).items():
            (folder / name).write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
            days.append((name, len(records)))
            for record in records:
                all_words.update(record["content"].split())
        total += len(articles)
    manifest.write_text(json.dumps({"wanted": wanted, "days": days,
                                    "frequencies": {"real": _rank_curve(real_words),
                                                    "generated": _rank_curve(all_words)}}),
                        encoding="utf-8")
    return [(folder / name, count) for name, count in days]


def _days_of(articles: list[common.Article]) -> dict[str, list[common.Article]]:
    """The real articles by the day file holding them (the first to hold an id keeps it)."""
    days: dict[str, list[common.Article]] = {}
    for article in articles:
        days.setdefault(article.path, []).append(article)
    return days


def _rank_curve(counts: Counter) -> list[tuple[int, float]]:
    """Share of all words held by the word of each rank, at ranks 1, 2, 4, ... (a log-log curve)."""
    ordered = [count for _, count in counts.most_common()]
    total = sum(ordered)
    points, rank = [], 1
    while rank <= len(ordered):
        points.append((rank, ordered[rank - 1] / total))
        rank *= 2
    points.append((len(ordered), ordered[-1] / total))
    return points


def step_seeds(days: list[tuple[Path, int]], articles_wanted: int, seeds: Path, arcd_corpus: Path) -> int:
    """A seeds folder of hard links to the first day files reaching the number wanted; the articles it holds."""
    if seeds.exists():
        shutil.rmtree(seeds)
    seeds.mkdir(parents=True)
    total = 0
    for path, count in days:
        if total >= articles_wanted:
            break
        os.link(path, seeds / path.name)
        total += count
    shutil.copy2(arcd_corpus, seeds / arcd_corpus.name)
    return total


# ----- measuring one step -----------------------------------------------------


def index_count(index: Path) -> int:
    from search import Index

    return Index(index).document_count()


def arcd_mrr(shared: Path, seeds: Path, index: Path, work: Path) -> float:
    """MRR@10 of ARCD's questions on this step's index (its generated articles are the distractors)."""
    run_file = work / "arcd.trec"
    relevance.run_ours(seeds, index, shared / ARCD / "queries.tsv", run_file)
    qrels = relevance.read_qrels(shared / ARCD / "qrels.tsv")
    return relevance.evaluate(relevance.read_run(run_file), qrels, qrels.keys())["MRR@10"]


def latencies(index: Path, seeds: Path, database: Path, queries: list) -> dict[str, dict]:
    """Every engine's time per query: warm and new Index/connection over 3 passes, fresh processes over 1."""
    in_process = [common.OursEngine(index), common.Fts5Engine(database),
                  common.OursNewIndexEngine(index), common.Fts5NewConnectionEngine(database)]
    processes = [common.OursProcessEngine(index, seeds), common.Fts5ProcessEngine(database)]
    timings = common.time_engines(in_process, queries, rounds=3)
    timings.update(common.time_engines(processes, queries, rounds=1))
    return timings


def run_index(seeds: Path, index: Path) -> common.Measured:
    """An incremental ``cli.py index``, as a user runs it when articles arrive."""
    return common.check(common.run_measured([common.PYTHON, str(common.CLI), "index", "--seeds", str(seeds),
                                             "--index", str(index)]), "cli.py index")


def updates(index: Path, seeds: Path, real_articles, pool: list[str], copy: int, seed: int,
            queries: list) -> dict:
    """At the largest step: a new day, a run with nothing new, then SMALL_UPDATES small ones."""
    new_days = sorted(generated_copy(real_articles, pool, copy, seed).items())
    name, day = new_days[0]
    (seeds / name).write_text(json.dumps(day, ensure_ascii=False), encoding="utf-8")
    add_day = run_index(seeds, index)
    no_change = run_index(seeds, index)
    before = common.time_engines([common.OursEngine(index)], queries, rounds=3)["ours"]
    spare = [record for _, records in new_days[1:] for record in records]
    small = []
    for number in range(SMALL_UPDATES):
        records = spare[number * UPDATE_ARTICLES:(number + 1) * UPDATE_ARTICLES]
        (seeds / f"update-{number:02d}.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        small.append(run_index(seeds, index).seconds)
    after = common.time_engines([common.OursEngine(index)], queries, rounds=3)["ours"]
    return {"day articles": len(day), "add day": add_day.seconds, "no change": no_change.seconds,
            "small": small, "warm before": statistics.median(before.values()),
            "warm after": statistics.median(after.values())}


# ----- report -----------------------------------------------------------------


def plot(steps: list[dict], curves: dict, path: Path) -> None:
    """Build time, peak RSS, size on disk, query latency against articles; word frequencies by rank."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 5, figsize=(19, 3.8))
    n = [step["articles"] for step in steps]
    panels = [
        ("build time (s)", {"ours": "ours build s", "FTS5": "fts5 build s"}),
        ("peak RSS of a process (MB)", {"ours": "ours peak MB", "FTS5": "fts5 peak MB"}),
        ("size on disk (MB)", {"ours": "ours MB", "FTS5": "fts5 MB"}),
        ("median query, top 10 (ms)", {"ours warm": "ours warm ms", "ours new Index": "ours new Index ms",
                                       "ours new process": "ours process ms", "FTS5 warm": "fts5 warm ms",
                                       "FTS5 new process": "fts5 process ms"}),
    ]
    for axis, (title, lines) in zip(axes, panels):
        for label, key in lines.items():
            axis.plot(n, [step[key] for step in steps], marker="o", label=label)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("articles")
        axis.set_title(title, fontsize=10)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7)
    words = axes[4]
    for label, points in (("the real days", curves["real"]), (f"generated, {n[-1]:,} articles", curves["generated"])):
        words.plot([r for r, _ in points], [s for _, s in points], marker=".", label=label)
    words.set_xscale("log")
    words.set_yscale("log")
    words.set_xlabel("word rank")
    words.set_title("share of all words (by rank)", fontsize=10)
    words.grid(True, which="both", alpha=0.3)
    words.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    common.log(f"wrote {path.relative_to(common.REPO)}")


def targets(steps: list[dict], changes: dict) -> list[str]:
    """Each target of the scale issue with its figure at the largest step, and whether it is met."""
    first, last = steps[0], steps[-1]

    def line(what: str, figure: str, met: bool) -> str:
        return f"- {what}: {figure} — {'met' if met else 'NOT met'}"

    build_growth = last["ours build s"] / first["ours build s"]
    peak = max(step["ours peak MB"] for step in steps) * 1e6
    process_growth = last["ours process ms"] / first["ours process ms"]
    disk = last["ours MB"] / last["fts5 MB"]
    small = changes["small"]
    return [
        line(f"full build at {last['articles']:,} ≤ {BUILD_GROWTH_LIMIT:.0f}× the build at {first['articles']:,}",
             f"{build_growth:.1f}× ({last['ours build s']:.0f} s / {first['ours build s']:.0f} s)",
             build_growth <= BUILD_GROWTH_LIMIT),
        line("peak RSS of any one build process ≤ 1.5 GB", f"{peak / 1e6:,.0f} MB", peak <= PROCESS_PEAK_LIMIT),
        line(f"adding a day ({changes['day articles']:,} articles) ≤ {ADD_DAY_LIMIT:.0f} s",
             f"{changes['add day']:.2f} s", changes["add day"] <= ADD_DAY_LIMIT),
        line(f"a run with nothing changed ≤ {NO_CHANGE_LIMIT} s", f"{changes['no change']:.2f} s",
             changes["no change"] <= NO_CHANGE_LIMIT),
        line(f"no slowdown after {SMALL_UPDATES} small updates",
             f"update {small[0]:.2f} s first, {small[-1]:.2f} s last; warm median "
             f"{changes['warm before'] * 1000:.1f} → {changes['warm after'] * 1000:.1f} ms",
             small[-1] <= 1.5 * small[0] and changes["warm after"] <= 1.5 * changes["warm before"]),
        line("warm query p95 ≤ 50 ms", f"{last['ours warm p95 ms']:.1f} ms",
             last["ours warm p95 ms"] <= WARM_P95_LIMIT * 1000),
        line("new Index, first query ≤ 100 ms (median)", f"{last['ours new Index ms']:.1f} ms",
             last["ours new Index ms"] <= NEW_INDEX_LIMIT * 1000),
        line(f"fresh CLI search ≤ {PROCESS_GROWTH_LIMIT:.0f}× its time at {first['articles']:,}",
             f"{process_growth:.2f}× ({last['ours process ms']:.0f} / {first['ours process ms']:.0f} ms)",
             process_growth <= PROCESS_GROWTH_LIMIT),
        line("disk ≤ 1.5× FTS5's database", f"{disk:.2f}× ({last['ours MB']:,.0f} / {last['fts5 MB']:,.0f} MB)",
             disk <= DISK_RATIO_LIMIT),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=common.DEFAULT_WORK, help="work folder (temp)")
    parser.add_argument("--steps", default=",".join(str(n) for n in STEPS), help="articles per step, ascending")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--days", type=int, help="generate from the first DAYS real days only (a quick look)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ as it is")
    args = parser.parse_args()
    wanted = sorted(int(n) for n in args.steps.split(","))
    shared = common.SHARED
    if not (shared / ARCD / "qrels.tsv").is_file():
        sys.exit(f"ARCD not found in {shared / ARCD} (../shared beside the repository)")
    if not common.fts5_available():
        sys.exit("this Python's sqlite3 has no FTS5")
    started = time.perf_counter()
    work = args.work / "scale"
    work.mkdir(parents=True, exist_ok=True)
    if args.days:
        real_seeds = common.extract_days(common.day_zips()[:args.days], work / f"seeds-{args.days}-days")
    else:
        real_seeds = common.extract_days(common.day_zips(), args.work / "seeds-all")
    real_articles = common.load_articles(real_seeds)
    pool = [sentence for article in real_articles for sentence in sentences_of(article.body)]
    common.log(f"corpus of {wanted[-1]:,} articles")
    corpus = work / f"corpus-{real_seeds.name}"
    days = write_corpus(real_seeds, real_articles, pool, corpus, wanted[-1], args.seed)
    curves = json.loads((corpus / "corpus.json").read_text(encoding="utf-8"))["frequencies"]
    queries = common.draw_queries(real_articles, 8)

    steps = []
    for number, articles_wanted in enumerate(wanted):
        seeds, index, database = work / "seeds", work / "index", work / "fts5.sqlite"
        step_seeds(days, articles_wanted, seeds, shared / ARCD / "corpus.jsonl")
        common.log(f"step {articles_wanted:,}: building")
        ours = common.build_ours(seeds, index)
        fts5 = common.build_peer("fts5", seeds, database)
        common.log(f"step {articles_wanted:,}: querying")
        timings = latencies(index, seeds, database, queries)
        medians = {name: statistics.median(per.values()) * 1000 for name, per in timings.items()}
        step = {
            "articles": index_count(index),
            "ours build s": ours.seconds, "ours cpu s": ours.cpu_seconds,
            "ours peak MB": ours.peak_process / 1e6, "ours tree MB": ours.peak_tree / 1e6,
            "fts5 build s": fts5.seconds, "fts5 peak MB": fts5.peak_process / 1e6,
            "ours MB": common.dir_size(index) / 1e6, "fts5 MB": common.dir_size(database) / 1e6,
            "ours warm ms": medians["ours"], "ours warm p95 ms": common.percentile(
                list(timings["ours"].values()), 0.95) * 1000,
            "ours new Index ms": medians["ours, new Index"], "ours process ms": medians["ours, new process"],
            "fts5 warm ms": medians["FTS5"], "fts5 new ms": medians["FTS5, new connection"],
            "fts5 process ms": medians["FTS5, new process"],
            "MRR@10": arcd_mrr(shared, seeds, index, work),
            "latency rows": common.latency_rows(timings),
            "engines": list(timings),
        }
        steps.append(step)
        common.log(f"step {articles_wanted:,}: {json.dumps({k: v for k, v in step.items() if 'rows' not in k})}")
        if number == len(wanted) - 1:
            unused_copy = -(-wanted[-1] // len(real_articles)) + 1  # past every copy the corpus holds
            changes = updates(index, seeds, real_articles, pool, unused_copy, args.seed, queries)

    headers = ["articles", "ours build s (CPU)", "FTS5 build s", "ours peak process / tree MB", "FTS5 peak MB",
               "ours / FTS5 MB", "warm ms ours / FTS5", "new Index / connection ms", "new process ms ours / FTS5",
               "MRR@10"]
    rows = [[f"{s['articles']:,}", f"{s['ours build s']:.0f} ({s['ours cpu s']:.0f})", f"{s['fts5 build s']:.0f}",
             f"{s['ours peak MB']:,.0f} / {s['ours tree MB']:,.0f}", f"{s['fts5 peak MB']:,.0f}",
             f"{s['ours MB']:,.0f} / {s['fts5 MB']:,.0f}", f"{s['ours warm ms']:.1f} / {s['fts5 warm ms']:.1f}",
             f"{s['ours new Index ms']:.1f} / {s['fts5 new ms']:.1f}",
             f"{s['ours process ms']:.0f} / {s['fts5 process ms']:.0f}", f"{s['MRR@10']:.3f}"] for s in steps]
    common.print_table("Scale", headers, rows)
    kind_headers = ["kind"] + [f"{name} {what}" for name in steps[-1]["engines"] for what in ("median ms", "p95 ms")]
    common.print_table(f"Latency by kind at {steps[-1]['articles']:,} articles", kind_headers,
                       steps[-1]["latency rows"])
    checks = targets(steps, changes)
    print("\n".join(checks))
    minutes = (time.perf_counter() - started) / 60
    print(f"whole run: {minutes:.0f} min")
    if args.no_write:
        return
    plot(steps, curves, PLOT)
    body = "\n".join([
        "## A million articles (benchmarks/scale.py)",
        "",
        "`python benchmarks/scale.py`: a corpus generated from SaudiNewsNet (the real days, then copies "
        "that recombine their sentences with a fixed seed; see the script's docstring), built at each step by "
        "ours and by FTS5 one after the other; 32 queries (8 of each kind, drawn from the real articles) warm "
        "(median of 3 passes), on a new Index or connection (3 passes) and in a fresh process (1 pass); "
        "ARCD's questions with the step's articles as distractors. "
        f"The whole run took {minutes:.0f} minutes.",
        "",
        f"Measured {common.machine_line()}.",
        "",
        "![build time, peak RSS, size on disk, median query latency against articles; word frequency by rank]"
        "(scale.png)",
        "",
        common.markdown_table(headers, rows),
        "",
        f"Latency by kind at {steps[-1]['articles']:,} articles:",
        "",
        common.markdown_table(kind_headers, steps[-1]["latency rows"]),
        "",
        f"Updates at {steps[-1]['articles']:,} articles: a day of {changes['day articles']:,} articles "
        f"{changes['add day']:.2f} s, nothing changed {changes['no change']:.2f} s, {SMALL_UPDATES} updates of "
        f"{UPDATE_ARTICLES} articles {min(changes['small']):.2f}–{max(changes['small']):.2f} s each.",
        "",
        "Targets:",
        "",
        *checks,
    ])
    common.update_report("scale", body)


if __name__ == "__main__":
    main()
