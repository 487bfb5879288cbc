"""Which copy of a dataset to use, and the dataset loaders.

Real datasets sit in the data folder (:func:`utils.config.data_dir`); the offline demo
datasets (:mod:`utils.demo`) sit in ``demo/`` and ``demo-quick/`` inside it, in exactly
the same layouts (:mod:`utils.layouts`), so every loader here reads real and demo data
alike. :func:`locate` chooses between them from a notebook's run parameters; it never
generates anything (:func:`utils.demo.prepare` makes a missing demo copy, visibly).

Datasets
--------
GTZAN Music/Speech
    ``gtzan_music_speech/music_speech/{music_wav,speech_wav}/*.wav``: 64 music and 64
    speech clips of 30 s, 22,050 Hz mono 16-bit. Load with :func:`load_gtzan_music_speech`.
MagnaTagATune (MTAT)
    ``magnatagatune/{annotations_final.csv,clip_info_final.csv,mp3/0..f/*.mp3}``: 25,863
    clips of about 29 s, 16 kHz mono mp3, 188 binary tags. Load with
    :func:`load_magnatagatune`, split with :func:`split_top50`; label clips with the tag
    groups of :mod:`utils.vocabulary`.
GTZAN genre collection (optional, no demo)
    ``gtzan_genre/genres/<genre>/<genre>.000NN.wav``: 10 genres of 100 clips of 30 s,
    22,050 Hz mono. Fetched only by ``bash download_datasets.sh gtzan_genre``; test for it
    with :func:`has_gtzan_genre`, load with :func:`load_gtzan_genre`, split with
    :func:`gtzan_genre_split` (the fault-filtered split of Kereliuk, Sturm & Larsen 2015).

Downloading and installing the real datasets is :mod:`utils.download`'s job
(``bash download_datasets.sh``); librosa's example recordings are :mod:`utils.examples`'.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import audio, config
from .files import read_table, reason, warn_files
from .layouts import (
    ANNOTATION_FILE,
    CLIP_INFO_COLUMNS,
    CLIP_INFO_FILE,
    DATASETS,
    GTZAN_CLASSES,
    GTZAN_GENRE_FOLDERS,
    GTZAN_GENRE_SPLIT_FILES,
    GTZAN_GENRES,
    GTZAN_MIN_SECONDS,
    MTAT_MIN_DURATION,
    SPLIT_FOLDERS,
    TAGS_188,
    TOP50_TAGS,
    dataset,
    demo_complete,
    demo_path,
    is_present,
    real_path,
)

__all__ = [
    "status",
    "locate",
    "load_gtzan_music_speech",
    "has_gtzan_genre",
    "load_gtzan_genre",
    "gtzan_genre_split",
    "read_gtzan_genre_list",
    "load_magnatagatune",
    "clip_durations",
    "split_top50",
    "folder_split",
    "song_ids",
    "quick_subset",
    # format facts, defined in utils.layouts and re-exported for the loaders' users
    "DATASETS",
    "real_path",
    "demo_path",
    "is_present",
    "TAGS_188",
    "TOP50_TAGS",
    "GTZAN_GENRES",
]


# --------------------------------------------------------------------------------------
# Which copy of a dataset to use
# --------------------------------------------------------------------------------------


def status() -> list[dict]:
    """One row per dataset: whether the real and the demo copies are present, and how to fetch.

    Returns
    -------
    list of dict
        Keys ``dataset``, ``title``, ``real``, ``demo``, ``demo_quick``, ``path``, ``fetch``
        and ``optional`` (fetched only on request, with no demo copy: ``demo`` and
        ``demo_quick`` are then always ``False``).

    Example
    -------
    >>> sorted(status()[0])[:3]
    ['dataset', 'demo', 'demo_quick']
    """
    rows = []
    for name, ds in DATASETS.items():
        rows.append(
            {
                "dataset": name,
                "title": ds.title,
                "real": is_present(real_path(name), name),
                "demo": not ds.optional and demo_complete(demo_path(name, quick=False)),
                "demo_quick": not ds.optional and demo_complete(demo_path(name, quick=True)),
                "path": str(real_path(name)),
                "fetch": ds.fetch_command,
                "optional": ds.optional,
            }
        )
    return rows


def locate(name: str, params: config.RunParameters) -> tuple[Path, str]:
    """Choose the copy of dataset ``name`` that a run with ``params`` uses.

    Only chooses: a missing demo copy is an error that says how to make it
    (:func:`utils.demo.prepare`, which a notebook's parameters cell calls, and the runner).

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`.
    params : utils.config.RunParameters
        The notebook's run parameters: ``params.dataset`` (``"auto"``: real if present,
        else demo; ``"real"``; ``"demo"``) and ``params.quick`` (which demo variant).

    Returns
    -------
    (pathlib.Path, str)
        The dataset folder and its source, ``"real"`` or ``"demo"``.

    Raises
    ------
    FileNotFoundError
        When ``params.dataset == "real"`` and the real dataset is missing, when an optional
        dataset (which has no demo copy, e.g. ``"gtzan_genre"``) is missing, or when the
        chosen demo copy has not been made yet; the message gives the command that fixes it.

    Example
    -------
    >>> params = config.run_parameters(quick=True, dataset="real")
    >>> locate("gtzan_genre", params)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: GTZAN genre collection is not in ...
    """
    if not isinstance(params, config.RunParameters):
        raise TypeError(
            f"params must be the notebook's run parameters (config.run_parameters()), "
            f"found {type(params).__name__}"
        )
    ds = dataset(name)
    mode = params.dataset
    if mode.startswith(config.FOLDER_PREFIX):  # a collection of one's own: ours as for auto
        mode = "auto"
    real = real_path(name)
    if ds.optional:
        return _locate_optional(ds, real, mode)
    if mode in ("auto", "real") and is_present(real, name):
        return real, "real"
    if mode == "real":
        raise FileNotFoundError(
            f"{ds.title} was asked for (dataset 'real') but is not in {real}.\n"
            f"Download it with:  {ds.fetch_command}\n"
            f"or set DATASET = 'auto' (MUSICDL_DATASET=auto) to fall back to the offline demo data."
        )
    path = demo_path(name, quick=params.quick)
    if not demo_complete(path):
        variant = "--quick " if params.quick else ""
        raise FileNotFoundError(
            f"{ds.title}: no real data in {real}, and the {'quick ' if params.quick else ''}"
            f"demo copy is not made yet ({path}). Make it with demo.prepare([{name!r}], PARAMS) "
            f"in the notebook, or from a terminal: python -m utils.demo {variant}{name}"
        )
    return path, "demo"


def _locate_optional(ds, real: Path, mode: str) -> tuple[Path, str]:
    """The real copy of an optional dataset (one without a demo), or a clear error."""
    if mode != "demo" and is_present(real, ds.name):
        return real, "real"
    if mode == "demo":
        why = f"the run asks for demo data (dataset 'demo'), and {ds.title} has no demo copy"
    else:
        why = f"{ds.title} is not in {real}, and it has no demo copy"
    raise FileNotFoundError(
        f"{why} (it is optional and only downloaded on request).\n"
        f"Download it with:  {ds.fetch_command}"
    )


# --------------------------------------------------------------------------------------
# GTZAN Music/Speech
# --------------------------------------------------------------------------------------


def _scan_clips(folders, *, suffixes, min_duration: float, what: str, repair: str):
    """Read the length of every audio file in ``folders`` (a list of (folder, label)).

    Returns ``(rows, skipped, flagged)``: rows ``(path, label, stem, seconds)`` of the clips
    kept; the unreadable and too-short files, skipped; and the clips kept although shorter
    than :data:`GTZAN_MIN_SECONDS` or truncated. Each list is named in one warning.
    """
    rows, skipped, short, flagged = [], [], [], []
    for d, label in folders:
        if not d.is_dir():
            continue
        files = sorted(
            q
            for q in d.iterdir()
            if q.suffix.lower() in suffixes and not q.name.startswith(".") and q.is_file()
        )
        for p in files:
            try:
                dur = audio.duration(p)
            except Exception as err:  # libsndfile raises several types for bad files
                skipped.append(f"{p} ({reason(err)})")
                continue
            if dur < min_duration:
                short.append(f"{p} ({dur:.2f} s)")
                continue
            cut = audio.truncation(p)
            if cut or dur < GTZAN_MIN_SECONDS:
                flagged.append(f"{p} ({cut or f'{dur:.2f} s'})")
            rows.append((str(p), label, p.stem, float(dur)))
    warn_files(f"{what} files could not be read and were skipped", skipped)
    warn_files(
        f"{what} files are shorter than {min_duration} s (truncated?) and were skipped", short
    )
    warn_files(
        f"{what} clips are shorter than {GTZAN_MIN_SECONDS:g} s or truncated (a clip is 30 s) "
        f"and were kept; to repair, {repair}",
        flagged,
    )
    return rows, skipped + short, flagged


def _gtzan_folder(root) -> Path:
    root = Path(root).expanduser()
    for candidate in (root, root / "music_speech", root / "gtzan_music_speech" / "music_speech"):
        if any((candidate / c).is_dir() for c in GTZAN_CLASSES):
            return candidate
    raise FileNotFoundError(
        f"No GTZAN Music/Speech data in {root}: expected the folders music_wav/ and speech_wav/ in it, "
        f"in {root / 'music_speech'} or in {root / 'gtzan_music_speech' / 'music_speech'}. "
        f"Get the data with: {DATASETS['gtzan_music_speech'].fetch_command} (or use datasets.locate())."
    )


def load_gtzan_music_speech(root, *, min_duration: float = 1.0):
    """The clips of GTZAN Music/Speech as a table.

    Parameters
    ----------
    root : str or pathlib.Path
        The dataset folder (``.../gtzan_music_speech``), its ``music_speech/`` folder, or
        the data folder holding ``gtzan_music_speech/``.
    min_duration : float
        Clips shorter than this (seconds), e.g. truncated files, are reported and skipped.
        Clips shorter than :data:`utils.layouts.GTZAN_MIN_SECONDS` (29 s; a real clip is
        30 s) and WAV files whose header promises more than they hold are kept but named in
        a warning, and listed in ``df.attrs["short"]``.

    Returns
    -------
    pandas.DataFrame [shape=(n_clips, 3)]
        Columns ``path`` (str, absolute), ``label`` (``"music"`` or ``"speech"``) and
        ``duration`` (float seconds), sorted by label then path. Files that cannot be read
        (empty, not audio, too short) are skipped with one warning naming them; their paths
        are in ``df.attrs["skipped"]``.

    Raises
    ------
    FileNotFoundError
        When ``root`` holds no ``music_wav/``/``speech_wav/`` folders or no readable clip.

    Example
    -------
    ::

        root, source = locate("gtzan_music_speech")
        df = load_gtzan_music_speech(root); df.label.value_counts()
        # music     64
        # speech    64
    """
    import pandas as pd

    folder = _gtzan_folder(root).resolve()
    rows, skipped, flagged = _scan_clips(
        [(folder / sub, label) for sub, label in GTZAN_CLASSES.items()],
        suffixes=(".wav",),
        min_duration=min_duration,
        what="GTZAN",
        repair=f"move {folder} away and run {DATASETS['gtzan_music_speech'].fetch_command}",
    )
    if not rows:
        raise FileNotFoundError(
            f"No readable .wav clips in {folder}/music_wav or {folder}/speech_wav. "
            f"Download the data with: {DATASETS['gtzan_music_speech'].fetch_command}"
        )
    df = pd.DataFrame(rows, columns=["path", "label", "clip", "duration"]).drop(columns="clip")
    df = df.sort_values(["label", "path"], kind="stable").reset_index(drop=True)
    df.attrs["skipped"] = skipped
    df.attrs["short"] = flagged
    return df


# --------------------------------------------------------------------------------------
# GTZAN genre collection (optional)
# --------------------------------------------------------------------------------------


def has_gtzan_genre(params: config.RunParameters) -> bool:
    """Whether the optional GTZAN genre collection is there for a notebook to use.

    It has no demo copy, so a notebook runs its GTZAN genre section only when this is true.

    Parameters
    ----------
    params : utils.config.RunParameters
        The notebook's run parameters. With ``params.dataset == "demo"`` (a run asked for
        the offline demo data only) the answer is ``False`` even when the real collection is
        downloaded.

    Returns
    -------
    bool
        ``True`` when ``<data>/gtzan_genre`` holds the genre folders and ``mode`` is not
        ``"demo"``.

    Example
    -------
    >>> params = config.run_parameters(dataset="demo")
    >>> has_gtzan_genre(params)
    False
    """
    return params.dataset != "demo" and is_present(real_path("gtzan_genre"), "gtzan_genre")


def _gtzan_genre_folder(root) -> Path:
    """The folder holding the genre folders (``blues/``, ...): ``root`` or one inside it."""
    root = Path(root).expanduser()
    candidates = [root, *(root / f for f in GTZAN_GENRE_FOLDERS)]
    candidates += [root / "gtzan_genre" / f for f in GTZAN_GENRE_FOLDERS]
    for candidate in candidates:
        if any((candidate / g).is_dir() for g in GTZAN_GENRES):
            return candidate
    raise FileNotFoundError(
        f"No GTZAN genre collection in {root}: expected the genre folders "
        f"({', '.join(GTZAN_GENRES[:3])}, ...) in it or in its "
        f"{' or '.join(f + '/' for f in GTZAN_GENRE_FOLDERS)} folder. "
        f"Get it with: {DATASETS['gtzan_genre'].fetch_command} (it is optional and not part "
        f"of `make data`)."
    )


def load_gtzan_genre(root, *, min_duration: float = 1.0):
    """The clips of the GTZAN genre collection (Tzanetakis & Cook 2002) as a table.

    Parameters
    ----------
    root : str or pathlib.Path
        The dataset folder (``.../gtzan_genre``), the folder of the genre folders
        (``genres/``, or ``genres_original/`` of the Kaggle copy), or the data folder
        holding ``gtzan_genre/``.
    min_duration : float
        Clips shorter than this (seconds) are reported and skipped. Clips shorter than
        :data:`utils.layouts.GTZAN_MIN_SECONDS` (a real clip is 30 s) and WAV files whose
        header promises more than they hold are kept but named in a warning, and listed in
        ``df.attrs["short"]``.

    Returns
    -------
    pandas.DataFrame [shape=(n_clips, 4)]
        Columns ``path`` (str, absolute), ``genre`` (one of :data:`GTZAN_GENRES`, from the
        folder), ``clip`` (the file name without extension, e.g. ``"blues.00000"``) and
        ``duration`` (float seconds), sorted by genre then clip. Files that cannot be read
        (the real collection has one, ``jazz.00054.wav``) are skipped with one warning
        naming them; they are listed in ``df.attrs["skipped"]``. ``df.attrs["root"]`` is
        the folder of the genre folders.

    Raises
    ------
    FileNotFoundError
        When ``root`` holds no genre folders or no readable clip; the message gives the
        command that downloads the collection.

    Example
    -------
    ::

        df = load_gtzan_genre(locate("gtzan_genre")[0])
        df.genre.value_counts()["jazz"]
        # 99
    """
    import pandas as pd

    folder = _gtzan_genre_folder(root).resolve()
    fetch = DATASETS["gtzan_genre"].fetch_command
    rows, skipped, flagged = _scan_clips(
        [(folder / genre, genre) for genre in GTZAN_GENRES],
        suffixes=(".wav", ".au"),
        min_duration=min_duration,
        what="GTZAN genre",
        repair=f"move {folder} away and run {fetch}",
    )
    if not rows:
        raise FileNotFoundError(
            f"No readable .wav clips in the genre folders of {folder}. "
            f"Download the collection with: {fetch}"
        )
    df = pd.DataFrame(rows, columns=["path", "genre", "clip", "duration"])
    order = {g: i for i, g in enumerate(GTZAN_GENRES)}
    df = df.sort_values(["genre", "clip"], key=lambda c: c.map(order) if c.name == "genre" else c)
    df = df.reset_index(drop=True)
    df.attrs["skipped"] = skipped
    df.attrs["short"] = flagged
    df.attrs["root"] = str(folder)
    return df


def read_gtzan_genre_list(path) -> list[str]:
    r"""The clip names of one list file of the fault-filtered GTZAN split, in file order.

    A line names one clip as a path relative to the genre folders
    (``blues/blues.00029.wav``; ``.au`` and no extension are accepted too), a bare name
    (``blues.00029``), or, as in the lists' first version in Kereliuk's dnn-mgr repository,
    a 1-based index into the 1,000 clips in genre then number order (``30`` is
    ``blues.00029``). Blank lines are ignored.

    Parameters
    ----------
    path : str or pathlib.Path
        A list file, e.g. ``gtzan_genre/train_filtered.txt``.

    Returns
    -------
    list of str
        Clip names such as ``"blues.00029"``.

    Raises
    ------
    ValueError
        When a line names no GTZAN clip, or a clip twice; the message gives the file, the
        line and the command that downloads the lists again.

    Example
    -------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "test_filtered.txt"
    >>> _ = f.write_text("blues/blues.00012.wav\nrock.00090\n30\n")
    >>> read_gtzan_genre_list(f)
    ['blues.00012', 'rock.00090', 'blues.00029']
    """
    import re

    pattern = re.compile(r"(?:.*[/\\])?([a-z]+)\.(\d{5})(?:\.(?:wav|au))?")
    n_clips = len(GTZAN_GENRES) * 100
    names, seen = [], {}
    lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    for i, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        match = pattern.fullmatch(text)
        if text.isdigit() and 1 <= int(text) <= n_clips:
            k = int(text) - 1
            name = f"{GTZAN_GENRES[k // 100]}.{k % 100:05d}"
        elif match and match.group(1) in GTZAN_GENRES:
            name = f"{match.group(1)}.{match.group(2)}"
        else:
            raise ValueError(
                f"{path}, line {i}: expected one GTZAN clip per line, such as "
                f"'blues/blues.00029.wav', 'blues.00029' or an index 1..{n_clips}; found "
                f"{text[:60]!r}. Is it the right file and complete? Delete it and run "
                f"{DATASETS['gtzan_genre'].fetch_command} to download it again."
            )
        if name in seen:
            raise ValueError(
                f"{path} lists {name} twice (lines {seen[name]} and {i}); a split list names each "
                f"clip once. Delete it and run {DATASETS['gtzan_genre'].fetch_command} to "
                f"download it again."
            )
        seen[name] = i
        names.append(name)
    return names


def gtzan_genre_split(df, root=None) -> dict:
    """The fault-filtered split of GTZAN (Kereliuk, Sturm & Larsen 2015).

    Sturm (2013) found repeated clips, clips of the same recording, mislabelled clips and
    many clips by one artist in GTZAN; a random split then puts an artist (or the very same
    clip) in train and test, and accuracy is inflated. Kereliuk et al. split the collection
    by hand so that no artist is in two parts, leaving out the repeated and mislabelled
    clips: 443 / 197 / 290 clips (:data:`utils.layouts.GTZAN_GENRE_SPLIT_SIZES`). The lists
    come from their repository (github.com/coreyker/dnn-mgr) and are downloaded beside the
    audio by ``download_datasets.sh gtzan_genre``; they are not copied into this project.

    Parameters
    ----------
    df : pandas.DataFrame
        As returned by :func:`load_gtzan_genre` (needs the ``clip`` column).
    root : str or pathlib.Path, optional
        The folder holding ``train_filtered.txt``, ``valid_filtered.txt`` and
        ``test_filtered.txt`` (the dataset folder ``gtzan_genre/``, or the data folder
        holding it). Default: the folder of ``df``'s genre folders or one above it.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``{"train": ..., "valid": ..., "test": ...}``: the rows of ``df`` each list names,
        in ``df``'s order with a fresh index. Listed clips that ``df`` lacks (unreadable,
        like ``jazz.00054``, or missing) are left out and named in one warning; each part's
        ``attrs["missing"]`` lists them.

    Raises
    ------
    FileNotFoundError
        When a list file is missing; the message gives the command that downloads it.
    ValueError
        When a list file is malformed, or a clip is in two parts.

    Example
    -------
    ::

        df = load_gtzan_genre(locate("gtzan_genre")[0])
        parts = gtzan_genre_split(df)
        {k: len(v) for k, v in parts.items()}
        # {'train': 442, 'valid': 197, 'test': 290}
    """
    fetch = DATASETS["gtzan_genre"].fetch_command
    if root is not None:
        root = Path(root).expanduser()
        candidates = [root, root / "gtzan_genre"]
    elif df.attrs.get("root"):
        genres = Path(df.attrs["root"])
        candidates = [genres, genres.parent, genres.parent.parent]
    else:
        raise ValueError(
            "gtzan_genre_split needs root (the gtzan_genre folder holding the split lists) "
            "when df does not come from load_gtzan_genre"
        )
    first = next(iter(GTZAN_GENRE_SPLIT_FILES.values()))
    folder = next((c for c in candidates if (c / first).is_file()), candidates[0])
    absent = [f for f in GTZAN_GENRE_SPLIT_FILES.values() if not (folder / f).is_file()]
    if absent:
        raise FileNotFoundError(
            f"The fault-filtered split lists {', '.join(absent)} are not in {folder}. "
            f"Download them (beside the audio, which is kept) with: {fetch}"
        )
    clips = set(df["clip"])
    out, missing, part_of = {}, [], {}
    for part, file_name in GTZAN_GENRE_SPLIT_FILES.items():
        names = read_gtzan_genre_list(folder / file_name)
        for name in names:
            if name in part_of:
                raise ValueError(
                    f"{name} is in both {GTZAN_GENRE_SPLIT_FILES[part_of[name]]} and "
                    f"{file_name} in {folder}; the parts must not overlap. Delete the lists "
                    f"and run {fetch} to download them again."
                )
            part_of[name] = part
        lost = [n for n in names if n not in clips]
        missing += [f"{n} ({part})" for n in lost]
        rows = df[df["clip"].isin(set(names))].reset_index(drop=True)
        rows.attrs["missing"] = lost
        out[part] = rows
    warn_files(
        "clips of the fault-filtered split are not in the table (unreadable or missing) and "
        "were left out",
        missing,
    )
    return out


# --------------------------------------------------------------------------------------
# MagnaTagATune
# --------------------------------------------------------------------------------------


def _mtat_folder(root) -> Path:
    root = Path(root).expanduser()
    for candidate in (root, root / "magnatagatune"):
        if (candidate / ANNOTATION_FILE).is_file():
            return candidate
    raise FileNotFoundError(
        f"No MagnaTagATune data in {root}: expected {root / ANNOTATION_FILE} "
        f"(or {root / 'magnatagatune' / ANNOTATION_FILE}). "
        f"Get it with: {DATASETS['magnatagatune'].fetch_command} (or use datasets.locate())."
    )


def load_magnatagatune(root, *, drop_missing: bool = True):
    """The clips of MagnaTagATune with their 188 tags and clip information.

    Parameters
    ----------
    root : str or pathlib.Path
        The dataset folder (holding ``annotations_final.csv`` and ``mp3/``) or the data
        folder holding ``magnatagatune/``.
    drop_missing : bool
        Leave out clips whose mp3 file is missing or empty (reported in one warning with
        their count and names, and listed in ``df.attrs["missing"]``). With ``False`` they
        stay in the table, e.g. to study the annotations alone.

    Returns
    -------
    pandas.DataFrame [shape=(n_clips, 4 + 188 + n_info)]
        One row per clip, sorted by ``clip_id``: ``clip_id`` (int), ``mp3_path`` (as in the
        csv, e.g. ``"f/artist-album-01-title-30-59.mp3"``), ``path`` (absolute str),
        ``folder`` (``"0"``..``"f"``), the 188 tag columns of :data:`TAGS_188` in file order
        (int8, 0/1), then the columns of ``clip_info_final.csv`` (``track_number``,
        ``title``, ``artist``, ...) when that file exists.

    Raises
    ------
    FileNotFoundError
        When there is no ``annotations_final.csv``.
    ValueError
        When a csv file lacks an expected column (the message names it and the file).

    Example
    -------
    ::

        root, source = locate("magnatagatune")
        df = load_magnatagatune(root); df[list(TOP50_TAGS)].sum().head(3)
    """
    import numpy as np
    import pandas as pd

    folder = _mtat_folder(root).resolve()
    ann_path = folder / ANNOTATION_FILE
    fetch = DATASETS["magnatagatune"].fetch_command
    columns = ("clip_id", *TAGS_188, "mp3_path")
    ann = read_table(ann_path, columns, what="MTAT annotations", fetch=fetch)
    try:
        clip_id = ann["clip_id"].astype(np.int64)
        tags = ann[list(TAGS_188)].astype(np.int8)
    except ValueError:
        _raise_bad_cell(ann, ann_path)
    df = pd.DataFrame({"clip_id": clip_id, "mp3_path": ann["mp3_path"].astype(str)})
    df["path"] = [str(folder / "mp3" / p) for p in df["mp3_path"]]
    df["folder"] = df["mp3_path"].str[:1]
    df = pd.concat([df, tags], axis=1)
    info_path = folder / CLIP_INFO_FILE
    if info_path.is_file():
        info = read_table(info_path, CLIP_INFO_COLUMNS, what="MTAT clip information", fetch=fetch)
        info = info.drop(columns=["mp3_path"])
        info["clip_id"] = info["clip_id"].astype(np.int64)
        info = info.drop_duplicates("clip_id")
        df = df.merge(info, on="clip_id", how="left", validate="many_to_one")
    df = df.sort_values("clip_id", kind="stable").reset_index(drop=True)
    missing = []
    for p in df["path"]:
        try:
            if os.stat(p).st_size == 0:
                missing.append(p + " (empty)")
        except OSError:
            missing.append(p + " (missing)")
    if missing:
        action = "left out" if drop_missing else "kept (drop_missing=False)"
        warn_files(f"MTAT clips have no usable mp3 file and were {action}", missing)
        if drop_missing:
            bad = {m.rsplit(" (", 1)[0] for m in missing}
            df = df[~df["path"].isin(bad)].reset_index(drop=True)
    df = df.copy()  # one block per dtype: adding columns later stays fast
    df.attrs["missing"] = missing
    df.attrs["root"] = str(folder)
    return df


def _raise_bad_cell(ann, path) -> None:
    """ValueError naming the first line and column of ``ann`` that is not an integer."""
    for col in ["clip_id", *TAGS_188]:
        values = [str(v) for v in ann[col]]
        bad = [i for i, v in enumerate(values) if not v.strip().lstrip("-").isdigit()]
        if bad:
            i = bad[0]
            last = i == len(ann) - 1
            raise ValueError(
                f"{path}, line {i + 2}, column {col!r}: expected an integer"
                f"{' (tags are 0 or 1)' if col != 'clip_id' else ''}, found {values[i]!r}. "
                + (
                    "It is the last line, so the file looks truncated"
                    if last
                    else "The file is damaged"
                )
                + f": download it again with {DATASETS['magnatagatune'].fetch_command}."
            ) from None
    raise ValueError(f"{path}: clip_id and the tag columns must be integers (tags 0/1)")


def clip_durations(df, *, n_jobs: int | None = None):
    """Decode every clip of ``df`` and return its exact length.

    Parameters
    ----------
    df : pandas.DataFrame
        Has a ``path`` column (as :func:`load_magnatagatune` returns).
    n_jobs : int, optional
        Threads (libsndfile decodes outside the GIL); default: all cores.

    Returns
    -------
    pandas.Series [shape=(len(df),)]
        Seconds per row (same index as ``df``); ``NaN`` for files that cannot be decoded,
        which are named in one warning.

    Example
    -------
    ::

        df["duration"] = clip_durations(df)
    """
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import pandas as pd

    def one(p):
        try:
            return audio.duration(p), None
        except Exception as err:
            return np.nan, f"{p} ({reason(err)})"

    with ThreadPoolExecutor(max_workers=n_jobs or os.cpu_count() or 1) as pool:
        out = list(pool.map(one, df["path"]))
    warn_files("audio files could not be decoded (duration NaN)", [e for _, e in out if e])
    return pd.Series([d for d, _ in out], index=df.index, name="duration", dtype=float)


def split_top50(df, *, min_duration: float = MTAT_MIN_DURATION, durations=None) -> dict:
    """The standard top-50 split of MagnaTagATune (Lee et al. 2017, used by Won et al. 2020).

    Folders ``0``-``b`` are train, ``c`` valid, ``d``-``f`` test (:data:`SPLIT_FOLDERS`); a
    clip is kept when it has at least one tag of :data:`TOP50_TAGS` and, where durations are
    known, at least ``min_duration`` seconds of audio. On the real annotations with the
    durations of the real mp3 files this gives 15,244 / 1,529 / 4,332 clips.

    Parameters
    ----------
    df : pandas.DataFrame
        As returned by :func:`load_magnatagatune`.
    min_duration : float
        Shortest clip kept, in seconds.
    durations : pandas.Series, dict or array-like, optional
        Seconds per clip: a Series with ``df``'s index, a dict by ``clip_id``, or an array
        aligned with ``df``'s rows. Defaults to ``df["duration"]`` when that column exists;
        without durations the length filter is skipped. ``NaN`` (undecodable) clips are
        left out and reported.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``{"train": ..., "valid": ..., "test": ...}``, each sorted by ``clip_id`` with a
        fresh index.

    Example
    -------
    ::

        parts = split_top50(df, durations=clip_durations(df))
        {k: len(v) for k, v in parts.items()}
        # {'train': 15244, 'valid': 1529, 'test': 4332}
    """
    import numpy as np
    import pandas as pd

    keep = df[list(TOP50_TAGS)].to_numpy().sum(axis=1) > 0
    if durations is None and "duration" in df.columns:
        durations = df["duration"]
    if durations is not None:
        if isinstance(durations, dict):
            dur = df["clip_id"].map(durations).to_numpy(dtype=float)
        elif isinstance(durations, pd.Series):
            dur = durations.reindex(df.index).to_numpy(dtype=float)
        else:
            dur = np.asarray(durations, dtype=float)
            if dur.shape != (len(df),):
                raise ValueError(
                    f"durations must have one value per row of df ({len(df)}), found shape {dur.shape}"
                )
        unknown = keep & np.isnan(dur)
        warn_files(
            "clips with a top-50 tag have no readable audio and were left out of the split",
            list(df.loc[unknown, "mp3_path"]),
        )
        with np.errstate(invalid="ignore"):
            keep &= dur >= min_duration
    out = {}
    for part, folders in SPLIT_FOLDERS.items():
        sel = keep & df["folder"].isin(list(folders)).to_numpy()
        out[part] = df[sel].sort_values("clip_id", kind="stable").reset_index(drop=True)
    return out


def folder_split(df):
    """The part of MTAT's standard split each clip falls in, by its folder.

    Folders ``0``-``b`` are train, ``c`` valid, ``d``-``f`` test (:data:`SPLIT_FOLDERS`),
    as in :func:`split_top50` but for any subset of clips (no top-50 or length filter).
    A song's clips share a folder, so no song is split across parts.

    Parameters
    ----------
    df : pandas.DataFrame
        Has a ``folder`` or an ``mp3_path`` column (as :func:`load_magnatagatune` returns).

    Returns
    -------
    pandas.Series [shape=(len(df),)]
        ``"train"``, ``"valid"`` or ``"test"`` per row, with ``df``'s index.

    Example
    -------
    >>> import pandas as pd
    >>> folder_split(pd.DataFrame({"mp3_path": ["0/a.mp3", "c/b.mp3", "f/c.mp3"]})).tolist()
    ['train', 'valid', 'test']
    """
    import pandas as pd

    folder = df["folder"] if "folder" in df.columns else df["mp3_path"].str[:1]
    part = {f: name for name, folders in SPLIT_FOLDERS.items() for f in folders}
    out = folder.map(part)
    if out.isna().any():
        bad = folder[out.isna()].iloc[0]
        raise ValueError(
            f"folder {bad!r} is not one of MTAT's folders 0-9, a-f; expected the mp3_path of "
            "annotations_final.csv (e.g. 'f/artist-album-01-title-30-59.mp3')"
        )
    return pd.Series(out.to_numpy(dtype=object), index=df.index, name="split")


def song_ids(df):
    """The song each MTAT clip was cut from, from its file name.

    MagnaTagATune cut each song into several clips of about 29 s, named
    ``<folder>/<artist>-<album>-<track>-<title>-<start>-<end>.mp3``; the name without its
    folder and its ``-<start>-<end>`` part names the song (on the real data: 25,863 clips
    from 5,405 songs). Clips of one song sound alike and share their tags, so retrieval
    must not count them as each other's neighbours (:func:`utils.similarity.same_song_mask`).
    A name that does not end in ``-<start>-<end>.mp3`` is its own song.

    Parameters
    ----------
    df : pandas.DataFrame
        Has an ``mp3_path`` column (as :func:`load_magnatagatune` returns).

    Returns
    -------
    pandas.Series [shape=(len(df),), dtype=object]
        The song id per row, with ``df``'s index.

    Example
    -------
    >>> import pandas as pd
    >>> paths = ["f/bach-cantatas-01-aria-30-59.mp3", "f/bach-cantatas-01-aria-59-88.mp3"]
    >>> song_ids(pd.DataFrame({"mp3_path": paths})).tolist()
    ['bach-cantatas-01-aria', 'bach-cantatas-01-aria']
    """
    import pandas as pd

    names = df["mp3_path"].astype(str).str.split("/").str[-1]
    songs = names.str.replace(r"-\d+-\d+\.mp3$", "", regex=True)
    return pd.Series(songs.to_numpy(dtype=object), index=df.index, name="song")


def quick_subset(df, labels, *, n: int, seed: int = config.SEED, min_per_class: int = 1):
    """A small, reproducible subset of ``df`` that keeps every class represented.

    Parameters
    ----------
    df : pandas.DataFrame
        The table to draw from.
    labels : str, pandas.Series or list of str
        Single-label: a column name or a Series (one class per row; rows with a missing
        label are never drawn). Multi-label: a list of 0/1 columns (e.g. ``TOP50_TAGS``).
    n : int
        Rows wanted. The result has ``n`` rows, or more when ``min_per_class`` for every
        class needs more (or fewer when ``df`` has fewer rows).
    seed : int
        Random seed; the same seed gives the same rows.
    min_per_class : int
        Rows each class (single-label) or each tag (multi-label) gets at least, where
        ``df`` has that many.

    Returns
    -------
    pandas.DataFrame
        The chosen rows, in ``df``'s order. Single-label classes keep about their
        proportions, but each at least ``min_per_class``.

    Example
    -------
    ::

        small = quick_subset(df, "label", n=32, seed=42)
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    pos = np.arange(len(df))
    chosen = np.zeros(len(df), dtype=bool)
    if isinstance(labels, (list, tuple)):
        y = df[list(labels)].to_numpy() > 0
        order = np.argsort(y.sum(axis=0), kind="stable")  # rarest tag first
        for j in order:
            have = int((y[chosen, j]).sum())
            cand = pos[y[:, j] & ~chosen]
            k = min(max(min_per_class - have, 0), len(cand))
            if k:
                chosen[rng.choice(cand, size=k, replace=False)] = True
        valid = np.ones(len(df), dtype=bool)
    else:
        y = df[labels] if isinstance(labels, str) else pd.Series(labels).reindex(df.index)
        y = y.to_numpy(dtype=object)
        valid = pd.notna(y)
        classes = sorted(set(y[valid]), key=str)
        total = max(int(valid.sum()), 1)
        for c in classes:
            cand = pos[valid & (y == c)]
            k = min(len(cand), max(min_per_class, int(n * len(cand) / total)))
            chosen[rng.choice(cand, size=k, replace=False)] = True
    rest = pos[valid & ~chosen]
    k = min(max(n - int(chosen.sum()), 0), len(rest))
    if k:
        chosen[rng.choice(rest, size=k, replace=False)] = True
    return df[chosen]
