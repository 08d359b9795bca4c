"""What the benchmark scripts share: the corpus, the peers, measuring a process tree, the report.

The scripts (build.py, incremental.py, query_latency.py, growth.py) each
measure every engine in one run and write their section of
docs/benchmarks.md. The engines:

- ours: ``cli.py index`` (a subprocess) and ``search.Index`` (in process);
- stock Whoosh, one process: ``RegexTokenizer() | LowercaseFilter()`` on
  the same fields (title and body with positions, stored, id, date,
  source), searched with its own query parser and highlighter;
- SQLite FTS5 (standard library) on our normalized title and body, with
  ``bm25`` ranking and ``snippet()``;
- Lucene's ArabicAnalyzer + BM25 (../shared/peers/lucene/run.sh bm25,
  an in-memory index: its build figure is its own ``index_s``).

Every peer indexes the same articles: our reader (search.sources) over
the same seed files, the first file holding an id keeps it, as the index
does. Shared data is read from ../shared beside the repository and never
copied into it; seeds, indexes and runs live in a work folder under the
system temp folder.

Run as a script, this module builds one peer in a child process, so that
its time and memory are measured alone::

    python benchmarks/common.py build whoosh|fts5 SEEDS TARGET
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import re
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from search.analysis.normalize import normalize_text  # noqa: E402
from search.analysis.tokenize import stem_or_none, tokenize  # noqa: E402  (needs REPO on the path)
from search.sources import Article, read_articles, scan  # noqa: E402

SHARED = REPO.parent / "shared"
DAY_ZIPS = SHARED / "corpora" / "saudinewsnet" / "dataset"
LUCENE_RUNNER = SHARED / "peers" / "lucene" / "run.sh"
REPORT = REPO / "docs" / "benchmarks.md"
DEFAULT_WORK = Path(tempfile.gettempdir()) / "arabic-search-bench"
SAMPLE_SECONDS = 0.05  # memory sampling interval

REPORT_HEADER = """# Benchmarks

Each section below is written by one script, which measures every engine
in the same run on the same machine; rerun a script to refresh its
section. The commands, and what each figure means, are in each section.
Relevance (MRR@10, nDCG@10, Recall@10/100 on ARCD, next to Lucene's
ArabicAnalyzer) is in [relevance.md](relevance.md), written by
`benchmarks/relevance.py`.

Engines: **ours** (`cli.py index`, `search.Index`); **stock Whoosh**
2.7.5, one process, `RegexTokenizer() | LowercaseFilter()` on the same
fields; **FTS5**, SQLite's full-text index on our normalized text, with
`bm25()` and `snippet()`; **Lucene** 8 ArabicAnalyzer + BM25 through
`../shared/peers/lucene/run.sh` (an in-memory index; no snippets).
"""


# ----- corpus ---------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def day_zips() -> list[Path]:
    """The SaudiNewsNet day files, in date order."""
    zips = sorted(DAY_ZIPS.glob("*.zip"))
    if not zips:
        sys.exit(f"no SaudiNewsNet day files in {DAY_ZIPS} (../shared beside the repository)")
    return zips


def extract_days(zips: list[Path], seeds: Path) -> Path:
    """Unpack each day file's JSON into seeds (once: a file of the same size is kept)."""
    seeds.mkdir(parents=True, exist_ok=True)
    for path in zips:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                if member.is_dir():
                    continue
                target = seeds / Path(member.filename).name
                if target.is_file() and target.stat().st_size == member.file_size:
                    continue
                with archive.open(member) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
    return seeds


def load_articles(seeds: Path) -> list[Article]:
    """The articles an index of seeds holds: files in path order, the first to hold an id keeps it."""
    files, _ = scan(seeds)
    seen: set[str] = set()
    articles = []
    for seed in files:
        for article in read_articles(seeds, seed.path)[0]:
            if article.id not in seen:
                seen.add(article.id)
                articles.append(article)
    return articles


def write_subset(articles: list[Article], seeds: Path) -> Path:
    """A seeds folder holding exactly these articles, as one JSON file."""
    if seeds.exists():
        shutil.rmtree(seeds)
    seeds.mkdir(parents=True)
    records = [{"title": a.title, "content": a.body, "url": a.id, "source": a.source,
                "date_extracted": a.date.isoformat(sep=" ") if a.date else None, "author": a.author}
               for a in articles]
    (seeds / "articles.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return seeds


# ----- the machine and the report ---------------------------------------------


def machine() -> dict[str, str]:
    """Platform, CPU model, cores, memory, and the software measured."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    from importlib.metadata import version

    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "whoosh": version("whoosh-reloaded"),
        "sqlite": sqlite3.sqlite_version,
    }


def machine_line() -> str:
    m = machine()
    load = os.getloadavg()
    return (f"{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}, {m['platform']}, {m['cpu']}, "
            f"{m['cores']} cores, {m['memory']}; Python {m['python']}, Whoosh {m['whoosh']}, "
            f"SQLite {m['sqlite']}; load average at the end {load[0]:.1f}")


def markdown_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def print_table(title: str, headers: list[str], rows: list[list]) -> None:
    widths = [max(len(str(x)) for x in [h] + [r[i] for r in rows]) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths)))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))


def update_report(section: str, body: str) -> None:
    """Replace (or add) the section written by one script in docs/benchmarks.md."""
    begin, end = f"<!-- {section}: begin -->", f"<!-- {section}: end -->"
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    text = REPORT.read_text(encoding="utf-8") if REPORT.is_file() else REPORT_HEADER
    block = f"{begin}\n{body.strip()}\n{end}"
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    REPORT.write_text(text, encoding="utf-8")
    log(f"wrote the {section} section of {REPORT.relative_to(REPO)}")


# ----- measuring --------------------------------------------------------------


@dataclass
class Measured:
    """One child process tree, run to the end."""

    seconds: float  # wall time
    cpu_seconds: float  # user + system of the whole tree
    peak_tree: int  # bytes: the largest sum of RSS over the tree at one sample
    peak_process: int  # bytes: the largest RSS of any one process of the tree
    processes: int  # how many processes were seen
    stdout: str
    stderr: str
    returncode: int


def run_measured(command: list[str], cwd: Path | None = None, env: dict | None = None) -> Measured:
    """Run command; sample the RSS of it and all its descendants every SAMPLE_SECONDS."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    peak_tree = peak_process = 0
    seen: set[int] = set()
    stop = threading.Event()

    def sample():
        nonlocal peak_tree, peak_process
        try:
            root = psutil.Process(process.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            try:
                tree = [root] + root.children(recursive=True)
            except psutil.Error:
                break
            total = 0
            for member in tree:
                try:
                    rss = member.memory_info().rss
                except psutil.Error:
                    continue
                seen.add(member.pid)
                total += rss
                peak_process = max(peak_process, rss)
            peak_tree = max(peak_tree, total)
            stop.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(seconds, cpu, peak_tree, peak_process, len(seen), stdout, stderr, process.returncode)


def check(measured: Measured, what: str) -> Measured:
    # 2: cli.py index reports skipped records, or failed with a one-line "error: ..." (a writer killed)
    failed = any(line.startswith("error: ") for line in measured.stderr.splitlines())
    if measured.returncode not in (0, 2) or failed:
        sys.exit(f"{what} failed ({measured.returncode}):\n{measured.stderr[-3000:]}")
    return measured


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def mb(size: int) -> str:
    return f"{size / 1e6:.0f} MB"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


# ----- the web server ---------------------------------------------------------

SERVER_START_TIMEOUT = 120.0  # seconds for a server to answer its first request


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``cli.py serve`` in a child process, on a free local port (serve.py, load.py).

    extra: more ``cli.py serve`` arguments (``--workers 2``). The seeds
    folder must be the index's own, so that the server starts without an update.
    """

    def __init__(self, index: Path, seeds: Path, extra: tuple[str, ...] = ()):
        self.port = free_port()
        self.refused = 0  # queries answered with a 400 (not valid syntax)
        self.process = subprocess.Popen(
            [PYTHON, str(CLI), "serve", "--index", str(index), "--seeds", str(seeds),
             "--port", str(self.port), *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not self._listening():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"cli.py serve did not start (exit code {self.process.poll()})")
            time.sleep(0.05)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _listening(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def search(self, query: str) -> float:
        """Seconds for one /api/search of query (top 10 with snippets), as a client sees them."""
        url = f"{self.base_url}/api/search?" + urllib.parse.urlencode({"q": query})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                json.loads(response.read())
        except urllib.error.HTTPError as error:  # a drawn word the syntax reads as an operator: answered too
            if error.code != 400:
                raise
            json.loads(error.read())
            self.refused += 1
        return time.perf_counter() - started

    def rss_mb(self) -> float:
        """The resident memory of the server's whole process tree (its workers too), as run_measured reads it."""
        import psutil

        root = psutil.Process(self.process.pid)
        total = 0
        for process in [root, *root.children(recursive=True)]:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total / 1024 / 1024

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


# ----- engines: building ------------------------------------------------------

PYTHON = sys.executable
CLI = REPO / "cli.py"
# A new process as a user's shell starts it: with PYTHONDONTWRITEBYTECODE set
# (as some containers do) every import of the package would compile its
# sources again, about a tenth of a second that no installed copy pays.
USER_PROCESS_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def build_ours(seeds: Path, index: Path) -> Measured:
    """A full build with the command line, as a user runs it."""
    if index.exists():
        shutil.rmtree(index)
    return check(run_measured([PYTHON, str(CLI), "index", "--full", "--seeds", str(seeds), "--index", str(index)]),
                 "cli.py index --full")


def build_peer(kind: str, seeds: Path, target: Path) -> Measured:
    """Build stock Whoosh or FTS5 in a child process (this module run as a script)."""
    if target.exists():
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    return check(run_measured([PYTHON, str(Path(__file__).resolve()), "build", kind, str(seeds), str(target)]),
                 f"{kind} build")


def stock_whoosh_schema():
    from whoosh.analysis import LowercaseFilter, RegexTokenizer
    from whoosh.fields import DATETIME, ID, TEXT, Schema

    analyzer = RegexTokenizer() | LowercaseFilter()
    return Schema(id=ID(stored=True, unique=True), title=TEXT(analyzer=analyzer, stored=True),
                  body=TEXT(analyzer=analyzer, stored=True), date=DATETIME(stored=True),
                  source=ID(stored=True))


def build_stock_whoosh(seeds: Path, index: Path) -> None:
    """Whoosh as its tutorial has it: one process, default writer, plain analyzer."""
    from whoosh import index as whoosh_index

    index.mkdir(parents=True)
    ix = whoosh_index.create_in(str(index), stock_whoosh_schema())
    writer = ix.writer()
    for article in load_articles(seeds):
        fields = {"id": article.id, "title": article.title, "body": article.body}
        if article.date:
            fields["date"] = article.date
        if article.source:
            fields["source"] = article.source
        writer.add_document(**fields)
    writer.commit()


FTS5_SCHEMA = "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, source UNINDEXED, date UNINDEXED)"


def build_fts5(seeds: Path, database: Path) -> None:
    """FTS5 over our normalized title and body (unicode61 tokenizer, no diacritics left to remove)."""
    connection = sqlite3.connect(database)
    connection.execute(FTS5_SCHEMA)
    with connection:
        connection.executemany(
            "INSERT INTO docs (id, title, body, source, date) VALUES (?, ?, ?, ?, ?)",
            ((a.id, normalize_text(a.title), normalize_text(a.body), a.source,
              a.date.isoformat() if a.date else None) for a in load_articles(seeds)))
    connection.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    connection.commit()
    connection.close()


def fts5_available() -> bool:
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    except sqlite3.OperationalError:
        return False
    return True


@dataclass
class LuceneRun:
    measured: Measured
    index_seconds: float
    search_seconds: float
    documents: int
    queries: int


def lucene_docs(articles: list[Article], path: Path) -> Path:
    """DOCS.tsv for run.sh: id<TAB>title + " " + body, tabs and newlines made spaces."""
    clean = re.compile(r"[\t\r\n]+")
    with open(path, "w", encoding="utf-8") as out:
        for a in articles:
            out.write(f"{clean.sub(' ', a.id)}\t{clean.sub(' ', a.title + ' ' + a.body)}\n")
    return path


def run_lucene(docs: Path, queries: list[str], work: Path) -> LuceneRun | None:
    """run.sh bm25 DOCS QUERIES 100 arabic; its own index_s and search_s, our wall time and memory."""
    if not LUCENE_RUNNER.is_file() or shutil.which("java") is None:
        log("Lucene peer unavailable (../shared/peers/lucene/run.sh or java missing)")
        return None
    query_file = work / "lucene-queries.tsv"
    query_file.write_text("".join(f"q{n}\t{q}\n" for n, q in enumerate(queries)), encoding="utf-8")
    measured = run_measured(["bash", str(LUCENE_RUNNER), "bm25", str(docs), str(query_file), "100", "arabic"])
    if measured.returncode != 0:
        log(f"Lucene peer failed: {measured.stderr[-500:]}")
        return None
    figures = dict(re.findall(r"(\w+)=([\d.]+)", measured.stderr))
    return LuceneRun(measured, float(figures.get("index_s", "nan")), float(figures.get("search_s", "nan")),
                     int(float(figures.get("docs", "0"))), int(float(figures.get("queries", "0"))))


# ----- engines: searching -----------------------------------------------------

KINDS = ("single", "two words", "phrase", "prefix")


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    words: tuple[str, ...]  # as written in an article

    def ours(self) -> str:
        if self.kind == "phrase":
            return '"' + " ".join(self.words) + '"'
        if self.kind == "prefix":
            return self.words[0] + "*"
        return " ".join(self.words)

    def whoosh(self) -> str:
        return self.ours()  # the same syntax: words, "phrase", prefix*

    def fts5(self) -> str:
        words = [normalize_text(w) for w in self.words]
        if self.kind == "phrase":
            return '"' + " ".join(words) + '"'
        if self.kind == "prefix":
            return '"' + words[0] + '"*'
        return " ".join(f'"{w}"' for w in words)

    def lucene(self) -> str:
        return " ".join(self.words)


def draw_queries(articles: list[Article], per_kind: int, seed: int = 9) -> list[BenchQuery]:
    """Queries drawn from the articles' text, words as written there (content words of 4+ letters).

    single: one word; two words: two words of one article, 3 to 9 words
    apart; phrase: two adjacent content words; prefix: the first 4 letters
    of a word's stem (of 5+ letters), then *.
    """
    rng = random.Random(seed)
    queries: list[BenchQuery] = []
    drawn: set[BenchQuery] = set()
    wanted = {kind: per_kind for kind in KINDS}

    def content(word: str) -> bool:
        return len(word) >= 4 and word.isalpha() and stem_or_none(word) is not None

    while any(wanted.values()):
        article = rng.choice(articles)
        tokens = [(article.body[start:end], word) for start, end, word in tokenize(article.body)]
        if len(tokens) < 30:
            continue
        kind = rng.choice([k for k in KINDS if wanted[k]])
        at = rng.randrange(len(tokens) - 12)
        written, word = tokens[at]
        if kind == "phrase":
            if not (content(word) and content(tokens[at + 1][1])):
                continue
            query = BenchQuery(kind, (written, tokens[at + 1][0]))
        elif not content(word):
            continue
        elif kind == "single":
            query = BenchQuery(kind, (written,))
        elif kind == "two words":
            other = next((w for w in tokens[at + 3:at + 10] if content(w[1])), None)
            if other is None:
                continue
            query = BenchQuery(kind, (written, other[0]))
        else:
            stem = stem_or_none(word)
            if len(stem) < 5:
                continue
            query = BenchQuery(kind, (stem[:4],))  # the start of a stem, as one types it
        if query not in drawn:
            drawn.add(query)
            queries.append(query)
            wanted[kind] -= 1
    return queries


class OursEngine:
    """search.Index in this process: top 10, snippets and highlights as the library returns them."""

    name = "ours"

    def __init__(self, index: Path):
        from search import Index

        self.index = Index(index)

    def search(self, query: BenchQuery) -> int:
        results = self.index.search(query.ours(), limit=10)
        return len(results.hits)


class OursColdEngine(OursEngine):
    """Ours with its caches dropped before each query: every posting list and document decoded again.

    The open reader stays (the files are open and in the OS page cache, as
    FTS5's are); what it measures is a query whose words and hits no
    earlier query brought into memory.
    """

    name = "ours, caches dropped"

    def search(self, query: BenchQuery) -> int:
        self.index.drop_caches()
        return super().search(query)


class OursNewIndexEngine(OursEngine):
    """A new ``search.Index`` for each query, caches dropped: what a library user opening an index for one call pays.

    The modules stay imported and the files in the OS page cache (as for
    a new FTS5 connection); the index is opened, its columns read and the
    query's postings and documents decoded anew.
    """

    name = "ours, new Index"

    def __init__(self, index: Path):
        from search import Index

        self.index_class = Index
        self.path = index

    def search(self, query: BenchQuery) -> int:
        index = self.index_class(self.path)
        index.drop_caches()
        return len(index.search(query.ours(), limit=10).hits)


class OursProcessEngine:
    """``cli.py search QUERY`` in a new process, output piped: a first search from the command line."""

    name = "ours, new process"

    def __init__(self, index: Path, seeds: Path):
        self.arguments = ["--index", str(index), "--seeds", str(seeds)]

    def search(self, query: BenchQuery) -> int:
        done = subprocess.run([PYTHON, str(CLI), "search", query.ours(), *self.arguments],
                              capture_output=True, text=True, check=False, env=USER_PROCESS_ENV)
        if done.returncode not in (0, 1):  # 1: no results
            raise RuntimeError(f"cli.py search {query.ours()!r}: {done.stderr.strip()}")
        return done.stdout.count("\n")


class StockWhooshEngine:
    """Stock Whoosh: its QueryParser over title and body, BM25F, and hit.highlights() for each hit."""

    name = "stock Whoosh"

    def __init__(self, index: Path):
        from whoosh import index as whoosh_index
        from whoosh.qparser import MultifieldParser

        self.ix = whoosh_index.open_dir(str(index))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["title", "body"], self.ix.schema)

    def search(self, query: BenchQuery) -> int:
        results = self.searcher.search(self.parser.parse(query.whoosh()), limit=10)
        for hit in results:
            hit.highlights("body")
        return len(results)


class Fts5Engine:
    """FTS5: MATCH on normalized text, ORDER BY rank (bm25), snippet() of the body."""

    name = "FTS5"
    SQL = ("SELECT id, title, snippet(docs, 2, '[', ']', '…', 30) FROM docs WHERE docs MATCH ? "
           "ORDER BY rank LIMIT 10")

    def __init__(self, database: Path):
        self.connection = sqlite3.connect(database)

    def search(self, query: BenchQuery) -> int:
        return len(self.connection.execute(self.SQL, (query.fts5(),)).fetchall())


class Fts5NewConnectionEngine(Fts5Engine):
    """A new FTS5 connection for each query: the peer of a new Index."""

    name = "FTS5, new connection"

    def __init__(self, database: Path):
        self.database = database

    def search(self, query: BenchQuery) -> int:
        connection = sqlite3.connect(self.database)
        try:
            return len(connection.execute(self.SQL, (query.fts5(),)).fetchall())
        finally:
            connection.close()


# A one-shot FTS5 search as a script would run it: connect, query, print the rows.
FTS5_ONE_SHOT = f"""
import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute({Fts5Engine.SQL!r}, (sys.argv[2],)):
    print(*row)
"""


class Fts5ProcessEngine:
    """FTS5_ONE_SHOT in a new Python process, output piped: the peer of a command-line search."""

    name = "FTS5, new process"

    def __init__(self, database: Path):
        self.database = database

    def search(self, query: BenchQuery) -> int:
        done = subprocess.run([PYTHON, "-c", FTS5_ONE_SHOT, str(self.database), query.fts5()],
                              capture_output=True, text=True, check=True, env=USER_PROCESS_ENV)
        return done.stdout.count("\n")


def time_engines(engines: list, queries: list[BenchQuery], rounds: int = 1) -> dict[str, dict[BenchQuery, float]]:
    """Each query on every engine, engines in rotating order, after one warm-up pass; median over rounds."""
    for engine in engines:
        for query in queries:
            engine.search(query)
    samples: dict[str, dict[BenchQuery, list[float]]] = {e.name: {q: [] for q in queries} for e in engines}
    for round_number in range(rounds):
        for number, query in enumerate(queries):
            shift = (number + round_number) % len(engines)
            for engine in engines[shift:] + engines[:shift]:
                started = time.perf_counter()
                engine.search(query)
                samples[engine.name][query].append(time.perf_counter() - started)
    return {name: {q: statistics.median(times) for q, times in per.items()} for name, per in samples.items()}


def latency_rows(timings: dict[str, dict[BenchQuery, float]], kinds=KINDS) -> list[list]:
    rows = []
    for kind in list(kinds) + ["all"]:
        row = [kind]
        for name, per_query in timings.items():
            values = [s for q, s in per_query.items() if kind == "all" or q.kind == kind]
            row += [ms(statistics.median(values)), ms(percentile(values, 0.95))]
        rows.append(row)
    return rows


# ----- child-process entry point ----------------------------------------------


def main(argv: list[str]) -> None:
    if len(argv) != 4 or argv[0] != "build" or argv[1] not in ("whoosh", "fts5"):
        sys.exit(__doc__)
    _, kind, seeds, target = argv
    if kind == "whoosh":
        build_stock_whoosh(Path(seeds), Path(target))
    else:
        build_fts5(Path(seeds), Path(target))


if __name__ == "__main__":
    main(sys.argv[1:])
