"""The command line: parse arguments, call the library, render with rich.

Exit codes: 0 ok, 1 no results, 2 usage or input error, 130 interrupted
(Ctrl-C). Library errors are turned into one line in one place
(``run_guarded``), Ctrl-C in another (``Commands.invoke``); ``--debug``
shows the traceback instead. A record without text is a warning and
leaves the exit code 0.
"""

from __future__ import annotations

import bisect
import json
import os
import re
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.segment import Segment, Segments
from rich.style import Style
from rich.text import Text

import search
from search.opensearch.errors import BackendError, ExportError
from search.query.language import parse_date
from search.store.index import default_index_dir

EXIT_OK, EXIT_NO_RESULTS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
BIDI_ENV = "ARABIC_SEARCH_BIDI"
# Terminals that apply the bidi algorithm themselves: reordering again would scramble them.
BIDI_TERMINALS = ("konsole", "mlterm", "wezterm")

# What drives a terminal instead of printing, in article text: whole escape
# sequences first (CSI, as in ESC[31m, colours and moves the cursor; OSC and
# the other strings, ended by BEL or ESC \, set the window title or a
# hyperlink; ESC c resets the terminal), then any other C0 or C1 control and
# DEL, the bidi embeddings, overrides and isolates (U+202E turns the rest of
# the line around, the id and score beside a title too), and the line and
# paragraph separators.
TERMINAL_CONTROLS = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
    r"|[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
# An article body longer than this (characters) is printed for the terminal to wrap:
# rich's own wrapping takes seconds per million characters.
LONG_BODY = 100_000
HIGHLIGHT_STYLE = "bold black on yellow"
WORD_SEPARATORS = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029")  # become a space: words stay apart

stdout = Console(highlight=False)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)  # one problem, one line

USER_ERRORS = (search.QueryError, search.IndexFolderError, search.SeedsError, OSError, ValueError,
               ExportError, BackendError)


class Failure(click.ClickException):
    """A one-line error with the project's usage exit code."""

    exit_code = EXIT_USAGE

    def show(self, file=None):
        click.echo(f"error: {self.message}", err=True)


def run_guarded(function, *args, **kwargs):
    """Call the library; turn its errors into one readable line (or a traceback with --debug)."""
    try:
        return function(*args, **kwargs)
    except USER_ERRORS as error:
        if click.get_current_context().find_root().params.get("debug"):
            raise
        raise Failure(str(error)) from None


# ----- terminal-safe text --------------------------------------------------


def terminal_text(text: str) -> str:
    """text as a terminal may print it: no escape sequences, controls or bidi overrides.

    A newline, tab or other separator becomes a space (one line stays one
    line: a newline in a title or a file name would forge the next line of
    output); every other control is dropped, an escape sequence whole.
    For the screen only: JSON keeps the text as stored.
    """
    return terminal_spans(text)[0]


def terminal_spans(text: str, spans=(), keep_newlines: bool = False) -> tuple[str, list[tuple[int, int]]]:
    """terminal_text(text), newlines kept if asked, and spans (offsets into text) moved to offsets into it."""
    pieces, removed = [], []  # removed: (start, end) in text, and where the replacement starts and ends in the result
    position = length = 0
    for control in TERMINAL_CONTROLS.finditer(text):
        found = control.group()
        replacement = found if keep_newlines and found == "\n" else " " if found in WORD_SEPARATORS else ""
        if replacement == found:
            continue
        pieces += [text[position:control.start()], replacement]
        length += control.start() - position
        removed.append((control.start(), control.end(), length, length + len(replacement)))
        length += len(replacement)
        position = control.end()
    if not removed:
        return text, list(spans)
    pieces.append(text[position:])
    starts = [start for start, _, _, _ in removed]

    def moved(offset: int) -> int:
        before = bisect.bisect_right(starts, offset) - 1
        if before < 0:
            return offset
        start, end, replaced_at, replaced_end = removed[before]
        return replaced_at if offset < end else replaced_end + offset - end

    kept = [(moved(start), moved(end)) for start, end in spans]
    return "".join(pieces), [(start, end) for start, end in kept if start < end]


def print_long_text(text: str, spans, style: str = HIGHLIGHT_STYLE) -> None:
    """Print a long text with spans highlighted, for the terminal to wrap (and reorder, if it can).

    Handed to rich as ready segments: a rich Text of a 50 MB article takes
    minutes to strip, split and wrap, these a tenth of a second.
    """
    text, spans = terminal_spans(text, spans, keep_newlines=True)
    highlight = Style.parse(style)
    segments, position = [], 0
    for start, end in spans:
        segments += [Segment(text[position:start]), Segment(text[start:end], highlight)]
        position = end
    segments.append(Segment(text[position:] + "\n"))
    stdout.print(Segments(segments), soft_wrap=True, end="")


# ----- right-to-left display ---------------------------------------------


def bidi_enabled(choice: str, machine_output: bool) -> bool:
    """Whether to reorder Arabic for display: never for JSON/TREC or a pipe, as chosen otherwise.

    ``auto`` reorders on a terminal unless it is one known to do bidi itself.
    """
    if machine_output or choice == "off":
        return False
    if choice == "on":
        return True
    if not sys.stdout.isatty():
        return False
    terminal = " ".join(os.environ.get(name, "") for name in ("TERM_PROGRAM", "TERM", "KONSOLE_VERSION"))
    return not any(name in terminal.lower() for name in BIDI_TERMINALS) and "KONSOLE_VERSION" not in os.environ


def visual(text: str) -> str:
    """Text shaped and reordered for a terminal that prints characters left to right."""
    import arabic_reshaper
    from bidi import get_display

    return "\n".join(get_display(arabic_reshaper.reshape(line)) for line in text.split("\n"))


def highlighted(text: str, spans, bidi: bool, style: str = HIGHLIGHT_STYLE,
                keep_newlines: bool = False) -> Text:
    """A rich Text of terminal_text(text) with spans highlighted, reordered for display when bidi is on.

    With bidi, the text is first wrapped in logical order to the terminal's
    width and each line is then reordered on its own: reordering first and
    letting the terminal wrap would show the end of a paragraph first.
    """
    text, spans = terminal_spans(text, spans, keep_newlines)
    if not bidi:
        result = Text(text)
        for start, end in spans:
            result.stylize(style, start, end)
        return result
    lines = []
    for line_start, line_end in wrap_logical(text, max(20, stdout.width - 2)):
        shown = visual(text[line_start:line_end])
        line = Text(shown, no_wrap=True)
        for start, end in spans:
            if start < line_end and end > line_start:
                word = visual(text[max(start, line_start):min(end, line_end)])
                position = shown.find(word)
                if position >= 0:
                    line.stylize(style, position, position + len(word))
        lines.append(line)
    joined = Text("\n").join(lines)
    joined.justify = "right"  # right-to-left text reads from the right margin
    return joined


def wrap_logical(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) of each line when text is wrapped at word boundaries to width characters."""
    lines = []
    line_start = line_end = None
    for word in re.finditer(r"\S+", text):
        newline = line_end is not None and "\n" in text[line_end:word.start()]
        if line_start is None:
            line_start = word.start()
        elif newline or word.end() - line_start > width:
            lines.append((line_start, line_end))
            line_start = word.start()
        line_end = word.end()
    if line_start is not None:
        lines.append((line_start, line_end))
    return lines


def plain(text: str, bidi: bool) -> str:
    """Short text (a title, a word) for display: terminal_text, reordered when bidi is on."""
    text = terminal_text(text)
    return visual(text) if bidi else text


# ----- commands -----------------------------------------------------------

BIDI_OPTION = click.option(
    "--bidi", type=click.Choice(["auto", "on", "off"]), default=lambda: os.environ.get(BIDI_ENV, "auto"),
    show_default="auto, or $" + BIDI_ENV,
    help="Reorder Arabic for terminals without bidi support (on), or print logical order (off).",
)
INDEX_OPTION = click.option(
    "--index", "index_dir", type=click.Path(path_type=Path), default=None,
    help=f"Index folder (default: ${search.store.index.INDEX_ENV} or ./.index).",
)
SEEDS_OPTION = click.option(
    "--seeds", "seeds_dir", type=click.Path(path_type=Path), default=None,
    help="Seeds folder. Default: the folder the index was built from; for a new index "
         f"${search.store.index.SEEDS_ENV} or ./seeds. Only 'index --seeds' switches an index to another folder.",
)


class Commands(click.Group):
    """The command group; Ctrl-C ends any command with one line and exit code 130 (click says "Aborted!", 1)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            if ctx.params.get("debug"):
                raise
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show a traceback instead of a one-line error.")
def main(debug):
    """Arabic full-text search over news articles.

    \b
    python cli.py index                      build or update the index from ./seeds
    python cli.py search "مدرسة"              find مدرسة, المدرسة, بالمدرسةِ, مدارس? no: same stem only
    python cli.py search '"مجلس الوزراء"'     a phrase
    python cli.py show ID                    a whole article
    """


@main.command()
@SEEDS_OPTION
@INDEX_OPTION
@click.option("--full", is_flag=True, help="Rebuild from scratch; the old index stays searchable until done.")
@click.option("--follow-links/--no-follow-links", default=None,
              help="Read files that links in the seeds folder point to outside it (remembered; default: no).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def index(seeds_dir, index_dir, full, follow_links, as_json):
    """Build or update the index from its seeds folder (only changed files are read).

    An index remembers the folder it was built from; give --seeds again
    only to switch it to another folder.

    Example: python cli.py index --seeds seeds --index .index
    """
    engine = open_index(index_dir)
    summary = _update_with_progress(engine, seeds_dir, full, follow_links)
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        _print_summary(engine, summary)
    if summary.errors:
        sys.exit(EXIT_USAGE)


def open_index(index_dir: Path | None) -> search.Index:
    return search.Index(index_dir or default_index_dir())


def _update_with_progress(engine, seeds_dir: Path | None, full: bool = False, follow_links: bool | None = None):
    """engine.update with a progress bar on stderr."""
    with _progress_bar() as progress:
        return run_guarded(engine.update, seeds_dir, full=full, progress=progress, follow_links=follow_links)


def _refresh_with_progress(engine, seeds_dir: Path | None, quiet: bool = False):
    """engine.refresh (bring the index in step before reading) with a progress bar.

    Its note (why nothing was updated) is always printed; the update's
    summary only when ``quiet`` is off (machine output keeps stderr for the unusual).
    """
    with _progress_bar() as progress:
        freshness = run_guarded(engine.refresh, seeds_dir, progress)
    if freshness.note:
        stderr.print(freshness.note, markup=False)
    if freshness.summary is not None and not quiet:
        _print_summary(engine, freshness.summary)
    return freshness


@contextmanager
def _progress_bar():
    """A transient progress bar on stderr (only on a terminal); gives the callback an update takes.

    Not a terminal: a callback that does nothing, and rich.progress is not
    even imported (a piped search is most often the first of its process).
    """
    if not stderr.is_terminal:
        yield lambda done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TextColumn("files"), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task("index", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _print_summary(engine, summary) -> None:
    """What an update did, in a few lines on stderr: new errors one per line, warnings counted.

    Problems reported by an earlier update and still there are not
    printed again, only counted ("stats --problems" lists them all).
    """
    if summary.switched_from:
        stderr.print(f"{engine.path} now follows {summary.seeds} (was {summary.switched_from})", markup=False)
    if summary.rebuilt_because:
        stderr.print(f"rebuilt {engine.path}: {summary.rebuilt_because}", markup=False)
    if summary.up_to_date and not summary.full:
        stderr.print(f"index up to date ({summary.unchanged} articles, {summary.seconds:.2f}s)")
    else:
        stderr.print(
            f"{'built' if summary.created else 'rebuilt' if summary.full else 'updated'}: {summary.added} added, {summary.updated} updated, "
            f"{summary.removed} removed, {summary.unchanged} unchanged in {summary.seconds:.2f}s"
        )
    new = summary.new_problems
    for problem in new:
        if problem.is_error:
            stderr.print(f"skipped {_where(problem)}: {terminal_text(problem.reason)}", markup=False)
    warnings = [problem for problem in new if not problem.is_error]
    if warnings:
        kinds = ", ".join(f"{count} × {kind}" for kind, count in Counter(map(problem_kind, warnings)).most_common())
        stderr.print(f"{len(warnings)} warning{'s' * (len(warnings) != 1)} ({kinds}): "
                     "'stats --problems' lists them", markup=False)
    known = len(summary.problems) - len(new)
    if known:
        errors = sum(problem.is_error for problem in summary.problems if problem not in new)
        stderr.print(f"{known} problem{'s' * (known != 1)} known from earlier runs"
                     f"{f' ({errors} error' + 's' * (errors != 1) + ')' if errors else ''}: "
                     "'stats --problems' lists them", markup=False)


def _where(problem) -> str:
    """file:line of a problem, safe to print: a file name may hold a newline or an escape sequence."""
    return terminal_text(problem.path) + (f":{problem.line}" if problem.line else "")


def problem_kind(problem) -> str:
    """A problem's reason without what is particular to it, to count alike ones together.

    "record 539 has no text" -> "record has no text"; "duplicate id 'x'
    (already indexed from a.jsonl); skipped" -> "duplicate id".
    """
    kind = re.sub(r"\brecord \d+", "record", terminal_text(problem.reason))
    return re.split(r" ?['(,;]", kind, maxsplit=1)[0].strip()


def _date_option(value: str | None, end: bool):
    if not value:
        return None
    return run_guarded(parse_date, value, None, end)


@main.command(name="search")
@click.argument("query", required=False)
@INDEX_OPTION
@SEEDS_OPTION
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="Hits per page.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Page number.")
@click.option("--since", help="Only articles dated on or after (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", help="Only articles dated on or before.")
@click.option("--source", help="Only articles of this source.")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object (one per line with --batch).")
@click.option("--trec", is_flag=True, help="With --batch: a TREC run (qid Q0 docid rank score tag).")
@click.option("--batch", type=click.File("r", encoding="utf-8"), help="Queries from FILE: qid<TAB>query per line.")
@click.option("--explain", is_flag=True, help="Show which query term matched which original word, and why.")
@click.option("--time-limit", default=10.0, show_default=True, type=float, help="Seconds per query.")
@click.option("--backend", type=click.Choice(["local", "opensearch"]), default="local", show_default=True,
              help="Search the local index, or a cluster loaded from 'export opensearch'.")
@click.option("--url", help="With --backend opensearch: the cluster and index or alias, "
                            "e.g. http://localhost:9200/arabic-search.")
@BIDI_OPTION
def search_command(query, index_dir, seeds_dir, limit, page, since, until, source, sort, as_json, trec,
                   batch, explain, time_limit, backend, url, bidi):
    """Search the index. The syntax (see README): words, "phrases", «phrases», OR/أو,
    AND/وأيضا, NOT/بدون, -word, +word, كتا*, مدرسه~, =exact, title:, source:, date:.

    \b
    Examples:
      python cli.py search "مدرسة"
      python cli.py search "السعودية أو مصر" --since 2015-08
      python cli.py search "title:داعش" --sort date --json
    """
    if (query is None) == (batch is None):
        raise click.UsageError("give a QUERY or --batch FILE")
    if trec and not batch:
        raise click.UsageError("--trec goes with --batch")
    if (backend == "opensearch") != (url is not None):
        raise click.UsageError("--backend opensearch and --url URL go together")
    if backend == "opensearch":
        from search.opensearch.backend import OpenSearchBackend

        engine = run_guarded(OpenSearchBackend, url)
    else:
        engine = open_index(index_dir)
        _refresh_with_progress(engine, seeds_dir, quiet=as_json or trec)
    options = dict(limit=limit, page=page, since=_date_option(since, False), until=_date_option(until, True),
                   source=source, sort=sort, time_limit=time_limit)
    if batch:
        run_guarded(_search_batch, engine, batch, options, as_json, trec, explain)
        return
    results = run_guarded(engine.search, query, **options)
    if as_json:
        click.echo(json.dumps(results.to_dict(explain), ensure_ascii=False))
    else:
        _render_results(results, explain, bidi_enabled(bidi, False))
    if not results.hits:
        sys.exit(EXIT_NO_RESULTS)


def _search_batch(engine, lines, options, as_json, trec, explain):
    """One query per line (qid<TAB>query, or a bare query numbered by line)."""
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        qid, _, text = line.partition("\t") if "\t" in line else (str(number), "", line)
        try:
            results = engine.search(text, **options)
        except search.QueryError as error:
            results = engine.search(text, plain=True, **options)
            stderr.print(f"query {qid}: {error}; searched as plain words", markup=False)
        if trec:
            for row in search.trec_lines(qid, results):
                click.echo(row)
        elif as_json:
            click.echo(json.dumps({"qid": qid, **results.to_dict(explain)}, ensure_ascii=False))
        else:
            stdout.rule(Text(terminal_text(f"{qid}: {text}")))
            _render_results(results, explain, False)


def _render_results(results, explain: bool, bidi: bool) -> None:
    """Hits as a readable list: rank, title, source, date, score, highlighted snippet."""
    header = f"{results.total:,} results" + (f", page {results.page}" if results.page > 1 else "")
    tiers = (f" ({results.total_all:,} match every word · {results.total_some:,} match some)"
             if results.total_all is not None else "")
    stdout.print(f"[bold]{header}[/]{tiers} in {results.seconds * 1000:.0f} ms")
    for note in results.notes:
        stdout.print(Text(terminal_text(note), style="yellow"))
    if results.partial:
        stdout.print("[yellow]time limit reached: results may be incomplete[/]")
    if results.suggestion:
        stdout.print(Text("did you mean: ") + Text(plain(results.suggestion, bidi), style="bold cyan"))
    for hit in results.hits:
        meta = " · ".join(part for part in (hit.source, hit.date and hit.date.date().isoformat(),
                                             f"score {hit.score:.2f}") if part)
        stdout.print(Text(terminal_text(f"{hit.rank}. [{hit.id}]  {meta}"), style="dim"))
        stdout.print(highlighted(hit.title, (), bidi), style="bold")
        stdout.print(highlighted(hit.snippet, hit.highlights, bidi))
        if explain:
            for match in hit.matches:
                stdout.print(Text("   ") + Text(plain(match.term, bidi), style="cyan") + Text(" → ")
                             + Text(plain(match.original, bidi), style="yellow") + Text(f"  ({match.rule})",
                                                                                         style="dim"))
        stdout.print()
    if results.facets:
        stdout.print(Text(terminal_text("by source: " + ", ".join(f"{name} {count}"
                                                                  for name, count in results.facets.items()))))


@main.command()
@click.argument("article_id")
@INDEX_OPTION
@SEEDS_OPTION
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="Articles per page.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Page number.")
@click.option("--exclude-duplicates", is_flag=True,
              help="Leave out the same story as printed by another paper (nearly the same words).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, as search --json, with the article's id.")
@BIDI_OPTION
def similar(article_id, index_dir, seeds_dir, limit, page, exclude_duplicates, as_json, bidi):
    """Articles related to one article: those sharing its most distinctive words.

    Example: python cli.py similar 000_8a7e0e5c3f8f0a9f.txt --exclude-duplicates
    """
    engine = open_index(index_dir)
    run_guarded(engine.check_seeds, seeds_dir)
    results = run_guarded(engine.similar, article_id, limit=limit, page=page, exclude_duplicates=exclude_duplicates)
    if results is None:
        raise Failure(f"no article with id {article_id!r}")
    if as_json:
        click.echo(json.dumps({"id": article_id, **results.to_dict()}, ensure_ascii=False))
    else:
        use_bidi = bidi_enabled(bidi, False)
        stdout.print(Text("looked for: ", style="dim") + Text(plain(results.query, use_bidi), style="cyan"))
        _render_results(results, False, use_bidi)
    if not results.hits:
        sys.exit(EXIT_NO_RESULTS)


@main.command()
@click.argument("article_id")
@click.option("--query", "-q", help="Highlight this query's matches.")
@INDEX_OPTION
@SEEDS_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
@BIDI_OPTION
def show(article_id, query, index_dir, seeds_dir, as_json, bidi):
    """Print one whole article, highlighted for an optional query.

    Example: python cli.py show 000_8a7e0e5c3f8f0a9f.txt -q "داعش"
    """
    engine = open_index(index_dir)
    run_guarded(engine.check_seeds, seeds_dir)
    article = run_guarded(engine.article, article_id, query)
    if article is None:
        raise Failure(f"no article with id {article_id!r}")
    if as_json:
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False))
        return
    use_bidi = bidi_enabled(bidi, False)
    stdout.print(Text(plain(article.title, use_bidi), style="bold"))
    meta = " · ".join(str(v) for v in (article.source, article.date, article.url) if v)
    stdout.print(Text(terminal_text(meta), style="dim"))
    stdout.print()
    if len(article.body) > LONG_BODY:
        print_long_text(article.body, article.highlights)
    else:
        stdout.print(highlighted(article.body, article.highlights, use_bidi, keep_newlines=True))


@main.command()
@INDEX_OPTION
@SEEDS_OPTION
@click.option("--problems", "list_problems", is_flag=True,
              help="List what the last update could not read or passed over, one per line.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats(index_dir, seeds_dir, list_problems, as_json):
    """Documents, sources, date range, seeds folder, index size and last update.

    Example: python cli.py stats --problems
    """
    engine = open_index(index_dir)
    run_guarded(engine.check_seeds, seeds_dir)
    if list_problems:
        problems = run_guarded(engine.problems)
        if as_json:
            click.echo(json.dumps([problem.__dict__ for problem in problems], ensure_ascii=False))
        for problem in [] if as_json else problems:
            click.echo(f"{_where(problem)}: {problem.severity}: {terminal_text(problem.reason)}")
        return
    figures = run_guarded(engine.stats)
    if as_json:
        click.echo(json.dumps(figures.__dict__, ensure_ascii=False))
        return
    rows = [("index", figures.path),
            ("seeds", (figures.seeds or "-") + (" (missing)" if figures.seeds_missing else ""))]
    if figures.format != search.store.index.FORMAT_VERSION:
        rows.append(("format", f"{figures.format} (this version writes {search.store.index.FORMAT_VERSION}: "
                               "'index' rebuilds it)"))
    rows += [
        ("documents", str(figures.documents)),
        ("dates", f"{figures.first_date or '-'} .. {figures.last_date or '-'}"),
        ("size", f"{figures.size_bytes / 1e6:.1f} MB in {figures.segments} segment(s)"),
        ("last update", figures.last_update),
        ("problems", f"{figures.errors} errors, {figures.warnings} warnings"
                     + (" ('stats --problems' lists them)" if figures.errors + figures.warnings else "")),
        ("sources", ", ".join(f"{name} {count}" for name, count in figures.sources.items()) or "-"),
    ]
    for name, value in rows:  # plain lines: a path is never wrapped, and grep finds what it looks for
        click.echo(f"{name:<12} {terminal_text(value)}")


@main.command()
@click.argument("text")
def normalize(text):
    """Print TEXT normalized (diacritics stripped, letter forms unified).

    Example: python cli.py normalize "مَدْرَسَةٌ أَحْمَد ٢٠١٥"
    """
    click.echo(search.normalize(text).text)


@main.command()
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per token.")
@BIDI_OPTION
def analyze(text, as_json, bidi):
    """Show each token of TEXT: original form, offsets, normalized form, stem.

    Example: python cli.py analyze "وبالمدرسةِ الجديدة"
    """
    tokens = search.analyze(text)
    if as_json:
        for token in tokens:
            click.echo(json.dumps(token.__dict__, ensure_ascii=False))
        return
    from rich.table import Table

    use_bidi = bidi_enabled(bidi, False)
    table = Table("#", "original", "start", "end", "normalized", "stem")
    for token in tokens:
        table.add_row(str(token.position), plain(token.original, use_bidi), str(token.start), str(token.end),
                      plain(token.normalized, use_bidi), plain(token.stem, use_bidi) if token.stem else "(stopword)")
    stdout.print(table)


@main.command()
@INDEX_OPTION
@SEEDS_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (localhost only by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--watch", is_flag=True, help="Update the index in the background when seed files change.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Server processes sharing the port  [default: the machine's cores]")
def serve(index_dir, seeds_dir, host, port, watch, workers):
    """Serve the search page and the JSON API (read-only) at http://HOST:PORT/.

    The index is updated first when it is missing or a file of its seeds
    folder changed; --watch keeps it in step. One process searches on one
    core at a time, so by default there are as many worker processes as
    cores, each with its own caches, all reading the same index files
    (the OS keeps one copy of them in memory). With --watch one process
    updates the index and every worker reopens it once committed. Needs
    the web extra: pip install -e '.[web]'.

    Example: python cli.py serve --watch   (then open http://127.0.0.1:8000/)
    """
    try:
        import uvicorn

        from search.web.app import APP_ENV, WATCH_INTERVAL, SeedsWatcher, app_settings, create_app, host_names_for
    except ImportError as error:
        raise Failure(f"the web server needs {error.name or 'fastapi'}: pip install -e '.[web]'") from None
    engine = open_index(index_dir)
    _refresh_with_progress(engine, seeds_dir)
    seeds = engine.seeds_dir()
    if watch and (seeds is None or not seeds.is_dir()):
        raise Failure(f"the seeds folder {seeds} of {engine.path} does not exist: nothing to watch")
    workers = workers or os.cpu_count() or 1
    stderr.print(f"serving {engine.path} on http://{host}:{port}/ with {workers} worker"
                 f"{'s' if workers > 1 else ''} (JSON API under /api/, docs at /docs)")
    if workers == 1:
        uvicorn.run(create_app(engine.path, watch=watch, allowed_hosts=host_names_for(host)), host=host,
                    port=port, log_level="info")
        return
    # Each worker process builds its own app from the environment; this process only watches.
    os.environ[APP_ENV] = app_settings(engine.path, host_names_for(host))
    watcher = SeedsWatcher(engine, seeds, WATCH_INTERVAL) if watch else None
    if watcher:
        watcher.start()
    try:
        uvicorn.run("search.web.app:app_from_environment", factory=True, workers=workers, host=host, port=port,
                    log_level="info")
    finally:
        if watcher:
            watcher.stop()
            watcher.join(timeout=5)


@main.group()
def export():
    """Export the index for another engine (see docs/scale-out.md).

    Example: python cli.py export opensearch --out export
    """


@export.command(name="opensearch")
@INDEX_OPTION
@SEEDS_OPTION
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Folder to write; files of an earlier export in it are replaced.")
@click.option("--shards", default=1, show_default=True, type=click.IntRange(1, 1024), help="Primary shards.")
@click.option("--replicas", default=1, show_default=True, type=click.IntRange(0, 64), help="Replicas of each shard.")
@click.option("--chunk-mb", default=10.0, show_default=True, type=click.FloatRange(0.01, 1000),
              help="Largest bulk file, in MB (10^6 bytes).")
@click.option("--changes-since", "base_dir", type=click.Path(path_type=Path),
              help="An earlier export folder: write only bulk deletes and updates for what changed since.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def export_opensearch_command(index_dir, seeds_dir, out_dir, shards, replicas, chunk_mb, base_dir, as_json):
    """Write index.json, stem rules, bulk files and a search template for OpenSearch / Elasticsearch.

    \b
    Examples:
      python cli.py export opensearch --out export --shards 1 --replicas 2
      python cli.py export opensearch --out changes --changes-since export
    """
    from search.opensearch.export import export_changes, export_opensearch

    engine = open_index(index_dir)
    run_guarded(engine.check_seeds, seeds_dir)
    if base_dir is not None:
        summary = run_guarded(export_changes, engine, base_dir, out_dir, chunk_mb)
    else:
        summary = run_guarded(export_opensearch, engine, out_dir, shards, replicas, chunk_mb)
    if as_json:
        click.echo(json.dumps(summary.__dict__, ensure_ascii=False))
        return
    rules = f", {summary.rules:,} stem rules in {summary.rules_file}" if summary.rules_file else ""
    stderr.print(f"exported {summary.documents:,} articles, {summary.deleted:,} deletions in "
                 f"{len(summary.chunks)} bulk file(s){rules}: {summary.bytes / 1e6:.1f} MB in {summary.out} "
                 f"({summary.seconds:.1f}s)", markup=False)


if __name__ == "__main__":
    main()
