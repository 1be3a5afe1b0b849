"""The chat's admin-only Documenten tab in a real Chromium: an admin uploads a real government
PDF, the open chat then answers from it with a citation, a bad file is refused with a message,
a metadata correction is stored beside the file; a non-admin never sees the tab.

Its own chat over a tiny corpus in a temp folder (never the repo's sources/), with a login.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.settings import Settings
from tests.browser_support import ChatServer, serve_chat
from tests.corpora import DATA_SYSTEM, NDS_PRIORITIES, index_corpus
from tests.test_chat_browser import ask, shot
from tests.test_load import REAL_TITLES, _real_pdf

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FAQ = "GenAI_compliance_FAQ.pdf"
QUESTION = "Wat zijn de transparantieverplichtingen bij generatieve AI?"
USERS = {"beheer": "geheim-beheer", "ana": "geheim-ana"}
INGEST_TIMEOUT_MS = 300_000


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    root = tmp_path_factory.mktemp("admin-chat")
    settings = index_corpus(
        root, {"nds-prioriteiten.md": NDS_PRIORITIES, "data-stelsel.md": DATA_SYSTEM}
    ).with_overrides(
        feedback_db=root / "feedback.sqlite3",
        chat_users=",".join(f"{u}:{p}" for u, p in USERS.items()),
        chat_admins="beheer",
    )
    with serve_chat(settings) as server:
        yield server


def login(browser: Any, server: ChatServer, user: str) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nl-NL")
    page = context.new_page()
    page.goto(server.url)
    page.fill("input[type=text]", user)
    page.fill("input[type=password]", USERS[user])
    page.press("input[type=password]", "Enter")
    page.wait_for_selector("#question textarea", timeout=60_000)
    return page


def documenten_tab(page: Any) -> Any:
    return page.get_by_role("tab", name="Documenten")


def test_non_admin_does_not_see_the_tab(browser: Any, admin_server: ChatServer) -> None:
    page = login(browser, admin_server, "ana")
    try:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        # An admin's tab appears within a second of the page load; give it five.
        with pytest.raises(PlaywrightTimeout):
            documenten_tab(page).wait_for(state="visible", timeout=5_000)
        shot(page, "admin-non-admin")
        assert documenten_tab(page).count() == 0
        assert not page.locator("#upload-files").is_visible()
        assert "beheer" not in page.content()
    finally:
        page.context.close()


def test_admin_uploads_a_real_pdf_and_the_chat_cites_it(
    browser: Any,
    admin_server: ChatServer,
    tmp_path: Path,
) -> None:
    from assistant.core import Assistant

    settings: Settings = admin_server.settings
    sources = settings.sources_dir
    before = Assistant(settings=settings).ask(QUESTION)
    assert not any(c.title == REAL_TITLES[FAQ] for c in before.citations)  # not yet

    pdf = tmp_path / FAQ
    shutil.copy(_real_pdf(FAQ), pdf)
    bad = tmp_path / "notities.exe"
    bad.write_bytes(b"MZ\x90\x00 geen document")

    page = login(browser, admin_server, "beheer")
    try:
        documenten_tab(page).click()
        page.locator("#upload-files input[type=file]").set_input_files([str(pdf), str(bad)])
        page.wait_for_selector('#upload-report section[data-run="1"]', timeout=INGEST_TIMEOUT_MS)
        shot(page, "admin-upload")
        report = page.locator("#upload-report")
        row_pdf = report.locator("tr", has_text=FAQ)
        assert "Geïndexeerd" in row_pdf.inner_text(), report.inner_text()
        row_bad = report.locator("tr", has_text="notities.exe")
        assert "Geweigerd: unsupported file type .exe" in row_bad.inner_text()
        assert REAL_TITLES[FAQ] in page.locator("#admin-docs").inner_text()
        # Only the PDF landed, in the sources folder; no temporary file is left.
        assert sorted(p.name for p in sources.iterdir()) == sorted(
            ["nds-prioriteiten.md", "data-stelsel.md", FAQ]
        )

        # The open chat answers from it, without a restart.
        page.get_by_role("tab", name="Gesprek").click()
        ask(page, QUESTION, 1)
        shot(page, "admin-answer")
        titles = page.locator("#bronnen .bron-titel").all_inner_texts()
        assert any(REAL_TITLES[FAQ] in t for t in titles), titles
        assert page.locator("#bronnen .bron-meta").count() >= 1
        # A fresh page lists it among the documents.
        page.reload()
        page.wait_for_selector("#question textarea", timeout=60_000)
        page.wait_for_function(
            "() => document.querySelector('#documenten').innerText.includes('(3)')",
            timeout=30_000,
        )
        page.click("#documenten button, #documenten .label-wrap")  # open the list
        page.wait_for_selector("#documenten-lijst table", state="visible")
        assert REAL_TITLES[FAQ] in page.locator("#documenten-lijst").inner_text()

        # Correct the publisher: stored beside the file, read by the ingest that follows.
        documenten_tab(page).click()
        page.locator("#correct-doc input").click()
        page.get_by_role("option", name=f"{REAL_TITLES[FAQ]} ({FAQ})").click()
        page.wait_for_function(
            "() => document.querySelector('#correct-title textarea, #correct-title input')"
            ".value.startsWith('Veelgestelde vragen')",
            timeout=30_000,
        )
        page.fill("#correct-publisher textarea, #correct-publisher input", "Rijksoverheid")
        page.click("#correct-save")
        page.wait_for_selector('#upload-report section[data-run="2"]', timeout=INGEST_TIMEOUT_MS)
        sidecar = sources / f"{FAQ}.meta.yaml"
        assert "publisher: Rijksoverheid" in sidecar.read_text(encoding="utf-8")
        docs = Assistant(settings=settings).documents()
        faq = next(d for d in docs if d["source_file"] == FAQ)
        assert faq["publisher"] == "Rijksoverheid" and faq["title"] == REAL_TITLES[FAQ]
    finally:
        page.context.close()
