"""Where the data lives, which datasets are present, and the dataset loaders.

The data folder is ``$MUSICDL_DATA`` if set, else ``data/`` at the repository root.
Real datasets sit directly in it; the offline demo datasets (see :mod:`utils.demo`)
sit in ``demo/`` (full) and ``demo-quick/`` (quick mode) inside it, in exactly the same
layouts, so every loader here reads real and demo data alike.

Datasets
--------
GTZAN Music/Speech
    ``gtzan_music_speech/music_speech/{music_wav,speech_wav}/*.wav``: 64 music and 64
    speech clips of 30 s, 22,050 Hz mono 16-bit. Load with :func:`load_gtzan_music_speech`.
MagnaTagATune (MTAT)
    ``magnatagatune/{annotations_final.csv,clip_info_final.csv,mp3/0..f/*.mp3}``: 25,863
    clips of about 29 s, 16 kHz mono mp3, 188 binary tags. Load with
    :func:`load_magnatagatune`, split with :func:`split_top50`, label with
    :func:`single_label` and the tag groups :data:`VOCAL_TAGS`, :data:`INSTRUMENTAL_TAGS`,
    :data:`GENRE_TAGS`, :data:`MOOD_TAGS`, :data:`TOP50_TAGS`.

Downloading and installing the real datasets is :mod:`utils.download`'s job
(``bash download_datasets.sh``).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from . import config

__all__ = [
    "DATASETS", "Dataset", "data_dir",
    "real_path", "demo_path", "is_present", "status", "locate",
    "audio_duration", "load_gtzan_music_speech", "GTZAN_CLASSES", "GTZAN_SR", "GTZAN_SECONDS",
    "TAGS_188", "TOP50_TAGS", "VOCAL_TAGS", "INSTRUMENTAL_TAGS", "GENRE_TAGS", "MOOD_TAGS",
    "TAG_GROUPS", "MTAT_SR", "MTAT_MIN_DURATION", "SPLIT_FOLDERS", "MTAT_FOLDERS",
    "ANNOTATION_FILE", "CLIP_INFO_FILE", "CLIP_INFO_COLUMNS",
    "load_magnatagatune", "clip_durations", "split_top50", "single_label", "quick_subset",
    "LIBROSA_EXAMPLES", "example_audio",
]


# --------------------------------------------------------------------------------------
# Datasets and paths
# --------------------------------------------------------------------------------------


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
    "magnatagatune": Dataset(
        "magnatagatune", "MagnaTagATune", "magnatagatune", "annotations_final.csv"
    ),
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


def demo_path(name: str, *, quick: bool = False) -> Path:
    """Folder of the demo variant of dataset ``name`` (which may not exist yet).

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`.
    quick : bool
        The small quick-mode variant (``<data>/demo-quick/...``) instead of the full one
        (``<data>/demo/...``).
    """
    return data_dir() / ("demo-quick" if quick else "demo") / _get(name).folder


def is_present(root: Path, name: str) -> bool:
    """True when ``root`` holds dataset ``name`` (its marker path exists)."""
    return (Path(root) / _get(name).marker).exists()


def _demo_complete(name: str, *, quick: bool) -> bool:
    from . import demo

    return demo.is_complete(demo_path(name, quick=quick))


def status() -> list[dict]:
    """One row per dataset: whether the real and the demo copies are present, and how to fetch.

    Returns
    -------
    list of dict
        Keys ``dataset``, ``title``, ``real``, ``demo``, ``demo_quick``, ``path``, ``fetch``.

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
                "demo": _demo_complete(name, quick=False),
                "demo_quick": _demo_complete(name, quick=True),
                "path": str(real_path(name)),
                "fetch": ds.fetch_command,
            }
        )
    return rows


def locate(name: str, *, mode: str | None = None, quick: bool | None = None) -> tuple[Path, str]:
    """Choose the copy of dataset ``name`` a notebook should use, generating the demo if needed.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS`.
    mode : {"auto", "real", "demo"}, optional
        Defaults to ``$MUSICDL_DATASET`` (``auto``: real if present, else demo).
    quick : bool, optional
        Which demo variant to use when the demo is chosen; defaults to ``$MUSICDL_QUICK``.

    Returns
    -------
    (pathlib.Path, str)
        The dataset folder and its source, ``"real"`` or ``"demo"``. A missing demo copy is
        generated first with :func:`utils.demo.generate` (one line is printed).

    Raises
    ------
    FileNotFoundError
        When ``mode="real"`` and the real dataset is missing; the message gives the command
        that downloads it.

    Example
    -------
    >>> root, source = locate("gtzan_music_speech", mode="demo", quick=True)  # doctest: +SKIP
    """
    ds = _get(name)
    params = config.run_parameters()
    mode = mode or params.dataset
    if mode not in config.DATASET_MODES:
        raise ValueError(f"mode must be one of {', '.join(config.DATASET_MODES)}, found {mode!r}")
    quick = params.quick if quick is None else bool(quick)
    real = real_path(name)
    if mode in ("auto", "real") and is_present(real, name):
        return real, "real"
    if mode == "real":
        raise FileNotFoundError(
            f"{ds.title} was asked for (MUSICDL_DATASET=real) but is not in {real}.\n"
            f"Download it with:  {ds.fetch_command}\n"
            f"or unset MUSICDL_DATASET to fall back to the offline demo data."
        )
    path = demo_path(name, quick=quick)
    from . import demo

    if not demo.is_complete(path):
        variant = "quick " if quick else ""
        print(f"{ds.title}: no real data in {real}; generating the {variant}demo dataset in {path} (first use only)")
        demo.generate(path.parent, quick=quick, datasets=(name,))
    return path, "demo"


# --------------------------------------------------------------------------------------
# Audio files
# --------------------------------------------------------------------------------------


def audio_duration(path, *, exact: bool | None = None) -> float:
    """Length of an audio file in seconds.

    Parameters
    ----------
    path : str or pathlib.Path
        Any file libsndfile reads (wav, flac, ogg, mp3).
    exact : bool, optional
        Decode the whole file and count the samples. The default does so for mp3 only:
        the mp3 header estimate can be off by a tenth of a second (the real MTAT clip in
        the test data reads 29.271 s from the header but decodes to 29.124 s), which
        matters for the 29.1 s filter of the standard split. Decoding a 29 s mp3 takes
        about 10 ms. Other formats store the exact length in the header.

    Returns
    -------
    float
        Seconds.

    Raises
    ------
    soundfile.LibsndfileError, OSError
        When the file is missing, empty or not audio.

    Example
    -------
    >>> audio_duration("data/demo/magnatagatune/mp3/0/some.mp3")  # doctest: +SKIP
    29.16
    """
    import soundfile as sf

    path = str(path)
    if exact is None:
        exact = path.lower().endswith(".mp3")
    with sf.SoundFile(path) as f:
        if not exact:
            return f.frames / f.samplerate
        # One read call with room to spare: the header's frame count is only an estimate for
        # mp3, and reading mp3 in blocks through libsndfile 1.2.2 makes mpg123 report
        # "part2_3_length too large" errors and decode wrongly.
        n = len(f.read(f.frames + 10 * f.samplerate, dtype="int16", always_2d=True))
        return n / f.samplerate


def _warn_files(what: str, paths: list, *, limit: int = 10) -> None:
    if not paths:
        return
    shown = ", ".join(str(p) for p in paths[:limit])
    more = f" and {len(paths) - limit} more" if len(paths) > limit else ""
    warnings.warn(f"{len(paths)} {what}: {shown}{more}", stacklevel=3)


# --------------------------------------------------------------------------------------
# Example recordings (librosa's), with an offline fallback
# --------------------------------------------------------------------------------------

#: librosa's example recordings the notebooks use: what kind of sound each is, and the
#: demo genre that stands in for it offline (see :func:`example_audio`).
LIBROSA_EXAMPLES = {
    "brahms": ("music", "classical"), "nutcracker": ("music", "classical"), "sweetwaltz": ("music", "classical"),
    "choice": ("music", "electronic"), "vibeace": ("music", "house"), "fishin": ("music", "country"),
    "pistachio": ("music", "jazz"), "trumpet": ("music", "jazz"),
    "libri1": ("speech", None), "libri2": ("speech", None), "libri3": ("speech", None),
}


def example_audio(name: str) -> Path:
    """Path of librosa's example recording ``name``, or of a demo clip when it can't be had.

    ``librosa.ex(name)`` downloads the recording once and caches it (``$LIBROSA_DATA_DIR``
    points at a local copy). Offline without a cached copy, this returns a GTZAN
    Music/Speech clip of the same kind (music or speech; for music, of the demo genre that
    resembles the recording when the demo is in use) and says so.

    Parameters
    ----------
    name : str
        A key of :data:`LIBROSA_EXAMPLES`, e.g. ``"trumpet"``.

    Returns
    -------
    pathlib.Path

    Example
    -------
    >>> example_audio("trumpet").suffix  # doctest: +SKIP
    '.ogg'
    """
    if name not in LIBROSA_EXAMPLES:
        raise ValueError(f"Unknown example {name!r}; known: {', '.join(LIBROSA_EXAMPLES)}")
    try:
        import librosa

        return Path(librosa.ex(name))
    except Exception as exc:  # offline and not cached: pooch raises network errors of several kinds
        reason = type(exc).__name__
    from . import demo

    kind, genre = LIBROSA_EXAMPLES[name]
    root, source = locate("gtzan_music_speech")
    clips = load_gtzan_music_speech(root)
    candidates = clips.loc[clips.label == kind, "path"].tolist()
    genres = demo.music_genres(root)
    same_genre = [p for p in candidates if genres.get(Path(p).name) == genre]
    same_kind = [name_ for name_, (k, _) in LIBROSA_EXAMPLES.items() if k == kind]
    path = Path(same_genre[0] if same_genre else candidates[same_kind.index(name) % len(candidates)])
    print(f"librosa example {name!r} unavailable ({reason}); using the {source} {kind} clip {path.name} instead")
    return path


# --------------------------------------------------------------------------------------
# GTZAN Music/Speech
# --------------------------------------------------------------------------------------

#: Class folders of GTZAN Music/Speech and the label each stands for.
GTZAN_CLASSES = {"music_wav": "music", "speech_wav": "speech"}
#: Sample rate (Hz) and clip length (s) of GTZAN Music/Speech.
GTZAN_SR = 22050
GTZAN_SECONDS = 30.0


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
    >>> root, source = locate("gtzan_music_speech")  # doctest: +SKIP
    >>> df = load_gtzan_music_speech(root); df.label.value_counts()  # doctest: +SKIP
    music     64
    speech    64
    """
    import pandas as pd

    folder = _gtzan_folder(root).resolve()
    rows, skipped, short = [], [], []
    for sub, label in GTZAN_CLASSES.items():
        d = folder / sub
        if not d.is_dir():
            continue
        for p in sorted(q for q in d.iterdir() if q.suffix.lower() == ".wav" and q.is_file()):
            try:
                dur = audio_duration(p)
            except Exception as err:  # libsndfile raises several types for bad files
                skipped.append(f"{p} ({str(err).splitlines()[0][-60:]})")
                continue
            if dur < min_duration:
                short.append(f"{p} ({dur:.2f} s)")
                continue
            rows.append((str(p), label, float(dur)))
    _warn_files("GTZAN files could not be read and were skipped", skipped)
    _warn_files(f"GTZAN files are shorter than {min_duration} s (truncated?) and were skipped", short)
    if not rows:
        raise FileNotFoundError(
            f"No readable .wav clips in {folder}/music_wav or {folder}/speech_wav. "
            f"Download the data with: {DATASETS['gtzan_music_speech'].fetch_command}"
        )
    df = pd.DataFrame(rows, columns=["path", "label", "duration"])
    df = df.sort_values(["label", "path"], kind="stable").reset_index(drop=True)
    df.attrs["skipped"] = skipped + short
    return df


# --------------------------------------------------------------------------------------
# MagnaTagATune
# --------------------------------------------------------------------------------------

#: Sample rate (Hz) of the MTAT mp3 clips.
MTAT_SR = 16000
#: Shortest clip (seconds) the standard top-50 split keeps (Lee et al. 2017; Won et al. 2020).
MTAT_MIN_DURATION = 29.1
#: The 16 audio folders of MTAT, in order.
MTAT_FOLDERS = "0123456789abcdef"
#: The standard top-50 split by folder: ``0``-``b`` train, ``c`` valid, ``d``-``f`` test.
SPLIT_FOLDERS = {"train": "0123456789ab", "valid": "c", "test": "def"}
#: File names inside the MTAT folder.
ANNOTATION_FILE = "annotations_final.csv"
CLIP_INFO_FILE = "clip_info_final.csv"
#: Columns of ``clip_info_final.csv``, in file order.
CLIP_INFO_COLUMNS = (
    "clip_id", "track_number", "title", "artist", "album", "url", "segmentStart", "segmentEnd",
    "original_url", "mp3_path",
)

#: The 188 tag columns of ``annotations_final.csv``, in file order.
TAGS_188 = (
    "no voice", "singer", "duet", "plucking", "hard rock", "world", "bongos", "harpsichord",
    "female singing", "clasical", "sitar", "chorus", "female opera", "male vocal", "vocals",
    "clarinet", "heavy", "silence", "beats", "men", "woodwind", "funky", "no strings", "chimes",
    "foreign", "no piano", "horns", "classical", "female", "no voices", "soft rock", "eerie",
    "spacey", "jazz", "guitar", "quiet", "no beat", "banjo", "electric", "solo", "violins",
    "folk", "female voice", "wind", "happy", "ambient", "new age", "synth", "funk",
    "no singing", "middle eastern", "trumpet", "percussion", "drum", "airy", "voice",
    "repetitive", "birds", "space", "strings", "bass", "harpsicord", "medieval", "male voice",
    "girl", "keyboard", "acoustic", "loud", "classic", "string", "drums", "electronic",
    "not classical", "chanting", "no violin", "not rock", "no guitar", "organ", "no vocal",
    "talking", "choral", "weird", "opera", "soprano", "fast", "acoustic guitar",
    "electric guitar", "male singer", "man singing", "classical guitar", "country", "violin",
    "electro", "reggae", "tribal", "dark", "male opera", "no vocals", "irish", "electronica",
    "horn", "operatic", "arabic", "lol", "low", "instrumental", "trance", "chant", "strange",
    "drone", "synthesizer", "heavy metal", "modern", "disco", "bells", "man", "deep",
    "fast beat", "industrial", "hard", "harp", "no flute", "jungle", "pop", "lute",
    "female vocal", "oboe", "mellow", "orchestral", "viola", "light", "echo", "piano", "celtic",
    "male vocals", "orchestra", "eastern", "old", "flutes", "punk", "spanish", "sad", "sax",
    "slow", "male", "blues", "vocal", "indian", "no singer", "scary", "india", "woman",
    "woman singing", "rock", "dance", "piano solo", "guitars", "no drums", "jazzy", "singing",
    "cello", "calm", "female vocals", "voices", "different", "techno", "clapping", "house",
    "monks", "flute", "not opera", "not english", "oriental", "beat", "upbeat", "soft", "noise",
    "choir", "female singer", "rap", "metal", "hip hop", "quick", "water", "baroque", "women",
    "fiddle", "english",
)

#: The 50 most frequent tags, in the order the literature uses (top-50 task, notebook 07).
TOP50_TAGS = (
    "guitar", "classical", "slow", "techno", "strings", "drums", "electronic", "rock", "fast",
    "piano", "ambient", "beat", "violin", "vocal", "synth", "female", "indian", "opera", "male",
    "singing", "vocals", "no vocals", "harpsichord", "loud", "quiet", "flute", "woman",
    "male vocal", "no vocal", "pop", "soft", "sitar", "solo", "man", "classic", "choir",
    "voice", "new age", "dance", "male voice", "female vocal", "beats", "harp", "cello",
    "no voice", "weird", "country", "metal", "female voice", "choral",
)
#: Tags that say a voice is heard (notebook 04). Synonyms and gendered variants are
#: separate columns in MTAT, so the group lists them all.
VOCAL_TAGS = (
    "singer", "duet", "female singing", "chorus", "female opera", "male vocal", "vocals", "men",
    "female", "female voice", "voice", "male voice", "girl", "chanting", "talking", "choral",
    "opera", "soprano", "male singer", "man singing", "male opera", "operatic", "chant", "man",
    "female vocal", "male vocals", "male", "vocal", "woman", "woman singing", "singing",
    "female vocals", "voices", "monks", "choir", "female singer", "rap", "women",
)
#: Tags that say no voice is heard (notebook 04). A clip is "vocal" when it has a vocal tag
#: and no instrumental tag, "instrumental" in the opposite case, and left out otherwise.
INSTRUMENTAL_TAGS = ("no voice", "no voices", "no singing", "no vocal", "no vocals", "no singer", "instrumental")
#: Genre tags for single-label genre recognition (notebook 05): frequent and mostly disjoint.
GENRE_TAGS = ("classical", "techno", "rock", "pop", "ambient", "indian", "opera", "country", "metal", "jazz")
#: Mood and character tags for multi-label mood detection (notebook 06).
MOOD_TAGS = (
    "happy", "sad", "calm", "dark", "eerie", "mellow", "upbeat", "weird", "spacey", "heavy",
    "soft", "loud", "quiet",
)
#: All named tag groups, by name.
TAG_GROUPS = {
    "vocal": VOCAL_TAGS,
    "instrumental": INSTRUMENTAL_TAGS,
    "genre": GENRE_TAGS,
    "mood": MOOD_TAGS,
    "top50": TOP50_TAGS,
}


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


def _read_table(path: Path, required, *, what: str):
    import pandas as pd

    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except Exception as err:
        raise ValueError(f"Could not parse {path} as a tab-separated {what} file: {err}") from None
    missing = [c for c in required if c not in table.columns]
    if missing:
        found = ", ".join(map(repr, list(table.columns)[:8]))
        raise ValueError(
            f"{path} lacks the column {missing[0]!r}"
            + (f" (and {len(missing) - 1} more: {', '.join(map(repr, missing[1:6]))})" if len(missing) > 1 else "")
            + f"; a {what} file has tab-separated columns {', '.join(map(repr, list(required)[:4]))}, ...; "
            f"found {found}{', ...' if len(table.columns) > 8 else ''}. "
            f"Is it the right file, complete and tab-separated? Download it again with "
            f"{DATASETS['magnatagatune'].fetch_command}."
        )
    return table


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
    >>> root, source = locate("magnatagatune")  # doctest: +SKIP
    >>> df = load_magnatagatune(root); df[list(TOP50_TAGS)].sum().head(3)  # doctest: +SKIP
    """
    import numpy as np
    import pandas as pd

    folder = _mtat_folder(root).resolve()
    ann_path = folder / ANNOTATION_FILE
    ann = _read_table(ann_path, ("clip_id",) + TAGS_188 + ("mp3_path",), what="MTAT annotations")
    try:
        clip_id = ann["clip_id"].astype(np.int64)
        tags = ann[list(TAGS_188)].astype(np.int8)
    except ValueError as err:
        raise ValueError(f"{ann_path}: clip_id and the tag columns must be integers (tags 0/1): {err}") from None
    df = pd.DataFrame({"clip_id": clip_id, "mp3_path": ann["mp3_path"].astype(str)})
    df["path"] = [str(folder / "mp3" / p) for p in df["mp3_path"]]
    df["folder"] = df["mp3_path"].str[:1]
    df = pd.concat([df, tags], axis=1)
    info_path = folder / CLIP_INFO_FILE
    if info_path.is_file():
        info = _read_table(info_path, CLIP_INFO_COLUMNS, what="MTAT clip information")
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
        _warn_files(f"MTAT clips have no usable mp3 file and were {action}", missing)
        if drop_missing:
            bad = {m.rsplit(" (", 1)[0] for m in missing}
            df = df[~df["path"].isin(bad)].reset_index(drop=True)
    df = df.copy()  # one block per dtype: adding columns later stays fast
    df.attrs["missing"] = missing
    df.attrs["root"] = str(folder)
    return df


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
    >>> df["duration"] = clip_durations(df)  # doctest: +SKIP
    """
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import pandas as pd

    def one(p):
        try:
            return audio_duration(p), None
        except Exception as err:
            return np.nan, f"{p} ({str(err).splitlines()[0][-60:]})"

    with ThreadPoolExecutor(max_workers=n_jobs or os.cpu_count() or 1) as pool:
        out = list(pool.map(one, df["path"]))
    _warn_files("audio files could not be decoded (duration NaN)", [e for _, e in out if e])
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
    >>> parts = split_top50(df, durations=clip_durations(df))  # doctest: +SKIP
    >>> {k: len(v) for k, v in parts.items()}  # doctest: +SKIP
    {'train': 15244, 'valid': 1529, 'test': 4332}
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
                raise ValueError(f"durations must have one value per row of df ({len(df)}), found shape {dur.shape}")
        unknown = keep & np.isnan(dur)
        _warn_files("clips with a top-50 tag have no readable audio and were left out of the split",
                    list(df.loc[unknown, "mp3_path"]))
        with np.errstate(invalid="ignore"):
            keep &= dur >= min_duration
    out = {}
    for part, folders in SPLIT_FOLDERS.items():
        sel = keep & df["folder"].isin(list(folders)).to_numpy()
        out[part] = df[sel].sort_values("clip_id", kind="stable").reset_index(drop=True)
    return out


def single_label(df, groups, *, name: str = "label"):
    """One label per clip from groups of tags, keeping only clips in exactly one group.

    Parameters
    ----------
    df : pandas.DataFrame
        Has the tag columns (as :func:`load_magnatagatune` returns).
    groups : dict of str to sequence of str, or sequence of str
        ``{"vocal": VOCAL_TAGS, "instrumental": INSTRUMENTAL_TAGS}`` (notebook 04), or a
        list of tags, each its own group, e.g. :data:`GENRE_TAGS` (notebook 05).
    name : str
        Name of the returned Series.

    Returns
    -------
    pandas.Series [shape=(len(df),)]
        The group of each clip that has a tag of exactly one group (the XOR of the groups);
        ``None`` for clips with tags of no group or of several.

    Example
    -------
    >>> y = single_label(df, {"vocal": VOCAL_TAGS, "instrumental": INSTRUMENTAL_TAGS})  # doctest: +SKIP
    >>> df_vi = df[y.notna()]  # doctest: +SKIP
    """
    import numpy as np
    import pandas as pd

    if not isinstance(groups, dict):
        groups = {t: (t,) for t in groups}
    names = list(groups)
    for g, tags in groups.items():
        absent = [t for t in tags if t not in df.columns]
        if absent:
            raise ValueError(f"group {g!r} names tag {absent[0]!r}, which is not a column of df")
    hits = np.stack([df[list(groups[g])].to_numpy().sum(axis=1) > 0 for g in names], axis=1)
    one = hits.sum(axis=1) == 1
    labels = np.array(names, dtype=object)[hits.argmax(axis=1)]
    labels[~one] = None
    return pd.Series(labels, index=df.index, name=name, dtype=object)


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
    >>> small = quick_subset(df, "label", n=32, seed=42)  # doctest: +SKIP
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
