"""Run parameters, seeds and repository paths.

A notebook's ``parameters`` cell holds its raw run parameters (``QUICK``, ``DATASET``),
read from the environment by :func:`env_quick` and :func:`env_dataset`; the cell after it
builds ``PARAMS = config.run_parameters(quick=QUICK, dataset=DATASET)`` and passes it to
every ``utils`` call that depends on it. Editing the cell, injecting values after it
(papermill ``-p``, the runner) and setting the variables below all mean the same run.

Environment variables (read only by the parameters cell, the runner and the command lines)
-----------------------------------------------------------------------------------------
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
    "check_writable",
    "data_dir",
    "env_dataset",
    "env_quick",
    "front_end",
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
#: A dataset choice may also be this prefix and a folder (:mod:`utils.collection`).
FOLDER_PREFIX = "folder:"

#: The seed every notebook uses unless told otherwise.
SEED = 42

#: The oldest versions the notebooks work with (requirements.txt pins the tested ones).
MINIMUM_VERSIONS = {
    "python": "3.11.5",  # soupsieve, pinned in constraints.txt, needs 3.11.5
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


def check_writable(folder, *, variable: str) -> Path:
    """Check that ``folder`` is a folder this user may write into (it is made when missing).

    A temporary file is written into it and removed: root passes every permission check.

    Parameters
    ----------
    folder : str or pathlib.Path
        The folder (:func:`data_dir`, :func:`results_dir`).
    variable : str
        The environment variable that moves it, for the message (``"MUSICDL_DATA"``).

    Returns
    -------
    pathlib.Path
        ``folder``.

    Raises
    ------
    NotADirectoryError
        When it (or a folder above it) is a file.
    PermissionError
        When it, or the nearest folder above it that exists, is not writable.

    Example
    -------
    >>> import tempfile; from pathlib import Path
    >>> f = Path(tempfile.mkdtemp()) / "data.txt"; _ = f.write_text("x")
    >>> check_writable(f, variable="MUSICDL_DATA")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    NotADirectoryError: $MUSICDL_DATA points at .../data.txt, which is a file, not a folder: ...
    """
    import tempfile

    folder = Path(folder)
    fix = f"set {variable} to a writable folder (e.g. {variable}=~/musicdl) or unset it"
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        raise NotADirectoryError(
            f"${variable} points at {folder}, which "
            + ("is" if existing == folder else f"lies under {existing}, which is")
            + f" a file, not a folder: {fix}."
        )
    denied = f"{existing} is not writable by this user, so nothing can be saved in {folder}"
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(f"{denied}: make it writable (chmod u+w '{existing}') or {fix}.")
    try:  # the real test (root passes os.access everywhere, /proc included)
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise PermissionError(f"{denied} ({err.strerror or err}): {fix}.") from None
    return folder


@dataclass(frozen=True)
class RunParameters:
    """What a notebook run is asked to do: the values of its ``parameters`` cell.

    A notebook builds one from its parameters cell (``config.run_parameters(quick=QUICK,
    dataset=DATASET)``) and hands it to every ``utils`` call whose result depends on it
    (:func:`utils.datasets.locate`, :func:`utils.demo.prepare`, ...): no function below the
    notebook reads the environment for these again. Where the data folder is
    (``$MUSICDL_DATA``) is a setting of the installation, not of a run: :func:`data_dir`.

    Attributes
    ----------
    quick : bool
        Small subset, few epochs, small models.
    dataset : str
        ``"auto"``, ``"real"`` or ``"demo"``.
    """

    quick: bool
    dataset: str

    def __str__(self) -> str:
        mode = "quick" if self.quick else "full"
        return f"mode={mode}, dataset={self.dataset}, data folder={data_dir()}"


def _parse_bool(name: str, value: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError(f"${name} must be 0 or 1, found {value!r}. Example: {name}=1 make demo")


def run_parameters(*, quick=None, dataset=None) -> RunParameters:
    """The run parameters: the arguments given, the environment for those left out.

    A notebook's parameters cell reads the environment (``QUICK = config.env_quick()``), so
    that the runner, CI and papermill can set it; the cell after it calls this with the
    cell's values, so that an edited cell is what runs.

    Parameters
    ----------
    quick : bool, optional
        Quick mode; ``None`` reads ``$MUSICDL_QUICK`` (:func:`env_quick`).
    dataset : {"auto", "real", "demo"} or str, optional
        Which copy of each dataset; ``None`` reads ``$MUSICDL_DATASET`` (:func:`env_dataset`).
        ``"folder:/path"`` names a collection of your own (:mod:`utils.collection`), kept
        as given.

    Returns
    -------
    RunParameters

    Raises
    ------
    ValueError
        For a ``dataset`` that is not one of :data:`DATASET_MODES`, or a ``quick`` that is
        not a boolean.

    Example
    -------
    >>> run_parameters(quick=True, dataset="demo")
    RunParameters(quick=True, dataset='demo')
    """
    quick = env_quick() if quick is None else quick
    if not isinstance(quick, (bool, int)) or quick not in (0, 1):
        raise ValueError(f"quick must be True or False, found {quick!r}")
    dataset = env_dataset() if dataset is None else _dataset_choice(dataset)
    if dataset not in DATASET_MODES and not dataset.startswith(FOLDER_PREFIX):
        raise ValueError(
            f"dataset must be one of {', '.join(DATASET_MODES)} or {FOLDER_PREFIX}/path, found "
            f"{dataset!r}. Set it in "
            f"the notebook's parameters cell (DATASET = 'auto') or as MUSICDL_DATASET=auto."
        )
    return RunParameters(quick=bool(quick), dataset=dataset)


def env_quick() -> bool:
    """``$MUSICDL_QUICK`` as a boolean (default off): what a parameters cell starts from.

    Example
    -------
    >>> isinstance(env_quick(), bool)
    True
    """
    return _parse_bool("MUSICDL_QUICK", os.environ.get("MUSICDL_QUICK", "0"))


def _dataset_choice(value) -> str:
    """A dataset choice, stripped; lower case except a folder's path."""
    value = str(value).strip()
    return value if value.startswith(FOLDER_PREFIX) else value.lower()


def env_dataset() -> str:
    """``$MUSICDL_DATASET`` (default ``"auto"``): what a parameters cell starts from.

    Raises
    ------
    ValueError
        When the variable is not one of :data:`DATASET_MODES` or ``folder:/path``.
    """
    dataset = _dataset_choice(os.environ.get("MUSICDL_DATASET", "auto")) or "auto"
    if dataset not in DATASET_MODES and not dataset.startswith(FOLDER_PREFIX):
        raise ValueError(
            f"MUSICDL_DATASET must be one of {', '.join(DATASET_MODES)}, found {dataset!r} "
            f"(or {FOLDER_PREFIX}/path/to/my_music, a collection of your own)."
        )
    return dataset


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


def front_end() -> str | None:
    """The front end known to render this kernel's widgets, or None.

    Jupyter Lab and Notebook (``jupyter_server`` sets ``$JPY_SESSION_NAME`` for the kernels
    of its sessions), VS Code (it defines ``__vsc_ipynb_file__`` in the kernel) and Colab.
    A kernel that nbclient, nbconvert or papermill starts has none of these.

    Example
    -------
    >>> front_end() is None or isinstance(front_end(), str)
    True
    """
    if "google.colab" in sys.modules:
        return "Colab"
    if os.environ.get("JPY_SESSION_NAME"):
        return "Jupyter"
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and "__vsc_ipynb_file__" in getattr(shell, "user_ns", {}):
        return "VS Code"
    return None


def headless() -> bool:
    """Whether no one can move a widget here, so the live demos draw one static figure.

    ``$MUSICDL_HEADLESS`` decides when set (``1``: static figures; ``0``: widgets). Unset,
    widgets are drawn only under a front end known to render them (:func:`front_end`): a
    notebook executed by nbconvert, papermill, nbclient or CI never waits on a widget (one
    waiting on ``interact`` has stalled nbclient for whole cell timeouts: jupyter/nbclient#312).
    The runner sets ``MUSICDL_HEADLESS=1`` for the kernels it starts.

    Example
    -------
    >>> isinstance(headless(), bool)
    True
    """
    value = os.environ.get("MUSICDL_HEADLESS", "").strip()
    if value:
        return _parse_bool("MUSICDL_HEADLESS", value)
    return front_end() is None


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
