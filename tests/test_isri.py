"""Our ISRI root extractor gives what NLTK's ISRIStemmer gives, word for word.

The reference is ../shared/eval/snowball-arabic/peers.tsv: 38,045 words of
SaudiNewsNet, each with the root NLTK's ISRIStemmer returned for it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from search.analysis.isri import isri_root

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "snowball-arabic" / "peers.tsv"


def test_every_news_word_has_nltks_isri_root():
    if not PEERS.is_file():
        pytest.skip("../shared/eval/snowball-arabic/peers.tsv is absent")
    with PEERS.open(encoding="utf-8", newline="") as peers:
        rows = list(csv.DictReader(peers, delimiter="\t"))
    differ = [(row["word"], row["isri"], isri_root(row["word"])) for row in rows if isri_root(row["word"]) != row["isri"]]
    assert len(rows) == 38045
    assert differ == []


@pytest.mark.parametrize("word, root", [
    ("مكتبة", "كتب"),  # مفعلة
    ("استخدم", "خدم"),  # استفعل
    ("مستشفى", "شفى"),  # مستفعل
    ("اجتماع", "جمع"),  # افتعال
    ("مدارس", "درس"),  # مفاعل
    ("المعلمون", "علم"),  # ال + ون, then مفعل
    ("وكانت", "وكانت"),  # one of its stop words
])
def test_the_patterns_give_three_letter_roots(word, root):
    assert isri_root(word) == root
