"""Your own collection: a folder per class, loaded as the same clip table as every dataset.

The layout every user has::

    my_music/
        jazz/      take_five.mp3  so_what.flac ...
        techno/    track01.wav    track02.ogg  ...

Each sub-folder is a class, named by the folder; its audio files (``.wav``, ``.mp3``,
``.flac``, ``.ogg``; any sample rate, mono or stereo, any length; in the folder or below
it) are the clips. :func:`load_folder` returns them as the clip table of
:func:`utils.datasets.load_gtzan_music_speech` (``path``, ``label``, ``duration``), so a
notebook treats the collection like any dataset. A notebook is pointed at one with
``MUSICDL_DATASET=folder:/path/to/my_music`` or ``DATASET = "folder:/path/to/my_music"``
(:func:`folder_of` reads either).

Example
-------
::

    from utils import collection
    df = collection.load_folder("~/my_music")
    df.label.value_counts()
    # jazz      12
    # techno     9
"""

from __future__ import annotations

from pathlib import Path

from . import audio, config, files

__all__ = ["AUDIO_SUFFIXES", "FOLDER_PREFIX", "folder_of", "load_folder"]

#: The audio files a class folder may hold (any case).
AUDIO_SUFFIXES = (".wav", ".mp3", ".flac", ".ogg")
#: How a dataset choice names a folder of your own (``MUSICDL_DATASET=folder:/path``).
FOLDER_PREFIX = config.FOLDER_PREFIX

_LAYOUT = "<folder>/<class>/*.wav|mp3|flac|ogg, e.g. my_music/jazz/take_five.mp3"


def folder_of(dataset) -> Path | None:
    """The folder a dataset choice names, or ``None`` for a choice of the project's datasets.

    Parameters
    ----------
    dataset : str
        A dataset choice: ``"folder:/path/to/my_music"``, or ``"auto"``, ``"real"``,
        ``"demo"`` (then ``None``), e.g. ``config.run_parameters().dataset``.

    Returns
    -------
    pathlib.Path or None
        The folder, ``~`` expanded, relative paths taken from the current folder.

    Example
    -------
    >>> folder_of("folder:/data/my_music").as_posix()
    '/data/my_music'
    >>> folder_of("auto") is None
    True
    """
    dataset = str(dataset).strip()
    if not dataset.startswith(FOLDER_PREFIX):
        return None
    folder = dataset[len(FOLDER_PREFIX) :].strip()
    if not folder:
        raise ValueError(
            f"{dataset!r} names no folder: expected {FOLDER_PREFIX}/path/to/my_music ({_LAYOUT})"
        )
    return Path(folder).expanduser().absolute()


def load_folder(root, *, min_duration: float = 1.0, min_classes: int = 2):
    """The clips of a folder-per-class collection as a table.

    Parameters
    ----------
    root : str or pathlib.Path
        The collection: one sub-folder per class, holding that class's audio files (in it
        or in folders below it). Folders and files whose names start with ``.`` are ignored.
    min_duration : float
        Files shorter than this (seconds) are skipped and named in a warning.
    min_classes : int
        Fewer classes with a readable clip is an error (a classifier needs two).

    Returns
    -------
    pandas.DataFrame [shape=(n_clips, 3)]
        Columns ``path`` (str, absolute), ``label`` (the class folder's name) and
        ``duration`` (float seconds), sorted by label then path. Files that cannot be read
        (empty, not audio, corrupt, too short) are skipped with one warning naming them and
        why; they are in ``df.attrs["skipped"]``.

    Raises
    ------
    FileNotFoundError
        When ``root`` is not a folder, or holds no class folder with a readable audio file.
    ValueError
        When fewer than ``min_classes`` classes have a readable clip.

    Example
    -------
    ::

        df = load_folder("my_music")
        sorted(df.columns)
        # ['duration', 'label', 'path']
    """
    import pandas as pd

    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(
            f"no collection folder at {root}: expected a folder with one sub-folder per class "
            f"({_LAYOUT}). Check the path."
        )
    root = root.resolve()
    classes = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    rows, skipped = [], []
    for folder in classes:
        found = sorted(
            p
            for p in folder.rglob("*")
            if p.suffix.lower() in AUDIO_SUFFIXES
            and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        )
        for p in found:
            try:
                seconds = audio.duration(p)
            except Exception as err:  # libsndfile raises several types for bad files
                skipped.append(f"{p} ({files.reason(err)})")
                continue
            if seconds < min_duration:
                skipped.append(f"{p} ({seconds:.2f} s, shorter than {min_duration:g} s)")
                continue
            rows.append((str(p), folder.name, float(seconds)))
    files.warn_files(f"files of {root} could not be read and were skipped", skipped)
    if not rows:
        found = ", ".join(d.name for d in classes[:10]) or "no sub-folders"
        raise FileNotFoundError(
            f"no readable audio file in the class folders of {root} (found: {found}; "
            f"{len(skipped)} files skipped). Expected {_LAYOUT}."
        )
    df = pd.DataFrame(rows, columns=["path", "label", "duration"])
    df = df.sort_values(["label", "path"], kind="stable").reset_index(drop=True)
    counts = df["label"].value_counts().sort_index()
    if len(counts) < min_classes:
        have = ", ".join(f"{label!r} ({n} clips)" for label, n in counts.items())
        raise ValueError(
            f"{root} has {len(counts)} class{'es' if len(counts) != 1 else ''} with readable "
            f"clips, {have}; a classifier needs "
            f"at least {min_classes}. Add a sub-folder per class ({_LAYOUT})."
        )
    df.attrs["skipped"] = skipped
    df.attrs["root"] = str(root)
    return df
