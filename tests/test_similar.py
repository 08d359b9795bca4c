"""Related articles (Index.similar, cli.py similar, /api/similar): MoreLikeThis over real Whoosh indexes.

The subject test reads real SaudiNewsNet articles (a fifth of one day, and
every article of it about the Houthis) from ../shared, and skips without
them; the duplicates test uses hand-written articles, one story printed by
two papers among others.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from search import Index
from search.analysis.normalize import normalize_text
from search.engine.similar import DUPLICATE_OVERLAP, MAX_QUERY_TERMS, _terms_of, overlap

REPO = Path(__file__).resolve().parent.parent
DAY = REPO.parent / "shared" / "corpora" / "saudinewsnet" / "dataset" / "2015-07-21.zip"
HOUTHI_STORY = "http://www.alwatan.com.sa/Politics/News_Detail.aspx?ArticleID=229720&CategoryID=1"  # الحوثي يسحب قياداته إلى صعدة

ADEN = ("انسحب الحوثيون من آخر مواقعهم في مدينة عدن بعد معارك عنيفة مع المقاومة الشعبية، وأعلنت المقاومة "
        "سيطرتها على مطار عدن الدولي وميناء المدينة. وقال قائد في المقاومة إن الحوثيين تركوا أسلحتهم "
        "في معسكرات عدن، وإن المقاومة تلاحق فلول الحوثيين في الأحياء الشمالية من المدينة.")
ARTICLES = [
    {"id": "aden-okaz", "source": "okaz", "title": "الحوثيون ينسحبون من عدن والمقاومة تسيطر على المطار",
     "content": ADEN},
    {"id": "aden-alyaum", "source": "alyaum", "title": "المقاومة تسيطر على مطار عدن بعد انسحاب الحوثيين",
     "content": ADEN.replace("معارك عنيفة", "اشتباكات عنيفة استمرت يومين")},
    {"id": "saada-raids", "source": "alriyadh", "title": "غارات على مواقع الحوثيين في صعدة",
     "content": "شنت طائرات التحالف غارات على مواقع الحوثيين في صعدة، واستهدفت مخازن أسلحة للحوثيين قرب "
                "الحدود. وقالت مصادر إن الحوثيين نقلوا أسلحتهم من عدن إلى صعدة بعد هزيمتهم أمام المقاومة."},
    {"id": "oil", "source": "aleqtisadiya", "title": "ارتفاع أسعار النفط",
     "content": "ارتفعت أسعار النفط في الأسواق العالمية، وسجل خام برنت أعلى مستوى له منذ أسبوعين مع تراجع "
                "المخزونات. وتوقع محللون أن تواصل أسعار النفط ارتفاعها."},
    {"id": "football", "source": "sabq", "title": "الهلال يفوز على النصر",
     "content": "فاز الهلال على النصر بهدفين مقابل هدف، وسجل مهاجم الهلال الهدفين في الشوط الثاني من المباراة."},
    {"id": "school", "source": "almadina", "title": "افتتاح مدرسة جديدة في جدة",
     "content": "افتتح مدير التعليم مدرسة جديدة في جدة تستوعب ستمئة طالب، وقال إن المدرسة تفتح أبوابها للطلاب "
                "مطلع العام الدراسي."},
    {"id": "rain", "source": "okaz", "title": "أمطار غزيرة على جازان",
     "content": "هطلت أمطار غزيرة على جازان، ودعا الدفاع المدني السكان إلى الابتعاد عن مجاري السيول حتى تتوقف "
                "الأمطار."},
    {"id": "hospital", "source": "alwatan", "title": "افتتاح مستشفى للأطفال",
     "content": "افتتح أمير المنطقة مستشفى الأطفال الجديد بسعة مئتي سرير، ويضم المستشفى قسما للعناية المركزة."},
]


@pytest.fixture(scope="module")
def stories(tmp_path_factory) -> Index:
    folder = tmp_path_factory.mktemp("stories")
    (folder / "seeds").mkdir()
    (folder / "seeds" / "news.jsonl").write_text(
        "".join(json.dumps(article, ensure_ascii=False) + "\n" for article in ARTICLES), encoding="utf-8")
    index = Index(folder / "index")
    index.update(folder / "seeds")
    return index


@pytest.fixture(scope="module")
def news(tmp_path_factory) -> Index:
    """A fifth of 2015-07-21 (every fifth article) and every article of the day about the Houthis."""
    if not DAY.is_file():
        pytest.skip("../shared/corpora/saudinewsnet is absent: the subject test needs real news")
    with zipfile.ZipFile(DAY) as archive:
        records = json.loads(archive.read(archive.namelist()[0]))
    chosen = [r for number, r in enumerate(records) if number % 5 == 0 or "حوثي" in normalize_text(r["title"])]
    folder = tmp_path_factory.mktemp("news")
    (folder / "seeds").mkdir()
    (folder / "seeds" / "day.json").write_text(json.dumps(chosen, ensure_ascii=False), encoding="utf-8")
    index = Index(folder / "index")
    index.update(folder / "seeds")
    return index


def text_of(index: Index, article_id: str) -> str:
    article = index.article(article_id)
    return normalize_text(article.title + " " + article.body)


def test_related_articles_of_a_houthi_story_are_about_the_houthis(news):
    results = news.similar(HOUTHI_STORY, limit=5)
    assert len(results.hits) == 5
    assert "الحوثي" in results.query.split()  # the article's own most distinctive word was looked for
    for hit in results.hits:
        assert "حوثي" in text_of(news, hit.id), hit.title


def test_the_article_is_never_among_its_related_articles(news, stories):
    assert HOUTHI_STORY not in [hit.id for hit in news.similar(HOUTHI_STORY, limit=50).hits]
    assert "aden-okaz" not in [hit.id for hit in stories.similar("aden-okaz", limit=20).hits]


def test_at_most_max_query_terms_are_looked_for(news):
    assert 0 < len(news.similar(HOUTHI_STORY).query.split()) <= MAX_QUERY_TERMS


def test_the_same_story_from_another_paper_is_kept_unless_asked(stories):
    kept = stories.similar("aden-okaz")
    assert [hit.id for hit in kept.hits[:2]] == ["aden-alyaum", "saada-raids"]
    dropped = stories.similar("aden-okaz", exclude_duplicates=True)
    assert [hit.id for hit in dropped.hits][:1] == ["saada-raids"]
    assert "aden-alyaum" not in [hit.id for hit in dropped.hits]
    assert dropped.total == kept.total - 1


def test_a_duplicate_is_a_very_high_overlap_of_terms(stories):
    terms = {article["id"]: _terms_of({"title": article["title"], "body": article["content"]})
             for article in ARTICLES}
    assert overlap(terms["aden-okaz"], terms["aden-alyaum"]) >= DUPLICATE_OVERLAP
    assert overlap(terms["aden-okaz"], terms["saada-raids"]) < DUPLICATE_OVERLAP


def test_each_story_is_listed_once_when_duplicates_are_excluded(stories):
    # From the Saada story, both copies of the Aden story are related; only the first is listed.
    ids = [hit.id for hit in stories.similar("saada-raids", exclude_duplicates=True).hits]
    assert ids[0] in ("aden-okaz", "aden-alyaum") and not {"aden-okaz", "aden-alyaum"} <= set(ids)
    assert {"aden-okaz", "aden-alyaum"} <= {hit.id for hit in stories.similar("saada-raids").hits}


def test_an_unknown_id_is_none_and_bad_arguments_raise(stories):
    assert stories.similar("no-such-article") is None
    with pytest.raises(ValueError, match="limit"):
        stories.similar("aden-okaz", limit=0)
    with pytest.raises(ValueError, match="exclude_duplicates"):
        stories.similar("aden-okaz", exclude_duplicates="yes")


# ----- cli.py similar ----------------------------------------------------------


def test_cli_similar_json_is_the_search_json_with_the_id(stories):
    result = CliRunner().invoke(cli.main, ["similar", "aden-okaz", "--index", str(stories.path), "--json",
                                           "--exclude-duplicates", "--limit", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["id"] == "aden-okaz"
    assert [hit["id"] for hit in data["hits"]] == ["saada-raids"]  # the only other story sharing its words
    assert {"query", "total", "page", "limit", "hits", "suggestion", "facets"} <= set(data)


def test_cli_similar_prints_the_related_titles(stories):
    result = CliRunner().invoke(cli.main, ["similar", "aden-okaz", "--index", str(stories.path), "--bidi", "off"])
    assert result.exit_code == 0, result.output
    assert "غارات على مواقع الحوثيين في صعدة" in result.output
    assert result.output.startswith("looked for: ")


def test_cli_similar_of_an_unknown_id_is_one_line_and_exit_2(stories):
    result = CliRunner().invoke(cli.main, ["similar", "no-such-article", "--index", str(stories.path)])
    assert result.exit_code == 2
    assert result.output.strip() == "error: no article with id 'no-such-article'"
