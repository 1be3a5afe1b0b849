"""The answerer protocol: one per way of writing an answer (extractive, LLM)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from assistant.extractive import AnswerRequest, ExtractiveAnswerer, extractive_answer, pieces
from assistant.types import Answer


class Answerer(Protocol):
    """Writes an answer for a request; ``stream`` yields text pieces, then the final Answer."""

    name: str

    def stream(self, request: AnswerRequest) -> Iterator[str | Answer]: ...


class Extractive:
    """Adapter of :class:`ExtractiveAnswerer` to the protocol: the answer, in word pieces."""

    name = "extractive"

    def __init__(self, inner: ExtractiveAnswerer) -> None:
        self.inner = inner

    def answer(self, request: AnswerRequest) -> Answer:
        return extractive_answer(self.inner, request)

    def stream(self, request: AnswerRequest) -> Iterator[str | Answer]:
        answer = self.answer(request)
        yield from pieces(answer.text)
        yield answer
