"""Plain-text tables for the terminal: a comparison of two runs and the retrieval baselines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evals.report.content import BASELINE_COLUMNS


def format_comparison(cmp: dict[str, Any], name_a: str = "A", name_b: str = "B") -> str:
    """Each main metric of both runs with its delta (``+`` better, ``!`` worse), and the
    questions that got worse (``cmp``: :func:`evals.compare.compare_runs`)."""
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


def format_baselines(rows: Sequence[dict[str, Any]]) -> str:
    """The baselines as a fixed-width table for the terminal."""
    cols = ["n", *BASELINE_COLUMNS]
    width = max([len(r["system"]) for r in rows] + [6])
    lines = [f"{'system':<{width}}" + "".join(f"{c:>11}" for c in cols)]
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            cells.append(
                f"{'-':>11}" if v is None else f"{v:>11}" if isinstance(v, int) else f"{v:>11.3f}"
            )
        line = f"{r['system']:<{width}}" + "".join(cells)
        if r.get("note", "").startswith(("failed", "unavailable")):
            line += "  " + r["note"]
        lines.append(line)
    return "\n".join(lines)
