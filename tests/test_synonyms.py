"""Synonyms and variant spellings (query/synonyms.py): the rules file, the query rewrite, search and explain."""

from __future__ import annotations

import bisect
import json
import re
import zipfile
from itertools import accumulate
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from conftest import index_of
from search import Index
from search.analysis.normalize import FOLD_TABLE
from search.query.language import Phrase, Synonym, Word, parse_query
from search.query.synonyms import (
    DEFAULT_FILE,
    USER_FILE,
    SynonymsError,
    default_synonyms,
    expand_synonyms,
    parse_synonyms,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DAYS = sorted((SHARED / "corpora" / "saudinewsnet" / "dataset").glob("2015-*.zip"))
MIN_ARTICLES = 5  # each form of a shipped rule is written so in at least this many articles

ARTICLES = [
    {"id": "ameerka", "title": "زيارة رسمية", "source": "aawsat", "date": "2015-07-21 09:00:00",
     "text": "وصل وزير الخارجية إلى أميركا في زيارة تستمر ثلاثة أيام لبحث ملفات المنطقة."},
    {"id": "amreeka", "title": "مباحثات", "source": "okaz", "date": "2015-07-22 09:00:00",
     "text": "قال المتحدث إن أمريكا تدعم الحل السياسي في اليمن."},
    {"id": "facebook-split", "title": "شبكات التواصل", "source": "sabq", "date": "2015-07-23 09:00:00",
     "text": "نشر الشاب مقطعا على فيس بوك فانتشر بين المستخدمين خلال ساعات."},
    {"id": "facebook", "title": "حملة توعية", "source": "sabq", "date": "2015-07-24 09:00:00",
     "text": "أطلقت الوزارة حملة توعية عبر فيسبوك وتويتر للتعريف بالخدمات الجديدة."},
    {"id": "book", "title": "معرض", "source": "riyadh", "date": "2015-07-25 09:00:00",
     "text": "يضم المعرض كتبا عن بوك وعن فيس في قسمين منفصلين."},
]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Index:
    return index_of(tmp_path_factory.mktemp("synonyms"), ARTICLES)


def ids(index, query) -> set[str]:
    return {hit.id for hit in index.search(query, limit=50).hits}


# ----- the rules file --------------------------------------------------------


def test_an_equivalence_maps_every_form_to_all_on_normalized_words():
    rules = parse_synonyms("أمريكا, أميركا\n", "rules.txt")
    assert rules.table == {("امريكا",): (("امريكا",), ("اميركا",)), ("اميركا",): (("امريكا",), ("اميركا",))}


def test_an_explicit_rule_searches_the_right_side_only_and_a_phrase_is_its_words():
    rules = parse_synonyms("# comment\nفيس بوك => فيسبوك  # trailing comment\n\n", "rules.txt")
    assert rules.table == {("فيس", "بوك"): (("فيسبوك",),)}


@pytest.mark.parametrize("line, why", [
    ("أمريكا", "names one form"),
    ("أمريكا => ", "empty entry"),
    ("أ => ب => ج", "more than one =>"),
    ("أمريكا, ؟", "empty entry"),
])
def test_a_bad_line_names_the_file_and_the_line(line, why):
    with pytest.raises(SynonymsError, match=rf"^rules\.txt:3: .*{why}"):
        parse_synonyms(f"تويتر, توتير\n\n{line}\n", "rules.txt")


def test_the_shipped_file_parses():
    rules = default_synonyms()
    assert rules.table[("امريكا",)] == (("امريكا",), ("اميركا",))
    assert ("فيس", "بوك") in rules.table[("فيسبوك",)]


# ----- the query rewrite -------------------------------------------------------


def test_a_word_becomes_a_synonym_of_its_forms_marked_for_highlighting():
    parsed = expand_synonyms(parse_query("أمريكا"), default_synonyms())
    assert isinstance(parsed.root, Synonym)
    assert [form.normalized for form in parsed.root.forms] == ["امريكا", "اميركا"]
    assert [(w.normalized, w.synonym_of) for w in parsed.words] == [("امريكا", None), ("اميركا", "أمريكا")]


def test_an_exact_word_is_not_expanded():
    parsed = expand_synonyms(parse_query("=أمريكا"), default_synonyms())
    assert isinstance(parsed.root, Word)


def test_adjacent_plain_words_spelling_an_entry_become_its_phrase():
    parsed = expand_synonyms(parse_query("حملة فيس بوك"), default_synonyms())
    synonym = parsed.root.children[1]
    assert isinstance(synonym, Synonym) and isinstance(synonym.original, Phrase)
    assert [getattr(form, "normalized", None) for form in synonym.forms] == ["فيسبوك", None]


# ----- searching -------------------------------------------------------------


def test_amreeka_finds_an_article_that_only_has_ameerka(index):
    assert ids(index, "أمريكا") == {"ameerka", "amreeka"}
    assert ids(index, "=أمريكا") == {"amreeka"}


def test_facebook_finds_both_spellings_and_not_the_words_apart(index):
    assert ids(index, "فيسبوك") == {"facebook", "facebook-split"}
    assert ids(index, "فيس بوك") == {"facebook", "facebook-split"}


def test_explain_says_synonym_for_the_other_spelling(index):
    hit = next(hit for hit in index.search("أمريكا").hits if hit.id == "ameerka")
    assert [(m.term, m.original, m.rule) for m in hit.matches] == [("أمريكا", "أميركا", "synonym")]
    other = next(hit for hit in index.search("أمريكا").hits if hit.id == "amreeka")
    assert [(m.original, m.rule) for m in other.matches] == [("أمريكا", "identical")]


def test_a_user_file_beside_the_index_adds_rules_at_query_time(index):
    user_file = index.path / USER_FILE
    assert ids(index, "حملة") == {"facebook"}
    try:
        user_file.write_text("حملة, زيارة\n", encoding="utf-8")
        assert ids(index, "حملة") == {"facebook", "ameerka"}
        user_file.write_text("# fine\nحملة\n", encoding="utf-8")
        with pytest.raises(SynonymsError, match=rf"^{re.escape(str(user_file))}:2: "):
            index.search("حملة")
        result = CliRunner().invoke(main, ["search", "حملة", "--index", str(index.path)])
        assert result.exit_code == 2
        assert result.output.strip().splitlines() == [f"error: {user_file}:2: 'حملة' names one form; "
                                                      "list two or more, or write a => b"]
    finally:
        user_file.unlink(missing_ok=True)
    assert ids(index, "حملة") == {"facebook"}


SPELLINGS = [  # أمريكا written in five articles, أميركا in one; the rest of each text alike
    *({"id": f"common-{n}", "title": "تصريح", "source": "okaz", "date": f"2015-07-2{n} 09:00:00",
       "text": f"قال المتحدث إن أمريكا تدعم الحل السياسي في {place}"}
      for n, place in enumerate(["اليمن", "سوريا", "ليبيا", "العراق", "لبنان"])),
    {"id": "rare", "title": "تصريح", "source": "okaz", "date": "2015-07-26 09:00:00",
     "text": "قال المتحدث إن أميركا تدعم الحل السياسي في السودان"},
    {"id": "both", "title": "تصريح", "source": "okaz", "date": "2015-07-27 09:00:00",
     "text": "اسم أمريكا يكتب أيضا أميركا في بعض الصحف"},
    {"id": "twice", "title": "تصريح", "source": "okaz", "date": "2015-07-28 09:00:00",
     "text": "اسم أمريكا يكتب أيضا أمريكا في بعض الصحف"},
]


def test_a_synonyms_spellings_score_as_one_word(tmp_path):
    """Lucene's SynonymQuery: the rarer spelling is not worth more, nor writing both spellings."""
    scores = {hit.id: hit.score for hit in index_of(tmp_path, SPELLINGS).search("أمريكا", limit=20).hits}
    assert set(scores) == {article["id"] for article in SPELLINGS}
    assert scores["rare"] == pytest.approx(scores["common-0"], rel=1e-9)
    assert scores["both"] == pytest.approx(scores["twice"], rel=1e-9)
    assert scores["twice"] > scores["common-0"]  # twice the word in a text as long still counts


def test_either_spelling_ranks_alike(tmp_path):
    built = index_of(tmp_path, SPELLINGS)
    common, rare = ({hit.id: hit.score for hit in built.search(query, limit=20).hits} for query in ("أمريكا", "أميركا"))
    assert common == pytest.approx(rare, rel=1e-9)


def test_did_you_mean_corrects_only_the_words_typed(tmp_path):
    """A spelling the index lacks is no typo when its synonym is found, and the other forms are not echoed."""
    built = index_of(tmp_path, [article for article in SPELLINGS if article["id"] == "rare"])  # أميركا only
    for query in ("أمريكا", "أميركا", "أمريكا السياسي"):
        results = built.search(query)
        assert [hit.id for hit in results.hits] == ["rare"] and results.suggestion is None, query
    assert built.search("أميركا السياسي المتحدت").suggestion == "أميركا السياسي المتحدث"


# ----- the shipped list, checked against the corpus -----------------------------


@pytest.mark.slow
@pytest.mark.skipif(not DAYS, reason=f"{SHARED} (SaudiNewsNet day files) is not beside the repository")
def test_every_shipped_form_is_written_so_in_the_corpus():
    """Each form of each shipped rule, as a whole normalized word or phrase, in at least MIN_ARTICLES articles."""
    texts = []
    for day in DAYS:
        with zipfile.ZipFile(day) as archive:
            for name in archive.namelist():
                for article in json.loads(archive.read(name)):
                    texts.append(f"{article.get('title') or ''} {article.get('content') or ''}".translate(FOLD_TABLE))
    corpus = "\n".join(text.replace("\n", " ") for text in texts)  # article i is line i
    starts = list(accumulate((len(text) + 1 for text in texts[:-1]), initial=0))
    counts = {}
    for line in DEFAULT_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        for form in (part.strip() for part in line.split(",") if line):
            words = form.translate(FOLD_TABLE).split()
            pattern = re.compile(r"[^\S\n]+".join(map(re.escape, words)) + r"(?!\w)")  # a literal first: fast
            counts[form] = len({bisect.bisect_right(starts, hit.start()) for hit in pattern.finditer(corpus)
                                if hit.start() == 0 or not corpus[hit.start() - 1].isalnum()})
    print(f"\n{len(texts):,} articles: " + ", ".join(f"{form} {count}" for form, count in counts.items()))
    assert len(texts) > 30_000
    assert len(counts) >= 20
    assert {form: count for form, count in counts.items() if count < MIN_ARTICLES} == {}
