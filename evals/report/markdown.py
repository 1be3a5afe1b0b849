"""``report.md``: the headline, the tables per split, type and language, and the failing
questions with their answers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from evals.records import EvalResult, split_groups
from evals.report.content import (
    BASELINE_COLUMNS,
    FAILURE_HEADERS,
    TABLE_METRICS,
    expected_text,
    failing,
    fmt,
    given_text,
    headline,
    metrics_rows,
)


def _md(value: Any) -> str:
    return fmt(value).replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md(v) for v in row) + " |" for row in rows]
    return lines


def baselines_markdown(rows: Sequence[dict[str, Any]]) -> str:
    body = _table(
        ["system", "n", *BASELINE_COLUMNS, "note"],
        [
            [r["system"], r.get("n"), *(r.get(c) for c in BASELINE_COLUMNS), r.get("note", "")]
            for r in rows
        ],
    )
    return "\n".join(body) + "\n"


def failure_rows(records: Sequence[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            r["id"],
            r.get("split", ""),
            r.get("type", ""),
            r["question"],
            expected_text(r),
            given_text(r),
            "; ".join(why),
        ]
        for r, why in failing(records)
    ]


def report_markdown(result: EvalResult) -> str:
    meta, mt = result.meta, result.metrics
    names, head_rows = headline(result)
    fails = failure_rows(result.questions)
    lines = [
        "# Evaluation report",
        "",
        f"- time: {meta.get('timestamp')}; commit: `{meta.get('git_commit')}`",
        f"- golden: `{meta.get('golden')}` ({mt['overall']['n']} questions); "
        f"answerer: {meta.get('answerer')}",
        f"- index: `{json.dumps(meta.get('index', {}), sort_keys=True)}`",
        f"- run time: {meta.get('seconds')} s",
        "",
        "## Headline",
        "",
        "Test: held-out questions nothing was tuned on (evals/split.json); tune: the rest.",
        "The two refusal errors are counted apart: one refusal accuracy would hide either.",
        "",
        *_table(["", *names], head_rows),
        "",
        "Retrieval metrics: answerable questions, top 10 passages. Citation and answer metrics:",
        "answerable questions. Refusal metrics: all questions. Latency in seconds per `ask`.",
        "",
        "## Test and tune",
        "",
        *_table(["", *TABLE_METRICS], metrics_rows(split_groups(mt))),
        "",
        "## By question type",
        "",
        *_table(["type", *TABLE_METRICS], metrics_rows(mt["by_type"])),
        "",
        "## By language",
        "",
        *_table(["language", *TABLE_METRICS], metrics_rows(mt["by_language"])),
        "",
    ]
    if "judged" in mt:
        lines += ["## Judged (LLM)", "", "```", json.dumps(mt["judged"], indent=2), "```", ""]
    if result.baselines:
        lines += ["## Retrieval baselines", "", baselines_markdown(result.baselines)]
    lines += [f"## Failing questions ({len(fails)})", ""]
    lines += _table(FAILURE_HEADERS, fails)
    return "\n".join(lines) + "\n"
