"""LLM-judged metrics (``--judge``, off by default), RAGAS-style.

- **faithfulness**: the judge splits the answer into statements and marks each as supported
  or not by the cited passages (else the retrieved ones); score = supported / statements.
- **answer relevance**: the judge writes ``N`` questions the answer would answer; score = mean
  cosine similarity between those and the real question (the assistant's own embedder).

The judge is any OpenAI-compatible server (``NDS_LLM_BASE_URL``, ``NDS_LLM_MODEL``), reached
through llama-index ``OpenAILike``. Refused and unanswerable questions are not judged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from evals import metrics as m

if TYPE_CHECKING:
    from assistant import Answer, Assistant, Settings

FAITHFULNESS_PROMPT = """You check whether an answer is supported by source passages.
Split the ANSWER into short, self-contained statements. For each statement decide whether the
PASSAGES support it (true) or not (false). Ignore citation markers like [1].
Reply with JSON only: {{"statements": [{{"statement": "...", "supported": true}}]}}

PASSAGES:
{context}

ANSWER:
{answer}
"""

RELEVANCE_PROMPT = """Write {n} different questions that the following answer answers, in the
answer's language. Reply with JSON only: {{"questions": ["...", "..."]}}

ANSWER:
{answer}
"""


class Completer(Protocol):
    def complete(self, prompt: str) -> Any: ...


def make_judge_llm(settings: Settings) -> Completer:
    """An ``OpenAILike`` client for the configured OpenAI-compatible server."""
    if not settings.llm_base_url:
        raise ValueError("--judge needs an LLM server: set NDS_LLM_BASE_URL (and NDS_LLM_MODEL)")
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=settings.llm_model,
        api_base=settings.llm_base_url,
        api_key=settings.llm_api_key.get_secret_value(),
        timeout=settings.llm_timeout,
        temperature=0.0,
        is_chat_model=True,
        # As the answerer: one retry. The default (3) multiplies with the openai client's own
        # retries: 12 requests and ~12 s per failing judge call (12 timeouts if it hangs).
        max_retries=1,
    )


def parse_json(text: str) -> dict[str, Any]:
    """The first JSON object in a reply (models like to wrap it in prose or fences).

    >>> parse_json('Sure! ```json\\n{"a": 1}\\n```')
    {'a': 1}
    """
    match = re.search(r"\{.*\}", text, flags=re.S)
    if not match:
        raise ValueError(f"no JSON object in the judge's reply: {text[:200]!r}")
    data = json.loads(match.group(0))
    if not isinstance(data, dict):
        raise ValueError("the judge's JSON is not an object")
    return data


def faithfulness(llm: Completer, answer: str, contexts: Sequence[str]) -> float | None:
    context = "\n\n".join(f"[{i + 1}] {c}" for i, c in enumerate(contexts))
    reply = llm.complete(FAITHFULNESS_PROMPT.format(context=context, answer=answer))
    statements = parse_json(str(getattr(reply, "text", reply))).get("statements") or []
    flags = [bool(s.get("supported")) for s in statements if isinstance(s, dict)]
    return sum(flags) / len(flags) if flags else None


def answer_relevance(
    llm: Completer, embedder: Any, question: str, answer: str, n: int = 3
) -> float | None:
    """Mean cosine similarity of the question to ``n`` questions the judge says the answer
    answers; ``embedder``: anything with ``embed_query`` (an ``Assistant``, an embedder)."""
    reply = llm.complete(RELEVANCE_PROMPT.format(n=n, answer=answer))
    questions = [
        str(q) for q in parse_json(str(getattr(reply, "text", reply))).get("questions") or []
    ]
    if not questions:
        return None
    target = np.asarray(embedder.embed_query(question))
    sims = [float(np.asarray(embedder.embed_query(q)) @ target) for q in questions]
    return sum(sims) / len(sims)


def judge_records(
    records: list[dict[str, Any]],
    answers: Sequence[Answer],
    bot: Assistant,
    *,
    progress: bool = False,
    llm: Completer | None = None,
) -> dict[str, Any]:
    """Judge each answered, answerable question; store ``faithfulness`` and
    ``answer_relevance`` in its record's metrics and return the means."""
    from tqdm import tqdm

    llm = llm or make_judge_llm(bot.settings)
    errors = 0
    for record, answer in tqdm(
        list(zip(records, answers, strict=True)), desc="Judging", disable=not progress
    ):
        if record["refused"] or not record["answerable"]:
            continue
        contexts = [c.passage or c.quote for c in answer.citations] or [
            p.text for p in answer.passages
        ]
        try:
            record["metrics"]["faithfulness"] = faithfulness(llm, answer.text, contexts)
            record["metrics"]["answer_relevance"] = answer_relevance(
                llm, bot, record["question"], answer.text
            )
        except Exception as exc:  # one bad reply should not end the run
            errors += 1
            record["judge_error"] = f"{type(exc).__name__}: {exc}"
    return {
        "faithfulness": m.mean(r["metrics"].get("faithfulness") for r in records),
        "answer_relevance": m.mean(r["metrics"].get("answer_relevance") for r in records),
        "judged": sum("faithfulness" in r["metrics"] for r in records),
        "errors": errors,
    }
