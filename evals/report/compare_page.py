"""The page that compares two runs: wins, mixed and losses per split, the metric deltas for
test, tune and all side by side, and every question that changed with both answers."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from evals.compare import COMPARE_METRICS, compare_runs
from evals.golden import SPLITS
from evals.records import load_run
from evals.report.content import expected_text
from evals.report.html import Markup, given_html, html_table, page, text_div


def _delta_cell(d: dict[str, Any]) -> Markup:
    if d["delta"] is None:
        return Markup("–")
    cls = {True: "good", False: "bad", None: ""}[d["better"]]
    return Markup(f"<span class='{cls}'>{d['delta']:+.3f}</span>")


def _change_html(c: dict[str, Any]) -> str:
    cls = "good" if c["better"] else "bad"
    return f"<li class='{cls}'>{html.escape(c['text'])}</li>"


def compare_html(a: dict[str, Any], b: dict[str, Any], name_a: str = "A", name_b: str = "B") -> str:
    """A page comparing run ``a`` with run ``b`` (``metrics.json`` contents): metric deltas per
    split (test first) and per question the wins and losses, with both answers."""
    cmp = compare_runs(a, b)
    changed = cmp["questions"]
    outcomes = ("loss", "mixed", "win")
    by_split: dict[str, dict[str, int]] = {}
    for c in changed:
        row = by_split.setdefault(c["split"] or "–", dict.fromkeys(outcomes, 0))
        row[c["outcome"]] += 1
    order = [*(s for s in SPLITS if s in by_split), *(s for s in by_split if s not in SPLITS)]

    def run_line(label: str, name: str, run: dict[str, Any]) -> str:
        meta = run.get("meta", {})
        return (
            f"<li>{label} = <code>{html.escape(name)}</code> · "
            f"{html.escape(str(meta.get('timestamp')))} · commit "
            f"{html.escape(str(meta.get('git_commit')))} · "
            f"{run['metrics']['overall'].get('n')} questions</li>"
        )

    body = [
        "<h1>Run comparison</h1>",
        f"<ul>{run_line('A', name_a, a)}{run_line('B', name_b, b)}</ul>",
        "<h2>Wins and losses</h2>",
        "<p>A question wins when every change from A to B is for the better (a refusal that "
        "became right, or a higher "
        + ", ".join(COMPARE_METRICS)
        + "), loses when every change is for the worse, and is mixed otherwise.</p>",
        html_table(
            ["split", "losses", "mixed", "wins"],
            [[s, *(by_split[s][o] for o in outcomes)] for s in order]
            + [["all", *(sum(v[o] for v in by_split.values()) for o in outcomes)]],
            cls="outcomes",
        ),
    ]
    if cmp["only_a"] or cmp["only_b"]:
        body.append(
            "<p>Only in A: "
            + html.escape(", ".join(cmp["only_a"]) or "–")
            + " · only in B: "
            + html.escape(", ".join(cmp["only_b"]) or "–")
            + "</p>"
        )
    body.append("<h2>Metrics per split</h2><div class='splits'>")
    for split, deltas in cmp["by_split"].items():  # test, tune, all side by side
        body += [
            f"<div><h3>{html.escape(split)}</h3>",
            html_table(
                ["metric", "A", "B", "B − A"],
                [[d["metric"], d["a"], d["b"], _delta_cell(d)] for d in deltas],
                cls=f"deltas deltas-{html.escape(split)}",
            ),
            "</div>",
        ]
    body.append("</div>")
    rows = []
    for c in changed:
        answers = (
            "<details><summary>answers</summary>"
            f"<p><b>A</b></p>{given_html(c['a'])}<p><b>B</b></p>{given_html(c['b'])}</details>"
        )
        rows.append(
            [
                c["id"],
                c["split"],
                c["type"],
                text_div(c["question"], "question"),
                Markup(f"<span class='{_OUTCOME_CLASS[c['outcome']]}'>{c['outcome']}</span>"),
                Markup("<ul>" + "".join(_change_html(x) for x in c["changes"]) + "</ul>"),
                text_div(expected_text(c["b"]), "expected"),
                Markup(answers),
            ]
        )
    body += [
        f"<h2>Questions that changed ({len(changed)})</h2>",
        html_table(
            ["id", "split", "type", "question", "outcome", "changes", "expected answer", ""],
            rows,
            cls="text changes",
            row_cls="change",
        ),
    ]
    return page("nds-assistant eval: run comparison", body)


_OUTCOME_CLASS = {"win": "good", "loss": "bad", "mixed": ""}


def write_compare_html(run_a: str | Path, run_b: str | Path, out: str | Path) -> Path:
    """``compare_html`` of two run folders, written to ``out``."""
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    page = compare_html(load_run(run_a), load_run(run_b), str(run_a), str(run_b))
    p.write_text(page, encoding="utf-8")
    return p
