"""The chat's HTML (assistant.chat.render) as pure functions, without Gradio or a server:
citations, escaping of hostile text, the sources table, refusals; the string tables; and that
answering (`nds-assistant ask`) never loads Gradio or the chat."""

from __future__ import annotations

import html
import re
import string
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assistant.chat.conversation import ALL, Turn, history_of, make_filters, publisher_groups
from assistant.chat.render import (
    REFUSAL_MARK,
    Safe,
    documents_html,
    documents_table,
    highlight,
    link,
    render_messages,
    report_html,
    safe_url,
    sources_html,
    table,
)
from assistant.messages import TABLES
from assistant.types import Answer, Citation, Passage

ROOT = Path(__file__).resolve().parents[1]
EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&"


def _citation(n: int, **kw: object) -> Citation:
    fields: dict[str, object] = {
        "source_id": f"doc-{n}",
        "title": f"Document {n}",
        "publisher": "Ministerie van BZK",
        "date": "2025-07-04",
        "url": f"https://www.rijksoverheid.nl/doc-{n}",
        "quote": "zes prioriteiten",
        "chunk_id": f"doc-{n}#0",
        "score": 0.9,
        "passage": "De NDS kent\nzes   prioriteiten. Dat zijn cloud en data.",
        "page": None,
    }
    fields.update(kw)
    return Citation(**fields)  # type: ignore[arg-type]


def _passage(source: str, text: str = "Een passage.", **meta: object) -> Passage:
    return Passage(source, f"{source}#0", text, 0.5, {"title": f"Titel {source}", **meta})


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text, as a browser's parser sees them."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _no_active_content(markup: str) -> _Tags:
    parsed = _Tags(markup)
    for tag, attrs in parsed.tags:
        assert tag not in ("script", "img", "iframe", "object"), (tag, markup)
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        href = attrs.get("href")
        assert href is None or href.startswith(("https://", "http://")), href
    return parsed


# -- the sources panel -------------------------------------------------------------------------


def test_citations_are_numbered_linked_and_the_quote_is_marked() -> None:
    answer = Answer(
        "q",
        "Zes prioriteiten. [1] Cloud. [2]",
        False,
        [_citation(1, page=3), _citation(2, quote="cloud en data")],
    )
    out = sources_html(answer, "nl", turn=2)
    parsed = _no_active_content(out)
    assert 'data-turn="2"' in out and '<h2 id="bronnen-kop">Bronnen</h2>' in out
    items = re.findall(r'<li class="bron" id="bron-(\d)">', out)
    assert items == ["1", "2"]
    assert re.findall(r'<span class="bron-nr">(\[\d\])</span>', out) == ["[1]", "[2]"]
    links = [a for tag, a in parsed.tags if tag == "a"]
    assert [a["href"] for a in links] == [
        "https://www.rijksoverheid.nl/doc-1",
        "https://www.rijksoverheid.nl/doc-2",
    ]
    assert all(a["target"] == "_blank" and a["rel"] == "noopener noreferrer" for a in links)
    assert "(opent in een nieuw venster)" in out  # said to screen readers
    assert "Ministerie van BZK · 2025-07-04 · p. 3" in out
    # The quote is found across the passage's extra whitespace, and line wraps become spaces.
    assert "De NDS kent <mark>zes   prioriteiten</mark>. Dat zijn" in out
    assert "<mark>cloud en data</mark>" in out
    assert "Sources" in sources_html(answer, "en")


def test_hostile_text_everywhere_is_shown_as_text() -> None:
    evil = _citation(
        1,
        title=EVIL,
        publisher=EVIL,
        date=EVIL,
        quote=EVIL,
        passage=f"Voor {EVIL} na. <!-- verborgen -->",
        url="javascript:alert(3)",
    )
    out = sources_html(Answer("q", "x [1]", False, [evil]), "nl")
    parsed = _no_active_content(out)
    text = "".join(parsed.text)
    assert EVIL in text  # what the official reads: the characters themselves
    assert "verborgen" not in out  # HTML comments of a source are dropped
    assert '<span class="bron-titel">' in out  # no link for a javascript: URL
    assert f"<mark>{html.escape(EVIL)}</mark>" in out


def test_a_quote_that_is_not_in_the_passage_is_still_shown_marked() -> None:
    out = sources_html(
        Answer("q", "x [1]", False, [_citation(1, quote="elders", passage="")]), "nl"
    )
    assert '<blockquote class="bron-tekst"><mark>elders</mark></blockquote>' in out
    assert highlight("Geen treffer hier.", "elders") == "Geen treffer hier."


def test_a_refusal_lists_the_three_nearest_documents_once_each() -> None:
    passages = [
        _passage("a", "Eerste passage " + EVIL, url="https://example.org/a", publisher="VNG"),
        _passage("a", "Tweede passage van a"),
        _passage("b", "woord " * 200, page=4),
        _passage("c", url="ftp://example.org/c"),
        _passage("d"),
    ]
    out = sources_html(Answer("q", "Geen antwoord.", True, [], passages=passages), "nl", turn=1)
    parsed = _no_active_content(out)
    assert out.startswith('<section class="geweigerd"')
    assert "Geen antwoord in de bronnen — dichtstbijzijnde documenten:" in out
    assert re.findall(r'<span class="bron-nr">(\d)\.</span>', out) == ["1", "2", "3"]
    assert "Titel a" in out and "Titel b" in out and "Titel c" in out and "Titel d" not in out
    assert "Tweede passage" not in out  # one passage per document
    assert [a["href"] for tag, a in parsed.tags if tag == "a"] == ["https://example.org/a"]
    assert "woord " * 60 in out and out.count("woord") < 80 and " …</blockquote>" in out
    assert "p. 4" in out
    # No citations at all counts as a refusal too; no passages: an empty list.
    empty = sources_html(Answer("q", "x", False, []), "en")
    assert "No answer in the sources" in empty and "<ol>" not in empty


def test_the_empty_and_error_panels() -> None:
    assert "Hier verschijnen de bronnen" in sources_html(None, "nl")
    failed = sources_html(None, "en", error=True, turn=3)
    assert "There are no sources for this answer." in failed and 'data-turn="3"' in failed


# -- tables --------------------------------------------------------------------------------------


def test_one_table_shape_escapes_cells_unless_safe() -> None:
    out = table(["Naam", "<b>Kop</b>"], [[EVIL, Safe("<em>ok</em>")], [None, 0]], ["rood"])
    rows = re.findall(r"<tr[^>]*>.*?</tr>", out)
    assert (
        rows[0] == '<tr><th scope="col">Naam</th><th scope="col">&lt;b&gt;Kop&lt;/b&gt;</th></tr>'
    )
    assert rows[1] == f'<tr class="rood"><td>{html.escape(EVIL)}</td><td><em>ok</em></td></tr>'
    assert rows[2] == "<tr><td></td><td></td></tr>"  # None and 0 render as empty cells
    assert out.startswith('<table class="nds-docs">') and out.endswith("</tbody></table>")


def test_the_document_lists() -> None:
    docs = [
        {"doc_id": "nds", "title": "De NDS", "publisher": "BZK", "date": "2025-07-04",
         "url": "https://example.org/nds", "source_file": "nds.md"},
        {"doc_id": "kaal", "title": None, "publisher": EVIL, "date": None, "url": "javascript:x",
         "source_file": "kaal.pdf"},
    ]  # fmt: skip
    chat = documents_html(docs, "nl")
    _no_active_content(chat)
    assert '<th scope="col">Document</th><th scope="col">Uitgever</th>' in chat
    assert '<a href="https://example.org/nds" target="_blank"' in chat
    assert "<tr><td><span>kaal</span></td>" in chat  # the id when there is no title; no link
    admin = documents_table(docs, "en")
    _no_active_content(admin)
    assert admin.startswith("<h3>Documents in the index (2)</h3>")
    assert "<td>De NDS</td><td>BZK</td><td>2025-07-04</td><td>nds.md</td>" in admin
    assert html.escape(EVIL) in admin


def test_the_upload_report() -> None:
    rows = [("a.md", "geindexeerd", "Geïndexeerd (2 passages)"), (EVIL, "geweigerd", "Nee")]
    out = report_html(rows, rows[1:], "nl", run=4, note="Klaar.")
    _no_active_content(out)
    assert 'data-run="4"' in out and "<p class='verslag-melding'>Klaar.</p>" in out
    assert '<tr class="geindexeerd"><td>a.md</td><td>Geïndexeerd (2 passages)</td></tr>' in out
    assert out.count("<table") == 2 and "Andere bestanden in de bronnenmap" in out
    assert "Nog niets geüpload." in report_html([], [], "nl", run=0)


def test_only_http_urls_become_links() -> None:
    assert safe_url(" https://example.org/a ") == "https://example.org/a"
    for bad in ("javascript:alert(1)", "data:text/html,x", "ftp://x.org", "//x.org", "http://"):
        assert safe_url(bad) is None
        assert "<a" not in link(bad, "t", "nl")


# -- the conversation ------------------------------------------------------------------------


def test_messages_escape_and_mark_refusals_and_errors() -> None:
    turns = [
        Turn(EVIL, "Antwoord. [1]"),
        Turn("Vraag 2", "Geen antwoord.", refused=True),
        Turn("Vraag 3", "Er ging iets mis.", error=True),
    ]
    msgs = render_messages(turns, pending=(EVIL, "Deels"))
    assert [m["role"] for m in msgs] == ["user", "assistant"] * 4
    assert msgs[0]["content"] == html.escape(EVIL, quote=False)
    assert msgs[1]["content"] == "Antwoord. [1]"
    assert msgs[3]["content"] == REFUSAL_MARK + "Geen antwoord."
    assert msgs[5]["content"] == REFUSAL_MARK + "Er ging iets mis."
    assert msgs[6]["content"] == html.escape(EVIL, quote=False) and msgs[7]["content"] == "Deels"


def test_turns_round_trip_through_gradio_state_and_make_the_history() -> None:
    turn = Turn("Wat is de NDS?", "Een strategie. [1]", citations=[{"title": "NDS"}])
    assert Turn.from_dict({**turn.to_dict(), "unknown": 1}) == turn
    failed = Turn.failed("Vraag", "Fout.", [], "en")
    assert failed.error and failed.refused and failed.language == "en"
    assert history_of([turn, failed]) == [
        {"role": "user", "content": "Wat is de NDS?"},
        {"role": "assistant", "content": "Een strategie. [1]"},
    ]


def test_filters_of_the_chat_choices() -> None:
    f = make_filters("VNG", ALL, "2025")
    assert (f.publisher, f.doc_type, f.era) == ("VNG", None, "2025")
    assert make_filters(None, "", ALL) == make_filters(ALL, ALL, ALL)
    docs = [{"publisher": "VNG (Vereniging van Nederlandse Gemeenten)"}, {"publisher": "bzk"},
            {"publisher": ""}, {"publisher": "VNG"}]  # fmt: skip
    assert publisher_groups(docs) == ["bzk", "VNG"]


# -- strings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_string_exists_in_both_languages_with_the_same_placeholders(name: str) -> None:
    table_ = TABLES[name]
    assert set(table_) == {"nl", "en"}
    assert set(table_["nl"]) == set(table_["en"])

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    for key, text in table_["nl"].items():
        assert fields(text) == fields(table_["en"][key]), (name, key)


# -- import cost -----------------------------------------------------------------------------


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(out.stdout.split())


def test_rendering_and_the_login_do_not_load_gradio() -> None:
    loaded = _modules_after(
        "import assistant.chat.render, assistant.chat.auth, assistant.chat.takeaway, "
        "assistant.chat.conversation, assistant.messages"
    )
    assert "assistant.chat.render" in loaded
    assert "gradio" not in loaded and "assistant.chat.app" not in loaded


def test_what_ask_imports_does_not_load_gradio_or_the_chat() -> None:
    loaded = _modules_after(
        "import assistant, assistant.cli, assistant.core, assistant.extractive, assistant.llm"
    )
    assert "assistant.core" in loaded
    assert "gradio" not in loaded
    assert not {m for m in loaded if m == "assistant.chat" or m.startswith("assistant.chat.")}


@pytest.mark.slow
def test_nds_assistant_ask_does_not_import_gradio_or_the_chat(tmp_path: Path) -> None:
    """The real command over a tiny index: `python -X importtime` lists every module it loads."""
    from tests.corpora import NDS_PRIORITIES, index_corpus

    settings = index_corpus(tmp_path, {"nds.md": NDS_PRIORITIES})
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c",
         "import sys; from assistant.cli import main; sys.exit(main(sys.argv[1:]))",
         "ask", "Wat zijn de zes prioriteiten van de NDS?",
         "--index", str(settings.index_dir), "--sources", str(settings.sources_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "[1]" in run.stdout  # it answered, with a citation
    imported = {line.split("|")[-1].strip() for line in run.stderr.splitlines() if "|" in line}
    assert "assistant.core" in imported
    assert "gradio" not in imported
    assert not {m for m in imported if m.startswith("assistant.chat")}
