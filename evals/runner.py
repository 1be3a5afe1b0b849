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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import Settings
from evals import metrics as m

if TYPE_CHECKING:
    from assistant import Assistant, Passage

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLDEN = Path(__file__).resolve().parent / "golden.jsonl"
# The fixed tune/test split of the golden set (evals/README.md, "Tune and test").
DEFAULT_SPLIT = Path(__file__).resolve().parent / "split.json"
SPLITS = ("test", "tune")
RETRIEVAL_K = 10
KS = (1, 5, 10)

# Metrics in the order tables show them; the second value: higher is better.
MAIN_METRICS: tuple[tuple[str, bool], ...] = (
    ("recall@1", True),
    ("recall@5", True),
    ("recall@10", True),
    ("mrr", True),
    ("ndcg@10", True),
    ("citation_precision", True),
    ("citation_recall", True),
    ("evidence_cited", True),
    ("token_f1", True),
    ("reference_recall", True),
    ("refusal_accuracy", True),
    ("false_refusal_rate", False),
    ("missed_refusal_rate", False),
    ("latency_p50", False),
    ("latency_p95", False),
)
HIGHER_IS_BETTER = dict(MAIN_METRICS)
# Metrics scored per question and averaged (refusal rates and latency are whole-run figures).
PER_QUESTION_METRICS = tuple(
    name
    for name, _ in MAIN_METRICS
    if not name.startswith(("latency", "refusal", "false_", "missed_"))
)
# Settings fields never written to a run folder.
SECRET_FIELDS = {"llm_api_key", "chat_users", "chat_users_file"}


@dataclass
class EvalResult:
    """What :func:`run_eval` returns: per-question records, aggregates, where files went."""

    questions: list[dict[str, Any]]
    metrics: dict[str, Any]
    failures: list[dict[str, Any]]
    meta: dict[str, Any]
    out_dir: Path | None = None
    baselines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overall(self) -> dict[str, Any]:
        return dict(self.metrics["overall"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "metrics": self.metrics,
            "failures": self.failures,
            "baselines": self.baselines,
            "questions": self.questions,
        }


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


# -- aggregation ---------------------------------------------------------------------------------


def aggregate(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means of the per-question metrics (over the questions they apply to), refusal rates
    and latency percentiles."""
    out: dict[str, Any] = {"n": len(records), "n_answerable": sum(r["answerable"] for r in records)}
    for name in PER_QUESTION_METRICS:
        out[name] = m.mean(r["metrics"].get(name) for r in records)
    refused = [r["refused"] for r in records]
    answerable = [r["answerable"] for r in records]
    out["refusal_accuracy"] = m.refusal_accuracy(refused, answerable)
    out["false_refusal_rate"] = m.false_refusal_rate(refused, answerable)
    out["missed_refusal_rate"] = m.missed_refusal_rate(refused, answerable)
    lat = m.percentiles((r["latency"] for r in records), ps=(50, 95))
    out["latency_p50"] = lat.get("p50")
    out["latency_p95"] = lat.get("p95")
    out["latency_mean"] = m.mean(r["latency"] for r in records)
    return out


def group_by(records: Iterable[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault(str(r[key]), []).append(r)
    return {k: aggregate(v) for k, v in sorted(groups.items())}


def is_failure(record: dict[str, Any]) -> list[str]:
    """Why a question counts as failed (empty when it did not)."""
    reasons = []
    mm = record["metrics"]
    if record["answerable"]:
        if record["refused"]:
            reasons.append("refused an answerable question")
        if mm.get("recall@10") == 0:
            reasons.append("no evidence in the top 10")
        elif (mm.get("recall@5") or 0) == 0:
            reasons.append("no evidence in the top 5")
        if not record["refused"] and mm.get("citation_precision") == 0:
            reasons.append("no citation holds evidence")
    elif not record["refused"]:
        reasons.append("answered an unanswerable question")
    return reasons


def failures_of(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in records:
        reasons = is_failure(r)
        if reasons:
            out.append(
                {
                    "id": r["id"],
                    "type": r["type"],
                    "language": r["language"],
                    "question": r["question"],
                    "reasons": reasons,
                    "expected_sources": sorted({e["source"] for e in r["evidence"]}),
                    "retrieved": [
                        f"{x['chunk_id']}{' *' if x['relevant'] else ''}"
                        for x in r["retrieved"][:5]
                    ],
                    "cited": [c["chunk_id"] for c in r["citations"]],
                    "answer": r["answer"][:300],
                }
            )
    return out


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

    metrics = {
        "overall": aggregate(records),
        "by_split": group_by((r for r in records if r["split"]), "split"),
        "by_type": group_by(records, "type"),
        "by_language": group_by(records, "language"),
    }
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


# -- comparing runs ------------------------------------------------------------------------------


def load_run(path: str | Path) -> dict[str, Any]:
    """A run folder's ``metrics.json`` (or that file's path)."""
    p = Path(path)
    if p.is_dir():
        p = p / "metrics.json"
    return dict(json.loads(p.read_text(encoding="utf-8")))


def compare_runs(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Metric deltas (``b - a``) and the questions that got worse from run ``a`` to run ``b``."""
    oa, ob = a["metrics"]["overall"], b["metrics"]["overall"]
    deltas = []
    for name, higher in MAIN_METRICS:
        va, vb = oa.get(name), ob.get(name)
        delta = None if va is None or vb is None else vb - va
        better = None if delta is None or delta == 0 else (delta > 0) == higher
        deltas.append({"metric": name, "a": va, "b": vb, "delta": delta, "better": better})
    qa = {q["id"]: q for q in a.get("questions", [])}
    worse = []
    for qb in b.get("questions", []):
        prev = qa.get(qb["id"])
        if prev is None:
            continue
        changes = []
        if prev["refused"] != qb["refused"]:
            was_right = prev["metrics"].get("refusal_correct") == 1.0
            if was_right:
                changes.append("refusal: " + ("now refuses" if qb["refused"] else "now answers"))
        for name in ("recall@5", "mrr", "citation_precision", "citation_recall", "token_f1"):
            va, vb = prev["metrics"].get(name), qb["metrics"].get(name)
            if va is not None and vb is not None and vb < va - 1e-9:
                changes.append(f"{name} {va:.2f} -> {vb:.2f}")
        if changes:
            worse.append({"id": qb["id"], "question": qb["question"], "changes": changes})
    return {"deltas": deltas, "worse": worse}


def format_comparison(cmp: dict[str, Any], name_a: str = "A", name_b: str = "B") -> str:
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
    lines.append(f"{len(cmp['worse'])} question(s) got worse from A to B:")
    for w in cmp["worse"]:
        lines.append(f"  {w['id']}: {w['question'][:80]}")
        lines.append(f"      {'; '.join(w['changes'])}")
    return "\n".join(lines)


# -- reports -------------------------------------------------------------------------------------

TABLE_METRICS = (
    "n",
    *PER_QUESTION_METRICS,
    "refusal_accuracy",
    "false_refusal_rate",
    "missed_refusal_rate",
    "latency_p50",
)
# What the CLI prints after a run: the table's metrics plus the tail figures.
SUMMARY_METRICS = (
    *(m for m in TABLE_METRICS if m not in ("n", "latency_p50")),
    "latency_p50",
    "latency_p95",
)
FAILURE_HEADERS = ["id", "type", "why", "expected", "retrieved top 5 (* = holds evidence)"]


def failure_rows(failures: list[dict[str, Any]], joiner: str) -> list[list[Any]]:
    """One row per failing question; ``joiner`` separates the retrieved ids (md vs html)."""
    return [
        [
            f["id"],
            f["type"],
            "; ".join(f["reasons"]),
            ", ".join(f["expected_sources"]),
            joiner.join(f["retrieved"]),
        ]
        for f in failures
    ]


BASELINE_COLUMNS = ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10", "latency_p50")


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.2g}" if 0 < abs(value) < 0.001 else f"{value:.3f}"
    return str(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v).replace("|", "\\|") for v in row) + " |" for row in rows]
    return lines


def split_groups(mt: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Test first, then tune, then all questions: the order every table shows them in."""
    by_split = mt.get("by_split", {})
    return {**{k: by_split[k] for k in SPLITS if k in by_split}, "all": mt["overall"]}


def metrics_rows(groups: dict[str, dict[str, Any]]) -> list[list[Any]]:
    return [[name, *(g.get(k) for k in TABLE_METRICS)] for name, g in groups.items()]


def baselines_markdown(rows: Sequence[dict[str, Any]]) -> str:
    body = _table(
        ["system", "n", *BASELINE_COLUMNS, "note"],
        [
            [r["system"], r.get("n"), *(r.get(c) for c in BASELINE_COLUMNS), r.get("note", "")]
            for r in rows
        ],
    )
    return "\n".join(body) + "\n"


def report_markdown(result: EvalResult) -> str:
    meta, mt = result.meta, result.metrics
    lines = [
        "# Evaluation report",
        "",
        f"- time: {meta['timestamp']}; commit: `{meta.get('git_commit')}`",
        f"- golden: `{meta['golden']}` ({mt['overall']['n']} questions); "
        f"answerer: {meta.get('answerer')}",
        f"- index: `{json.dumps(meta.get('index', {}), sort_keys=True)}`",
        f"- run time: {meta.get('seconds')} s",
        "",
        "Retrieval metrics: answerable questions, top 10 passages. Citation and answer metrics:",
        "answerable questions. Refusal metrics: all questions. Latency in seconds per `ask`.",
        "",
        "## Test and tune",
        "",
        "Test: held-out questions nothing was tuned on (evals/split.json); tune: the rest.",
        "",
        *_table(["", *TABLE_METRICS], metrics_rows(split_groups(mt))),
        "",
        "## By question type",
        "",
        *_table(["type", *TABLE_METRICS], metrics_rows(mt["by_type"])),
        "",
        "## By language",
        "",
        *_table(["language", *TABLE_METRICS], metrics_rows(mt["by_language"])),
        "",
    ]
    if "judged" in mt:
        lines += ["## Judged (LLM)", "", "```", json.dumps(mt["judged"], indent=2), "```", ""]
    if result.baselines:
        lines += ["## Retrieval baselines", "", baselines_markdown(result.baselines)]
    lines += [f"## Failing questions ({len(result.failures)})", ""]
    lines += _table(FAILURE_HEADERS, failure_rows(result.failures, "<br>"))
    return "\n".join(lines) + "\n"


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

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

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
        for x in bins:
            ax.annotate(
                f"n={x['n']}",
                (x["predicted"], x["observed"]),
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
        a = [previous["metrics"]["overall"].get(n) or 0.0 for n in names]
        b = [result.metrics["overall"].get(n) or 0.0 for n in names]
        fig, ax = plt.subplots(figsize=(10, 4))
        xs = range(len(names))
        ax.bar([x - 0.2 for x in xs], a, 0.4, label="previous")
        ax.bar([x + 0.2 for x in xs], b, 0.4, label="this run")
        ax.set_xticks(list(xs), names, rotation=35, ha="right")
        ax.set_ylim(0, 1.05)
        ax.legend()
        ax.set_title("This run vs previous")
        out["Run vs run"] = _png(fig)
    return out


def _html_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    import html

    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(fmt(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_html(
    result: EvalResult,
    previous: dict[str, Any] | None = None,
    comparison: dict[str, Any] | None = None,
) -> str:
    """A self-contained HTML report: tables and base64-embedded PNG plots."""
    import html

    mt, meta = result.metrics, result.meta
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>nds-assistant eval</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
        "table{border-collapse:collapse;margin:1em 0;font-size:13px}"
        "td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}img{max-width:100%}</style>",
        "</head><body><h1>Evaluation report</h1>",
        f"<p>{html.escape(meta['timestamp'])} · commit {html.escape(str(meta.get('git_commit')))}"
        f" · {mt['overall']['n']} questions · answerer {html.escape(str(meta.get('answerer')))}"
        f" · {meta.get('seconds')} s</p>",
        "<h2>Test and tune</h2>",
        "<p>Test: held-out questions nothing was tuned on (evals/split.json); tune: the rest.</p>",
        _html_table(["", *TABLE_METRICS], metrics_rows(split_groups(mt))),
        "<h2>By question type</h2>",
        _html_table(["type", *TABLE_METRICS], metrics_rows(mt["by_type"])),
        "<h2>By language</h2>",
        _html_table(["language", *TABLE_METRICS], metrics_rows(mt["by_language"])),
    ]
    if result.baselines:
        parts += [
            "<h2>Retrieval baselines</h2>",
            _html_table(
                ["system", "n", *BASELINE_COLUMNS, "note"],
                [
                    [
                        r["system"],
                        r.get("n"),
                        *(r.get(c) for c in BASELINE_COLUMNS),
                        r.get("note", ""),
                    ]
                    for r in result.baselines
                ],
            ),
        ]
    if comparison is not None:
        parts += [
            "<h2>Compared with the previous run</h2>",
            _html_table(
                ["metric", "previous", "this run", "delta"],
                [[d["metric"], d["a"], d["b"], d["delta"]] for d in comparison["deltas"]],
            ),
            f"<p>{len(comparison['worse'])} question(s) got worse: "
            + html.escape(", ".join(w["id"] for w in comparison["worse"]))
            + "</p>",
        ]
    for title, data in plots(result, previous).items():
        parts.append(
            f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' "
            f"src='data:image/png;base64,{data}'>"
        )
    parts += [
        f"<h2>Failing questions ({len(result.failures)})</h2>",
        _html_table(FAILURE_HEADERS, failure_rows(result.failures, " ")),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_reports(
    result: EvalResult, out_dir: str | Path, *, compare_to: str | Path | None = None
) -> None:
    """``metrics.json``, ``report.md``, ``report.html`` (and ``baselines.md``) in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    previous = load_run(compare_to) if compare_to else None
    comparison = compare_runs(previous, result.to_dict()) if previous is not None else None
    if comparison is not None:
        result.meta["compared_to"] = str(compare_to)
    (out / "metrics.json").write_text(
        json.dumps(result.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (out / "report.md").write_text(report_markdown(result), encoding="utf-8")
    (out / "report.html").write_text(report_html(result, previous, comparison), encoding="utf-8")
    if result.baselines:
        (out / "baselines.md").write_text(
            "# Retrieval baselines\n\n" + baselines_markdown(result.baselines), encoding="utf-8"
        )
