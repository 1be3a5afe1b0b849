"""What a run shows a reader: ``report.md``, ``report.html``, the CSV export, the page that
compares two runs, and the terminal tables.

- :mod:`~evals.report.content`: what every rendering shows (headline, failing questions, answers)
- :mod:`~evals.report.markdown`: ``report.md``
- :mod:`~evals.report.html`: ``report.html`` and the HTML building blocks
- :mod:`~evals.report.compare_page`: the compare page (``eval compare --html``)
- :mod:`~evals.report.csv_export`: one CSV row per question
- :mod:`~evals.report.text`: the comparison and the baselines for the terminal
- :mod:`~evals.report.folder`: a run folder (``metrics.json`` and the reports)

The reports import the records, scoring and compare modules, never the runner.
"""

from __future__ import annotations

from evals.report.compare_page import compare_html, write_compare_html
from evals.report.content import (
    BASELINE_COLUMNS,
    SUMMARY_METRICS,
    TABLE_METRICS,
    fmt,
    headline,
)
from evals.report.csv_export import CSV_COLUMNS, CSV_ENCODING, csv_rows, write_csv
from evals.report.folder import render_reports, write_reports
from evals.report.html import report_html
from evals.report.markdown import baselines_markdown, report_markdown
from evals.report.text import format_baselines, format_comparison

__all__ = [
    "BASELINE_COLUMNS",
    "CSV_COLUMNS",
    "CSV_ENCODING",
    "SUMMARY_METRICS",
    "TABLE_METRICS",
    "baselines_markdown",
    "compare_html",
    "csv_rows",
    "fmt",
    "format_baselines",
    "format_comparison",
    "headline",
    "render_reports",
    "report_html",
    "report_markdown",
    "write_compare_html",
    "write_csv",
    "write_reports",
]
