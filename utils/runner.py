"""Execute the notebooks headless and print their results.

``make demo`` runs ``python -m utils.runner``; the notebook tests call :func:`execute`.
Each notebook runs in a fresh ``python3`` kernel with ``notebooks/`` as its working
folder, exactly as a person running it top to bottom in JupyterLab would.

Usage::

    python -m utils.runner                  # every notebook, full mode, into build/
    python -m utils.runner --quick 00 01    # some notebooks, quick mode
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import config, datasets, evaluation

__all__ = ["NotebookRun", "notebooks", "execute", "results_table", "main"]


@dataclass
class NotebookRun:
    """What happened when a notebook ran.

    Attributes
    ----------
    path : pathlib.Path
        The notebook executed.
    seconds : float
        Wall time, kernel start included.
    error : str or None
        ``None`` on success; else the failing cell's source and its traceback.
    output : pathlib.Path or None
        The executed notebook written, if an output folder was given.
    """

    path: Path
    seconds: float
    error: str | None = None
    output: Path | None = None
    html: Path | None = field(default=None)

    @property
    def ok(self) -> bool:
        return self.error is None


def notebooks(selection=None) -> list[Path]:
    """The numbered notebooks ``notebooks/NN_*.ipynb`` in order, optionally filtered.

    Parameters
    ----------
    selection : list of str, optional
        Prefixes or stems, e.g. ``["00", "01_audio_basics"]``.
    """
    found = sorted((config.repo_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not selection:
        return found
    chosen = [p for p in found if any(p.stem.startswith(s) or p.name == s for s in selection)]
    missing = [s for s in selection if not any(p.stem.startswith(s) or p.name == s for p in found)]
    if missing:
        raise FileNotFoundError(f"No notebook matches {', '.join(missing)}; found: {', '.join(p.name for p in found)}")
    return chosen


def _env(quick: bool) -> dict:
    # inline figures even when the calling shell sets another backend (e.g. MPLBACKEND=Agg)
    return {
        "MUSICDL_QUICK": "1" if quick else "0",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }


def _failure_text(nb, exc) -> str:
    """The source of the first cell with an error output, then the error itself."""
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"cell {index}:\n{cell.source}\n\n{exc}"
    return str(exc)


def execute(path, *, quick: bool, out_dir=None, timeout: int = 900, html: bool = False) -> NotebookRun:
    """Run one notebook top to bottom in a fresh ``python3`` kernel.

    Parameters
    ----------
    path : str or pathlib.Path
        The notebook.
    quick : bool
        Sets ``MUSICDL_QUICK`` for the kernel.
    out_dir : str or pathlib.Path, optional
        Where to write the executed notebook (and its HTML when ``html=True``).
    timeout : int
        Seconds any one cell may take.
    html : bool
        Also export the executed notebook to HTML.

    Returns
    -------
    NotebookRun
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    saved = {k: os.environ.get(k) for k in _env(quick)}
    os.environ.update(_env(quick))
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    error = None
    # The kernel's own stderr (transport warnings, native library chatter) goes to a log
    # that is shown only when the notebook fails.
    kernel_log = tempfile.TemporaryFile(mode="w+")
    try:
        client.execute(stderr=kernel_log)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        error = _failure_text(nb, exc)
        kernel_log.seek(0)
        tail = kernel_log.read()[-3000:].strip()
        if tail:
            error += f"\n\nkernel stderr (last lines):\n{tail}"
    finally:
        kernel_log.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    run = NotebookRun(path=path, seconds=time.perf_counter() - start, error=error)
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        run.output = out_dir / path.name
        nbformat.write(nb, run.output)
        if html:
            from nbconvert import HTMLExporter

            body, _ = HTMLExporter().from_notebook_node(nb)
            run.html = run.output.with_suffix(".html")
            run.html.write_text(body, encoding="utf-8")
    return run


def _headline(metrics: dict, limit: int = 4) -> str:
    def number(v):
        return f"{int(v):,}" if float(v).is_integer() else f"{v:.3g}"

    return ", ".join(f"{k}={number(v)}" for k, v in list(metrics.items())[:limit])


def results_table(runs=None) -> str:
    """A Markdown table of every results file (and, when given, the runs' wall times and status)."""
    by_stem = {r.path.stem: r for r in (runs or [])}
    rows = ["| notebook | status | data | mode | seconds | headline metrics |", "|---|---|---|---|---|---|"]
    results = {r["notebook"]: r for r in evaluation.load_results()}
    for stem in sorted(set(results) | set(by_stem)):
        run, res = by_stem.get(stem), results.get(stem)
        status = "-" if run is None else ("ok" if run.ok else "FAILED")
        if res is None:
            rows.append(f"| {stem} | {status} | - | - | {run.seconds:.0f} | no results file |")
            continue
        data = f"{res['dataset']} ({res['source']})"
        mode = "quick" if res["quick"] else "full"
        seconds = run.seconds if run is not None else res["seconds"]
        rows.append(f"| {stem} | {status} | {data} | {mode} | {seconds:.0f} | {_headline(res['metrics'])} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="prefixes such as 00 01 (default: all)")
    parser.add_argument("--quick", action="store_true", help="quick mode (MUSICDL_QUICK=1)")
    parser.add_argument("--out", default=str(config.repo_root() / "build"), help="output folder (default build/)")
    parser.add_argument("--no-html", action="store_true", help="skip the HTML export")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds a single cell may take")
    args = parser.parse_args(argv)

    selected = notebooks(args.notebooks)
    print("Data (real where downloaded, else the offline demo, generated on first use):")
    for name in datasets.DATASETS:
        root, source = datasets.locate(name, quick=args.quick)
        print(f"  {name}: {source} ({root})")
    print(f"Running {len(selected)} notebook(s) in {'quick' if args.quick else 'full'} mode into {args.out}")
    runs = []
    for path in selected:
        print(f"- {path.name} ...", end=" ", flush=True)
        run = execute(path, quick=args.quick, out_dir=args.out, timeout=args.timeout, html=not args.no_html)
        runs.append(run)
        print(f"{'ok' if run.ok else 'FAILED'} in {run.seconds:.0f} s")
        if not run.ok:
            print(run.error, file=sys.stderr)
    print()
    print(results_table(runs))
    failed = [r.path.name for r in runs if not r.ok]
    if failed:
        print(f"\n{len(failed)} notebook(s) failed: {', '.join(failed)} (executed copies are in {args.out})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
