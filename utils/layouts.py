"""Where each dataset's files live, and the facts of its format.

A leaf module: it imports nothing of ``utils`` but :mod:`utils.config`, so every other
module (the loaders in :mod:`utils.datasets`, the demo generator in :mod:`utils.demo`,
the installer in :mod:`utils.download`) takes its folder names, file names, sample rates
and tag lists from here, and each fact has one home.

Layouts (inside the data folder, :func:`utils.config.data_dir`)
-------------------------------------------------------------
GTZAN Music/Speech
    ``gtzan_music_speech/music_speech/{music_wav,speech_wav}/*.wav``: 64 music and 64
    speech clips of 30 s, 22,050 Hz mono 16-bit.
MagnaTagATune (MTAT)
    ``magnatagatune/{annotations_final.csv,clip_info_final.csv,mp3/0..f/*.mp3}``: 25,863
    clips of about 29 s, 16 kHz mono mp3, 188 binary tags.
GTZAN genre collection (optional)
    ``gtzan_genre/genres/<genre>/<genre>.000NN.wav`` (or the Kaggle copy's
    ``genres_original/<genre>/...``): 10 genres of 100 clips of 30 s, 22,050 Hz mono
    16-bit, and beside them the fault-filtered split lists ``{train,valid,test}_filtered.txt``.

The offline demo copies sit in ``demo/`` (full) and ``demo-quick/`` (quick mode) inside
the data folder, in exactly the same layouts. Optional datasets (:attr:`Dataset.optional`)
have no demo copy and are fetched only on request, never by ``download_datasets.sh all``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from . import config

# fmt: off
__all__ = [
    "Dataset", "DATASETS", "dataset", "real_path", "demo_path", "is_present", "GTZAN_CLASSES",
    "GTZAN_SR", "GTZAN_SECONDS", "GTZAN_CLIPS", "GTZAN_MIN_SECONDS", "MTAT_SR", "MTAT_CLIPS",
    "MTAT_BITRATE", "MTAT_MIN_DURATION", "MTAT_FOLDERS", "SPLIT_FOLDERS",
    "ANNOTATION_FILE", "CLIP_INFO_FILE", "CLIP_INFO_COLUMNS", "TAGS_188", "TOP50_TAGS",
    "CORE_DATASETS", "GTZAN_GENRES", "GTZAN_GENRE_FOLDERS", "GTZAN_GENRE_CLIPS", "GTZAN_GENRE_SR",
    "GTZAN_GENRE_SECONDS", "GTZAN_GENRE_ARCHIVE", "GTZAN_GENRE_SPLIT_FILES",
    "GTZAN_GENRE_SPLIT_SIZES", "GTZAN_GENRE_UNREADABLE", "DEMO_VERSION", "DEMO_MARKER",
    "demo_complete", "count_audio_files",
]
# fmt: on


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
    alt_markers : tuple of str
        Other paths that mean the same (another copy's layout of the same files).
    optional : bool
        Fetched only on request (``download_datasets.sh NAME``), never by ``all`` or
        ``make data``; it has no demo copy, and a notebook uses it only when present.
    """

    name: str
    title: str
    folder: str
    marker: str
    alt_markers: tuple = ()
    optional: bool = False

    @property
    def markers(self) -> tuple:
        """Every path whose presence means the dataset is installed."""
        return (self.marker, *self.alt_markers)

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
    "gtzan_genre": Dataset(
        "gtzan_genre",
        "GTZAN genre collection",
        "gtzan_genre",
        "genres/blues",
        alt_markers=("genres_original/blues", "Data/genres_original/blues"),
        optional=True,
    ),
}

#: The datasets every notebook can count on: fetched by ``download_datasets.sh all`` and
#: ``make data``, with an offline demo copy. The others (:attr:`Dataset.optional`) are not.
CORE_DATASETS = tuple(name for name, ds in DATASETS.items() if not ds.optional)


def dataset(name: str) -> Dataset:
    """The :class:`Dataset` called ``name``; a clear error for an unknown name.

    Example
    -------
    >>> dataset("magnatagatune").title
    'MagnaTagATune'
    """
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"Unknown dataset {name!r}; known: {', '.join(DATASETS)}") from None


def real_path(name: str) -> Path:
    """Folder of the real dataset ``name`` (which may not exist yet)."""
    return config.data_dir() / dataset(name).folder


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
    return config.data_dir() / ("demo-quick" if quick else "demo") / dataset(name).folder


def is_present(root: Path, name: str) -> bool:
    """True when ``root`` holds dataset ``name`` (one of its marker paths exists)."""
    return any((Path(root) / m).exists() for m in dataset(name).markers)


# GTZAN Music/Speech

#: Class folders of GTZAN Music/Speech and the label each stands for.
GTZAN_CLASSES = {"music_wav": "music", "speech_wav": "speech"}
#: Sample rate (Hz) and clip length (s) of GTZAN Music/Speech.
GTZAN_SR = 22050
GTZAN_SECONDS = 30.0
#: Clips per class of the real GTZAN Music/Speech.
GTZAN_CLIPS = {"music": 64, "speech": 64}
#: A real GTZAN clip shorter than this (seconds) is truncated.
GTZAN_MIN_SECONDS = 29.0


# GTZAN genre collection (Tzanetakis & Cook 2002), optional

#: The 10 genres of GTZAN, in the order of its folders and of the literature.
# fmt: off
GTZAN_GENRES = (
    "blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock",
)
# fmt: on
#: Folders (inside ``gtzan_genre/``) that may hold the 10 genre folders: ``genres/`` from
#: ``genres.tar.gz``, ``genres_original/`` (or ``Data/genres_original/``) from the Kaggle copy.
GTZAN_GENRE_FOLDERS = ("genres", "genres_original", "Data/genres_original")
#: Clips per genre, sample rate (Hz) and clip length (s) of the real collection.
GTZAN_GENRE_CLIPS = 100
GTZAN_GENRE_SR = 22050
GTZAN_GENRE_SECONDS = 30.0
#: The archive of the original distribution; it unpacks to ``genres/<genre>/<genre>.000NN.wav``.
GTZAN_GENRE_ARCHIVE = "genres.tar.gz"
#: The fault-filtered split of Kereliuk, Sturm & Larsen (2015): one list file per part, kept
#: beside the audio in ``gtzan_genre/``. Each line names one clip (``blues/blues.00029.wav``).
GTZAN_GENRE_SPLIT_FILES = {
    "train": "train_filtered.txt",
    "valid": "valid_filtered.txt",
    "test": "test_filtered.txt",
}
#: Clips per part of that split (930 of the 1,000: repeated and mislabelled clips are out).
GTZAN_GENRE_SPLIT_SIZES = {"train": 443, "valid": 197, "test": 290}
#: Clips of the real collection that no decoder reads (reported when loading, not a fault
#: of the installation).
GTZAN_GENRE_UNREADABLE = ("jazz.00054",)


# MagnaTagATune

#: Sample rate (Hz) of the MTAT mp3 clips.
MTAT_SR = 16000
#: Bit rate (bit/s) of the MTAT mp3 clips: a 29 s clip is about 116 kB.
MTAT_BITRATE = 32000
#: Clips (rows of ``annotations_final.csv``, mp3 files) of the real MTAT.
MTAT_CLIPS = 25_863
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
# fmt: off
CLIP_INFO_COLUMNS = (
    "clip_id", "track_number", "title", "artist", "album", "url", "segmentStart", "segmentEnd",
    "original_url", "mp3_path",
)
# fmt: on

#: The 188 tag columns of ``annotations_final.csv``, in file order.
# fmt: off
TAGS_188 = (
    "no voice", "singer", "duet", "plucking", "hard rock", "world", "bongos", "harpsichord",
    "female singing", "clasical", "sitar", "chorus", "female opera", "male vocal", "vocals",
    "clarinet", "heavy", "silence", "beats", "men", "woodwind", "funky", "no strings", "chimes",
    "foreign", "no piano", "horns", "classical", "female", "no voices", "soft rock", "eerie",
    "spacey", "jazz", "guitar", "quiet", "no beat", "banjo", "electric", "solo", "violins", "folk",
    "female voice", "wind", "happy", "ambient", "new age", "synth", "funk", "no singing",
    "middle eastern", "trumpet", "percussion", "drum", "airy", "voice", "repetitive", "birds",
    "space", "strings", "bass", "harpsicord", "medieval", "male voice", "girl", "keyboard",
    "acoustic", "loud", "classic", "string", "drums", "electronic", "not classical", "chanting",
    "no violin", "not rock", "no guitar", "organ", "no vocal", "talking", "choral", "weird",
    "opera", "soprano", "fast", "acoustic guitar", "electric guitar", "male singer", "man singing",
    "classical guitar", "country", "violin", "electro", "reggae", "tribal", "dark", "male opera",
    "no vocals", "irish", "electronica", "horn", "operatic", "arabic", "lol", "low",
    "instrumental", "trance", "chant", "strange", "drone", "synthesizer", "heavy metal", "modern",
    "disco", "bells", "man", "deep", "fast beat", "industrial", "hard", "harp", "no flute",
    "jungle", "pop", "lute", "female vocal", "oboe", "mellow", "orchestral", "viola", "light",
    "echo", "piano", "celtic", "male vocals", "orchestra", "eastern", "old", "flutes", "punk",
    "spanish", "sad", "sax", "slow", "male", "blues", "vocal", "indian", "no singer", "scary",
    "india", "woman", "woman singing", "rock", "dance", "piano solo", "guitars", "no drums",
    "jazzy", "singing", "cello", "calm", "female vocals", "voices", "different", "techno",
    "clapping", "house", "monks", "flute", "not opera", "not english", "oriental", "beat",
    "upbeat", "soft", "noise", "choir", "female singer", "rap", "metal", "hip hop", "quick",
    "water", "baroque", "women", "fiddle", "english",
)
# fmt: on

#: The 50 most frequent tags, in the order the literature uses (top-50 task, notebook 07).
# fmt: off
TOP50_TAGS = (
    "guitar", "classical", "slow", "techno", "strings", "drums", "electronic", "rock", "fast",
    "piano", "ambient", "beat", "violin", "vocal", "synth", "female", "indian", "opera", "male",
    "singing", "vocals", "no vocals", "harpsichord", "loud", "quiet", "flute", "woman",
    "male vocal", "no vocal", "pop", "soft", "sitar", "solo", "man", "classic", "choir", "voice",
    "new age", "dance", "male voice", "female vocal", "beats", "harp", "cello", "no voice",
    "weird", "country", "metal", "female voice", "choral",
)
# fmt: on


# --------------------------------------------------------------------------------------
# Demo copies: when one is complete
# --------------------------------------------------------------------------------------

#: Bumped whenever the generated demo data change (:mod:`utils.demo`); a demo made by another
#: version counts as missing and is made again.
DEMO_VERSION = 3
#: Written last into each generated demo dataset folder: its presence means "complete".
DEMO_MARKER = ".demo-complete.json"


def count_audio_files(path: Path) -> int:
    """How many audio files (wav, mp3) are in ``path`` and below."""
    return sum(1 for p in path.rglob("*") if p.suffix in (".wav", ".mp3") and p.is_file())


def _expected_files(marker: dict) -> int | None:
    if "files" in marker:
        return int(marker["files"])
    counts = marker.get("counts", {})  # markers written before file counts were recorded
    if "clips" in counts:
        return int(counts["clips"])
    if "music" in counts:
        return int(counts["music"]) + int(counts.get("speech", 0))
    return None


def demo_complete(path) -> bool:
    """True when ``path`` is a finished demo dataset of the current version.

    The marker file, written last, records the version and the number of audio files;
    both must match what is on disk, so a folder with clips missing is not complete.

    Example
    -------
    >>> demo_complete("/nonexistent")
    False
    """
    path = Path(path)
    marker = path / DEMO_MARKER
    if not marker.is_file():
        return False
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except ValueError:
        return False
    if info.get("version") != DEMO_VERSION:
        return False
    expected = _expected_files(info)
    return expected is not None and count_audio_files(path) == expected
