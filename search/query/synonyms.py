"""Synonyms and variant spellings, applied to a parsed query: أمريكا also finds أميركا.

Rules are written in Solr's synonyms format, one a line:

    أمريكا, أميركا          equivalent: any of them finds all of them
    فيس بوك => فيسبوك       explicit: the left side is searched as the right side only
    # a comment

Entries are matched on normalized words (tokenize.py), so أمريكا, امريكا
and أمْريكا are one entry, and an entry of several words (فيس بوك) is a
phrase: it matches a quoted phrase or adjacent plain words of the query,
and is searched as a phrase. An =exact word is never expanded: it asks for
that form. Synonyms apply at query time only, so changing them needs no
reindex. The package ships DEFAULT_FILE (variant spellings of frequent
names in SaudiNewsNet, each form counted by tests/test_synonyms.py); an
index folder's own USER_FILE adds its rules to those.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..analysis.tokenize import stem_or_none, tokenize
from .language import And, Not, Or, ParsedQuery, Phrase, Soft, Synonym, Word

DEFAULT_FILE = Path(__file__).with_name("synonyms.txt")
USER_FILE = "synonyms.txt"  # in the index folder, beside its marker
MAX_ENTRY_WORDS = 4  # the longest entry looked for among a query's adjacent words

Entry = tuple[str, ...]  # the normalized words of one side of a rule


class SynonymsError(ValueError):
    """A line of a synonyms file that is not a rule: names the file and the line."""


@dataclass(frozen=True)
class Synonyms:
    """Each entry and the entries searched for it (itself among them, unless an explicit rule says otherwise)."""

    table: dict[Entry, tuple[Entry, ...]]

    def __bool__(self) -> bool:
        return bool(self.table)

    def rules(self) -> list[str]:
        """The table as explicit Solr rules on normalized words (a => a, b), sorted: what the export sends."""
        return [f"{' '.join(entry)} => {', '.join(' '.join(form) for form in forms)}"
                for entry, forms in sorted(self.table.items())]


NO_SYNONYMS = Synonyms({})


def parse_synonyms(text: str, name: str) -> Synonyms:
    """The rules of a synonyms file's text; a bad line raises SynonymsError naming ``name`` and the line."""
    table: dict[Entry, list[Entry]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{name}:{number}"
        if line.count("=>") > 1:
            raise SynonymsError(f"{where}: more than one => in {line!r}")
        left, arrow, right = line.partition("=>")
        sources = _entries(left, where)
        if arrow:
            targets = _entries(right, where)
        else:
            if len(sources) < 2:
                raise SynonymsError(f"{where}: {line!r} names one form; list two or more, or write a => b")
            targets = sources
        for source in sources:
            forms = table.setdefault(source, [])
            forms.extend(form for form in targets if form not in forms)
    return Synonyms({entry: tuple(forms) for entry, forms in table.items()})


def _entries(side: str, where: str) -> list[Entry]:
    """The comma-separated entries of one side of a rule, each as its normalized words."""
    entries = []
    for part in side.split(","):
        words = tuple(word for _, _, word in tokenize(part))
        if not words:
            raise SynonymsError(f"{where}: an empty entry (no letters or digits) in {side.strip()!r}")
        if len(words) > MAX_ENTRY_WORDS:
            raise SynonymsError(f"{where}: {part.strip()!r} has more than {MAX_ENTRY_WORDS} words")
        entries.append(words)
    return entries


def read_synonyms(path: Path) -> Synonyms:
    """The rules of one file (UTF-8)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SynonymsError(f"{path}: not UTF-8 text") from None
    return parse_synonyms(text, str(path))


def merged(*parts: Synonyms) -> Synonyms:
    """The rules of every part: an entry in several searches the forms of each."""
    table: dict[Entry, tuple[Entry, ...]] = {}
    for part in parts:
        for entry, forms in part.table.items():
            known = table.get(entry, ())
            table[entry] = known + tuple(form for form in forms if form not in known)
    return Synonyms(table)


def default_synonyms() -> Synonyms:
    """The shipped list of variant spellings."""
    return read_synonyms(DEFAULT_FILE)


# ----- applying them to a query ---------------------------------------------


def expand_synonyms(parsed: ParsedQuery, synonyms: Synonyms) -> ParsedQuery:
    """The query with each word or phrase a rule matches replaced by a Synonym of its forms.

    The forms' words join parsed.words (for highlighting, marked
    synonym_of); an original an explicit rule leaves out leaves them.
    """
    if not synonyms or parsed.root is None:
        return parsed
    expander = _Expander(synonyms)
    root = expander.node(parsed.root)
    if not expander.replaced:
        return parsed
    dropped = {id(word) for word in expander.dropped}
    words = [word for word in parsed.words if id(word) not in dropped] + expander.added
    return ParsedQuery(parsed.text, root, words)


class _Expander:
    def __init__(self, synonyms: Synonyms):
        self.table = synonyms.table
        self.replaced = False
        self.added: list[Word] = []
        self.dropped: list[Word] = []

    def node(self, node):
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return self.phrase(node)
        if isinstance(node, Soft):
            return Soft(self.adjacent(node.children))
        if isinstance(node, And):
            return And(tuple(self.node(child) for child in node.children))
        if isinstance(node, Or):
            return Or(tuple(self.node(child) for child in node.children))
        if isinstance(node, Not):
            return Not(self.node(node.child))
        return node

    def word(self, word: Word):
        if word.exact or (word.normalized,) not in self.table:
            return word
        return self.synonym(word, (word.normalized,), (word,))

    def phrase(self, phrase: Phrase):
        entry = tuple(word.normalized for word in phrase.words)
        if phrase.slop or not phrase.ordered or any(word.exact for word in phrase.words) or entry not in self.table:
            return phrase
        return self.synonym(phrase, entry, phrase.words)

    def adjacent(self, children: tuple) -> tuple:
        """Soft children with runs of plain words that spell a multi-word entry made one phrase, then expanded."""
        out, index = [], 0
        while index < len(children):
            for length in range(min(MAX_ENTRY_WORDS, len(children) - index), 1, -1):
                run = children[index:index + length]
                if all(_plain(child, getattr(run[0], "field", None)) for child in run) \
                        and tuple(child.normalized for child in run) in self.table:
                    out.append(self.phrase(Phrase(tuple(run), 0, run[0].field)))
                    index += length
                    break
            else:
                out.append(self.node(children[index]))
                index += 1
        return tuple(out)

    def synonym(self, original: Word | Phrase, entry: Entry, original_words: tuple[Word, ...]) -> Synonym:
        """original and its forms; original's words leave parsed.words when the rule does not search it."""
        self.replaced = True
        typed = " ".join(word.text for word in original_words)
        field = original_words[0].field
        forms = []
        for form in self.table[entry]:
            if form == entry:
                forms.append(original)
                continue
            words = tuple(Word(text, text, stem_or_none(text), False, field, typed) for text in form)
            self.added.extend(words)
            forms.append(words[0] if len(words) == 1 else Phrase(words, 0, field))
        if original not in forms:
            self.dropped.extend(original_words)
        return Synonym(original, tuple(forms))


def _plain(node, field: str | None) -> bool:
    """A plain word of this field, as typed between spaces (a run of them may spell an entry)."""
    return isinstance(node, Word) and not node.exact and node.field == field and node.synonym_of is None
