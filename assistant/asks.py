"""What a question asks for: a count, an amount, a date, a person or organisation, a list.

Read off the question's own words, once per question (:class:`assistant.question.Question`);
whether the best sentences can give it is :mod:`assistant.answer_types`.

>>> asks_who("Wie is de voorzitter van de NDS-raad?"), asks_who("Wat is de NDS?")
(True, False)
>>> asks_date("Vanaf welke datum geldt het?"), asks_count("Hoeveel gemeenten doen mee?")
(True, True)
>>> asked_count("Wat zijn de zes prioriteiten van de NDS?"), asked_count("Wat zegt prioriteit 6?")
(6, None)
"""

from __future__ import annotations

import re

from index.lexical import NUMBER_FORMS, counts

_HOW_MANY = re.compile(r"\b(?:hoeveel|how many|how much)\s+(\w+(?:\s+\w+)?)", re.IGNORECASE)
# "Wat is het totale budget van X?": an amount of money is asked for, without "hoeveel".
_ASKS_AMOUNT = re.compile(
    r"^(?:wat|what|hoe groot|how large|how big)\b.*\b(budget|bedrag|kosten|costs?|funding)\b",
    re.IGNORECASE,
)

_ASKS_DATE = re.compile(
    r"^(?:(?:en|and)\s+)?(?:wanneer|sinds wanneer|vanaf wanneer|tot wanneer|"
    r"when|since when|by when|"
    r"(?:uiterlijk |vanaf |voor |na |sinds |tot )?(?:op |in )?"
    r"(?:welke datum|welk jaar|welke maand)|"
    r"(?:on |by |from |since |until |before |after )?(?:what|which) (?:date|year|month))\b",
    re.IGNORECASE,
)


_WHO = re.compile(
    r"^(?:(?:en|and)\s+)?(?:wie|door wie|met wie|namens wie|who|whom|by whom|"
    r"welke (?:organisatie|organisaties|partij|partijen|persoon|minister)|"
    r"which (?:organisation|organisations|organization|party|person|minister))\b",
    re.IGNORECASE,
)
# A question asks for a list when it says so, or asks "which/what are" about a plural noun.
_LIST_WORDS = re.compile(r"\b(noem|opsomming|lijst|list|name the|enumerate)\b", re.IGNORECASE)
_WHICH_PLURAL = re.compile(
    r"\b(?:welke|wat zijn (?:de)?|which|what are (?:the)?|what)\s+(?:\w+\s+){0,2}?"
    r"(\w{4,}(?:en|s))\b",
    re.IGNORECASE,
)
_NOT_PLURAL = frozenset(
    "ontstaan gebeuren bereiken doen betekenen worden hebben zijn is was".split()
)


def asks_who(question: str) -> bool:
    return bool(_WHO.search(question.strip()))


def asks_date(question: str) -> bool:
    return bool(_ASKS_DATE.search(question.strip()))


def asks_count(question: str) -> bool:
    return bool(_HOW_MANY.search(question))


def asks_for_list(question: str) -> bool:
    """Does the question ask for several things?

    >>> asks_for_list("Welke strategische doelen stelt NDS-prioriteit 6?")
    True
    >>> asks_for_list("Welke gemeente noemt de richtlijn als voorbeeld?")
    False
    >>> asks_for_list("What initial steps have been taken?")
    True
    """
    if _LIST_WORDS.search(question):
        return True
    m = _WHICH_PLURAL.search(question)
    return m is not None and m.group(1).lower() not in _NOT_PLURAL


def asked_count(question: str) -> int | None:
    """The number of things the question asks for, when it names one (see ``counts``)."""
    found = counts(question)
    return int(NUMBER_FORMS[found[0]][0]) if found else None
