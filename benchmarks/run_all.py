"""Run every benchmark in this folder (each prints its own table of times and ratios vs QuTiP).

Not a test: run with ``make bench`` (or ``python benchmarks/run_all.py``) on a quiet machine.
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main() -> int:
    here = Path(__file__).resolve().parent
    names = sys.argv[1:] or sorted(p.stem for p in here.glob("bench_*.py"))
    for name in names:
        path = here / f"{name}.py"
        print(f"\n=== {name} ===", flush=True)
        runpy.run_path(str(path), run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
