"""The web server under load: many clients at once, a varied mix of requests, latency per kind and memory.

    python benchmarks/load.py --index INDEX --seeds SEEDS      # an index of the full corpus
    python benchmarks/load.py --workers 2 --clients 1,4,16 --requests 1000,3000,6000

One ``cli.py serve`` (``--workers`` passed through) answers, in turn, 1, 4
and 16 clients on 127.0.0.1, each client a thread with its own keep-alive
connection taking the next request of a fixed list until the level's
request count is done or its time cap is reached. The list mixes what
people do on the page (KIND_SHARES): single words, word pairs, phrases,
3-letter prefixes (الم*, بال*), fuzzy words, date-sorted results, source
and date filters, later result pages, article pages and completions, all
drawn from the articles with a fixed seed. Per kind: p50, p95, p99; per
level: throughput, errors by status, requests left unanswered; the RSS of
the server's process tree (every worker) before and after each level, and
after the first 100 requests and at the end (the caches are bounded).

Results go to the "load" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from search.analysis.tokenize import stem_or_none, tokenize  # noqa: E402
from search.web.app import doc_url  # noqa: E402

P99_TARGET_MS = 500.0
THROUGHPUT_TARGET = 4.0  # × the figure before (the issue measured 33–42 requests/s with 16 clients)
PREFIX_P95_TARGET_MS = 300.0
MEMORY_TARGET = 1.5  # RSS at the end / after EARLY requests
EARLY = 100
REQUEST_TIMEOUT = 60.0  # seconds a client waits for one answer
# kind -> its share of the requests.
KIND_SHARES = {
    "single": 14, "two words": 10, "phrase": 8, "prefix 3": 8, "fuzzy": 6, "date sort": 6, "source filter": 6,
    "date filter": 6, "result page": 8, "search page": 8, "article page": 10, "completion": 10,
}


@dataclass(frozen=True)
class Request:
    kind: str
    path: str
    params: tuple[tuple[str, str], ...]


@dataclass
class Level:
    """One run of CLIENTS clients: each answered request's kind, status and seconds."""

    clients: int
    wanted: int
    seconds: float = 0.0
    samples: list[tuple[str, int, float]] = field(default_factory=list)  # kind, status, seconds
    failures: Counter = field(default_factory=Counter)  # no answer: the exception's name
    rss_before: float = 0.0
    rss_after: float = 0.0

    def throughput(self) -> float:
        return len(self.samples) / self.seconds if self.seconds else 0.0


def content_words(text: str) -> list[str]:
    """The words of text as written there, content words of 4+ letters (as common.draw_queries takes them)."""
    return [text[start:end] for start, end, word in tokenize(text)
            if len(word) >= 4 and word.isalpha() and stem_or_none(word) is not None]


def draw_requests(articles: list[common.Article], count: int, seed: int = 21) -> list[Request]:
    """count requests in KIND_SHARES proportions, shuffled; words drawn from random articles."""
    rng = random.Random(seed)
    kinds = [kind for kind, share in KIND_SHARES.items() for _ in range(share)]
    dated = [a for a in articles if a.date]
    requests = []
    while len(requests) < count:
        article = rng.choice(dated)
        words = content_words(article.body[:3000])
        if len(words) < 12:
            continue
        kind = rng.choice(kinds)
        at = rng.randrange(len(words) - 10)
        word = words[at]
        search: dict[str, str] = {"q": word}
        path = "/api/search"
        if kind == "two words":
            search["q"] = f"{word} {words[at + rng.randint(3, 9)]}"
        elif kind == "phrase":
            search["q"] = f'"{word} {words[at + 1]}"'
        elif kind == "prefix 3":
            search["q"] = word[:3] + "*"  # as typed: often an article or a clitic and a letter (الم*, بال*)
        elif kind == "fuzzy":
            search["q"] = word + "~"
        elif kind == "date sort":
            search["sort"] = "date"
        elif kind == "source filter":
            search["source"] = article.source or ""
        elif kind == "date filter":
            search["since"] = article.date.strftime("%Y-%m")
            search["until"] = article.date.strftime("%Y-%m")
        elif kind == "result page":
            search["page"] = str(rng.randint(2, 5))
        elif kind == "search page":
            path = "/"
        elif kind == "article page":
            path, search = doc_url(article.id), {"q": word}
        elif kind == "completion":
            path, search = "/api/suggest", {"q": word[:rng.randint(2, 4)]}
        requests.append(Request(kind, path, tuple(search.items())))
    return requests


def run_level(server: common.Server, requests: list[Request], clients: int, seconds_cap: float,
              on_answer=None) -> Level:
    """requests sent by clients threads, each request once, until all are answered or seconds_cap is reached."""
    import httpx

    level = Level(clients, len(requests))
    pending = iter(requests)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds_cap

    def client() -> None:
        with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT) as http:
            while time.monotonic() < stop_at:
                with lock:
                    request = next(pending, None)
                if request is None:
                    return
                started = time.perf_counter()
                try:
                    response = http.get(request.path, params=request.params)
                    response.read()
                except httpx.HTTPError as error:
                    with lock:
                        level.failures[type(error).__name__] += 1
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    level.samples.append((request.kind, response.status_code, elapsed))
                    if on_answer:
                        on_answer(len(level.samples))

    level.rss_before = server.rss_mb()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    level.seconds = time.perf_counter() - started
    level.rss_after = server.rss_mb()
    return level


def kind_rows(level: Level) -> list[list]:
    rows = []
    for kind in [*KIND_SHARES, "all"]:
        times = [s for k, _, s in level.samples if kind in (k, "all")]
        if not times:
            continue
        rows.append([level.clients, kind, len(times), common.ms(common.percentile(times, 0.50)),
                     common.ms(common.percentile(times, 0.95)), common.ms(common.percentile(times, 0.99))])
    return rows


def level_row(level: Level) -> list:
    statuses = Counter(status for _, status, _ in level.samples)
    errors = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()) if status >= 400) or "none"
    unanswered = level.wanted - len(level.samples)
    return [level.clients, f"{len(level.samples)} of {level.wanted}", f"{level.seconds:.1f}",
            f"{level.throughput():.1f}", errors,
            f"{unanswered}" + (f" ({dict(level.failures)})" if level.failures else ""),
            f"{level.rss_before:.0f} → {level.rss_after:.0f}"]


def parse_counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=common.DEFAULT_WORK, help="work folder (temp)")
    parser.add_argument("--index", type=Path, help="an index to serve (default: build.py's in the work folder)")
    parser.add_argument("--seeds", type=Path, help="that index's seeds folder (the server must not update it)")
    parser.add_argument("--workers", type=int, help="serve --workers (default: the server's own)")
    parser.add_argument("--clients", default="1,4,16", help="concurrent clients of each level")
    parser.add_argument("--requests", default="1000,3000,6000", help="requests of each level")
    parser.add_argument("--seconds", type=float, default=300.0, help="time cap of each level")
    parser.add_argument("--label", default="", help="what this run measures (written in the report)")
    args = parser.parse_args()
    clients, counts = parse_counts(args.clients), parse_counts(args.requests)
    if len(clients) != len(counts):
        sys.exit("--clients and --requests must name as many levels")
    seeds = args.seeds or common.extract_days(common.day_zips(), args.work / "seeds-all")
    index = args.index or args.work / "index-ours"
    if not index.exists():
        common.log("building ours")
        common.build_ours(seeds, index)
    articles = common.load_articles(seeds)
    requests = draw_requests(articles, sum(counts))
    extra = ("--workers", str(args.workers)) if args.workers else ()
    common.log(f"serving {index} ({len(articles)} articles){' with ' + ' '.join(extra) if extra else ''}")
    server = common.Server(index, seeds, extra)
    early: list[float] = []

    def read_early(answered: int) -> None:
        if answered == EARLY and not early:
            early.append(server.rss_mb())

    levels = []
    try:
        start_mb = server.rss_mb()
        offset = 0
        for number, (level_clients, count) in enumerate(zip(clients, counts)):
            common.log(f"{level_clients} clients, {count} requests (at most {args.seconds:.0f} s)")
            level = run_level(server, requests[offset:offset + count], level_clients, args.seconds,
                              read_early if number == 0 else None)
            offset += count
            levels.append(level)
            common.log(f"  {len(level.samples)} answered in {level.seconds:.1f} s: "
                       f"{level.throughput():.1f} requests/s")
        end_mb = server.rss_mb()
    finally:
        server.stop()
    early_mb = early[0] if early else start_mb
    answered = sum(len(level.samples) for level in levels)

    level_headers = ["clients", "answered", "seconds", "requests/s", "errors (status: count)", "unanswered",
                     "RSS MB before → after"]
    level_rows = [level_row(level) for level in levels]
    kind_headers = ["clients", "kind", "requests", "p50 ms", "p95 ms", "p99 ms"]
    rows = [row for level in levels for row in kind_rows(level)]
    common.print_table("levels", level_headers, level_rows)
    common.print_table("latency per kind", kind_headers, rows)
    memory = (f"RSS of the server tree: {start_mb:.0f} MB at the start, {early_mb:.0f} MB after {EARLY} requests, "
              f"{end_mb:.0f} MB after {answered} = **{end_mb / early_mb:.2f}×** (target ≤ {MEMORY_TARGET}×)")
    print(memory)
    label = f" — {args.label}" if args.label else ""
    common.update_report("load", "\n".join([
        f"## The web server under load (benchmarks/load.py){label}",
        "",
        f"`python benchmarks/load.py{' --workers ' + str(args.workers) if args.workers else ''}`: one "
        f"`cli.py serve` on the full-build index ({len(articles)} articles), answering "
        f"{', '.join(f'{c} clients ({n} requests)' for c, n in zip(clients, counts))} in turn on 127.0.0.1, "
        f"each level capped at {args.seconds:.0f} s. Each client is a thread with a keep-alive connection. "
        f"The mix (shares of {sum(KIND_SHARES.values())}): "
        + ", ".join(f"{kind} {share}" for kind, share in KIND_SHARES.items())
        + "; words drawn from the articles with a fixed seed. The machine is shared: other work ran "
        "during the measurement, so figures vary by tens of percent between runs.",
        "",
        f"Measured {common.machine_line()}.",
        "",
        common.markdown_table(level_headers, level_rows),
        "",
        common.markdown_table(kind_headers, rows),
        "",
        f"- {memory}",
    ]))


if __name__ == "__main__":
    main()
