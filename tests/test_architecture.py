"""evals and benchmarks use only the public surface of assistant and index (issue 14).

import-linter (``make lint``) checks layers and circles between modules, but it sees modules,
not names: ``from index.ingest import _refresh_lexical`` is an import of the public module
``index.ingest``. This test reads the source of evals/ and benchmarks/ and fails on every private
name (``_x``, not ``__x__``) they import from, or reach through, assistant and index.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
CLIENTS = ("evals", "benchmarks")
PROVIDERS = ("assistant", "index")

# Today's violations, each removed by the lane named. An entry that no longer occurs fails the
# test too, so the list cannot go stale: delete it when that lane is merged.
KNOWN: set[tuple[str, str]] = set()


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _provided(module: str) -> bool:
    return module.split(".")[0] in PROVIDERS


def private_uses(source: str) -> set[str]:
    """The dotted private names of assistant/index that ``source`` imports or reaches.

    Only names bound by an import are followed: ``bot._x`` on an instance is not seen.
    """
    tree = ast.parse(source)
    bound: dict[str, str] = {}  # local name -> dotted name in assistant/index
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not _provided(alias.name):
                    continue
                found.update(_private_prefixes(alias.name))
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:  # `import index.ingest` binds `index`
                    top = alias.name.split(".")[0]
                    bound[top] = top
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not _provided(node.module):
                continue
            found.update(_private_prefixes(node.module))
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                if _private(alias.name):
                    found.add(dotted)
                bound[alias.asname or alias.name] = dotted
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = _dotted(node.value, bound)
            if base is not None:
                found.add(f"{base}.{node.attr}")
    return found


def _private_prefixes(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[: i + 1]) for i, part in enumerate(parts) if _private(part)}


def _dotted(node: ast.expr, bound: dict[str, str]) -> str | None:
    """``a.b.c`` as the dotted assistant/index name it refers to, if ``a`` was imported."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, bound)
        return None if base is None else f"{base}.{node.attr}"
    return None


def test_evals_and_benchmarks_use_no_private_names() -> None:
    found: set[tuple[str, str]] = set()
    for package in CLIENTS:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            found |= {(rel, name) for name in private_uses(path.read_text(encoding="utf-8"))}
    new = sorted(found - KNOWN)
    gone = sorted(KNOWN - found)
    assert not new, "evals/benchmarks use private names of assistant/index: " + ", ".join(
        f"{name} in {rel}" for rel, name in new
    )
    assert not gone, "fixed, so delete from KNOWN in tests/test_architecture.py: " + ", ".join(
        f"{name} in {rel}" for rel, name in gone
    )


@pytest.mark.parametrize(
    "source",
    [
        "from assistant.core import _x",
        "from index._private import thing",
        "import index._private",
        "import index.ingest\nindex.ingest._refresh_lexical(1, 2)",
        "from index import ingest\ningest._refresh_lexical(1, 2)",
        "import assistant.core as core\ncore.Assistant._answerer",
    ],
)
def test_private_uses_are_caught(source: str) -> None:
    assert private_uses(source), source


@pytest.mark.parametrize(
    "source",
    [
        "from index.ingest import ingest\ningest(settings)",
        "from evals.runner import _mine",  # evals' own private names are its business
        "import os\nos._exit(0)",
        "from assistant import Assistant\nAssistant.__init__",
    ],
)
def test_public_uses_pass(source: str) -> None:
    assert not private_uses(source), source
