"""A light stemmer for normalized Arabic words (the stopwords are in stopwords.py).

Light stemming strips the clitics glued to a word (و ف ب ك ل, the article
ال and their combinations in front; inflection and pronoun suffixes
behind) and never tries to reach a root: والمدرسة, بالمدرسة, مدرستها and
مدارس... the first three meet at مدرس, the broken plural stays apart.

Why not Lucene's ArabicStemmer: it strips at most one prefix, so وبالمدرسة
keeps وب, it ignores pronoun clitics (مدرستها), and its bare-waw rule
turns والد into الد and وزير into زير. Snowball's stemmer misses وال and
فال. The rules here are data, each guarded by the shortest stem it may
leave; ``python benchmarks/stemmer_eval.py`` prints the figures behind them
(this stemmer next to Lucene's, Snowball's and ISRI's, on news words and ARCD).

Every input is already normalized (normalize.py): ة is ه, أ إ آ are ا.
"""

from __future__ import annotations

from functools import lru_cache

# Article-bearing prefixes, longest first. لل is ل + ال with the alef elided.
ARTICLE_PREFIXES = (
    "وبال",  # and + with + the
    "وكال",  # and + like + the
    "فبال",  # so + with + the
    "وال",  # and + the
    "فال",  # so + the
    "بال",  # with + the
    "كال",  # like + the
    "ولل",  # and + for the
    "فلل",  # so + for the
    "لل",  # for the
    "ال",  # the
)
MIN_STEM_AFTER_ARTICLE = 3  # الاف (thousands) keeps its ال: "اف" is no word

# A bare conjunction و is stripped only from long words: و is a root letter
# of وزير, والد, وقت, وطن, وكالة, and ف, ب, ك, ل begin فرنسا, بيروت, كبير, لبنان.
BARE_PREFIXES = ("و",)
MIN_STEM_AFTER_BARE_PREFIX = 4

# Pronoun clitics, longest first: مدرستهم, كتابها, بيتنا.
PRONOUN_SUFFIXES = ("كما", "هما", "هم", "هن", "ها", "كم", "كن", "نا")
MIN_STEM_AFTER_PRONOUN = 3

# A nisba (relational adjective in ي) ends its plural and feminine forms in
# these; each is read as the singular X + ي, the stem of the whole family:
# اليمنيون, اليمنيين, اليمنية -> يمني, as اليمني -> يمني. X keeps two
# letters at least: فنيون -> فني. The feminine plural يات reaches the same
# stem through ات (السعوديات -> سعودي).
#
# The singular keeps its ي: stripped, it took every nisba family to the
# bare noun (المدنية -> مدن, cities; القمرية -> قمر, moon; العملية -> عمل)
# while the plurals in يات kept it (العمليات -> عملي), and it cost the
# families recall on ARCD with the news (R@10 0.897 -> 0.895). Kept, the
# families raise every figure there (benchmarks/relevance.py, R@10 0.899);
# the country and its adjective (اليمن, اليمني) meet at the root level.
NISBA_ENDINGS = (
    "يون",  # masculine plural, nominative: الحوثيون -> حوثي
    "يين",  # masculine plural, oblique: الحوثيين -> حوثي
    "يه",  # feminine (teh marbuta folded to heh): السعوديه -> سعودي
)
NISBA = "ي"
MIN_NISBA_BASE = 2

# Inflection suffixes, longest first. Plural and dual endings need a longer
# stem: ايران, لبنان, فلسطين, قانون must not lose their last two letters.
INFLECTION_SUFFIXES = (
    ("ات", 3),  # feminine plural: سيارات -> سيار
    ("ون", 4),  # masculine plural: مدرسون -> مدرس
    ("ين", 4),  # masculine plural / dual: مدرسين -> مدرس
    ("ان", 4),  # dual: مدرسان -> مدرس
    ("ه", 3),  # teh marbuta (folded to heh) or his: مدرسه -> مدرس
    ("ت", 3),  # teh marbuta before a clitic: مدرستها -> مدرست -> مدرس
    ("ا", 3),  # the alef of tanween fath once its mark is gone: أمطاراً -> امطارا -> امطار
)


@lru_cache(maxsize=500_000)
def light_stem(word: str) -> str:
    """Strip attached prefixes and suffixes from a normalized word.

    Each rule refuses to leave a stem shorter than its guard: over-stemming
    (والد -> الد, ايران -> اير) costs more precision than it gains recall.
    Digits and Latin words come back unchanged.
    """
    if not word or not ("\u0621" <= word[0] <= "\u064a"):
        return word
    stem = strip_prefix(word)
    stem = strip_suffix(stem)
    return stem


def strip_prefix(word: str) -> str:
    """Remove one prefix group: an article combination, else a bare و."""
    for prefix in ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM_AFTER_ARTICLE:
            return word[len(prefix):]
    for prefix in BARE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM_AFTER_BARE_PREFIX:
            return word[len(prefix):]
    return word


def strip_suffix(word: str) -> str:
    """Remove a pronoun clitic, then read a nisba form as its singular, then remove one inflection suffix."""
    had_pronoun = False
    for suffix in PRONOUN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM_AFTER_PRONOUN:
            word = word[: -len(suffix)]
            had_pronoun = True
            break
    word = singular_nisba(word)
    for suffix, min_stem in INFLECTION_SUFFIXES:
        if suffix == "ت" and not had_pronoun:
            continue
        if word.endswith(suffix) and len(word) - len(suffix) >= min_stem:
            return word[: -len(suffix)]
    return word


def singular_nisba(word: str) -> str:
    """X + يون / يين / يه -> X + ي: a nisba's other forms as its singular."""
    for ending in NISBA_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_NISBA_BASE:
            return word[: -len(ending)] + NISBA
    return word
