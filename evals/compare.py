"""Comparing two runs: metric deltas per split and, per question, wins and losses.

Both runs are ``metrics.json`` contents (:func:`evals.records.load_run`), so a stored run of
an earlier version compares with a new one. The text and HTML renderings are in
:mod:`evals.report` (``format_comparison``, ``compare_html``).
"""

from __future__ import annotations

from typing import Any

from evals.records import by_split_order, split_groups
from evals.scoring import MAIN_METRICS

# Per-question metrics whose change makes a question a win or a loss between two runs.
COMPARE_METRICS = (
    "recall@5",
    "mrr",
    "citation_precision",
    "citation_recall",
    "evidence_cited",
    "token_f1",
)


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
