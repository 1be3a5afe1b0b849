"""index.runtime: the process environment, set once, never over a value the caller chose."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from index import runtime

ROOT = Path(__file__).parents[1]


def test_configure_sets_what_is_missing_and_keeps_what_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runtime, "_configured", False)
    for name in runtime.ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")  # the caller's choice wins
    runtime.configure()
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
    # Once per process: a later call does not set again what was removed since.
    monkeypatch.delenv("HF_HUB_OFFLINE")
    runtime.configure()
    assert "HF_HUB_OFFLINE" not in os.environ
    # A child embedding server always waits passively: it shares the cores with us.
    assert runtime.server_env()["OMP_WAIT_POLICY"] == "PASSIVE"


def test_importing_the_embedder_or_the_store_configures_the_process() -> None:
    """Library users who never touch the CLI get the same environment."""
    code = (
        "import os, index.store, index.embed\n"
        "print(sorted(k for k in ('HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE',"
        " 'ANONYMIZED_TELEMETRY', 'OMP_WAIT_POLICY') if k in os.environ))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in runtime.ENVIRONMENT}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(sorted(runtime.ENVIRONMENT))
