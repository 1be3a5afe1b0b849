"""The regression gate: does a run meet the floor in ``evals/floor.json``?

>>> check_floor({"overall": {"recall@5": 0.7}}, {"metrics": {"recall@5": {"min": 0.8}}})
['recall@5: 0.700 < floor 0.800']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEFAULT_FLOOR = Path(__file__).resolve().parent / "floor.json"


def load_floor(path: str | Path | None = None) -> dict[str, Any]:
    """The floor file (default: ``evals/floor.json``)."""
    p = Path(path) if path else DEFAULT_FLOOR
    return dict(json.loads(p.read_text(encoding="utf-8")))


def check_floor(metrics: dict[str, Any], floor: dict[str, Any]) -> list[str]:
    """The metrics that miss the floor, as messages (empty: the gate passes).

    ``metrics`` is an overall metrics dict (or a full ``EvalResult.metrics`` with
    ``"overall"``); ``floor`` is ``{"metrics": {name: {"min": x} | {"max": x}}}`` (the
    contents of ``evals/floor.json``) or that inner mapping. With ``"split": "test"`` in the
    floor, the gate reads that split's figures (the held-out questions), when the run has it.
    """
    overall = metrics.get("overall", metrics)
    part = floor.get("split")
    if part and part in metrics.get("by_split", {}):
        overall = metrics["by_split"][part]
    rules = floor.get("metrics", floor)
    failures = []
    for name, rule in rules.items():
        value = overall.get(name)
        if value is None:
            failures.append(f"{name}: missing from the run")
            continue
        if "min" in rule and value < rule["min"]:
            failures.append(f"{name}: {value:.3f} < floor {rule['min']:.3f}")
        if "max" in rule and value > rule["max"]:
            failures.append(f"{name}: {value:.3f} > ceiling {rule['max']:.3f}")
    return failures
