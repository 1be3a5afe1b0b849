"""The eval report and the compare page in a real Chromium (Playwright, file:// URLs), built
from a small synthetic run (tests/eval_runs.py) with one failing question.

Needs Debian's ``chromium`` at /usr/bin/chromium: without it the tests skip locally and fail
when ``CI`` is set. Screenshots go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evals.cli import main
from evals.records import load_run
from evals.report import write_reports
from tests.browser_support import ARTIFACTS
from tests.eval_runs import (
    FAILING_ANSWER,
    FAILING_ID,
    FAILING_QUESTION,
    FAILING_QUOTE,
    FAILING_REFERENCE,
    second_run,
    synthetic_result,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors
    try:
        yield pg
    finally:
        context.close()


def test_report_shows_the_failing_question_and_expands_every_question(
    page: Any, tmp_path: Path
) -> None:
    write_reports(synthetic_result(), tmp_path / "run")
    page.goto((tmp_path / "run" / "report.html").as_uri())

    head = page.locator("table.headline tr", has_text="unanswerable questions answered")
    assert head.locator("td").all_inner_texts()[1:] == ["0 of 1 (0%)", "–", "0 of 1 (0%)"]
    refused = page.locator("table.headline tr", has_text="answerable questions refused")
    assert refused.locator("td").all_inner_texts()[1:] == [
        "0 of 1 (0%)",
        "0 of 2 (0%)",
        "0 of 3 (0%)",
    ]

    rows = page.locator("table.failures tr.failure")
    assert rows.count() == 1
    cells = rows.first.locator("td")
    assert cells.nth(0).inner_text() == FAILING_ID
    assert cells.nth(1).inner_text() == "tune"
    assert cells.nth(3).inner_text() == FAILING_QUESTION  # "<b>" shown as text, not bold
    assert cells.nth(4).locator(".expected").inner_text() == FAILING_REFERENCE
    given = cells.nth(5)
    assert given.locator(".answer").inner_text() == FAILING_ANSWER
    assert given.locator("ul.cites li").all_inner_texts() == [f"[1] vng-positie: “{FAILING_QUOTE}”"]
    assert "no citation holds evidence" in cells.nth(6).inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("table.failures").screenshot(path=str(ARTIFACTS / "eval-report-failures.png"))

    # Every question has a closed <details>; opening one shows its fields and top 5.
    details = page.locator("details.q")
    assert details.count() == 4
    ok = page.locator("details#q-n001")
    assert ok.get_attribute("open") is None
    assert not ok.locator("dd.question").is_visible()
    ok.locator("summary").click()
    assert ok.get_attribute("open") is not None
    assert ok.locator("dd.question").inner_text() == "Hoeveel prioriteiten heeft de NDS?"
    assert ok.locator("dd.expected").inner_text() == "Zes."
    assert ok.locator("h4", has_text="Retrieved top 5").is_visible()
    assert ok.locator("table").first.locator("tbody tr").count() == 2

    # The failing row's id links to its details and opens it.
    page.locator(f"table.failures a[href='#q-{FAILING_ID}']").click()
    failing = page.locator(f"details#q-{FAILING_ID}")
    failing.locator("dd.why").wait_for(state="visible")
    assert "no evidence in the top 10" in failing.locator("dd.why").inner_text()

    # "failing only" leaves the one failing question.
    page.locator("#only-failed").check()
    assert page.locator("#shown").inner_text() == "1"
    assert [d.get_attribute("id") for d in details.all() if d.is_visible()] == ["q-g001"]
    page.locator("#only-failed").uncheck()
    page.locator("#filter").fill("how many")
    assert page.locator("#shown").inner_text() == "1"
    assert page.js_errors == []


def test_compare_page_shows_wins_losses_and_deltas_per_split(page: Any, tmp_path: Path) -> None:
    write_reports(synthetic_result(), tmp_path / "a")
    (tmp_path / "b").mkdir()
    b = second_run(load_run(tmp_path / "a"))
    (tmp_path / "b" / "metrics.json").write_text(json.dumps(b), encoding="utf-8")
    out = tmp_path / "compare.html"
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--html", str(out)]) == 0
    page.goto(out.as_uri())

    assert page.locator("h3").all_inner_texts() == ["test", "tune", "all"]
    outcomes = page.locator("table.outcomes tbody tr").last.locator("td").all_inner_texts()
    assert outcomes == ["all", "1", "0", "1"]  # losses, mixed, wins
    rows = page.locator("table.changes tr.change")
    assert rows.count() == 2
    loss = rows.filter(has_text="n001")
    assert loss.locator("td").nth(4).inner_text() == "loss"
    assert "refusal: now refuses" in loss.locator("td").nth(5).inner_text()
    win = rows.filter(has_text=FAILING_ID)
    assert win.locator("td").nth(4).inner_text() == "win"
    answers = win.locator("details")
    assert not answers.locator(".answer").first.is_visible()
    answers.locator("summary").click()
    assert answers.locator(".answer").first.inner_text() == FAILING_ANSWER
    delta = page.locator("table.deltas-test tr", has_text="false_refusal_rate")
    assert delta.locator("td").nth(3).inner_text() == "+1.000"
    assert delta.locator("td span.bad").count() == 1  # a higher false refusal rate is worse
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "eval-compare.png"), full_page=True)
    assert page.js_errors == []
