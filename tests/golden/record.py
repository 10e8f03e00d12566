"""Write the golden results (``make goldens``): every case of ``cases.py`` into ``<name>.json``.

Run it only when a change of figures is intended, and say in the commit which figures moved and
why (the test names each difference).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import CASES, HERE, run_case


def main() -> int:
    only = set(sys.argv[1:])
    for name, example, picture, seed in CASES:
        if only and name not in only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            res = run_case(example, picture, seed, Path(tmp))
        (HERE / f"{name}.json").write_text(json.dumps(res, indent=1, sort_keys=True) + "\n")
        print(f"{name}: {res['threats']}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
