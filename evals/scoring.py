"""Scoring: one question's record and metrics, and how the records of a run add up.

:func:`score_question` turns what the assistant answered and retrieved for one golden question
into a record; :func:`summarize` aggregates records into a run's ``metrics`` and
:func:`failures_of` lists the failing questions. Pure: the metrics come from
:mod:`evals.metrics`, nothing here talks to the assistant.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from evals import metrics as m

if TYPE_CHECKING:
    from assistant import Passage

RETRIEVAL_K = 10
KS = (1, 5, 10)

# Metrics in the order tables show them; the second value: higher is better.
MAIN_METRICS: tuple[tuple[str, bool], ...] = (
    ("recall@1", True),
    ("recall@5", True),
    ("recall@10", True),
    ("mrr", True),
    ("ndcg@10", True),
    ("citation_precision", True),
    ("citation_recall", True),
    ("evidence_cited", True),
    ("token_f1", True),
    ("reference_recall", True),
    ("refusal_accuracy", True),
    ("false_refusal_rate", False),
    ("missed_refusal_rate", False),
    ("latency_p50", False),
    ("latency_p95", False),
)
HIGHER_IS_BETTER = dict(MAIN_METRICS)
# Metrics scored per question and averaged (refusal rates and latency are whole-run figures).
PER_QUESTION_METRICS = tuple(
    name
    for name, _ in MAIN_METRICS
    if not name.startswith(("latency", "refusal", "false_", "missed_"))
)


# -- one question --------------------------------------------------------------------------------


def evidence_hits(text: str, source_id: str, evidence: Sequence[dict[str, str]]) -> list[int]:
    """Indices of the evidence items that a passage (of ``source_id``) holds."""
    return [
        i
        for i, e in enumerate(evidence)
        if e["source"] == source_id and m.passage_has_evidence(text, e["quote"])
    ]


def retrieval_scores(
    passages: Sequence[Passage], evidence: Sequence[dict[str, str]]
) -> tuple[list[dict[str, Any]], dict[str, float | None]]:
    """Per-passage relevance and the retrieval metrics for one question."""
    rows: list[dict[str, Any]] = []
    hits: list[list[int]] = []
    for rank, p in enumerate(passages, start=1):
        h = evidence_hits(p.text, p.source_id, evidence)
        hits.append(h)
        rows.append(
            {
                "rank": rank,
                "chunk_id": p.chunk_id,
                "source_id": p.source_id,
                "score": p.score,
                "relevant": bool(h),
                "evidence": h,
            }
        )
    scores: dict[str, float | None] = {}
    if evidence:
        relevant = [bool(h) for h in hits]
        for k in KS:
            scores[f"recall@{k}"] = m.recall_at_k(hits, len(evidence), k)
        scores["mrr"] = m.mrr(relevant[:RETRIEVAL_K])
        scores["ndcg@10"] = m.ndcg_at_k(relevant, RETRIEVAL_K, n_relevant=len(evidence))
    return rows, scores


def score_question(
    q: dict[str, Any],
    answer: Any,
    passages: Sequence[Passage],
    *,
    retrieval_seconds: float,
    wall_seconds: float,
) -> dict[str, Any]:
    """The record of one question: what was retrieved and cited, the answer, its metrics."""
    evidence = list(q.get("evidence") or [])
    answerable = bool(q.get("answerable", True))
    retrieved, scores = retrieval_scores(passages, evidence)
    citations = [
        {
            "source_id": c.source_id,
            "chunk_id": c.chunk_id,
            "quote": c.quote,
            "passage": c.passage,
        }
        for c in answer.citations
    ]
    for c in citations:
        c["holds_evidence"] = m.citation_supported(c, evidence) if evidence else False
    refused = bool(answer.refused)
    result: dict[str, float | None] = dict(scores)
    result["refusal_correct"] = float(refused != answerable)
    if answerable:
        result["citation_precision"] = m.citation_precision(citations, evidence)
        result["citation_recall"] = m.citation_recall(citations, evidence)
        result["evidence_cited"] = m.evidence_cited(citations, evidence)
        result["token_f1"] = m.token_f1(answer.text, q.get("answer", ""))
        result["reference_recall"] = m.reference_recall(answer.text, q.get("answer", ""))
    latency = float(answer.seconds or 0.0) or wall_seconds
    return {
        "id": q["id"],
        "type": q.get("type", ""),
        "language": q.get("language", ""),
        "answerable": answerable,
        "question": q["question"],
        "history": q.get("history") or [],
        "reference": q.get("answer", ""),
        "evidence": evidence,
        "answer": answer.text,
        "refused": refused,
        # The answer model's P(the sources answer the question), for the calibration plot.
        "confidence": getattr(answer, "confidence", None),
        "citations": [{k: v for k, v in c.items() if k != "passage"} for c in citations],
        "retrieved": retrieved,
        "latency": round(latency, 4),
        "retrieval_latency": round(retrieval_seconds, 4),
        "metrics": result,
    }


# -- a run ---------------------------------------------------------------------------------------


def aggregate(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means of the per-question metrics (over the questions they apply to), refusal rates
    and latency percentiles."""
    out: dict[str, Any] = {"n": len(records), "n_answerable": sum(r["answerable"] for r in records)}
    for name in PER_QUESTION_METRICS:
        out[name] = m.mean(r["metrics"].get(name) for r in records)
    refused = [r["refused"] for r in records]
    answerable = [r["answerable"] for r in records]
    out["refusal_accuracy"] = m.refusal_accuracy(refused, answerable)
    out["false_refusal_rate"] = m.false_refusal_rate(refused, answerable)
    out["missed_refusal_rate"] = m.missed_refusal_rate(refused, answerable)
    lat = m.percentiles((r["latency"] for r in records), ps=(50, 95))
    out["latency_p50"] = lat.get("p50")
    out["latency_p95"] = lat.get("p95")
    out["latency_mean"] = m.mean(r["latency"] for r in records)
    return out


def group_by(records: Iterable[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault(str(r[key]), []).append(r)
    return {k: aggregate(v) for k, v in sorted(groups.items())}


def summarize(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A run's ``metrics``: overall, per split (records with a ``split``), type and language."""
    return {
        "overall": aggregate(records),
        "by_split": group_by((r for r in records if r.get("split")), "split"),
        "by_type": group_by(records, "type"),
        "by_language": group_by(records, "language"),
    }


def is_failure(record: dict[str, Any]) -> list[str]:
    """Why a question counts as failed (empty when it did not)."""
    reasons = []
    mm = record["metrics"]
    if record["answerable"]:
        if record["refused"]:
            reasons.append("refused an answerable question")
        if mm.get("recall@10") == 0:
            reasons.append("no evidence in the top 10")
        elif (mm.get("recall@5") or 0) == 0:
            reasons.append("no evidence in the top 5")
        if not record["refused"] and mm.get("citation_precision") == 0:
            reasons.append("no citation holds evidence")
    elif not record["refused"]:
        reasons.append("answered an unanswerable question")
    return reasons


def failures_of(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in records:
        reasons = is_failure(r)
        if reasons:
            out.append(
                {
                    "id": r["id"],
                    "split": r.get("split", ""),
                    "type": r["type"],
                    "language": r["language"],
                    "question": r["question"],
                    "reference": r.get("reference", ""),
                    "reasons": reasons,
                    "expected_sources": sorted({e["source"] for e in r["evidence"]}),
                    "retrieved": [
                        f"{x['chunk_id']}{' *' if x['relevant'] else ''}"
                        for x in r["retrieved"][:5]
                    ],
                    "cited": [c["chunk_id"] for c in r["citations"]],
                    "citations": [
                        {"n": n, "source_id": c["source_id"], "quote": c["quote"]}
                        for n, c in enumerate(r["citations"], start=1)
                    ],
                    "answer": r["answer"],
                }
            )
    return out
