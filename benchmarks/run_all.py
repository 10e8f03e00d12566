"""Run every benchmark in turn (``make bench``); each prints its figures and ratios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for bench in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {bench.stem} ===", flush=True)
        if subprocess.run([sys.executable, str(bench)], check=False).returncode != 0:
            failed.append(bench.stem)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
