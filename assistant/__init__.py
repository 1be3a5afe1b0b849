"""nds-assistant: grounded, cited answers over the Nederlandse Digitaliseringsstrategie.

>>> from assistant import Assistant                              # doctest: +SKIP
>>> Assistant().ask("Wat zijn de zes prioriteiten van de NDS?")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.types import Answer, Citation, Filters, Passage
from index.errors import (
    ConfigError,
    IndexMismatchError,
    IndexNotFoundError,
    IndexUnavailableError,
    NDSError,
)

if TYPE_CHECKING:
    from assistant.core import Assistant, IndexInfo
    from index.settings import Settings

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "ConfigError",
    "Filters",
    "IndexInfo",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexUnavailableError",
    "NDSError",
    "Passage",
    "Settings",
]


def __getattr__(name: str) -> Any:
    # Lazy: `import assistant` stays cheap for the CLI's --help.
    if name in ("Assistant", "IndexInfo"):
        from assistant import core

        return getattr(core, name)
    if name == "Settings":  # pydantic-settings costs ~0.3 s: not for --help
        from index.settings import Settings

        return Settings
    raise AttributeError(name)
