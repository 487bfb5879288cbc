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

The offline demo copies sit in ``demo/`` (full) and ``demo-quick/`` (quick mode) inside
the data folder, in exactly the same layouts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import config

# fmt: off
__all__ = [
    "Dataset", "DATASETS", "dataset", "real_path", "demo_path", "is_present", "GTZAN_CLASSES",
    "GTZAN_SR", "GTZAN_SECONDS", "GTZAN_CLIPS", "GTZAN_MIN_SECONDS", "MTAT_SR", "MTAT_CLIPS",
    "MTAT_BITRATE", "MTAT_MIN_DURATION", "MTAT_FOLDERS", "SPLIT_FOLDERS",
    "ANNOTATION_FILE", "CLIP_INFO_FILE", "CLIP_INFO_COLUMNS", "TAGS_188", "TOP50_TAGS",
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
    """True when ``root`` holds dataset ``name`` (its marker path exists)."""
    return (Path(root) / dataset(name).marker).exists()


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
