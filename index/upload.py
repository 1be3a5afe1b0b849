"""Put an uploaded file into the sources folder, safely, so the next ingest indexes it.

Used by the chat's admin tab. The rules:

* the name is a plain file name: no folder parts, not hidden (``.``/``_``), a supported type,
  not a README or a metadata correction, no control characters;
* the file is read by the same loader, with the same size limit, as ``nds-assistant ingest``
  *before* it lands in the folder: a file ingest would refuse never replaces a good one;
* nothing is written outside the sources folder: the bytes go to a hidden temporary file in
  that folder (ingest skips hidden names) and are renamed into place.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> save_upload(folder, "nota.md", b"# Nota\\n\\nTekst.\\n", max_bytes=1000).name
'nota.md'
>>> save_upload(folder, "../nota.md", b"x", max_bytes=1000)
Traceback (most recent call last):
...
index.upload.UploadError: ../nota.md: the name may not contain a folder ("/" or "\\")
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from index.errors import LoadError
from index.loaders import SUPPORTED_SUFFIXES, iter_source_files, load_file
from index.sidecar import is_sidecar

__all__ = ["UploadError", "check_upload_name", "save_upload"]

_MAX_NAME = 150


class UploadError(ValueError):
    """An upload that was refused; ``str()`` is a one-line message for the admin."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def check_upload_name(name: str) -> str:
    """``name`` if it is a safe, supported file name; else :class:`UploadError`."""
    shown = name if len(name) <= 80 else name[:77] + "..."
    if not name or not name.strip():
        raise UploadError("(no name)", "the file has no name")
    if "/" in name or "\\" in name:
        raise UploadError(shown, 'the name may not contain a folder ("/" or "\\")')
    if re.search(r"[\x00-\x1f\x7f]", name):
        raise UploadError(shown.encode("unicode_escape").decode(), "control characters in the name")
    if name != name.strip():
        raise UploadError(shown, "the name starts or ends with a space")
    if name.startswith((".", "_")):
        raise UploadError(shown, "hidden names (starting with '.' or '_') are not indexed")
    if len(name.encode("utf-8")) > _MAX_NAME:
        raise UploadError(shown, f"the name is longer than {_MAX_NAME} bytes")
    path = Path(name)
    if is_sidecar(path):
        raise UploadError(shown, "metadata corrections are made in the form, not uploaded")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UploadError(
            shown, f"unsupported file type {suffix or '(no extension)'}; allowed: {allowed}"
        )
    if path.stem.lower() == "readme" or not path.stem.strip():
        raise UploadError(shown, "README files and names without a stem are not indexed")
    return name


def save_upload(sources_dir: Path, name: str, data: bytes, *, max_bytes: int) -> Path:
    """Check ``data`` as ``name`` with ingest's loader and write it to ``sources_dir/name``.

    An existing file of that name is replaced (a new version of the document). Raises
    :class:`UploadError` with the reason when the file is refused; nothing is written then.
    """
    name = check_upload_name(name)
    if len(data) > max_bytes:
        raise UploadError(
            name,
            f"file is too large: {len(data) / 2**20:.1f} MB exceeds the limit of "
            f"{max_bytes / 2**20:.1f} MB",
        )
    root = Path(sources_dir)
    if not root.is_dir():
        raise UploadError(name, f"the sources folder {root} does not exist")
    target = root / name
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise UploadError(name, "a link or folder of that name is in the sources folder")
    if target.resolve().parent != root.resolve():  # belt and braces: never outside the folder
        raise UploadError(name, "the file would land outside the sources folder")
    stem = target.stem
    files, _ = iter_source_files(root)
    for other in files:
        if other.stem == stem and other.resolve() != target.resolve():
            rel = other.relative_to(root).as_posix()
            raise UploadError(
                name, f"document id '{stem}' is already used by {rel}; rename the file"
            )

    # Hidden while it is checked, in the same folder so the rename is atomic.
    fd, tmp_name = tempfile.mkstemp(prefix=".upload-", suffix=target.suffix.lower(), dir=root)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            load_file(tmp, max_bytes=max_bytes)
        except LoadError as exc:
            raise UploadError(name, exc.reason) from None
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
