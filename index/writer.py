"""The write side of an index: vectors, catalog rows, BM25 and the manifest, kept in step.

:class:`IndexWriter` is what ``ingest`` (and the scale benchmark, which writes synthetic
documents without embedding them) use to change an index folder::

    with IndexWriter(settings, manifest) as writer:
        writer.upsert([IndexDocument(...), ...])  # vectors first, then each document's rows
        writer.remove(["old-doc"])
        writer.finish()  # BM25, then the manifest: readers switch to the new generation

Crash safety: chunk ids are deterministic and each document is written vectors-first, then
catalog (one transaction), then stale vectors deleted; :meth:`IndexWriter.reconcile` repairs
what a killed run left. Readers only switch to a new catalog generation when the manifest names
it, and the manifest is written last (atomically, by rename), after BM25 (swapped in whole by
``LexicalIndex.save``): a reader never sees a half-written index.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from index.catalog import Catalog, DocumentRecord
from index.chunk import Chunk
from index.errors import IngestLockedError
from index.layout import (
    BM25_DIR,
    CATALOG_FILE,
    LOCK_FILE,
    MANIFEST_FILE,
    SQLITE_SIDE_FILES,
    IndexLayout,
)
from index.lexical import LexicalIndex
from index.settings import Settings
from index.store import ChromaStore, Manifest, VectorStore, check_manifest

UPSERT_CHUNKS = 1000  # chunks per vector-store upsert when writing several documents


@dataclass(frozen=True)
class IndexDocument:
    """One document as the index stores it: its chunks, their embedded texts and vectors."""

    doc_id: str
    source_file: str
    content_hash: str
    metadata: dict[str, Any]
    chunks: Sequence[Chunk]
    embed_texts: Sequence[str]
    vectors: np.ndarray  # one row per chunk


class IngestLock:
    """An exclusive, non-blocking lock on the index folder for the duration of a write.

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


class IndexWriter:
    """Holds the index folder's write lock and changes the index; a context manager.

    ``store``: the vector store to write to (default: the settings' Chroma collection, created
    if missing and checked against ``manifest``). ``rebuild``: start from an empty index (the
    embedding cache is kept, so only new text is embedded again). ``upsert_chunks``: chunks per
    vector-store call across documents (0: one call per document).
    ``timings`` adds up the seconds spent on vectors, catalog and BM25.
    """

    def __init__(
        self,
        settings: Settings,
        manifest: Manifest,
        *,
        store: VectorStore | None = None,
        rebuild: bool = False,
        upsert_chunks: int = UPSERT_CHUNKS,
    ) -> None:
        self.settings = settings
        self.manifest = manifest
        self.layout = IndexLayout(settings.index_dir)
        self.upsert_chunks = upsert_chunks
        self.timings = {"vectors": 0.0, "catalog": 0.0, "bm25": 0.0}
        self._given_store = store
        self._rebuild = rebuild
        self._lock = IngestLock(settings.index_dir)
        self.recovered_from: dict[str, Any] | None = None

    def __enter__(self) -> IndexWriter:
        self._lock.__enter__()
        try:
            self.recovered_from = self._lock.stale_from
            if self._rebuild:
                self._wipe()
            if self._given_store is None:
                self.store: VectorStore = ChromaStore.open(
                    self.settings, self.manifest, create=True
                )
            else:
                # Chroma keeps the manifest in its collection; another store has only the file.
                if self.layout.manifest.exists():
                    found = Manifest.from_json(self.layout.manifest.read_text(encoding="utf-8"))
                    root = self.layout.root
                    check_manifest(found, self.manifest, str(root), root)
                self.store = self._given_store
            self.catalog = Catalog(self.layout.catalog)
        except BaseException:
            self._lock.__exit__()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.catalog.close()
        finally:
            self._lock.__exit__()

    # -- reading what is there ---------------------------------------------------------------
    def documents(self) -> dict[str, DocumentRecord]:
        return self.catalog.documents()

    def chunk_count(self) -> int:
        return len(self.catalog.chunk_ids())

    def reconcile(self) -> set[str]:
        """Repair what an interrupted run left: returns documents that must be re-ingested."""
        in_store = self.store.all_ids()
        by_doc: dict[str, set[str]] = {}
        for rec in self.catalog.chunks():
            by_doc.setdefault(rec.doc_id, set()).add(rec.chunk_id)
        expected = set().union(*by_doc.values()) if by_doc else set()
        orphans = in_store - expected
        if orphans:
            self.store.delete(sorted(orphans))
        forced = {doc for doc, ids in by_doc.items() if not ids <= in_store}
        docs = self.catalog.documents()
        forced |= {d for d, rec in docs.items() if rec.n_chunks != len(by_doc.get(d, ()))}
        return forced

    # -- writing -----------------------------------------------------------------------------
    def upsert(self, documents: Sequence[IndexDocument]) -> None:
        """Add or replace documents. Vectors of several documents go in one store call (one
        call per small document halves Chroma's write throughput, benchmarks/scale.py), then
        each document's catalog rows: still vectors first, so a crash leaves only orphans that
        :meth:`reconcile` removes. A replaced document's stale vectors are deleted last."""
        for group in upsert_groups(documents, self.upsert_chunks):
            t0 = time.perf_counter()
            self.store.upsert(
                [c for doc in group for c in doc.chunks], np.vstack([d.vectors for d in group])
            )
            t1 = time.perf_counter()
            for doc in group:
                old_ids = self.catalog.chunk_ids(doc.doc_id)
                self.catalog.replace_document(
                    doc.doc_id,
                    doc.source_file,
                    doc.content_hash,
                    doc.metadata,
                    doc.chunks,
                    doc.embed_texts,
                )
                stale = old_ids - {c.chunk_id for c in doc.chunks}
                if stale:
                    self.store.delete(sorted(stale))
            self.timings["vectors"] += t1 - t0
            self.timings["catalog"] += time.perf_counter() - t1

    def remove(self, doc_ids: Iterable[str]) -> None:
        """Remove documents: their vectors first, then their catalog rows."""
        doc_ids = list(doc_ids)
        for doc_id in doc_ids:
            self.store.delete(sorted(self.catalog.chunk_ids(doc_id)))
        if doc_ids:
            self.catalog.remove_documents(doc_ids)

    def finish(self) -> int:
        """Bring BM25 up to date, then write the manifest that names the catalog generation
        readers may switch to. Returns that generation."""
        t0 = time.perf_counter()
        refresh_lexical(self.layout.root, self.catalog)
        self.timings["bm25"] += time.perf_counter() - t0
        generation = self.catalog.generation()
        text = json.dumps(
            {**json.loads(self.manifest.to_json()), "generation": generation}, indent=2
        )
        tmp = self.layout.manifest.with_name(MANIFEST_FILE + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.layout.manifest)  # a reader reads the old manifest or the new one
        return generation

    def _wipe(self) -> None:
        """Remove everything but the embedding cache (so a rebuild re-embeds only new text)."""
        if self._given_store is None:
            from index.store import make_client

            client = make_client(self.settings)
            names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
            if self.settings.collection in names:
                client.delete_collection(self.settings.collection)
        else:
            self._given_store.delete(sorted(self._given_store.all_ids()))
        root = self.layout.root
        for name in (CATALOG_FILE, *(CATALOG_FILE + s for s in SQLITE_SIDE_FILES), MANIFEST_FILE):
            (root / name).unlink(missing_ok=True)
        shutil.rmtree(root / BM25_DIR, ignore_errors=True)


def upsert_groups(documents: Sequence[IndexDocument], size: int) -> list[list[IndexDocument]]:
    """Consecutive documents grouped to about ``size`` chunks each (0: one per group)."""
    groups: list[list[IndexDocument]] = []
    current: list[IndexDocument] = []
    n = 0
    for doc in documents:
        current.append(doc)
        n += len(doc.chunks)
        if n >= size:
            groups.append(current)
            current, n = [], 0
    if current:
        groups.append(current)
    return groups


def refresh_lexical(index_dir: Path, catalog: Catalog) -> None:
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
