"""Run parameters, seeds and repository paths.

Every notebook reads its parameters through :func:`run_parameters`, so that
papermill, nbclient, Colab and a plain ``jupyter lab`` all behave the same way.

Environment variables
---------------------
MUSICDL_QUICK    ``1`` runs a small subset with few epochs (about a minute per notebook).
MUSICDL_DATASET  ``auto`` (real data if present, else demo), ``real`` or ``demo``; or
                 ``folder:/path/to/my_music``, a collection of your own with a folder
                 per class (:mod:`utils.collection`), for the notebooks that accept one.
MUSICDL_DATA     the data folder; default ``data/`` at the repository root. A relative
                 path is taken from the repository root, never from the current folder,
                 so the runner and the notebook kernels (which start in ``notebooks/``)
                 read the same folder.
MUSICDL_HEADLESS ``1`` when no person watches (the runner, CI, the site): live widgets
                 draw one static figure instead (:func:`headless`).
MUSICDL_RESULTS  the results folder; default ``results/`` at the repository root (same rule).
                 Quick-mode results go to its ``quick/`` subfolder, so quick and full runs
                 never overwrite each other.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DATASET_MODES",
    "FOLDER_PREFIX",
    "MINIMUM_VERSIONS",
    "RunParameters",
    "SEED",
    "data_dir",
    "headless",
    "missing_requirements",
    "package_report",
    "quiet_native_stderr",
    "repo_root",
    "results_dir",
    "run_parameters",
    "set_seed",
]

#: Accepted values of ``$MUSICDL_DATASET``.
DATASET_MODES = ("auto", "real", "demo")
#: ``$MUSICDL_DATASET`` may also be this prefix and a folder (:mod:`utils.collection`).
FOLDER_PREFIX = "folder:"

#: The seed every notebook uses unless told otherwise.
SEED = 42

#: The oldest versions the notebooks work with (requirements.txt pins the tested ones).
MINIMUM_VERSIONS = {
    "python": "3.10",
    "numpy": "1.26",
    "scipy": "1.11",
    "pandas": "2.2",
    "matplotlib": "3.8",
    "scikit-learn": "1.5",
    "soundfile": "0.12.1",
    "librosa": "0.10.2",
    "tensorflow": "2.16",
    "keras": "3.3",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def repo_root() -> Path:
    """The repository's root folder (the one holding ``utils/``), from any working directory."""
    return Path(__file__).resolve().parent.parent


def _folder_from_env(name: str, default: str) -> Path:
    value = os.environ.get(name, "").strip()
    path = Path(value).expanduser() if value else Path(default)
    if not path.is_absolute():
        path = repo_root() / path
    return path.resolve()


def data_dir() -> Path:
    """The data folder: ``$MUSICDL_DATA`` if set, else ``data/`` at the repository root.

    A relative ``$MUSICDL_DATA`` is taken from the repository root.

    Example
    -------
    >>> data_dir().is_absolute()
    True
    """
    return _folder_from_env("MUSICDL_DATA", "data")


def results_dir(*, quick: bool = False) -> Path:
    """Where results files go: ``$MUSICDL_RESULTS`` (default ``results/``), ``quick/`` inside for quick runs.

    Example
    -------
    >>> results_dir(quick=True).name
    'quick'
    """
    root = _folder_from_env("MUSICDL_RESULTS", "results")
    return root / "quick" if quick else root


@dataclass(frozen=True)
class RunParameters:
    """What a notebook run is asked to do.

    Attributes
    ----------
    quick : bool
        Small subset, few epochs, small models.
    dataset : str
        ``"auto"``, ``"real"`` or ``"demo"``.
    data_dir : pathlib.Path
        Where datasets live.
    """

    quick: bool
    dataset: str
    data_dir: Path

    def __str__(self) -> str:
        mode = "quick" if self.quick else "full"
        return f"mode={mode}, dataset={self.dataset}, data_dir={self.data_dir}"


def _parse_bool(name: str, value: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError(f"${name} must be 0 or 1, found {value!r}. Example: {name}=1 make demo")


def run_parameters(*, quick=None, dataset=None, data_dir=None) -> RunParameters:
    """Read the run parameters from the environment; arguments override it.

    Parameters
    ----------
    quick : bool, optional
        Overrides ``$MUSICDL_QUICK``.
    dataset : {"auto", "real", "demo"} or str, optional
        Overrides ``$MUSICDL_DATASET``; ``"folder:/path"`` names a collection of your own
        (:func:`utils.collection.load_folder`), kept as given.
    data_dir : str or pathlib.Path, optional
        Overrides ``$MUSICDL_DATA``.

    Returns
    -------
    RunParameters

    Example
    -------
    >>> run_parameters(quick=True, dataset="demo").quick
    True
    """
    if quick is None:
        quick = _parse_bool("MUSICDL_QUICK", os.environ.get("MUSICDL_QUICK", "0"))
    if dataset is None:
        dataset = os.environ.get("MUSICDL_DATASET", "auto").strip() or "auto"
    if not dataset.startswith(FOLDER_PREFIX):  # a folder's path keeps its case
        dataset = dataset.lower()
    if dataset not in DATASET_MODES and not dataset.startswith(FOLDER_PREFIX):
        raise ValueError(
            f"MUSICDL_DATASET must be one of {', '.join(DATASET_MODES)} or "
            f"{FOLDER_PREFIX}/path/to/my_music, found {dataset!r}."
        )
    folder = (
        _folder_from_env("MUSICDL_DATA", "data")
        if data_dir is None
        else Path(data_dir).expanduser().resolve()
    )
    return RunParameters(quick=bool(quick), dataset=dataset, data_dir=folder)


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence what C++ libraries print straight to the process's stderr, for the block's duration.

    TensorFlow's CUDA probes print lines such as "Could not find cuda drivers" on every CPU
    machine, before ``TF_CPP_MIN_LOG_LEVEL`` takes effect; they would clutter the first cell
    that imports Keras. Python exceptions and warnings are unaffected.
    """
    try:
        fd = sys.__stderr__.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (some embedded consoles)
        yield
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.__stderr__.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def set_seed(seed: int = SEED) -> int:
    """Seed Python, NumPy and TensorFlow so that runs repeat.

    Calls ``keras.utils.set_random_seed``, which seeds all three.

    Parameters
    ----------
    seed : int
        The seed; the series uses :data:`SEED` throughout.

    Returns
    -------
    int
        The seed, for printing.
    """
    with quiet_native_stderr():
        import keras

    keras.utils.set_random_seed(seed)
    return seed


def package_report(minimums: dict | None = None) -> list[dict]:
    """Compare installed package versions with the minimums.

    Parameters
    ----------
    minimums : dict, optional
        Package name to minimum version; defaults to :data:`MINIMUM_VERSIONS`.

    Returns
    -------
    list of dict
        One row per package: ``package``, ``minimum``, ``installed`` (``None`` when missing)
        and ``ok`` (bool).

    Example
    -------
    >>> package_report({"numpy": "1.0"})[0]["ok"]
    True
    """
    import platform
    from importlib import metadata

    from packaging.version import Version

    rows = []
    for name, minimum in (minimums or MINIMUM_VERSIONS).items():
        if name == "python":
            installed = platform.python_version()
        else:
            try:
                installed = metadata.version(name)
            except metadata.PackageNotFoundError:
                installed = None
        ok = installed is not None and Version(installed) >= Version(minimum)
        rows.append({"package": name, "minimum": minimum, "installed": installed, "ok": ok})
    return rows


def headless() -> bool:
    """Whether the notebook runs with no one to move a widget (``$MUSICDL_HEADLESS=1``).

    The runner sets it for the kernels it starts (``make demo``, the tests, the site).

    Example
    -------
    >>> isinstance(headless(), bool)
    True
    """
    return _parse_bool("MUSICDL_HEADLESS", os.environ.get("MUSICDL_HEADLESS", "0"))


def missing_requirements(path) -> list[str]:
    """The lines of a requirements file that the running Python does not satisfy.

    A package counts as missing when it is not installed or its version is outside the
    line's range; Colab's setup cell installs just these (``requirements-colab.txt``).

    Parameters
    ----------
    path : str or pathlib.Path
        A requirements file: one requirement per line, ``#`` comments allowed.

    Returns
    -------
    list of str
        The unsatisfied requirements, as written in the file (e.g. ``"librosa>=0.10.2,<1.0"``).

    Example
    -------
    >>> missing_requirements(repo_root() / "requirements.txt")  # after make setup
    []
    """
    from importlib import metadata

    from packaging.requirements import Requirement

    missing = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate():
            continue  # not meant for this Python or platform
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed is None or not req.specifier.contains(installed, prereleases=True):
            missing.append(line)
    return missing
