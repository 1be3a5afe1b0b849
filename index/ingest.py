"""Incremental ingest: sources/ -> load -> clean -> chunk -> embed -> store.

The store is three parts kept in step: Chroma (vectors), the catalog (SQLite) and BM25.

Unchanged files (same content hash) are skipped; a changed file's chunks are replaced; a deleted
file's chunks are removed. One writer at a time (a file lock the OS releases if the process dies).
A file that fails is reported with its reason and never stops the others.

Crash safety: chunk ids are deterministic and each document is written vectors-first, then
catalog (one transaction), then stale vectors deleted. Every run starts by reconciling the vector
store with the catalog, so a run killed at any point is repaired by the next one.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from index.catalog import Catalog
from index.chunk import Chunk, chunk_text, embedding_text, sentences_to_embed
from index.clean import clean_pages
from index.embed import CachedEmbedder, Embedder, make_embedder
from index.errors import IngestLockedError, LoadError
from index.language import detect_language
from index.layout import BM25_DIR, CACHE_FILE, CATALOG_FILE, LOCK_FILE, MANIFEST_FILE
from index.lexical import LexicalIndex
from index.load import LoadedDocument, iter_source_files, load_file
from index.settings import Settings
from index.store import ChromaStore, Manifest, VectorStore, manifest_for

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
        if self.recovered_from is not None:
            who = self.recovered_from
            lines.append(
                f"An earlier ingest (pid {who.get('pid')}, started {who.get('started')}) was "
                "interrupted; its lock was cleared and the index repaired."
            )
        return "\n".join(lines)


class IngestLock:
    """An exclusive, non-blocking lock on the index folder for the duration of an ingest.

    ``fcntl``/``filelock`` locks die with their process, so a lock left by a killed ingest is
    never stale: the next run takes it and says so.
    """

    def __init__(self, index_dir: Path) -> None:
        from filelock import FileLock, Timeout

        self._timeout_error = Timeout
        index_dir.mkdir(parents=True, exist_ok=True)
        self.path = index_dir / LOCK_FILE
        self.info = index_dir / (LOCK_FILE + ".json")
        self._lock = FileLock(str(self.path), timeout=0)
        self.stale_from: dict[str, Any] | None = None

    def __enter__(self) -> IngestLock:
        try:
            self._lock.acquire()
        except self._timeout_error as exc:
            holder = self._read_info()
            who = f" (pid {holder.get('pid')}, started {holder.get('started')})" if holder else ""
            raise IngestLockedError(
                f"Another ingest is already writing to this index{who}. "
                "Wait for it to finish and run the command again."
            ) from exc
        self.stale_from = self._read_info()  # left behind by a run that did not finish
        self.info.write_text(
            json.dumps({"pid": os.getpid(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}),
            encoding="utf-8",
        )
        return self

    def _read_info(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.info.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else None
        except (OSError, ValueError):
            return None

    def __exit__(self, *exc: object) -> None:
        self.info.unlink(missing_ok=True)
        self._lock.release()


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
) -> IngestReport:
    """Bring the index in line with ``settings.sources_dir``. See the module docstring."""
    started = time.perf_counter()
    index_dir = settings.index_dir
    sources = settings.sources_dir
    report = IngestReport()
    stage = on_stage or (lambda _name: None)
    embedder = embedder or make_embedder(settings)
    manifest = manifest_for(settings, embedder)
    report.manifest = manifest

    with IngestLock(index_dir) as lock:
        report.recovered_from = lock.stale_from
        if rebuild:
            _wipe(settings)
        store = ChromaStore.open(settings, manifest, create=True)
        catalog = Catalog(index_dir / CATALOG_FILE)
        cached = CachedEmbedder(embedder, index_dir / CACHE_FILE)
        try:
            stage("reconcile")
            forced = _reconcile(store, catalog)
            known = catalog.documents()

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
            for group in upsert_groups(todo):
                # Vectors of several documents in one Chroma call (one call per small document
                # halves the write throughput, benchmarks/scale.py), then each document's catalog
                # rows: still vectors first, so a crash leaves only orphans that reconcile removes.
                store.upsert(
                    [c for prep in group.values() for c in prep.chunks],
                    np.vstack([vectors[i] for i in group]),
                )
                for prep in group.values():
                    doc_id = prep.doc.doc_id
                    old_ids = catalog.chunk_ids(doc_id)
                    catalog.replace_document(
                        doc_id,
                        prep.rel,
                        prep.doc.content_hash,
                        prep.metadata,
                        prep.chunks,
                        prep.embed_texts,
                    )
                    stale = old_ids - {c.chunk_id for c in prep.chunks}
                    if stale:
                        store.delete(sorted(stale))
                    report.results.append(
                        FileResult(prep.rel, doc_id, "ingested", len(prep.chunks))
                    )

            present = set(seen_ids) | kept
            gone = [d for d in known if d not in present]
            for doc_id in gone:
                store.delete(sorted(catalog.chunk_ids(doc_id)))
                report.results.append(
                    FileResult(known[doc_id].source_file, doc_id, "removed", known[doc_id].n_chunks)
                )
            if gone:
                catalog.remove_documents(gone)

            stage("bm25")
            _refresh_lexical(index_dir, catalog)
            (index_dir / MANIFEST_FILE).write_text(
                json.dumps(
                    {**json.loads(manifest.to_json()), "generation": catalog.generation()},
                    indent=2,
                ),
                encoding="utf-8",
            )
            report.documents = len(catalog.documents())
            report.chunks = len(catalog.chunk_ids())
        finally:
            cached.close()
            catalog.close()
    report.seconds = time.perf_counter() - started
    return report


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _wipe(settings: Settings) -> None:
    """Remove everything but the embedding cache (so a rebuild re-embeds only new text)."""
    import shutil

    from index.store import make_client

    client = make_client(settings)
    names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    if settings.collection in names:
        client.delete_collection(settings.collection)
    for name in (CATALOG_FILE, CATALOG_FILE + "-wal", CATALOG_FILE + "-shm", MANIFEST_FILE):
        (settings.index_dir / name).unlink(missing_ok=True)
    shutil.rmtree(settings.index_dir / BM25_DIR, ignore_errors=True)


def _reconcile(store: VectorStore, catalog: Catalog) -> set[str]:
    """Repair what an interrupted run left: returns documents that must be re-ingested."""
    in_store = store.all_ids()
    by_doc: dict[str, set[str]] = {}
    for rec in catalog.chunks():
        by_doc.setdefault(rec.doc_id, set()).add(rec.chunk_id)
    expected = set().union(*by_doc.values()) if by_doc else set()
    orphans = in_store - expected
    if orphans:
        store.delete(sorted(orphans))
    forced = {doc for doc, ids in by_doc.items() if not ids <= in_store}
    docs = catalog.documents()
    forced |= {d for d, rec in docs.items() if rec.n_chunks != len(by_doc.get(d, ()))}
    return forced


UPSERT_CHUNKS = 1000  # chunks per Chroma upsert when writing several documents


def upsert_groups(todo: list[_Prepared], size: int = UPSERT_CHUNKS) -> list[dict[int, _Prepared]]:
    """Consecutive documents (by index in ``todo``) grouped to about ``size`` chunks each."""
    groups: list[dict[int, _Prepared]] = []
    current: dict[int, _Prepared] = {}
    n = 0
    for i, prep in enumerate(todo):
        current[i] = prep
        n += len(prep.chunks)
        if n >= size:
            groups.append(current)
            current, n = {}, 0
    if current:
        groups.append(current)
    return groups


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


def _refresh_lexical(index_dir: Path, catalog: Catalog) -> None:
    """Rebuild BM25 when the catalog changed since it was last built (or it is missing)."""
    generation = str(catalog.generation())
    path = index_dir / BM25_DIR
    if catalog.get_info("bm25_generation") == generation and (path / "ids.json").exists():
        return
    records = catalog.chunks()
    lexical = LexicalIndex.build(
        [r.chunk_id for r in records],
        [r.embed_text for r in records],
        [str(r.metadata.get("language", "nl")) for r in records],
    )
    lexical.save(path)
    catalog.set_info("bm25_generation", generation)
