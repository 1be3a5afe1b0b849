"""What a run shows a reader: ``report.md``, ``report.html``, the CSV export and the page that
compares two runs.

The reports show the answers, not only the scores: each failing question with its question,
expected answer, the answer given with its cited quotes, and why it failed; in the HTML every
question has an expandable row with the same plus the retrieved top 5 and its metrics. The
headline keeps the two refusal errors apart ("unanswerable questions answered", "answerable
questions refused"), because one refusal accuracy over all questions hides the first.

Only :mod:`evals.records` is imported, never the runner (which imports this module).
"""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.records import (
    COMPARE_METRICS,
    MAIN_METRICS,
    PER_QUESTION_METRICS,
    SPLITS,
    EvalResult,
    by_split_order,
    compare_runs,
    is_failure,
    load_run,
    records_by_split,
    refusal_counts,
    split_groups,
)

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


# -- markdown ------------------------------------------------------------------------------------


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


# -- CSV -----------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "split",
    "type",
    "language",
    "answerable",
    "refused",
    "confidence",
    "failed",
    "question",
    "reference",
    "answer",
    "cited_sources",
    "cited_quotes",
    *PER_QUESTION_METRICS,
    "refusal_correct",
    "latency",
)
# UTF-8 with a byte order mark: Excel then reads the Dutch diacritics right; Python's csv
# module, pandas and LibreOffice read it with encoding="utf-8-sig".
CSV_ENCODING = "utf-8-sig"


# A text cell starting with one of these is a formula to a spreadsheet; answers quote
# third-party documents, so such a cell gets a leading ' (OWASP's advice on CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    if isinstance(value, bool):
        return int(value)  # 1/0: a spreadsheet can sum and average them
    if isinstance(value, float):
        return round(value, 4)
    return value


def csv_rows(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per question (test first), the columns of :data:`CSV_COLUMNS`."""
    rows = []
    for r in by_split_order(records):
        cites = r.get("citations") or []
        row: dict[str, Any] = {
            "id": r["id"],
            "split": r.get("split", ""),
            "type": r.get("type", ""),
            "language": r.get("language", ""),
            "answerable": r["answerable"],
            "refused": r["refused"],
            "confidence": r.get("confidence"),
            "failed": "; ".join(is_failure(r)),
            "question": r["question"],
            "reference": r.get("reference", ""),
            "answer": r.get("answer", ""),
            "cited_sources": "; ".join(
                f"[{n}] {c['source_id']}" for n, c in enumerate(cites, start=1)
            ),
            "cited_quotes": "\n".join(citation_lines(r)),
            "latency": r.get("latency"),
        }
        for name in (*PER_QUESTION_METRICS, "refusal_correct"):
            row[name] = r.get("metrics", {}).get(name)
        rows.append({k: _cell(row.get(k)) for k in CSV_COLUMNS})
    return rows


def write_csv(records: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """The questions as CSV (comma-separated, ``.`` decimals, UTF-8 with BOM)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding=CSV_ENCODING, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(csv_rows(records))
    return p


# -- plots ---------------------------------------------------------------------------------------


def reliability(records: Sequence[dict[str, Any]], bins: int = 5) -> list[dict[str, float | int]]:
    """Calibration of the refusal probability: per bin of predicted P(answerable), the mean
    prediction, the share of questions that really are answerable, and how many there are.

    >>> rs = [{"confidence": p, "answerable": a} for p, a in [(0.1, False), (0.9, True)]]
    >>> [(b["predicted"], b["observed"], b["n"]) for b in reliability(rs, bins=2)]
    [(0.1, 0.0, 1), (0.9, 1.0, 1)]
    """
    out = []
    scored = [r for r in records if r.get("confidence") is not None]
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [
            r
            for r in scored
            if lo <= r["confidence"] < hi or (b == bins - 1 and r["confidence"] == 1.0)
        ]
        if inside:
            out.append(
                {
                    "predicted": sum(r["confidence"] for r in inside) / len(inside),
                    "observed": sum(bool(r["answerable"]) for r in inside) / len(inside),
                    "n": len(inside),
                }
            )
    return out


def _png(fig: Any) -> str:
    import base64
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def plots(result: EvalResult, previous: dict[str, Any] | None = None) -> dict[str, str]:
    """Base64 PNGs: metrics per type, latency histogram, and this run vs a previous one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, str] = {}
    shown = ("recall@5", "citation_precision", "token_f1", "refusal_accuracy")
    types = list(result.metrics["by_type"])
    fig, ax = plt.subplots(figsize=(10, 4))
    width = 0.8 / len(shown)
    for i, name in enumerate(shown):
        vals = [result.metrics["by_type"][t].get(name) or 0.0 for t in types]
        ax.bar([x + i * width for x in range(len(types))], vals, width, label=name)
    ax.set_xticks([x + width * (len(shown) - 1) / 2 for x in range(len(types))], types)
    ax.set_ylim(0, 1.05)
    ax.set_title("Metrics per question type")
    ax.legend(fontsize=8, ncols=len(shown))
    out["Metrics per question type"] = _png(fig)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist([r["latency"] for r in result.questions], bins=20, color="#4c72b0")
    ax.set_xlabel("seconds per ask")
    ax.set_ylabel("questions")
    ax.set_title("Latency")
    out["Latency histogram"] = _png(fig)

    test = [r for r in result.questions if r.get("split") == "test"] or result.questions
    bins = reliability(test)
    if bins:
        fig, ax = plt.subplots(figsize=(5, 4.5))
        ax.plot([0, 1], [0, 1], "--", color="#999", label="perfectly calibrated")
        ax.plot(
            [b["predicted"] for b in bins],
            [b["observed"] for b in bins],
            "o-",
            label="answer model",
        )
        for b in bins:
            ax.annotate(
                f"n={b['n']}",
                (b["predicted"], b["observed"]),
                fontsize=8,
                textcoords="offset points",
                xytext=(4, -10),
            )
        ax.set_xlabel("predicted P(the sources answer the question)")
        ax.set_ylabel("share of questions that are answerable")
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(
            "Refusal probability: reliability on "
            + ("test" if test is not result.questions else "all")
        )
        ax.legend(fontsize=8, loc="upper left")
        out["Calibration of the refusal probability"] = _png(fig)

    if previous is not None:
        names = [n for n, _ in MAIN_METRICS if not n.startswith("latency")]
        before = [previous["metrics"]["overall"].get(n) or 0.0 for n in names]
        now = [result.metrics["overall"].get(n) or 0.0 for n in names]
        fig, ax = plt.subplots(figsize=(10, 4))
        xs = range(len(names))
        ax.bar([x - 0.2 for x in xs], before, 0.4, label="previous")
        ax.bar([x + 0.2 for x in xs], now, 0.4, label="this run")
        ax.set_xticks(list(xs), names, rotation=35, ha="right")
        ax.set_ylim(0, 1.05)
        ax.legend()
        ax.set_title("This run vs previous")
        out["Run vs run"] = _png(fig)
    return out


# -- HTML ----------------------------------------------------------------------------------------


class Markup(str):
    """A table cell that is HTML already (built here from escaped parts): not escaped again."""


def _esc(value: Any) -> str:
    return html.escape(fmt(value))


def _html_table(
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


def _page(title: str, body: Sequence[str], script: str = "") -> str:
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


def _text(value: str, cls: str) -> Markup:
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
            _text(r["question"], "question"),
            expected_html(r),
            given_html(r),
            _text("; ".join(why), "why bad"),
        ]
        for r, why in failing(records)
    ]
    return _html_table(FAILURE_HEADERS, rows, cls="text failures", row_cls="failure")


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
    fields = [("Question", "question", _text(record["question"], "question"))]
    if record.get("history"):
        turns = "\n".join(f"{t['role']}: {t['content']}" for t in record["history"])
        fields.append(("Conversation before", "history", _text(turns, "answer")))
    fields.append(("Expected answer", "expected", _text(expected_text(record), "expected")))
    if record.get("evidence"):
        ev = "".join(
            f"<li><code>{html.escape(e['source'])}</code>: "
            f"<span class='quote'>“{html.escape(one_line(e['quote']))}”</span></li>"
            for e in record["evidence"]
        )
        fields.append(("Expected evidence", "evidence", Markup(f"<ul class='cites'>{ev}</ul>")))
    fields.append(("Answer given", "given", given_html(record)))
    fields.append(
        ("Why it failed" if why else "Result", "why", _text("; ".join(why) or "ok", "why"))
    )
    conf = record.get("confidence")
    fields.append(
        (
            "Confidence",
            "confidence",
            _text("–" if conf is None else f"{conf:.3f} (P(the sources answer))", "confidence"),
        )
    )
    dl = "".join(
        f"<dt>{html.escape(label)}</dt><dd class='{cls}'>{value}</dd>"
        for label, cls, value in fields
    )
    retrieved = _html_table(
        ["rank", "chunk", "score", "holds evidence"],
        [
            [x["rank"], x["chunk_id"], x.get("score"), bool(x.get("relevant"))]
            for x in record.get("retrieved", [])[:5]
        ],
        cls="text",
    )
    mm = record.get("metrics", {})
    names = [n for n in (*PER_QUESTION_METRICS, "refusal_correct") if mm.get(n) is not None]
    metrics = _html_table([*names, "latency"], [[*(mm[n] for n in names), record.get("latency")]])
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
        _html_table(["", *names], head_rows, cls="headline"),
        f"<p><a href='#failures'>Failing questions ({len(fails)})</a> · "
        f"<a href='#questions'>every question ({len(result.questions)})</a></p>",
        "<h2>Test and tune</h2>",
        _html_table(["", *TABLE_METRICS], metrics_rows(split_groups(mt))),
        "<h2>By question type</h2>",
        _html_table(["type", *TABLE_METRICS], metrics_rows(mt["by_type"])),
        "<h2>By language</h2>",
        _html_table(["language", *TABLE_METRICS], metrics_rows(mt["by_language"])),
    ]
    if result.baselines:
        body += [
            "<h2>Retrieval baselines</h2>",
            _html_table(
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
            _html_table(
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
    return _page("nds-assistant eval", body, SCRIPT)


# -- comparing two runs --------------------------------------------------------------------------


def format_comparison(cmp: dict[str, Any], name_a: str = "A", name_b: str = "B") -> str:
    lines = [
        f"A = {name_a}",
        f"B = {name_b}",
        "",
        f"{'metric':<22}{'A':>10}{'B':>10}{'B - A':>10}",
    ]
    for d in cmp["deltas"]:
        fa = "-" if d["a"] is None else f"{d['a']:.3f}"
        fb = "-" if d["b"] is None else f"{d['b']:.3f}"
        fd = "-" if d["delta"] is None else f"{d['delta']:+.3f}"
        mark = {True: " +", False: " !", None: ""}[d["better"]]
        lines.append(f"{d['metric']:<22}{fa:>10}{fb:>10}{fd:>10}{mark}")
    lines.append("")
    lines.append(f"{len(cmp.get('better', []))} question(s) got better from A to B.")
    lines.append(f"{len(cmp['worse'])} question(s) got worse from A to B:")
    for w in cmp["worse"]:
        lines.append(f"  {w['id']}: {w['question'][:80]}")
        lines.append(f"      {'; '.join(w['changes'])}")
    return "\n".join(lines)


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
        _html_table(
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
            _html_table(
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
                _text(c["question"], "question"),
                Markup(f"<span class='{_OUTCOME_CLASS[c['outcome']]}'>{c['outcome']}</span>"),
                Markup("<ul>" + "".join(_change_html(x) for x in c["changes"]) + "</ul>"),
                _text(expected_text(c["b"]), "expected"),
                Markup(answers),
            ]
        )
    body += [
        f"<h2>Questions that changed ({len(changed)})</h2>",
        _html_table(
            ["id", "split", "type", "question", "outcome", "changes", "expected answer", ""],
            rows,
            cls="text changes",
            row_cls="change",
        ),
    ]
    return _page("nds-assistant eval: run comparison", body)


_OUTCOME_CLASS = {"win": "good", "loss": "bad", "mixed": ""}


def write_compare_html(run_a: str | Path, run_b: str | Path, out: str | Path) -> Path:
    """``compare_html`` of two run folders, written to ``out``."""
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    page = compare_html(load_run(run_a), load_run(run_b), str(run_a), str(run_b))
    p.write_text(page, encoding="utf-8")
    return p


# -- a run folder --------------------------------------------------------------------------------


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
