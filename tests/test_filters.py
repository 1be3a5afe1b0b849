"""Retrieval filters: dates must be dates. Before, ``date_from=gisteren`` compared as text and
silently filtered out every document, so an official read that the sources hold no answer."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from assistant import Assistant, ConfigError
from assistant.types import Filters
from index.ingest import ingest
from index.settings import Settings
from tests.corpora import NDS_PRIORITIES
from tests.fakes import FakeEmbedder

VALID = ["2025-07-01", "2025-07", "2025", " 2025-07-01 ", "2024-02-29"]
INVALID = [
    "gisteren",
    "yesterday",
    "01-07-2025",
    "2025/07/01",
    "2025-7-1",
    "2025-13-01",
    "2025-02-30",
    "2023-02-29",
    "20250701",
    "25",
    "2025-07-01T10:00",
    "2025-07-01|2025-08-01",
]


@pytest.mark.parametrize("key", ["date_from", "date_to"])
@pytest.mark.parametrize("value", VALID)
def test_iso_dates_are_accepted(key: str, value: str) -> None:
    f = Filters.coerce({key: value})
    assert f is not None and getattr(f, key) == value.strip()
    assert Filters.from_pairs([f"{key}={value}"]) == f


@pytest.mark.parametrize("key", ["date_from", "date_to"])
@pytest.mark.parametrize("value", INVALID)
def test_other_dates_are_refused_with_the_value_and_the_form(key: str, value: str) -> None:
    for make in (lambda: Filters.coerce({key: value}), lambda: Filters(**{key: value})):
        with pytest.raises(ConfigError) as err:
            make()
        message = str(err.value)
        assert key in message and repr(value) in message
        assert "YYYY-MM-DD" in message


@pytest.mark.parametrize("value", [20250701, 2025.5, ["2025-07-01"], {"y": 2025}])
def test_wrong_types_are_refused(value: object) -> None:
    with pytest.raises(ConfigError, match=r"invalid date_from .*ISO date"):
        Filters.coerce({"date_from": value})
    with pytest.raises(ConfigError, match=r"invalid date_to .*ISO date"):
        Filters(date_to=value)  # type: ignore[arg-type]


def test_a_date_object_and_no_date_pass() -> None:
    f = Filters.coerce({"date_from": datetime.date(2025, 7, 1), "date_to": None})
    assert f == Filters(date_from="2025-07-01")
    assert Filters.coerce({"date_from": ""}) == Filters()
    assert Filters(date_from="").is_empty()


def test_the_date_filter_still_filters() -> None:
    doc = {"doc_id": "d", "date": "2025-07-04"}
    assert Filters(date_from="2025-07-01").matches(doc)
    assert Filters(date_from="2025-07").matches(doc)
    assert not Filters(date_from="2025-08-01").matches(doc)
    assert not Filters(date_to="2025-07-01").matches(doc)
    assert not Filters(date_from="2025").matches({"doc_id": "undated"})


def test_ask_refuses_a_bad_date_instead_of_answering_from_nothing(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "nds.md").write_text(NDS_PRIORITIES, encoding="utf-8")
    settings = Settings(sources_dir=sources, index_dir=tmp_path / "index")
    assert not ingest(settings, embedder=FakeEmbedder()).failed
    bot = Assistant(settings=settings, embedder=FakeEmbedder())
    with pytest.raises(ConfigError, match="invalid date_from 'gisteren'"):
        bot.ask("Wat zijn de prioriteiten?", filters={"date_from": "gisteren"})
    with pytest.raises(ConfigError, match="invalid date_to 'morgen'"):
        bot.retrieve("prioriteiten", filters={"date_to": "morgen"})
    assert bot.retrieve("prioriteiten", filters={"date_from": "2025-01-01"})


def test_cli_ask_with_a_bad_date_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import main

    argv = ["ask", "Wat is de NDS?", "--filter", "date_from=gisteren"]
    assert main([*argv, "--index", str(tmp_path / "index")]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: invalid date_from 'gisteren': use an ISO date")
    assert len(captured.err.strip().splitlines()) == 1 and captured.out == ""


@pytest.mark.parametrize(
    ("date_to", "doc_date", "passes"),
    [
        ("2025-07", "2025-07-31", True),  # a month as the end includes the whole month
        ("2025-07", "2025-07-01", True),
        ("2025-07", "2025-08-01", False),
        ("2025", "2025-12-31", True),
        ("2025", "2026-01-01", False),
        ("2025-07-01", "2025-07-01", True),
        ("2025-07-01", "2025-07-02", False),
    ],
)
def test_date_to_includes_the_whole_month_or_year_it_names(
    date_to: str, doc_date: str, passes: bool
) -> None:
    assert Filters(date_to=date_to).matches({"date": doc_date}) is passes
