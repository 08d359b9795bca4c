"""Query DSL rendering: each operator of our language against the JSON it must become.

Weights come from levels.WEIGHTS and stems from the stemmer, so a tuning
of either does not break these tests; the shape of every clause is
written out. tests/test_plan_parity.py checks the same plans against the
Whoosh rendering on a real index.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from search.analysis.levels import WEIGHTS
from search.analysis.tokenize import root_or_none, stem_or_none
from search.opensearch.backend import frequencies_from_response, frequency_request
from search.opensearch.querydsl import ALL_WORDS_BONUS, APPROXIMATIONS, es_field, search_template, to_query_dsl
from search.query.language import parse_plain, parse_query
from search.query.plan import (
    CLITIC_EVIDENCE,
    COORDINATION_EXPONENT,
    MAX_EXPANSIONS,
    MAX_QUERY_EXPANSIONS,
    PROXIMITY_SLOP,
    PROXIMITY_WEIGHT,
    clitic_lookups,
)

W = WEIGHTS  # body_stem, body, body_root, title_stem, title, title_root
PLAIN_FIELDS = ("body_stem", "body", "body_root", "title_stem", "title", "title_root")
SURFACE = {field: weight for field, weight in W.items() if not field.endswith("_root")}  # phrases, prefixes, fuzzy
REPO = Path(__file__).resolve().parents[1]


def query_of(text: str, **options) -> dict:
    """The top-level bool of the body for text."""
    return to_query_dsl(parse_query(text), highlight=False, **options)["query"]["bool"]


def word(normalized: str, fields=PLAIN_FIELDS) -> dict:
    """The clause of one plain word: its stem at the stem level, its normalized form at the exact level, its root."""
    stem = stem_or_none(normalized)
    clauses = []
    for field in fields:
        text = stem if field.endswith("_stem") else root_or_none(normalized) if field.endswith("_root") else normalized
        if text is not None:
            clauses.append({"term": {es_field(field): {"value": text, "boost": W[field]}}})
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses}}


def near(left: str, right: str) -> dict:
    """The proximity bonus of two neighbouring plain words: their stems in the body, in order."""
    return {"match_phrase": {"body.stem": {"query": f"{stem_or_none(left)} {stem_or_none(right)}",
                                           "slop": PROXIMITY_SLOP - 1, "analyzer": "whitespace",
                                           "boost": PROXIMITY_WEIGHT * W["body_stem"]}}}


class Counts:
    """A vocabulary: document frequencies from a dict, 0 for any other term."""

    def __init__(self, counts):
        self.counts = counts

    def doc_frequency(self, fieldname, text):
        return self.counts.get((fieldname, text), 0)


def test_field_names_follow_the_export_multi_fields():
    assert [es_field(f) for f in ("body_stem", "body", "title_stem", "title", "source")] == [
        "body.stem", "body", "title.stem", "title", "source"]


def test_word_is_a_weighted_should_over_both_levels():
    assert query_of("مدرسة") == {"must": [{"bool": {"should": [
        {"term": {"body.stem": {"value": stem_or_none("مدرسه"), "boost": W["body_stem"]}}},
        {"term": {"body": {"value": "مدرسه", "boost": W["body"]}}},
        {"term": {"body_root": {"value": "درس", "boost": W["body_root"]}}},
        {"term": {"title.stem": {"value": stem_or_none("مدرسه"), "boost": W["title_stem"]}}},
        {"term": {"title": {"value": "مدرسه", "boost": W["title"]}}},
        {"term": {"title_root": {"value": "درس", "boost": W["title_root"]}}},
    ]}}]}


def test_diacritized_query_word_is_sent_normalized():
    assert query_of("مَدْرَسَةٌ") == query_of("مدرسة")


def test_exact_word_has_no_stem_level():
    assert query_of("=المدرسة") == {"must": [word("المدرسه", ("body", "title"))]}


def test_title_field_keeps_only_title_fields():
    assert query_of("title:داعش") == {"must": [word("داعش", ("title_stem", "title", "title_root"))]}


def test_keywords_add_the_all_words_tier_and_the_proximity_bonus():
    both = [word("المدارس"), word("السعوديه")]
    assert query_of("المدارس السعودية") == {
        "must": [{"bool": {"must": [{"bool": {"should": both}}], "should": [near("المدارس", "السعوديه")]}}],
        "should": [{"constant_score": {"filter": {"bool": {"must": both}}, "boost": ALL_WORDS_BONUS}}],
    }


def test_soft_drops_stopwords_unless_nothing_else_is_left():
    assert query_of("في المدارس") == {"must": [word("المدارس")]}
    only_stopwords = [word("في", ("body", "title")), word("علي", ("body", "title"))]
    assert query_of("في على")["must"] == [{"bool": {"should": only_stopwords}}]


def test_plus_word_is_required_the_others_only_rank():
    assert query_of("مدرسة +جديدة") == {
        "must": [{"bool": {"must": [word("جديده")], "should": [word("مدرسه")]}}],
        "should": [{"constant_score": {"filter": {"bool": {"must": [word("مدرسه"), word("جديده")]}},
                                       "boost": ALL_WORDS_BONUS}}],
    }


def test_and_is_must():
    assert query_of("الملك AND سلمان") == {"must": [{"bool": {"must": [word("الملك"), word("سلمان")]}}]}


def test_or_is_should_without_a_tier():
    assert query_of("داعش OR القاعدة") == {"must": [{"bool": {"should": [word("داعش"), word("القاعده")]}}]}


def test_not_is_must_not():
    assert query_of("داعش -العراق") == {"must": [{"bool": {"should": [word("داعش")],
                                                          "must_not": [word("العراق")]}}]}
    assert query_of("NOT العراق") == {"must": [{"bool": {"must": [{"match_all": {}}],
                                                         "must_not": [word("العراق")]}}]}


def test_question_is_coordinated_without_a_tier():
    """A question ranks by BM25 times (words matched / words) ** exponent, as our engine: no all-words tier."""
    bool_query = to_query_dsl(parse_plain("ما هي عاصمة السعودية؟"), highlight=False)["query"]["bool"]
    assert "should" not in bool_query  # no tier
    parts = [word("عاصمه"), word("السعوديه")]  # the interrogative ما and the stopword هي are dropped
    score = {"function_score": {
        "query": {"bool": {"should": parts}},
        "functions": [{"filter": {"bool": {"should": parts, "minimum_should_match": k}},
                       "weight": (k / 2) ** COORDINATION_EXPONENT} for k in (2, 1)],
        "score_mode": "first", "boost_mode": "multiply"}}
    assert bool_query["must"] == [{"bool": {"must": [score], "should": [near("عاصمه", "السعوديه")]}}]


def test_clitic_alternative_needs_the_vocabulary():
    """بمرض also searches مرض at the stem level when the index holds مرض in more documents."""
    assert clitic_lookups(parse_query("بمرض")) == [(CLITIC_EVIDENCE, "مرض"), (CLITIC_EVIDENCE, "بمرض")]
    knows = Counts({(CLITIC_EVIDENCE, "مرض"): 40, (CLITIC_EVIDENCE, "بمرض"): 2})
    with_alternative = query_of("بمرض", vocabulary=knows)["must"][0]["bool"]["should"]
    assert {"term": {"body.stem": {"value": "مرض", "boost": W["body_stem"]}}} in with_alternative
    assert {"term": {"title.stem": {"value": "مرض", "boost": W["title_stem"]}}} in with_alternative
    assert query_of("بمرض") == {"must": [word("بمرض")]}  # no vocabulary: no alternative
    rarer = Counts({(CLITIC_EVIDENCE, "مرض"): 1, (CLITIC_EVIDENCE, "بمرض"): 2})
    assert query_of("بمرض", vocabulary=rarer) == {"must": [word("بمرض")]}


def test_cluster_counts_become_the_vocabulary():
    lookups = clitic_lookups(parse_query("بمرض"))
    request = frequency_request(lookups)
    assert request == {"size": 0, "track_total_hits": False, "aggs": {
        "0": {"filter": {"term": {"body.stem": "مرض"}}}, "1": {"filter": {"term": {"body.stem": "بمرض"}}}}}
    vocabulary = frequencies_from_response(lookups, {"aggregations": {"0": {"doc_count": 40}, "1": {"doc_count": 2}}})
    assert vocabulary.doc_frequency(CLITIC_EVIDENCE, "مرض") == 40
    assert vocabulary.doc_frequency(CLITIC_EVIDENCE, "غيره") == 0


def test_phrase_is_match_phrase_with_slop_on_both_levels():
    def phrase(field, text):
        return {"match_phrase": {es_field(field): {"query": text, "slop": 2, "analyzer": "whitespace",
                                                    "boost": W[field]}}}

    stems = f"{stem_or_none('مجلس')} {stem_or_none('الوزراء')}"
    assert query_of('"مجلس الوزراء"~2') == {"must": [{"bool": {"should": [
        phrase("body_stem", stems), phrase("body", "مجلس الوزراء"),
        phrase("title_stem", stems), phrase("title", "مجلس الوزراء"),
    ]}}]}


def test_phrase_with_a_stopword_stays_at_the_exact_level():
    assert query_of('"في الذكرى"') == {"must": [{"bool": {"should": [
        {"match_phrase": {"body": {"query": "في الذكري", "slop": 0, "analyzer": "whitespace", "boost": W["body"]}}},
        {"match_phrase": {"title": {"query": "في الذكري", "slop": 0, "analyzer": "whitespace", "boost": W["title"]}}},
    ]}}]}


def test_near_is_an_unordered_span_near_unweighted_as_ours():
    clause = query_of("داعش NEAR/3 العراق")["must"][0]["bool"]["should"][1]
    assert clause == {"span_near": {"clauses": [{"span_term": {"body": "داعش"}}, {"span_term": {"body": "العراق"}}],
                                    "slop": 3, "in_order": False, "boost": 1.0}}


def test_prefix_is_a_bounded_prefix_query_per_field():
    assert query_of("كتا*") == {"must": [{"bool": {"should": [
        {"prefix": {es_field(f): {"value": "كتا", "boost": W[f], "rewrite": f"top_terms_{MAX_EXPANSIONS}"}}}
        for f in SURFACE
    ]}}]}


def test_fuzzy_is_a_damerau_levenshtein_query_keeping_the_first_letter():
    assert query_of("مدرسه~2") == {"must": [{"bool": {"should": [
        {"fuzzy": {es_field(f): {"value": "مدرسه", "fuzziness": 2, "prefix_length": 1,
                                 "max_expansions": MAX_EXPANSIONS, "transpositions": True,
                                 "rewrite": f"top_terms_{MAX_EXPANSIONS}", "boost": W[f]}}}
        for f in SURFACE
    ]}}]}


def test_prefix_words_share_the_query_budget():
    prefixes = " OR ".join(f"ك{letter}ت*" for letter in "ابتثجحخدذرزسشصضطظعغفقلمنهوي")
    budget = MAX_QUERY_EXPANSIONS // 27 // len(SURFACE)
    rewrites = set(re.findall(r'"rewrite": "(top_terms_\d+)"', json.dumps(query_of(prefixes))))
    assert rewrites == {f"top_terms_{budget}"} and budget < MAX_EXPANSIONS


def test_source_and_date_are_filters():
    assert query_of("داعش source:okaz date:2015-07") == {
        "must": [word("داعش")],
        "filter": [{"term": {"source": "okaz"}},
                   {"range": {"date": {"gte": "2015-07-01T00:00:00.000", "lte": "2015-07-31T23:59:59.999"}}}],
    }


def test_open_date_ranges():
    assert query_of("date:>2015-08")["filter"] == [{"range": {"date": {"gte": "2015-09-01T00:00:00.000"}}}]
    assert query_of("date:<2015")["filter"] == [{"range": {"date": {"lte": "2014-12-31T23:59:59.999"}}}]


def test_negated_source_excludes_it():
    assert query_of("داعش -source:okaz") == {"must": [{"bool": {"should": [word("داعش")],
                                                              "must_not": [{"term": {"source": "okaz"}}]}}]}


def test_filters_alone_match_everything_they_let_through():
    assert query_of("source:okaz") == {"must": [{"match_all": {}}], "filter": [{"term": {"source": "okaz"}}]}


def test_options_become_filters_paging_sort_and_timeout():
    body = to_query_dsl(parse_query("داعش"), limit=20, page=3, since=dt.datetime(2015, 7, 1),
                        until=dt.datetime(2015, 7, 31, 23, 59, 59), source="okaz", sort="date", time_limit=2.5)
    assert body["query"]["bool"]["filter"] == [
        {"term": {"source": "okaz"}},
        {"range": {"date": {"gte": "2015-07-01T00:00:00.000", "lte": "2015-07-31T23:59:59.000"}}},
    ]
    assert (body["from"], body["size"], body["sort"], body["timeout"]) == (40, 20, [{"date": {"order": "desc"}}],
                                                                          "2500ms")
    assert body["track_total_hits"] is True
    assert body["aggs"] == {"source": {"terms": {"field": "source", "size": 100}}}


def test_date_sort_has_no_tier():
    body = to_query_dsl(parse_query("المدارس السعودية"), sort="date")
    assert "should" not in body["query"]["bool"]


def test_highlight_covers_the_original_text_of_every_weighted_field():
    body = to_query_dsl(parse_query("داعش"))
    assert sorted(body["highlight"]["fields"]) == ["body", "body.stem", "title", "title.stem"]
    assert "highlight" not in to_query_dsl(parse_query("داعش"), highlight=False)


@pytest.mark.parametrize("query", ["مدرسة", '"مجلس الوزراء"', "متى ولد نجيب محفوظ؟"])
def test_bodies_are_json(query):
    body = to_query_dsl(parse_query(query))
    assert json.loads(json.dumps(body, ensure_ascii=False)) == body


def test_search_template_renders_to_a_search_body():
    template = search_template()
    assert template["script"]["lang"] == "mustache"
    source = template["script"]["source"]
    rendered = (source.replace("{{#toJson}}query{{/toJson}}", json.dumps("مدرسة \"جديدة\"", ensure_ascii=False))
                .replace("{{from}}{{^from}}0{{/from}}", "0").replace("{{size}}{{^size}}10{{/size}}", "10"))
    body = json.loads(rendered)
    match = body["query"]["bool"]["must"][0]["multi_match"]
    assert match["query"] == "مدرسة \"جديدة\""
    assert match["fields"] == [f"{es_field(f)}^{w}" for f, w in SURFACE.items()]  # a cluster finds no roots
    tier = body["query"]["bool"]["should"][0]["constant_score"]
    assert tier["boost"] == ALL_WORDS_BONUS and tier["filter"]["multi_match"]["operator"] == "and"
    assert (body["from"], body["size"]) == (0, 10)


@pytest.mark.parametrize("document", ["README.md", "docs/scale-out.md"])
def test_the_docs_print_every_approximation(document):
    """The one list of approximations, word for word (line breaks aside) in each document."""
    text = " ".join((REPO / document).read_text(encoding="utf-8").split())
    for entry in APPROXIMATIONS:
        assert " ".join(entry.split()) in text, entry
