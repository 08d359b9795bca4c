"""The ISRI root extractor (Taghva, Elkhoury and Coombs, 2005), as NLTK's ISRIStemmer computes it.

ISRI finds a word's root by rules alone, no dictionary: strip a long
prefix and suffix, then match the rest against the patterns of four-,
five-, six- and seven-letter words (مفعل, افتعل, استفعل …). NLTK's
ISRIStemmer is the reference implementation, but importing nltk takes a
third of a second, which every command-line search would pay once the
root level is searched by plain words (levels.ROOT_PLAIN_SHARE). This is
the same algorithm, rule for rule, with NLTK's tables and its additions
(60 stop words, the pattern تفاعيل, no hamza folding);
tests/test_isri.py checks that both give the same root for every word of
a news vocabulary.
"""

from __future__ import annotations

import re

PREFIXES_3 = ("كال", "بال", "ولل", "وال")
PREFIXES_2 = ("ال", "لل")
PREFIXES_1 = ("ل", "ب", "ف", "س", "و", "ي", "ت", "ن", "ا")
SUFFIXES_3 = ("تمل", "همل", "تان", "تين", "كمل")
SUFFIXES_2 = ("ون", "ات", "ان", "ين", "تن", "كم", "هن", "نا", "يا", "ها", "تم", "كن", "ني", "وا", "ما", "هم")
SUFFIXES_1 = ("ة", "ه", "ي", "ك", "ت", "ا", "ن")
# Words ISRI returns as they are (NLTK's list, spellings as it has them).
STOP_WORDS = frozenset(
    "يكون وليس وكان كذلك التي وبين عليها مساء الذي وكانت ولكن والتي تكون اليوم اللذين عليه كانت لذلك أمام"
    " هناك منها مازال لازال لايزال مايزال اصبح أصبح أمسى امسى أضحى اضحى مابرح مافتئ ماانفك لاسيما ولايزال"
    " الحالي اليها الذين فانه والذي وهذا لهذا فكان ستكون اليه يمكن بهذا الذى".split())

SHORT_VOWELS = re.compile("[\u064b-\u0652]")
INITIAL_HAMZA = re.compile("^[\u0622\u0623\u0625]")


def isri_root(word: str) -> str:
    """The root ISRI finds for word (its stem when no pattern fits; a stop word as it is)."""
    word = SHORT_VOWELS.sub("", word)
    if word in STOP_WORDS:
        return word
    word = _strip_prefix(word)
    word = _strip_suffix(word)
    if len(word) >= 4 and word.startswith("وو"):  # a connective و before a word that begins with و
        word = word[1:]
    word = INITIAL_HAMZA.sub("ا", word)
    if len(word) == 4:
        return _length_4(word)
    if len(word) == 5:
        return _end_5(_length_5(word))
    if len(word) == 6:
        return _end_6(_length_6(word))
    if len(word) == 7:
        word = _strip_suffix_1(word)
        if len(word) == 7:
            word = _strip_prefix_1(word)
        if len(word) == 6:
            return _end_6(_length_6(word))
    return word


def _strip_prefix(word: str) -> str:
    """A three-letter prefix from a word of six letters or more, else a two-letter one from five or more."""
    if len(word) >= 6:
        for prefix in PREFIXES_3:
            if word.startswith(prefix):
                return word[3:]
    if len(word) >= 5:
        for prefix in PREFIXES_2:
            if word.startswith(prefix):
                return word[2:]
    return word


def _strip_suffix(word: str) -> str:
    """A three-letter suffix from a word of six letters or more, else a two-letter one from five or more."""
    if len(word) >= 6:
        for suffix in SUFFIXES_3:
            if word.endswith(suffix):
                return word[:-3]
    if len(word) >= 5:
        for suffix in SUFFIXES_2:
            if word.endswith(suffix):
                return word[:-2]
    return word


def _strip_suffix_1(word: str) -> str:
    for suffix in SUFFIXES_1:
        if word.endswith(suffix):
            return word[:-1]
    return word


def _strip_prefix_1(word: str) -> str:
    for prefix in PREFIXES_1:
        if word.startswith(prefix):
            return word[1:]
    return word


def _length_4(word: str) -> str:
    """A four-letter word's three-letter root."""
    if word[0] == "م":  # مفعل
        return word[1:]
    if word[1] == "ا":  # فاعل
        return word[:1] + word[2:]
    if word[2] in "اوي":  # فعال, فعول, فعيل
        return word[:2] + word[3]
    if word[3] == "ة":  # فعلة
        return word[:-1]
    word = _strip_suffix_1(word)
    return _strip_prefix_1(word) if len(word) == 4 else word


def _length_5(word: str) -> str:
    """A five-letter word's three-letter root, by the first pattern that fits."""
    if word[2] in "ات" and word[0] == "ا":  # افتعل, افاعل
        return word[1] + word[3:]
    if word[3] in "ايو" and word[0] == "م":  # مفعول, مفعال, مفعيل
        return word[1:3] + word[4]
    if word[0] in "اتم" and word[4] == "ة":  # مفعلة, تفعلة, افعلة
        return word[1:4]
    if word[0] in "ميت" and word[2] == "ت":  # مفتعل, يفتعل, تفتعل
        return word[1] + word[3:]
    if word[0] in "مت" and word[2] == "ا":  # مفاعل, تفاعل
        return word[1] + word[3:]
    if word[2] in "او" and word[4] == "ة":  # فعولة, فعالة
        return word[:2] + word[3]
    if word[0] in "ام" and word[1] == "ن":  # انفعل, منفعل
        return word[2:]
    if word[3] == "ا" and word[0] == "ا":  # افعال
        return word[1:3] + word[4]
    if word[4] == "ن" and word[3] == "ا":  # فعلان
        return word[:3]
    if word[3] == "ي" and word[0] == "ت":  # تفعيل
        return word[1:3] + word[4]
    if word[3] == "و" and word[1] == "ا":  # فاعول
        return word[0] + word[2] + word[4]
    if word[2] == "ا" and word[1] == "و":  # فواعل
        return word[0] + word[3:]
    if word[3] == "ئ" and word[2] == "ا":  # فعائل
        return word[:2] + word[4]
    if word[4] == "ة" and word[1] == "ا":  # فاعلة
        return word[0] + word[2:4]
    if word[4] == "ي" and word[2] == "ا":  # فعالي
        return word[:2] + word[3]
    word = _strip_suffix_1(word)
    return _strip_prefix_1(word) if len(word) == 5 else word


def _length_5_quadriliteral(word: str) -> str:
    """A five-letter word's four-letter root."""
    if word[0] in "اتم":  # تفعلل, افعلل, مفعلل
        return word[1:]
    if word[4] == "ة":  # فعللة
        return word[:4]
    if word[2] == "ا":  # فعالل
        return word[:2] + word[3:]
    return word


def _end_5(word: str) -> str:
    if len(word) == 4:
        return _length_4(word)
    if len(word) == 5:
        return _length_5_quadriliteral(word)
    return word


def _length_6(word: str) -> str:
    """A six-letter word's three-letter root."""
    if word.startswith(("است", "مست")):  # استفعل, مستفعل
        return word[3:]
    if word[0] == "م" and word[3] == "ا" and word[5] == "ة":  # مفعالة
        return word[1:3] + word[4]
    if word[0] == "ا" and word[2] == "ت" and word[4] == "ا":  # افتعال
        return word[1] + word[3] + word[5]
    if word[0] == "ا" and word[3] == "و" and word[2] == word[4]:  # افعوعل
        return word[1] + word[4:]
    if word[0] == "ت" and word[2] == "ا" and word[4] == "ي":  # تفاعيل
        return word[1] + word[3] + word[5]
    word = _strip_suffix_1(word)
    return _strip_prefix_1(word) if len(word) == 6 else word


def _length_6_quadriliteral(word: str) -> str:
    """A six-letter word's four-letter root."""
    if word[0] == "ا" and word[4] == "ا":  # افعلال
        return word[1:4] + word[5]
    if word.startswith("مت"):  # متفعلل
        return word[2:]
    return word


def _end_6(word: str) -> str:
    if len(word) == 5:
        return _end_5(_length_5(word))
    if len(word) == 6:
        return _length_6_quadriliteral(word)
    return word
