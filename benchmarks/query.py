"""Query benchmark: warm ``retrieve`` and ``ask`` latency, and the CLI's cold start.

    nds-assistant bench query [--index DIR] [--repeats N] [--json PATH]

Uses the golden questions as the workload and an existing index (``make ingest`` builds the
default one). Figures are min/median/max over repeats of the per-question p50/p95.
Goals: ask p50 < 150 ms warm on 2 cores; ``nds-assistant ask`` cold start < 3 s, torch not
imported.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.common import golden_questions, percentile, write_json
from index.runtime import configure

configure()  # offline hub, no telemetry

if TYPE_CHECKING:
    from index.settings import Settings


def run(index: Path, repeats: int, settings: Settings | None = None) -> dict[str, Any]:
    from assistant import Assistant, Settings

    questions = golden_questions()
    bot = Assistant(settings=(settings or Settings()).with_overrides(index_dir=index))
    bot.ask("Wat is de NDS?")  # warm up: model loaded, caches primed once
    result: dict[str, Any] = {"questions": len(questions), "rows": {}}
    # One query embedding is the floor of any question's cost: `ask` is measured against it,
    # interleaved in the same run (the goal: ask p50 <= 1.5x one query embedding).
    for name, fn in (
        ("query embedding", lambda q: bot.embed_query(q["question"])),
        ("retrieve", lambda q: bot.retrieve(q["question"], k=10, history=q.get("history"))),
        ("ask", lambda q: bot.ask(q["question"], history=q.get("history"))),
    ):
        p50s, p95s = [], []
        for _ in range(repeats):
            times = []
            for q in questions:
                t = time.perf_counter()
                fn(q)
                times.append((time.perf_counter() - t) * 1000)
            p50s.append(percentile(times, 0.5))
            p95s.append(percentile(times, 0.95))
        result["rows"][f"{name} p50 (ms)"] = p50s
        result["rows"][f"{name} p95 (ms)"] = p95s
    result["rows"]["ask / query embedding"] = [
        a / e
        for a, e in zip(
            result["rows"]["ask p50 (ms)"], result["rows"]["query embedding p50 (ms)"], strict=True
        )
    ]
    colds, torch_loaded = [], False
    code = (
        "import sys; from assistant.cli import main; "
        f"rc = main(['ask', 'Wat is de NDS?', '--index', {str(index)!r}]); "
        "print('TORCH' if 'torch' in sys.modules else 'NOTORCH', file=sys.stderr)"
    )
    for _ in range(repeats):
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
        colds.append(time.perf_counter() - t)
        torch_loaded |= "NOTORCH" not in proc.stderr
    result["rows"]["cli ask cold start (s)"] = colds
    result["torch_imported"] = torch_loaded
    return result


def table(result: dict[str, Any]) -> str:
    goals = {
        "ask p50 (ms)": "< 150",
        "cli ask cold start (s)": "< 3",
        "ask / query embedding": "<= 1.5",
    }
    lines = [f"{'metric':<28} {'min':>9} {'median':>9} {'max':>9}  goal"]
    for name, values in result["rows"].items():
        lines.append(
            f"{name:<28} {min(values):>9.2f} {statistics.median(values):>9.2f} "
            f"{max(values):>9.2f}  {goals.get(name, '')}"
        )
    lines.append(f"torch imported by `ask`: {result['torch_imported']}")
    return "\n".join(lines)


def run_cli(
    index: Path, repeats: int, json_path: Path | None, settings: Settings | None = None
) -> int:
    """``bench query``: the table on stdout, the results also to ``json_path``."""
    result = run(index, repeats, settings)
    print(table(result))
    if json_path:
        write_json(json_path, result)
    return 0


if __name__ == "__main__":  # the options live in the one CLI now
    sys.exit("run it as: nds-assistant bench query [OPTIONS] (or python -m benchmarks query)")
