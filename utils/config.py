"""Run parameters, seeds and repository paths.

Every notebook reads its parameters through :func:`run_parameters`, so that
papermill, nbclient, Colab and a plain ``jupyter lab`` all behave the same way.

Environment variables
---------------------
MUSICDL_QUICK    ``1`` runs a small subset with few epochs (about a minute per notebook).
MUSICDL_DATASET  ``auto`` (real data if present, else demo), ``real`` or ``demo``.
MUSICDL_DATA     the data folder; default ``data/`` at the repository root.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DATASET_MODES", "RunParameters", "repo_root", "run_parameters", "set_seed", "SEED"]

#: Accepted values of ``$MUSICDL_DATASET``.
DATASET_MODES = ("auto", "real", "demo")

#: The seed every notebook uses unless told otherwise.
SEED = 42

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def repo_root() -> Path:
    """The repository's root folder (the one holding ``utils/``), from any working directory."""
    return Path(__file__).resolve().parent.parent


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
    dataset : {"auto", "real", "demo"}, optional
        Overrides ``$MUSICDL_DATASET``.
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
        dataset = os.environ.get("MUSICDL_DATASET", "auto").strip().lower() or "auto"
    if dataset not in DATASET_MODES:
        raise ValueError(
            f"MUSICDL_DATASET must be one of {', '.join(DATASET_MODES)}, found {dataset!r}."
        )
    if data_dir is None:
        data_dir = os.environ.get("MUSICDL_DATA") or repo_root() / "data"
    return RunParameters(quick=bool(quick), dataset=dataset, data_dir=Path(data_dir).expanduser().resolve())


def set_seed(seed: int = SEED) -> int:
    """Seed Python, NumPy and Keras (TensorFlow) so that runs repeat.

    Keras is seeded only if it is already imported or importable, so this stays cheap
    for notebooks that do not train.
    """
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    try:
        import keras
    except ImportError:  # pragma: no cover - keras is in requirements.txt
        return seed
    keras.utils.set_random_seed(seed)
    return seed
