"""The ``nds-assistant`` command line (Click): ingest, ask, sources, chat, feedback, eval, bench.

Settings come from built-in defaults < ``NDS_*`` environment variables < the settings flags
(``--index``, ``--sources``, ``--embedder``, ``--embed-url``, ``--chroma-host``,
``--chroma-port``), given before or after the command name. The flags become one
:class:`~index.settings.Settings`, handed to the command as an object; nothing is written to the
environment (the machinery: :mod:`assistant.clikit`).

Heavy modules (torch, gradio, llama-index, chromadb) are imported only by the commands that need
them. ``eval`` and ``bench`` live next to their code (``evals.cli``, ``benchmarks.cli``) and are
imported only when named (:data:`LAZY`), so ``nds-assistant ask`` starts quickly.

>>> main(["ask", "--help"])  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
Usage: nds-assistant ask [OPTIONS] QUESTION
...
0
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from assistant.clikit import (
    CONTEXT,
    PROG,
    CLIError,
    LazyCommand,
    LazyGroup,
    current_settings,
    lazy_attr,
    pass_settings,
    run,
    settings_options,
)
from index.errors import ConfigError
from index.runtime import configure

if TYPE_CHECKING:
    from index.settings import Settings

QUOTE_CHARS = 300


# -- helpers -----------------------------------------------------------------------------------


def _out(text: str = "", stream: TextIO | None = None) -> None:
    print(text, file=stream or sys.stdout)


def _width() -> int:
    return max(40, min(100, shutil.get_terminal_size((88, 24)).columns))


def format_quote(quote: str, limit: int = QUOTE_CHARS, indent: str = "    ") -> str:
    """A quote on one or more indented lines, shortened to about ``limit`` characters."""
    flat = " ".join(quote.split())
    if len(flat) > limit:
        flat = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return textwrap.fill(
        f'"{flat}"', width=_width(), initial_indent=indent, subsequent_indent=indent + " "
    )


def _heading(title: str, publisher: str, date: str, page: int | None = None) -> str:
    details = ", ".join(x for x in (publisher, date, f"p. {page}" if page else "") if x)
    return f"{title} — {details}" if details else title


def format_answer(answer: Any) -> str:
    """The answer text, then a numbered source list readable in a terminal."""
    lines = [answer.text.strip()]
    if answer.citations:
        lines += ["", "Bronnen:" if answer.language == "nl" else "Sources:"]
        for i, c in enumerate(answer.citations, start=1):
            heading = f"[{i}] {_heading(c.title, c.publisher, c.date, c.page)}"
            lines.append(textwrap.fill(heading, width=_width(), subsequent_indent="    "))
            if c.url and c.url != "unknown":
                lines.append(f"    {c.url}")
            if c.quote:
                lines.append(format_quote(c.quote))
    return "\n".join(lines)


def _read_history(path: Path) -> list[dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CLIError(f"cannot read history file {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise CLIError(f"history file {path} is not valid JSON: {exc}") from None
    if isinstance(data, dict):
        data = data.get("history", data.get("messages"))
    if not isinstance(data, list):
        raise ConfigError(
            f"history file {path} must hold a JSON list of "
            '{"role": "user"|"assistant", "content": "..."} objects'
        )
    return data


# -- commands ----------------------------------------------------------------------------------

LAZY = {
    "eval": LazyCommand(
        "evals.cli:eval_group",
        "run the evaluation (`eval` alone: `eval run`)",
        (
            ("run", "score the assistant on the golden questions"),
            ("compare", "per-question wins and losses between two runs"),
            ("export-csv", "one row per question of a stored run as CSV"),
            ("report", "render the reports of a stored run again"),
            ("fit", "refit the answer model on the tune split"),
        ),
        extra="eval",
    ),
    "bench": LazyCommand(
        "benchmarks.cli:bench",
        "run the benchmarks (`bench` alone: all of them)",
        (
            ("ingest", "ingest throughput and overhead"),
            ("query", "warm retrieve/ask latency and the CLI's cold start"),
            ("baseline", "side by side with llama-index's default pipeline"),
            ("scale", "latency and memory against the number of chunks"),
        ),
    ),
}


@click.group(
    PROG,
    cls=LazyGroup,
    lazy=LAZY,
    context_settings=CONTEXT,
    help="Grounded, cited answers over the documents of the Nederlandse "
    "Digitaliseringsstrategie (NDS).",
    epilog=f'Start with `{PROG} ingest`, then `{PROG} ask "Wat zijn de prioriteiten van de '
    f'NDS?"` or `{PROG} chat`.',
)
@settings_options
def cli() -> None:
    """The root group; its settings flags are remembered in ``ctx.obj``."""


@cli.command(
    short_help="build or update the index from the sources folder",
    help="Bring the index in line with the sources folder: new and changed files are "
    "(re)indexed, unchanged files skipped, deleted files removed. Exit code 1 if any file "
    "failed.",
)
@click.option("--rebuild", is_flag=True, help="start from an empty index")
@click.option("--no-progress", is_flag=True, help="no progress bar")
@settings_options
@pass_settings
def ingest(settings: Settings, rebuild: bool, no_progress: bool) -> int:
    from index.ingest import ingest

    progress = not no_progress
    err = sys.stderr
    if progress:
        _out(f"Indexing {settings.sources_dir} into {settings.index_dir} …", err)

    def on_stage(name: str) -> None:
        if progress:
            _out(f"  {name} …", err)

    report = ingest(settings, rebuild=rebuild, progress=progress, on_stage=on_stage)
    _out(report.summary())
    if report.failed:
        _out(f"{len(report.failed)} file(s) failed; see the reasons above.", err)
        return 1
    return 0


@cli.command(
    short_help="answer one question with cited sources",
    help="Answer a question from the indexed documents, with numbered sources.",
)
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="print the answer as JSON")
@click.option("--k", type=int, metavar="N", help="passages handed to the answerer (NDS_K)")
@click.option(
    "--filter",
    "filter_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="metadata filter, repeatable: publisher, doc_type, era, source_id, date_from, "
    "date_to (e.g. --filter era=2025 --filter publisher=VNG)",
)
@click.option(
    "--answerer",
    type=click.Choice(["extractive", "llm"]),
    help="how to write the answer (NDS_ANSWERER)",
)
@click.option(
    "--history-file",
    type=click.Path(path_type=Path),
    metavar="F.json",
    help='earlier turns: a JSON list of {"role": "user"|"assistant", "content": "..."}',
)
@settings_options
def ask(
    question: str,
    as_json: bool,
    k: int | None,
    filter_pairs: tuple[str, ...],
    answerer: str | None,
    history_file: Path | None,
) -> int:
    from assistant.types import Filters

    filters = Filters.from_pairs(list(filter_pairs))  # before any model loads: fail fast
    history = _read_history(history_file) if history_file else None
    settings = current_settings(k=k, answerer=answerer)

    from assistant.core import Assistant

    bot = Assistant(settings=settings)
    answer = bot.ask(question, history, None if filters.is_empty() else filters, k=k)
    if as_json:
        _out(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        _out(format_answer(answer))
    return 0


@cli.command(short_help="list the documents in the index", help="List the documents in the index.")
@click.option("--json", "as_json", is_flag=True, help="print the list as JSON")
@settings_options
@pass_settings
def sources(settings: Settings, as_json: bool) -> int:
    from assistant.core import Assistant

    docs = Assistant(settings=settings).documents()
    if as_json:
        _out(json.dumps(docs, ensure_ascii=False, indent=2, default=str))
        return 0
    for d in docs:
        _out(
            _heading(
                str(d.get("title") or d["doc_id"]),
                str(d.get("publisher") or ""),
                str(d.get("date") or ""),
            )
        )
        url = str(d.get("url") or "")
        if url and url != "unknown":
            _out(f"    {url}")
        _out(f"    id: {d['doc_id']}")
    _out(f"{len(docs)} document(s) in {settings.index_dir}")
    return 0


@cli.command(short_help="start the web chat", help="Start the web chat.")
@click.option("--host", help="address to listen on (NDS_CHAT_HOST, default 127.0.0.1)")
@click.option("--port", type=int, help="port (NDS_CHAT_PORT, default 7860)")
@settings_options
def chat(host: str | None, port: int | None) -> int:
    settings = current_settings(chat_host=host, chat_port=port)
    serve = lazy_attr("assistant.chat", "serve", "The chat", extra="chat")
    return int(serve(settings) or 0)


@cli.group(
    short_help="work with collected chat feedback",
    help="Work with the feedback collected in the chat.",
)
@settings_options
def feedback() -> None:
    """The ``feedback`` group."""


@feedback.command(short_help="export the feedback", help="Export the feedback.")
@click.option("--csv", "as_csv", is_flag=True, help="as CSV (the only format; required)")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="write here instead of stdout",
)
@settings_options
@pass_settings
def export(settings: Settings, as_csv: bool, out: Path | None) -> int:
    if not as_csv:
        raise click.UsageError("the option '--csv' is required (CSV is the only format)")
    export_csv = lazy_attr("assistant.feedback", "export_csv", "Feedback export")
    if out is None:
        export_csv(settings.feedback_path, sys.stdout)
    else:
        rows = export_csv(settings.feedback_path, out)
        _out(f"{rows} feedback row(s) written to {out}", sys.stderr)
    return 0


# -- entry point -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """The ``nds-assistant`` entry point; returns the exit code."""
    configure()
    return run(cli, sys.argv[1:] if argv is None else argv, PROG)


if __name__ == "__main__":
    # Run the importable module, not this __main__ copy: eval and bench import its classes.
    from assistant import cli as _cli

    raise SystemExit(_cli.main())
