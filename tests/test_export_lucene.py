"""The exported analyzers, run in real Lucene, against our own analysis.

../shared/peers/lucene builds a Lucene CustomAnalyzer from the exported
index.json (es_analyzer.py) and runs it (run.sh custom): the code that
runs inside OpenSearch and Elasticsearch, with no cluster. On about 2,600
SaudiNewsNet articles (two day files), each title and body (one line,
newlines and tabs made spaces) must give the same terms with the same
original offsets for at least 99.5% of the tokens at each level; the
remaining differences are printed by kind. A second test feeds every
assigned code point, between two letters, to the exact analyzer.

Lucene counts offsets in UTF-16 units; they are turned into code point
offsets before comparing. Skipped when java or ../shared is absent.

Measured on Java 17 (Lucene 8.8): 100% of the tokens agree at both levels
(720,553 exact, 565,029 stem), and every code point the JVM knows.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from search import Index
from search.analysis.tokenize import analyze
from search.opensearch.export import EXACT_ANALYZER, INDEX_FILE, STEM_ANALYZER, export_opensearch

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PEER = SHARED / "peers" / "lucene"
DAYS = [SHARED / "corpora" / "saudinewsnet" / "dataset" / f"{day}.zip" for day in ("2015-07-23", "2015-08-09")]
MIN_ARTICLES = 2000
MIN_AGREEMENT = 0.995

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed: Lucene cannot run"),
    pytest.mark.skipif(not (PEER / "run.sh").is_file() or not all(day.is_file() for day in DAYS),
                       reason=f"{SHARED} (Lucene peer and SaudiNewsNet day files) is not beside the repository"),
]


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """(export folder, the indexed titles and bodies as one-line texts)."""
    root = tmp_path_factory.mktemp("lucene")
    seeds = root / "seeds"
    seeds.mkdir()
    for day in DAYS:
        with zipfile.ZipFile(day) as archive:
            archive.extractall(seeds)
    index = Index(root / "index")
    summary = index.update(seeds)
    assert summary.added >= MIN_ARTICLES
    export_opensearch(index, root / "out")
    texts = []
    with index.open_whoosh().reader() as reader:
        for fields in reader.all_stored_fields():
            for name in ("title", "body"):
                text = (fields.get(name) or "").replace("\r", " ").replace("\n", " ").replace("\t", " ")
                if text.strip():
                    texts.append(text)
    return root / "out", texts


def run_lucene(settings: Path, analyzer: str, texts: list[str]) -> list[list[tuple[str, int, int]]]:
    """Lucene's (term, start, end) per text for one analyzer of settings, offsets in code points of the text.

    The Lucene spec is written beside the settings' folder (a test's own temporary folder).
    """
    spec = settings.parent.parent / f"spec-{analyzer}"
    subprocess.run([sys.executable, str(PEER / "es_analyzer.py"), str(settings), analyzer, str(spec)],
                   check=True, capture_output=True)
    result = subprocess.run([str(PEER / "run.sh"), "custom", str(spec / "spec")],
                            input=("\n".join(texts) + "\n").encode("utf-8"), capture_output=True, timeout=600)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
    lines = result.stdout.decode("utf-8").split("\n")[:-1]
    assert len(lines) == len(texts)
    analyzed = []
    for text, line in zip(texts, lines):
        _, terms, offsets = line.rsplit("\t", 2)
        units = code_point_of_unit(text)
        tokens = []
        for term, span in zip(terms.split(" "), offsets.split(" ")) if terms else ():
            start, end = (int(part) for part in span.split("-"))
            tokens.append((term, units[start], units[end]))
        analyzed.append(tokens)
    return analyzed


def code_point_of_unit(text: str) -> list[int]:
    """For each UTF-16 offset of text (and its end), the code point offset."""
    units = []
    for index, char in enumerate(text):
        units.extend([index] * (2 if ord(char) > 0xFFFF else 1))
    units.append(len(text))
    return units


def ours(text: str, level: str) -> list[tuple[str, int, int]]:
    if level == EXACT_ANALYZER:
        return [(t.normalized, t.start, t.end) for t in analyze(text)]
    return [(t.stem, t.start, t.end) for t in analyze(text) if t.stem is not None]


def compare(texts, theirs, level) -> tuple[int, int, dict[str, Counter]]:
    """Tokens agreeing (same term, same original span), tokens in all, and the differences by kind.

    Tokens are paired by their start in the original text, so one split
    difference costs its own tokens, not the rest of the line.
    """
    agree = total = 0
    kinds: dict[str, Counter] = {"term": Counter(), "boundary": Counter(), "extra in Lucene": Counter()}
    for text, lucene in zip(texts, theirs):
        mine = ours(text, level)
        by_start = {start: (term, end) for term, start, end in lucene}
        starts = {start for _, start, _ in mine}
        for term, start, end in mine:
            total += 1
            other = by_start.get(start)
            if other == (term, end):
                agree += 1
            elif other and other[1] == end:
                kinds["term"][f"{text[start:end]}: ours {term}, Lucene {other[0]}"] += 1
            else:
                seen = text[start:other[1]] if other else "(none)"
                kinds["boundary"][f"ours {text[start:end]!r}, Lucene {seen!r}"] += 1
        for term, start, end in lucene:
            if start not in starts:
                total += 1
                kinds["extra in Lucene"][f"{text[start:end]!r} -> {term}"] += 1
    return agree, total, kinds


def report(level: str, agree: int, total: int, kinds: dict[str, Counter]) -> str:
    lines = [f"{level}: {agree:,} of {total:,} tokens agree ({agree / total:.4%})"]
    for kind, counter in kinds.items():
        if counter:
            lines.append(f"  {kind}: {sum(counter.values())}")
            lines.extend(f"    {count} x {example}" for example, count in counter.most_common(10))
    return "\n".join(lines)


@pytest.mark.parametrize("level", [EXACT_ANALYZER, STEM_ANALYZER])
def test_lucene_gives_our_terms_and_offsets_on_saudinewsnet(export, level):
    out, texts = export
    agree, total, kinds = compare(texts, run_lucene(out / INDEX_FILE, level, texts), level)
    summary = report(level, agree, total, kinds)
    print(f"\n{len(texts):,} texts\n{summary}")
    assert total > 100_000
    assert agree / total >= MIN_AGREEMENT, summary


def unknown_to_the_jvm(folder: Path, texts: list[str]) -> set[str]:
    """The texts whose middle character this JVM's Unicode leaves unassigned (a split at \\p{Cn})."""
    settings = {"analysis": {"analyzer": {"unassigned": {"tokenizer": {"type": "pattern", "pattern": r"\p{Cn}+"}}}}}
    (folder / "jvm").mkdir(exist_ok=True)
    (folder / "jvm" / "unassigned.json").write_text(json.dumps(settings), encoding="utf-8")
    split = run_lucene(folder / "jvm" / "unassigned.json", "unassigned", texts)
    return {text for text, tokens in zip(texts, split) if len(tokens) == 2}


def test_every_code_point_analyzes_as_ours_in_lucene(export):
    """Each assigned character between two letters: one word or a split, folded or dropped, as ours.

    The only differences allowed are characters newer than the JVM's
    Unicode (Java 17 knows Unicode 13, Python 3.11 Unicode 14): Java's
    \\p{L} cannot know them (export.JAVA_SPLIT_PATTERNS).
    """
    out, _ = export
    texts = ["\u0628" + chr(code) + "\u0628" for code in range(0x110000)
             if unicodedata.category(chr(code)) not in ("Cn", "Co", "Cs") and chr(code) not in "\r\n"]
    newer = unknown_to_the_jvm(out.parent, texts)
    known = [text for text in texts if text not in newer]
    agree, total, kinds = compare(known, run_lucene(out / INDEX_FILE, EXACT_ANALYZER, known), EXACT_ANALYZER)
    summary = report("every code point the JVM knows", agree, total, kinds)
    print(f"\n{len(texts):,} code points, {len(newer):,} newer than the JVM's Unicode\n{summary}")
    assert len(newer) < 1000
    assert agree == total, summary


def test_exported_synonyms_run_in_lucenes_synonym_graph_filter(tmp_path):
    """The search analyzers' synonym_graph rules, in Lucene's SynonymGraphFilter, give our forms' terms.

    es_analyzer.py does not translate synonym_graph, so the spec of each
    analyzer without it gets the filter here: ``synonymGraph`` (Lucene's
    SynonymGraphFilterFactory, what the engines build for synonym_graph)
    right after the tokenizer, where the export puts it, with the exported
    rules in Solr's format. Both spellings are indexed, so the stem rules
    (stemmer_override) know them: a word the export never saw gets Lucene's
    own stemmer, which leaves امريكا whole.
    """
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "news.jsonl").write_text(json.dumps(
        {"id": "1", "title": "زيارة أمريكا", "text": "وصل الوزير إلى أميركا"}, ensure_ascii=False) + "\n", encoding="utf-8")
    index = Index(tmp_path / "index")
    index.update(seeds)
    export_opensearch(index, tmp_path / "out")
    settings = json.loads((tmp_path / "out" / INDEX_FILE).read_text(encoding="utf-8"))
    analysis = settings["settings"]["analysis"]
    rules = analysis["filter"]["arabic_synonyms"]["synonyms"]
    texts = ["زار أمريكا", "عبر فيسبوك", "عبر فيس بوك"]
    found = {}
    for name in (EXACT_ANALYZER, STEM_ANALYZER):
        searching = analysis["analyzer"][name + "_search"]
        assert searching["filter"][0] == "arabic_synonyms"
        plain = {"analysis": dict(analysis, analyzer={name: dict(searching, filter=searching["filter"][1:])})}
        spec = tmp_path / f"spec-{name}"
        without = tmp_path / "out" / f"{name}.json"  # beside the stem rules file, which its settings name
        without.write_text(json.dumps(plain, ensure_ascii=False), encoding="utf-8")
        subprocess.run([sys.executable, str(PEER / "es_analyzer.py"), str(without), name,
                        str(spec)], check=True, capture_output=True)
        (spec / "synonyms.txt").write_text("\n".join(rules) + "\n", encoding="utf-8")
        lines = (spec / "spec").read_text(encoding="utf-8").splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith("tokenizer\t")) + 1
        lines.insert(at, "filter\tsynonymGraph\tsynonyms=synonyms.txt\tformat=solr")
        (spec / "spec").write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = subprocess.run([str(PEER / "run.sh"), "custom", str(spec / "spec")],
                                input=("\n".join(texts) + "\n").encode("utf-8"), capture_output=True, timeout=300)
        assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
        found[name] = [sorted(line.split("\t")[1].split(" ")) for line in result.stdout.decode("utf-8").splitlines()]
    assert found[EXACT_ANALYZER] == [sorted(["زار", "امريكا", "اميركا"]), sorted(["عبر", "فيسبوك", "فيس", "بوك"]),
                                     sorted(["عبر", "فيس", "بوك", "فيسبوك"])]
    assert found[STEM_ANALYZER] == [sorted(["زار", "امريك", "اميرك"]), sorted(["عبر", "فيسبوك", "فيس", "بوك"]),
                                    sorted(["عبر", "فيس", "بوك", "فيسبوك"])]
