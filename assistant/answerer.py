"""The answerer boundary: what every answerer gets (:class:`AnswerRequest`), what it must do
(:class:`Answerer`), and the helpers they share (:func:`pieces`, :func:`refusal_text`).

Implementations: :class:`assistant.extractive.ExtractiveAnswerer` (the default) and
:class:`assistant.llm.LLMAnswerer`. Nothing here depends on either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.messages import frame
from assistant.question import Question
from assistant.types import Answer, Citation, Filters, Passage
from index.lexical import LexicalIndex


@dataclass
class AnswerRequest:
    """Everything an answerer gets: the question and what retrieval found for it."""

    question: str
    language: str
    passages: list[Passage]
    query_vector: np.ndarray
    lexical: LexicalIndex
    history: list[dict[str, str]] | None = None
    filters: Filters | None = None  # what retrieval was narrowed to (an LLM re-retrieves with it)
    # A passage's section (the chunks under its heading), for lists that chunks cut.
    section: Callable[[Passage], Sequence[Passage]] | None = None
    # The documents the question names (assistant.mentions), with the strength of the mention.
    named_documents: dict[str, float] = field(default_factory=dict)
    # The question's analysis, made once before retrieval (None: answerers analyse
    # ``question`` themselves, as for an LLM's condensed follow-up).
    analysis: Question | None = None

    def analysed(self) -> Question:
        """:attr:`analysis`, or the analysis of ``question`` with ``history``."""
        if self.analysis is not None:
            return self.analysis
        return Question.of(self.question, self.history, language=self.language)

    def answer(
        self,
        text: str,
        cites: list[Citation],
        *,
        answerer: str,
        refused: bool = False,
        passages: Sequence[Passage] | None = None,
        confidence: float | None = None,
    ) -> Answer:
        """The :class:`Answer` to this request (``passages``: what it was drawn from, by
        default the retrieved ones)."""
        return Answer(
            question=self.question,
            text=text,
            refused=refused,
            citations=cites,
            language=self.language,
            answerer=answerer,
            passages=list(self.passages if passages is None else passages),
            confidence=confidence,
        )


class Answerer(Protocol):
    """Writes an answer for a request; ``stream`` yields text pieces, then the final Answer
    (the pieces' concatenation is the answer's text)."""

    name: str

    def stream(self, request: AnswerRequest) -> Iterator[str | Answer]: ...


def pieces(text: str) -> Iterator[str]:
    """Split an answer into stream pieces whose concatenation is the text.

    >>> list(pieces("Ja [1].  Nee"))
    ['Ja ', '[1].  ', 'Nee']
    """
    for m in re.finditer(r"\S+\s*|\s+", text):
        yield m.group(0)


def refusal_text(language: str, passages: Sequence[Passage]) -> str:
    """The refusal, with the titles of the nearest documents (at most three)."""
    titles = list(dict.fromkeys(p.title for p in passages))[:3]
    text = frame(language, "refusal")
    if titles:
        text += " " + frame(language, "nearest") + "\n" + "\n".join(f"- {t}" for t in titles)
    return text
