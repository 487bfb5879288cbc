"""What `make setup` pays once so that every later process doesn't: two ratios, one run.

1. librosa's numba kernels: ``audio.precompile()`` with an empty numba cache (what every
   kernel or test worker paid on a new environment before ``make setup`` compiled them) vs
   the same calls with the cache written (what they pay now).
2. Bytecode: importing TensorFlow, Keras and librosa without any ``.pyc`` (what every kernel
   pays when the install did not compile bytecode and ``PYTHONDONTWRITEBYTECODE`` is set, as
   on some CI machines) vs with the ``.pyc`` the install compiled.

Both measure fresh processes; numba writes to a temporary cache folder, so librosa's own
cache is left alone. Needs no network. Always exits 0.

    python benchmarks/setup_costs.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORTS = "import tensorflow, keras, librosa"


def _seconds(code: str, **env) -> float:
    """Wall time of ``python -c code`` in a fresh process (TensorFlow's chatter silenced)."""
    full = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **env)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full, check=True, capture_output=True
    )
    return time.perf_counter() - start


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        precompile = "from utils import audio; audio.precompile()"
        cold = _seconds(precompile, NUMBA_CACHE_DIR=tmp)
        warm = _seconds(precompile, NUMBA_CACHE_DIR=tmp)
        rows.append(("`audio.precompile()`: numba cache empty vs written", cold, warm))
        print(f"numba: empty cache {cold:.1f} s, written {warm:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as empty:
        # -X pycache_prefix points at an empty folder: no .pyc is found, none is written.
        no_pyc = _seconds(
            f"import sys; sys.pycache_prefix = {empty!r}; {IMPORTS}",
            PYTHONDONTWRITEBYTECODE="1",
        )
        pyc = _seconds(IMPORTS)
        rows.append((f"`{IMPORTS}`: no bytecode vs the install's bytecode", no_pyc, pyc))
        print(f"bytecode: none {no_pyc:.1f} s, compiled at install {pyc:.1f} s", flush=True)
    print()
    print("| what each new process pays | before (s) | after (s) | before / after |")
    print("|---|---|---|---|")
    for what, before, after in rows:
        print(f"| {what} | {before:.1f} | {after:.1f} | {before / after:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
