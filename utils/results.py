"""The results files: each notebook's headline numbers and lessons, written and read back.

Each notebook writes its numbers with :func:`save_results` to ``results/<notebook>.json``
(full mode) or ``results/quick/<notebook>.json`` (quick mode), so the two never overwrite
each other; ``$MUSICDL_RESULTS`` moves the folder (the tests point it at a temporary one).
A file holds the dataset and its source (real, demo, or a folder of your own), the mode,
``metrics`` (numbers), ``lessons`` (the notebook's claims as checks: name -> true/false),
optionally ``searches`` (a table: one row of metrics per method, which notebook 10 reads
from notebook 09), the wall time and the package versions. The tests check these files;
``python -m utils.runner`` and :mod:`utils.publish` print them.
"""

from __future__ import annotations

import json
import math
import platform
import time
from importlib import metadata
from pathlib import Path

import numpy as np

from . import config, files

__all__ = ["SOURCES", "TRACKED_PACKAGES", "save_results", "load_results", "lesson"]

#: Where a results file's numbers come from: the real dataset, the offline demo, a folder
#: of your own (``DATASET = "folder:..."``), or no dataset at all.
SOURCES = ("real", "demo", "folder", "none")

#: Packages whose versions go into every results file.
TRACKED_PACKAGES = (
    "numpy",
    "librosa",
    "soundfile",
    "tensorflow",
    "keras",
    "scikit-learn",
    "pandas",
)


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _backend() -> str | None:
    """The Keras backend that ran the notebook (``KERAS_BACKEND``), if Keras was imported."""
    import sys

    keras = sys.modules.get("keras")
    return keras.backend.backend() if keras is not None else None


def lesson(held, claim: str, *, otherwise: str) -> str:
    """The sentence a notebook prints about one of its lessons: the claim, or that it failed.

    A lesson's prose is built from its check, so that no run states what it did not show.

    Parameters
    ----------
    held : bool
        Whether the lesson held in this run (the value that goes into ``lessons``).
    claim : str
        What the run shows when it held, with the run's numbers.
    otherwise : str
        What the run shows instead, with the same numbers.

    Example
    -------
    >>> lesson(0.9 > 0.7, "The CNN (0.90) beats the baseline (0.70).", otherwise="It does not.")
    'The CNN (0.90) beats the baseline (0.70).'
    >>> lesson(False, "A claim.", otherwise="The CNN scores 0.60.")
    'Not in this run: the CNN scores 0.60.'
    """
    if not isinstance(held, (bool, np.bool_)):
        raise TypeError(f"held must be True or False, found {held!r}")
    if held:
        return claim
    return "Not in this run: " + otherwise[:1].lower() + otherwise[1:]


def _numbers(values: dict, what: str) -> dict:
    flat = {}
    for key, value in values.items():
        if isinstance(value, dict):  # one level of names, e.g. positive test clips per tag
            flat[str(key)] = _numbers(value, f"{what} {key!r}:")
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"{what} {key!r} must be a number, found {value!r}") from None
        if not math.isfinite(number):
            raise ValueError(
                f"{what} {key!r} is {number}; a results file holds finite numbers only"
            )
        flat[str(key)] = number
    return flat


def save_results(
    notebook: str,
    *,
    dataset: str,
    source: str,
    quick: bool,
    metrics: dict,
    seconds: float,
    lessons: dict | None = None,
    searches: dict | None = None,
) -> Path:
    """Write ``results/<notebook>.json``.

    Parameters
    ----------
    notebook : str
        The notebook's file stem, e.g. ``"00_setup_check"``.
    dataset : str
        Which dataset the numbers are on (e.g. ``"gtzan_music_speech"``, or ``"none"``).
    source : {"real", "demo", "folder", "none"}
        Whether that dataset was the real one, the offline demo, or a collection of your
        own (``DATASET = "folder:..."``, :mod:`utils.collection`).
    quick : bool
        Whether the run was in quick mode.
    metrics : dict
        Metric name to number (every value a finite float), or to a mapping of names to
        numbers (e.g. ``{"test_positives_per_tag": {"rock": 5, ...}}``).
    seconds : float
        Wall time of the notebook run.
    lessons : dict, optional
        The notebook's lessons as checks: lesson name (e.g. ``"dense_beats_logreg"``) ->
        whether it held in this run. The numbers behind each lesson belong in ``metrics``.
    searches : dict, optional
        A table of the methods compared: method name -> ``{metric: number}`` (finite
        floats), read back by name (``load_results(...)["searches"]``) instead of parsing
        metric names.

    Returns
    -------
    pathlib.Path
        The file written: ``<results>/<notebook>.json``, or ``<results>/quick/<notebook>.json``
        for a quick run (:func:`utils.config.results_dir`).
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, found {source!r}")
    flat = _numbers(metrics, "metric")
    table = {str(name): _numbers(row, f"{name!r}:") for name, row in (searches or {}).items()}
    checks = {}
    for name, held in (lessons or {}).items():
        if not isinstance(held, (bool, np.bool_)):
            raise TypeError(f"lesson {name!r} must be True or False, found {held!r}")
        checks[str(name)] = bool(held)
    record = {
        "notebook": notebook,
        "dataset": dataset,
        "source": source,
        "quick": bool(quick),
        "metrics": flat,
        "lessons": checks,
        **({"searches": table} if searches is not None else {}),
        "seconds": round(float(seconds), 2),
        "versions": _versions(),
        "backend": _backend(),
        "written": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    out = config.results_dir(quick=quick) / f"{notebook}.json"
    return files.write_atomic(out, json.dumps(record, indent=2) + "\n")


def load_results(notebook: str | None = None, *, quick: bool = False):
    """Read one results file (a dict), or all of one mode (a list of dicts sorted by notebook).

    Parameters
    ----------
    notebook : str, optional
        The notebook's file stem; all notebooks when omitted.
    quick : bool
        Read the quick-mode results instead of the full-mode ones.

    Raises
    ------
    FileNotFoundError
        When ``notebook`` has no results file of that mode.
    ValueError
        When a results file is truncated or not JSON (the message names it).
    """
    folder = config.results_dir(quick=quick)
    if notebook is not None:
        path = folder / f"{notebook}.json"
        if not path.exists():
            mode = "quick" if quick else "full"
            raise FileNotFoundError(
                f"No {mode}-mode results for {notebook}: {path} is missing. Run the notebook first."
            )
        return _read(path)
    return [_read(p) for p in sorted(folder.glob("*.json"))]


def _read(path: Path) -> dict:
    return files.read_json(
        path,
        what="results file",
        fix=f"run {path.stem} again (python -m utils.runner {path.stem[:2]})",
    )
