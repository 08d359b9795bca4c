"""Arabic function words that carry no topic, and the words that make a query a question.

They are left out of the stemmed index level and of a query's required
words, but kept at the exact level, so a phrase ("في الذكرى") still
matches and a query made only of stopwords (من هو) still finds something.
Written normalized (أ→ا, ى→ي, ة→ه), the way tokens reach the filter:
unlike Lucene, whose stop filter runs before normalization and so keeps
أنّ, a diacritized stopword is recognized here.
"""

from __future__ import annotations

from .normalize import normalize_text
from .stem import light_stem

_WORDS = """
في من الى علي عن مع ان او ام ثم بل لكن حتي اذا اذ لو لولا كي لان
هو هي هم هن هما انا نحن انت انتم انتما انتن اياه اياها ايا
هذا هذه ذلك تلك هؤلاء اولئك هنا هناك هنالك ذا ذي ذو
الذي التي الذين اللذان اللتان اللاتي اللواتي اللذين اللتين
ما ماذا متي اين كيف كم لماذا اي مما عما فيما بما لما كما
قد لقد لا لم لن ليس ليست لست ليسوا غير سوي
كان كانت كانوا يكون تكون اصبح اصبحت ظل مازال لازال
كل بعض جميع عند عندما بين حيث حين بعد قبل خلال ضمن حول دون منذ فوق تحت امام وراء
له لها لهم لهن لنا لي لك لكم به بها بهم فيه فيها فيهم منه منها منهم عليه عليها عليهم
اليه اليها اليهم عنه عنها عنهم معه معها معهم
ان انه انها انهم انما اما الا الي
وفي ومن وعلي والي وعن ومع وان او وهو وهي وهذا وهذه وذلك وقد ولا ولم ولن وكان وكانت
فقد فان فهو فهي فلا
اي ايضا كذلك لذلك هكذا ثمه
يا اما نعم بلي
هل ماهي ماهو ماذا بماذا لماذا وماذا ومتي واين وكيف وكم ومن اللتي اللذي تم يتم
و ف ب ك ل ال
"""

STOPWORDS = frozenset(normalize_text(word) for word in _WORDS.split())

# Words that open an Arabic question: a query holding one asks for an answer
# instead of listing keywords, and is ranked accordingly (query/plan.py).
# With a glued preposition or conjunction too: بماذا, لمن, وكيف (not لم or
# لكم: far more often "did not" and "for you").
_INTERROGATIVES = """
ما ماذا ماهو ماهي متى أين كيف كم لماذا هل من أي
بماذا عما مما فيم لمن ممن بمن عمن بكم بأي لأي
وما وماذا ومتى وأين وكيف وكم وهل ومن وأي
"""

# Answer-type nouns. Right after an interrogative (stopwords between them
# allowed) they name the KIND of answer wanted, not a word the answer
# contains: ما اسم عاصمة مصر, كم عدد سكان مصر, في أي عام, ما سبب, ما معنى.
# Compared by stem, so الاسم and اسم are one entry.
_ANSWER_TYPES = """
اسم عدد نوع معنى تعريف سبب نسبة مقدار عام سنة يوم
"""

INTERROGATIVES = frozenset(normalize_text(word) for word in _INTERROGATIVES.split())
ANSWER_TYPE_STEMS = frozenset(light_stem(normalize_text(word)) for word in _ANSWER_TYPES.split())


def is_stopword(normalized_word: str) -> bool:
    """True for a normalized function word."""
    return normalized_word in STOPWORDS


def is_interrogative(normalized_word: str) -> bool:
    """True for a normalized word that opens a question (متى, كيف, بماذا...)."""
    return normalized_word in INTERROGATIVES


def is_answer_type(stem: str | None) -> bool:
    """True for the stem of an answer-type noun (اسم, عدد, عام...)."""
    return stem in ANSWER_TYPE_STEMS
