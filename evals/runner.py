"""Run the golden questions through the real pipeline and score them.

Only the public API of :class:`assistant.Assistant` is used: ``ask``, ``retrieve`` (also
``mode="bm25"|"dense"`` for the baselines), ``index_info`` (the run's provenance),
``embed_query`` and ``chroma_collection``. Scoring is :mod:`evals.scoring`, the reports
:mod:`evals.report`.

>>> from evals import run_eval                                   # doctest: +SKIP
>>> result = run_eval(limit=10, out_dir="evals/runs/try")         # doctest: +SKIP
>>> result.metrics["overall"]["recall@5"]                        # doctest: +SKIP
0.8
"""

from __future__ import annotations

import dataclasses
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import Settings
from evals.golden import DEFAULT_GOLDEN, ROOT, load_golden, load_split
from evals.records import EvalResult
from evals.report import write_reports
from evals.scoring import (
    RETRIEVAL_K,
    failures_of,
    score_question,
    summarize,
)

if TYPE_CHECKING:
    from assistant import Assistant

# Settings fields never written to a run folder.
SECRET_FIELDS = {"llm_api_key", "chat_users", "chat_users_file"}


# -- provenance ----------------------------------------------------------------------------------


def git_commit(cwd: Path = ROOT) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def settings_dump(settings: Settings) -> dict[str, Any]:
    """The settings as JSON, without secrets (API key, chat users)."""
    data = settings.model_dump(mode="json", exclude=SECRET_FIELDS)
    return dict(data)


def index_info(bot: Assistant) -> dict[str, Any]:
    """The index's manifest and size (``Assistant.index_info()``), for the run's provenance."""
    try:
        return dataclasses.asdict(bot.index_info())
    except Exception as exc:  # the run should still report what it can
        return {"error": f"{type(exc).__name__}: {exc}"}


# -- the run -------------------------------------------------------------------------------------


def make_assistant(settings: Settings | None, answerer: str | None) -> Assistant:
    from assistant import Assistant

    settings = settings or Settings()
    if answerer:
        settings = settings.with_overrides(answerer=answerer)
    return Assistant(settings=settings)


def run_eval(
    golden_path: str | Path | None = None,
    *,
    settings: Settings | None = None,
    answerer: str | None = None,
    out_dir: str | Path | None = None,
    limit: int | None = None,
    progress: bool = True,
    assistant: Assistant | None = None,
    baselines: bool = False,
    compare_to: str | Path | None = None,
    judge: bool = False,
    on_question: Callable[[dict[str, Any]], None] | None = None,
    only_split: str | None = None,
) -> EvalResult:
    """Ask every golden question, score it, aggregate; write the reports when ``out_dir`` is set.

    Follow-ups are asked with their ``history``. Retrieval metrics use the top
    :data:`RETRIEVAL_K` passages: ``answer.passages`` when the answer carries that many,
    else a separate ``retrieve(k=10)`` call with the same history. ``only_split``: only the
    questions of that part of ``evals/split.json`` (``"tune"`` while developing).
    """
    from tqdm import tqdm

    started = time.perf_counter()
    golden = load_golden(golden_path)
    split = load_split()
    if only_split:
        golden = [q for q in golden if split.get(q["id"]) == only_split]
    if limit is not None:
        golden = golden[: max(0, limit)]
    bot = assistant or make_assistant(settings, answerer)
    records: list[dict[str, Any]] = []
    answers: list[Any] = []
    for q in tqdm(golden, desc="Evaluating", unit="q", disable=not progress):
        history = q.get("history") or None
        t0 = time.perf_counter()
        answer = bot.ask(q["question"], history=history)
        wall = time.perf_counter() - t0
        passages = list(answer.passages)
        t1 = time.perf_counter()
        if len(passages) < RETRIEVAL_K:
            passages = bot.retrieve(q["question"], k=RETRIEVAL_K, history=history)
        retrieval_seconds = time.perf_counter() - t1
        record = score_question(
            q,
            answer,
            passages[:RETRIEVAL_K],
            retrieval_seconds=retrieval_seconds,
            wall_seconds=wall,
        )
        record["split"] = split.get(q["id"], "")
        records.append(record)
        answers.append(answer)
        if on_question:
            on_question(record)

    metrics = summarize(records)
    meta: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "golden": str(Path(golden_path) if golden_path else DEFAULT_GOLDEN),
        "limit": limit,
        "answerer": getattr(getattr(bot, "answerer", None), "name", None) or answerer,
        "settings": settings_dump(bot.settings),
        "index": index_info(bot),
        "retrieval_k": RETRIEVAL_K,
    }
    result = EvalResult(records, metrics, failures_of(records), meta)

    if judge:
        from evals.judge import judge_records

        metrics["judged"] = judge_records(records, answers, bot, progress=progress)
    if baselines:
        from evals.baselines import run_baselines

        result.baselines = run_baselines(bot, golden, progress=progress)
    meta["seconds"] = round(time.perf_counter() - started, 2)
    if out_dir is not None:
        result.out_dir = Path(out_dir)
        write_reports(result, result.out_dir, compare_to=compare_to)
    return result
