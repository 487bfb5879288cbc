"""What can be downloaded: every real dataset's files, mirrors, sizes and checksums.

:data:`SOURCES` is the one registry of download URLs, sizes and checksums; :func:`plan`
says what is still to fetch, :func:`need_bytes` how much disk that takes, and
:func:`offer` tells a notebook's reader the command that fetches its data.
``download_datasets.sh`` reads all of it through ``python -m utils.download``, whose
:mod:`utils.download` installs and checks what was fetched.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from . import config, layouts

__all__ = [
    "SourceFile",
    "SOURCES",
    "SOURCES_ENV",
    "APPROX_BYTES",
    "DOWNLOAD_SIZES",
    "offer",
    "sources",
    "plan",
    "need_bytes",
    "downloads_dir",
]


@dataclass(frozen=True)
class SourceFile:
    """One file to download, with the mirrors that serve it.

    Attributes
    ----------
    name : str
        File name in the downloads folder (``<data>/downloads/<dataset>/<name>``).
    urls : tuple of str
        Mirrors, tried in this order.
    size : int or None
        Size in bytes, where known; checked after the download.
    sha256 : str, tuple of str, or None
        SHA-256 of the file, where known; checked after the download. A tuple lists the
        recorded checksums of several copies (a mirror's copy, packed anew, differs byte
        for byte from the original): any of them is accepted. ``None`` means no stable published checksum
        is known: then only the size (if known) and the archive's own integrity (when it is
        unpacked) are checked.
    note : str
        Where the checksum comes from, or why there is none.
    min_size : int or None
        Where the exact size is unknown: a size in bytes the real file surely exceeds, so
        that an error page or a login page saved under the file's name is caught.
    """

    name: str
    urls: tuple
    size: int | None = None
    sha256: str | tuple | None = None
    note: str = ""
    min_size: int | None = None

    @property
    def checksums(self) -> tuple:
        """The accepted SHA-256 checksums (empty when none is known)."""
        if not self.sha256:
            return ()
        return (self.sha256,) if isinstance(self.sha256, str) else tuple(self.sha256)


_DNN_MGR_LISTS = "https://raw.githubusercontent.com/coreyker/dnn-mgr/master/gtzan"

#: The HEAR 2021 benchmark's Zenodo record: all its tasks at 48 kHz, GTZAN Music Speech among
#: them (hearbenchmark.com/hear-tasks.html links it as "our Zenodo mirror").
HEAR_ZENODO = "https://zenodo.org/record/5887964"

_MTAT_MIRRORS = (
    "https://mirg.city.ac.uk/datasets/magnatagatune",
    "http://mi.soi.city.ac.uk/datasets/magnatagatune",
)

#: Where the real datasets come from: the one registry of URLs, sizes and checksums.
#: ``download_datasets.sh`` reads it through ``python -m utils.download --plan NAME``;
#: ``$MUSICDL_SOURCES_FILE`` (a JSON file, see :func:`sources`) replaces it, e.g. in tests.
SOURCES = {
    "gtzan_music_speech": (
        SourceFile(
            "music_speech.tar.gz",
            ("http://opihi.cs.uvic.ca/sound/music_speech.tar.gz",),
            size=297_055_930,
            sha256="8753bc4129fc0a916d6efcf25dbcaf30e06b41acb44ad7c3d0b5c9d9c90ff546",
            note="size and sha256 as recorded by TensorFlow Datasets (gtzan_music_speech/checksums.tsv); "
            "the host has been reported dead. The HEAR benchmark keeps a 48 kHz copy on Zenodo "
            f"({HEAR_ZENODO}) in its own layout; no public record gives that file's size and "
            "checksum, so it is not fetched automatically: the manual route (python -m "
            "utils.download --manual gtzan_music_speech) says how to install it by hand.",
        ),
    ),
    "magnatagatune": tuple(
        SourceFile(
            name,
            tuple(f"{mirror}/{name}" for mirror in _MTAT_MIRRORS),
            note="no published size or checksum; a lower bound on the size is checked after the "
            "download, the zip archive's own CRCs when it is unpacked",
            min_size=min_size,
        )
        # Lower bounds: 25,863 rows of 188 tags (2 bytes each) and more; the mp3 parts hold
        # about 3 GB together.
        for name, min_size in (
            ("annotations_final.csv", 5_000_000),
            ("clip_info_final.csv", 1_000_000),
            ("mp3.zip.001", 100_000_000),
            ("mp3.zip.002", 100_000_000),
            ("mp3.zip.003", 100_000_000),
        )
    ),
    # Optional: fetched by `download_datasets.sh gtzan_genre` only, never by `all`.
    "gtzan_genre": (
        SourceFile(
            layouts.GTZAN_GENRE_ARCHIVE,
            (
                "http://opihi.cs.uvic.ca/sound/genres.tar.gz",
                "https://huggingface.co/datasets/marsyas/gtzan/resolve/main/data/genres.tar.gz",
            ),
            sha256=(
                "24347e0223d2ba798e0a558c4c172d9d4a19c00bb7963fe055d183dadb4ef2c6",
                "b28cc067ff6199bd826f5d1a6931458586d64acae7f44b2e882b7a97af057531",
            ),
            note="the original host (opihi.cs.uvic.ca) has been reported dead; the copy on the "
            "Hugging Face hub (dataset marsyas/gtzan) is a second source. Accepted sha256: the one "
            "TensorFlow Datasets records for the original (gtzan/checksums.tsv, with the size "
            "1,225,571,541 bytes), and the Git LFS sha256 Hugging Face shows for its copy; the two "
            "differ, so no exact size is checked. The archive's own CRCs and its ten genre folders "
            "are checked when it is unpacked. The Kaggle copy needs a login: unpack it by hand.",
            min_size=1_000_000_000,
        ),
        *(
            SourceFile(
                file_name,
                (f"{_DNN_MGR_LISTS}/{file_name}",),
                note="the fault-filtered split of Kereliuk, Sturm & Larsen (2015), from their "
                "repository coreyker/dnn-mgr; no published size or checksum: each line is parsed "
                "and the clip count compared with the published one when it is installed",
                min_size=1_000,
            )
            for file_name in layouts.GTZAN_GENRE_SPLIT_FILES.values()
        ),
    ),
}

#: Environment variable naming a JSON file that replaces :data:`SOURCES` (for tests and mirrors).
SOURCES_ENV = "MUSICDL_SOURCES_FILE"

#: Rough disk space (bytes) the download plus the unpacked dataset need, for the free-space
#: check, where :data:`SOURCES` gives no file sizes to add up.
APPROX_BYTES = {
    "gtzan_music_speech": 700_000_000,
    "magnatagatune": 7_000_000_000,
    "gtzan_genre": 2_600_000_000,
}

#: What downloading each real dataset takes, as :func:`offer` tells a learner.
DOWNLOAD_SIZES = {
    "gtzan_music_speech": "about 300 MB, a few minutes",
    "magnatagatune": "about 3 GB, half an hour or more, and about 7 GB of disk while unpacking",
    "gtzan_genre": "about 1.2 GB, and about 2.5 GB of disk while unpacking",
}


def offer(names, *, cwd=None) -> list[str]:
    """For each dataset: what the notebook uses now, and the command that fetches the real one.

    The command calls ``download_datasets.sh`` by its path from ``cwd``, the notebook's
    working folder (``/content`` on Colab, ``notebooks/`` in Jupyter), so it works as it
    is in a new cell (with a leading ``!``) or in a terminal there.

    Parameters
    ----------
    names : list of str
        Keys of :data:`utils.layouts.DATASETS`.
    cwd : str or pathlib.Path, optional
        The folder the command will run from; defaults to the current one.

    Returns
    -------
    list of str
        Lines to print; empty when ``names`` is.

    Example
    -------
    ::

        lines = offer(["gtzan_music_speech"], cwd=config.repo_root() / "notebooks")
        lines[-1].split("  ")[-1]
        # '!bash ../download_datasets.sh gtzan_music_speech'
    """
    import shlex

    cwd = Path.cwd() if cwd is None else Path(cwd)
    script = os.path.relpath(config.repo_root() / "download_datasets.sh", cwd)
    lines = []
    for name in names:
        ds = layouts.dataset(name)
        real = layouts.real_path(name)
        if layouts.is_present(real, name):
            lines.append(f"{ds.title}: the real data is there ({real}).")
            continue
        if ds.optional:
            lines.append(f"{ds.title}: not downloaded (optional), so its section is skipped.")
        else:
            lines.append(
                f"{ds.title}: not downloaded, so this notebook uses the offline demo data."
            )
        lines.append(
            f"  For the real data ({DOWNLOAD_SIZES[name]}), run this in a new cell, then the "
            f"notebook again:  !bash {shlex.quote(script)} {name}"
        )
        if name == "magnatagatune":
            lines.append(
                "  The demo (synthetic clips with the real 188 tags, made in about a minute) runs "
                "every cell; the numbers published for MagnaTagATune need the full set."
            )
    return lines


def sources(name: str) -> tuple:
    """The files to download for dataset ``name``, with their mirrors.

    Parameters
    ----------
    name : str
        A key of :data:`utils.layouts.DATASETS`.

    Returns
    -------
    tuple of SourceFile
        From ``$MUSICDL_SOURCES_FILE`` when it is set and names this dataset, else from
        :data:`SOURCES`. The JSON file maps a dataset name to a list of objects with keys
        ``name``, ``urls`` (list), and optionally ``size``, ``sha256`` (a string, or a list
        of accepted checksums), ``note``, ``min_size``.

    Example
    -------
    >>> [f.name for f in sources("gtzan_music_speech")]
    ['music_speech.tar.gz']
    """
    layouts.dataset(name)  # a clear error for an unknown name
    override = os.environ.get(SOURCES_ENV)
    if override:
        path = Path(override)
        try:
            table = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ValueError(
                f"${SOURCES_ENV} must name a readable JSON file of sources; {path}: {err}"
            ) from None
        if name in table:
            return tuple(
                SourceFile(
                    f["name"],
                    tuple(f["urls"]),
                    f.get("size"),
                    tuple(f["sha256"]) if isinstance(f.get("sha256"), list) else f.get("sha256"),
                    f.get("note", ""),
                    f.get("min_size"),
                )
                for f in table[name]
            )
    return SOURCES[name]


def downloads_dir(name: str) -> Path:
    """Where ``download_datasets.sh`` keeps the downloaded archives of dataset ``name``."""
    return config.data_dir() / "downloads" / layouts.dataset(name).name


def plan(name: str) -> tuple:
    """The files of ``name`` still to download: all of them, except, when the GTZAN genre
    audio is installed but its split lists are not, the 1.2 GB archive.
    """
    files = sources(name)
    if name == "gtzan_genre" and layouts.is_present(layouts.real_path(name), name):
        files = tuple(f for f in files if f.name != layouts.GTZAN_GENRE_ARCHIVE)
    return files


def need_bytes(name: str) -> int:
    """Bytes of free disk that downloading and unpacking what :func:`plan` lists still needs."""
    files = plan(name)
    known = sum(2 * f.size for f in files if f.size)  # the download and its unpacked copy
    if os.environ.get(SOURCES_ENV) or known or len(files) < len(sources(name)):
        need = known + 1_000_000  # (what is left of a partly installed dataset is small)
    else:
        need = APPROX_BYTES[layouts.dataset(name).name]
    dl = downloads_dir(name)  # what is already downloaded needs no more space
    have = sum(
        (dl / n).stat().st_size
        for f in files
        for n in (f.name, f.name + ".part")
        if (dl / n).is_file()
    )
    return max(need - have, 1_000_000)
