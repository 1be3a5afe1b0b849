"""Evaluation of nds-assistant on the golden question set (see evals/README.md).

>>> from evals import run_eval                                # doctest: +SKIP
>>> run_eval(out_dir="evals/runs/today").overall["recall@5"]  # doctest: +SKIP
0.8
"""

from __future__ import annotations

from evals.runner import (
    EvalResult,
    check_floor,
    compare_runs,
    load_floor,
    load_golden,
    load_run,
    run_eval,
)

__all__ = [
    "EvalResult",
    "check_floor",
    "compare_runs",
    "load_floor",
    "load_golden",
    "load_run",
    "run_eval",
]
