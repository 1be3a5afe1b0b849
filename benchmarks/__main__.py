"""``python -m benchmarks [--quick] [ingest|query|baseline|scale] [args]``: the benchmarks, the same
as ``nds-assistant bench`` (see :mod:`benchmarks.cli`)."""

from __future__ import annotations

from benchmarks.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
