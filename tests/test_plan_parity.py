"""Both backends render the same query plan: every element of it reaches the Whoosh query and the Query DSL.

Each query is planned once (query/plan.py) against a small real index, then
rendered by engine/compile.py and by opensearch/querydsl.py. Both renderings are read
back into one neutral form by their own semantics, written here apart
from the renderers:

- a term is (field, text, weight); a phrase or NEAR span is (field,
  texts, words allowed between neighbours, ordered, weight): Whoosh's
  slop counts the distance between positions, Lucene's the words between;
- an OR of ORs is one OR, an AND of ANDs one AND (the same documents and
  the same summed scores); the documents excluded are a set;
- a prefix or fuzzy clause of the DSL stands for the terms the cluster
  would take with its ``top_terms_N`` rewrite, modelled as ours: the
  first N index terms of the field, a fuzzy word's weighted as our
  engine weighs them (compile.fuzzy_ranking; tests cannot run a cluster;
  the difference for fuzzy words is in querydsl.APPROXIMATIONS);
- a synonym's forms scored as one term (Blended) read as the OR of
  their terms, which is what the cluster is sent (the scores differ: see
  querydsl.APPROXIMATIONS);
- a ``function_score`` whose k-th function filters for at least k of n
  parts with weight (k / n) ** e is our coordination of those parts;
- the all-words tier is the ``constant_score`` clause, filters are the
  top-level ``filter`` clauses (dates to the millisecond, the DSL's unit).

The two forms must be equal, and every element the plan holds (each term,
span, expansion, exclusion, filter, coordination, tier) must be in both.
"""

from __future__ import annotations

import json
import math

import pytest
from whoosh import query as wq
from whoosh.query.spans import SpanNear2

from search import Index
from search.analysis.levels import FIELDS
from search.engine.compile import fuzzy_ranking
from search.engine.compile import render as render_whoosh
from search.engine.scoring import Blended, Coordinated
from search.opensearch.querydsl import ALL_WORDS_BONUS, to_query_dsl
from search.opensearch.querydsl import render as render_dsl
from search.query.language import parse_plain, parse_query
from search.query.plan import Blend, Bonus, Expansion, Filter, Group, Span, Terms, Without, plan_query, walk
from search.query.synonyms import default_synonyms, expand_synonyms

ARTICLES = [
    {"id": "disease", "title": "صحة عامة", "source": "okaz", "date": "2015-07-11 08:00:00",
     "text": "أصيب آلاف الأطفال هذا الصيف بالحمى وينتشر المرض في المدارس ويعالج المرض مبكرا"},
    {"id": "disease-2", "title": "المرض في الصيف", "source": "sabq", "date": "2015-07-12 08:00:00",
     "text": "قال الأطباء إن المرض يصيب كبار السن ويوصون بمراجعة المستشفى عند ظهور الأعراض"},
    {"id": "diabetes", "title": "السكري", "source": "okaz", "date": "2015-07-13 08:00:00",
     "text": "مرض السكري ينتشر في المملكة ومرضى السكري يحتاجون إلى متابعة طبية منتظمة"},
    {"id": "hosting", "title": "استضافة البطولة", "source": "sabq", "date": "2015-07-14 08:00:00",
     "text": "أعلنت اللجنة استضافة كأس العالم للشباب وتستعد المدينة للاستضافة منذ أشهر"},
    {"id": "hosting-2", "title": "ملف الاستضافة", "source": "okaz", "date": "2015-08-02 08:00:00",
     "text": "قدمت قطر ملف استضافة البطولة الآسيوية وتنافس على الاستضافة ثلاث دول"},
    {"id": "council", "title": "جلسة مجلس الشورى", "source": "sabq", "date": "2015-08-03 08:00:00",
     "text": "ناقش مجلس الشورى السعودي نظام العمل الجديد وقرر مجلس الوزراء تعديل المادة"},
    {"id": "ministers", "title": "مجلس الوزراء", "source": "okaz", "date": "2015-08-04 08:00:00",
     "text": "وافق مجلس الوزراء في جلسته برئاسة الملك سلمان على نظام المدارس الأهلية"},
    {"id": "schools", "title": "المدارس الجديدة", "source": "sabq", "date": "2015-08-05 08:00:00",
     "text": "افتتحت وزارة التعليم مدرسة جديدة في الرياض وتخطط لبناء مدارس أخرى وكتاب مدرسي جديد"},
    {"id": "books", "title": "معرض الكتاب", "source": "okaz", "date": "2015-08-06 08:00:00",
     "text": "يعرض معرض الرياض الدولي للكتاب آلاف الكتب ويزوره الكتاب والقراء من كل مكان"},
    {"id": "lebanon", "title": "أخبار لبنان", "source": "sabq", "date": "2015-08-07 08:00:00",
     "text": "اجتمعت الحكومة في لبنان لمناقشة الكهرباء في بيروت وطرابلس"},
    {"id": "isis", "title": "داعش في العراق", "source": "okaz", "date": "2015-08-08 08:00:00",
     "text": "تقدمت القوات العراقية نحو مواقع داعش قرب الموصل في العراق"},
    {"id": "mahfouz", "title": "نجيب محفوظ", "source": "sabq", "date": "2015-08-09 08:00:00",
     "text": "ولد نجيب محفوظ في القاهرة عام 1911 ونال جائزة نوبل للآداب عام 1988"},
    {"id": "capital", "title": "الرياض عاصمة المملكة", "source": "okaz", "date": "2015-08-10 08:00:00",
     "text": "الرياض عاصمة المملكة العربية السعودية وأكبر مدنها ويبلغ عدد سكانها سبعة ملايين"},
]

QUERIES = [
    # keywords: the all-words tier and the proximity bonus
    "مدرسة", "مدرسة جديدة", "المدارس السعودية", "مجلس الشورى السعودي", "الملك سلمان نظام المدارس",
    # stopwords, alone or among content words
    "في المدارس", "في على", "من هو",
    # clitics: بمرض and لاستضافة have a remainder the index knows better; لبنان keeps its ل
    "بمرض", "بمرض السكري", "لاستضافة كأس العالم", "لبنان بيروت", "title:بمرض", "=بمرض مرض", '"بمرض السكري"',
    # questions: a question mark, or an interrogative among the first two words
    "متى ولد نجيب محفوظ؟", "ما هي عاصمة السعودية؟", "ما اسم عاصمة المملكة", "كم عدد سكان الرياض",
    "في أي عام ولد نجيب محفوظ", "هل ينتشر مرض السكري", "من فاز بمرض السكري؟", "عاصمة المملكة?",
    "لماذا ينتشر المرض -السكري", "متى +ولد نجيب محفوظ",
    # operators
    "مصر OR السعودية", "مصر أو السعودية", "الملك AND سلمان", "مدرسة وأيضا جديدة", "مدرسة بدون جامعة",
    "داعش -العراق", "NOT العراق", "NOT NOT مصر", "-مدرسة -جامعة", "مدرسة +جديدة", "+مدرسة +جديدة",
    "(مصر OR السعودية) مدرسة", "(داعش OR القاعدة) -(العراق سوريا)",
    # phrases, NEAR, slop
    '"مجلس الوزراء"', '"مجلس الوزراء"~3', '"في الذكرى"', "«مجلس الشورى»", "داعش NEAR العراق",
    "داعش NEAR/3 العراق", "داعش قرب العراق", '=“مجلس الوزراء”', "2015-07",
    # prefix and fuzzy, with their budgets
    "كتا*", "مد*", "مدرسه~", "مدرسه~2", "title:كتا*", "كتا* مدرسه~ بمرض", "الم* كت* مد* اس* مج*",
    # root: (the root level alone), with other words and operators
    "root:مدرسة", "جذر:كتاب المدارس", "root:كتاب OR root:مدرسة -داعش",
    # =exact, title:
    "=المدرسة", "=المدارس جديدة", "title:داعش", 'title:"مجلس الوزراء"', "title:مجلس الشورى",
    # source: and date: filters, positive and negated
    "داعش source:okaz", "داعش OR source:okaz", "-source:okaz", "داعش -source:okaz",
    "date:2015-07-01..2015-07-31 المرض", "date:>2015-08-01", "date:<2015-08 مدرسة -date:2015-07-11",
    "source:sabq date:2015-08",
    # read as plain words, operators and quotes ignored
    "plain:ما هي عاصمة السعودية؟", "plain:مدرسة OR \"جديدة\" -بمرض",
    # the shipped synonyms: one-word forms blend per field; a phrase among the forms is any of them
    "أمريكا مدرسة", "أميركا -داعش", "فيسبوك الرياض",
]


SYNONYMS = default_synonyms()


@pytest.fixture(scope="module")
def arrays(tmp_path_factory):
    """The IndexArrays the engine plans and expands with (its doc_frequency, expand_prefix, terms_within)."""
    root = tmp_path_factory.mktemp("parity")
    seeds = root / "seeds"
    seeds.mkdir()
    (seeds / "articles.jsonl").write_text(
        "".join(json.dumps(article, ensure_ascii=False) + "\n" for article in ARTICLES), encoding="utf-8")
    index = Index(root / "index")
    index.update(seeds)
    return index._readers.opened().arrays()


def parsed_of(text: str):
    """The query parsed and its synonyms expanded as the engine does; "plain:" marks one read as plain words
    (cli.py search --plain)."""
    parsed = parse_plain(text.removeprefix("plain:")) if text.startswith("plain:") else parse_query(text)
    return expand_synonyms(parsed, SYNONYMS)


# ----- the neutral form ---------------------------------------------------------

CLUSTER_TO_OURS = {field.cluster_name(): field.name for field in FIELDS}


def flat(op: str, children: list) -> tuple:
    """An OR (any) or AND (all) of children: nested ones of the same kind merged, empty ORs dropped."""
    merged = []
    for child in children:
        if child[0] == op:
            merged.extend(child[1])
        elif not (op == "any" and child == ("nothing",)):
            merged.append(child)
    if not merged:
        return ("nothing",)
    return merged[0] if len(merged) == 1 else (op, tuple(merged))


def excluded(node: tuple) -> frozenset:
    """What an exclusion takes away: the parts of an OR, as a set."""
    return frozenset(node[1]) if node[0] == "any" else frozenset([node])


def date_key(value) -> str | None:
    return value.isoformat(timespec="milliseconds") if value is not None else None


def weight(value) -> float:
    return round(float(value), 9)


def from_whoosh(q) -> tuple:
    kind = type(q)
    if kind is wq.Term:
        return ("term", q.fieldname, q.text, weight(q.boost))
    if q is wq.NullQuery or kind is type(wq.NullQuery):
        return ("nothing",)
    if kind is wq.Every:
        return ("every",)
    if kind is wq.DateRange:
        return ("date", date_key(q.startdate), date_key(q.enddate))
    if kind is wq.Phrase:
        return ("span", q.fieldname, tuple(q.words), q.slop - 1, True, weight(q.boost))
    if kind is SpanNear2:
        return ("span", q.qs[0].fieldname, tuple(t.text for t in q.qs), q.slop - 1, q.ordered,
                weight(getattr(q, "boost", 1.0)))
    if kind is Blended:
        return flat("any", [("term", q.fieldname, text, weight(q.boost)) for text in q.texts])
    if kind is Coordinated:
        return ("coordinated", round(q.exponent, 6), tuple(from_whoosh(c) for c in q.subqueries))
    if kind is wq.Or:
        return flat("any", [from_whoosh(c) for c in q.subqueries])
    if kind is wq.And:
        return flat("all", [from_whoosh(c) for c in q.subqueries])
    if kind is wq.AndMaybe:
        return ("bonus", from_whoosh(q.a), from_whoosh(q.b))
    if kind is wq.AndNot:
        return ("without", from_whoosh(q.a), excluded(from_whoosh(q.b)))
    if kind is wq.Not:
        return ("without", ("every",), excluded(from_whoosh(q.query)))
    raise AssertionError(f"no neutral form for {q!r}")


def from_dsl(clause: dict, arrays) -> tuple:
    (key, value), = clause.items()
    if key == "term":
        (field, spec), = value.items()
        if isinstance(spec, dict):
            return ("term", CLUSTER_TO_OURS.get(field, field), spec["value"], weight(spec.get("boost", 1.0)))
        return ("term", field, spec, 1.0)
    if key == "match_all":
        return ("every",)
    if key == "range":
        bounds = value["date"]
        return ("date", bounds.get("gte"), bounds.get("lte"))
    if key == "match_phrase":
        (field, spec), = value.items()
        assert spec["analyzer"] == "whitespace"
        return ("span", CLUSTER_TO_OURS[field], tuple(spec["query"].split()), spec["slop"], True,
                weight(spec.get("boost", 1.0)))
    if key == "span_near":
        fields = {next(iter(c["span_term"])) for c in value["clauses"]}
        assert len(fields) == 1
        texts = tuple(next(iter(c["span_term"].values())) for c in value["clauses"])
        return ("span", CLUSTER_TO_OURS[fields.pop()], texts, value["slop"], value["in_order"],
                weight(value.get("boost", 1.0)))
    if key in ("prefix", "fuzzy"):
        return expanded(key, value, arrays)
    if key == "function_score":
        return coordination(value, arrays)
    if key == "bool":
        assert set(value) <= {"must", "should", "must_not"}, value
        must = [from_dsl(c, arrays) for c in value.get("must", [])]
        should = [from_dsl(c, arrays) for c in value.get("should", [])]
        if must and should:
            positive = ("bonus", flat("all", must), flat("any", should))
        elif must:
            positive = flat("all", must)
        elif should:
            positive = flat("any", should)
        else:
            positive = ("every",)  # a bool of must_not alone matches everything else
        if "must_not" in value:
            return ("without", positive, excluded(flat("any", [from_dsl(c, arrays) for c in value["must_not"]])))
        return positive
    raise AssertionError(f"no neutral form for {clause!r}")


def expanded(kind: str, value: dict, arrays) -> tuple:
    """The terms a top_terms_N rewrite takes, modelled on our index: the first N of the field."""
    (field, spec), = value.items()
    rewrite = spec["rewrite"]
    assert rewrite.startswith("top_terms_")
    count = int(rewrite.rsplit("_", 1)[1])
    ours = CLUSTER_TO_OURS[field]
    if kind == "prefix":
        terms = arrays.expand_prefix(ours, spec["value"])[:count]
    else:
        assert spec["transpositions"] is True and spec["max_expansions"] == count  # ours is Damerau-Levenshtein
        terms = arrays.terms_within(ours, spec["value"], spec["fuzziness"], prefix=spec["prefix_length"],
                                    limit=count)
        return flat("any", [("term", ours, term, weight(spec["boost"] * factor))
                            for term, factor in fuzzy_ranking(arrays, spec["value"], ours, terms)])
    return flat("any", [("term", ours, term, weight(spec["boost"])) for term in terms])


def coordination(value: dict, arrays) -> tuple:
    """A function_score of "at least k of n parts" filters weighted (k / n) ** e: the coordination of the parts."""
    assert (value["score_mode"], value["boost_mode"]) == ("first", "multiply")
    parts = value["query"]["bool"]["should"]
    n = len(parts)
    exponents = set()
    for position, function in enumerate(value["functions"]):
        k = n - position
        assert function["filter"] == {"bool": {"should": parts, "minimum_should_match": k}}
        if k < n:
            exponents.add(round(math.log(function["weight"]) / math.log(k / n), 6))
        else:
            assert function["weight"] == 1.0
    assert len(value["functions"]) == n and len(exponents) == 1
    return ("coordinated", exponents.pop(), tuple(from_dsl(part, arrays) for part in parts))


def leaves(node) -> set:
    """Every term, span, date and exclusion set anywhere under a neutral form."""
    found = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, frozenset):
            stack.extend(item)
        elif item[0] in ("term", "span", "date", "every", "nothing"):
            found.add(item)
        elif item[0] in ("any", "all"):
            stack.extend(item[1])
        elif item[0] == "coordinated":
            stack.extend(item[2])
        else:  # bonus, without
            stack.extend(item[1:])
    return found


def coordinations(node) -> set:
    found, stack = set(), [node]
    while stack:
        item = stack.pop()
        if isinstance(item, frozenset):
            stack.extend(item)
        elif item[0] == "coordinated":
            found.add(item)
            stack.extend(item[2])
        elif item[0] in ("any", "all"):
            stack.extend(item[1])
        elif item[0] in ("bonus", "without"):
            stack.extend(item[1:])
    return found


# ----- the renderings -------------------------------------------------------------


def both(text: str, arrays):
    """(plan, Whoosh's neutral form, the DSL's): each form is (query, tier, filters)."""
    plan = plan_query(parsed_of(text), arrays)
    whoosh = render_whoosh(plan, arrays)
    ours = (from_whoosh(whoosh.query), from_whoosh(whoosh.all_words) if whoosh.all_words is not None else None,
            {from_whoosh(f) for f in whoosh.filters})
    top = to_query_dsl(parsed_of(text), highlight=False, vocabulary=arrays)["query"]["bool"]
    (query,) = top["must"]
    tier = None
    if "should" in top:
        (bonus,) = top["should"]
        assert bonus["constant_score"]["boost"] == ALL_WORDS_BONUS
        tier = from_dsl(bonus["constant_score"]["filter"], arrays)
    cluster = (from_dsl(query, arrays), tier, {from_dsl(f, arrays) for f in top.get("filter", [])})
    return plan, ours, cluster


def plan_elements(plan, arrays) -> set:
    """The leaves every rendering must hold: the plan's terms, spans, expanded terms and excluded filters."""
    found = set()
    for node in [*walk(plan.query), *walk(plan.all_words)]:
        if isinstance(node, Terms):
            found |= {("term", t.field, t.text, weight(t.weight)) for t in node.terms}
        elif isinstance(node, Blend):
            found |= {("term", field, text, weight(w)) for field, texts, w in node.fields for text in texts}
        elif isinstance(node, Span):
            found.add(("span", node.field, node.texts, node.slop, node.ordered, weight(node.weight)))
        elif isinstance(node, Expansion):
            for field, field_weight in node.fields:
                terms = (arrays.expand_prefix(field, node.text) if node.kind == "prefix" else
                         arrays.terms_within(field, node.text, node.distance, prefix=node.prefix))
                terms = terms[:node.per_field]
                factors = dict(fuzzy_ranking(arrays, node.text, field, terms)) if node.kind == "fuzzy" else {}
                found |= {("term", field, term, weight(field_weight * factors.get(term, 1.0))) for term in terms}
        elif isinstance(node, Filter):
            found.add(filter_leaf(node))
    return found


def filter_leaf(node: Filter) -> tuple:
    if node.source is not None:
        return ("term", "source", node.source, 1.0)
    return ("date", date_key(node.start), date_key(node.end))


@pytest.mark.parametrize("text", QUERIES)
def test_both_backends_render_the_same_plan(text, arrays):
    plan, ours, cluster = both(text, arrays)
    assert ours[0] == cluster[0], "the scoring query differs"
    assert ours[1] == cluster[1], "the all-words tier differs"
    assert ours[2] == cluster[2], "the filters differ"
    expected = plan_elements(plan, arrays)
    assert expected <= leaves(ours[0]) | leaves(ours[1] or ("nothing",))
    assert expected <= leaves(cluster[0]) | leaves(cluster[1] or ("nothing",))
    assert {filter_leaf(f) for f in plan.filters} == ours[2] == cluster[2]
    coordinated = [n for n in walk(plan.query) if isinstance(n, Group) and n.op == "coordinated"]
    assert len(coordinations(ours[0])) == len(coordinations(cluster[0])) == len(coordinated)
    assert (ours[1] is None) == (cluster[1] is None) == (plan.all_words is None)


def is_word_or_phrase(group: Group) -> bool:
    """Any of a word and a phrase: a synonym with a phrase among its forms (فيسبوك, فيس بوك)."""
    phrases = [c for c in group.children if isinstance(c, Group) and all(isinstance(s, Span) for s in c.children)]
    return group.op == "any" and bool(phrases) and any(isinstance(c, Terms) for c in group.children)


def test_the_queries_exercise_every_element_of_a_plan(arrays):
    """Watch the parity test's coverage: each kind of plan node, each operator, clitics, tiers and questions."""
    seen = set()
    for text in QUERIES:
        plan = plan_query(parsed_of(text), arrays)
        seen.add("question" if plan.question else "keywords")
        if plan.all_words is not None:
            seen.add("tier")
        seen |= {"source filter" if f.source else "date filter" for f in plan.filters}
        for node in [*walk(plan.query), *walk(plan.all_words)]:
            if isinstance(node, Terms):
                seen.add("clitic" if node.clitic else "word")
                seen |= {"=exact"} if node.word.exact else set()
                seen |= {"title:"} if node.word.field else set()
                seen |= {"root:"} if node.word.root else set()
            elif isinstance(node, Blend):
                seen.add("synonym")
            elif isinstance(node, Group):
                seen.add(node.op)
                seen |= {"exclusion"} if node.excluded else set()
                seen |= {"excluded filter"} if any(isinstance(e, Filter) for e in node.excluded) else set()
                seen |= {"synonym phrase"} if is_word_or_phrase(node) else set()
            elif isinstance(node, Span):
                seen.add("proximity" if node.weight < min(f.weight for f in FIELDS) else
                         "phrase" if node.ordered else "near")
                seen |= {"slop"} if node.slop else set()
            elif isinstance(node, Expansion):
                seen.add(node.kind)
                seen |= {"shared budget"} if node.per_field < 256 else set()
            elif isinstance(node, Bonus):
                seen.add("bonus")
            elif isinstance(node, Without):
                seen.add("not alone")
    assert seen >= {"question", "keywords", "tier", "source filter", "date filter", "clitic", "word", "=exact",
                    "title:", "root:", "proximity", "phrase", "near", "slop", "prefix", "fuzzy", "shared budget", "all",
                    "any", "coordinated", "exclusion", "excluded filter", "bonus", "not alone", "synonym",
                    "synonym phrase"}, seen
    assert len(QUERIES) >= 40


@pytest.mark.parametrize("text, remainder", [("بمرض", "مرض"), ("لاستضافة", "استضافه"), ("لبنان", None),
                                             ("=بمرض", None)])
def test_clitic_alternatives_follow_the_index(text, remainder, arrays):
    """بمرض also looks for مرض, which the index holds in more documents; لبنان keeps its ل; =word none."""
    (node,) = [n for n in walk(plan_query(parse_query(text), arrays).query) if isinstance(n, Terms)]
    assert node.clitic == remainder


def test_a_question_reaches_both_backends_coordinated_without_a_tier(arrays):
    plan, ours, cluster = both("متى ولد نجيب محفوظ؟", arrays)
    assert plan.question and plan.all_words is None
    assert ours[1] is None and cluster[1] is None
    (coordinated,) = coordinations(cluster[0])
    assert len(coordinated[2]) == 3  # ولد نجيب محفوظ; the interrogative متى is not searched


def test_each_dsl_node_renders_alone(arrays):
    """render() takes any plan node: a backend may render a part (the tier) on its own."""
    plan = plan_query(parse_query("مدرسة جديدة -جامعة source:okaz"), arrays)
    for node in walk(plan.query):
        assert isinstance(render_dsl(node), dict)
