"""The fast paths build the very index the plain paths build.

Speed work took three shortcuts: str.translate with a sparse offset map
instead of one span per character (analysis/normalize.py, analyze.tokenize),
fields that compute their postings without Whoosh's Token stream
(schema.ArabicText), and writers that file postings per term and write
W3 blocks themselves (engine/writer.py). Each is checked against the plain way
on real news text and on generated text: same tokens and offsets, same
terms, postings, positions, field lengths, stored fields and columns,
and, where the bytes can be the same, the same segment files.
"""

from __future__ import annotations

import glob
import json
import os
import zipfile
from pathlib import Path

import pytest
from conftest import ARABIC_MIX
from hypothesis import example, given, settings
from whoosh import index as whoosh_index
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.fields import TEXT, Schema

from search.analysis.normalize import normalize, normalize_text, normalize_with_offsets
from search.analysis.root import word_root
from search.analysis.stem import light_stem
from search.analysis.stopwords import is_stopword
from search.analysis.tokenize import TOKEN_PATTERN, tokenize
from search.engine.schema import DIGEST_FIELD, ArabicText, build_schema
from search.engine.writer import BufferedSegmentWriter, open_writer
from search.sources import Article
from search.store.index import document_fields

REPO = Path(__file__).resolve().parents[1]
DAY = REPO.parent / "shared" / "corpora" / "saudinewsnet" / "dataset" / "2015-08-01.zip"
NEWS_ARTICLES = 150

# Texts that take every branch of the offset map: marks after letters and
# at the start, tatweel runs, ligatures that become two or three letters,
# a character kept whole (ﷺ), format characters, Latin and digits.
TRICKY = [
    "كَتَبَ الوَلَدُ الدَّرْسَ",
    "\u064bاول كلمة تبدأ بحركة",
    "مـــدرســـة الـــعـــلـــوم",
    "ﻻ بأس، ﷲ أكبر ﷺ",
    "ab\ufef5\u064b\u064bc ﻷمر ﻹسلام",
    "مرحبا\u200cبكم \u200fهنا\u200e",
    "عام ٢٠١٥ و۱۴۳۶ هـ",
    "Saudi ARABIA: 2015-08-01",
    "\u064b\u064b",
    "",
]


def reference_tokens(text: str) -> list[tuple[int, int, str]]:
    """Tokens cut from normalize(text).text, mapped back through its per-character spans."""
    normalized = normalize(text)
    return [
        (normalized.spans[m.start()][0], normalized.spans[m.end() - 1][1], m.group())
        for m in TOKEN_PATTERN.finditer(normalized.text)
    ]


def news_texts() -> list[str]:
    if not DAY.is_file():
        pytest.skip("../shared/corpora/saudinewsnet is absent")
    with zipfile.ZipFile(DAY) as archive:
        records = json.loads(archive.read(archive.namelist()[0]))
    return [field for record in records[:NEWS_ARTICLES] for field in (record.get("title"), record.get("content"))
            if field]


# ----- tokens and offsets ---------------------------------------------------


@settings(max_examples=500)
@given(ARABIC_MIX)
@example("ك\u064b\u064bت")
@example("\ufef5\u064b")
def test_tokenize_matches_the_per_character_offset_map(text):
    assert list(tokenize(text)) == reference_tokens(text)


@settings(max_examples=300)
@given(ARABIC_MIX)
def test_normalize_text_matches_normalize(text):
    assert normalize_text(text) == normalize(text).text
    folded, offsets = normalize_with_offsets(text)
    spans = normalize(text).spans
    assert folded == normalize(text).text
    if offsets is None:
        assert spans == tuple((i, i + 1) for i in range(len(text)))
    else:
        assert [(offsets.start(i), offsets.end(i)) for i in range(len(folded))] == list(spans)


@pytest.mark.parametrize("text", TRICKY)
def test_tokenize_matches_reference_on_tricky_text(text):
    assert list(tokenize(text)) == reference_tokens(text)


@pytest.mark.slow
def test_tokenize_matches_reference_on_news():
    for text in news_texts():
        assert list(tokenize(text)) == reference_tokens(text)


# ----- the index ------------------------------------------------------------


class ReferenceTokenizer(Tokenizer):
    """The plain way: normalize() with a span per character, one Token per word."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, (start, end, word) in enumerate(reference_tokens(value)):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class ReferenceStemFilter(Filter):
    """Stopwords out, the rest light-stemmed, without any memo."""

    def __call__(self, tokens):
        for token in tokens:
            if is_stopword(token.text):
                continue
            token.text = light_stem.__wrapped__(token.text)
            yield token


class ReferenceRootFilter(Filter):
    """Stopwords out, the rest replaced by their root, without any memo."""

    def __call__(self, tokens):
        for token in tokens:
            if is_stopword(token.text):
                continue
            token.text = word_root(token.text)
            yield token


REFERENCE_FILTERS = {"stem": ReferenceStemFilter, "root": ReferenceRootFilter}


def reference_schema() -> Schema:
    """build_schema() with every ArabicText field replaced by a TEXT field on the reference analyzer."""
    fields = {}
    for name, field in build_schema().items():
        if isinstance(field, ArabicText):
            analyzer = ReferenceTokenizer()
            if field.level in REFERENCE_FILTERS:
                analyzer = analyzer | REFERENCE_FILTERS[field.level]()
            field = TEXT(analyzer=analyzer, stored=field.stored, phrase=True)
        fields[name] = field
    return Schema(**fields)


def articles() -> list[Article]:
    texts = news_texts()
    result = [Article(id=f"news-{n}", title=texts[n], body=texts[n + 1], path="news.json", source="src",
                      url=f"https://example.com/{n}")
              for n in range(0, len(texts) - 1, 2)]
    result += [Article(id=f"tricky-{n}", title=text[:20], body=text, path="tricky.json") for n, text in enumerate(TRICKY)]
    return result


def build(folder: Path, schema: Schema, docs: list[dict], make_writer, commits: int = 1) -> Path:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema)
    step = -(-len(docs) // commits)
    for first in range(0, len(docs), step):
        writer = make_writer(ix)
        for doc in docs[first:first + step]:
            writer.add_document(**doc)
        writer.commit()
    return folder


def content(folder: Path) -> dict:
    """Everything an index holds, keyed by article id (docnums and segments may differ)."""
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        ids = {docnum: fields["id"] for docnum, fields in reader.iter_docs()}
        postings = {}
        for fieldname, btext in reader.all_terms():
            field = reader.schema[fieldname]
            matcher = reader.postings(fieldname, btext)
            entries = {}
            while matcher.is_active():
                positions = matcher.value_as("positions") if field.format.supports("positions") else None
                entries[ids[matcher.id()]] = (matcher.weight(), positions)
                matcher.next()
            postings[(fieldname, btext)] = entries
        lengths = {
            (ids[docnum], name): reader.doc_field_length(docnum, name)
            for docnum in ids for name in reader.schema.scorable_names()
        }
        stored = {ids[docnum]: fields for docnum, fields in reader.iter_docs()}
        columns = {
            name: {ids[docnum]: reader.column_reader(name)[docnum] for docnum in ids}
            for name in ("date", "source", DIGEST_FIELD) if reader.has_column(name)
        }
        totals = {name: reader.field_length(name) for name in reader.schema.scorable_names()}
    return {"postings": postings, "lengths": lengths, "stored": stored, "columns": columns, "totals": totals,
            "documents": len(ids)}


@pytest.fixture(scope="module")
def docs():
    return [document_fields(article) for article in articles()]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, docs):
    folder = build(tmp_path_factory.mktemp("reference") / "ix", reference_schema(), docs, lambda ix: ix.writer())
    return content(folder)


@pytest.mark.slow
def test_fast_index_equals_the_token_stream_index(tmp_path, docs, reference):
    folder = build(tmp_path / "ix", build_schema(), docs, lambda ix: open_writer(ix, compound=False))
    assert content(folder) == reference


@pytest.mark.slow
def test_parallel_build_equals_the_token_stream_index(tmp_path, docs, reference):
    folder = build(tmp_path / "ix", build_schema(), docs, lambda ix: open_writer(ix, procs=2, compound=False))
    assert len(whoosh_index.open_dir(str(folder))._segments()) == 2
    assert content(folder) == reference


@pytest.mark.slow
def test_full_build_writer_equals_the_token_stream_index(tmp_path, docs, reference):
    """The full build's settings: two processes, and posting blocks pickled with protocol 3, not W3's 2."""
    from search.store.index import FULL_BUILD_WRITER

    folder = build(tmp_path / "ix", build_schema(), docs, lambda ix: open_writer(ix, **FULL_BUILD_WRITER))
    assert FULL_BUILD_WRITER["protocol"] == 3
    assert content(folder) == reference


@pytest.mark.slow
def test_spilled_postings_equal_the_token_stream_index(tmp_path, docs, reference):
    # A budget of a few kilobytes spills a run every few documents.
    folder = build(tmp_path / "ix", build_schema(), docs, lambda ix: BufferedSegmentWriter(ix, limitmb=0.02))
    assert content(folder) == reference


@pytest.mark.slow
def test_merged_segments_equal_the_token_stream_index(tmp_path, docs):
    """Four commits, then a merge of everything: postings come back through TermPool.add.

    Merging re-reads field lengths from their one-byte approximations, so
    the totals move; the reference goes through the same merge.
    """
    def merged(folder: Path, schema: Schema, make_writer) -> dict:
        build(folder, schema, docs, make_writer, commits=4)
        assert len(whoosh_index.open_dir(str(folder))._segments()) == 4
        make_writer(whoosh_index.open_dir(str(folder))).commit(optimize=True)
        assert len(whoosh_index.open_dir(str(folder))._segments()) == 1
        return content(folder)

    ours = merged(tmp_path / "ours", build_schema(), lambda ix: BufferedSegmentWriter(ix, compound=False))
    assert ours == merged(tmp_path / "reference", reference_schema(), lambda ix: ix.writer())


@pytest.mark.slow
def test_segment_files_are_whoosh_own_bytes(tmp_path, docs):
    """Compressing every block as W3 does, the writer's files are byte for byte those of Whoosh's writer."""
    schema = build_schema()
    ours = build(tmp_path / "ours", schema, docs, lambda ix: BufferedSegmentWriter(ix, compound=False, min_compressed=0))
    whooshs = build(tmp_path / "whoosh", schema, docs, lambda ix: ix.writer(compound=False))

    def segment_files(folder: Path) -> dict[str, bytes]:
        (segment,) = whoosh_index.open_dir(str(folder))._segments()
        prefix = f"MAIN_{segment.segment_id().split('_', 1)[1]}"
        return {path[len(str(folder)) + 1 + len(prefix):]: Path(path).read_bytes()
                for path in glob.glob(f"{folder}/{prefix}*")}

    ours_files, whoosh_files = segment_files(ours), segment_files(whooshs)
    assert sorted(ours_files) == sorted(whoosh_files)
    assert {".pst", ".trm", "._stored.col"} <= set(ours_files)
    for name in whoosh_files:
        assert ours_files[name] == whoosh_files[name], name


def test_arabic_text_field_pickles_with_the_schema(tmp_path):
    folder = tmp_path / "ix"
    folder.mkdir()
    whoosh_index.create_in(str(folder), build_schema())
    reopened = whoosh_index.open_dir(str(folder)).schema
    assert isinstance(reopened["body_stem"], ArabicText) and reopened["body_stem"].level == "stem"
    assert os.path.isdir(folder)


# ----- snippets ---------------------------------------------------------------

SNIPPET_QUERIES = ["مدرسة", "الرياض", "وزارة الصحة", '"مجلس الوزراء"', "مدرس*", "السعوديه~", "=المدرسة",
                   "من هو", "الرياض أو جدة", "-الهلال النصر", "title:داعش", "أمير منطقة مكة", "ﻻعب", "2015",
                   "saudi"]


def reference_matches(text: str, parsed, tokens=None, stem_span=None) -> list:
    """find_matches the plain way: every token tried against every term, in order.

    When a plain word matches no token by its stem, every token is tried
    again with words of the same root accepted (ROOT_PLAIN_SHARE above 0);
    that second pass stands if it found such a word by its root.
    stem_span: how a match's stem is located (snippets._stem_span unless given).
    """
    from search.analysis.levels import ROOT
    from search.query.language import Word
    from search.snippets import _query_terms, _stem_span

    terms = _query_terms(parsed)
    tokens = reference_tokens(text) if tokens is None else tokens
    stem_span = stem_span or _stem_span
    matches = _reference_pass(text, terms, tokens, stem_span, by_root=False)
    rooted = {t.text for t in terms if isinstance(t, Word) and not t.exact and not t.root and t.stem is not None
              and t.vowels is None and t.synonym_of is None}
    missing = rooted - {m.term for m in matches}
    if ROOT.searched_plainly() and missing:
        by_root = _reference_pass(text, terms, tokens, stem_span, by_root=True)
        if any(m.term in missing and m.rule == "same root" for m in by_root):
            return by_root
    return matches


def _reference_pass(text: str, terms: list, tokens, stem_span, by_root: bool) -> list:
    from search.snippets import Match, _match_rule

    matches = []
    for start, end, normalized in tokens:
        original = text[start:end]
        for term in terms:
            rule = _match_rule(term, original, normalized, by_root)
            if rule:
                stem_start, stem_end = stem_span(text, start, end, normalized, rule)
                matches.append(Match(term.text, start, end, original, rule, stem_start, stem_end))
                break
    return matches


@pytest.mark.slow
@pytest.mark.parametrize("query", SNIPPET_QUERIES)
def test_snippets_match_the_plain_loop(query):
    from test_snippets import reference_snippet  # imported here: test_snippets imports this module

    from search.query.language import parse_query
    from search.snippets import best_snippet, find_matches

    parsed = parse_query(query)
    for text in news_texts() + TRICKY:
        matches = find_matches(text, parsed)
        assert matches == reference_matches(text, parsed)
        assert best_snippet(text, matches) == reference_snippet(text, matches)


# ----- updates ----------------------------------------------------------------


@pytest.mark.slow
def test_small_updates_keep_few_segments_and_the_same_postings(tmp_path):
    """Many small updates with a bounded merge: few segments, and what a fresh build of the same files holds."""
    from search import Index
    from search.store.index import UPDATE_WRITER

    seeds, texts, updated = built_news(tmp_path)
    for step in range(12):
        name = f"b{step // 2:02d}.txt"  # a new file, then the same file rewritten
        (seeds / name).write_text(f"{texts[40 + step]}\nتحديث {step}\n{texts[60 + step]}", encoding="utf-8")
        updated.update(seeds)
        assert updated.stats().segments <= UPDATE_WRITER["max_segments"]
    fresh = Index(tmp_path / "fresh")
    fresh.update(seeds, full=True)

    assert comparable(updated) == comparable(fresh)


def built_news(tmp_path):
    """Seeds of 20 files of two news texts each, the texts, and a full build of them (an Index)."""
    from search import Index

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    texts = news_texts()
    for n in range(0, 40, 2):
        (seeds / f"a{n:02d}.txt").write_text(f"{texts[n]}\n{texts[n + 1]}", encoding="utf-8")
    updated = Index(tmp_path / "updated")
    updated.update(seeds, full=True)
    return seeds, texts, updated


def comparable(index) -> dict:
    """Postings, stored fields, columns of an Index; a term left only in deleted documents is no term."""
    held = content(index.generation_dir())
    held["postings"] = {term: entries for term, entries in held["postings"].items() if entries}
    return {key: held[key] for key in ("postings", "stored", "columns", "documents")}


@pytest.mark.slow
def test_a_large_update_written_by_two_processes_equals_a_fresh_build(tmp_path, monkeypatch):
    """Past PARALLEL_UPDATE_BYTES an update uses two writer processes: files added, rewritten and removed."""
    import search.store.index as index_module
    from search import Index
    from search.store.index import UPDATE_WRITER

    seeds, texts, updated = built_news(tmp_path)
    for n in range(40, 100, 2):
        (seeds / f"b{n:02d}.txt").write_text(f"{texts[n]}\n{texts[n + 1]}", encoding="utf-8")
    (seeds / "a00.txt").write_text(f"{texts[100]}\n{texts[101]}", encoding="utf-8")
    (seeds / "a02.txt").unlink()
    writers = []
    open_writer = index_module.open_writer
    monkeypatch.setattr(index_module, "open_writer", lambda ix, **kw: writers.append(kw["procs"]) or open_writer(ix, **kw))
    monkeypatch.setattr(index_module, "PARALLEL_UPDATE_BYTES", 1)
    summary = updated.update(seeds)
    assert writers == [2] and summary.added == 30 and summary.updated == 1 and summary.removed == 1
    assert updated.stats().segments <= UPDATE_WRITER["max_segments"]
    fresh = Index(tmp_path / "fresh")
    fresh.update(seeds, full=True)

    assert comparable(updated) == comparable(fresh)


def write_news_dump(path: Path, texts: list[str], numbers) -> None:
    """Records of real news, record n made of texts n and n + 1 (round the list), in the order of numbers."""
    path.write_text("".join(json.dumps({"id": f"news-{n}", "title": texts[n % len(texts)],
                                        "content": texts[(n + 1) % len(texts)],
                                        "source": "src", "date_extracted": f"2015-08-01 {n % 24:02d}:00:00"},
                                       ensure_ascii=False) + "\n" for n in numbers), encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("processes", [1, 2])
def test_line_by_line_changes_to_a_jsonl_dump_equal_a_fresh_build(tmp_path, monkeypatch, processes):
    """Lines appended, edited, deleted and reordered in a dump of real news, each followed by an update.

    With two processes (past PARALLEL_UPDATE_BYTES) the records are written
    by the writer's subprocesses while this process deletes the old ones.
    """
    import random

    import search.store.index as index_module
    from search import Index

    if processes == 2:
        monkeypatch.setattr(index_module, "PARALLEL_UPDATE_BYTES", 1)
    texts = news_texts()
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    dump = seeds / "news.jsonl"
    numbers = list(range(0, 160, 2))
    write_news_dump(dump, texts, numbers)
    updated = Index(tmp_path / "updated")
    updated.update(seeds)
    rng = random.Random(5)
    changes = {
        "append": lambda: numbers.append(160 + 2 * len(numbers)),
        "edit": lambda: numbers.__setitem__(rng.randrange(len(numbers)), 161 + 2 * rng.randrange(100)),
        "delete": lambda: numbers.pop(rng.randrange(len(numbers))),
        "reorder": lambda: rng.shuffle(numbers),
    }
    for step, name in enumerate(["append", "edit", "delete", "append", "reorder", "append", "delete", "edit"]):
        changes[name]()
        write_news_dump(dump, texts, numbers)
        updated.update(seeds)
        fresh = Index(tmp_path / f"fresh-{step}")
        fresh.update(seeds, full=True)
        assert comparable(updated) == comparable(fresh), name
        assert updated.manifest() == fresh.manifest(), name
