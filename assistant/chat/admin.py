"""The chat's "Documenten" tab, for admins only: upload documents, see the ingest report per
file, correct a document's title, publisher and date.

Who is an admin: the users named in ``chat_admins`` (``NDS_CHAT_ADMINS=anna,bram``), who log
in through the chat's normal login (``chat_users`` / ``chat_users_file``). Without a login
there are no admins and no tab.

Safety rules of this module:

* the tab is hidden unless the logged-in user is an admin, and every handler checks the role
  again on the server (a hidden tab's events can still be called by hand);
* uploads go through :func:`index.upload.save_upload` (safe names, ingest's loader and size
  limit, nothing written outside the sources folder), then an incremental ingest;
* corrections go through :func:`index.sidecar.write_correction`, beside a file that must lie
  inside the sources folder.

The open chat answers from new documents without a restart: the reader swaps in the new
snapshot when an ingest finishes (:mod:`index.reader`).
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.chat.render import Row, documents_table, e, report_html
from assistant.core import Assistant
from assistant.messages import admin_text as t
from index.errors import ConfigError, IngestLockedError, NDSError
from index.ingest import IngestReport, ingest
from index.settings import Settings
from index.sidecar import write_correction
from index.upload import UploadError, save_upload

log = logging.getLogger("nds_assistant.chat.admin")


def admin_names(settings: Settings) -> frozenset[str]:
    """The admins of ``chat_admins``; a ConfigError when they are set without a login."""
    names = frozenset(n.strip() for n in (settings.chat_admins or "").split(",") if n.strip())
    if names and not (settings.chat_users or settings.chat_users_file):
        raise ConfigError(
            "chat_admins needs a login: set chat_users or chat_users_file as well "
            "(NDS_CHAT_USERS / NDS_CHAT_USERS_FILE)"
        )
    return names


class AdminBackend:
    """The tab's event handlers; every one checks the user's role first."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings
        self.language = settings.chat_language
        self.admins = admin_names(settings)
        self._ingesting = threading.Lock()  # one upload's ingest at a time in this process
        self._runs = itertools.count(1)

    def is_admin(self, request: gr.Request | None) -> bool:
        user = getattr(request, "username", None) if request is not None else None
        return bool(user) and user in self.admins

    # -- views ---------------------------------------------------------------------------------
    def _doc_choices(self) -> list[tuple[str, str]]:
        docs = self.assistant.documents()
        return [
            (f"{d.get('title') or d['doc_id']} ({d.get('source_file')})", str(d["source_file"]))
            for d in docs
            if d.get("source_file")
        ]

    def _views(self) -> tuple[str, Any]:
        docs = self.assistant.documents()
        return documents_table(docs, self.language), gr.Dropdown(choices=self._doc_choices())

    def on_load(self, request: gr.Request) -> tuple[Any, Any, Any]:
        """Show the tab (with the document list) to admins; to everyone else nothing."""
        if not self.is_admin(request):
            return gr.Tab(visible=False), "", gr.Dropdown(choices=[])
        table, choices = self._views()
        return gr.Tab(visible=True), table, choices

    # -- upload --------------------------------------------------------------------------------
    def on_upload(self, files: list[str] | str | None, request: gr.Request) -> tuple[Any, ...]:
        """Save each file (or refuse it), ingest, report per file. Outputs: (report,
        document list, document dropdown, file box)."""
        lang = self.language
        if not self.is_admin(request):
            gr.Warning(t(lang, "not_admin"))
            return gr.skip(), gr.skip(), gr.skip(), None
        paths = [files] if isinstance(files, str) else list(files or [])
        max_bytes = int(self.settings.max_file_mb * 2**20)
        rows: dict[str, Row] = {}
        saved: list[str] = []
        new_files: list[Path] = []
        for tmp in paths:
            name = Path(tmp).name
            try:
                size = Path(tmp).stat().st_size
                if size > max_bytes:  # do not read what will be refused
                    raise UploadError(
                        name,
                        f"file is too large: {size / 2**20:.1f} MB exceeds the limit of "
                        f"{self.settings.max_file_mb:g} MB",
                    )
                is_new = not (self.settings.sources_dir / name).exists()
                target = save_upload(
                    self.settings.sources_dir, name, Path(tmp).read_bytes(), max_bytes=max_bytes
                )
                saved.append(target.name)
                if is_new:
                    new_files.append(target)
            except UploadError as exc:
                rows[name] = (name, "geweigerd", t(lang, "refused", reason=exc.reason))
            except OSError as exc:
                log.exception("could not save an upload")
                rows[name] = (name, "geweigerd", t(lang, "refused", reason=exc.strerror or exc))
        note = ""
        others: list[Row] = []
        if saved:
            report, note = self._ingest()
            if report is not None:
                for r in report.results:
                    if r.path in saved:
                        rows[r.path] = self._row(r.path, r.status, r.chunks, r.reason)
                        # A new file that ingest refused (e.g. a copy of an indexed one) is
                        # not left behind, or every later ingest would report it again.
                        gone = [f for f in new_files if f.name == r.path]
                        if r.status == "failed" and gone:
                            gone[0].unlink(missing_ok=True)
                    elif r.status == "failed":
                        others.append(self._row(r.path, r.status, r.chunks, r.reason))
        ordered = [rows[Path(p).name] for p in paths if Path(p).name in rows]
        html_report = report_html(ordered, others, lang, run=next(self._runs), note=note)
        table, choices = self._views()
        return html_report, table, choices, None

    def _row(self, path: str, status: str, chunks: int, reason: str) -> Row:
        lang = self.language
        if status == "ingested":
            return path, "geindexeerd", t(lang, "ingested", n=chunks)
        if status == "unchanged":
            return path, "ongewijzigd", t(lang, "unchanged")
        return path, "geweigerd", t(lang, "refused", reason=reason)

    def _ingest(self) -> tuple[IngestReport | None, str]:
        """An incremental ingest with the chat's own embedder; (report, message if failed)."""
        if not self._ingesting.acquire(timeout=600):
            return None, t(self.language, "busy")
        try:
            return ingest(self.settings, embedder=self.assistant.embedder), ""
        except IngestLockedError:
            return None, t(self.language, "busy")
        except NDSError as exc:
            log.warning("ingest after an upload failed: %s", exc)
            return None, t(self.language, "failed", err=exc)
        except Exception as exc:
            log.exception("ingest after an upload failed")
            return None, t(self.language, "failed", err=type(exc).__name__)
        finally:
            self._ingesting.release()

    # -- corrections ---------------------------------------------------------------------------
    def _document_path(self, source_file: str | None) -> Path | None:
        if not source_file:
            return None
        root = self.settings.sources_dir.resolve()
        path = (root / source_file).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return path

    def on_pick(self, source_file: str | None, request: gr.Request) -> tuple[Any, Any, Any]:
        """Fill the form with the document's title, publisher and date as indexed."""
        if not self.is_admin(request) or not source_file:
            return "", "", ""
        for d in self.assistant.documents():
            if d.get("source_file") == source_file:
                return (
                    str(d.get("title") or ""),
                    str(d.get("publisher") or ""),
                    str(d.get("date") or ""),
                )
        return "", "", ""

    def on_correct(
        self,
        source_file: str | None,
        title: str | None,
        publisher: str | None,
        date: str | None,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        """Store the correction beside the file and re-ingest. Outputs as :meth:`on_upload`
        without the file box."""
        lang = self.language
        if not self.is_admin(request):
            gr.Warning(t(lang, "not_admin"))
            return gr.skip(), gr.skip(), gr.skip()
        if not source_file:
            gr.Warning(t(lang, "no_doc"))
            return gr.skip(), gr.skip(), gr.skip()
        path = self._document_path(source_file)
        if path is None:
            gr.Warning(t(lang, "unknown_doc"))
            return gr.skip(), gr.skip(), gr.skip()
        try:
            write_correction(path, title=title or "", publisher=publisher or "", date=date or "")
        except (ValueError, OSError) as exc:
            gr.Warning(t(lang, "bad_correction", err=exc))
            return gr.skip(), gr.skip(), gr.skip()
        report, note = self._ingest()
        rows: list[Row] = []
        if report is not None:
            rows = [
                self._row(r.path, r.status, r.chunks, r.reason)
                for r in report.results
                if r.path == source_file
            ]
            note = t(lang, "saved", name=source_file)
        table, choices = self._views()
        return report_html(rows, [], lang, run=next(self._runs), note=note), table, choices


@dataclass
class AdminTab:
    """The tab's components; :meth:`wire` registers its events (after the chat's own, so the
    chat's event numbers do not change)."""

    backend: AdminBackend
    tab: gr.Tab
    files: gr.File
    report: gr.HTML
    doc: gr.Dropdown
    title: gr.Textbox
    publisher: gr.Textbox
    date: gr.Textbox
    save: gr.Button
    docs: gr.HTML

    def wire(self, app: gr.Blocks) -> None:
        b = self.backend
        # The tab stays hidden until the page load shows it, to admins only.
        app.load(b.on_load, None, [self.tab, self.docs, self.doc], api_visibility="private")
        self.files.upload(
            b.on_upload,
            [self.files],
            [self.report, self.docs, self.doc, self.files],
            api_visibility="private",
            concurrency_id="admin-ingest",
            concurrency_limit=1,
        )
        self.doc.change(
            b.on_pick, [self.doc], [self.title, self.publisher, self.date], api_visibility="private"
        )
        self.save.click(
            b.on_correct,
            [self.doc, self.title, self.publisher, self.date],
            [self.report, self.docs, self.doc],
            api_visibility="private",
            concurrency_id="admin-ingest",
            concurrency_limit=1,
        )


def build_admin_tab(backend: AdminBackend) -> AdminTab:
    """The tab's layout; call inside ``gr.Blocks`` right after the chat's tab, then
    :meth:`AdminTab.wire` once the chat's events are registered."""
    lang = backend.language
    with gr.Tab(t(lang, "tab"), id="documenten", elem_id="tab-documenten", visible=False) as tab:
        gr.HTML(
            f"<h2>{e(t(lang, 'upload_head'))}</h2><p>{e(t(lang, 'upload_help'))}</p>",
            elem_id="upload-heading",
            padding=True,
        )
        files = gr.File(
            label=t(lang, "files"),
            file_count="multiple",
            type="filepath",
            elem_id="upload-files",
        )
        report = gr.HTML(report_html([], [], lang, run=0), elem_id="upload-report", padding=True)
        gr.HTML(
            f"<h2>{e(t(lang, 'correct_head'))}</h2><p>{e(t(lang, 'correct_help'))}</p>",
            elem_id="correct-heading",
            padding=True,
        )
        doc = gr.Dropdown(choices=[], value=None, label=t(lang, "doc"), elem_id="correct-doc")
        with gr.Row():
            title = gr.Textbox(label=t(lang, "title"), elem_id="correct-title", max_length=300)
            publisher = gr.Textbox(
                label=t(lang, "publisher"), elem_id="correct-publisher", max_length=300
            )
            date = gr.Textbox(label=t(lang, "date"), elem_id="correct-date", max_length=10)
        save = gr.Button(t(lang, "save"), elem_id="correct-save", variant="primary")
        docs = gr.HTML("", elem_id="admin-docs", padding=True)
    return AdminTab(backend, tab, files, report, doc, title, publisher, date, save, docs)
