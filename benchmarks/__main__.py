"""``python -m benchmarks [ingest|query] [args]`` (``nds-assistant bench``): run the benchmarks."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    which = argv.pop(0) if argv and argv[0] in ("ingest", "query") else "all"
    rc = 0
    if which in ("ingest", "all"):
        from benchmarks import ingest

        rc |= ingest.main(argv if which == "ingest" else [])
    if which in ("query", "all"):
        from benchmarks import query

        rc |= query.main(argv if which == "query" else [])
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
