"""Seed files in, articles out: formats, encodings and the problems found.

A seeds folder is whatever people drop into it: plain text and Markdown
articles, JSON and JSON Lines dumps (SaudiNewsNet, ARCD), files saved by
old Windows tools in Windows-1256, stray images and editor leftovers. This
stage turns each file into Articles and says, as a Problem, what it could
not use and why; a bad file never stops the run, and nothing here raises
for one.

Formats (by extension, case-insensitive):

- .txt, .md: one article; the first non-empty line is the title (for .md
  without its leading #), the rest is the body; the id is the path.
- .json: one record or an array of records; .jsonl: one record per line,
  read line by line so a large dump stays within bounded memory, and read
  on from where an earlier read ended when lines were only appended
  (JsonlCursor, open_appended).

Encodings, tried in this order: a BOM (UTF-8, UTF-16 LE/BE), strict UTF-8,
then Windows-1256 only when the result looks like Arabic (see
looks_arabic): cp1256 maps every byte to some character, so without that
test any binary file would "decode".

What is read is checked, since a seeds folder may be filled by someone
else: only regular files, opened without blocking and checked again when
opened (a FIFO or a device is a Problem, not a hang); no link out of the
seeds folder unless asked (follow_links); no name that is not UTF-8. What
is stored can always be encoded and shown: stray control characters are
dropped, lone surrogates become U+FFFD, and a JSON text nested too deep or
with too long a number is refused (MAX_JSON_DEPTH, MAX_NUMBER_LENGTH).
"""

from __future__ import annotations

import codecs
import datetime
import errno
import fnmatch
import hashlib
import io
import json
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

TEXT_SUFFIXES = (".txt", ".md")
RECORD_SUFFIXES = (".json", ".jsonl")
SEED_SUFFIXES = TEXT_SUFFIXES + RECORD_SUFFIXES

# Folders below the seeds folder are entered this deep at most: walk recurses once per level (past
# Python's recursion limit, near 1,000, scan would raise), and archives go year/month/day, 3 deep.
MAX_FOLDER_DEPTH = 64

# Left behind by editors next to the files being edited: never seeds, never worth a warning.
EDITOR_LEFTOVERS = (
    "*~",  # Emacs, gedit and nano backups
    "*.swp",  # Vim swap file
    "*.swo",  # Vim second swap file
    "#*#",  # Emacs auto-save
    ".#*",  # Emacs lock file (hidden anyway; listed for the reader)
)

NOT_TEXT = "not UTF-8, UTF-16 or Windows-1256 text"
EMPTY = "empty file"
# A link out of the seeds folder would index (and serve) any file the user can read, /etc/passwd or
# ~/.ssh included, from a folder someone else filled: it takes asking for it.
OUTSIDE_LINK = "link to a path outside the seeds folder, not followed; --follow-links reads it"

# Checked before any guessing: a BOM says what the writer meant.
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),  # UTF-32 LE shares it; its NULs are refused later
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# C0 controls other than \t \n \r. A few are strays in real text, dropped from what is indexed
# (a pair of SUBSTITUTE, \x1a, opens paragraphs in 92 SaudiNewsNet articles); a NUL or many of
# them make a binary file, or UTF-16 without its BOM.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
CONTROL_BYTES = bytes(range(0x20)).translate(None, b"\t\n\r")  # the same, as bytes of UTF-8 or cp1256

# JSON escapes rewritten before parsing, so that no string of a record holds what the index must not:
# a control (\b, \f, \u0000-\u001f but \t \n \r) is dropped as a raw one is, and a surrogate that is
# not half of a pair becomes U+FFFD (a lone one cannot be encoded: every page showing it would fail).
JSON_ESCAPE = re.compile(r"\\(?:[bf]|u(?:00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F])|[dD][89a-fA-F][0-9a-fA-F]{2}))")
HIGH_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}")  # first half of a pair (U+D800-U+DBFF)
LOW_SURROGATE_ESCAPE = re.compile(r"\\u[dD][c-fC-F][0-9a-fA-F]{2}")  # second half (U+DC00-U+DFFF)

# Limits on a JSON text, checked as it is parsed: past one, the .json file or the .jsonl line is an
# error, as invalid JSON is, instead of a RecursionError or a ValueError naming no file.
MAX_JSON_DEPTH = 64  # levels of arrays and objects from the top (a .jsonl record, a .json array); records have 1-3
MAX_NUMBER_LENGTH = 100  # characters of a number; int() costs time quadratic in its digits, raises past 4,300
TOO_DEEP = f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
TOO_LONG = f"JSON number longer than {MAX_NUMBER_LENGTH} characters"

# Share of a text's characters that may be stray controls, plus one (a short note ending in a DOS
# end-of-file \x1a). The worst SaudiNewsNet article has 1.2% (26 in 2,225 characters); random
# bytes have 11%, UTF-16 without BOM read as UTF-8 up to 50%.
MAX_CONTROL_SHARE = 0.05

# UTF-8 with at most this share of its non-ASCII characters broken is UTF-8
# with a few bad bytes, not another encoding: Windows-1256 Arabic read as
# UTF-8 breaks at nearly every non-ASCII byte, real UTF-8 at a damaged one.
MAX_INVALID_UTF8_SHARE = 0.1

# Share of the non-ASCII letters that must be Arabic for a cp1256 reading to be
# believed. Real Arabic text is ~100%; Latin-1 French is 0%; random high bytes
# read as cp1256 give ~74% (49 Arabic letters against 17 accented Latin ones).
MIN_ARABIC_SHARE = 0.9

NOT_BLANK = re.compile(r"\S")

# Text fields of a record, in order of preference.
TITLE_FIELD = "title"
BODY_FIELDS = ("content", "text", "body")  # SaudiNewsNet: content; ARCD: text
DATE_FIELDS = ("date", "date_extracted", "published")  # SaudiNewsNet: date_extracted

HASH_CHUNK = 1 << 20
BINARY_PROBE = 8192  # first bytes of a .jsonl file searched for a NUL: one there refuses the whole file

# What a seed turned out to be when opened, if not a regular file (by stat.S_IFMT).
SPECIAL_FILES = {
    stat.S_IFIFO: "FIFO",  # the open waits for a writer (O_NONBLOCK: it does not), the read for data
    stat.S_IFCHR: "character device",  # /dev/zero, /dev/urandom: a read that never ends
    stat.S_IFBLK: "block device",  # a whole disk
}


@dataclass(frozen=True)
class Article:
    """One searchable document, as found in a seed file."""

    id: str  # stable across runs: the record's id or url, else path or path#n
    title: str
    body: str
    path: str  # of the seed file, relative to the seeds folder, "/" separators
    url: str | None = None
    date: datetime.datetime | None = None  # naive: the wall-clock time the source printed
    source: str | None = None
    author: str | None = None


# How bad a Problem is. An error: a file or record that could not be read or
# parsed, so articles the user meant to index are missing (``index`` exits 2).
# A warning: something passed over on purpose or kept with a small loss (a
# record without text, an unknown file type, a date that did not parse).
ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """Something in the seeds that was skipped or half-used, and why (one line)."""

    path: str
    reason: str
    line: int | None = None  # 1-based line of the file, when known
    severity: str = ERROR  # ERROR or WARNING

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


@dataclass(frozen=True)
class SeedFile:
    """A seed file with what an incremental index needs to see it changed."""

    path: str
    size: int
    mtime_ns: int


@dataclass
class JsonlCursor:
    """How far a read of a .jsonl file got: the bytes of the lines read, their hash, the last line, the next record.

    An update keeps it with the file; when the file has only grown since,
    open_appended reads on from it, so that appending a line to a dump of
    a million records costs that line, not the million.
    """

    offset: int = 0  # bytes read, up to the end of the last line read
    line: int = 0  # number of the last line read (1-based)
    record: int = 0  # index of the next record: the n-th non-blank line, bad ones included
    hasher: Any = field(default_factory=hashlib.sha256, repr=False, compare=False)  # sha256 of the bytes read

    def read(self, raw: bytes, number: int) -> None:
        """Count one more line, as bytes of the file."""
        self.offset += len(raw)
        self.line = number
        self.hasher.update(raw)

    def to_json(self) -> dict:
        """What open_appended needs to read on from here."""
        return {"offset": self.offset, "line": self.line, "record": self.record, "sha256": self.hasher.hexdigest()}


class SeedsError(Exception):
    """The seeds folder itself is unusable: no single file is to blame."""


class JSONLimitError(ValueError):
    """A JSON text past MAX_JSON_DEPTH or MAX_NUMBER_LENGTH: refused as invalid JSON is."""


class LinkOutside(OSError):
    """open_seed will not read a link out of the seeds folder: passed over on purpose (a warning)."""


# ---------------------------------------------------------------- scanning


def scan(seeds_dir: Path, *, follow_links: bool = False) -> tuple[list[SeedFile], list[Problem]]:
    """All seed files below seeds_dir, sorted by path, and what was passed over.

    Unknown extensions, unreadable folders, broken links, links out of
    seeds_dir (unless follow_links) and folders reached twice through
    symlinks (loops included) are Problems; hidden entries and editor
    leftovers are skipped silently.
    """
    seeds_dir = Path(seeds_dir)
    try:
        mode = os.stat(seeds_dir).st_mode  # Path.exists raises PermissionError below a folder we cannot enter
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            raise SeedsError(f"seeds folder {seeds_dir} does not exist") from None
        raise SeedsError(f"seeds folder {seeds_dir}: {error.strerror}") from None
    if not stat.S_ISDIR(mode):
        raise SeedsError(f"seeds folder {seeds_dir} is not a folder")
    files: list[SeedFile] = []
    problems: list[Problem] = []
    root = Path(os.path.realpath(seeds_dir))
    walk(seeds_dir, "", {root: ""}, [root], None if follow_links else str(root), files, problems)
    files.sort(key=lambda seed: seed.path)
    return files, problems


def walk(folder: Path, prefix: str, seen: dict[Path, str], ancestors: list[Path], inside: str | None,
         files: list[SeedFile], problems: list[Problem]) -> None:
    """Collect the seed files of folder; prefix is its relative path ("" or "a/b/").

    seen maps every resolved folder visited to its relative path, so a
    symlinked folder is entered once: a link back to an ancestor is a loop,
    any other is a second way to the same files (their ids would clash).
    A link whose target resolves outside the folder inside is not followed
    (inside None: links are followed anywhere). A name that is not UTF-8
    is a Problem shown with its bytes escaped, never a path handed on.
    """
    try:
        with os.scandir(folder) as iterator:
            entries = sorted(iterator, key=lambda entry: entry.name)
    except OSError as error:
        problems.append(Problem(prefix.rstrip("/") or ".", f"unreadable folder: {error.strerror}"))
        return
    for entry in entries:
        if is_ignored(entry.name):
            continue
        relative = prefix + printable_name(entry.name)
        utf8_name = relative == prefix + entry.name
        if inside is not None and leads_outside(entry, inside):
            problems.append(Problem(relative, OUTSIDE_LINK, severity=WARNING))
            continue
        try:
            is_folder = entry.is_dir()  # follows links: raises for a loop of links (a -> b -> a)
        except OSError:
            is_folder = False
        if is_folder:
            if not utf8_name:
                problems.append(Problem(relative, "folder name is not UTF-8, not entered; rename it"))
                continue
            if relative.count("/") >= MAX_FOLDER_DEPTH:
                problems.append(Problem(relative, f"folder nested deeper than {MAX_FOLDER_DEPTH} levels, not entered"))
                continue
            resolved = Path(os.path.realpath(entry.path))  # unlike Path.resolve (3.11), never raises for a loop
            if resolved in seen:
                problems.append(Problem(relative, folder_seen_reason(resolved, seen, ancestors), severity=WARNING))
                continue
            seen[resolved] = relative
            walk(Path(entry.path), relative + "/", seen, ancestors + [resolved], inside, files, problems)
        elif not is_regular_file(entry):
            problems.append(dangling_problem(relative, entry.path))
        elif not has_seed_suffix(entry.name):
            problems.append(Problem(relative, f"unknown file type {suffix_label(entry.name)}, ignored", severity=WARNING))
        elif not utf8_name:
            problems.append(Problem(relative, "file name is not UTF-8, not read; rename it"))
        else:
            try:
                info = entry.stat()
            except OSError as error:
                problems.append(Problem(relative, f"cannot read: {error.strerror}"))
                continue
            files.append(SeedFile(relative, info.st_size, info.st_mtime_ns))


def printable_name(name: str) -> str:
    """name as a Problem shows it: bytes that are not UTF-8 written as \\xff.

    os.scandir keeps such a byte as a lone surrogate (\\udcff), which no
    manifest, Whoosh field or terminal can encode.
    """
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def leads_outside(entry: os.DirEntry, folder: str) -> bool:
    """True if entry is a link whose target, resolved to the end of any chain of links, is not in folder."""
    try:
        if not entry.is_symlink():
            return False
    except OSError:
        return False
    return not is_inside(os.path.realpath(entry.path), folder)


def is_inside(path: str, folder: str) -> bool:
    """True if the resolved path is folder or below it (both absolute and resolved)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def is_regular_file(entry: os.DirEntry) -> bool:
    """entry.is_file() following links, False where the link cannot be followed."""
    try:
        return entry.is_file()
    except OSError:
        return False


def dangling_problem(relative: str, path: str) -> Problem:
    """An entry that is neither file nor folder: a broken or looping link (an error: a file meant
    to be read is not), or a socket, a FIFO, a device (a warning: never a seed)."""
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return Problem(relative, "symlink loop, ignored")  # a link to itself, or links pointing at each other
        return Problem(relative, f"broken symlink ({error.strerror}), ignored")
    return Problem(relative, "not a regular file, ignored", severity=WARNING)


def folder_seen_reason(resolved: Path, seen: dict[Path, str], ancestors: list[Path]) -> str:
    """Why a symlinked folder is not entered: a loop, or a folder already indexed."""
    first = seen[resolved] or "."
    if resolved in ancestors:
        return f"symlink loop back to {first}, not followed"
    return f"same folder as {first}, not followed"


def is_ignored(name: str) -> bool:
    """Hidden entries (.git, .DS_Store) and editor leftovers: not seeds, not problems."""
    return name.startswith(".") or any(fnmatch.fnmatchcase(name, pattern) for pattern in EDITOR_LEFTOVERS)


def has_seed_suffix(name: str) -> bool:
    """True for the extensions read_articles knows (case-insensitive: NEWS.TXT counts)."""
    return name.lower().endswith(SEED_SUFFIXES)


def suffix_label(name: str) -> str:
    """The extension as shown in a Problem: ".xyz", or "(no extension)"."""
    suffix = Path(name).suffix
    return suffix if suffix else "(no extension)"


def file_hash(seeds_dir: Path, path: str, *, follow_links: bool = False) -> str:
    """sha256 hex of the file's bytes, read in chunks so a large dump costs no memory.

    Raises OSError when the file cannot be read, or is no longer a regular
    file in the seeds folder (open_seed): the caller decides whether that
    is a Problem (scan already listed the file as present).
    """
    digest = hashlib.sha256()
    with open_seed(seeds_dir, path, follow_links) as file:
        for chunk in iter(lambda: file.read(HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_seed(seeds_dir: Path, path: str, follow_links: bool = False) -> BinaryIO:
    """The seed file at path, open for reading; OSError if it cannot or must not be read (strerror says why).

    Checked again when reading, not taken from scan: a seed replaced since
    by a FIFO would block the open and then the read (O_NONBLOCK lets the
    open return; blocking is restored once the file is known to be
    regular), a device such as /dev/zero would be read forever, and a link
    out of the seeds folder (LinkOutside, unless follow_links) would read
    a file that is no seed. The path checked is the path opened.
    """
    full_path = os.path.join(seeds_dir, path)
    if not follow_links:
        full_path = os.path.realpath(full_path)
        if not is_inside(full_path, os.path.realpath(seeds_dir)):
            raise LinkOutside(errno.EPERM, OUTSIDE_LINK, path)
    descriptor = os.open(full_path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        kind = stat.S_IFMT(os.fstat(descriptor).st_mode)
        if kind == stat.S_IFDIR:
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if kind != stat.S_IFREG:
            raise OSError(errno.EINVAL, f"not a regular file ({SPECIAL_FILES.get(kind, 'special file')})", path)
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


# ---------------------------------------------------------------- reading


def read_articles(seeds_dir: Path, path: str, *, follow_links: bool = False) -> tuple[list[Article], list[Problem]]:
    """Articles of one seed file and the problems found in it; never raises for a bad file."""
    articles, problems = [], []
    for item in iter_articles(seeds_dir, path, follow_links=follow_links):
        (articles if isinstance(item, Article) else problems).append(item)
    return articles, problems


def iter_articles(seeds_dir: Path, path: str, *, follow_links: bool = False,
                  cursor: JsonlCursor | None = None) -> Iterator[Article | Problem]:
    """The articles and problems of one seed file, one at a time in file order; never raises for a bad file.

    A .jsonl file is read a line at a time and each article handed on at
    once, so a dump of any size costs the memory of one record (store/index.py
    writes each article before asking for the next); a fresh cursor, if
    given, follows that read. A .txt, .md or .json file is one text and is
    read whole. follow_links: as for scan, which listed the file; checked
    again here (see open_seed).
    """
    suffix = Path(path).suffix.lower()
    if suffix not in SEED_SUFFIXES:
        yield Problem(path, f"unknown file type {suffix_label(path)}, ignored", severity=WARNING)
        return
    try:
        with open_seed(seeds_dir, path, follow_links) as file:
            if suffix == ".jsonl":
                yield from jsonl_items(file, path, cursor)
                return
            data = file.read()
    except LinkOutside:
        yield Problem(path, OUTSIDE_LINK, severity=WARNING)
        return
    except OSError as error:
        yield Problem(path, f"cannot read: {error.strerror}")
        return
    text, damaged_at = decode(data)
    damage = None if damaged_at is None else \
        Problem(path, damaged_reason(data, damaged_at), data.count(b"\n", 0, damaged_at) + 1, WARNING)
    del data  # the bytes go before the article is handed on: a large file is in memory once, as text
    if damage is not None:
        yield damage
    if text is None:
        yield Problem(path, NOT_TEXT)
    elif not text or text.isspace():
        yield Problem(path, EMPTY, severity=WARNING)
    elif suffix == ".json":
        yield from json_items(text, path)
    else:
        article = text_article(text, path, markdown=suffix == ".md")
        del text  # the article's body is the only copy left while it is indexed
        yield article


def text_article(text: str, path: str, markdown: bool) -> Article:
    """The one article of a .txt or .md file: first non-empty line, then the rest.

    Cut where the title line ends, not split into lines: a text of any
    length costs one more copy of itself (its body), not a list of its lines.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    first = NOT_BLANK.search(text).start()  # the caller made sure there is one
    title_end = text.find("\n", first) + 1 or len(text)
    title = text[first:title_end].strip()
    if markdown:
        title = title.lstrip("#").strip()
    return Article(id=path, title=title, body=stripped_slice(text, title_end), path=path)


def stripped_slice(text: str, start: int) -> str:
    """text[start:].strip(), copying the text once, not twice."""
    rest = NOT_BLANK.search(text, start)
    if rest is None:
        return ""
    end = len(text)
    while text[end - 1].isspace():
        end -= 1
    return text[rest.start():end]


def json_items(text: str, path: str) -> Iterator[Article | Problem]:
    """Articles and problems of a .json file holding one record or an array of records."""
    try:
        value = parse_json(text)
    except json.JSONDecodeError as error:
        yield Problem(path, f"invalid JSON: {error.msg}", error.lineno)
        return
    except JSONLimitError as error:
        yield Problem(path, str(error))
        return
    if isinstance(value, dict):
        records = [value]
    elif isinstance(value, list):
        records = value
    else:
        yield Problem(path, "JSON top level is not an object or an array of objects")
        return
    for index, record in enumerate(records):
        yield from record_items(record, path, index, line=None)


def jsonl_items(file: BinaryIO, path: str, cursor: JsonlCursor | None = None) -> Iterator[Article | Problem]:
    """Articles and problems of a .jsonl file, one line at a time; a bad line costs only itself.

    Record n is the n-th non-blank line (0-based), bad ones included, so
    fixing one line does not change the path#n ids of the others. A cursor
    past the start (open_appended) reads on from where the file stands,
    numbering lines and records after the cursor's; any cursor follows the read.
    """
    cursor = cursor if cursor is not None else JsonlCursor()
    whole = cursor.offset == 0
    if whole:
        if b"\x00" in file.read(BINARY_PROBE) and not starts_with_utf16_bom(file):
            yield Problem(path, NOT_TEXT)  # binary: refused whole, not line by line
            return
        file.seek(0)
    for number, line, damaged in jsonl_lines(file, cursor, utf16=whole and starts_with_utf16_bom(file)):
        if damaged:
            yield Problem(path, damaged, number, WARNING)
        if line is None:
            yield Problem(path, NOT_TEXT, number)
            cursor.record += 1
            continue
        if not line.strip():
            continue
        index = cursor.record
        cursor.record += 1
        try:
            record = parse_json(line)
        except json.JSONDecodeError as error:
            yield Problem(path, f"invalid JSON: {error.msg}", number)
        except JSONLimitError as error:
            yield Problem(path, str(error), number)
        else:
            yield from record_items(record, path, index, line=number)
    if cursor.record == 0:
        yield Problem(path, EMPTY, severity=WARNING)


def open_appended(seeds_dir: Path, path: str, earlier: dict, *,
                  follow_links: bool = False) -> tuple[Iterator[Article | Problem], JsonlCursor] | None:
    """The items of the lines a .jsonl file gained since an earlier read, and the cursor following them; or None.

    earlier is that read's JsonlCursor.to_json(). The file only gained
    lines when its first earlier["offset"] bytes still hash to
    earlier["sha256"] and end with a newline; then it is read on from
    there, numbered on from there. None, and the caller reads the file
    whole, when it changed otherwise, when a whole read would not split it
    into lines (a UTF-16 BOM, a NUL in its first BINARY_PROBE bytes), when
    the earlier read found no record (its "empty file" warning must go),
    and when it cannot be opened (the whole read says why).
    """
    offset, line, record, sha256 = (earlier.get(key) for key in ("offset", "line", "record", "sha256"))
    if not (all(type(value) is int and value > 0 for value in (offset, line, record)) and isinstance(sha256, str)):
        return None
    try:
        file = open_seed(seeds_dir, path, follow_links)
    except OSError:
        return None
    try:
        hasher = read_prefix(file, offset)
    except OSError:
        hasher = None
    if hasher is None or hasher.hexdigest() != sha256:
        file.close()
        return None
    cursor = JsonlCursor(offset, line, record, hasher)
    return closing_items(file, path, cursor), cursor


def read_prefix(file: BinaryIO, offset: int):
    """sha256 of the file's first offset bytes, leaving the file there; None if they cannot be read on from.

    They can when they are all there, end with a newline, and do not make
    the file one that a whole read refuses or decodes otherwise (jsonl_items).
    """
    head = file.read(BINARY_PROBE)
    if b"\x00" in head or head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return None
    file.seek(0)
    hasher = hashlib.sha256()
    left, last = offset, b""
    while left:
        chunk = file.read(min(HASH_CHUNK, left))
        if not chunk:
            return None  # shorter than what was read before
        hasher.update(chunk)
        left -= len(chunk)
        last = chunk
    return hasher if last.endswith(b"\n") else None


def closing_items(file: BinaryIO, path: str, cursor: JsonlCursor) -> Iterator[Article | Problem]:
    """jsonl_items from where file stands, closing it at the end; a failed read is a problem, as in iter_articles."""
    try:
        with file:
            yield from jsonl_items(file, path, cursor)
    except OSError as error:
        yield Problem(path, f"cannot read: {error.strerror}")


def parse_json(text: str) -> object:
    """The value of a JSON text, its escapes cleaned (clean_json_escapes), within the limits.

    Raises json.JSONDecodeError when malformed, JSONLimitError past a
    limit. json's C parser recurses once per level and stops only at the
    interpreter's recursion limit (RecursionError, near 1,000 levels); the
    levels between MAX_JSON_DEPTH and that are found by a walk over the
    parsed arrays and objects, which for flat records is one look at each
    field.
    """
    try:
        value = JSON_DECODER.decode(clean_json_escapes(text))
    except RecursionError:
        raise JSONLimitError(TOO_DEEP) from None
    if nests_deeper(value, MAX_JSON_DEPTH):
        raise JSONLimitError(TOO_DEEP)
    return value


def nests_deeper(value: object, limit: int) -> bool:
    """True if value nests arrays and objects more than limit levels deep (value itself is level 1)."""
    level = [value] if isinstance(value, (dict, list)) else []
    for _ in range(limit):
        if not level:
            return False
        level = [child for container in level
                 for child in (container.values() if isinstance(container, dict) else container)
                 if isinstance(child, (dict, list))]
    return bool(level)


def parse_number(literal: str, kind: type) -> int | float:
    """A JSON number, refused past MAX_NUMBER_LENGTH characters before any conversion."""
    if len(literal) > MAX_NUMBER_LENGTH:
        raise JSONLimitError(TOO_LONG)
    return kind(literal)


JSON_DECODER = json.JSONDecoder(parse_int=lambda literal: parse_number(literal, int),
                                parse_float=lambda literal: parse_number(literal, float))


def clean_json_escapes(text: str) -> str:
    """JSON text with its escapes of controls dropped and of lone surrogates made \\ufffd (JSON_ESCAPE).

    Done once on the whole text, not on each string parsed: the regex only
    stops at backslashes, and a text without such an escape comes back as
    it is, where a pass over every field of every record would cost a
    third of the time spent reading SaudiNewsNet.
    """
    return JSON_ESCAPE.sub(rewrite_escape, text)


def rewrite_escape(match: re.Match) -> str:
    """What one JSON_ESCAPE match becomes: "" for a control, \\ufffd for a lone surrogate, else itself."""
    text, start, escape = match.string, match.start(), match.group()
    if is_escaped(text, start):  # \\b in JSON is a backslash, then the letter b
        return escape
    if len(escape) == 2 or escape[2:4] == "00":
        return ""
    if int(escape[2:], 16) < 0xDC00:  # json pairs a high half with a low half right after it
        paired = LOW_SURROGATE_ESCAPE.match(text, start + 6) is not None
    else:
        paired = (start >= 6 and HIGH_SURROGATE_ESCAPE.match(text, start - 6) is not None
                  and not is_escaped(text, start - 6))
    return escape if paired else "\\ufffd"


def is_escaped(text: str, start: int) -> bool:
    """True if the backslash at text[start] is itself escaped: an odd run of backslashes precedes it."""
    first = start
    while first > 0 and text[first - 1] == "\\":
        first -= 1
    return (start - first) % 2 == 1


def starts_with_utf16_bom(file: BinaryIO) -> bool:
    """True if file begins with a UTF-16 BOM; leaves the file at its start."""
    file.seek(0)
    head = file.read(2)
    file.seek(0)
    return head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def jsonl_lines(file: BinaryIO, cursor: JsonlCursor, utf16: bool) -> Iterator[tuple[int, str | None, str | None]]:
    """Yield (1-based line number, text or None when undecodable, damage or None), one line at a time.

    UTF-16 cannot be split on the byte b"\\n", so it goes through a
    TextIOWrapper (and the cursor counts no bytes: such a file is never
    read on from one); any other file is split in bytes, from where it
    stands, and each line decoded alone (the first one may carry a UTF-8
    BOM). The damage is the reason of a Problem when invalid UTF-8 bytes
    were replaced.
    """
    if utf16:
        yield from utf16_lines(file)
        return
    for number, raw in enumerate(file, cursor.line + 1):
        cursor.read(raw, number)
        text, damaged_at = decode(raw)
        yield number, text, None if damaged_at is None else damaged_reason(raw, damaged_at)


def utf16_lines(file: BinaryIO) -> Iterator[tuple[int, str | None, None]]:
    """Lines of a UTF-16 file with BOM; an undecodable stretch ends the file."""
    number = 0
    try:
        for number, line in enumerate(io.TextIOWrapper(file, encoding="utf-16", newline=""), 1):
            yield number, without_controls(line), None
    except UnicodeDecodeError:
        yield number + 1, None, None


def record_items(record: object, path: str, index: int, line: int | None) -> Iterator[Article | Problem]:
    """record_article() as a stream: the record's problems, then its article if usable."""
    article, problems = record_article(record, path, index, line)
    yield from problems
    if article is not None:
        yield article


def record_article(record: object, path: str, index: int, line: int | None) -> tuple[Article | None, list[Problem]]:
    """The article of one JSON record (None if unusable) and its problems."""
    if not isinstance(record, dict):
        return None, [Problem(path, f"record {index} is not an object", line)]
    title = field_text(record, TITLE_FIELD) or ""
    body = first_field_text(record, BODY_FIELDS) or ""
    if not title and not body:
        return None, [Problem(path, f"record {index} has no text", line, WARNING)]
    problems = []
    date = None
    raw_date = first_field_text(record, DATE_FIELDS)
    if raw_date is not None:
        date = parse_date(raw_date)
        if date is None:
            problems.append(Problem(path, f"record {index}: unparseable date {raw_date!r}, kept without date", line,
                                    WARNING))
    url = field_text(record, "url")
    article = Article(
        id=field_text(record, "id") or url or f"{path}#{index}",
        title=title,
        body=body,
        path=path,
        url=url,
        date=date,
        source=field_text(record, "source"),
        author=field_text(record, "author"),
    )
    return article, problems


def first_field_text(record: dict, names: tuple[str, ...]) -> str | None:
    """The first of the named fields that has text (content, else text, else body)."""
    for name in names:
        text = field_text(record, name)
        if text:
            return text
    return None


def field_text(record: dict, name: str) -> str | None:
    """A field as stripped text; None when absent, blank or not a scalar.

    Numbers count (an id of 7 is "7"); booleans, lists, objects and the
    numbers that are not finite do not (1e999999, NaN: every such id would
    be "inf" or "nan", one article for all).
    """
    value = record.get(name)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    text = str(value).strip()
    return text or None


def parse_date(value: str) -> datetime.datetime | None:
    """A naive datetime from ISO 8601, "YYYY-MM-DD hh:mm:ss" or "YYYY-MM-DD"; else None.

    An offset is dropped, not converted: the wall-clock time the source
    printed is what a reader searching by day expects, and SaudiNewsNet
    dates carry no offset at all.
    """
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"  # Python 3.10's fromisoformat refuses "Z"
    try:
        return datetime.datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return None


# ---------------------------------------------------------------- encodings


def decode_text(data: bytes) -> str | None:
    """data as text, or None if it is neither UTF-8, UTF-16 with BOM nor Arabic Windows-1256.

    Stray C0 control characters are dropped; a NUL, or more of them than
    text has (MAX_CONTROL_SHARE), refuses data whatever the encoding: it is
    a binary file, or UTF-16 without its BOM.
    """
    return decode(data)[0]


def decode(data: bytes) -> tuple[str | None, int | None]:
    """decode_text(data), and the offset of the first invalid UTF-8 byte when some were replaced.

    UTF-8 with a few invalid bytes (a truncated copy, a bad sector, two
    dumps glued together) is read with each bad byte replaced by U+FFFD:
    refusing it would lose a whole file for one byte, and read as
    Windows-1256 it would "decode" into Arabic-looking nonsense (ط§ظ„).
    """
    damaged_at = None
    one_byte_controls = True  # each control character of text is one byte of data (not in UTF-16)
    for bom, encoding in BOMS:
        if data.startswith(bom):
            text = decode_or_none(data, encoding)
            one_byte_controls = encoding == "utf-8-sig"
            break
    else:
        text = decode_or_none(data, "utf-8")
        if text is None:
            text, damaged_at = decode_damaged_utf8(data)
        if text is None:
            text = decode_or_none(data, "cp1256")
            if text is not None and not looks_arabic(text):
                text = None
    if text is not None:
        text = without_controls(text, data if one_byte_controls else None)
    return (None, None) if text is None else (text, damaged_at)


def without_controls(text: str, data: bytes | None = None) -> str | None:
    """text without its stray control characters; None if it has a NUL or too many (a binary file).

    data, when given, holds each control character of text as one byte
    (UTF-8, Windows-1256): they are counted there by bytes.translate, four
    times faster than a regex over text, which a 100 MB dump without any
    would otherwise pay in full.
    """
    if data is not None:
        count = len(data) - len(data.translate(None, CONTROL_BYTES))
    else:
        count = len(CONTROL_CHARS.findall(text))
    if count == 0:
        return text
    if "\x00" in text or count > 1 + MAX_CONTROL_SHARE * len(text):
        return None
    return CONTROL_CHARS.sub("", text)


def decode_damaged_utf8(data: bytes) -> tuple[str | None, int | None]:
    """data as UTF-8 with its invalid bytes replaced, and where the first one is; (None, None) if not UTF-8."""
    try:
        data.decode("utf-8")
        return None, None  # valid: not this function's case
    except UnicodeDecodeError as error:
        first = error.start
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    non_ascii = sum(1 for char in text if char > "\x7f")
    if replaced > MAX_INVALID_UTF8_SHARE * non_ascii:
        return None, None
    return text, first


def damaged_reason(data: bytes, offset: int) -> str:
    """The Problem reason for UTF-8 read with replacements, naming the first bad byte."""
    return f"invalid UTF-8 (byte 0x{data[offset]:02x}); read with bad bytes replaced by U+FFFD"


def decode_or_none(data: bytes, encoding: str) -> str | None:
    """data decoded strictly, or None."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def looks_arabic(text: str) -> bool:
    """True if the non-ASCII letters of text are overwhelmingly Arabic.

    Only non-ASCII letters count: JSON keys, Latin names, digits and the
    quotes cp1256 also encodes (« » “ ”) say nothing about the encoding,
    while é or ü in place of Arabic letters say it is another one.
    """
    letters = [char for char in text if char > "\x7f" and char.isalpha()]
    arabic = sum(1 for char in letters if "\u0600" <= char <= "\u06ff")
    return arabic > 0 and arabic >= MIN_ARABIC_SHARE * len(letters)
