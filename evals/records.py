"""What a run's records are and how they add up: shared by the runner and the reports.

:mod:`evals.runner` scores questions and :mod:`evals.report` renders them; both import from
here, so neither imports the other's internals (the report never imports the runner).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals import metrics as m

SPLITS = ("test", "tune")
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


@dataclass
class EvalResult:
    """What :func:`run_eval` returns: per-question records, aggregates, where files went."""

    questions: list[dict[str, Any]]
    metrics: dict[str, Any]
    failures: list[dict[str, Any]]
    meta: dict[str, Any]
    out_dir: Path | None = None
    baselines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overall(self) -> dict[str, Any]:
        return dict(self.metrics["overall"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "metrics": self.metrics,
            "failures": self.failures,
            "baselines": self.baselines,
            "questions": self.questions,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], out_dir: Path | None = None) -> EvalResult:
        """A run read back from its ``metrics.json`` (see :func:`load_run`)."""
        questions = list(data.get("questions", []))
        return cls(
            questions=questions,
            metrics=dict(data["metrics"]),
            failures=list(data.get("failures") or failures_of(questions)),
            meta=dict(data.get("meta", {})),
            out_dir=out_dir,
            baselines=list(data.get("baselines", [])),
        )


# -- aggregation ---------------------------------------------------------------------------------


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


def by_split_order(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Test questions first, then tune, then the rest (the order every table shows)."""
    rank = {name: i for i, name in enumerate(SPLITS)}
    return sorted(records, key=lambda r: rank.get(r.get("split", ""), len(SPLITS)))


def split_groups(mt: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Test first, then tune, then all questions: the order every table shows them in."""
    by_split = mt.get("by_split", {})
    return {**{k: by_split[k] for k in SPLITS if k in by_split}, "all": mt["overall"]}


def records_by_split(records: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The records of each split (test, tune) and of ``"all"``, like :func:`split_groups`."""
    out = {k: [r for r in records if r.get("split") == k] for k in SPLITS}
    return {**{k: v for k, v in out.items() if v}, "all": list(records)}


def refusal_counts(records: Sequence[dict[str, Any]]) -> dict[str, int]:
    """The two refusal errors as counts, which one refusal accuracy would blend:
    unanswerable questions answered, answerable questions refused.

    >>> refusal_counts([{"answerable": False, "refused": False}, {"answerable": True,
    ...     "refused": False}])["unanswerable_answered"]
    1
    """
    unanswerable = [r for r in records if not r["answerable"]]
    answerable = [r for r in records if r["answerable"]]
    return {
        "unanswerable": len(unanswerable),
        "unanswerable_answered": sum(not r["refused"] for r in unanswerable),
        "answerable": len(answerable),
        "answerable_refused": sum(bool(r["refused"]) for r in answerable),
    }


# -- comparing runs ------------------------------------------------------------------------------

# Per-question metrics whose change makes a question a win or a loss between two runs.
COMPARE_METRICS = (
    "recall@5",
    "mrr",
    "citation_precision",
    "citation_recall",
    "evidence_cited",
    "token_f1",
)


def load_run(path: str | Path) -> dict[str, Any]:
    """A run folder's ``metrics.json`` (or that file's path)."""
    p = Path(path)
    if p.is_dir():
        p = p / "metrics.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{p} is not a run's metrics.json (not JSON: {exc})") from None
    if not isinstance(data, dict) or "metrics" not in data:
        raise ValueError(f"{p} is not a run's metrics.json (no 'metrics')")
    return dict(data)


def metric_deltas(oa: dict[str, Any], ob: dict[str, Any]) -> list[dict[str, Any]]:
    """Each main metric in both runs, ``b - a``, and whether that is better."""
    deltas = []
    for name, higher in MAIN_METRICS:
        va, vb = oa.get(name), ob.get(name)
        delta = None if va is None or vb is None else vb - va
        better = None if delta is None or delta == 0 else (delta > 0) == higher
        deltas.append({"metric": name, "a": va, "b": vb, "delta": delta, "better": better})
    return deltas


def question_changes(qa: dict[str, Any], qb: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed for one question from run a to run b: a refusal flip (right to wrong or
    back) and each of :data:`COMPARE_METRICS` that moved; ``better`` says which way."""
    changes: list[dict[str, Any]] = []
    if bool(qa["refused"]) != bool(qb["refused"]):
        now_right = bool(qb["refused"]) != bool(qb["answerable"])
        changes.append(
            {
                "what": "refusal",
                "a": "refused" if qa["refused"] else "answered",
                "b": "refused" if qb["refused"] else "answered",
                "better": now_right,
                "text": "refusal: " + ("now refuses" if qb["refused"] else "now answers"),
            }
        )
    for name in COMPARE_METRICS:
        va, vb = qa["metrics"].get(name), qb["metrics"].get(name)
        if va is None or vb is None or abs(vb - va) <= 1e-9:
            continue
        changes.append(
            {
                "what": name,
                "a": va,
                "b": vb,
                "better": vb > va,
                "text": f"{name} {va:.2f} -> {vb:.2f}",
            }
        )
    return changes


def compare_runs(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Run ``a`` against run ``b`` (``metrics.json`` contents).

    ``deltas``: the overall metric deltas (``b - a``); ``by_split``: the same per split
    (test, tune, all) where both runs have it; ``questions``: every question in both runs that
    changed, with its ``changes`` and ``outcome`` (``win``, ``loss`` or ``mixed``);
    ``worse`` / ``better``: the questions with at least one change for the worse / only
    changes for the better (``worse`` is what ``--fail-on-worse`` reads); ``only_a`` /
    ``only_b``: ids in one run only.
    """
    ga, gb = split_groups(a["metrics"]), split_groups(b["metrics"])
    qa = {q["id"]: q for q in a.get("questions", [])}
    qb_all = {q["id"]: q for q in b.get("questions", [])}
    changed = []
    for qb in by_split_order(b.get("questions", [])):
        prev = qa.get(qb["id"])
        if prev is None:
            continue
        changes = question_changes(prev, qb)
        if not changes:
            continue
        ups = {bool(c["better"]) for c in changes}
        outcome = "mixed" if len(ups) == 2 else ("win" if True in ups else "loss")
        changed.append(
            {
                "id": qb["id"],
                "split": qb.get("split", ""),
                "type": qb.get("type", ""),
                "question": qb["question"],
                "outcome": outcome,
                "changes": changes,
                "a": prev,
                "b": qb,
            }
        )
    return {
        "deltas": metric_deltas(ga["all"], gb["all"]),
        "by_split": {k: metric_deltas(ga[k], gb[k]) for k in ga if k in gb},
        "questions": changed,
        "worse": [
            {
                "id": c["id"],
                "question": c["question"],
                "changes": [x["text"] for x in c["changes"] if not x["better"]],
            }
            for c in changed
            if c["outcome"] in ("loss", "mixed")
        ],
        "better": [
            {"id": c["id"], "question": c["question"], "changes": [x["text"] for x in c["changes"]]}
            for c in changed
            if c["outcome"] == "win"
        ],
        "only_a": sorted(set(qa) - set(qb_all)),
        "only_b": sorted(set(qb_all) - set(qa)),
    }
