"""The page's error messages in Arabic: the library's one-line English errors, said to a reader.

The library, the command line and the JSON API's ``error`` speak English
(one line naming the part at fault); the page speaks Arabic. Each rule
below turns one message of the query language (query/language.py), an
unknown article or a bad parameter into Arabic, keeping the quoted part
of the query as typed. A message no rule knows is still introduced in
Arabic, its English detail kept beside it.
"""

from __future__ import annotations

import re

# (English message pattern, Arabic template): the pattern's groups fill the template's {0}, {1}.
QUERY_MESSAGES = [
    (r"unclosed quote (.+)", "علامة التنصيص {0} مفتوحة ولم تُغلق"),
    (r"closing quote (.+) without an opening one", "علامة التنصيص {0} تُغلق ما لم يُفتح"),
    (r"empty query: type a word to search for", "البحث فارغ: اكتب كلمة للبحث عنها"),
    (r"nothing to search: the query has no letters or digits", "لا شيء للبحث عنه: ليس في البحث حروف ولا أرقام"),
    (r"unexpected (.+)", "{0} في غير موضعه"),
    (r"NEAR joins two plain words", "NEAR (قرب) تصل بين كلمتين عاديتين"),
    (r"(.+) needs a word after it", "{0} تحتاج إلى كلمة بعدها"),
    (r"(.+) needs a word before it", "{0} تحتاج إلى كلمة قبلها"),
    (r"the query ends too early", "انتهى البحث قبل أن يكتمل"),
    (r"the query nests more than (\d+) levels deep", "تتداخل الأقواس في البحث أكثر من {0} مستوى"),
    (r"unclosed parenthesis", "قوس مفتوح لم يُغلق"),
    (r"empty parentheses", "قوسان لا شيء بينهما"),
    (r"nothing to search inside the parentheses", "لا شيء للبحث عنه بين القوسين"),
    (r"closing parenthesis without an opening one", "قوس إغلاق بلا قوس فتح"),
    (r"a prefix needs at least (\d+) letters before \*", "البحث بالبادئة يحتاج إلى {0} من الحروف على الأقل قبل *"),
    (r"~ must follow a word", "علامة ~ تأتي بعد كلمة"),
    (r"empty phrase", "عبارة فارغة بين علامتي التنصيص"),
    (r"(\w+): needs a value", "{0}: يحتاج إلى قيمة"),
    (r"bad date (.+) \(use YYYY, YYYY-MM or YYYY-MM-DD\)", "تاريخ غير صالح {0} (اكتبه YYYY أو YYYY-MM أو YYYY-MM-DD)"),
    (r"date (.+) is out of range \(years 1 to 9999\)", "التاريخ {0} خارج المدى (من السنة 1 إلى 9999)"),
    (r"query too long \((\d+) characters; the limit is (\d+)\)", "البحث طويل جدًا ({0} حرفًا، والحد {1})"),
    (r"no article with id (.+)", "لا يوجد مقال بالمعرّف {0}"),
]
POSITION = re.compile(r"(.*) at character (\d+)")
DATE_PARAMETER = re.compile(r"(since|until): (.*)")

# Parameters of the page, by the labels the form gives them.
PARAMETERS = {"q": "البحث", "limit": "عدد النتائج", "page": "الصفحة", "since": "من", "until": "إلى",
              "source": "المصدر", "sort": "الترتيب", "explain": "explain", "exclude_duplicates": "exclude_duplicates"}
# pydantic's error types (what FastAPI's validation reports) -> Arabic, filled from the error's ctx.
VALIDATION_MESSAGES = {
    "missing": "مطلوب",
    "int_parsing": "يجب أن يكون عددًا صحيحًا",
    "int_from_float": "يجب أن يكون عددًا صحيحًا",
    "greater_than_equal": "يجب ألا يقل عن {ge}",
    "less_than_equal": "يجب ألا يزيد على {le}",
    "string_too_long": "أطول من {max_length} حرف",
    "string_too_short": "مطلوب",
    "literal_error": "يجب أن يكون أحد: {expected}",
    "bool_parsing": "يجب أن يكون true أو false",
}
STATUS_MESSAGES = {
    404: "الصفحة المطلوبة غير موجودة",
    405: "طريقة الطلب غير مسموح بها",
    503: "الفهرس غير جاهز: لم يُبنَ بعد أو تعذرت قراءته",
}
UNKNOWN = "تعذّر فهم الطلب"


def known_message(message: str) -> str | None:
    """message in Arabic, or None when no rule knows it."""
    where = ""
    located = POSITION.fullmatch(message)
    if located:
        message, where = located.group(1), f" عند الحرف {located.group(2)}"
    parameter = DATE_PARAMETER.fullmatch(message)
    if parameter:
        inner = known_message(parameter.group(2))
        return f"{PARAMETERS[parameter.group(1)]}: {inner}{where}" if inner else None
    for pattern, arabic in QUERY_MESSAGES:
        found = re.fullmatch(pattern, message)
        if found:
            return arabic.format(*found.groups()) + where
    return None


def arabic_message(message: str) -> str:
    """The Arabic of one of the library's one-line messages; an unknown one keeps its English after an Arabic opening."""
    return known_message(message) or f"{UNKNOWN}: {message}"


def validation_in_arabic(errors: list[dict]) -> str:
    """FastAPI's validation errors as one Arabic line: "عدد النتائج: يجب ألا يزيد على 100"."""
    parts = []
    for item in errors:
        name = ".".join(str(part) for part in item.get("loc", ()) if part not in ("query", "path"))
        template = VALIDATION_MESSAGES.get(item.get("type", ""), "قيمة غير صالحة")
        context = {key: str(value).replace(" or ", " أو ") for key, value in (item.get("ctx") or {}).items()}
        try:
            said = template.format(**context)
        except (KeyError, IndexError):
            said = "قيمة غير صالحة"
        parts.append(f"{PARAMETERS.get(name, name)}: {said}" if name else said)
    return "؛ ".join(parts) or "طلب غير صالح"


def status_in_arabic(status: int, message: str) -> str:
    """An HTTP error's message in Arabic: ours by its rule, Starlette's ("Not Found") by its status."""
    return known_message(message) or STATUS_MESSAGES.get(status) or arabic_message(message)
