"""A run folder: ``metrics.json`` and the reports rendered from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.compare import compare_runs
from evals.records import EvalResult, load_run
from evals.report.html import report_html
from evals.report.markdown import baselines_markdown, report_markdown


def write_reports(
    result: EvalResult, out_dir: str | Path, *, compare_to: str | Path | None = None
) -> None:
    """``metrics.json``, ``report.md``, ``report.html`` (and ``baselines.md``) in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    previous = load_run(compare_to) if compare_to else None
    comparison = compare_runs(previous, result.to_dict()) if previous is not None else None
    if comparison is not None:
        result.meta["compared_to"] = str(compare_to)
    (out / "metrics.json").write_text(
        json.dumps(result.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    render_reports(result, out, previous, comparison)


def render_reports(
    result: EvalResult,
    out_dir: str | Path,
    previous: dict[str, Any] | None = None,
    comparison: dict[str, Any] | None = None,
) -> None:
    """``report.md``, ``report.html`` (and ``baselines.md``) of a run; ``metrics.json`` is
    left alone, so a stored run can be rendered again with a newer report."""
    out = Path(out_dir)
    (out / "report.md").write_text(report_markdown(result), encoding="utf-8")
    (out / "report.html").write_text(report_html(result, previous, comparison), encoding="utf-8")
    if result.baselines:
        (out / "baselines.md").write_text(
            "# Retrieval baselines\n\n" + baselines_markdown(result.baselines), encoding="utf-8"
        )
