"""``report.html``: self-contained (plots embedded as base64 PNGs), with the failing questions
and every question as an expandable row; and the HTML building blocks the compare page shares.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from evals.plots import plots
from evals.records import EvalResult, by_split_order, split_groups
from evals.report.content import (
    BASELINE_COLUMNS,
    FAILURE_HEADERS,
    TABLE_METRICS,
    expected_text,
    failing,
    fmt,
    headline,
    metrics_rows,
    one_line,
)
from evals.scoring import PER_QUESTION_METRICS, is_failure


class Markup(str):
    """A table cell that is HTML already (built here from escaped parts): not escaped again."""


def _esc(value: Any) -> str:
    return html.escape(fmt(value))


def html_table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], cls: str = "", row_cls: str = ""
) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        f"<tr class='{row_cls}'>"
        + "".join(f"<td>{v if isinstance(v, Markup) else _esc(v)}</td>" for v in row)
        + "</tr>"
        for row in rows
    )
    attr = f" class='{cls}'" if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body{font-family:sans-serif;margin:2em;max-width:1300px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:right;vertical-align:top}
td:first-child,th:first-child{text-align:left}
table.text td,table.text th{text-align:left}
table.text td{max-width:30em}
.answer,.quote{white-space:pre-wrap}
ul.cites{margin:.3em 0 0;padding-left:1.2em;font-size:12px;color:#333}
ul.cites li{margin:.15em 0}
.good{color:#1a7f37}.bad{color:#b42318}
.tag{font-size:11px;border:1px solid #b42318;border-radius:3px;padding:0 3px;color:#b42318}
details.q{border:1px solid #ddd;border-radius:4px;margin:.3em 0;padding:.2em .5em}
details.q[open]{background:#fafafa}
details.q summary{cursor:pointer}
details.q dl{display:grid;grid-template-columns:11em 1fr;gap:.3em 1em;font-size:14px}
details.q dt{font-weight:bold}details.q dd{margin:0}
img{max-width:100%}
.splits{display:flex;flex-wrap:wrap;gap:0 2em}
"""
SCRIPT = """
const filter=document.getElementById('filter'), only=document.getElementById('only-failed');
function apply(){
  const t=filter.value.trim().toLowerCase();
  let shown=0;
  for(const d of document.querySelectorAll('details.q')){
    const ok=(!only.checked||d.dataset.failed==='1')&&(!t||d.textContent.toLowerCase().includes(t));
    d.hidden=!ok; if(ok) shown++;
  }
  document.getElementById('shown').textContent=shown;
}
function openHash(){
  const d=location.hash&&document.getElementById(location.hash.slice(1));
  if(d&&d.tagName==='DETAILS'){d.hidden=false;d.open=true;d.scrollIntoView();}
}
filter.addEventListener('input',apply); only.addEventListener('change',apply);
window.addEventListener('hashchange',openHash); openHash();
"""


def page(title: str, body: Sequence[str], script: str = "") -> str:
    return "\n".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
            *body,
            f"<script>{script}</script>" if script else "",
            "</body></html>",
        ]
    )


def _anchor(qid: str) -> str:
    return "q-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in qid)


def given_html(record: dict[str, Any]) -> Markup:
    """The answer and, below it, each citation ``[n] source: "quote"`` (✓ when it holds
    evidence of the question)."""
    tag = "<span class='tag'>refused</span> " if record["refused"] else ""
    items = []
    for n, c in enumerate(record.get("citations") or [], start=1):
        mark = (
            " <span class='good' title='holds evidence'>✓</span>" if c.get("holds_evidence") else ""
        )
        items.append(
            f"<li>[{n}] <code>{html.escape(str(c['source_id']))}</code>: "
            f"<span class='quote'>“{html.escape(one_line(c['quote']))}”</span>{mark}</li>"
        )
    cites = f"<ul class='cites'>{''.join(items)}</ul>" if items else ""
    return Markup(
        f"<div class='answer'>{tag}{html.escape(str(record.get('answer') or ''))}</div>{cites}"
    )


def text_div(value: str, cls: str) -> Markup:
    return Markup(f"<div class='{cls}'>{html.escape(value)}</div>")


def expected_html(record: dict[str, Any]) -> Markup:
    """The reference answer and, below it, the documents its evidence is in."""
    sources = sorted({e["source"] for e in record.get("evidence") or []})
    docs = (
        "<ul class='cites'><li>in: "
        + ", ".join(f"<code>{html.escape(s)}</code>" for s in sources)
        + "</li></ul>"
        if sources
        else ""
    )
    return Markup(f"<div class='expected'>{html.escape(expected_text(record))}</div>{docs}")


def failures_html(records: Sequence[dict[str, Any]]) -> str:
    rows = [
        [
            Markup(f"<a href='#{_anchor(r['id'])}'>{html.escape(r['id'])}</a>"),
            r.get("split", ""),
            r.get("type", ""),
            text_div(r["question"], "question"),
            expected_html(r),
            given_html(r),
            text_div("; ".join(why), "why bad"),
        ]
        for r, why in failing(records)
    ]
    return html_table(FAILURE_HEADERS, rows, cls="text failures", row_cls="failure")


def question_details(record: dict[str, Any]) -> str:
    """One question as a ``<details>`` row: question, expected and given answer with quotes,
    why it failed, the retrieved top 5 and the metrics."""
    why = is_failure(record)
    status = "<span class='bad'>failed</span>" if why else "<span class='good'>ok</span>"
    summary = " · ".join(
        [
            f"<code>{html.escape(record['id'])}</code>",
            html.escape(str(record.get("split") or "–")),
            html.escape(str(record.get("type", ""))),
            html.escape(str(record.get("language", ""))),
            status,
            html.escape(record["question"]),
        ]
    )
    fields = [("Question", "question", text_div(record["question"], "question"))]
    if record.get("history"):
        turns = "\n".join(f"{t['role']}: {t['content']}" for t in record["history"])
        fields.append(("Conversation before", "history", text_div(turns, "answer")))
    fields.append(("Expected answer", "expected", text_div(expected_text(record), "expected")))
    if record.get("evidence"):
        ev = "".join(
            f"<li><code>{html.escape(e['source'])}</code>: "
            f"<span class='quote'>“{html.escape(one_line(e['quote']))}”</span></li>"
            for e in record["evidence"]
        )
        fields.append(("Expected evidence", "evidence", Markup(f"<ul class='cites'>{ev}</ul>")))
    fields.append(("Answer given", "given", given_html(record)))
    fields.append(
        ("Why it failed" if why else "Result", "why", text_div("; ".join(why) or "ok", "why"))
    )
    conf = record.get("confidence")
    fields.append(
        (
            "Confidence",
            "confidence",
            text_div("–" if conf is None else f"{conf:.3f} (P(the sources answer))", "confidence"),
        )
    )
    dl = "".join(
        f"<dt>{html.escape(label)}</dt><dd class='{cls}'>{value}</dd>"
        for label, cls, value in fields
    )
    retrieved = html_table(
        ["rank", "chunk", "score", "holds evidence"],
        [
            [x["rank"], x["chunk_id"], x.get("score"), bool(x.get("relevant"))]
            for x in record.get("retrieved", [])[:5]
        ],
        cls="text",
    )
    mm = record.get("metrics", {})
    names = [n for n in (*PER_QUESTION_METRICS, "refusal_correct") if mm.get(n) is not None]
    metrics = html_table([*names, "latency"], [[*(mm[n] for n in names), record.get("latency")]])
    return (
        f"<details class='q' id='{_anchor(record['id'])}' data-split='"
        f"{html.escape(str(record.get('split', '')))}' data-failed='{int(bool(why))}'>"
        f"<summary>{summary}</summary><dl>{dl}</dl>"
        f"<h4>Retrieved top 5</h4>{retrieved}<h4>Metrics</h4>{metrics}</details>"
    )


def report_html(
    result: EvalResult,
    previous: dict[str, Any] | None = None,
    comparison: dict[str, Any] | None = None,
) -> str:
    """A self-contained HTML report: headline, tables, base64-embedded PNG plots, the failing
    questions with their answers, and every question as an expandable row."""
    mt, meta = result.metrics, result.meta
    names, head_rows = headline(result)
    fails = failing(result.questions)
    body = [
        "<h1>Evaluation report</h1>",
        f"<p>{html.escape(str(meta.get('timestamp')))} · commit "
        f"{html.escape(str(meta.get('git_commit')))} · {mt['overall']['n']} questions · "
        f"answerer {html.escape(str(meta.get('answerer')))} · {meta.get('seconds')} s</p>",
        "<h2>Headline</h2>",
        "<p>Test: held-out questions nothing was tuned on (evals/split.json); tune: the rest. "
        "The two refusal errors are counted apart.</p>",
        html_table(["", *names], head_rows, cls="headline"),
        f"<p><a href='#failures'>Failing questions ({len(fails)})</a> · "
        f"<a href='#questions'>every question ({len(result.questions)})</a></p>",
        "<h2>Test and tune</h2>",
        html_table(["", *TABLE_METRICS], metrics_rows(split_groups(mt))),
        "<h2>By question type</h2>",
        html_table(["type", *TABLE_METRICS], metrics_rows(mt["by_type"])),
        "<h2>By language</h2>",
        html_table(["language", *TABLE_METRICS], metrics_rows(mt["by_language"])),
    ]
    if result.baselines:
        body += [
            "<h2>Retrieval baselines</h2>",
            html_table(
                ["system", "n", *BASELINE_COLUMNS, "note"],
                [
                    [
                        r["system"],
                        r.get("n"),
                        *(r.get(c) for c in BASELINE_COLUMNS),
                        r.get("note", ""),
                    ]
                    for r in result.baselines
                ],
            ),
        ]
    if comparison is not None:
        body += [
            "<h2>Compared with the previous run</h2>",
            html_table(
                ["metric", "previous", "this run", "delta"],
                [[d["metric"], d["a"], d["b"], d["delta"]] for d in comparison["deltas"]],
            ),
            f"<p>{len(comparison['worse'])} question(s) got worse: "
            + html.escape(", ".join(w["id"] for w in comparison["worse"]))
            + "</p>",
        ]
    for title, data in plots(result, previous).items():
        body.append(
            f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' "
            f"src='data:image/png;base64,{data}'>"
        )
    body += [
        f"<h2 id='failures'>Failing questions ({len(fails)})</h2>",
        failures_html(result.questions),
        f"<h2 id='questions'>Every question ({len(result.questions)})</h2>",
        "<p><label>Filter <input id='filter' type='search' placeholder='id, words, type…'>"
        "</label> <label><input id='only-failed' type='checkbox'> failing only</label> · "
        f"<span id='shown'>{len(result.questions)}</span> shown</p>",
        *(question_details(r) for r in by_split_order(result.questions)),
    ]
    return page("nds-assistant eval", body, SCRIPT)
