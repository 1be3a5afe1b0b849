"""What kind of answer a question asks for, and whether the best sentences can give it.

Cosine and word overlap see that a sentence is on topic, not that it answers: "Hoeveel fte
werken er bij het programma?" is on topic with every sentence about the programme. A count
needs a number next to the thing counted, an amount needs money, a "when" needs a date; when
none of the best sentences has one, the sources do not say (docs/refusal.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.asks import _ASKS_AMOUNT, _HOW_MANY, asks_date
from assistant.params import COUNT_TOP, DATE_TOP, SUBJECT_SHARE
from assistant.sentences import Candidate, display
from assistant.types import Passage  # noqa: F401  (doctests)
from index.language import MONTHS, NUMBER_WORDS
from index.lexical import LexicalIndex, Query, stems, tokenize, translated_query_tokens

if TYPE_CHECKING:
    from assistant.question import Question

# A number in a sentence: digits, one to twelve in words (NUMBER_WORDS, and "een"/"one"),
# or a larger or vague amount.
_NUMBER = re.compile(
    r"\d|\b(?:"
    + "|".join(["een", "one", *(w for words in NUMBER_WORDS.values() for w in words)])
    + r"|twintig|honderd|duizend|miljoen|miljard|twenty|hundred|thousand|million|billion|"
    r"dozen|tientallen|honderden|duizenden)\b",
    re.IGNORECASE,
)
_MODIFIERS = frozenset(
    "eerste tweede derde totale verschillende nieuwe andere extra grote kleine "
    "first second third total different new other extra large small".split()
)
_MONEY_WORDS = frozenset("geld budget bedrag kosten money cost costs funding euro euros".split())
_MONEY = re.compile(r"€|\b(?:euros?|miljoen|miljard|million|billion)\b", re.IGNORECASE)
_DATE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d)\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b|\b(?:"
    + "|".join(dict.fromkeys(MONTHS["nl"] + MONTHS["en"]))
    + r")\b",
    re.IGNORECASE,
)


def has_date(text: str) -> bool:
    return bool(_DATE.search(display(text)))


def date_missing(question: str | Question, cands: Sequence[Candidate], top: int = DATE_TOP) -> bool:
    """A "when" question none of whose best sentences holds a year, a month or a date.

    >>> p = Passage("d", "d:0", "x", 1.0, {"language": "nl"})
    >>> c = lambda s: Candidate(0, p, 0, len(s), s, score=1.0)
    >>> date_missing("Wanneer begon het?", [c("Het begon op 3 februari.")])
    False
    >>> date_missing("Vanaf welke datum kan dat?", [c("Dat kan binnenkort, in de pilot.")])
    True
    >>> date_missing("Wie begon?", [c("De minister begon.")])
    False
    """
    if not (asks_date(question) if isinstance(question, str) else question.asks_date):
        return False
    best = sorted(cands, key=lambda c: -c.score)[:top]
    return not any(has_date(c.text) for c in best)


# Stems of question words, which say what is asked, not what about.
_WH = frozenset(
    "hoevel hoe wat welk welke wie wanner waarom waar "
    "how mani much what which who when why where".split()
)


def quantity_missing(
    question: str | Question,
    cands: Sequence[Candidate],
    lexical: LexicalIndex | None = None,
    top: int = COUNT_TOP,
) -> bool:
    """A "how many X" question whose best sentences hold no number next to an X.

    Cosine and word overlap cannot tell "Hoeveel fte werken er bij het programma?" from a
    sentence about the programme; the answer to a count must at least contain a number and
    the thing counted (or an amount of money, when money is asked for). With ``lexical``,
    the sentence's passage must also hold at least ``SUBJECT_SHARE`` (idf-weighted) of the
    question's other words, its subject: "the budget of GPT-NL" is not answered by a sum
    spent on something else.

    >>> p = Passage("d", "d:0", "x", 1.0, {"language": "nl"})
    >>> c = lambda s: Candidate(0, p, 0, len(s), s, score=1.0)
    >>> quantity_missing("Hoeveel gemeenten doen mee?", [c("Elf gemeenten doen mee.")])
    False
    >>> quantity_missing("Hoeveel Eerste Kamerleden kwamen?", [c("Er kwamen elf leden.")])
    False
    >>> quantity_missing("Hoeveel fte werkt er?", [c("Het programma heeft 3 teams.")])
    True
    >>> quantity_missing("Wie doet mee?", [c("Gemeenten doen mee.")])
    False
    >>> quantity_missing("What is the total budget of X?", [c("X started in 2023 with partners.")])
    True
    >>> quantity_missing("What is the budget of X?", [c("X supports European models.")])
    True
    >>> quantity_missing("What is the budget of X?", [c("X has a budget of 13 million euros.")])
    False
    """
    q = question if isinstance(question, str) else question.text
    m = _HOW_MANY.search(q) or _ASKS_AMOUNT.search(q)
    if m is None:
        return False
    words = m.group(1).lower().split()
    # The counted thing follows "hoeveel", after an ordinal or a common adjective ("hoeveel
    # Eerste Kamerleden"); a Dutch compound names its head last: "kamerleden" matches "leden".
    focus = words[1] if len(words) > 1 and words[0] in _MODIFIERS else words[0]
    query = Query.of(question) if isinstance(question, str) else question.query
    language = query.language
    wanted = set(tokenize(focus, language)) | set(translated_query_tokens(focus))
    money = focus in _MONEY_WORDS
    others = [t for t in dict.fromkeys(query.tokens) if t not in wanted | _WH]
    idf = lexical.idf(others) if lexical is not None and others else {}
    total = sum(idf.values())
    for c in sorted(cands, key=lambda c: -c.score)[:top]:
        text = display(c.text)
        if total:
            about = stems(f"{c.passage.text} {c.passage.metadata.get('title', '')}")
            if sum(w for t, w in idf.items() if t in about) / total < SUBJECT_SHARE:
                continue
        if money:
            if _MONEY.search(text):
                return False
            continue
        found = stems(text)
        has_focus = not wanted or any(
            w == s or (len(s) >= 3 and w.endswith(s)) for w in wanted for s in found
        )
        if _NUMBER.search(text) and has_focus:
            return False
    return True
