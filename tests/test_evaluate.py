"""The array evaluator (search/engine/evaluate.py) against Whoosh's own matchers, on real news.

The index is built from SaudiNewsNet day files, then updated (an added
file, a rewritten one) so that it has several segments and deleted
documents. For every query the evaluator must match exactly the documents
Whoosh matches, with the same scores (up to the last bits of a sum added
in another order), and a search must rank as Whoosh's collector would.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq
from whoosh.columns import VarBytesColumn
from whoosh.filedb.filestore import RamStorage

from search import Index
from search.analysis.normalize import normalize_text
from search.analysis.tokenize import stem_or_none
from search.engine.compile import to_whoosh
from search.engine.evaluate import Evaluator, Matches, common, pairs_within, spans_match
from search.analysis.levels import FIELD_NAMED
from search.engine.postings import IndexArrays, VarBytesColumnFile, decode_positions
from search.engine.schema import PositionArray
from search.engine.searching import SCORING, top_documents
from search.query.language import parse_query
from search.query.synonyms import default_synonyms, expand_synonyms

REPO = Path(__file__).resolve().parent.parent
DAYS = REPO.parent / "shared" / "corpora" / "saudinewsnet" / "dataset"

QUERIES = [
    "مدرسة", "الرياض", "السعودية", "وزارة الصحة", "خادم الحرمين", "ولي العهد الأمير", '"مجلس الوزراء"',
    '"خادم الحرمين الشريفين"', '"وزير الصحة"~3', "الهلال النصر", "مدرس*", "سعو*", "السعوديه~", "=المدرسة",
    "title:داعش", "title:الرياض body:الهلال", "-الهلال النصر", "النصر -الهلال", "الرياض أو جدة",
    "(الرياض أو جدة) وأيضا أمطار", "+أمطار الرياض", "من هو", "متى تأسست وزارة الصحة؟",
    "ما هي عاصمة السعودية", "بمرض", "لاستضافة البطولة", "source:okaz الرياض", "-source:okaz الرياض",
    "date:2015-07-21..2015-07-22 الرياض", "الرياض NEAR/3 أمطار", "كلمةغيرموجودةابدا",
    "ألوان جديدة", '"ألوان جديدة"', "٢٠١٥", "2015",
]

SYNONYM_QUERIES = ["أمريكا", "أميركا الرياض", "title:أمريكا", "فيسبوك", '"أمريكا" -إيران']  # shipped rules (Blended)


def _day_json(name: str, target: Path) -> Path:
    with zipfile.ZipFile(DAYS / name) as archive:
        member = archive.namelist()[0]
        target.write_bytes(archive.read(member))
    return target


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Index:
    """Two days, then a third added and the first rewritten with half its articles: segments and deletions."""
    if not (DAYS / "2015-07-21.zip").is_file():
        pytest.skip("../shared/corpora/saudinewsnet is absent")
    folder = tmp_path_factory.mktemp("evaluate")
    seeds = folder / "seeds"
    seeds.mkdir()
    first = _day_json("2015-07-21.zip", seeds / "a.json")
    _day_json("2015-07-22.zip", seeds / "b.json")
    index = Index(folder / "index")
    index.update(seeds, full=True)
    _day_json("2015-07-23.zip", seeds / "c.json")
    records = json.loads(first.read_text(encoding="utf-8"))
    first.write_text(json.dumps(records[::2], ensure_ascii=False), encoding="utf-8")
    index.update(seeds)
    return index


def whoosh_matches(searcher, query) -> dict[int, float]:
    """Every document Whoosh's collector finds for query, with its score.

    For an AndNot, the documents of its positive part that its negative
    part does not match: Whoosh's AndNotMatcher itself sometimes lets one
    through (seen with a first segment holding deletions: "النصر -الهلال"
    kept an article with الهلال in its body, which the negative part alone
    finds), while the evaluator excludes it.
    """
    if isinstance(query, wq.AndNot):
        excluded = whoosh_matches(searcher, query.b)
        return {d: score for d, score in whoosh_matches(searcher, query.a).items() if d not in excluded}
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}


def test_the_fixture_has_segments_and_deletions(index):
    opened = index._readers.opened()
    segments = list(opened.reader.leaf_readers())
    assert len(segments) > 1
    assert any(segment.has_deletions() for segment, _ in segments)


@pytest.mark.slow
@pytest.mark.parametrize("text", QUERIES + SYNONYM_QUERIES)
def test_matches_and_scores_equal_whooshs(index, text):
    opened = index._readers.opened()
    with opened.searcher(weighting=SCORING) as searcher:
        plan = to_whoosh(expand_synonyms(parse_query(text), default_synonyms()), searcher.reader())
        evaluator = Evaluator(opened.arrays(), searcher.reader(), SCORING, lambda: opened.searcher(weighting=SCORING))
        for query in [plan.query] + ([plan.all_words] if plan.all_words is not None else []) + plan.filters:
            expected = whoosh_matches(searcher, query)
            found = evaluator.matches(query)
            assert found.ids.tolist() == sorted(expected), query
            assert found.scores.tolist() == pytest.approx([expected[d] for d in sorted(expected)], rel=1e-12,
                                                          abs=1e-12), query


@pytest.mark.slow
def test_some_queries_match_many_documents_and_some_none(index):
    """The comparisons above are not vacuous: frequent words, phrases and misses are all there."""
    opened = index._readers.opened()
    with opened.searcher(weighting=SCORING) as searcher:
        evaluator = Evaluator(opened.arrays(), searcher.reader(), SCORING, lambda: opened.searcher(weighting=SCORING))

        def count(text: str) -> int:
            return evaluator.matches(to_whoosh(parse_query(text), searcher.reader()).query).count()

        assert count("الرياض") > 500
        assert 0 < count('"خادم الحرمين الشريفين"') < count("خادم الحرمين الشريفين")
        assert count("كلمةغيرموجودةابدا") == 0


@pytest.mark.slow
@pytest.mark.parametrize("text", ["الرياض", "وزارة الصحة", "خادم الحرمين", "متى تأسست وزارة الصحة؟", "مدرس*"])
def test_search_ranks_as_whooshs_collector(index, text):
    """Top 20 of Index.search: Whoosh's order by score, complete matches of keywords first."""
    results = index.search(text, limit=20)
    opened = index._readers.opened()
    with opened.searcher(weighting=SCORING) as searcher:
        plan = to_whoosh(parse_query(text), searcher.reader())
        scores = whoosh_matches(searcher, plan.query)
        complete = set(whoosh_matches(searcher, plan.all_words)) if plan.all_words is not None else set(scores)
        expected = sorted(scores, key=lambda d: (d not in complete, -scores[d], d))[:20]
        expected_ids = [searcher.stored_fields(d)["id"] for d in expected]
    assert results.total == len(scores)
    assert [hit.score for hit in results.hits] == pytest.approx([scores[d] for d in expected], rel=1e-12)
    tied = {expected_ids[i] for i in range(len(expected)) for j in range(len(expected))
            if i != j and abs(scores[expected[i]] - scores[expected[j]]) <= 1e-9 * scores[expected[i]]}
    assert [h.id for h in results.hits if h.id not in tied] == [i for i in expected_ids if i not in tied]


def test_top_documents_orders_by_score_then_document_number():
    matches = Matches(np.array([0, 1, 2, 3, 5]), np.array([0.5, 2.0, 1.0, 2.0, 1.0]))
    assert top_documents(matches, 3) == [(1, 2.0), (3, 2.0), (2, 1.0)]
    assert top_documents(matches, 4) == [(1, 2.0), (3, 2.0), (2, 1.0), (5, 1.0)]
    assert top_documents(matches, 10) == [(1, 2.0), (3, 2.0), (2, 1.0), (5, 1.0), (0, 0.5)]
    assert top_documents(Matches(np.zeros(0, dtype=np.int64), np.zeros(0)), 3) == []


def test_positions_decode_as_the_schema_encodes_them():
    lists = [[0], [3, 7, 8], [], [12], [1, 100, 70_000, 4_000_000_000]]
    encoded = [PositionArray().encode(positions) for positions in lists if positions]
    assert [PositionArray().decode_positions(value) for value in encoded] == [p for p in lists if p]
    assert [PositionArray(field_boost=2.0).decode_weight(value) for value in encoded] == [2.0, 6.0, 2.0, 8.0]
    docs = np.array([2, 5, 6, 40])
    decoded = decode_positions(docs, encoded)
    assert [decoded.of(i) for i in range(len(encoded))] == [p for p in lists if p]
    assert (decoded.keys >> 32).tolist() == [2, 5, 5, 5, 6, 40, 40, 40, 40]
    assert decoded.keys.tolist() == sorted(decoded.keys.tolist())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.lists(st.integers(0, 30), max_size=6), st.lists(st.integers(0, 30), max_size=6)),
                max_size=8),
       st.integers(1, 3), st.booleans())
def test_pairs_within_agrees_with_the_span_rule(documents, slop, ordered):
    def keys(which):
        return np.array([(doc << 32) | p for doc, lists in enumerate(documents) for p in sorted(set(lists[which]))],
                        dtype=np.int64)

    expected = [doc for doc, (first, second) in enumerate(documents)
                if first and second and spans_match([sorted(set(first)), sorted(set(second))], slop, ordered, 1)]
    assert pairs_within(keys(0), keys(1), slop, ordered).tolist() == expected


@pytest.mark.parametrize(("positions", "slop", "ordered", "expected"), [
    ([[3], [4]], 1, True, True),  # adjacent, in order
    ([[4], [3]], 1, True, False),  # adjacent, reversed
    ([[4], [3]], 1, False, True),  # reversed, unordered
    ([[3], [3]], 1, False, False),  # the same position is distance 0
    ([[3], [6]], 2, True, False),  # three apart, slop 2
    ([[3], [5], [6]], 2, True, True),  # three words within the slop
    ([[3, 20], [21], [22]], 1, True, True),
])
def test_spans_match_follows_whooshs_span_rule(positions, slop, ordered, expected):
    assert spans_match(positions, slop, ordered, mindist=1) is expected


def test_cache_budget_drops_the_least_recently_used_terms(index):
    opened = index._readers.opened()
    arrays = IndexArrays(opened.reader, budget_mb=0.02)  # about 20 kB
    stems = [stem_or_none(normalize_text(word)) for word in ["الرياض", "جدة", "السعودية", "وزير", "أمير", "مدرسة", "ملك", "الصحة"]]
    sizes = [arrays.term("body_stem", stem).nbytes for stem in stems]
    assert sum(sizes) > arrays.budget > max(sizes)  # not all fit, each does
    assert 0 < arrays._held <= arrays.budget
    assert ("body_stem", stems[-1]) in arrays._terms
    assert ("body_stem", stems[0]) not in arrays._terms


def test_a_new_reader_sees_new_documents(tmp_path):
    """Arrays belong to one reader: after an update the next search decodes the new postings."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("مدرسة جديدة في الرياض", encoding="utf-8")
    index = Index(tmp_path / "index")
    index.update(seeds)
    assert index.search("مدرسة").total == 1
    (seeds / "b.txt").write_text("افتتاح مدرسة ثانية", encoding="utf-8")
    index.update(seeds)
    assert index.search("مدرسة").total == 2
    shutil.rmtree(seeds)


def test_memoised_term_lookups_answer_as_the_reader(index):
    opened = index._readers.opened()
    arrays, reader = opened.arrays(), opened.reader
    for field, prefix in [("body", "مدرس"), ("body_stem", "سعو"), ("title", "ال")]:
        expected = tuple(term.decode("utf-8") for term in reader.expand_prefix(field, prefix))
        assert arrays.expand_prefix(field, prefix) == expected[:4096] and expected
        assert arrays.expand_prefix(field, prefix) is arrays.expand_prefix(field, prefix)  # kept
    for field, word in [("body_stem", "رياض"), ("body", "الرياض"), ("body", "كلمةغيرموجودة")]:
        assert arrays.doc_frequency(field, word) == reader.doc_frequency(field, word)
    assert arrays.terms_within("body", "الرياض", 1, prefix=1) == list(reader.terms_within("body", "الرياض", 1,
                                                                                           prefix=1))


@pytest.mark.slow
def test_a_negated_word_excludes_every_document_holding_it(index):
    """What Whoosh's AndNotMatcher sometimes misses: no hit of النصر -الهلال holds الهلال in any field."""
    results = index.search("النصر -الهلال", limit=1000)
    assert results.total > 10 and len(results.hits) == results.total
    opened = index._readers.opened()
    holding = set()
    for field, text in [("body", "الهلال"), ("title", "الهلال"), ("body_stem", "هلال"), ("title_stem", "هلال")]:
        holding |= {opened.reader.stored_fields(d)["id"] for d in opened.arrays().term(field, text).ids.tolist()}
    assert holding and not holding & {hit.id for hit in results.hits}


@settings(max_examples=300, deadline=None)
@given(st.sets(st.integers(0, 60), max_size=25), st.sets(st.integers(0, 60), max_size=40))
def test_common_finds_each_shared_document_in_both_arrays(first, second):
    a, b = np.array(sorted(first), dtype=np.int64), np.array(sorted(second), dtype=np.int64)
    in_a, in_b = common(a, b)
    assert a[in_a].tolist() == b[in_b].tolist() == sorted(first & second)


def test_columns_read_at_once_equal_whooshs_column_readers(index):
    """Field lengths, source codes and stored fields, read in one go per segment, as Whoosh reads them document by document."""
    opened = index._readers.opened()
    arrays = IndexArrays(opened.ix.reader())
    codes, names = arrays.sources()
    for segment, offset in opened.reader.leaf_readers():
        for docnum in range(segment.doc_count_all()):
            for fieldname in FIELD_NAMED:
                # (W3 answers None for an empty field, which scorers count as 1)
                assert arrays.lengths(fieldname)[offset + docnum] == (segment.doc_field_length(docnum, fieldname) or 1)
            source = segment.stored_fields(docnum).get("source")
            assert (names[codes[offset + docnum]] if codes[offset + docnum] >= 0 else None) == (source or None)
            assert arrays.stored_fields(offset + docnum) == segment.stored_fields(docnum)
    assert len(names) > 5  # SaudiNewsNet's sources, not one


@pytest.mark.parametrize("count", [7, 40_000])  # past 2**15 documents Whoosh also writes the offsets
def test_a_var_bytes_column_reads_as_whooshs_reader(count):
    values = [b"", "سبق".encode(), "سبق".encode(), "عكاظ".encode(), b"", b"", "الرياض".encode(), b"x" * 300]
    column = VarBytesColumn()
    storage = RamStorage()
    out = storage.create_file("column")
    writer = column.writer(out)
    for docnum in range(count):
        writer.add(docnum, values[(docnum // 3) % len(values)])
    writer.finish(count)
    out.close()
    length = storage.file_length("column")
    expected = list(column.reader(storage.open_file("column"), 0, length, count))
    ours = VarBytesColumnFile(storage.open_file("column"), 0, length, count)
    assert [ours.value(docnum) for docnum in range(count)] == expected
    distinct, codes = ours.distinct()
    assert [distinct[code] for code in codes] == expected
    assert sorted(distinct) == sorted(set(expected))
