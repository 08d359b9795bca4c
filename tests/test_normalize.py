"""One test per normalization rule, the offset map, and the invariants as properties."""

from __future__ import annotations

import pytest
from conftest import ARABIC_MIX, FORMAT_CHARS
from hypothesis import example, given, settings
from hypothesis import strategies as st

from search.analysis.normalize import normalize, normalize_text


def marks(low: int, high: int) -> list[str]:
    return [chr(code) for code in range(low, high + 1)]


# Diacritics -------------------------------------------------------------


@pytest.mark.parametrize("mark", marks(0x064B, 0x0652), ids=lambda m: f"U+{ord(m):04X}")
def test_strips_harakat_and_tanween(mark):
    # كتب with the mark on every letter: كَتَبَ, كِتِبِ, كّتّبّ ...
    assert normalize_text(f"ك{mark}ت{mark}ب{mark}") == "كتب"


def test_strips_harakat_in_a_fully_diacritized_sentence():
    assert normalize_text("ذَهَبَ الوَلَدُ إِلَى المَدْرَسَةِ مُبَكِّرًا") == "ذهب الولد الي المدرسه مبكرا"


def test_strips_superscript_alef():
    assert normalize_text("هٰذا") == "هذا"
    assert normalize_text("الرَّحْمٰنِ") == "الرحمن"


@pytest.mark.parametrize("mark", marks(0x0610, 0x061A), ids=lambda m: f"U+{ord(m):04X}")
def test_strips_quranic_honorifics_and_small_high_letters(mark):
    # U+0610 SALLALLAHOU ALAYHE WASSALLAM is written over the name محمد.
    assert normalize_text(f"محمد{mark}") == "محمد"
    assert normalize_text(f"الصل{mark}اه") == "الصلاه"


@pytest.mark.parametrize("mark", marks(0x06D6, 0x06ED), ids=lambda m: f"U+{ord(m):04X}")
def test_strips_quranic_pause_and_recitation_marks(mark):
    assert normalize_text(f"العالمين{mark} الرحيم") == "العالمين الرحيم"
    assert normalize_text(f"الع{mark}المين") == "العالمين"


@pytest.mark.parametrize("mark", marks(0x0653, 0x065F), ids=lambda m: f"U+{ord(m):04X}")
def test_strips_madda_hamza_and_small_vowel_marks(mark):
    # A decomposed آ / أ is ALEF + U+0653 / U+0654: it folds like the precomposed letter.
    assert normalize_text(f"ا{mark}لاف") == "الاف"
    assert normalize_text(f"سا{mark}ل") == "سال"


def test_decomposed_hamza_matches_precomposed():
    assert normalize_text("\u0627\u0654\u062d\u0645\u062f") == normalize_text("أحمد")
    assert normalize_text("\u0627\u0653\u0644\u0627\u0641") == normalize_text("آلاف")


# Tatweel and invisible characters ---------------------------------------


def test_strips_tatweel():
    assert normalize_text("مـــدرســـة") == "مدرسه"
    assert normalize_text("الله\u0640") == "الله"


@pytest.mark.parametrize(
    "char",
    FORMAT_CHARS,
    ids=lambda c: f"U+{ord(c):04X}",
)
def test_strips_format_characters(char):
    assert normalize_text(f"{char}مدر{char}سة{char}") == "مدرسه"


# Letter folding (FOLD) ---------------------------------------------------


@pytest.mark.parametrize(
    "word, folded",
    [
        ("آلاف", "الاف"),  # ALEF WITH MADDA ABOVE
        ("أحمد", "احمد"),  # ALEF WITH HAMZA ABOVE
        ("إسلام", "اسلام"),  # ALEF WITH HAMZA BELOW
        ("ٱلرحمن", "الرحمن"),  # ALEF WASLA
    ],
)
def test_folds_alef_variants_to_alef(word, folded):
    assert normalize_text(word) == folded


def test_folds_alef_maksura_to_yeh():
    assert normalize_text("مستشفى") == "مستشفي" == normalize_text("مستشفي")
    assert normalize_text("على") == "علي"


def test_folds_teh_marbuta_to_heh():
    assert normalize_text("مدرسة") == "مدرسه" == normalize_text("مدرسه")


def test_folds_farsi_yeh_to_yeh():
    assert normalize_text("علی") == normalize_text("على") == "علي"


def test_folds_keheh_to_kaf():
    assert normalize_text("کتاب") == "كتاب"


def test_folds_heh_with_yeh_above_to_heh():
    assert normalize_text("مدرسۀ") == "مدرسه"


def test_folds_heh_doachashmee_to_heh():
    assert normalize_text("ھذا") == "هذا"


def test_folds_heh_goal_to_heh():
    assert normalize_text("ہذا") == "هذا"


def test_folds_waw_with_hamza_to_hamza():
    assert normalize_text("مسؤول") == "مسءول"
    assert normalize_text("شؤون") == "شءون"


def test_folds_yeh_with_hamza_to_hamza():
    assert normalize_text("مسئول") == "مسءول"
    assert normalize_text("شئون") == "شءون"


def test_hamza_seats_unify_the_documented_pairs():
    assert normalize_text("مسؤول") == normalize_text("مسئول")
    assert normalize_text("شؤون") == normalize_text("شئون")


# Ligatures and presentation forms (NFKC) ----------------------------------


@pytest.mark.parametrize(
    "written, folded",
    [
        ("\ufefb", "لا"),  # LAM WITH ALEF ISOLATED: the word لا
        ("\ufef7ن", "لان"),  # LAM WITH ALEF WITH HAMZA ABOVE ISOLATED: لأن
        ("ا\ufef9سلام", "الاسلام"),  # LAM WITH ALEF WITH HAMZA BELOW ISOLATED: الإسلام
        ("ا\ufef5خر", "الاخر"),  # LAM WITH ALEF WITH MADDA ABOVE ISOLATED: الآخر
        ("الس\ufefcم", "السلام"),  # LAM WITH ALEF FINAL: السلام
        ("ل\ufef8سف", "للاسف"),  # LAM WITH ALEF WITH HAMZA ABOVE FINAL: للأسف
        ("ل\ufefaعلام", "للاعلام"),  # LAM WITH ALEF WITH HAMZA BELOW FINAL: للإعلام
        ("ل\ufef6خرين", "للاخرين"),  # LAM WITH ALEF WITH MADDA ABOVE FINAL: للآخرين
    ],
    ids=["FEFB", "FEF7", "FEF9", "FEF5", "FEFC", "FEF8", "FEFA", "FEF6"],
)
def test_folds_lam_alef_ligatures(written, folded):
    assert normalize_text(written) == folded


def test_folds_presentation_forms_of_a_word():
    # مدرسة typed in contextual forms: MEEM INITIAL, DAL FINAL, REH ISOLATED,
    # SEEN INITIAL, TEH MARBUTA FINAL.
    assert normalize_text("\ufee3\ufeaa\ufead\ufeb3\ufe94") == "مدرسه"
    # السلام عليكم, as PDF extraction often returns it.
    assert normalize_text("\ufe8d\ufedf\ufeb4\ufefc\ufee1 \ufecb\ufee0\ufef4\ufedc\ufee2") == "السلام عليكم"


def test_folds_presentation_form_ligature_of_allah():
    assert normalize_text("\ufdf2") == "الله"


def test_strips_presentation_forms_of_diacritics():
    # Text extracted from PDFs writes harakat in their spacing (isolated)
    # or tatweel-joined (medial) presentation forms: كَتَبَ as كﹶتﹶبﹶ.
    assert normalize_text("\ufed9\ufe76\ufe97\ufe76\ufe90\ufe76") == "كتب"
    assert normalize_text("ك\ufe77ت\ufe77ب\ufe77") == "كتب"
    assert normalize_text("مبكرا\ufe70") == "مبكرا"


def test_keeps_a_ligature_of_several_words_as_written():
    # ﷺ (U+FDFA) expands to four words: the offset map could not say which
    # one a highlight covers, so the character stays one token.
    assert normalize_text("محمد \ufdfa") == "محمد \ufdfa"
    assert normalize_text("الله \ufdfb") == "الله \ufdfb"


# Digits and Latin --------------------------------------------------------


def test_maps_eastern_arabic_digits_to_ascii():
    assert normalize_text("عام ٢٠٢٤") == "عام 2024"
    assert normalize_text("٠١٢٣٤٥٦٧٨٩") == "0123456789"


def test_maps_persian_digits_to_ascii():
    assert normalize_text("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert normalize_text("سال ۱۴۰۲") == "سال 1402"


def test_lowercases_latin():
    assert normalize_text("Riyadh NEWS iPhone") == "riyadh news iphone"


# What must not change ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello world",
        "0123456789",
        ".,;:!?()[]{}\"'-_/«»",
        "\u060c \u061b \u061f",  # ARABIC COMMA, SEMICOLON, QUESTION MARK
        "كتب في المدرسه",  # already normalized Arabic
        "من",
    ],
    ids=["empty", "latin", "digits", "punctuation", "arabic-punctuation", "normalized-arabic", "short-word"],
)
def test_leaves_normalized_text_unchanged(text):
    result = normalize(text)
    assert result.text == text
    assert result.spans == tuple((i, i + 1) for i in range(len(text)))


# Offset map --------------------------------------------------------------


def test_original_span_covers_final_kasra():
    original = "وبالمدرسةِ"
    result = normalize(original)
    assert result.text == "وبالمدرسه"
    assert result.original_span(0, len(result.text)) == (0, len(original))
    assert original[slice(*result.original_span(2, 9))] == "المدرسةِ"


def test_original_span_covers_tatweel_inside_a_word():
    original = "مـــدرسة"
    result = normalize(original)
    assert result.text == "مدرسه"
    assert result.original_span(0, 2) == (0, 5)  # مـــد
    assert result.original_span(0, 5) == (0, len(original))


def test_original_span_of_every_letter_of_a_diacritized_word():
    result = normalize("كَتَبَ")
    assert result.spans == ((0, 2), (2, 4), (4, 6))


def test_original_span_of_a_ligature_is_the_ligature():
    result = normalize("\ufefbعب")  # لاعب with LAM WITH ALEF
    assert result.text == "لاعب"
    assert result.spans == ((0, 1), (0, 1), (1, 2), (2, 3))
    assert result.original_span(0, 1) == (0, 1)


def test_leading_mark_is_outside_every_span():
    result = normalize("\u064eكتب")
    assert result.spans[0] == (1, 2)


def test_original_span_of_an_empty_slice_is_empty():
    result = normalize("كتب")
    assert result.original_span(1, 1) == (1, 1)
    assert normalize("").original_span(0, 0) == (0, 0)


# Properties --------------------------------------------------------------

TEXTS = st.one_of(ARABIC_MIX, st.text())
REGRESSIONS = [
    "\ufdfa",  # ARABIC LIGATURE SALLALLAHOU ALAYHE WASALLAM: four words
    "\u00bd",  # VULGAR FRACTION ONE HALF: 1⁄2
    "\u0130",  # LATIN CAPITAL LETTER I WITH DOT ABOVE: i + combining dot
    "\u2474",  # PARENTHESIZED DIGIT ONE: (1)
    "\ufe76ب",  # FATHA ISOLATED FORM: a space plus a mark
]


def with_regressions(test):
    for text in REGRESSIONS:
        test = example(text)(test)
    return test


@settings(max_examples=300)
@given(TEXTS)
@with_regressions
def test_normalize_is_idempotent(text):
    once = normalize(text).text
    assert normalize(once).text == once


@settings(max_examples=300)
@given(TEXTS)
@with_regressions
def test_one_span_per_normalized_character(text):
    result = normalize(text)
    assert len(result.spans) == len(result.text)


@settings(max_examples=300)
@given(TEXTS)
@with_regressions
def test_spans_never_decrease_and_stay_in_bounds(text):
    spans = normalize(text).spans
    for start, end in spans:
        assert 0 <= start < end <= len(text)
    assert list(spans) == sorted(spans)


@settings(max_examples=300)
@given(TEXTS)
@with_regressions
def test_each_span_group_is_the_normalization_of_its_original_slice(text):
    result = normalize(text)
    groups: dict[tuple[int, int], str] = {}
    for char, span in zip(result.text, result.spans):
        groups[span] = groups.get(span, "") + char
    for (start, end), group in groups.items():
        assert normalize(text[start:end]).text == group


@settings(max_examples=300)
@given(TEXTS)
def test_normalize_text_agrees_with_normalize(text):
    assert normalize_text(text) == normalize(text).text
