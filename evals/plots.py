"""The report's plots, as base64 PNGs (matplotlib, imported only when plotting), and the
reliability bins of the refusal probability they draw."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from evals.scoring import MAIN_METRICS

if TYPE_CHECKING:
    from evals.records import EvalResult


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
