"""Evaluation of nds-assistant on the golden question set (see evals/README.md).

>>> from evals import run_eval                                # doctest: +SKIP
>>> run_eval(out_dir="evals/runs/today").overall["recall@5"]  # doctest: +SKIP
0.8

The names below load their module on first use, so ``import evals.report`` (rendering a
stored run) does not import the assistant.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evals.compare import compare_runs
    from evals.gate import check_floor, load_floor
    from evals.golden import load_golden, load_split
    from evals.records import EvalResult, load_run
    from evals.report import (
        format_comparison,
        render_reports,
        write_compare_html,
        write_csv,
        write_reports,
    )
    from evals.runner import run_eval

# Public name -> the module that defines it.
_EXPORTS = {
    "EvalResult": "evals.records",
    "check_floor": "evals.gate",
    "compare_runs": "evals.compare",
    "format_comparison": "evals.report",
    "load_floor": "evals.gate",
    "load_golden": "evals.golden",
    "load_run": "evals.records",
    "load_split": "evals.golden",
    "render_reports": "evals.report",
    "run_eval": "evals.runner",
    "write_compare_html": "evals.report",
    "write_csv": "evals.report",
    "write_reports": "evals.report",
}

__all__ = [
    "EvalResult",
    "check_floor",
    "compare_runs",
    "format_comparison",
    "load_floor",
    "load_golden",
    "load_run",
    "load_split",
    "render_reports",
    "run_eval",
    "write_compare_html",
    "write_csv",
    "write_reports",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'evals' has no attribute {name!r}")
