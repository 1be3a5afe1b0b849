"""The chat in a real Chromium (Playwright): answers, sources, follow-ups, feedback, refusals,
escaping and accessibility (axe-core).

Needs Debian's ``chromium`` at /usr/bin/chromium and ``npm install --prefix tests/browser
axe-core@4``. Without Chromium the tests skip locally and fail when ``CI`` is set.
Screenshots go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.settings import Settings
from tests.browser_support import ARTIFACTS, ROOT, ChatServer, require, serve_chat

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ANSWER_TIMEOUT_MS = 120_000
ERROR_FRAMES = (
    "Er ging iets mis bij het beantwoorden",
    "De index is nu niet bereikbaar",
)


@pytest.fixture(scope="module")
def chat_server(
    corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ChatServer]:
    feedback = tmp_path_factory.mktemp("chat-feedback") / "feedback.sqlite3"
    with serve_chat(corpus_index.with_overrides(feedback_db=feedback)) as server:
        yield server


@pytest.fixture
def page(browser: Any, chat_server: ChatServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="nl-NL")
    pg = context.new_page()
    pg.dialogs = []  # every alert()/confirm() that fires, for the XSS test
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(chat_server.url)
    pg.wait_for_selector("#question textarea", timeout=60_000)
    try:
        yield pg
    finally:
        context.close()


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"chat-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def ask(page: Any, question: str, turn: int) -> str:
    """Type a question, press Enter, wait for answer number ``turn``; the bot's text."""
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_selector(f'#bronnen section[data-turn="{turn}"]', timeout=ANSWER_TIMEOUT_MS)
    bot = page.locator('#chat [data-testid="bot"]')
    assert bot.count() == turn
    return str(bot.nth(turn - 1).inner_text())


def test_answer_has_markers_and_sources(page: Any, chat_server: ChatServer) -> None:
    question = "Wat zijn de zes prioriteiten van de NDS?"
    text = ask(page, question, 1)
    shot(page, "answer")
    assert re.search(r"\[\d+\]", text), text
    assert not any(f in text for f in ERROR_FRAMES), text

    from assistant.core import Assistant

    expected = Assistant(settings=chat_server.settings).ask(question)
    assert expected.citations
    first = expected.citations[0]
    item = page.locator("#bronnen #bron-1")
    assert item.count() == 1
    link = item.locator("a.bron-titel")
    assert link.get_attribute("href") == first.url
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "")
    mark = item.locator("mark").first
    quoted = " ".join(mark.inner_text().split())
    assert quoted and quoted in " ".join(first.passage.split()), quoted
    # The panel shows the quote as it reads: Markdown bold stars and link targets dropped
    # ("**Cloudtechnologie**" is shown as "Cloudtechnologie").
    shown = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", first.quote).replace("**", "")
    assert quoted == " ".join(shown.split())


def test_follow_up_uses_history(page: Any, chat_server: ChatServer) -> None:
    first = ask(page, "Wat is Haven+?", 1)
    assert re.search(r"\[\d+\]", first), first
    follow = ask(page, "En wanneer was dat?", 2)
    shot(page, "follow-up")
    assert not any(f in follow for f in ERROR_FRAMES), follow
    # Without the first question, "En wanneer was dat?" finds nothing about Haven+; with the
    # history, the Haven+ interview is among the sources of the follow-up.
    hrefs = page.locator("#bronnen a.bron-titel").evaluate_all("els => els.map(e => e.href)")
    assert any("haven" in h.lower() for h in hrefs), hrefs


def test_thumbs_down_with_comment_is_stored(page: Any, chat_server: ChatServer) -> None:
    ask(page, "Wat betekent de NDS voor gemeenten?", 1)
    # Gradio translates its labels: the browser runs with locale nl-NL.
    page.locator(
        '#chat button[aria-label="Vind ik niet leuk"], #chat button[aria-label="Dislike"]'
    ).last.click()
    page.wait_for_function(
        "() => document.querySelector('#feedback-rating input[value=\"down\"]').checked",
        timeout=30_000,
    )
    comment = "Het antwoord noemt geen concrete gevolgen voor gemeenten."
    page.fill("#feedback-comment textarea", comment)
    page.click("#feedback-send")
    page.wait_for_function(
        "() => document.querySelector('#feedback-comment textarea').value === ''",
        timeout=30_000,
    )
    shot(page, "feedback")
    db = chat_server.settings.feedback_path
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT rating, comment, question, answer, citations_json, manifest_id "
            "FROM feedback WHERE question = ? ORDER BY id",
            ("Wat betekent de NDS voor gemeenten?",),
        ).fetchall()
    assert [r[0] for r in rows] == [-1, -1], rows  # the thumb, then the comment
    _, stored_comment, _, answer, citations_json, manifest_id = rows[-1]
    assert stored_comment == comment
    assert answer and citations_json.startswith("[") and len(manifest_id) == 12


def test_out_of_scope_question_is_refused_visibly(page: Any) -> None:
    text = ask(page, "Wat is het recept voor appeltaart?", 1)
    shot(page, "refusal")
    assert text.startswith("⚠️"), text
    panel = page.locator("#bronnen section.geweigerd")
    assert panel.count() == 1
    assert "Geen antwoord in de bronnen" in panel.inner_text()
    assert page.locator("#bronnen section.geweigerd li.bron").count() >= 1


def test_markup_in_question_is_shown_as_text(page: Any) -> None:
    payload = "<img src=x onerror=alert(1)>"
    ask(page, f"Wat zegt de NDS over {payload}", 1)
    shot(page, "escaping")
    user = page.locator('#chat [data-testid="user"]').first
    assert payload in user.inner_text()
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("#chat img").count() == 0
    page.wait_for_timeout(500)
    assert page.dialogs == []


def test_copy_with_sources_and_conversation_download(page: Any, chat_server: ChatServer) -> None:
    from assistant.chat.conversation import Turn
    from assistant.chat.takeaway import answer_markdown
    from assistant.core import Assistant

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    first, second = "Wat zijn de zes prioriteiten van de NDS?", "Wat is Haven+?"
    ask(page, first, 1)
    ask(page, second, 2)
    page.wait_for_selector('#meenemen section[data-turn="2"]', timeout=30_000)
    buttons = page.locator("#meenemen button.kopieer")
    assert buttons.count() == 2  # one per answer

    buttons.first.click()
    page.wait_for_function(
        "() => document.querySelector('#meenemen .meenemen-status').textContent"
        ".includes('Antwoord 1')",
        timeout=10_000,
    )
    shot(page, "copy")
    copied = page.evaluate("navigator.clipboard.readText()")
    expected = Assistant(settings=chat_server.settings).ask(first)
    assert expected.citations
    turn = Turn(
        answer=expected.text,
        refused=expected.refused,
        citations=[c.to_dict() for c in expected.citations],
    )
    assert copied == answer_markdown(turn)
    # What an official pastes: the answer with its markers, then the numbered sources.
    assert copied.startswith(expected.text.strip()) and "[1]" in copied
    c1 = expected.citations[0]
    assert f"\n1. *{c1.title}*" in copied and f"<{c1.url}>" in copied
    assert " ".join(c1.quote.split()) in copied
    assert f"\n{len(expected.citations)}. *" in copied

    with page.expect_download(timeout=10_000) as info:
        page.click("#meenemen button.download")
    download = info.value
    assert download.suggested_filename.startswith("nds-gesprek-")
    assert download.suggested_filename.endswith(".md")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("# Gesprek met de NDS-assistent")
    assert f"## Vraag 1: {first}" in text and "## Vraag 2: Wat is Haven+?" in text
    assert copied in text  # each answer with its own sources
    assert text.index(copied) < text.index("## Vraag 2")


# Our own parts of the page; Gradio's components are reported, not asserted.
OWN = [
    "#nds-header",
    "#ai-notice",
    "#documenten",
    "#bronnen",
    "#feedback-area",
    "#filters",
    "#meenemen",
]


def run_axe(page: Any, include: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """axe-core's violations and "needs review" items for the page or some elements."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    if include:
        missing = [s for s in include if page.locator(s).count() == 0]
        assert not missing, f"elements not on the page: {missing}"
    context = {"include": [[s] for s in include]} if include else None
    result = page.evaluate(
        "async (ctx) => await axe.run(ctx || document, "
        "{resultTypes: ['violations', 'incomplete']})",
        context,
    )
    return {"violations": result["violations"], "incomplete": result["incomplete"]}


def _summary(items: list[dict[str, Any]]) -> list[str]:
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:4])
        for v in items
    ]


def test_accessibility_of_own_elements(page: Any) -> None:
    require(AXE, "axe-core", "npm install --prefix tests/browser axe-core@4")
    ask(page, "Wat zijn de zes prioriteiten van de NDS?", 1)
    page.click("#documenten button, #documenten .label-wrap")  # open the document list
    page.wait_for_selector("#documenten-lijst table", state="visible")
    shot(page, "accessibility")
    assert page.evaluate("document.documentElement.lang") == "nl"
    ours = run_axe(page, OWN)["violations"]
    whole = run_axe(page)
    print("\naxe on the whole page (Gradio's own components included):")
    for line in _summary(whole["violations"]):
        print("  violation   ", line)
    for line in _summary(whole["incomplete"]):
        print("  needs review", line)
    bad = [v for v in ours if v["impact"] in ("critical", "serious")]
    assert not bad, _summary(bad)
