"""Read side of the index: the catalog in memory, BM25 and the vector store, reloaded on change.

Readers hold one consistent snapshot (catalog rows + BM25 of the same generation); when an
ingest finishes, the next call to :meth:`IndexReader.refresh` swaps in the new snapshot, so a
chat never sees half a document.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.catalog import VERSION as CATALOG_VERSION
from index.catalog import Catalog, ChunkRecord
from index.embed import CachedEmbedder, Embedder, text_hash
from index.errors import ConfigError, IndexMismatchError, IndexNotFoundError
from index.layout import BM25_DIR, CACHE_FILE, CATALOG_FILE, MANIFEST_FILE
from index.lexical import LexicalIndex
from index.migrations import SchemaTooNewError
from index.settings import Settings
from index.store import ChromaStore, Manifest, VectorStore, check_manifest, manifest_for

_CHROMA_OPEN = threading.Lock()
log = logging.getLogger("nds_assistant.index")


@dataclass(frozen=True)
class Snapshot:
    generation: int
    chunks: dict[str, ChunkRecord]
    documents: dict[str, dict[str, Any]]
    lexical: LexicalIndex
    language_masks: dict[str, np.ndarray]  # language -> BM25 row mask of its chunks
    by_document: dict[str, list[str]]  # doc_id -> its chunk ids in document order
    order: dict[str, int]  # chunk id -> its index in by_document[doc_id]

    def section(self, chunk_id: str, reach: int = 8) -> list[ChunkRecord]:
        """The chunks under the same heading as ``chunk_id``, in document order, at most
        ``reach`` on either side: where a list that a chunk boundary cut continues."""
        rec = self.chunks.get(chunk_id)
        if rec is None:
            return []
        path = rec.metadata.get("heading_path", "")
        ids = self.by_document.get(rec.doc_id, [])
        at = self.order[chunk_id]
        # Only the window around the chunk is looked at: cost follows ``reach``, not the
        # document's length.
        offset = max(0, at - reach)
        siblings = [self.chunks[c] for c in ids[offset : at + reach + 1]]
        at -= offset
        lo = at
        while lo > 0 and siblings[lo - 1].metadata.get("heading_path", "") == path:
            lo -= 1
        hi = at
        while hi + 1 < len(siblings) and siblings[hi + 1].metadata.get("heading_path", "") == path:
            hi += 1
        return siblings[lo : hi + 1]


class IndexReader:
    """The read side of one index folder.

    ``store``: where the vectors are (any :class:`VectorStore`; default: the settings' Chroma
    collection, opened on first use and reconnected after an error or a new generation).
    """

    def __init__(
        self, settings: Settings, embedder: Embedder, store: VectorStore | None = None
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self._given_store = store
        index_dir = settings.index_dir
        manifest_path = index_dir / MANIFEST_FILE
        if not (index_dir / CATALOG_FILE).exists() or not manifest_path.exists():
            raise IndexNotFoundError(
                f"No index found at {index_dir}. Build it with: nds-assistant ingest "
                f"--index {index_dir}"
            )
        wanted = manifest_for(settings, embedder)
        found = Manifest.from_json(manifest_path.read_text(encoding="utf-8"))
        check_manifest(found, wanted, str(index_dir), index_dir)
        self.manifest = found
        self._store: VectorStore | None = store
        self._lock = threading.Lock()
        self._snapshot = self._load()
        self._vectors: CachedEmbedder | None = None
        self._vectors_lock = threading.Lock()
        self._vectors_refused = False

    @property
    def store(self) -> VectorStore:
        """The vector store, (re)connected on demand: a Chroma server may come and go."""
        store = self._store
        if store is None:
            with _CHROMA_OPEN:  # Chroma's client cache is not safe to fill from two threads
                if self._store is None:
                    self._store = ChromaStore.open(self.settings, self.manifest)
                store = self._store
        return store

    def chroma_collection(self) -> Any:
        """The Chroma collection behind the store (for interoperability, e.g. llama-index)."""
        store = self.store
        if not isinstance(store, ChromaStore):
            raise ConfigError(
                f"This index's vectors are in a {type(store).__name__}, not in Chroma."
            )
        return store.collection

    def cached_vectors(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Passage vectors that ingest already computed for ``texts`` (the embedding cache),
        by text. Empty when there is no cache to read: callers embed what is missing."""
        with self._vectors_lock:
            try:
                if self._vectors_refused:
                    return {}
                if self._vectors is None:
                    path = self.settings.index_dir / CACHE_FILE
                    if not path.exists():
                        return {}
                    self._vectors = CachedEmbedder(self.embedder, path)
                found = self._vectors.lookup(texts)
            except sqlite3.Error:
                return {}
            except SchemaTooNewError as exc:  # answering works without it: say so, go on
                log.warning("%s Questions embed their sentences themselves.", exc)
                self._vectors_refused = True
                return {}
        return {t: found[h] for t in texts if (h := text_hash(t)) in found}

    def reset_store(self) -> None:
        self._store = self._given_store

    def _load(self) -> Snapshot:
        index_dir = self.settings.index_dir
        catalog = Catalog(index_dir / CATALOG_FILE, readonly=True)
        try:
            if catalog.version < CATALOG_VERSION:  # a reader cannot upgrade; the writer does
                raise IndexMismatchError(
                    f"The index at {index_dir} was written by an older nds-assistant (catalog "
                    f"schema {catalog.version}, now {CATALOG_VERSION}). Upgrade it once with: "
                    f"nds-assistant ingest --index {index_dir} (unchanged text is not embedded "
                    "again)."
                )
            # Read rows and generation in one transaction: a consistent view of the catalog.
            with catalog.read_transaction():
                generation = catalog.generation()
                rows = catalog.chunks()
                docs = {d: rec.metadata | {"doc_id": d} for d, rec in catalog.documents().items()}
        finally:
            catalog.close()
        lexical = LexicalIndex.load(self.settings.index_dir / BM25_DIR)
        by_language: dict[str, set[str]] = {}
        for r in rows:
            by_language.setdefault(str(r.metadata.get("language") or "nl"), set()).add(r.chunk_id)
        masks = {lang: lexical.mask_for(ids) for lang, ids in by_language.items()}
        chunks = {r.chunk_id: r for r in rows}
        by_document: dict[str, list[str]] = {}
        for r in sorted(rows, key=lambda r: (r.doc_id, r.position)):
            by_document.setdefault(r.doc_id, []).append(r.chunk_id)
        order = {cid: i for ids in by_document.values() for i, cid in enumerate(ids)}
        return Snapshot(generation, chunks, docs, lexical, masks, by_document, order)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def refresh(self) -> bool:
        """Swap in a newer snapshot if an ingest finished since; True when it did."""
        path = self.settings.index_dir / MANIFEST_FILE
        try:
            generation = int(json.loads(path.read_text(encoding="utf-8")).get("generation", 0))
        except (OSError, ValueError):
            return False
        if generation == self._snapshot.generation:
            return False
        with self._lock:
            if generation != self._snapshot.generation:
                self._snapshot = self._load()
                self._reopen_local_store()
        return True

    def _reopen_local_store(self) -> None:
        """An embedded Chroma keeps what it read in memory, shared per folder and process, so
        it never sees vectors that an ingest in another process wrote. After a new snapshot,
        drop this process's cached Chroma for the folder; the next query opens it afresh.
        (In-flight queries keep the old store until they finish.)"""
        store, self._store = self._store, self._given_store
        if self._given_store is not None or self.settings.chroma_host:
            return  # a store handed in is the caller's; a server sees every write
        if not isinstance(store, ChromaStore):
            return
        try:
            from chromadb.api.shared_system_client import SharedSystemClient

            identifier = store.client._identifier
            with _CHROMA_OPEN:
                SharedSystemClient._identifier_to_system.pop(identifier, None)
                SharedSystemClient._identifier_to_refcount.pop(identifier, None)
        except (ImportError, AttributeError):  # another Chroma version: reconnect is enough
            pass
