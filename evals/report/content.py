"""What every report shows, shared by markdown, HTML, the CSV and the CLI: the headline, the
failing questions, the expected and the given answer of a question, number formatting.

The reports show the answers, not only the scores: each failing question with its question,
expected answer, the answer given with its cited quotes, and why it failed. The headline keeps
the two refusal errors apart ("unanswerable questions answered", "answerable questions
refused"), because one refusal accuracy over all questions hides the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evals.records import EvalResult, by_split_order, records_by_split, refusal_counts, split_groups
from evals.scoring import PER_QUESTION_METRICS, is_failure

TABLE_METRICS = (
    "n",
    *PER_QUESTION_METRICS,
    "refusal_accuracy",
    "false_refusal_rate",
    "missed_refusal_rate",
    "latency_p50",
)
# What the CLI prints after a run: the table's metrics plus the tail figures.
SUMMARY_METRICS = (
    *(m for m in TABLE_METRICS if m not in ("n", "latency_p50")),
    "latency_p50",
    "latency_p95",
)
BASELINE_COLUMNS = ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10", "latency_p50")
# The headline: the two refusal errors on their own lines, then a few answer-quality figures.
HEADLINE_REFUSALS = (
    ("unanswerable questions answered", "unanswerable_answered", "unanswerable"),
    ("answerable questions refused", "answerable_refused", "answerable"),
)
HEADLINE_METRICS = ("recall@5", "citation_precision", "evidence_cited")
FAILURE_HEADERS = [
    "id",
    "split",
    "type",
    "question",
    "expected answer",
    "answer given (cited quotes)",
    "why it failed",
]
UNANSWERABLE_EXPECTED = "(not in the sources: should refuse)"


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.2g}" if 0 < abs(value) < 0.001 else f"{value:.3f}"
    return str(value)


def count_of(k: int, n: int) -> str:
    """``"3 of 18 (17%)"``; ``"–"`` when there is nothing to count."""
    return "–" if n == 0 else f"{k} of {n} ({k / n:.0%})"


# -- the content, shared by markdown, HTML and the CLI -------------------------------------------


def headline(result: EvalResult) -> tuple[list[str], list[list[str]]]:
    """Columns (test, tune, all) and rows of the headline table."""
    groups = records_by_split(result.questions)
    mgroups = split_groups(result.metrics)
    names = [k for k in groups if k in mgroups] or list(mgroups)
    counts = {k: refusal_counts(groups.get(k, [])) for k in names}
    rows: list[list[str]] = [["questions", *(str(mgroups[k].get("n", "–")) for k in names)]]
    for label, num, den in HEADLINE_REFUSALS:
        rows.append([label, *(count_of(counts[k][num], counts[k][den]) for k in names)])
    for name in HEADLINE_METRICS:
        rows.append([name, *(fmt(mgroups[k].get(name)) for k in names)])
    return names, rows


def failing(records: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], list[str]]]:
    """The failing questions with their reasons, test first."""
    return [(r, why) for r in by_split_order(records) if (why := is_failure(r))]


def expected_text(record: dict[str, Any]) -> str:
    if not record["answerable"]:
        return UNANSWERABLE_EXPECTED
    return str(record.get("reference") or "")


def one_line(text: Any) -> str:
    """Whitespace runs (PDF line breaks inside a quote) as one space."""
    return " ".join(str(text).split())


def citation_lines(record: dict[str, Any]) -> list[str]:
    """``[n] source_id: "quote"`` per citation (``n`` is the answer's marker)."""
    return [
        f'[{n}] {c["source_id"]}: "{one_line(c["quote"])}"'
        for n, c in enumerate(record.get("citations") or [], start=1)
    ]


def given_text(record: dict[str, Any]) -> str:
    """The answer, marked when it was a refusal, and its cited quotes below it."""
    answer = ("(refused) " if record["refused"] else "") + str(record.get("answer") or "")
    return "\n".join([answer.strip(), *citation_lines(record)])


def metrics_rows(groups: dict[str, dict[str, Any]]) -> list[list[Any]]:
    return [[name, *(g.get(k) for k in TABLE_METRICS)] for name, g in groups.items()]
