"""Each notebook's wall time in quick mode: first run (empty feature cache) vs second run (cache warm).

The quick demo data is generated once beforehand (not timed). Both runs use a temporary
data folder that links to it, so the project's own feature cache is left alone. Prints a
table and each notebook's ratio; the target is about a minute per notebook in quick mode
on a 2-core CPU. Always exits 0.

    python benchmarks/notebooks.py [00 01 ...]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from utils import config, datasets, demo, layouts, runner

TARGET_SECONDS = 60


def main(argv: list[str]) -> int:
    selected = runner.notebooks(argv or None)
    for name in layouts.CORE_DATASETS:  # generate the quick demo outside the timings
        demo.prepare([name], config.run_parameters(quick=True, dataset="demo"))
    demo_quick = config.data_dir() / "demo-quick"
    real = [
        name for name in datasets.DATASETS if datasets.is_present(datasets.real_path(name), name)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        (data / "demo-quick").symlink_to(demo_quick, target_is_directory=True)
        for name in real:  # real datasets, when downloaded, are used as the notebooks would
            (data / datasets.DATASETS[name].folder).symlink_to(
                datasets.real_path(name), target_is_directory=True
            )
        os.environ["MUSICDL_DATA"] = str(data)
        rows = []
        for path in selected:
            cold = runner.execute(path, quick=True, out_dir=Path(tmp) / "cold")
            warm = runner.execute(path, quick=True, out_dir=Path(tmp) / "warm")
            status = "ok" if cold.ok and warm.ok else "FAILED"
            rows.append((path.stem, cold.seconds, warm.seconds, status))
            print(
                f"{path.stem}: cold {cold.seconds:.1f} s, warm {warm.seconds:.1f} s ({status})",
                flush=True,
            )
    print()
    print(
        "| notebook | first run (s) | second run (s) | first / second "
        f"| first vs {TARGET_SECONDS} s target | status |"
    )
    print("|---|---|---|---|---|---|")
    for stem, cold, warm, status in rows:
        verdict = "PASS" if cold <= TARGET_SECONDS else "MISS"
        print(f"| {stem} | {cold:.1f} | {warm:.1f} | {cold / warm:.2f}x | {verdict} | {status} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
