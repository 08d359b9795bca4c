"""Our light stemmer next to Lucene's, Snowball's and ISRI's, on a news vocabulary and on ARCD.

    python benchmarks/stemmer_eval.py

Two parts, both read from ../shared (beside the repository), never copied:

1. Vocabulary (``eval/snowball-arabic/peers.tsv``: 38,045 SaudiNewsNet
   word types with their frequency and each peer's output). Ours is
   ``light_stem(normalize_text(word))``. For every stemmer: distinct stems
   per word (conflation: lower merges more), then how often the peer agrees
   with ours, per word type and weighted by frequency. A peer's output is
   passed through our normalize_text before comparing, so a difference is
   a stemming decision, not a spelling one (Lucene keeps ؤ, we fold it).
   Then the fate of words whose first or last letters belong to the word
   (over-stemming), and the most frequent words where ours and Lucene part
   (a stopword never reaches the stem level, so its stem does not matter).

2. Retrieval on ARCD (``eval/arcd``: 460 Wikipedia paragraphs, 1,395
   questions, one relevant paragraph each). A small BM25 (k1=1.2, b=0.75,
   Lucene's idf) over title + " " + text; every query term is an OR
   clause. Terms: our tokenizer (search.analysis.tokenize.tokenize: normalized words
   with offsets), our stopwords dropped, then each stemmer applied to the
   normalized word. MRR@10 and R@10 per stemmer. Lucene's stemmer is a port
   of ArabicNormalizer + ArabicStemmer (Lucene 8.7, Apache-2.0), checked
   here against the peers.tsv column it must reproduce; Snowball and ISRI
   come from the ``snowballstemmer`` and ``nltk`` packages and are skipped
   when not installed (their vocabulary columns are used either way).
"""

from __future__ import annotations

import csv
import json
import math
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from search.analysis.normalize import normalize_text  # noqa: E402
from search.analysis.stem import light_stem  # noqa: E402
from search.analysis.stopwords import is_stopword  # noqa: E402
from search.analysis.tokenize import tokenize  # noqa: E402  (needs REPO on the path)

SHARED = REPO.parent / "shared"
PEERS = SHARED / "eval" / "snowball-arabic" / "peers.tsv"
ARCD = SHARED / "eval" / "arcd"

PEER_COLUMNS = ("lucene_norm_stem", "snowball", "isri")
OVER_STEMMING_EXAMPLES = ("والد", "وزير", "إيران", "آلاف", "لبنان", "فلسطين", "قانون", "وكالة", "واشنطن")
MOST_FREQUENT_DIFFERENCES = 20
BM25_K1, BM25_B = 1.2, 0.75
CUTOFF = 10  # MRR@10, R@10


# Lucene's Arabic normalizer and light stemmer, ported -----------------------

LUCENE_NORMALIZE = {
    "\u0622": "\u0627",  # ALEF_MADDA -> ALEF
    "\u0623": "\u0627",  # ALEF_HAMZA_ABOVE -> ALEF
    "\u0625": "\u0627",  # ALEF_HAMZA_BELOW -> ALEF
    "\u0649": "\u064a",  # DOTLESS_YEH -> YEH
    "\u0629": "\u0647",  # TEH_MARBUTA -> HEH
    "\u0640": "",  # TATWEEL
    "\u064b": "", "\u064c": "", "\u064d": "",  # FATHATAN, DAMMATAN, KASRATAN
    "\u064e": "", "\u064f": "", "\u0650": "",  # FATHA, DAMMA, KASRA
    "\u0651": "", "\u0652": "",  # SHADDA, SUKUN
}
# ArabicStemmer.prefixes and .suffixes, in Lucene's order.
LUCENE_PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
LUCENE_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")


def lucene_normalize(word: str) -> str:
    """ArabicNormalizer.normalize."""
    return "".join(LUCENE_NORMALIZE.get(char, char) for char in word)


def lucene_stem(word: str) -> str:
    """ArabicStemmer.stem: at most one prefix, then every suffix that still fits, in order."""
    for prefix in LUCENE_PREFIXES:
        # wa- needs 3 letters after it; the other prefixes 2.
        needed = 4 if len(prefix) == 1 else len(prefix) + 2
        if len(word) >= needed and word.startswith(prefix):
            word = word[len(prefix):]
            break
    for suffix in LUCENE_SUFFIXES:
        if len(word) >= len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
    return word


# Stemmers applied to our normalized tokens ----------------------------------


def load_stemmers() -> tuple[dict, list[str]]:
    """name -> function(normalized word) -> stem, and a note for each stemmer skipped."""
    stemmers = {
        "none (normalized)": lambda word: word,
        "ours": light_stem,
        "lucene": lambda word: lucene_stem(lucene_normalize(word)),
    }
    skipped = []
    try:
        import snowballstemmer

        stemmers["snowball"] = snowballstemmer.stemmer("arabic").stemWord
    except ImportError:
        skipped.append("snowball (pip install snowballstemmer)")
    try:
        from nltk.stem.isri import ISRIStemmer

        stemmers["isri"] = ISRIStemmer().stem
    except ImportError:
        skipped.append("isri (pip install nltk)")
    return stemmers, skipped


# Part 1: vocabulary ---------------------------------------------------------


def read_peers(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    for row in rows:
        row["freq"] = int(row["freq"])
        row["none (normalized)"] = normalize_text(row["word"])
        row["ours"] = light_stem(row["none (normalized)"])
    return rows


def percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:5.1f}%"


def vocabulary_report(rows: list[dict]) -> list[str]:
    words = len(rows)
    tokens = sum(row["freq"] for row in rows)
    lines = [f"Vocabulary: {words:,} word types, {tokens:,} tokens (SaudiNewsNet), peers.tsv", ""]
    header = f"{'stemmer':<18}{'distinct stems':>15}{'stems/word':>12}{'= ours (types)':>16}{'= ours (tokens)':>17}"
    lines += [header, "-" * len(header)]
    for column in ("none (normalized)", "ours") + PEER_COLUMNS:
        stems = {row[column] for row in rows}
        if column in ("none (normalized)", "ours"):
            agree_types = agree_tokens = "—"
        else:
            same = [row for row in rows if normalize_text(row[column]) == row["ours"]]
            agree_types = percent(len(same), words)
            agree_tokens = percent(sum(row["freq"] for row in same), tokens)
        lines.append(f"{column:<18}{len(stems):>15,}{len(stems) / words:>12.3f}{agree_types:>16}{agree_tokens:>17}")

    lines += ["", "Over-stemming examples (= : the word is kept whole, after our normalization)", ""]
    by_word = {row["word"]: row for row in rows}
    header = f"{'word':<10}" + "".join(f"{column:<18}" for column in ("ours",) + PEER_COLUMNS)
    lines += [header, "-" * len(header)]
    for word in OVER_STEMMING_EXAMPLES:
        row = by_word.get(word) or {"ours": light_stem(normalize_text(word)), **{c: "?" for c in PEER_COLUMNS}}
        cells = []
        for column in ("ours",) + PEER_COLUMNS:
            stem = row[column]
            mark = "=" if normalize_text(stem) == normalize_text(word) else " "
            cells.append(f"{mark} {stem:<16}")
        lines.append(f"{word:<10}" + "".join(cells))

    differing = sorted(
        (row for row in rows if normalize_text(row["lucene_norm_stem"]) != row["ours"]),
        key=lambda row: -row["freq"],
    )
    content = [row for row in differing if not is_stopword(row["none (normalized)"])]
    for title, selected in (("", differing), (" among content words (stopwords left out)", content)):
        lines += ["", f"The {MOST_FREQUENT_DIFFERENCES} most frequent words where ours differs from Lucene{title}", ""]
        header = f"{'word':<14}{'freq':>8}  {'ours':<12}{'lucene':<12}{'stopword':<8}"
        lines += [header, "-" * len(header)]
        for row in selected[:MOST_FREQUENT_DIFFERENCES]:
            stopword = "yes" if is_stopword(row["none (normalized)"]) else ""
            lines.append(f"{row['word']:<14}{row['freq']:>8,}  {row['ours']:<12}{row['lucene_norm_stem']:<12}{stopword:<8}")
    return lines


def lucene_conformance(rows: list[dict]) -> str:
    """How many words the port stems exactly as Lucene did (peers.tsv lucene_norm_stem)."""
    same = sum(lucene_stem(lucene_normalize(row["word"])) == row["lucene_norm_stem"] for row in rows)
    return f"Lucene port check: {same:,} of {len(rows):,} words give peers.tsv's lucene_norm_stem exactly"


# Part 2: ARCD retrieval -----------------------------------------------------


def read_arcd(folder: Path):
    documents = []
    with (folder / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            documents.append((record["id"], record["title"] + " " + record["text"]))
    queries = {}
    with (folder / "queries.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            qid, query = line.rstrip("\n").split("\t", 1)
            queries[qid] = query
    relevant = defaultdict(set)
    with (folder / "qrels.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            qid, docid, grade = line.split("\t")
            if int(grade) > 0:
                relevant[qid].add(docid)
    return documents, queries, relevant


def content_words(text: str) -> list[str]:
    """Our tokenizer's normalized words, stopwords left out (the stem level's input)."""
    return [word for _, _, word in tokenize(text) if not is_stopword(word)]


class BM25:
    """Okapi BM25 with Lucene's idf, over documents given as term lists."""

    def __init__(self, documents: list[list[str]]):
        self.lengths = [len(terms) for terms in documents]
        self.average = sum(self.lengths) / len(documents)
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for number, terms in enumerate(documents):
            for term, count in Counter(terms).items():
                self.postings[term].append((number, count))
        n = len(documents)
        self.idf = {term: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for term, p in self.postings.items()}

    def rank(self, query_terms: list[str], depth: int) -> list[int]:
        scores: dict[int, float] = defaultdict(float)
        for term in query_terms:
            idf = self.idf.get(term)
            if idf is None:
                continue
            for number, tf in self.postings[term]:
                norm = BM25_K1 * (1 - BM25_B + BM25_B * self.lengths[number] / self.average)
                scores[number] += idf * tf * (BM25_K1 + 1) / (tf + norm)
        return sorted(scores, key=lambda number: (-scores[number], number))[:depth]


def retrieval_report(stemmers: dict, skipped: list[str]) -> list[str]:
    documents, queries, relevant = read_arcd(ARCD)
    doc_words = [content_words(text) for _, text in documents]
    query_words = {qid: content_words(query) for qid, query in queries.items()}
    lines = [
        f"ARCD: {len(documents)} documents (title + text), {len(queries):,} questions; "
        f"BM25 k1={BM25_K1} b={BM25_B}, our tokenizer and stopwords, OR of all query terms",
        "",
    ]
    header = f"{'stemmer':<20}{'MRR@10':>8}{'R@10':>8}{'terms':>9}{'seconds':>9}"
    lines += [header, "-" * len(header)]
    for name, stemmer in stemmers.items():
        started = time.perf_counter()
        cache: dict[str, str] = {}

        def stem(word: str) -> str:
            if word not in cache:
                cache[word] = stemmer(word)
            return cache[word]

        index = BM25([[stem(word) for word in words] for words in doc_words])
        reciprocal_ranks, found = [], 0
        for qid, words in query_words.items():
            ranking = index.rank([stem(word) for word in words], CUTOFF)
            ids = [documents[number][0] for number in ranking]
            rank = next((i for i, docid in enumerate(ids, 1) if docid in relevant[qid]), None)
            reciprocal_ranks.append(1 / rank if rank else 0.0)
            found += rank is not None
        mrr = sum(reciprocal_ranks) / len(queries)
        seconds = time.perf_counter() - started
        lines.append(f"{name:<20}{mrr:>8.3f}{found / len(queries):>8.3f}{len(index.postings):>9,}{seconds:>9.1f}")
    for note in skipped:
        lines.append(f"skipped: {note}")
    return lines


def main() -> int:
    missing = [path for path in (PEERS, ARCD / "corpus.jsonl") if not path.exists()]
    if missing:
        print(f"stemmer_eval: missing {', '.join(str(p) for p in missing)}; "
              f"this benchmark reads ../shared/eval beside the repository.", file=sys.stderr)
        return 2
    started = time.perf_counter()
    rows = read_peers(PEERS)
    stemmers, skipped = load_stemmers()
    lines = vocabulary_report(rows)
    lines += ["", lucene_conformance(rows), ""]
    lines += retrieval_report(stemmers, skipped)
    lines += ["", f"total {time.perf_counter() - started:.1f} s"]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
