"""One analysis of a question, made once per question (in :class:`assistant.Assistant`) and
read by retrieval and the answerers, so nothing downstream tokenises it again.

The index-level part (language, stems, number spellings, glossary translation) is
:class:`index.lexical.Query`; this adds what the assistant asks of a question: the reply
language, what it takes from the conversation, the words its sentences are scored on, the kind
of answer it asks for and the documents it names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assistant.asks import asked_count, asks_count, asks_date, asks_for_list, asks_who
from assistant.history import FollowUp, Message
from index.glossary import translate_words
from index.language import detect_language
from index.lexical import NUMBER_FORMS, Query, tokenize


@dataclass(frozen=True)
class Question:
    """A cleaned question and everything worked out from it.

    ``language`` is the reply language (the chat's language when the words do not tell);
    ``query.language`` is the one its words are stemmed in ("nl" when they do not tell).
    """

    text: str
    language: str
    query: Query
    follow_up: FollowUp = field(default_factory=FollowUp)
    # The conversation's words, analysed like a query (None without a conversation).
    context: Query | None = None
    # Its content-word stems in Dutch and in English, in order: what sentences are scored on.
    terms: tuple[str, ...] = ()
    asks_date: bool = False
    asks_count: bool = False
    asks_who: bool = False
    asks_list: bool = False
    asked_count: int | None = None  # "de zes prioriteiten" -> 6
    # Its words with the forms that count as each (assistant.sentences.term_forms).
    term_forms: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # The documents the question names (assistant.mentions), with the strength of the mention.
    named: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        text: str,
        history: Sequence[Message] | None = None,
        *,
        language: str | None = None,
        named: Mapping[str, float] | None = None,
    ) -> Question:
        """Analyse a cleaned question (``language``: the reply language, default the one
        its words are in)."""
        query = Query.of(text)
        follow_up = FollowUp.of(text, history, tokens=query.tokens)
        context = Query.of(follow_up.context) if follow_up.context else None
        stemmed = {query.language: list(query.tokens), query.other: tokenize(text, query.other)}
        terms = dict.fromkeys(stemmed["nl"] + stemmed["en"])
        return cls(
            text=text,
            language=language or query.language,
            query=query,
            follow_up=follow_up,
            context=context,
            terms=tuple(terms),
            asks_date=asks_date(text),
            asks_count=asks_count(text),
            asks_who=asks_who(text),
            asks_list=asks_for_list(text),
            asked_count=asked_count(text),
            term_forms=term_forms(text, query.language),
            named=dict(named or {}),
        )


def as_question(question: str | Question, history: Sequence[Message] | None = None) -> Question:
    """``question`` if it is analysed already, else its analysis (with ``history``)."""
    return question if isinstance(question, Question) else Question.of(question, history)


def term_forms(question: str, language: str | None = None) -> dict[str, frozenset[str]]:
    """Each content word of a question (by its stem, ``language``: the question's) with the
    forms that count as it: its stems in both languages, its glossary translation and its
    other number spellings."""
    language = language or detect_language(question)
    other = "en" if language == "nl" else "nl"
    terms: dict[str, set[str]] = {}
    for w in re.findall(r"\w+", question.lower()):
        own = tokenize(w, language, query=True)
        if not own:
            continue
        spellings = [w, *translate_words([w], language), *NUMBER_FORMS.get(w, ())]
        forms = set(own) | set(tokenize(" ".join(spellings), other, query=True))
        forms |= set(tokenize(" ".join(spellings), language, query=True))
        terms.setdefault(own[0], set()).update(forms)
    return {t: frozenset(forms) for t, forms in terms.items()}
