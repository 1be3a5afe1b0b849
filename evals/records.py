"""A run's records: :class:`EvalResult`, reading a stored run back, and views by split.

A run folder's ``metrics.json`` is ``EvalResult.to_dict()``; :func:`load_run` reads it back
(also the runs of earlier versions in ``evals/runs/``), and :meth:`EvalResult.from_dict` makes
an ``EvalResult`` of it again, for the reports.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.golden import SPLITS
from evals.scoring import failures_of


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


# -- by split ------------------------------------------------------------------------------------


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
