"""The admin tab's handlers (assistant.chat.admin) without a browser: the role is checked on
the server, uploads land only in the sources folder, corrections only beside its files.
(A fake embedder: plumbing, not retrieval; the browser test uses the real one.)"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.chat.admin import AdminBackend, admin_names
from assistant.core import Assistant
from index.errors import ConfigError
from index.settings import Settings
from tests.corpora import NDS_PRIORITIES, index_corpus
from tests.fakes import FakeEmbedder


def test_admins_need_a_login() -> None:
    assert admin_names(Settings(chat_users="a:x,b:y", chat_admins=" a , ")) == {"a"}
    assert admin_names(Settings()) == frozenset()
    with pytest.raises(ConfigError, match="chat_admins needs a login"):
        admin_names(Settings(chat_admins="a"))


@pytest.fixture
def backend(tmp_path: Path) -> AdminBackend:
    model = FakeEmbedder()
    settings = index_corpus(
        tmp_path, {"nds-prioriteiten.md": NDS_PRIORITIES}, model
    ).with_overrides(chat_users="beheer:x,ana:y", chat_admins="beheer")
    return AdminBackend(Assistant(settings=settings, embedder=model), settings)


def _as(user: str | None) -> Any:
    return SimpleNamespace(username=user)


def _upload(tmp_path: Path, name: str, text: str) -> str:
    folder = tmp_path / "gradio-upload"  # where Gradio keeps an upload before the handler
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_non_admins_cannot_upload_or_correct(backend: AdminBackend, tmp_path: Path) -> None:
    sources = backend.settings.sources_dir
    before = sorted(p.name for p in sources.iterdir())
    upload = _upload(tmp_path, "nieuw.md", "# Nieuw\n\nTekst over cloud.\n")
    for user in ("ana", None):
        with pytest.warns(UserWarning, match="Alleen beheerders"):
            out = backend.on_upload([upload], _as(user))
        assert out[-1] is None
        with pytest.warns(UserWarning, match="Alleen beheerders"):
            backend.on_correct("nds-prioriteiten.md", "X", "", "", _as(user))
    assert sorted(p.name for p in sources.iterdir()) == before
    tab, docs, _ = backend.on_load(_as("ana"))
    assert tab.visible is False and docs == ""
    tab, docs, _ = backend.on_load(_as("beheer"))
    assert tab.visible is True and "De zes prioriteiten van de NDS" in docs


def test_admin_upload_is_reported_per_file_and_searchable(
    backend: AdminBackend, tmp_path: Path
) -> None:
    good = _upload(tmp_path, "haven.md", "---\ntitle: Haven+\n---\nHaven+ is een programma.\n")
    bad = _upload(tmp_path, ".verborgen.md", "# Verborgen\n")
    report, docs, _, files = backend.on_upload([good, bad], _as("beheer"))
    assert 'data-run="1"' in report
    assert "haven.md</td><td>Geïndexeerd (1 passages)" in report
    assert ".verborgen.md</td><td>Geweigerd: hidden names" in report
    assert files is None and "Haven+" in docs
    sources = backend.settings.sources_dir
    assert sorted(p.name for p in sources.iterdir()) == ["haven.md", "nds-prioriteiten.md"]
    # The open assistant sees the new document without a restart.
    assert any(d["doc_id"] == "haven" for d in backend.assistant.documents())
    # A new file that ingest refuses (a copy of an indexed one) is not left in the folder.
    copy = _upload(tmp_path, "haven-kopie.md", Path(good).read_text(encoding="utf-8"))
    report, *_ = backend.on_upload([copy], _as("beheer"))
    assert "haven-kopie.md</td><td>Geweigerd: same content as haven.md" in report
    assert not (sources / "haven-kopie.md").exists()


def test_corrections_stay_inside_the_sources_folder(backend: AdminBackend, tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="niet \\(meer\\) in de bronnenmap"):
        backend.on_correct("../nds-prioriteiten.md", "X", "", "", _as("beheer"))
    with pytest.warns(UserWarning, match="date must be a date"):
        backend.on_correct("nds-prioriteiten.md", "", "", "1 juli", _as("beheer"))
    assert not list(tmp_path.rglob("*.meta.yaml"))
    report, docs, _ = backend.on_correct(
        "nds-prioriteiten.md", "Zes prioriteiten", "BZK", "2025-07-02", _as("beheer")
    )
    assert "Correctie opgeslagen voor nds-prioriteiten.md" in report
    assert "Geïndexeerd" in report and "Zes prioriteiten" in docs
    sidecar = backend.settings.sources_dir / "nds-prioriteiten.md.meta.yaml"
    assert sidecar.exists()
    doc = next(d for d in backend.assistant.documents() if d["doc_id"] == "nds-prioriteiten")
    assert (doc["title"], doc["publisher"], doc["date"]) == (
        "Zes prioriteiten",
        "BZK",
        "2025-07-02",
    )
    assert backend.on_pick("nds-prioriteiten.md", _as("beheer")) == (
        "Zes prioriteiten",
        "BZK",
        "2025-07-02",
    )
