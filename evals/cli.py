"""``nds-assistant eval``: run the golden set, or compare two runs.

    nds-assistant eval [--golden PATH] [--answerer extractive|llm] [--out evals/runs/NAME]
                       [--baselines] [--limit N] [--compare-to RUN] [--index DIR] [--judge]
                       [--csv FILE] [--split tune|test]
    nds-assistant eval compare RUN_A RUN_B [--html OUT] [--fail-on-worse]
    nds-assistant eval export-csv RUN --out FILE   (one row per question, for a spreadsheet)
    nds-assistant eval report RUN                  (render report.md/.html of a stored run again)
    nds-assistant eval fit [--out FILE]   (the answer model, on the tune split)

``main`` takes the arguments after ``eval`` (a leading ``eval`` is accepted too).
Exit codes: 0 ok; 1 the floor (``--check-floor``) was missed or ``compare`` found regressions
with ``--fail-on-worse``; 2 usage or index errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any


def _run_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nds-assistant eval",
        description="Score the assistant on the golden questions (see evals/README.md). "
        "Use `nds-assistant eval compare RUN_A RUN_B` to compare two runs.",
    )
    p.add_argument("--golden", type=Path, help="golden JSONL (default: evals/golden.jsonl)")
    p.add_argument("--answerer", choices=("extractive", "llm"), help="override NDS_ANSWERER")
    p.add_argument(
        "--out", type=Path, help="run folder (default: evals/runs/<date-time>)", default=None
    )
    p.add_argument("--index", type=Path, help="index folder (default: settings / NDS_INDEX_DIR)")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--baselines", action="store_true", help="also score retrieval baselines")
    p.add_argument("--compare-to", type=Path, help="previous run folder for deltas and plot")
    p.add_argument("--judge", action="store_true", help="LLM-judged metrics (needs an LLM)")
    p.add_argument(
        "--check-floor",
        nargs="?",
        const="evals/floor.json",
        help="exit 1 when a metric misses the floor (default file: evals/floor.json)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--split",
        choices=("tune", "test"),
        help="only one part of evals/split.json (develop on tune; read test for whole methods)",
    )
    p.add_argument(
        "--csv", type=Path, metavar="FILE", help="also write one row per question as CSV"
    )
    return p


def _compare_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nds-assistant eval compare",
        description="Metric deltas from RUN_A to RUN_B and the questions that got worse.",
    )
    p.add_argument("run_a", type=Path)
    p.add_argument("run_b", type=Path)
    p.add_argument("--fail-on-worse", action="store_true", help="exit 1 if any question got worse")
    p.add_argument(
        "--html",
        type=Path,
        metavar="OUT",
        help="also write an HTML page: metric deltas per split, per-question wins and losses",
    )
    return p


def _load(path: Path) -> dict[str, Any]:
    """A stored run, or :class:`_Usage` with a message that says what is wrong."""
    from evals.records import load_run

    try:
        return load_run(path)
    except FileNotFoundError:
        raise _Usage(f"no run at {path} (expected a run folder with metrics.json)") from None
    except (OSError, ValueError, KeyError) as exc:
        raise _Usage(f"cannot read run {path}: {exc}") from None


class _Usage(Exception):
    """A bad argument, reported as ``error: ...`` with exit code 2."""


def compare_main(argv: Sequence[str]) -> int:
    from evals.compare import compare_runs
    from evals.report import compare_html, format_comparison

    args = _compare_parser().parse_args(list(argv))
    try:
        a, b = _load(args.run_a), _load(args.run_b)
        cmp = compare_runs(a, b)
    except (_Usage, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_comparison(cmp, str(args.run_a), str(args.run_b)))
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(compare_html(a, b, str(args.run_a), str(args.run_b)), encoding="utf-8")
        print(f"\nwrote {args.html}")
    return 1 if args.fail_on_worse and cmp["worse"] else 0


def export_csv_main(argv: Sequence[str]) -> int:
    from evals.report import write_csv

    p = argparse.ArgumentParser(
        prog="nds-assistant eval export-csv",
        description="One row per question of a stored run as CSV (UTF-8 with BOM, for Excel).",
    )
    p.add_argument("run", type=Path, help="run folder (or its metrics.json)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="CSV file to write")
    args = p.parse_args(list(argv))
    try:
        run = _load(args.run)
    except _Usage as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_csv(run.get("questions", []), args.out)
    print(f"wrote {args.out} ({len(run.get('questions', []))} questions)")
    return 0


def report_main(argv: Sequence[str]) -> int:
    from evals.records import EvalResult
    from evals.report import render_reports

    p = argparse.ArgumentParser(
        prog="nds-assistant eval report",
        description="Render report.md and report.html of a stored run again (from metrics.json).",
    )
    p.add_argument("run", type=Path, help="run folder")
    p.add_argument("--out", type=Path, help="folder to write to (default: the run folder)")
    args = p.parse_args(list(argv))
    try:
        run = _load(args.run)
        result = EvalResult.from_dict(run)
        out = args.out or (args.run if args.run.is_dir() else args.run.parent)
        out.mkdir(parents=True, exist_ok=True)
        render_reports(result, out)
    except (_Usage, KeyError) as exc:
        print(f"error: {exc if isinstance(exc, _Usage) else f'run lacks {exc}'}", file=sys.stderr)
        return 2
    print(f"wrote {out / 'report.md'} and {out / 'report.html'}")
    return 0


def _fit_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nds-assistant eval fit",
        description="Fit the answer model on the tune split (cross-validated by question) and "
        "write it (default: the package's assistant/answer_model.json).",
    )
    p.add_argument("--golden", type=Path, help="golden JSONL (default: evals/golden.jsonl)")
    p.add_argument("--split", type=Path, help="split file (default: evals/split.json)")
    p.add_argument("--out", type=Path, help="model file to write")
    p.add_argument("--index", type=Path, help="index folder (default: settings / NDS_INDEX_DIR)")
    return p


def fit_main(argv: Sequence[str]) -> int:
    args = _fit_parser().parse_args(list(argv))
    from assistant import Assistant, NDSError, Settings
    from assistant.answer_model import MODEL_PATH
    from evals.fit import fit

    try:
        settings = Settings()
        if args.index:
            settings = settings.with_overrides(index_dir=args.index)
        _, cv = fit(
            Assistant(settings=settings),
            golden=args.golden,
            split=args.split,
            out=args.out or MODEL_PATH,
        )
    except (NDSError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out or MODEL_PATH}")
    for key, value in cv.items():
        if key not in ("p_answer", "hard_refusals", "augmented_negatives"):
            print(f"  {key:<34}{value if value is None else round(float(value), 3)}")
    print(f"  {'near-miss negatives':<34}{cv['augmented_negatives']}")
    print(f"  {'hard answer-type refusals':<34}{', '.join(cv['hard_refusals']) or 'none'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["eval"]:
        argv = argv[1:]
    if argv[:1] == ["compare"]:
        return compare_main(argv[1:])
    if argv[:1] == ["fit"]:
        return fit_main(argv[1:])
    if argv[:1] == ["export-csv"]:
        return export_csv_main(argv[1:])
    if argv[:1] == ["report"]:
        return report_main(argv[1:])
    args = _run_parser().parse_args(argv)

    from assistant import NDSError, Settings
    from evals.gate import check_floor, load_floor
    from evals.golden import ROOT
    from evals.records import split_groups
    from evals.report import SUMMARY_METRICS, fmt, headline, write_csv
    from evals.report import format_baselines as format_table
    from evals.runner import run_eval

    out = args.out or ROOT / "evals" / "runs" / datetime.now().strftime("%Y%m%d-%H%M%S")
    if args.compare_to:
        try:  # before the run, not after it
            _load(args.compare_to)
        except _Usage as exc:
            print(f"error: --compare-to: {exc}", file=sys.stderr)
            return 2
    try:
        settings = Settings()
        if args.index:
            settings = settings.with_overrides(index_dir=args.index)
        result = run_eval(
            args.golden,
            settings=settings,
            answerer=args.answerer,
            out_dir=out,
            limit=args.limit,
            progress=not args.no_progress,
            baselines=args.baselines,
            compare_to=args.compare_to,
            judge=args.judge,
            only_split=args.split,
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
    if args.csv:
        write_csv(result.questions, args.csv)
        print(f"wrote {args.csv}")
    if args.compare_to:
        from evals.compare import compare_runs
        from evals.records import load_run
        from evals.report import format_comparison

        print()
        cmp = compare_runs(load_run(args.compare_to), result.to_dict())
        print(format_comparison(cmp, str(args.compare_to), f"{out} (this run)"))
    if args.check_floor:
        failures = check_floor(result.metrics, load_floor(args.check_floor))
        if failures:
            print("\nBelow the floor:\n  " + "\n  ".join(failures), file=sys.stderr)
            return 1
        print("\nAll metrics meet the floor.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
