"""Export the index for OpenSearch / Elasticsearch: settings, mappings, rules and bulk bodies.

Past one machine the engine to move to runs Lucene. This stage rebuilds
our analysis from Lucene's own components, generated from our rules so
the two cannot drift apart:

- char filters: every code point whose normalize.fold_char differs from
  itself, so the cluster sees the text our tokenizer sees. Diacritics and
  tatweel (normalize.DROPPED_MARKS) and format characters (category Cf) are
  ``pattern_replace`` ranges; the rest are ``mapping`` rules grouped by
  reason: FOLD (letter forms, Persian letters, digits), the Arabic
  presentation forms and ligatures (NFKC), then every other
  compatibility form and capital letter (NFKC, lowercase);
- a ``pattern`` tokenizer splitting where analyze.TOKEN_PATTERN does;
- a ``stop`` filter with STOPWORDS (stem level only, as ours);
- a ``stemmer_override`` whose rules are the index's own vocabulary,
  every exact-level word of title and body -> our stem, followed by
  Lucene's Arabic stemmer for words the export never saw (stemmer_override
  marks its outputs as keywords, so that stemmer leaves them alone);
- the root level has no Lucene equivalent (no built-in filter finds
  roots): each bulk document carries its roots instead, title_root and
  body_root, our root terms in text order, which a whitespace analyzer
  indexes as they are (levels.Level.preanalyzed).
- a ``synonym_graph`` filter with the index's synonyms (shipped and the
  folder's own, query/synonyms.py), in a search analyzer of each level:
  like ours, applied to queries only, so new rules need no reindex.

Files written to the output folder:

    index.json               create-index body: settings, analysis, mappings
    arabic_stems-HASH.txt    the stemmer_override rules, for each node's config folder
    documents-NNN.ndjson     bulk bodies, each at most --chunk-mb (one article may exceed it)
    search-template.json     a PUT _scripts body for clients without our query parser
    index-manifest.json      the index's manifest, to send only changes next time

The rules file is named after its content, so a new export never changes
the analysis of an index created from an older one (docs/scale-out.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.levels import EXACT, LEVELS, STEM, TEXT_FIELDS, field_names
from ..analysis.normalize import DROPPED_MARKS, FOLD, fold_char
from ..analysis.stopwords import STOPWORDS
from ..analysis.tokenize import TOKEN_PATTERN, stem_or_none, tokenize
from ..engine.schema import DIGEST_FIELD, field_kinds
from ..engine.searching import SCORING
from ..engine.storage import open_index
from ..query.synonyms import NO_SYNONYMS, Synonyms
from .errors import ExportError
from .querydsl import search_template

INDEX_FILE = "index.json"
TEMPLATE_FILE = "search-template.json"
MANIFEST_FILE = "index-manifest.json"
RULES_PREFIX = "arabic_stems-"
CHUNK_PATTERN = "documents-{:03d}.ndjson"
MB = 1_000_000
DEFAULT_CHUNK_MB = 10  # the bulk size OpenSearch and Elasticsearch recommend starting from
MAX_ID_BYTES = 512  # the engines refuse a longer _id
DATE_FORMAT = "yyyy-MM-dd HH:mm:ss||strict_date_optional_time"

EXACT_ANALYZER = EXACT.cluster_analyzer
STEM_ANALYZER = STEM.cluster_analyzer
PREANALYZED = tuple(level for level in LEVELS if level.preanalyzed)  # levels whose terms the documents carry
TOKENIZER = "arabic_words"
SYNONYM_FILTER = "arabic_synonyms"  # the index's synonyms (query/synonyms.py), at search time only
SEARCH_ANALYZER = "{}_search"  # an analyzer with the synonyms, for the fields' search_analyzer

# Our token pattern (Python re) -> the Java pattern that SPLITS text the same
# way. Python's [^\W_] is str.isalnum(): letters (L*) and numbers (N*) of
# Python's Unicode, as Java's \p{L} and \p{N} are of the JVM's. A JVM on an
# older Unicode than Python's (Java 17: 13; Python 3.11: 14) does not know the
# newest letters and splits at them (485 code points, none in SaudiNewsNet).
# Listing every word character instead is exact on any JVM but made Lucene's
# tokenizer seven times slower (a class of 800 ranges is checked range by range).
JAVA_SPLIT_PATTERNS = {
    r"[^\W_]+": r"[^\p{L}\p{N}]+",
}

# Arabic presentation forms A and B: ligatures, lam-alef, contextual letter shapes.
PRESENTATION_FORM_RANGES = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFF))


@dataclass
class ExportSummary:
    """What an export wrote (the contract of ``export opensearch --json``)."""

    out: str
    documents: int = 0
    deleted: int = 0
    chunks: list[str] = field(default_factory=list)
    rules_file: str | None = None
    rules: int = 0
    char_rules: int = 0
    bytes: int = 0
    seconds: float = 0.0


# ----- analysis settings ---------------------------------------------------


def folded_code_points() -> Iterator[tuple[str, str]]:
    """(character, what normalize makes of it) for every code point it changes.

    Unassigned, private-use and surrogate code points are skipped: NFKC and
    lowercasing leave them alone.
    """
    for code in range(0x110000):
        char = chr(code)
        if unicodedata.category(char) in ("Cn", "Co", "Cs"):
            continue
        folded = fold_char(char)
        if folded != char:
            yield char, folded


def is_presentation_form(char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in PRESENTATION_FORM_RANGES)


def java_class(chars: Iterable[str]) -> str:
    """A Java regex character class of chars, as ranges of \\u / \\x{} escapes: [\\u0610-\\u061a...]+."""
    codes = sorted({ord(c) for c in chars})
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])

    def escape(code: int) -> str:
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\x{{{code:x}}}"

    parts = [escape(low) if low == high else f"{escape(low)}-{escape(high)}" for low, high in ranges]
    return "[" + "".join(parts) + "]+"


def rule_text(text: str) -> str:
    """One side of a mapping rule: marks, controls, spaces and backslash as \\uXXXX escapes.

    The engines trim each side of a rule, so a space must be escaped to
    survive, and an escaped mark stays visible in review. Their rule parser
    reads one UTF-16 unit per escape, so a character beyond the BMP is
    escaped as its surrogate pair.
    """
    out = []
    for char in text:
        if char == "\\" or unicodedata.category(char)[0] in "MCZ":
            units = char.encode("utf-16-be")
            out.extend(f"\\u{int.from_bytes(units[i:i + 2], 'big'):04x}" for i in range(0, len(units), 2))
        else:
            out.append(char)
    return "".join(out)


def char_filters() -> dict:
    """Every normalization rule of ours as a Lucene char filter, by reason; the order does not matter.

    Each rule maps one original character to fold_char's result, and every
    character of a result folds to itself, so no filter undoes another.
    """
    dropped_marks, dropped_format = [], []
    groups: dict[str, list[str]] = {
        "fold_letters": [], "fold_presentation_forms": [], "fold_compatibility_and_case": []}
    for char, folded in folded_code_points():
        if folded == "" and char in DROPPED_MARKS:
            dropped_marks.append(char)
        elif folded == "" and unicodedata.category(char) == "Cf":
            dropped_format.append(char)
        else:
            if char in FOLD:
                group = "fold_letters"
            elif is_presentation_form(char):
                group = "fold_presentation_forms"
            else:
                group = "fold_compatibility_and_case"
            groups[group].append(f"{rule_text(char)} => {rule_text(folded)}")
    filters = {
        "drop_diacritics": {"type": "pattern_replace", "pattern": java_class(dropped_marks), "replacement": ""},
        "drop_format_characters": {"type": "pattern_replace", "pattern": java_class(dropped_format),
                                   "replacement": ""},
    }
    for name, rules in groups.items():
        filters[name] = {"type": "mapping", "mappings": rules}
    return filters


def token_separators() -> str:
    """The Java pattern that splits text where our token pattern does; refuses a pattern it does not know."""
    pattern = TOKEN_PATTERN.pattern
    if pattern not in JAVA_SPLIT_PATTERNS:
        raise ExportError(f"no Java equivalent known for the token pattern {pattern!r} "
                          "(add one to export.JAVA_SPLIT_PATTERNS)")
    return JAVA_SPLIT_PATTERNS[pattern]


def analysis_settings(rules_file: str, synonyms: Synonyms = NO_SYNONYMS) -> dict:
    """Char filters, tokenizer, filters and the two analyzers (exact, stem); with synonyms, a search
    analyzer of each that adds them (search_analyzers)."""
    filters = char_filters()
    names = list(filters)
    settings = {
        "char_filter": filters,
        "tokenizer": {TOKENIZER: {"type": "pattern", "pattern": token_separators()}},
        "filter": {
            "arabic_stopwords": {"type": "stop", "stopwords": sorted(STOPWORDS), "ignore_case": False},
            "arabic_stems": {"type": "stemmer_override", "rules_path": rules_file},
            "lucene_arabic_stemmer": {"type": "stemmer", "language": "arabic"},
        },
        "analyzer": {
            EXACT_ANALYZER: {"type": "custom", "char_filter": names, "tokenizer": TOKENIZER},
            STEM_ANALYZER: {"type": "custom", "char_filter": names, "tokenizer": TOKENIZER,
                            "filter": ["arabic_stopwords", "arabic_stems", "lucene_arabic_stemmer"]},
            # The documents carry these levels' terms, space-separated (preanalyzed_terms).
            **{level.cluster_analyzer: {"type": "custom", "tokenizer": "whitespace"} for level in PREANALYZED},
        },
    }
    if synonyms:
        settings["filter"][SYNONYM_FILTER] = {"type": "synonym_graph", "synonyms": synonyms.rules()}
        settings["analyzer"].update(search_analyzers(settings["analyzer"]))
    return settings


def search_analyzers(analyzers: dict) -> dict:
    """Each analyzer with the synonyms filter right after its tokenizer: for searches only, as ours.

    Rules are on normalized words (synonyms.Synonyms.rules), which is what
    the tokenizer gives after the char filters; the stopword and stem
    filters then treat each synonym as a word of the text. The cluster
    needs them for analyzed queries (the search template, a client's
    match query); our backend sends the expanded plan's terms.
    """
    return {SEARCH_ANALYZER.format(name): dict(analyzer, filter=[SYNONYM_FILTER] + analyzer.get("filter", []))
            for name, analyzer in analyzers.items()}


def field_mappings(synonyms: bool = False) -> dict:
    """A mapping for every field of our schema.

    Title and body are the level without a sub-field (exact), each other
    level a sub-field of theirs (title_stem and body_stem become title.stem
    and body.stem: levels.Level.subfield); the original text is kept in
    _source for highlighting and snippets.
    """
    leveled = {level.field(text) for text in TEXT_FIELDS for level in LEVELS}
    preanalyzed = {level.field(text): level for text in TEXT_FIELDS for level in PREANALYZED}
    properties = {}
    for name, kind in field_kinds().items():
        if name in TEXT_FIELDS:
            properties[name] = text_mapping(synonyms)
        elif name in preanalyzed:
            properties[name] = {"type": "text", "analyzer": preanalyzed[name].cluster_analyzer}
        elif name in leveled:
            continue  # a sub-field of its text field
        elif name == DIGEST_FIELD:
            continue  # the index's own bookkeeping, in no exported document
        elif kind == "date":
            properties[name] = {"type": "date", "format": DATE_FORMAT}
        elif kind == "keyword":
            properties[name] = {"type": "keyword"}
        elif kind == "stored":
            properties[name] = {"type": "keyword", "index": False}
        elif kind == "text":
            raise ExportError(f"field {name!r}: a text field with no analysis level; add it to levels.TEXT_FIELDS")
        else:
            raise ExportError(f"field {name!r}: no mapping for a {kind} field")
    return {"dynamic": "strict", "properties": properties}


def text_mapping(synonyms: bool = False) -> dict:
    """A text field: its main level's analyzer, a sub-field per other level (and their search analyzers)."""

    def analyzed(level) -> dict:
        mapping = {"type": "text", "analyzer": level.cluster_analyzer}
        if synonyms:
            mapping["search_analyzer"] = SEARCH_ANALYZER.format(level.cluster_analyzer)
        return mapping

    main = next(level for level in LEVELS if level.subfield is None and not level.preanalyzed)
    return dict(analyzed(main), fields={level.subfield: analyzed(level) for level in LEVELS
                                        if level.subfield is not None})


def index_body(rules_file: str, shards: int, replicas: int, synonyms: Synonyms = NO_SYNONYMS) -> dict:
    """The create-index body: shards, replicas, BM25 as ours (searching.SCORING), analysis, mappings."""
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            "similarity": {"default": {"type": "BM25", "k1": SCORING.K1, "b": SCORING.B}},
            "analysis": analysis_settings(rules_file, synonyms),
        },
        "mappings": field_mappings(bool(synonyms)),
    }


# ----- stems and documents -------------------------------------------------


def vocabulary(reader) -> Iterator[str]:
    """Every exact-level word of title and body, once each, in sorted order, streamed."""
    previous = None
    for term in heapq.merge(*(reader.lexicon(name) for name in field_names(EXACT))):
        if term != previous:
            previous = term
            yield term.decode("utf-8")


def write_stem_rules(reader, out: Path) -> tuple[str, int]:
    """Write ``word => stem`` for every indexed word (not stopwords); name the file by its content."""
    digest = hashlib.sha256()
    count = 0
    partial = out / (RULES_PREFIX + "partial.txt")
    with open(partial, "w", encoding="utf-8", newline="\n") as handle:
        for word in vocabulary(reader):
            stem = stem_or_none(word)
            if stem is None:
                continue
            line = f"{word} => {stem}\n"
            handle.write(line)
            digest.update(line.encode("utf-8"))
            count += 1
    name = f"{RULES_PREFIX}{digest.hexdigest()[:12]}.txt"
    partial.replace(out / name)
    return name, count


def document_id(article_id: str) -> str:
    """The bulk _id: our id, or a digest of it when it is longer than the engines accept."""
    if len(article_id.encode("utf-8")) <= MAX_ID_BYTES:
        return article_id
    return "sha256-" + hashlib.sha256(article_id.encode("utf-8")).hexdigest()


def source_document(fields: dict) -> dict:
    """The _source of one article: its stored fields, the date in the mapping's format."""
    document = {}
    for name, value in sorted(fields.items()):
        if isinstance(value, dt.datetime):
            value = value.strftime("%Y-%m-%d %H:%M:%S") if not value.microsecond else value.isoformat(
                timespec="milliseconds")
        document[name] = value
    return document


def preanalyzed_terms(fields: dict) -> dict:
    """The terms of each preanalyzed level's fields of one article, in text order, space-separated."""
    terms = {}
    for level in PREANALYZED:
        for text in TEXT_FIELDS:
            words = (level.term(word) for _, _, word in tokenize(fields.get(text) or ""))
            terms[level.field(text)] = " ".join(term for term in words if term)
    return terms


def bulk_lines(stored: Iterable[dict], wanted: set[str] | None = None) -> Iterator[bytes]:
    """An index action and its source per article (only ids in wanted, when given), with its preanalyzed terms."""
    for fields in stored:
        if wanted is not None and fields["id"] not in wanted:
            continue
        action = {"index": {"_id": document_id(fields["id"])}}
        document = source_document({**fields, **preanalyzed_terms(fields)})
        yield (json.dumps(action, ensure_ascii=False) + "\n"
               + json.dumps(document, ensure_ascii=False) + "\n").encode("utf-8")


def delete_lines(ids: Iterable[str]) -> Iterator[bytes]:
    for article_id in sorted(ids):
        yield (json.dumps({"delete": {"_id": document_id(article_id)}}, ensure_ascii=False) + "\n").encode("utf-8")


def write_chunks(entries: Iterable[bytes], out: Path, chunk_bytes: int, summary: ExportSummary) -> None:
    """Stream bulk entries into documents-NNN.ndjson files of at most chunk_bytes each."""
    handle = None
    size = 0
    try:
        for entry in entries:
            if handle is None or (size and size + len(entry) > chunk_bytes):
                if handle is not None:
                    handle.close()
                name = CHUNK_PATTERN.format(len(summary.chunks))
                summary.chunks.append(name)
                handle = open(out / name, "wb")
                size = 0
            handle.write(entry)
            size += len(entry)
            if entry.startswith(b'{"delete"'):
                summary.deleted += 1
            else:
                summary.documents += 1
    finally:
        if handle is not None:
            handle.close()


# ----- the export ----------------------------------------------------------


def prepare_out(out: Path) -> None:
    """Create the output folder, or clear the files an earlier export left in it (only those)."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out}: exists and is not a folder")
    if (out / ".arabic-search-index").exists():
        raise ExportError(f"{out}: is an index folder; export to another folder")
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("documents-*.ndjson"), *out.glob(RULES_PREFIX + "*.txt")]:
        old.unlink()


def export_opensearch(index, out: Path | str, shards: int = 1, replicas: int = 1,
                      chunk_mb: float = DEFAULT_CHUNK_MB) -> ExportSummary:
    """Write a full export of index (a search.Index) to out; memory does not grow with the corpus."""
    if shards < 1 or replicas < 0 or chunk_mb <= 0:
        raise ExportError("--shards must be at least 1, --replicas at least 0, --chunk-mb above 0")
    started = time.perf_counter()
    out = Path(out)
    ix = open_unmapped(index)
    manifest = index.manifest()
    prepare_out(out)
    summary = ExportSummary(out=str(out))
    with ix.reader() as reader:
        summary.rules_file, summary.rules = write_stem_rules(reader, out)
        body = index_body(summary.rules_file, shards, replicas, index.synonyms())
        write_chunks(bulk_lines(reader.all_stored_fields()), out, int(chunk_mb * MB), summary)
    summary.char_rules = sum(len(f.get("mappings", ())) for f in body["settings"]["analysis"]["char_filter"].values())
    write_json(out / INDEX_FILE, body)
    write_json(out / TEMPLATE_FILE, search_template())
    write_json(out / MANIFEST_FILE, manifest)
    return finish(summary, out, started)


def export_changes(index, base: Path | str, out: Path | str, chunk_mb: float = DEFAULT_CHUNK_MB) -> ExportSummary:
    """Write only what changed since the export in base: bulk deletes, then bulk index actions.

    The change detection is the index's own: a seed file whose hash differs
    from base's manifest, or that is new, is sent again whole; ids no file
    holds any more are deleted. No settings are written: the cluster keeps
    the analysis of the full export (words first seen here get Lucene's
    stemmer until the next full export; docs/scale-out.md).
    """
    if chunk_mb <= 0:
        raise ExportError("--chunk-mb must be above 0")
    started = time.perf_counter()
    base, out = Path(base), Path(out)
    if not (base / MANIFEST_FILE).is_file():
        raise ExportError(f"{base}: no {MANIFEST_FILE} (not an export folder)")
    if base.resolve() == out.resolve():
        raise ExportError("--changes-since needs a folder other than --out")
    old = json.loads((base / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest = index.manifest()
    changed = {i for path, entry in manifest.items()
               if old.get(path, {}).get("sha256") != entry["sha256"] for i in entry["ids"]}
    current = {i for entry in manifest.values() for i in entry["ids"]}
    gone = {i for entry in old.values() for i in entry["ids"]} - current
    prepare_out(out)
    summary = ExportSummary(out=str(out))
    ix = open_unmapped(index)
    with ix.reader() as reader:
        entries = _chain(delete_lines(gone), bulk_lines(reader.all_stored_fields(), changed) if changed else ())
        write_chunks(entries, out, int(chunk_mb * MB), summary)
    write_json(out / MANIFEST_FILE, manifest)
    return finish(summary, out, started)


def open_unmapped(index):
    """The live Whoosh index of index (a search.Index), its files read on demand (storage.open_index)."""
    return open_index(index.generation_dir(), mapped=False)


def _chain(*parts: Iterable[bytes]) -> Iterator[bytes]:
    for part in parts:
        yield from part


def finish(summary: ExportSummary, out: Path, started: float) -> ExportSummary:
    summary.bytes = sum(path.stat().st_size for path in out.iterdir() if path.is_file())
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

