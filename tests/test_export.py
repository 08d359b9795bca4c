"""The OpenSearch / Elasticsearch export, and the backend's mapping of a cluster's answer.

The analysis is checked here by reading the exported rules back in Python
(fast, every character class); tests/test_export_lucene.py runs them in
real Lucene. No cluster runs here: the backend is checked on a response
of the shape the _search API returns, built from the exported documents.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import unicodedata
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import ARABIC_MIX
from hypothesis import given, settings

import cli
from search import Index, QueryError
from search.analysis.levels import STEM, field_names
from search.analysis.normalize import DIACRITIC_RANGES, FOLD, fold_char, normalize_text
from search.analysis.stopwords import STOPWORDS
from search.analysis.tokenize import TOKEN_PATTERN, stem_or_none, tokenize
from search.engine.schema import DIGEST_FIELD, build_schema
from search.engine.searching import SCORING
from search.opensearch.backend import BackendError, OpenSearchBackend, results_from_response, split_url
from search.opensearch.export import (
    EXACT_ANALYZER,
    INDEX_FILE,
    MANIFEST_FILE,
    STEM_ANALYZER,
    TEMPLATE_FILE,
    ExportError,
    analysis_settings,
    export_changes,
    export_opensearch,
)
from search.opensearch.querydsl import ALL_WORDS_BONUS
from search.query.language import parse_query

ARTICLES = {
    "okaz.jsonl": [
        {"id": "school", "title": "افتتاح مدرسة جديدة", "source": "okaz", "date": "2015-07-21 09:00:00",
         "url": "http://okaz.com.sa/school", "author": "جدة: محمد",
         "text": "افتتح وزير التعليم وبالمدرسةِ الجديدة احتفل الطلاب، وقال مديرُ المَدرسة إن الدروس تبدأ غداً."},
        {"id": "tatweel", "title": "مـــدرسة القرية", "source": "okaz", "date": "2015-08-01 08:00:00",
         "text": "تقع مـــدرسة القرية قرب المستشفي القديم، وقد تأسست عام ٢٠١٥ بدعم من الأهالي."},
    ],
    "riyadh.jsonl": [
        {"id": "council", "title": "جلسة الحكومة", "source": "riyadh", "date": "2015-08-03 12:00:00",
         "text": "عقد مجلس الوزراء جلسته الأسبوعية برئاسة الملك، وناقش الوزراء ملف التعليم والمدارس."},
        {"id": "persian", "title": "كتابة بلوحة فارسية", "source": "riyadh", "date": "2015-08-05 12:00:00",
         "text": "كتب المراسل كلمة ﻻعب و\u200fمسئول وشؤون على لوحة مفاتيح فارسية: کتاب یومی."},
    ],
    "aleqtisadiya.jsonl": [
        {"id": "oil", "title": "أسعار النفط", "source": "aleqtisadiya", "date": "2015-08-02 12:00:00",
         "text": "ارتفعت أسعار النفط بعد قرار منظمة أوبك، وقال المحللون إن مجلس الوزراء السعودي رحب بالقرار."},
    ],
}


def write_seeds(seeds: Path, files: dict) -> None:
    seeds.mkdir(exist_ok=True)
    for name, articles in files.items():
        (seeds / name).write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles),
                                  encoding="utf-8")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(index, export folder) for ARTICLES, exported with 2 shards and 0 replicas."""
    root = tmp_path_factory.mktemp("export")
    write_seeds(root / "seeds", ARTICLES)
    index = Index(root / "index")
    index.update(root / "seeds")
    export_opensearch(index, root / "out", shards=2, replicas=0)
    return index, root / "out"


def index_json(out: Path) -> dict:
    return json.loads((out / INDEX_FILE).read_text(encoding="utf-8"))


def bulk_entries(out: Path) -> list[tuple[dict, dict | None]]:
    """(action, source) pairs of every documents-NNN.ndjson, in file order; source None for a delete."""
    entries = []
    for chunk in sorted(out.glob("documents-*.ndjson")):
        lines = [json.loads(line) for line in chunk.read_text(encoding="utf-8").splitlines()]
        while lines:
            action = lines.pop(0)
            entries.append((action, lines.pop(0) if "index" in action else None))
    return entries


def rules_of(out: Path) -> list[tuple[str, str]]:
    path = out / index_json(out)["settings"]["analysis"]["filter"]["arabic_stems"]["rules_path"]
    return [tuple(line.split(" => ")) for line in path.read_text(encoding="utf-8").splitlines()]


# ----- reading the exported analysis back in Python -------------------------


def unescape(side: str) -> str:
    """A mapping rule side as the engines read it: \\uXXXX escapes are UTF-16 units."""
    units = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), side.strip())
    return units.encode("utf-16", "surrogatepass").decode("utf-16")


def python_regex(java: str) -> re.Pattern:
    return re.compile(re.sub(r"\\x\{([0-9a-f]+)\}", lambda m: f"\\U{int(m.group(1), 16):08x}", java))


class ExportedAnalysis:
    """The exported char filters and tokenizer, applied the way Lucene applies them."""

    def __init__(self, analysis: dict):
        self.steps = []
        for definition in analysis["char_filter"].values():
            if definition["type"] == "pattern_replace":
                self.steps.append((python_regex(definition["pattern"]), definition["replacement"]))
            else:
                table = {}
                for rule in definition["mappings"]:
                    left, _, right = rule.partition("=>")
                    table[unescape(left)] = unescape(right)
                self.steps.append(table)
        assert analysis["tokenizer"]["arabic_words"]["pattern"] == r"[^\p{L}\p{N}]+"

    def char_filter(self, text: str) -> str:
        for step in self.steps:
            if isinstance(step, dict):
                text = "".join(step.get(char, char) for char in text)
            else:
                text = step[0].sub(step[1], text)
        return text

    def words(self, text: str) -> list[str]:
        """Split where Java's [^\\p{L}\\p{N}]+ splits: at characters neither letter nor number."""
        marked = "".join(c if unicodedata.category(c)[0] in "LN" else " " for c in self.char_filter(text))
        return marked.split()


@pytest.fixture(scope="module")
def analysis(exported) -> ExportedAnalysis:
    return ExportedAnalysis(index_json(exported[1])["settings"]["analysis"])


SENTENCES = [
    "وَقَالَ مُدِيرُ المَدْرَسَةِ إِنَّ الدُّرُوسَ تَبْدَأُ غَداً",  # harakat, tanween, shadda
    "هٰذا ذٰلك الكتابُ ۖ لا ريب ۚ فيه",  # dagger alef, Qur'anic marks
    "مـــدرسة الــقرية",  # tatweel
    "ﻻعب ﻷحمد ﷲ ﷺ",  # lam-alef and other ligatures (ﷺ stays whole)
    "کتاب یومی گفت",  # Persian keheh and yeh
    "عام ٢٠١٥ و۱۳۹۴ و2015",  # Eastern Arabic and Persian digits
    "مسئول\u200c مسؤول\u200d \u200fشؤون \u202bنص\u202c \u2067عزل\u2069 \ufeffبداية ناعم\u00adة",  # format characters
    "ٱلحمد لله OPEC Ｆｕｌｌ ﬁne\u00a0text",  # alef wasla, Latin capitals, fullwidth, ligature, no-break space
]


@pytest.mark.parametrize("text", SENTENCES)
def test_exported_char_filters_normalize_as_ours(analysis, text):
    assert analysis.char_filter(text) == normalize_text(text)


@pytest.mark.parametrize("text", SENTENCES)
def test_exported_tokenizer_splits_as_ours(analysis, text):
    assert analysis.words(text) == [word for _, _, word in tokenize(text)]


@settings(max_examples=300, deadline=None)
@given(ARABIC_MIX)
def test_exported_analysis_agrees_on_any_text(analysis, text):
    assert analysis.char_filter(text) == normalize_text(text)
    assert analysis.words(text) == [word for _, _, word in tokenize(text)]


def test_every_diacritic_range_and_tatweel_is_dropped(analysis):
    pattern = analysis.steps[0][0]
    for low, high in DIACRITIC_RANGES:
        for code in range(ord(low), ord(high) + 1):
            assert pattern.fullmatch(chr(code)), hex(code)
    assert pattern.fullmatch("\u0640")  # TATWEEL


def test_every_fold_rule_is_a_mapping_rule(exported):
    rules = index_json(exported[1])["settings"]["analysis"]["char_filter"]["fold_letters"]["mappings"]
    assert sorted(rules) == sorted(f"{source} => {target}" for source, target in FOLD.items())


def test_presentation_forms_come_from_nfkc(exported):
    rules = index_json(exported[1])["settings"]["analysis"]["char_filter"]["fold_presentation_forms"]["mappings"]
    assert "\ufefb => \u0644\u0627" in rules  # LAM WITH ALEF ISOLATED FORM -> لا
    assert "\ufef7 => \u0644\u0627" in rules  # LAM WITH ALEF WITH HAMZA ABOVE -> لا (hamza seat folded)
    assert "\ufdf2 => \u0627\u0644\u0644\u0647" in rules  # ALLAH ligature -> الله
    assert not any(rule.startswith("\ufdfa ") for rule in rules)  # ﷺ would be words and spaces: kept whole


def test_a_space_in_a_rule_is_escaped_so_it_survives_trimming(exported):
    rules = index_json(exported[1])["settings"]["analysis"]["char_filter"]["fold_compatibility_and_case"]["mappings"]
    assert "\\u00a0 => \\u0020" in rules  # NO-BREAK SPACE -> space, not deleted
    assert "A => a" in rules


def test_each_rule_output_folds_to_itself_so_filter_order_does_not_matter(exported):
    for definition in index_json(exported[1])["settings"]["analysis"]["char_filter"].values():
        for rule in definition.get("mappings", ()):
            left, _, right = rule.partition("=>")
            assert len(unescape(left)) == 1, rule
            assert all(fold_char(char) == char for char in unescape(right)), rule


# ----- index.json ------------------------------------------------------------


def test_settings_carry_shards_replicas_and_our_bm25(exported):
    settings_ = index_json(exported[1])["settings"]
    assert (settings_["number_of_shards"], settings_["number_of_replicas"]) == (2, 0)
    assert settings_["similarity"]["default"] == {"type": "BM25", "k1": SCORING.K1, "b": SCORING.B}


def test_two_analyzers_exact_and_stem(exported):
    analysis_ = index_json(exported[1])["settings"]["analysis"]
    exact, stem = analysis_["analyzer"][EXACT_ANALYZER], analysis_["analyzer"][STEM_ANALYZER]
    assert "filter" not in exact  # stopwords kept, nothing stemmed
    assert stem["filter"] == ["arabic_stopwords", "arabic_stems", "lucene_arabic_stemmer"]
    assert analysis_["filter"]["arabic_stopwords"]["stopwords"] == sorted(STOPWORDS)
    assert analysis_["filter"]["arabic_stems"]["type"] == "stemmer_override"
    assert analysis_["filter"]["lucene_arabic_stemmer"] == {"type": "stemmer", "language": "arabic"}
    assert exact["char_filter"] == stem["char_filter"] == list(analysis_["char_filter"])


def test_search_analyzers_add_the_synonyms_graph_after_the_tokenizer(exported):
    """The shipped synonyms as a synonym_graph filter, in a search-only copy of each analyzer."""
    analysis_ = index_json(exported[1])["settings"]["analysis"]
    rules = analysis_["filter"]["arabic_synonyms"]
    assert rules["type"] == "synonym_graph"
    assert "امريكا => امريكا, اميركا" in rules["synonyms"]
    assert "فيسبوك => فيسبوك, فيس بوك" in rules["synonyms"]
    for name in (EXACT_ANALYZER, STEM_ANALYZER):
        plain, searching = analysis_["analyzer"][name], analysis_["analyzer"][name + "_search"]
        assert searching == dict(plain, filter=["arabic_synonyms"] + plain.get("filter", []))


def test_every_schema_field_has_a_mapping(exported):
    """Every field but the stem levels (sub-fields) and the digest of updates, which no exported document has."""
    properties = index_json(exported[1])["mappings"]["properties"]
    assert set(properties) == set(build_schema().names()) - set(field_names(STEM)) - {DIGEST_FIELD}
    for name in ("title", "body"):
        assert properties[name] == {
            "type": "text", "analyzer": EXACT_ANALYZER, "search_analyzer": EXACT_ANALYZER + "_search",
            "fields": {"stem": {"type": "text", "analyzer": STEM_ANALYZER, "search_analyzer": STEM_ANALYZER + "_search"}}}
    assert properties["date"] == {"type": "date", "format": "yyyy-MM-dd HH:mm:ss||strict_date_optional_time"}
    assert properties["source"] == properties["id"] == properties["path"] == {"type": "keyword"}
    assert properties["url"] == properties["author"] == {"type": "keyword", "index": False}


def test_search_template_and_manifest_are_written(exported):
    index, out = exported
    assert json.loads((out / TEMPLATE_FILE).read_text(encoding="utf-8"))["script"]["lang"] == "mustache"
    assert json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8")) == index.manifest()


# ----- stem rules ------------------------------------------------------------


def test_rules_map_every_indexed_word_to_our_stem(exported):
    index, out = exported
    rules = rules_of(out)
    words = [word for word, _ in rules]
    assert words == sorted(set(words), key=lambda w: w.encode("utf-8"))
    expected = set()
    for articles in ARTICLES.values():
        for article in articles:
            expected |= {w for _, _, w in tokenize(article["title"] + "\n" + article["text"])}
    assert set(words) == expected - STOPWORDS
    assert all(stem == stem_or_none(word) for word, stem in rules)
    assert ("وبالمدرسه", stem_or_none("وبالمدرسه")) in rules


def test_rules_file_is_named_after_its_content(exported, tmp_path):
    index, out = exported
    name = index_json(out)["settings"]["analysis"]["filter"]["arabic_stems"]["rules_path"]
    assert re.fullmatch(r"arabic_stems-[0-9a-f]{12}\.txt", name) and (out / name).is_file()
    again = export_opensearch(index, tmp_path / "again")
    assert again.rules_file == name


def test_java_split_pattern_means_our_word_characters():
    """[^\\W_] is str.isalnum(), and that is exactly categories L* and N* (Java's \\p{L}, \\p{N})."""
    assert analysis_settings("x.txt")["tokenizer"]["arabic_words"]["pattern"] == r"[^\p{L}\p{N}]+"
    for code in range(0x110000):
        char = chr(code)
        assert bool(TOKEN_PATTERN.fullmatch(char)) == (unicodedata.category(char)[0] in "LN"), hex(code)


# ----- documents -------------------------------------------------------------


def test_documents_are_bulk_pairs_with_our_ids_and_original_text(exported):
    entries = bulk_entries(exported[1])
    ids = [action["index"]["_id"] for action, _ in entries]
    assert sorted(ids) == sorted(a["id"] for articles in ARTICLES.values() for a in articles)
    school = next(source for action, source in entries if action["index"]["_id"] == "school")
    assert school == {
        "id": "school", "path": "okaz.jsonl", "title": "افتتاح مدرسة جديدة", "source": "okaz",
        "date": "2015-07-21 09:00:00", "url": "http://okaz.com.sa/school", "author": "جدة: محمد",
        "body": ARTICLES["okaz.jsonl"][0]["text"],
    }


def test_chunks_stay_under_the_bound_and_stale_ones_go(exported, tmp_path):
    index, _ = exported
    summary = export_opensearch(index, tmp_path, chunk_mb=0.0005)  # 500 bytes: one article per file
    chunks = sorted(tmp_path.glob("documents-*.ndjson"))
    assert len(chunks) == summary.documents == 5 and summary.chunks == [c.name for c in chunks]
    two = export_opensearch(index, tmp_path, chunk_mb=0.0012)  # 1,200 bytes: two short articles fit
    assert 1 < len(two.chunks) < 5
    assert sorted(p.name for p in tmp_path.glob("documents-*.ndjson")) == two.chunks
    for chunk in tmp_path.glob("documents-*.ndjson"):
        lines = chunk.read_bytes().splitlines(keepends=True)
        assert chunk.stat().st_size <= 1200 or len(lines) == 2
    assert len(bulk_entries(tmp_path)) == 5


def test_an_id_longer_than_the_engines_accept_gets_a_digest(tmp_path):
    long_id = "http://okaz.com.sa/" + "مقال-" * 120
    write_seeds(tmp_path / "seeds", {"long.jsonl": [{"id": long_id, "title": "عنوان", "text": "نص المقال"}]})
    index = Index(tmp_path / "index")
    index.update(tmp_path / "seeds")
    export_opensearch(index, tmp_path / "out")
    [(action, source)] = bulk_entries(tmp_path / "out")
    assert action["index"]["_id"].startswith("sha256-") and source["id"] == long_id


def test_export_refuses_the_index_folder_and_bad_numbers(exported):
    index, _ = exported
    with pytest.raises(ExportError, match="is an index folder"):
        export_opensearch(index, index.path)
    with pytest.raises(ExportError, match="--shards"):
        export_opensearch(index, index.path.parent / "elsewhere", shards=0)


def test_changes_since_sends_deletes_and_changed_files_only(tmp_path):
    seeds = tmp_path / "seeds"
    write_seeds(seeds, ARTICLES)
    index = Index(tmp_path / "index")
    index.update(seeds)
    export_opensearch(index, tmp_path / "full")
    (seeds / "aleqtisadiya.jsonl").unlink()
    edited = [dict(ARTICLES["riyadh.jsonl"][0], title="جلسة مجلس الوزراء")]
    write_seeds(seeds, {"riyadh.jsonl": edited, "new.jsonl": [{"id": "new", "title": "خبر جديد", "text": "نص"}]})
    index.update(seeds)
    summary = export_changes(index, tmp_path / "full", tmp_path / "changes")
    entries = bulk_entries(tmp_path / "changes")
    deletes = [action["delete"]["_id"] for action, source in entries if source is None]
    indexed = {action["index"]["_id"]: source for action, source in entries if source is not None}
    assert deletes == ["oil", "persian"] and (summary.deleted, summary.documents) == (2, 2)
    assert set(indexed) == {"council", "new"} and indexed["council"]["title"] == "جلسة مجلس الوزراء"
    assert not (tmp_path / "changes" / INDEX_FILE).exists()
    assert json.loads((tmp_path / "changes" / MANIFEST_FILE).read_text(encoding="utf-8")) == index.manifest()
    again = export_changes(index, tmp_path / "changes", tmp_path / "nothing")
    assert (again.documents, again.deleted, again.chunks) == (0, 0, [])


# ----- the backend, on a response of the _search API's shape --------------------


def recorded_response(local, sources: dict[str, dict], tiered: bool) -> dict:
    """What a cluster answers for to_query_dsl's body: hits with _source, total, the source facet."""
    return {
        "took": 4, "timed_out": False,
        "_shards": {"total": 2, "successful": 2, "skipped": 0, "failed": 0},
        "hits": {
            "total": {"value": local.total, "relation": "eq"},
            "max_score": None,
            "hits": [{"_index": "arabic-search-v1", "_id": hit.id,
                      "_score": hit.score + (ALL_WORDS_BONUS if tiered else 0.0), "_source": sources[hit.id]}
                     for hit in local.hits],
        },
        "aggregations": {"source": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0,
                                    "buckets": [{"key": k, "doc_count": n} for k, n in local.facets.items()]}},
    }


@pytest.mark.parametrize("query, tiered", [("مدرسة", False), ("مجلس الوزراء", True), ('"مجلس الوزراء"', False)])
def test_response_becomes_the_same_results_as_the_local_engine(exported, query, tiered):
    index, out = exported
    sources = {action["index"]["_id"]: source for action, source in bulk_entries(out)}
    local = index.search(query)
    assert local.hits
    results = results_from_response(parse_query(query), recorded_response(local, sources, tiered),
                                    seconds=local.seconds)
    tier_counts = ("total_all", "total_some")  # counted by the local engine only: a cluster's answer has no tiers
    assert results.total_all is None and results.total_some is None
    without_tiers = lambda found: {k: v for k, v in found.to_dict(explain=True).items() if k not in tier_counts}  # noqa: E731
    assert without_tiers(results) == without_tiers(local)
    assert [hit.date for hit in results.hits] == [hit.date for hit in local.hits]


def test_second_page_ranks_continue_and_a_timeout_is_partial(exported):
    index, out = exported
    sources = {action["index"]["_id"]: source for action, source in bulk_entries(out)}
    local = index.search("مدرسة", limit=1, page=2)
    response = recorded_response(local, sources, False)
    response["timed_out"] = True
    response["hits"]["total"] = local.total  # the pre-7.0 shape: a bare number
    results = results_from_response(parse_query("مدرسة"), response, page=2, limit=1)
    assert [hit.rank for hit in results.hits] == [2] and results.partial and results.total == local.total


def test_cluster_url_names_the_index():
    assert split_url("http://localhost:9200/articles") == ("http://localhost:9200", "articles")
    assert split_url("https://search.example:443") == ("https://search.example:443", "arabic-search")
    for bad in ("localhost:9200", "ftp://host/x", "http://host/a/b"):
        with pytest.raises(BackendError):
            split_url(bad)


def test_malformed_query_fails_before_any_request():
    with pytest.raises(QueryError):
        OpenSearchBackend("http://127.0.0.1:9/arabic-search").search('"مجلس')


def test_missing_client_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "opensearchpy", None)  # as if not installed
    with pytest.raises(BackendError, match="pip install"):
        OpenSearchBackend("http://127.0.0.1:9/arabic-search").search("مدرسة")


# ----- command line ------------------------------------------------------------


def test_cli_export_writes_the_folder(exported, tmp_path):
    index, _ = exported
    result = CliRunner().invoke(cli.main, ["export", "opensearch", "--index", str(index.path), "--out",
                                           str(tmp_path), "--shards", "3", "--replicas", "2", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["documents"] == 5 and summary["rules_file"].startswith("arabic_stems-")
    assert index_json(tmp_path)["settings"]["number_of_shards"] == 3


def test_cli_export_error_is_one_line(exported):
    index, _ = exported
    result = CliRunner().invoke(cli.main, ["export", "opensearch", "--index", str(index.path),
                                           "--out", str(index.path)])
    assert result.exit_code == 2 and result.output.strip().count("\n") == 0
    assert "is an index folder" in result.output


def test_cli_search_opensearch_needs_a_url_and_reports_an_unreachable_cluster():
    assert CliRunner().invoke(cli.main, ["search", "مدرسة", "--backend", "opensearch"]).exit_code == 2
    result = CliRunner().invoke(cli.main, ["search", "مدرسة", "--backend", "opensearch",
                                           "--url", "http://127.0.0.1:9/arabic-search"])
    assert result.exit_code == 2 and result.output.strip() == "error: http://127.0.0.1:9: cannot connect"


def test_date_field_round_trips(exported):
    sources = {action["index"]["_id"]: source for action, source in bulk_entries(exported[1])}
    assert dt.datetime.fromisoformat(sources["oil"]["date"]) == dt.datetime(2015, 8, 2, 12, 0)


# ----- docs/scale-out.md and the compose file ----------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_command_in_the_scale_out_guide_uses_real_options():
    lines = [line.split("python cli.py ", 1)[1] for line in (DOCS / "scale-out.md").read_text(encoding="utf-8")
             .splitlines() if "python cli.py " in line]
    assert len(lines) >= 5
    for line in lines:
        words = shlex.split(line.split("#")[0])
        command = cli.main
        while words and isinstance(command, click.Group) and words[0] in command.commands:
            command = command.commands[words.pop(0)]
        options = {name for param in command.params for name in param.opts}
        assert not isinstance(command, click.Group), line
        assert {w for w in words if w.startswith("--")} <= options, line


def test_compose_file_starts_three_nodes_that_copy_the_rules():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DOCS / "opensearch-compose.yml").read_text(encoding="utf-8"))
    nodes = compose["services"]
    assert sorted(nodes) == ["os01", "os02", "os03"]
    for name, node in nodes.items():
        assert node["environment"]["node.name"] == name
        assert node["environment"]["cluster.initial_cluster_manager_nodes"] == "os01,os02,os03"
        assert any(volume.endswith(":/exports:ro") for volume in node["volumes"])
        assert "arabic_stems-*.txt config/" in node["entrypoint"][-1]
