"""Root extractors measured on words whose roots a dictionary gives.

    python benchmarks/roots_eval.py            # 1,250 words, seed 19
    python benchmarks/roots_eval.py --per-kind 400

The gold list is drawn from the Arramooz dictionary (arramooz-pysqlite on
PyPI, GPL; read from the installed package, nothing copied here): its
nouns and verbs carry their roots, and its nouns their broken plurals.
Five kinds of word, the same number of each, drawn with a fixed seed:

- broken: a broken plural (مدارس, كتب, أبواب), root of its singular;
- mafala: a noun of the pattern مفعلة (مدرسة, مكتبة);
- faail: a noun of the pattern فاعل (كاتب, باحث);
- derived: a verb of a derived form, longer than three letters (استخدم);
- noun: any other noun of a three- or four-letter root.

Every word and root is normalized as the index normalizes
(search.analysis.normalize), and a root's hamza is folded to alef on
both sides (ءخذ / أخذ / اخذ are one root). A word counts as right when
the extractor's root equals the gold root. Speed is words per second
over the list, each word once (an index caches per distinct word).

News text glues clitics to its words, so the list is measured a second
time with one on each word ("with clitics"), in turn from NOUN_CLITICS
for nouns (والمدارس, وبالمدرسة) and VERB_CLITICS for verbs (واستخدم).

qalsadi looks words up in the same Arramooz dictionary before guessing,
so its accuracy here is an upper bound on what it gets on news text.
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.analysis.normalize import normalize_text  # noqa: E402

SEED = 19
KINDS = ("broken", "mafala", "faail", "derived", "noun")
NOUN_CLITICS = ("و", "ال", "وال", "بال", "وبال", "فال", "لل", "ب")
VERB_CLITICS = ("و", "ف")
ARABIC_WORD = re.compile(r"^[\u0621-\u064a]+$")


def canonical_root(root: str) -> str:
    """A root as compared: normalized, its hamza (ء, or an alef after normalizing) as alef."""
    return normalize_text(root).replace("\u0621", "\u0627").replace(" ", "")


def dictionary_path() -> Path:
    """The Arramooz dictionary of the installed arramooz-pysqlite."""
    try:
        import arramooz
    except ImportError:
        sys.exit("the gold list comes from Arramooz: pip install arramooz-pysqlite")
    return Path(arramooz.__file__).parent / "data" / "arabicdictionary.sqlite"


def candidate_words(db: sqlite3.Connection) -> dict[str, list[tuple[str, str]]]:
    """Every (normalized word, canonical root) of the dictionary, by kind; each word once."""
    kinds: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
    seen: set[str] = set()

    def add(kind: str, word: str, root: str) -> None:
        word, root = normalize_text(word), canonical_root(root)
        if word in seen or not ARABIC_WORD.match(word) or len(root) not in (3, 4):
            return
        seen.add(word)
        kinds[kind].append((word, root))

    nouns = db.execute("SELECT unvocalized, root, broken_plural FROM nouns ORDER BY id").fetchall()
    for _, root, plurals in nouns:
        for plural in re.split(r"[;:\s]+", plurals or ""):
            if plural and not plural.startswith("+"):
                add("broken", plural, root)
    for word, root, _ in nouns:
        normalized = normalize_text(word)
        if normalized.startswith("\u0645") and normalized.endswith("\u0647") and len(normalized) == 5:
            add("mafala", word, root)  # م + three root letters + ة (folded to ه)
        elif len(normalized) == 4 and normalized[1] == "\u0627" and len(canonical_root(root)) == 3:
            add("faail", word, root)  # root letter, ا, two root letters
    for word, root in db.execute("SELECT unvocalized, root FROM verbs ORDER BY id"):
        if len(normalize_text(word)) > 3:
            add("derived", word, root)
    for word, root, _ in nouns:
        add("noun", word, root)
    return kinds


def gold_list(per_kind: int, seed: int = SEED) -> list[tuple[str, str, str]]:
    """(kind, word, root) for per_kind words of each kind, drawn with seed."""
    db = sqlite3.connect(f"file:{dictionary_path()}?mode=ro", uri=True)
    rng = random.Random(seed)
    gold = []
    for kind, words in candidate_words(db).items():
        for word, root in rng.sample(words, min(per_kind, len(words))):
            gold.append((kind, word, root))
    return gold


def with_clitics(gold: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The gold list with a clitic on each word, taken in turn (a verb gets و or ف)."""
    glued = []
    for number, (kind, word, root) in enumerate(gold):
        clitics = VERB_CLITICS if kind == "derived" else NOUN_CLITICS
        glued.append((kind, clitics[number % len(clitics)] + word, root))
    return glued


def isri() -> Callable[[str], str]:
    from nltk.stem.isri import ISRIStemmer
    return ISRIStemmer().stem


def tashaphyne() -> Callable[[str], str]:
    from tashaphyne.stemming import ArabicLightStemmer
    stemmer = ArabicLightStemmer()

    def root(word: str) -> str:
        stemmer.light_stem(word)
        return stemmer.get_root()
    return root


def qalsadi() -> Callable[[str], str]:
    import qalsadi.analex
    analyzer = qalsadi.analex.Analex()

    def root(word: str) -> str:
        roots = Counter(case.root for case in analyzer.check_word(word) if getattr(case, "root", ""))
        return roots.most_common(1)[0][0] if roots else word
    return root


def ours() -> Callable[[str], str]:
    from search.analysis.root import word_root
    return lambda word: word_root(word) or word


CANDIDATES = {"nltk ISRIStemmer": isri, "tashaphyne get_root": tashaphyne,
              "qalsadi Analex": qalsadi, "search.analysis.root": ours}


def measure(extract: Callable[[str], str], gold: list[tuple[str, str, str]]) -> tuple[Counter, float]:
    """Right answers per kind ("all" too) and words per second."""
    right: Counter = Counter()
    started = time.perf_counter()
    answers = [extract(word) for _, word, _ in gold]
    seconds = time.perf_counter() - started
    for (kind, _, root), answer in zip(gold, answers):
        if canonical_root(answer) == root:
            right[kind] += 1
            right["all"] += 1
    return right, len(gold) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-kind", type=int, default=250, help="words of each kind (default 250)")
    parser.add_argument("--only", choices=sorted(CANDIDATES), action="append", help="measure only these")
    args = parser.parse_args()
    gold = gold_list(args.per_kind)
    per_kind = Counter(kind for kind, _, _ in gold)
    print(f"{len(gold)} words from Arramooz, seed {SEED}: " + ", ".join(f"{k} {per_kind[k]}" for k in KINDS))
    glued = with_clitics(gold)
    headers = ["candidate", "accuracy", *KINDS, "with clitics", "words/s"]
    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers))
    for name in args.only or CANDIDATES:
        try:
            extract = CANDIDATES[name]()
        except ImportError as error:
            print(f"| {name} | not installed ({error.name}) |")
            continue
        right, speed = measure(extract, gold)
        right_glued, _ = measure(extract, glued)
        cells = [f"{right['all'] / len(gold):.1%}", *(f"{right[k] / per_kind[k]:.0%}" for k in KINDS),
                 f"{right_glued['all'] / len(glued):.1%}", f"{speed:,.0f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
