"""The root level: root:/جذر: finds every word of a root, a broken plural too, and says why.

مدرسة and مدارس share no stem (the light stemmer cannot undo a broken
plural) but share the root درس; كتب, مكتبة, كاتب and كتاب share كتب.
A plain word searches the root level too, at a tenth of the weight
(levels.ROOT_PLAIN_SHARE): مدرسة finds مدارس, after the articles with مدرسة.
"""

from __future__ import annotations

import json

import pytest

from conftest import index_of
from search import Index, QueryError
from search.analysis.levels import ROOT, WEIGHTS, field_names
from search.analysis.normalize import normalize_text
from search.analysis.root import canonical_root, word_root
from search.analysis.tokenize import root_positions
from search.opensearch.export import bulk_lines, field_mappings, index_body
from search.query.language import parse_query
from search.query.plan import Expansion, Terms, plan_query, walk
from search.snippets import find_matches
from search.store.index import FORMAT_VERSION

ARTICLES = [
    {"id": "schools", "title": "التعليم في القرى", "source": "okaz", "date": "2015-07-21 09:00:00",
     "text": "افتتحت وزارة التعليم عشر مدارس في القرى النائية هذا العام."},
    {"id": "school", "title": "زيارة", "source": "okaz", "date": "2015-07-22 09:00:00",
     "text": "زار الأمير المدرسة الجديدة والتقى المعلمين."},
    {"id": "books", "title": "معرض", "source": "riyadh", "date": "2015-07-23 09:00:00",
     "text": "عرضت الكتب القديمة في معرض الرياض."},
    {"id": "library", "title": "افتتاح", "source": "riyadh", "date": "2015-07-24 09:00:00",
     "text": "افتتحت المكتبة العامة أبوابها للزوار."},
    {"id": "writer", "title": "لقاء", "source": "sabq", "date": "2015-07-25 09:00:00",
     "text": "حاور الصحفي كاتبا مشهورا عن روايته الأخيرة."},
    {"id": "football", "title": "رياضة", "source": "sabq", "date": "2015-07-26 09:00:00",
     "text": "فاز الفريق بالمباراة النهائية أمام جمهوره."},
]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Index:
    return index_of(tmp_path_factory.mktemp("roots"), ARTICLES)


def ids(index, query) -> set[str]:
    return {hit.id for hit in index.search(query, limit=50).hits}


# ----- the extractor ---------------------------------------------------------


@pytest.mark.parametrize("word", ["مدرسة", "مدارس", "المدارس", "دروس", "مدرس"])
def test_a_broken_plural_has_its_singulars_root(word):
    assert word_root(normalize_text(word)) == "درس"


@pytest.mark.parametrize("word", ["كتاب", "كتب", "مكتبة", "كاتب", "مكاتب", "يكتبون", "الكتابة"])
def test_every_form_of_write_has_the_root_ktb(word):
    assert word_root(normalize_text(word)) == "كتب"


@pytest.mark.parametrize("word, root", [("وبالمدرسة", "درس"), ("والمدارس", "درس"), ("فالكتاب", "كتب"),
                                        ("وللكاتب", "كتب"), ("بالمكتبة", "كتب")])
def test_a_words_clitics_go_before_its_root_is_found(word, root):
    """ISRI alone strips only وال بال كال فال لل: وبالمدرسة would stay whole."""
    assert word_root(normalize_text(word)) == root


def test_a_final_teh_marbuta_folded_to_heh_is_still_cut():
    """Normalized text spells مكتبة as مكتبه: ISRI alone would keep the ه and give كبه."""
    assert word_root("مكتبه") == "كتب"


def test_a_roots_hamza_has_one_spelling():
    assert canonical_root("ءخذ") == canonical_root("أخذ") == canonical_root("اخذ") == "اخذ"


@pytest.mark.parametrize("word", ["في", "2015", "un"])
def test_short_words_and_digits_are_their_own_root(word):
    assert word_root(word) == word


def test_stopwords_have_no_root_term_and_positions_pool_by_root():
    assert root_positions("في المدارس وفي المدرسة") == {"درس": [1, 3]}


# ----- searching -------------------------------------------------------------


@pytest.mark.parametrize("query", ["جذر:مدرسة", "root:مدرسة", "root:مدارس", "ROOT:المدرسة"])
def test_root_search_finds_the_broken_plural(index, query):
    assert ids(index, query) == {"schools", "school"}


def test_a_plain_word_finds_the_broken_plural_after_its_own_forms(index):
    """مدرسة and مدارس share no stem; the root level finds مدارس, ranked below the article with المدرسة."""
    hits = index.search("مدرسة", limit=10).hits
    assert [hit.id for hit in hits] == ["school", "schools"]
    assert [(m.original, m.rule) for m in hits[1].matches] == [("مدارس", "same root")]
    assert [m.rule for m in hits[0].matches] == ["prefix"]  # المدرسة: its stem, not its root, is shown


def test_a_words_root_mates_are_marked_whatever_other_words_the_query_has():
    """Root mates are marked only when a word is in the text by its root alone, not because another word is missing."""
    text = "زار الأمير المدرسة ومدارس أخرى في الرياض."
    alone = [(m.original, m.rule) for m in find_matches(text, parse_query("مدرسة"))]
    with_absent_word = [(m.original, m.rule) for m in find_matches(text, parse_query("مدرسة كتاب"))]
    assert alone == with_absent_word == [("المدرسة", "prefix")]
    by_root_alone = [(m.original, m.rule) for m in find_matches("افتتحت عشر مدارس جديدة.", parse_query("مدرسة كتاب"))]
    assert by_root_alone == [("مدارس", "same root")]


@pytest.mark.parametrize("query", ["مدرسة", "مدرسة كتاب", "كتاب", "الكتب مكتبة", "root:كتاب", "مدرسة الرياض"])
def test_snippets_asking_the_index_for_roots_mark_what_reading_the_text_marks(index, query):
    """A hit's matches skip the root pass when the document's root postings say it would find nothing."""
    for hit in index.search(query, limit=50).hits:
        body = index.article(hit.id).body
        read = [(m.original, m.rule) for m in find_matches(body, parse_query(query))]
        assert [(m.original, m.rule) for m in hit.matches] == read, hit.id


def test_root_search_finds_books_library_and_writer(index):
    assert ids(index, "root:كتاب") == {"books", "library", "writer"}


def test_root_words_combine_with_other_operators(index):
    assert ids(index, "root:كتاب -source:sabq") == {"books", "library"}
    assert ids(index, "root:كتاب OR جذر:مدرسة") == {"books", "library", "writer", "schools", "school"}


def test_explain_says_same_root(index):
    hits = {hit.id: hit for hit in index.search("جذر:مدرسة", limit=10).hits}
    assert [(m.original, m.rule) for m in hits["schools"].matches] == [("مدارس", "same root")]
    writer = index.search("root:كتاب", limit=10).hits
    assert ("كاتبا", "same root") in [(m.original, m.rule) for hit in writer for m in hit.matches]


def test_a_plain_word_plans_root_terms_at_a_tenth_of_the_weight():
    plan = plan_query(parse_query("مدرسة"))
    (node,) = [n for n in walk(plan.query) if isinstance(n, Terms)]
    weights = {term.field: (term.text, term.weight) for term in node.terms}
    assert weights["body_root"] == ("درس", pytest.approx(0.1 * ROOT.weights["body"]))
    assert weights["title_root"] == ("درس", pytest.approx(0.1 * ROOT.weights["title"]))
    assert weights["body_stem"] == ("مدرس", 1.0)
    assert set(field_names(ROOT)) <= set(WEIGHTS)


def test_prefix_and_fuzzy_words_leave_the_root_level_out():
    """A word's beginning or misspelling is not its root's: كتا* expands stems and words only."""
    fields = {field for query in ("كتا*", "مدرسه~") for node in walk(plan_query(parse_query(query)).query)
              if isinstance(node, Expansion) for field, _ in node.fields}
    assert fields == {"body_stem", "body", "title_stem", "title"}


def test_a_root_word_plans_only_root_terms():
    (node,) = [n for n in walk(plan_query(parse_query("جذر:مكتبة")).query) if isinstance(n, Terms)]
    assert [(t.field, t.text) for t in node.terms] == [("body_root", "كتب"), ("title_root", "كتب")]


@pytest.mark.parametrize("query, message", [
    ("root:", "root: needs a value"),
    ("root:كتا*", "root: takes one word"),
    ("جذر:مدرسه~", "root: takes one word"),
    ("root:2015-07", "root: takes one word"),
])
def test_a_root_word_must_be_one_word(query, message):
    with pytest.raises(QueryError, match=message):
        parse_query(query)


# ----- the export ------------------------------------------------------------


def test_the_export_sends_root_terms_in_each_document(index):
    with index.open_whoosh().reader() as reader:
        stored = {fields["id"]: fields for fields in reader.all_stored_fields()}
    (line,) = list(bulk_lines([stored["schools"]]))
    document = json.loads(line.decode("utf-8").splitlines()[1])
    in_text_order = sorted((at, term) for term, ats in root_positions(stored["schools"]["body"]).items()
                           for at in ats)
    assert document["body_root"].split() == [term for _, term in in_text_order]
    assert "درس" in document["body_root"].split()
    mapping = field_mappings()["properties"]
    assert mapping["body_root"] == {"type": "text", "analyzer": ROOT.cluster_analyzer}
    analyzer = index_body("rules.txt", 1, 0)["settings"]["analysis"]["analyzer"][ROOT.cluster_analyzer]
    assert analyzer == {"type": "custom", "tokenizer": "whitespace"}


# ----- an index written before the root level ---------------------------------


def test_an_index_of_format_4_has_no_root_fields_and_an_update_rebuilds_it(tmp_path):
    """Format 4 had no root level: a root: search there finds nothing, so the update rebuilds it whole."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "news.jsonl").write_text(json.dumps(ARTICLES[0], ensure_ascii=False) + "\n", encoding="utf-8")
    index = Index(tmp_path / "index")
    index.update(seeds)
    marker = tmp_path / "index" / ".arabic-search-index"
    marker.write_text(json.dumps({**json.loads(marker.read_text(encoding="utf-8")), "format": 4}), encoding="utf-8")

    summary = Index(tmp_path / "index").update(seeds)

    assert summary.rebuilt_because == f"written by an older version (format 4; this one writes {FORMAT_VERSION})"
    assert ids(Index(tmp_path / "index"), "جذر:مدرسة") == {"schools"}
