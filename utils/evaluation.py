"""Metrics and the results files.

Each notebook writes its headline numbers to ``results/<notebook>.json`` with
:func:`save_results`; the tests check them and ``python -m utils.runner`` prints them.
"""

from __future__ import annotations

import json
import math
import platform
import time
from importlib import metadata
from pathlib import Path

from . import config

__all__ = ["RESULTS_DIR", "TRACKED_PACKAGES", "results_dir", "save_results", "load_results", "Timer"]

#: Folder of the results files, relative to the repository root.
RESULTS_DIR = "results"

#: Packages whose versions go into every results file.
TRACKED_PACKAGES = ("numpy", "librosa", "soundfile", "tensorflow", "keras", "scikit-learn", "pandas")


def results_dir() -> Path:
    """The results folder at the repository root."""
    return config.repo_root() / RESULTS_DIR


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


class Timer:
    """Wall-clock seconds since creation; ``float(timer)`` reads it.

    Example
    -------
    >>> t = Timer(); float(t) >= 0
    True
    """

    def __init__(self):
        self.start = time.perf_counter()

    def __float__(self) -> float:
        return time.perf_counter() - self.start


def save_results(notebook: str, *, dataset: str, source: str, quick: bool, metrics: dict, seconds: float) -> Path:
    """Write ``results/<notebook>.json``.

    Parameters
    ----------
    notebook : str
        The notebook's file stem, e.g. ``"00_setup_check"``.
    dataset : str
        Which dataset the numbers are on (e.g. ``"gtzan_music_speech"``, or ``"none"``).
    source : {"real", "demo", "none"}
        Whether that dataset was the real one or the offline demo.
    quick : bool
        Whether the run was in quick mode.
    metrics : dict
        A flat mapping of metric name to number; every value must be a finite float.
    seconds : float
        Wall time of the notebook run.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    if source not in ("real", "demo", "none"):
        raise ValueError(f"source must be 'real', 'demo' or 'none', found {source!r}")
    flat = {}
    for key, value in metrics.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"metric {key!r} must be a number, found {value!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"metric {key!r} is {number}; a results file holds finite numbers only")
        flat[str(key)] = number
    record = {
        "notebook": notebook,
        "dataset": dataset,
        "source": source,
        "quick": bool(quick),
        "metrics": flat,
        "seconds": round(float(seconds), 2),
        "versions": _versions(),
        "written": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    out = results_dir() / f"{notebook}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    tmp.replace(out)
    return out


def load_results(notebook: str | None = None):
    """Read one results file (a dict), or all of them (a list of dicts sorted by notebook)."""
    if notebook is not None:
        path = results_dir() / f"{notebook}.json"
        if not path.exists():
            raise FileNotFoundError(f"No results for {notebook}: {path} is missing. Run the notebook first.")
        return json.loads(path.read_text(encoding="utf-8"))
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(results_dir().glob("*.json"))]
