"""``nds-assistant eval``: run the golden set, compare or report stored runs, fit the answer model.

    nds-assistant eval [run] [--golden PATH] [--answerer extractive|llm] [--out evals/runs/NAME]
                       [--baselines] [--limit N] [--compare-to RUN] [--index DIR] [--judge]
                       [--csv FILE] [--split tune|test] [--check-floor [FILE]]
    nds-assistant eval compare RUN_A RUN_B [--html OUT] [--fail-on-worse]
    nds-assistant eval export-csv RUN --out FILE   (one row per question, for a spreadsheet)
    nds-assistant eval report RUN                  (render report.md/.html of a stored run again)
    nds-assistant eval fit [--out FILE]   (the answer model, on the tune split)

The group is loaded by name from ``assistant.cli`` (so ``assistant`` never imports ``evals``);
``main`` runs it alone and takes the arguments after ``eval`` (a leading ``eval`` is accepted
too). The settings flags (``--index`` ...) reach the commands as one ``Settings`` object.
Exit codes: 0 ok; 1 the floor (``--check-floor``) was missed or ``compare`` found regressions
with ``--fail-on-worse``; 2 usage or index errors.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from assistant.clikit import CONTEXT, DefaultGroup, pass_settings, run, settings_options
from index.runtime import configure

if TYPE_CHECKING:
    from index.settings import Settings

PATH = click.Path(path_type=Path)
# Options that several eval commands take, declared once.
GOLDEN_OPTION = click.option(
    "--golden", type=PATH, help="golden JSONL (default: evals/golden.jsonl)"
)


class _Usage(Exception):
    """A bad argument, reported as ``error: ...`` with exit code 2."""


def _load(path: Path) -> dict[str, Any]:
    """A stored run, or :class:`_Usage` with a message that says what is wrong."""
    from evals.records import load_run

    try:
        return load_run(path)
    except FileNotFoundError:
        raise _Usage(f"no run at {path} (expected a run folder with metrics.json)") from None
    except (OSError, ValueError, KeyError) as exc:
        raise _Usage(f"cannot read run {path}: {exc}") from None


@click.group(
    "eval",
    cls=DefaultGroup,
    default="run",
    context_settings=CONTEXT,
    short_help="run the evaluation (`eval` alone: `eval run`)",
    help="Score the assistant on the golden questions (see evals/README.md). Without a "
    "command, `eval [OPTIONS]` is `eval run [OPTIONS]` (`eval run --help` lists them).",
)
@settings_options
def eval_group() -> None:
    """The ``eval`` group."""


@eval_group.command(
    "run",
    short_help="score the assistant on the golden questions",
    help="Score the assistant on the golden questions (see evals/README.md). Use "
    "`nds-assistant eval compare RUN_A RUN_B` to compare two runs.",
)
@GOLDEN_OPTION
@click.option("--answerer", type=click.Choice(["extractive", "llm"]), help="override NDS_ANSWERER")
@click.option("--out", type=PATH, help="run folder (default: evals/runs/<date-time>)")
@click.option("--limit", type=int, help="only the first N questions")
@click.option("--baselines", is_flag=True, help="also score retrieval baselines")
@click.option("--compare-to", type=PATH, help="previous run folder for deltas and plot")
@click.option("--judge", is_flag=True, help="LLM-judged metrics (needs an LLM)")
@click.option(
    "--check-floor",
    is_flag=False,
    flag_value="evals/floor.json",
    default=None,
    metavar="[FILE]",
    help="exit 1 when a metric misses the floor (default file: evals/floor.json)",
)
@click.option("--no-progress", is_flag=True, help="no progress bar")
@click.option(
    "--split",
    type=click.Choice(["tune", "test"]),
    help="only one part of evals/split.json (develop on tune; read test for whole methods)",
)
@click.option("--csv", type=PATH, metavar="FILE", help="also write one row per question as CSV")
@settings_options
@pass_settings
def run_command(
    settings: Settings,
    golden: Path | None,
    answerer: str | None,
    out: Path | None,
    limit: int | None,
    baselines: bool,
    compare_to: Path | None,
    judge: bool,
    check_floor: str | None,
    no_progress: bool,
    split: str | None,
    csv: Path | None,
) -> int:
    from assistant import NDSError
    from evals.gate import check_floor as floor_failures
    from evals.gate import load_floor
    from evals.golden import ROOT
    from evals.records import split_groups
    from evals.report import SUMMARY_METRICS, fmt, headline, write_csv
    from evals.report import format_baselines as format_table
    from evals.runner import run_eval

    out = out or ROOT / "evals" / "runs" / datetime.now().strftime("%Y%m%d-%H%M%S")
    if compare_to:
        try:  # before the run, not after it
            _load(compare_to)
        except _Usage as exc:
            print(f"error: --compare-to: {exc}", file=sys.stderr)
            return 2
    try:
        result = run_eval(
            golden,
            settings=settings,
            answerer=answerer,
            out_dir=out,
            limit=limit,
            progress=not no_progress,
            baselines=baselines,
            compare_to=compare_to,
            judge=judge,
            only_split=split,
        )
    except NDSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    overall = result.metrics["overall"]
    print(f"{overall['n']} questions ({overall['n_answerable']} answerable)")
    # The headline first: the two refusal errors apart, per split (test first).
    names, rows = headline(result)
    width = max(17, *(len(c) + 2 for row in rows for c in row[1:]))
    print(f"  {'':<34}" + "".join(f"{k:>{width}}" for k in names))
    for row in rows:
        print(f"  {row[0]:<34}" + "".join(f"{c:>{width}}" for c in row[1:]))
    print()
    groups = split_groups(result.metrics)  # test first: the held-out figures
    print(f"  {'':<22}" + "".join(f"{k:>8}" for k in groups))
    print(f"  {'n':<22}" + "".join(f"{g['n']:>8}" for g in groups.values()))
    for name in SUMMARY_METRICS:
        print(f"  {name:<22}" + "".join(f"{fmt(g.get(name)):>8}" for g in groups.values()))
    if result.baselines:
        print()
        print(format_table(result.baselines))
    print(f"\n{len(result.failures)} failing question(s); reports in {out}/ (report.html)")
    if csv:
        write_csv(result.questions, csv)
        print(f"wrote {csv}")
    if compare_to:
        from evals.compare import compare_runs
        from evals.records import load_run
        from evals.report import format_comparison

        print()
        cmp = compare_runs(load_run(compare_to), result.to_dict())
        print(format_comparison(cmp, str(compare_to), f"{out} (this run)"))
    if check_floor:
        failures = floor_failures(result.metrics, load_floor(check_floor))
        if failures:
            print("\nBelow the floor:\n  " + "\n  ".join(failures), file=sys.stderr)
            return 1
        print("\nAll metrics meet the floor.")
    return 0


@eval_group.command(
    "compare",
    short_help="per-question wins and losses between two runs",
    help="Metric deltas from RUN_A to RUN_B and the questions that got worse.",
)
@click.argument("run_a", type=PATH)
@click.argument("run_b", type=PATH)
@click.option("--fail-on-worse", is_flag=True, help="exit 1 if any question got worse")
@click.option(
    "--html",
    type=PATH,
    metavar="OUT",
    help="also write an HTML page: metric deltas per split, per-question wins and losses",
)
def compare_command(run_a: Path, run_b: Path, fail_on_worse: bool, html: Path | None) -> int:
    from evals.compare import compare_runs
    from evals.report import compare_html, format_comparison

    try:
        a, b = _load(run_a), _load(run_b)
        cmp = compare_runs(a, b)
    except (_Usage, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_comparison(cmp, str(run_a), str(run_b)))
    if html:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(compare_html(a, b, str(run_a), str(run_b)), encoding="utf-8")
        print(f"\nwrote {html}")
    return 1 if fail_on_worse and cmp["worse"] else 0


@eval_group.command(
    "export-csv",
    short_help="one row per question of a stored run as CSV",
    help="One row per question of a stored run as CSV (UTF-8 with BOM, for Excel).",
)
@click.argument("run_dir", metavar="RUN", type=PATH)
@click.option("--out", type=PATH, required=True, metavar="FILE", help="CSV file to write")
def export_csv_command(run_dir: Path, out: Path) -> int:
    from evals.report import write_csv

    try:
        stored = _load(run_dir)
    except _Usage as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_csv(stored.get("questions", []), out)
    print(f"wrote {out} ({len(stored.get('questions', []))} questions)")
    return 0


@eval_group.command(
    "report",
    short_help="render the reports of a stored run again",
    help="Render report.md and report.html of a stored run again (from metrics.json).",
)
@click.argument("run_dir", metavar="RUN", type=PATH)
@click.option("--out", type=PATH, help="folder to write to (default: the run folder)")
def report_command(run_dir: Path, out: Path | None) -> int:
    from evals.records import EvalResult
    from evals.report import render_reports

    try:
        stored = _load(run_dir)
        result = EvalResult.from_dict(stored)
        out = out or (run_dir if run_dir.is_dir() else run_dir.parent)
        out.mkdir(parents=True, exist_ok=True)
        render_reports(result, out)
    except (_Usage, KeyError) as exc:
        print(f"error: {exc if isinstance(exc, _Usage) else f'run lacks {exc}'}", file=sys.stderr)
        return 2
    print(f"wrote {out / 'report.md'} and {out / 'report.html'}")
    return 0


@eval_group.command(
    "fit",
    short_help="refit the answer model on the tune split",
    help="Fit the answer model on the tune split (cross-validated by question) and write it "
    "(default: the package's assistant/answer_model.json).",
)
@GOLDEN_OPTION
@click.option("--split", type=PATH, help="split file (default: evals/split.json)")
@click.option("--out", type=PATH, help="model file to write")
@settings_options
@pass_settings
def fit_command(
    settings: Settings, golden: Path | None, split: Path | None, out: Path | None
) -> int:
    from assistant import Assistant, NDSError
    from assistant.answer_model import MODEL_PATH
    from evals.fit import fit

    try:
        _, cv = fit(
            Assistant(settings=settings),
            golden=golden,
            split=split,
            out=out or MODEL_PATH,
        )
    except (NDSError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out or MODEL_PATH}")
    for key, value in cv.items():
        if key not in ("p_answer", "hard_refusals", "augmented_negatives"):
            print(f"  {key:<34}{value if value is None else round(float(value), 3)}")
    print(f"  {'near-miss negatives':<34}{cv['augmented_negatives']}")
    print(f"  {'hard answer-type refusals':<34}{', '.join(cv['hard_refusals']) or 'none'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``nds-assistant eval`` on its own (tests, ``python -m evals.cli``); returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["eval"]:
        args = args[1:]
    configure()
    return run(eval_group, args, "nds-assistant eval")


if __name__ == "__main__":
    raise SystemExit(main())
