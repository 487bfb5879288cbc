"""Where the data lives, which datasets are present, and how to get the missing ones.

The data folder is ``$MUSICDL_DATA`` if set, else ``data/`` at the repository root.
Real datasets sit directly in it; the offline demo datasets (see :mod:`utils.demo`)
sit in ``demo/`` inside it, in exactly the same layouts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import config

__all__ = ["DATASETS", "Dataset", "data_dir", "real_path", "demo_path", "is_present", "status", "locate"]


@dataclass(frozen=True)
class Dataset:
    """A dataset the notebooks use.

    Attributes
    ----------
    name : str
        Key in :data:`DATASETS` and argument of ``download_datasets.sh``.
    title : str
        Human-readable name.
    folder : str
        Folder inside the data folder.
    marker : str
        A path inside ``folder`` whose presence means the dataset is installed.
    """

    name: str
    title: str
    folder: str
    marker: str

    @property
    def fetch_command(self) -> str:
        """The command that downloads this dataset."""
        return f"bash download_datasets.sh {self.name}"


#: The datasets of the series, by name.
DATASETS = {
    "gtzan_music_speech": Dataset(
        "gtzan_music_speech", "GTZAN Music/Speech", "gtzan_music_speech", "music_speech/music_wav"
    ),
    "magnatagatune": Dataset("magnatagatune", "MagnaTagATune", "magnatagatune", "annotations_final.csv"),
}


def data_dir() -> Path:
    """The data folder: ``$MUSICDL_DATA`` if set, else ``data/`` at the repository root."""
    return config.run_parameters(quick=False, dataset="auto").data_dir


def _get(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"Unknown dataset {name!r}; known: {', '.join(DATASETS)}") from None


def real_path(name: str) -> Path:
    """Folder of the real dataset ``name`` (which may not exist yet)."""
    return data_dir() / _get(name).folder


def demo_path(name: str) -> Path:
    """Folder of the demo variant of dataset ``name`` (which may not exist yet)."""
    return data_dir() / "demo" / _get(name).folder


def is_present(root: Path, name: str) -> bool:
    """True when ``root`` holds dataset ``name`` (its marker path exists)."""
    return (Path(root) / _get(name).marker).exists()


def status() -> list[dict]:
    """One row per dataset: whether the real and the demo copies are present, and how to fetch.

    Returns
    -------
    list of dict
        Keys ``dataset``, ``title``, ``real``, ``demo``, ``path``, ``fetch``.
    """
    rows = []
    for name, ds in DATASETS.items():
        rows.append(
            {
                "dataset": name,
                "title": ds.title,
                "real": is_present(real_path(name), name),
                "demo": is_present(demo_path(name), name),
                "path": str(real_path(name)),
                "fetch": ds.fetch_command,
            }
        )
    return rows


def locate(name: str, *, mode: str | None = None) -> tuple[Path, str]:
    """Choose the copy of dataset ``name`` a notebook should use.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`.
    mode : {"auto", "real", "demo"}, optional
        Defaults to ``$MUSICDL_DATASET`` (``auto``: real if present, else demo).

    Returns
    -------
    (pathlib.Path, str)
        The dataset folder and its source, ``"real"`` or ``"demo"``.

    Raises
    ------
    FileNotFoundError
        When ``mode="real"`` and the real dataset is missing; the message gives the command
        that downloads it.
    """
    ds = _get(name)
    mode = mode or config.run_parameters().dataset
    real = real_path(name)
    if mode in ("auto", "real") and is_present(real, name):
        return real, "real"
    if mode == "real":
        raise FileNotFoundError(
            f"{ds.title} was asked for (MUSICDL_DATASET=real) but is not in {real}.\n"
            f"Download it with:  {ds.fetch_command}\n"
            f"or unset MUSICDL_DATASET to fall back to the offline demo data."
        )
    return demo_path(name), "demo"
