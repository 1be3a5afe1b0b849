"""Incremental ingest: sources/ -> load -> clean -> chunk -> embed -> store.

The store is three parts kept in step: Chroma (vectors), the catalog (SQLite) and BM25.

Unchanged files (same content hash) are skipped; a changed file's chunks are replaced; a deleted
file's chunks are removed. One writer at a time (a file lock the OS releases if the process dies).
A file that fails is reported with its reason and never stops the others.

Writing goes through :class:`index.writer.IndexWriter` (crash safety is explained there).
Every run starts by reconciling the vector store with the catalog, so a run killed at any point
is repaired by the next one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from index.chunk import Chunk, chunk_text, embedding_text, sentences_to_embed
from index.clean import clean_pages
from index.embed import CachedEmbedder, Embedder, make_embedder
from index.errors import LoadError
from index.language import detect_language
from index.layout import CACHE_FILE
from index.loaders import LoadedDocument, iter_source_files, load_file
from index.settings import Settings
from index.store import Manifest, VectorStore, manifest_for
from index.writer import IndexDocument, IndexWriter

Status = Literal["ingested", "unchanged", "failed", "removed"]
# Catalog flag: every indexed document's quotable sentences are in the embedding cache.
SENTENCES_KEY = "sentences_cached"

# Document metadata that travels with every chunk (and so into Chroma and citations).
DOC_FIELDS = (
    "title",
    "url",
    "publisher",
    "date",
    "language",
    "doc_type",
    "era",
    "completeness",
    "license",
    "format",
    "source_file",
)


@dataclass
class FileResult:
    path: str
    doc_id: str
    status: Status
    chunks: int = 0
    reason: str = ""


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    sentences_embedded: int = 0  # quotable sentences pre-embedded for the extractive answerer
    seconds: float = 0.0
    manifest: Manifest | None = None
    # The lock info of an earlier ingest that was killed before it finished (pid, started).
    recovered_from: dict[str, Any] | None = None
    # One line per SQLite store that this run upgraded to the current schema.
    upgrades: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    def count(self, status: Status) -> int:
        return sum(r.status == status for r in self.results)

    def summary(self) -> str:
        """A per-file table and totals, for the terminal."""
        lines = []
        width = max((len(r.path) for r in self.results), default=10)
        for r in sorted(self.results, key=lambda r: (r.status != "failed", r.path)):
            detail = f"{r.chunks} chunks" if r.status in ("ingested", "unchanged") else ""
            if r.reason:
                detail = f"{detail}; {r.reason}" if detail else r.reason
            lines.append(f"  {r.status:<9} {r.path:<{width}}  {detail}")
        lines.append(
            f"{self.count('ingested')} ingested, {self.count('unchanged')} unchanged, "
            f"{self.count('removed')} removed, {self.count('failed')} failed. "
            f"Index: {self.documents} documents, {self.chunks} chunks "
            f"({self.embedded} embedded now, {self.sentences_embedded} sentences for quoting, "
            f"{self.seconds:.1f} s)."
        )
        lines += self.upgrades
        if self.recovered_from is not None:
            who = self.recovered_from
            lines.append(
                f"An earlier ingest (pid {who.get('pid')}, started {who.get('started')}) was "
                "interrupted; its lock was cleared and the index repaired."
            )
        return "\n".join(lines)


@dataclass
class _Prepared:
    doc: LoadedDocument
    rel: str
    chunks: list[Chunk]
    embed_texts: list[str]
    metadata: dict[str, Any]


def _prepare(doc: LoadedDocument, rel: str, settings: Settings) -> _Prepared:
    text, page_starts = clean_pages(doc.pages)
    meta: dict[str, Any] = {k: doc.metadata[k] for k in DOC_FIELDS if k in doc.metadata}
    meta.setdefault("title", doc.doc_id)
    meta["source_file"] = rel
    meta["language"] = str(meta.get("language") or detect_language(text))
    meta = {k: (str(v) if k in ("era", "date") else v) for k, v in meta.items()}
    chunks = chunk_text(
        doc.doc_id,
        text,
        chunk_size=settings.chunk_size,
        overlap=settings.chunk_overlap,
        page_starts=page_starts if doc.format == "pdf" else None,
        metadata={**meta, "file_hash": doc.content_hash},
    )
    if not chunks:
        raise LoadError(rel, "no text left after cleaning")
    return _Prepared(doc, rel, chunks, [embedding_text(c) for c in chunks], meta)


def ingest(
    settings: Settings,
    *,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    progress: bool = False,
    on_stage: Callable[[str], None] | None = None,
    store: VectorStore | None = None,
) -> IngestReport:
    """Bring the index in line with ``settings.sources_dir``. See the module docstring.

    ``store``: where the vectors go (default: the settings' Chroma collection)."""
    started = time.perf_counter()
    index_dir = settings.index_dir
    sources = settings.sources_dir
    report = IngestReport()
    stage = on_stage or (lambda _name: None)
    embedder = embedder or make_embedder(settings)
    manifest = manifest_for(settings, embedder)
    report.manifest = manifest

    with IndexWriter(settings, manifest, store=store, rebuild=rebuild) as writer:
        report.recovered_from = writer.recovered_from
        catalog = writer.catalog
        cached = CachedEmbedder(embedder, index_dir / CACHE_FILE)
        report.upgrades = catalog.upgrades + cached.upgrades
        try:
            stage("reconcile")
            forced = writer.reconcile()
            known = writer.documents()

            stage("load")
            paths, refused = iter_source_files(sources)
            # Already-indexed files first: when a copy of one appears, the indexed name keeps it.
            paths.sort(key=lambda p: p.stem not in known)
            for path, reason in refused:
                report.results.append(
                    FileResult(_rel(path, sources), path.stem, "failed", 0, reason)
                )
            todo: list[_Prepared] = []
            seen_ids: dict[str, str] = {}
            seen_hashes: dict[str, str] = {}
            seen_fm_ids: dict[str, str] = {}  # front-matter ``id`` -> file that has it
            kept: set[str] = set()
            for path in paths:
                rel = _rel(path, sources)
                doc_id = path.stem
                if doc_id in seen_ids:
                    report.results.append(
                        FileResult(
                            rel,
                            doc_id,
                            "failed",
                            reason=f"document id '{doc_id}' is already used by "
                            f"{seen_ids[doc_id]}; rename one of the two files",
                        )
                    )
                    continue
                seen_ids[doc_id] = rel
                try:
                    doc = load_file(path, max_bytes=int(settings.max_file_mb * 2**20))
                except LoadError as exc:
                    reason = exc.reason
                    if doc_id in known:
                        kept.add(doc_id)
                        reason += " (the previously indexed version is kept)"
                    report.results.append(FileResult(rel, doc_id, "failed", reason=reason))
                    continue
                if doc.content_hash in seen_hashes:
                    del seen_ids[doc_id]  # not indexed: an older version under this name goes
                    report.results.append(
                        FileResult(
                            rel,
                            doc_id,
                            "failed",
                            reason=f"same content as {seen_hashes[doc.content_hash]}; "
                            "indexed once under that name",
                        )
                    )
                    continue
                fm_id = str(doc.metadata.get("id") or "").strip()
                if fm_id and fm_id in seen_fm_ids:
                    del seen_ids[doc_id]  # not indexed, like a copy (see above)
                    report.results.append(
                        FileResult(
                            rel,
                            doc_id,
                            "failed",
                            reason=f"front-matter id '{fm_id}' is also used by "
                            f"{seen_fm_ids[fm_id]}; give each document its own id",
                        )
                    )
                    continue
                if fm_id:
                    seen_fm_ids[fm_id] = rel
                seen_hashes[doc.content_hash] = rel
                old = known.get(doc_id)
                if old and old.content_hash == doc.content_hash and doc_id not in forced:
                    report.results.append(FileResult(rel, doc_id, "unchanged", old.n_chunks))
                    continue
                try:
                    todo.append(_prepare(doc, rel, settings))
                except LoadError as exc:
                    report.results.append(FileResult(rel, doc_id, "failed", reason=exc.reason))
                except Exception as exc:  # a bug must not cost the other files
                    report.results.append(
                        FileResult(rel, doc_id, "failed", reason=f"could not process: {exc}")
                    )

            stage("embed")
            vectors = _embed_all(cached, todo, settings.embed_batch_size, progress)
            report.embedded = cached.misses
            _embed_sentences(cached, todo, settings.embed_batch_size, progress)
            if catalog.get_info(SENTENCES_KEY) != "1":
                # An index from before ingest embedded sentences: its unchanged documents
                # get theirs now, once (else every question embeds them, ~12 ms each).
                unchanged = {r.doc_id for r in report.results if r.status == "unchanged"}
                texts = [r.text for r in catalog.chunks() if r.doc_id in unchanged]
                cached.embed_passages(
                    sentences_to_embed(texts),
                    batch_size=settings.embed_batch_size,
                    progress=progress,
                )
                catalog.set_info(SENTENCES_KEY, "1")
            report.sentences_embedded = cached.misses - report.embedded

            stage("store")
            writer.upsert(
                [
                    IndexDocument(
                        prep.doc.doc_id,
                        prep.rel,
                        prep.doc.content_hash,
                        prep.metadata,
                        prep.chunks,
                        prep.embed_texts,
                        vectors[i],
                    )
                    for i, prep in enumerate(todo)
                ]
            )
            for prep in todo:
                report.results.append(
                    FileResult(prep.rel, prep.doc.doc_id, "ingested", len(prep.chunks))
                )

            present = set(seen_ids) | kept
            gone = [d for d in known if d not in present]
            writer.remove(gone)
            for doc_id in gone:
                report.results.append(
                    FileResult(known[doc_id].source_file, doc_id, "removed", known[doc_id].n_chunks)
                )

            stage("bm25")
            writer.finish()
            report.documents = len(writer.documents())
            report.chunks = writer.chunk_count()
        finally:
            cached.close()
    report.seconds = time.perf_counter() - started
    return report


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _embed_all(
    embedder: CachedEmbedder, todo: list[_Prepared], batch: int, progress: bool
) -> list[np.ndarray]:
    """Embed every new chunk in one batched pass (one progress bar), split back per document."""
    texts = [t for p in todo for t in p.embed_texts]
    vectors = embedder.embed_passages(texts, batch_size=batch, progress=progress)
    out, i = [], 0
    for p in todo:
        out.append(vectors[i : i + len(p.embed_texts)])
        i += len(p.embed_texts)
    return out


def _embed_sentences(
    embedder: CachedEmbedder, todo: list[_Prepared], batch: int, progress: bool
) -> None:
    """Put the vectors of the new chunks' sentences in the embedding cache.

    The extractive answerer scores sentences against the question; embedding them here, once,
    spares every question that work (about 12 ms a sentence on 2 cores). Before the store
    step, so a killed ingest finds them cached on its re-run.
    """
    texts = sentences_to_embed(c.text for p in todo for c in p.chunks)
    embedder.embed_passages(texts, batch_size=batch, progress=progress)
