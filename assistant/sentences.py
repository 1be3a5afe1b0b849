"""Sentences of retrieved passages as answer candidates: what may be quoted, how it reads.

>>> display("**Cloud** is [de basis](https://x.nl).")
'Cloud is de basis.'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from assistant.question import Question, term_forms
from assistant.types import Passage
from index.lexical import LexicalIndex, stems, tokenize


@dataclass
class Candidate:
    passage_rank: int
    passage: Passage
    start: int
    end: int
    text: str
    lexical: float = 0.0
    cosine: float = 0.0
    score: float = 0.0
    # Near-copies of this sentence in other documents: cited with it, as corroboration.
    also: list[Candidate] = field(default_factory=list)


def term_share(
    question: str | Question, lexical: LexicalIndex
) -> Callable[[str | AbstractSet[str]], float]:
    """The idf-weighted share of the question's words a text (or its :func:`stems`) holds, in
    either language (a word counts when the text has it, or its glossary translation, or its
    other spelling; see :func:`term_forms`, which a :class:`Question` holds already).

    >>> share = term_share("Wat zijn de zes prioriteiten?", LexicalIndex(None, []))
    >>> share("De zes prioriteiten"), share("6 priorities"), share("Cloud")
    (1.0, 1.0, 0.0)
    """
    terms = term_forms(question) if isinstance(question, str) else question.term_forms
    idf = lexical.idf(list(terms))
    total = sum(idf.values())

    def share(text: str | AbstractSet[str]) -> float:
        words = stems(text) if isinstance(text, str) else text
        got = sum(idf[t] for t, forms in terms.items() if forms & words)
        return got / total if total else 0.0

    return share


def question_terms(question: str, language: str) -> list[str]:
    return list(dict.fromkeys(tokenize(question, language)))


def language_of(c: Candidate) -> str:
    return str(c.passage.metadata.get("language", "nl"))


def informative(sentence: str) -> bool:
    """Worth quoting as an answer: a statement with some words, not a question, a caption or a
    line that is mostly a link ("- [Ons kennisbank artikel over Haven](...)", "Zie [visie](...)").

    >>> informative("Zie [Soevereine overheidscloud visie](https://x.nl){:target=_blank}.")
    False
    >>> informative("De [NDS](https://x.nl) heeft zes prioriteiten.")
    True
    """
    stripped = re.sub(r"^[-*+•\s]+", "", sentence.strip())
    if re.fullmatch(r"\[[^\]]*\]\([^)]*\)[.:;]?", stripped) or re.fullmatch(r"_[^_]+_", stripped):
        return False
    outside_links = re.sub(r"\[[^\]]*\]\([^)]*\)(\{:[^}]*\})?", " ", stripped)
    if len(re.findall(r"\w{2,}", outside_links)) < 2:
        return False
    words = re.findall(r"\w{2,}", display(sentence))
    is_question = sentence.rstrip().endswith("?")
    return len(words) >= 4 and not is_question and "externe link" not in sentence


# Labels of a letter's header block and of page metadata, in Dutch and English: a line that
# starts with one of them is a field ("Datum 11 juni 2025", "Onderwerp: Startbrief"), not prose.
# An event's own details ("Locatie: ...", "Aanvang: 18.00 uur") are content and stay quotable.
_FIELD_LABELS = (
    "aan|van|datum|onderwerp|betreft|kenmerk|ons kenmerk|uw kenmerk|uw brief|bijlage|bijlagen|"
    "contactpersoon|contact|telefoon|tel|e-mail|email|postbus|retouradres|bezoekadres|"
    "postadres|internet|www|agendapunt|griffier|"
    "kamerstuk|vergaderjaar|nr|nummer|status|auteur|versie|gepubliceerd|bijgewerkt|"
    "leestijd|tags|categorie|"
    "to|from|date|subject|re|reference|attachment|attachments|phone|published|updated|"
    "author|version|reading time|category"
)
_FIELD = re.compile(rf"^(?:{_FIELD_LABELS})\b\s*[:.]?\s", re.IGNORECASE)
# "10.00 uur", "14:30 - 15:00", "10.00-11.30 Opening": a programme or agenda line.
_TIME = re.compile(r"^\d{1,2}[.:]\d{2}\b")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def line_kind(sentence: str) -> str:
    """What a candidate line is: ``"prose"``, or the kind of line that is never an answer:
    ``"url"`` (mostly a link), ``"agenda"`` (starts with a clock time), ``"field"`` (a
    letter's header or page metadata: "Datum ...", "Onderwerp: ...", "Kenmerk ..."),
    ``"fragment"`` (no verb-bearing sentence: short, no final punctuation, mostly capitals
    or digits).

    >>> line_kind("https://vng.nl/nieuws/nds-financiering")
    'url'
    >>> line_kind("https://data.kkg.kadaster.nl/ (Kadaster Knowledge Graph website)")
    'url'
    >>> line_kind("10.00 uur Digitalisering, gesprek met de staatssecretaris")
    'agenda'
    >>> line_kind("Datum 11 juni 2025")
    'field'
    >>> line_kind("Onderwerp: Nederlandse Digitaliseringsstrategie")
    'field'
    >>> line_kind("Kamerstuk 26 643, nr. 1231")
    'field'
    >>> line_kind("De NDS heeft zes prioriteiten.")
    'prose'
    >>> line_kind("Van belang is dat gemeenten meedoen.")
    'prose'
    """
    text = display(sentence)
    rest = _URL.sub(" ", text)
    if (_URL.search(text) and len(re.findall(r"[^\W\d_]{3,}", rest)) < 4) or _URL.match(text):
        return "url"  # mostly a link, or a link with its caption
    if _TIME.match(text):
        return "agenda"
    words = re.findall(r"[^\W_]+", text)
    field = _FIELD.match(text)
    # A sentence that happens to start with "Van" or "Aan" is prose: a field has a colon
    # after its label, or no final full stop.
    if field and len(words) <= 15 and (":" in field.group(0) or not re.search(r"[.!?]$", text)):
        return "field"
    letters = [w for w in words if not w.isdigit()]
    if not re.search(r"[.!?:;)\"”’]$", text) and len(letters) < 6:
        digits = sum(ch.isdigit() for ch in text)
        capitals = sum(w[:1].isupper() for w in letters)
        if digits >= 4 or capitals >= max(1, len(letters) - 1):
            return "fragment"
    return "prose"


def display(text: str) -> str:
    """Source text as shown in an answer: Markdown emphasis and link targets dropped, one line.

    >>> display("**Cloud** en [data](https://x.nl)\\nsamen")
    'Cloud en data samen'
    >>> display('<Blockquote variation="pink" > Afgesproken is dit. </Blockquote>')
    'Afgesproken is dit.'
    >>> display('{{< nieuws/header title="Kop" >}} Gideon is architect.')
    'Gideon is architect.'
    >>> display("- Letter by VNG on the House of Thorbecke")
    'Letter by VNG on the House of Thorbecke'
    >>> display("5. **Weerbaarheid** _Nederland focust._ Zie user_id en 2.5 miljoen.")
    'Weerbaarheid Nederland focust. Zie user_id en 2.5 miljoen.'
    """
    # Site-generator shortcodes and JSX/HTML tags are page furniture, not words of the source.
    text = re.sub(r"\{\{[<%].*?[>%]\}\}", " ", text, flags=re.DOTALL)
    text = re.sub(r"</?[A-Za-z][\w.-]*(?:\s[^<>]*)?/?>", " ", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\{:[^}]*\}", "", text)  # kramdown attributes: {:target="_blank"}
    text = text.replace("**", "").replace("__", "")
    text = re.sub(r"(?<!\w)_(?=\S)|(?<=\S)_(?!\w)", "", text)  # _italic_ marks, not snake_case
    text = re.sub(r"^\s*(?:#+|[-*+•]|\d{1,3}[.)])\s+", "", text)  # a heading mark or a bullet
    return re.sub(r"\s+", " ", text).strip()
