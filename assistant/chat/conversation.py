"""The conversation's state: a typed :class:`Turn` per question and answer, and the question's
filters. No Gradio here; the handlers convert turns to and from plain dicts only where Gradio
keeps them (``gr.State``), see :mod:`assistant.chat.handlers`.

>>> t = Turn(question="Wat is de NDS?", answer="Een strategie. [1]")
>>> Turn.from_dict(t.to_dict()) == t
True
>>> [m["role"] for m in history_of([t, Turn(question="?", answer="Fout", error=True)])]
['user', 'assistant']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from assistant.types import Answer, Filters

ALL = "__all__"  # the value of a filter's "all" choice


@dataclass(frozen=True)
class Turn:
    """One question and its answer, as the chat shows, stores (feedback) and exports it.

    ``citations`` are as :meth:`Citation.to_dict` gives them (the form the feedback store
    keeps); ``history`` is the conversation before this question, as the assistant got it;
    ``error`` marks an answer that failed (a fixed sentence, no sources)."""

    question: str = ""
    answer: str = ""
    refused: bool = False
    error: bool = False
    citations: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)
    answerer: str = ""
    language: str = "nl"

    @classmethod
    def from_answer(cls, question: str, answer: Answer, history: list[dict[str, str]]) -> Turn:
        return cls(
            question=question,
            answer=answer.text,
            refused=bool(answer.refused),
            citations=[c.to_dict() for c in answer.citations],
            history=history,
            answerer=answer.answerer,
            language=answer.language,
        )

    @classmethod
    def failed(cls, question: str, text: str, history: list[dict[str, str]], language: str) -> Turn:
        """A turn whose answer failed: ``text`` is the fixed sentence shown instead."""
        return cls(question, text, refused=True, error=True, history=history, language=language)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Turn:
        """A turn from the dict :meth:`to_dict` made (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def turns_from(data: Sequence[Mapping[str, Any]] | None) -> list[Turn]:
    """The turns Gradio kept (``gr.State`` holds plain dicts)."""
    return [Turn.from_dict(t) for t in data or []]


def turns_to(turns: Sequence[Turn]) -> list[dict[str, Any]]:
    """The turns as Gradio keeps them."""
    return [t.to_dict() for t in turns]


def history_of(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """The conversation so far for the assistant: raw strings, errors left out."""
    out: list[dict[str, str]] = []
    for t in turns:
        if t.error:
            continue
        out.append({"role": "user", "content": t.question})
        out.append({"role": "assistant", "content": t.answer})
    return out


def publisher_groups(docs: list[dict[str, Any]]) -> list[str]:
    """Short publisher names ("VNG", "Tweede Kamer der Staten-Generaal"); a filter on one
    matches every publisher containing it (see :class:`Filters`)."""
    names = {str(d.get("publisher") or "").split(" (")[0].strip() for d in docs}
    return sorted((n for n in names if n), key=str.lower)


def make_filters(publisher: str | None, doc_type: str | None, period: str | None) -> Filters:
    """The filters of the chat's three choices; :data:`ALL` (or nothing) is no filter."""

    def value(v: str | None) -> str | None:
        return None if v in (None, "", ALL) else v

    return Filters(publisher=value(publisher), doc_type=value(doc_type), era=value(period))
