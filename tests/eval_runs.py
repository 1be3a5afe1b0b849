"""Small synthetic eval runs for the report tests: records scored by the real
``score_question`` from real ``Passage`` / ``Citation`` / ``Answer`` values, no index."""

from __future__ import annotations

import copy
from typing import Any

from assistant import Passage
from assistant.types import Answer, Citation
from evals.records import EvalResult
from evals.scoring import failures_of, score_question, summarize

GOOD = Passage("nds-prioriteiten", "nds:1", "De NDS kent zes prioriteiten voor de overheid.", 0.9)
OTHER = Passage("vng-positie", "vng:4", "Gemeenten vragen om meer samenhang | en regie.", 0.5)
CLOUD = Passage("nds-cloud", "cloud:2", "De overheid wil minder afhankelijk zijn van clouds.", 0.4)

# The one failing question of :func:`synthetic_result`: answered from the wrong document.
FAILING_ID = "g001"
FAILING_QUESTION = "Wie coördineert de <b>cloud</b>-aanpak van de NDS?"
FAILING_REFERENCE = "Het ministerie van BZK, samen met de CIO Rijk."
FAILING_ANSWER = "Gemeenten vragen om meer samenhang | en regie. [1]"
FAILING_QUOTE = "Gemeenten vragen om meer samenhang | en regie."


def question(
    qid: str,
    text: str,
    *,
    answerable: bool = True,
    reference: str = "",
    evidence: list[dict[str, str]] | None = None,
    qtype: str = "factoid",
    language: str = "nl",
) -> dict[str, Any]:
    return {
        "id": qid,
        "question": text,
        "language": language,
        "type": qtype if answerable else "unanswerable",
        "answerable": answerable,
        "answer": reference,
        "evidence": evidence or [],
    }


def answer(
    text: str, cited: list[tuple[Passage, str]], *, refused: bool = False, confidence: float = 0.8
) -> Answer:
    return Answer(
        question="",
        text=text,
        refused=refused,
        citations=[Citation.from_passage(p, quote, p.score) for p, quote in cited],
        seconds=0.05,
        confidence=confidence,
    )


def record(q: dict[str, Any], a: Answer, passages: list[Passage], split: str) -> dict[str, Any]:
    r = score_question(q, a, passages, retrieval_seconds=0.01, wall_seconds=0.05)
    r["split"] = split
    return r


def synthetic_records() -> list[dict[str, Any]]:
    """Two test and two tune questions; only g001 (tune) fails."""
    six = {"source": "nds-prioriteiten", "quote": "De NDS kent zes prioriteiten"}
    q_ok = question("n001", "Hoeveel prioriteiten heeft de NDS?", reference="Zes.", evidence=[six])
    q_no = question("n002", "Hoeveel geld krijgt de NDS in 2030?", answerable=False)
    q_fail = question(
        FAILING_ID,
        FAILING_QUESTION,
        reference=FAILING_REFERENCE,
        evidence=[{"source": "nds-cloud", "quote": "minder afhankelijk zijn van clouds"}],
        qtype="who",
    )
    q_en = question(
        "g002",
        "How many priorities does the NDS have?",
        reference="Six.",
        evidence=[six],
        language="en",
    )
    good = answer("De NDS kent zes prioriteiten voor de overheid. [1]", [(GOOD, GOOD.text)])
    return [
        record(q_ok, good, [GOOD, OTHER], "test"),
        record(
            q_no,
            answer("Dat staat niet in de bronnen.", [], refused=True, confidence=0.2),
            [OTHER],
            "test",
        ),
        record(q_fail, answer(FAILING_ANSWER, [(OTHER, FAILING_QUOTE)]), [OTHER], "tune"),
        record(q_en, good, [GOOD], "tune"),
    ]


def result_of(records: list[dict[str, Any]]) -> EvalResult:
    meta = {
        "timestamp": "2026-11-30T12:00:00+00:00",
        "git_commit": "abc123",
        "golden": "synthetic",
        "answerer": "extractive",
        "seconds": 1.0,
    }
    return EvalResult(records, summarize(records), failures_of(records), meta)


def synthetic_result() -> EvalResult:
    return result_of(synthetic_records())


def second_run(a: dict[str, Any]) -> dict[str, Any]:
    """Run A with g001 now right (a win) and n001 refused (a loss)."""
    b = copy.deepcopy(a)
    qs = {q["id"]: q for q in b["questions"]}
    qs[FAILING_ID]["metrics"]["citation_precision"] = 1.0
    qs[FAILING_ID]["metrics"]["evidence_cited"] = 1.0
    qs["n001"]["refused"] = True
    qs["n001"]["metrics"]["refusal_correct"] = 0.0
    result = result_of(b["questions"])
    return result.to_dict()
