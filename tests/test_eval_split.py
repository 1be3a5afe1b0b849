"""The tune/test split in the evaluation: reading it, running one part, gating on test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant import Answer, Settings
from evals.gate import check_floor
from evals.golden import load_golden, load_split
from evals.runner import run_eval


class FakeAssistant:
    """A FAKE assistant for the runner's logic: refuses everything, remembers what it was asked."""

    def __init__(self) -> None:
        self.settings = Settings()
        self.asked: list[str] = []

    def ask(self, question: str, history: Any = None) -> Answer:
        self.asked.append(question)
        return Answer(question=question, text="Geen antwoord.", refused=True, confidence=0.1)

    def retrieve(self, question: str, k: int = 10, history: Any = None) -> list[Any]:
        return []

    def documents(self) -> list[dict[str, Any]]:
        return []


def test_the_committed_split_reads_as_one_part_per_question() -> None:
    split = load_split()
    assert set(split.values()) == {"tune", "test"}
    assert {q["id"] for q in load_golden()} == set(split)


def test_a_question_in_both_parts_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "split.json"
    path.write_text(json.dumps({"tune": ["a", "b"], "test": ["b"]}), encoding="utf-8")
    with pytest.raises(ValueError, match="question b is in both"):
        load_split(path)


def test_no_split_file_means_no_split(tmp_path: Path) -> None:
    assert load_split(tmp_path / "missing.json") == {}


def test_only_split_asks_only_that_part_and_reports_it_apart() -> None:
    bot = FakeAssistant()
    result = run_eval(assistant=bot, only_split="tune", progress=False)  # type: ignore[arg-type]
    split = load_split()
    tune = [q["question"] for q in load_golden() if split.get(q["id"]) == "tune"]
    assert bot.asked == tune
    assert list(result.metrics["by_split"]) == ["tune"]
    assert {r["split"] for r in result.questions} == {"tune"}
    assert all(r["confidence"] == 0.1 for r in result.questions)  # kept for the calibration plot


def test_the_floor_gates_on_its_split_when_the_run_has_it() -> None:
    floor = {"split": "test", "metrics": {"recall@5": {"min": 0.8}}}
    metrics = {"overall": {"recall@5": 0.9}, "by_split": {"test": {"recall@5": 0.7}}}
    assert check_floor(metrics, floor) == ["recall@5: 0.700 < floor 0.800"]
    # A run without that split (another golden file) is gated on its overall figures.
    assert check_floor({"overall": {"recall@5": 0.9}}, floor) == []
