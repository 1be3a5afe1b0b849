"""The conversation so far: validating it, and what a follow-up takes from it.

Two different readings of a history live here, for two readers:

- :func:`history_text` is what the conversation is *about* (the last user turns and the last
  answer, without markers): retrieval searches it and the extractive answerer counts its
  words, so it is short and plain.
- :func:`transcript` is the conversation as the LLM's condense prompt shows it ("Human: ...",
  "Assistant: ..."), the last few turns each cut to a length.

:class:`FollowUp` is made once per question (in :class:`assistant.Assistant`), before
retrieval, and read by the retriever and the answerers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.errors import ConfigError
from index.language import detect_language
from index.lexical import tokenize

Message = dict[str, str]

# The LLM's condense prompt shows the last turns, each cut to a length.
TRANSCRIPT_TURNS = 6
TRANSCRIPT_CHARS = 800


def validate_history(history: Sequence[Message] | None) -> list[Message]:
    """The history as a list of ``{"role", "content"}`` dicts; anything else is refused.

    >>> validate_history([{"role": "user", "content": None}])
    [{'role': 'user', 'content': ''}]
    """
    out: list[Message] = []
    for i, turn in enumerate(history or ()):
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant"):
            raise ConfigError(
                f"history[{i}] must be {{'role': 'user'|'assistant', 'content': str}}"
            )
        content = turn.get("content")
        out.append(
            {"role": str(turn["role"]), "content": content if isinstance(content, str) else ""}
        )
    return out


def user_turns(history: Sequence[Message] | None, last: int = 2) -> list[str]:
    """The last ``last`` user messages of a conversation, oldest first."""
    turns = [str(m.get("content", "")) for m in history or () if m.get("role") == "user"]
    return [t for t in turns if t.strip()][-last:]


def last_answer(history: Sequence[Message] | None) -> str:
    """The assistant's last message as it was ("" when there is none)."""
    answers = [str(m.get("content", "")) for m in history or [] if m.get("role") == "assistant"]
    return answers[-1] if answers else ""


def history_text(history: Sequence[Message] | None) -> str:
    """What the conversation so far is about: the last user turns and the last answer.

    The last answer counts because it names the subject a follow-up points back to
    ("Prioriteit 3 is AI" before "Waarom moet dat als één overheid?").

    >>> history_text([{"role": "user", "content": "Wat is Haven+?"},
    ...               {"role": "assistant", "content": "Een set componenten [1]."}])
    'Wat is Haven+? Een set componenten.'
    """
    parts = user_turns(history)
    answers = [str(m.get("content", "")) for m in history or () if m.get("role") == "assistant"]
    if answers and answers[-1].strip():
        parts.append(re.sub(r"\s*\[\d+\]", "", answers[-1])[:600])
    return " ".join(p.strip() for p in parts if p.strip())


def transcript(history: Sequence[Message]) -> str:
    """The last turns as "Human: ..." / "Assistant: ..." lines, for the LLM's condense prompt.

    >>> transcript([{"role": "user", "content": "Wat is  Haven+?"}, {"role": "assistant"}])
    'Human: Wat is Haven+?'
    """
    lines = []
    for turn in list(history)[-TRANSCRIPT_TURNS:]:
        who = "Human" if turn.get("role") == "user" else "Assistant"
        content = re.sub(r"\s+", " ", str(turn.get("content") or "")).strip()
        if content:
            lines.append(f"{who}: {content[:TRANSCRIPT_CHARS]}")
    return "\n".join(lines)


_ANAPHORA = re.compile(
    r"\b(die|dat|deze|dit|daar\w*|hij|zij|ze|hem|haar|hun|het|er|"
    r"it|this|that|these|those|they|them|he|she|his|her|there)\b|^(en|and)\b",
    re.IGNORECASE,
)


def depends_on_history(question: str, tokens: Sequence[str] | None = None) -> bool:
    """A follow-up that cannot stand alone: it points back, or says too little (``tokens``:
    the question's stems in its own language, when already known).

    >>> depends_on_history("Waar en hoe laat vond die plaats?")
    True
    >>> depends_on_history("Welke strategische doelen stelt NDS-prioriteit 6?")
    False
    """
    content_words = tokenize(question, detect_language(question)) if tokens is None else tokens
    return bool(_ANAPHORA.search(question)) or len(content_words) < 3


@dataclass(frozen=True)
class FollowUp:
    """What a question takes from the conversation before it, worked out once.

    ``context``: :func:`history_text` ("" without a history); ``depends``: the question
    cannot stand alone (:func:`depends_on_history`); ``said``: the last answer as given.
    """

    context: str = ""
    depends: bool = False
    said: str = ""

    @classmethod
    def of(
        cls,
        question: str,
        history: Sequence[Message] | None,
        *,
        tokens: Sequence[str] | None = None,
    ) -> FollowUp:
        return cls(
            history_text(history), depends_on_history(question, tokens), last_answer(history)
        )

    def weight(self, history_weight: float) -> float:
        """Weight of the conversation in retrieval: full for a dependent follow-up, else
        ``history_weight`` (the setting); none without a conversation."""
        if not self.context:
            return 0.0
        return 1.0 if self.depends else history_weight

    @property
    def scoring_context(self) -> str:
        """The conversation whose words count in sentence scoring: only for a dependent
        follow-up."""
        return self.context if self.depends else ""
