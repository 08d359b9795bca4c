"""The tokenizer and the Whoosh analyzers: words, offsets into the original, positions."""

from __future__ import annotations

import pickle

import pytest
from conftest import ARABIC_MIX, assert_tokens
from hypothesis import example, given, settings
from hypothesis import strategies as st

from search.analysis.levels import EXACT, STEM
from search.analysis.normalize import normalize
from search.analysis.tokenize import analyze
from search.engine.schema import level_analyzer

# Tokenizer ---------------------------------------------------------------


def test_diacritized_word_is_one_token():
    assert_tokens("كَتَبَ", [("كتب", 0, 6)])


def test_diacritized_sentence_keeps_offsets_into_the_original():
    text = "ذَهَبَ الوَلَدُ إِلَى المَدْرَسَةِ"
    assert_tokens(text, [("ذهب", 0, 6), ("الولد", 7, 15), ("الي", 16, 21), ("المدرسه", 22, 34)])
    assert text[22:34] == "المَدْرَسَةِ"


def test_tatweel_word_is_one_token():
    assert_tokens("مـــدرســـة جديدة", [("مدرسه", 0, 11), ("جديده", 12, 17)])


def test_format_characters_inside_a_word_do_not_split_it():
    assert_tokens("مدر\u200cسة\u200f", [("مدرسه", 0, 7)])


def test_lam_alef_ligature_is_a_token():
    assert_tokens("\ufefb \ufef7ن", [("لا", 0, 1), ("لان", 2, 4)])


def test_words_glued_to_punctuation():
    text = "«السعودية»، (الرياض).قال:نعم؟"
    assert_tokens(
        text,
        [("السعوديه", 1, 9), ("الرياض", 13, 19), ("قال", 21, 24), ("نعم", 25, 28)],
    )


def test_latin_arabic_and_digits_mixed():
    assert_tokens(
        "iPhone ١٥ سعره 4999 ريالاً، Apple",
        [("iphone", 0, 6), ("15", 7, 9), ("سعره", 10, 14), ("4999", 15, 19), ("ريالا", 20, 26), ("apple", 28, 33)],
    )


def test_digits_glued_to_a_word_stay_in_it():
    assert_tokens("كوفيد١٩ و٣", [("كوفيد19", 0, 7), ("و3", 8, 10)])


def test_underscore_separates_words():
    assert_tokens("مدرسة_الرياض", [("مدرسه", 0, 5), ("الرياض", 6, 12)])


def test_leading_mark_is_left_out_of_the_first_token():
    assert_tokens("\u064eكتب", [("كتب", 1, 4)])


def test_presentation_form_word_is_one_token():
    assert_tokens("\ufed9\ufe76\ufe97\ufe76\ufe90\ufe76", [("كتب", 0, 6)])


def test_ligature_of_several_words_is_one_token():
    assert_tokens("محمد \ufdfa", [("محمد", 0, 4), ("\ufdfa", 5, 6)])


@pytest.mark.parametrize("text", ["", "   ", ".،؟!", "\u064e\u0640\u200f"], ids=["empty", "spaces", "punctuation", "marks-only"])
def test_no_tokens(text):
    assert_tokens(text, [])


def test_analyze_gives_the_stem_or_none_for_a_stopword():
    tokens = analyze("في المدرسةِ")
    assert [(t.original, t.normalized, t.stem) for t in tokens] == [
        ("في", "في", None),
        ("المدرسةِ", "المدرسه", "مدرس"),
    ]


# Whoosh analyzers --------------------------------------------------------

SENTENCE = "ذهب الولدُ إلى المدرسةِ في الرياض"


def whoosh_tokens(analyzer, text, **kwargs):
    return [(t.text, t.startchar, t.endchar, t.pos) for t in analyzer(text, chars=True, positions=True, **kwargs)]


def test_exact_analyzer_keeps_stopwords_and_original_offsets():
    assert whoosh_tokens(level_analyzer(EXACT), SENTENCE) == [
        ("ذهب", 0, 3, 0),
        ("الولد", 4, 10, 1),
        ("الي", 11, 14, 2),
        ("المدرسه", 15, 23, 3),
        ("في", 24, 26, 4),
        ("الرياض", 27, 33, 5),
    ]


def test_stem_analyzer_drops_stopwords_and_keeps_position_gaps():
    assert whoosh_tokens(level_analyzer(STEM), SENTENCE) == [
        ("ذهب", 0, 3, 0),
        ("ولد", 4, 10, 1),
        ("مدرس", 15, 23, 3),
        ("رياض", 27, 33, 5),
    ]


def test_stem_analyzer_drops_a_diacritized_stopword():
    assert whoosh_tokens(level_analyzer(STEM), "قال أنّ الوزير") == [("قال", 0, 3, 0), ("وزير", 8, 14, 2)]


def test_analyzers_honour_start_pos_and_start_char():
    # Whoosh shifts a second value of a multi-valued field this way.
    assert whoosh_tokens(level_analyzer(STEM), "المدرسةِ", start_pos=10, start_char=100) == [("مدرس", 100, 108, 10)]


def test_analyzers_keep_the_original_slice_when_asked():
    originals = [t.original for t in level_analyzer(EXACT)("وبالمدرسةِ الكبيرة", keeporiginal=True)]
    assert originals == ["وبالمدرسةِ", "الكبيرة"]


def test_analyzers_pass_an_untokenized_value_through():
    tokens = [(t.text, t.startchar, t.endchar) for t in level_analyzer(EXACT)("المدرسة", tokenize=False, chars=True)]
    assert tokens == [("المدرسة", 0, 7)]


def test_query_mode_analyzes_like_index_mode():
    assert whoosh_tokens(level_analyzer(STEM), SENTENCE, mode="query") == whoosh_tokens(level_analyzer(STEM), SENTENCE)


@pytest.mark.parametrize("level", [EXACT, STEM], ids=["exact", "stem"])
def test_analyzer_pickles_to_an_equal_analyzer(level):
    analyzer = level_analyzer(level)
    restored = pickle.loads(pickle.dumps(analyzer))
    assert restored == analyzer
    assert whoosh_tokens(restored, SENTENCE) == whoosh_tokens(analyzer, SENTENCE)


def test_exact_and_stem_analyzers_differ():
    assert level_analyzer(EXACT) != level_analyzer(STEM)


# Properties --------------------------------------------------------------

TEXTS = st.one_of(ARABIC_MIX, st.text())


def token_examples(test):
    for text in ("\ufdfa", "\u00bd", "\u0130stanbul", "\u2474 \u2103", "\u0140", "\u0e33", "\ufe76ب"):
        test = example(text)(test)
    return test


@settings(max_examples=300)
@given(TEXTS)
@token_examples
def test_each_token_original_slice_normalizes_to_the_token(text):
    for token in analyze(text):
        assert normalize(text[token.start:token.end]).text == token.normalized


@settings(max_examples=300)
@given(TEXTS)
@token_examples
def test_token_offsets_never_decrease(text):
    tokens = analyze(text)
    for before, after in zip(tokens, tokens[1:]):
        assert before.start <= after.start
        assert before.end <= after.end
    for token in tokens:
        assert 0 <= token.start < token.end <= len(text)
        assert token.original == text[token.start:token.end]
