"""Run the golden questions through the real pipeline and score them.

Only the public API is used (``Assistant.ask`` / ``Assistant.retrieve`` / ``Assistant.documents``);
the index manifest is read from ``bot.reader.manifest`` when present (a public attribute).

>>> from evals import run_eval                                   # doctest: +SKIP
>>> result = run_eval(limit=10, out_dir="evals/runs/try")         # doctest: +SKIP
>>> result.metrics["overall"]["recall@5"]                        # doctest: +SKIP
0.8
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import Settings
from evals import metrics as m

# Re-exported: these lived here before the records and the reports got their own modules, and
# callers (tests, benchmarks, evals.baselines, evals.cli) import them from the runner.
from evals.records import (  # noqa: F401
    COMPARE_METRICS,
    HIGHER_IS_BETTER,
    KS,
    MAIN_METRICS,
    PER_QUESTION_METRICS,
    RETRIEVAL_K,
    SPLITS,
    EvalResult,
    aggregate,
    compare_runs,
    failures_of,
    group_by,
    is_failure,
    load_run,
    split_groups,
    summarize,
)
from evals.report import (  # noqa: F401
    BASELINE_COLUMNS,
    SUMMARY_METRICS,
    TABLE_METRICS,
    baselines_markdown,
    fmt,
    format_comparison,
    plots,
    reliability,
    report_html,
    report_markdown,
    write_reports,
)

if TYPE_CHECKING:
    from assistant import Assistant, Passage

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLDEN = Path(__file__).resolve().parent / "golden.jsonl"
# The fixed tune/test split of the golden set (evals/README.md, "Tune and test").
DEFAULT_SPLIT = Path(__file__).resolve().parent / "split.json"
# Settings fields never written to a run folder.
SECRET_FIELDS = {"llm_api_key", "chat_users", "chat_users_file"}


# -- golden set ----------------------------------------------------------------------------------


def load_golden(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The golden questions (one JSON object per line; blank lines skipped)."""
    p = Path(path) if path else DEFAULT_GOLDEN
    rows = []
    for lineno, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{p}:{lineno}: invalid JSON: {exc}") from exc
    return rows


def load_split(path: str | Path | None = None) -> dict[str, str]:
    """Question id -> ``"test"`` or ``"tune"``, from ``evals/split.json``.

    A question in neither list (another golden file, say) gets no split and counts only in
    the overall figures.
    """
    p = Path(path) if path else DEFAULT_SPLIT
    if not p.exists():
        return {}
    data = json.loads(p.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for part in SPLITS:
        for qid in data.get(part, []):
            if qid in out:
                raise ValueError(f"{p}: question {qid} is in both tune and test")
            out[qid] = part
    return out


# -- per question --------------------------------------------------------------------------------


def evidence_hits(text: str, source_id: str, evidence: Sequence[dict[str, str]]) -> list[int]:
    """Indices of the evidence items that a passage (of ``source_id``) holds."""
    return [
        i
        for i, e in enumerate(evidence)
        if e["source"] == source_id and m.passage_has_evidence(text, e["quote"])
    ]


def retrieval_scores(
    passages: Sequence[Passage], evidence: Sequence[dict[str, str]]
) -> tuple[list[dict[str, Any]], dict[str, float | None]]:
    """Per-passage relevance and the retrieval metrics for one question."""
    rows: list[dict[str, Any]] = []
    hits: list[list[int]] = []
    for rank, p in enumerate(passages, start=1):
        h = evidence_hits(p.text, p.source_id, evidence)
        hits.append(h)
        rows.append(
            {
                "rank": rank,
                "chunk_id": p.chunk_id,
                "source_id": p.source_id,
                "score": p.score,
                "relevant": bool(h),
                "evidence": h,
            }
        )
    scores: dict[str, float | None] = {}
    if evidence:
        relevant = [bool(h) for h in hits]
        for k in KS:
            scores[f"recall@{k}"] = m.recall_at_k(hits, len(evidence), k)
        scores["mrr"] = m.mrr(relevant[:RETRIEVAL_K])
        scores["ndcg@10"] = m.ndcg_at_k(relevant, RETRIEVAL_K, n_relevant=len(evidence))
    return rows, scores


def score_question(
    q: dict[str, Any],
    answer: Any,
    passages: Sequence[Passage],
    *,
    retrieval_seconds: float,
    wall_seconds: float,
) -> dict[str, Any]:
    """The record of one question: what was retrieved and cited, the answer, its metrics."""
    evidence = list(q.get("evidence") or [])
    answerable = bool(q.get("answerable", True))
    retrieved, scores = retrieval_scores(passages, evidence)
    citations = [
        {
            "source_id": c.source_id,
            "chunk_id": c.chunk_id,
            "quote": c.quote,
            "passage": c.passage,
        }
        for c in answer.citations
    ]
    for c in citations:
        c["holds_evidence"] = m.citation_supported(c, evidence) if evidence else False
    refused = bool(answer.refused)
    result: dict[str, float | None] = dict(scores)
    result["refusal_correct"] = float(refused != answerable)
    if answerable:
        result["citation_precision"] = m.citation_precision(citations, evidence)
        result["citation_recall"] = m.citation_recall(citations, evidence)
        result["evidence_cited"] = m.evidence_cited(citations, evidence)
        result["token_f1"] = m.token_f1(answer.text, q.get("answer", ""))
        result["reference_recall"] = m.reference_recall(answer.text, q.get("answer", ""))
    latency = float(answer.seconds or 0.0) or wall_seconds
    return {
        "id": q["id"],
        "type": q.get("type", ""),
        "language": q.get("language", ""),
        "answerable": answerable,
        "question": q["question"],
        "history": q.get("history") or [],
        "reference": q.get("answer", ""),
        "evidence": evidence,
        "answer": answer.text,
        "refused": refused,
        # The answer model's P(the sources answer the question), for the calibration plot.
        "confidence": getattr(answer, "confidence", None),
        "citations": [{k: v for k, v in c.items() if k != "passage"} for c in citations],
        "retrieved": retrieved,
        "latency": round(latency, 4),
        "retrieval_latency": round(retrieval_seconds, 4),
        "metrics": result,
    }


# -- run metadata --------------------------------------------------------------------------------


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
    """The index manifest (``bot.reader.manifest``, when the reader exposes it) and its size."""
    info: dict[str, Any] = {}
    manifest = getattr(getattr(bot, "reader", None), "manifest", None)
    if manifest is not None:
        if dataclasses.is_dataclass(manifest) and not isinstance(manifest, type):
            info = dataclasses.asdict(manifest)
        short = getattr(manifest, "short_id", None)
        if short:
            info["short_id"] = short
    try:
        info["documents"] = len(bot.documents())
    except Exception as exc:  # the run should still report what it can
        info["documents_error"] = f"{type(exc).__name__}: {exc}"
    return info


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


# -- the regression gate -------------------------------------------------------------------------


def load_floor(path: str | Path | None = None) -> dict[str, Any]:
    p = Path(path) if path else Path(__file__).resolve().parent / "floor.json"
    return dict(json.loads(p.read_text(encoding="utf-8")))


def check_floor(metrics: dict[str, Any], floor: dict[str, Any]) -> list[str]:
    """The metrics that miss the floor, as messages (empty: the gate passes).

    ``metrics`` is an overall metrics dict (or a full ``EvalResult.metrics`` with
    ``"overall"``); ``floor`` is ``{"metrics": {name: {"min": x} | {"max": x}}}`` (the
    contents of ``evals/floor.json``) or that inner mapping. With ``"split": "test"`` in the
    floor, the gate reads that split's figures (the held-out questions), when the run has it.
    """
    overall = metrics.get("overall", metrics)
    part = floor.get("split")
    if part and part in metrics.get("by_split", {}):
        overall = metrics["by_split"][part]
    rules = floor.get("metrics", floor)
    failures = []
    for name, rule in rules.items():
        value = overall.get(name)
        if value is None:
            failures.append(f"{name}: missing from the run")
            continue
        if "min" in rule and value < rule["min"]:
            failures.append(f"{name}: {value:.3f} < floor {rule['min']:.3f}")
        if "max" in rule and value > rule["max"]:
            failures.append(f"{name}: {value:.3f} > ceiling {rule['max']:.3f}")
    return failures
