"""librosa's example recordings, with demo clips standing in for them offline.

Notebooks 00, 01 and 03 play real recordings (Brahms, a trumpet, LibriSpeech readers) when
librosa has them or can fetch them, and a demo clip of the same kind otherwise:
:func:`example_clip` says which one plays, so prose can describe what is heard.
``make data`` fetches them once (:func:`fetch_examples`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import config, datasets, demo

__all__ = [
    "LIBROSA_EXAMPLES",
    "LIBROSA_DATA_URL",
    "NETWORK_TIMEOUT",
    "ExampleClip",
    "example_clip",
    "example_audio",
    "recording_title",
    "examples_cache",
    "fetch_examples",
]


#: librosa's example recordings the notebooks use: what kind of sound each is, and the
#: demo genres (in order of preference) whose clips stand in for it offline (see
#: :func:`example_clip`). The titles come from librosa's own index (:func:`recording_title`).
LIBROSA_EXAMPLES = {
    "trumpet": ("music", ("jazz", "pop", "country")),
    "brahms": ("music", ("classical", "opera")),
    "nutcracker": ("music", ("classical", "new age", "ambient")),
    "sweetwaltz": ("music", ("classical", "new age", "ambient")),
    "choice": ("music", ("electronic", "techno", "house")),
    "vibeace": ("music", ("house", "electronic", "techno")),
    "fishin": ("music", ("country", "rock", "pop")),
    "pistachio": ("music", ("jazz", "pop", "new age")),
    "libri1": ("speech", ()),
    "libri2": ("speech", ()),
    "libri3": ("speech", ()),
}

#: Where librosa serves its example recordings (the address ``librosa.ex`` downloads from).
LIBROSA_DATA_URL = "https://librosa.org/data/audio/"

#: Seconds to wait for librosa's server before a session counts as offline.
NETWORK_TIMEOUT = 3.0

# One network attempt per session: None = not tried yet, else the reason it failed ("" = ok).
_NETWORK = {"failed": None}


@dataclass(frozen=True)
class ExampleClip:
    """What :func:`example_clip` found: librosa's recording, or the clip standing in for it.

    Attributes
    ----------
    name : str
        The librosa key asked for (``"brahms"``).
    path : pathlib.Path
        The audio file that plays.
    recording : bool
        ``True`` when ``path`` is librosa's recording, ``False`` for a stand-in.
    title : str
        What plays, for titles and answers: librosa's description of the recording
        (``"Brahms - Hungarian Dance #5"``), or the stand-in's source, kind and file name.
    """

    name: str
    path: Path
    recording: bool
    title: str


def _librosa_index() -> tuple[dict, dict]:
    """The example index (key -> file stem, description) and sha256 sums of librosa.

    Read from the files installed with librosa (no network).
    """
    import json
    from importlib import resources

    folder = resources.files("librosa.util.example_data")
    index = json.loads(folder.joinpath("index.json").read_text(encoding="utf-8"))
    registry = dict(
        line.split()[:2]
        for line in folder.joinpath("registry.txt").read_text().splitlines()
        if line
    )
    return index, registry


def recording_title(name: str) -> str:
    """The description librosa gives its example recording ``name`` (no network).

    Example
    -------
    >>> recording_title("brahms")
    'Brahms - Hungarian Dance #5'
    """
    _check_example(name)
    return _librosa_index()[0][name]["desc"]


def examples_cache() -> Path:
    """The project's cache of librosa's example recordings: ``<data>/librosa`` (``make data``)."""
    return config.data_dir() / "librosa"


def _cache_folders() -> list[Path]:
    # Where a recording may already be, in order. With $LIBROSA_DATA_DIR set, librosa
    # itself looks only there, and so do we (besides the project's cache).
    folders = [examples_cache()]
    if os.environ.get("LIBROSA_DATA_DIR"):
        folders.insert(0, Path(os.environ["LIBROSA_DATA_DIR"]).expanduser())
    else:
        import pooch

        folders.append(Path(pooch.os_cache("librosa")))
    return folders


def _cached_recording(name: str) -> Path | None:
    file_name = _librosa_index()[0][name]["path"] + ".ogg"
    for folder in _cache_folders():
        if (folder / file_name).is_file() and (folder / file_name).stat().st_size > 0:
            return folder / file_name
    return None


def _network_failure() -> str:
    """Why librosa's server can't be reached ("" when it can); probed once per session."""
    if _NETWORK["failed"] is None:
        import socket
        import urllib.parse
        import urllib.request

        host = urllib.parse.urlsplit(LIBROSA_DATA_URL).hostname
        if urllib.request.getproxies():
            _NETWORK["failed"] = ""  # behind a proxy: let librosa's downloader try once
        else:
            try:
                socket.create_connection((host, 443), timeout=NETWORK_TIMEOUT).close()
                _NETWORK["failed"] = ""
            except OSError as exc:
                _NETWORK["failed"] = f"no connection to {host}: {type(exc).__name__}"
    return _NETWORK["failed"]


def _check_example(name):
    if name not in LIBROSA_EXAMPLES:
        raise ValueError(f"Unknown example {name!r}; known: {', '.join(LIBROSA_EXAMPLES)}")


def _stand_ins(root, kind: str) -> dict:
    """A distinct clip of ``kind`` for each example of that kind, preferring its genres."""
    clips = datasets.load_gtzan_music_speech(root)
    candidates = [Path(p) for p in clips.loc[clips.label == kind, "path"]]
    genres = demo.music_genres(root)
    chosen = {}
    for name, (kind_, preferred) in LIBROSA_EXAMPLES.items():
        if kind_ != kind:
            continue
        free = [p for p in candidates if p not in chosen.values()] or candidates
        ranked = [p for g in preferred for p in free if genres.get(p.name) == g]
        chosen[name] = (ranked or free)[0]
    return chosen


def example_clip(name: str, params: config.RunParameters) -> ExampleClip:
    """The librosa example recording ``name``, or a clip of the same kind standing in for it.

    Looks for the recording where librosa caches it (``$LIBROSA_DATA_DIR``, else librosa's
    default cache) and in :func:`examples_cache`, without the network. When it is in none
    of them, tries ``librosa.ex(name)`` once per session: a first failure (or no answer
    from librosa's server within :data:`NETWORK_TIMEOUT` seconds) makes every later call
    fall back at once. The fallback is a GTZAN Music/Speech clip of the same kind (music
    or speech), a different one for each example; for the demo data, of a genre that
    resembles the recording. It prints that it stands in.

    Parameters
    ----------
    name : str
        A key of :data:`LIBROSA_EXAMPLES`, e.g. ``"trumpet"``.
    params : utils.config.RunParameters
        The notebook's run parameters: which GTZAN Music/Speech copy the stand-ins come
        from (:func:`utils.datasets.locate`).

    Returns
    -------
    ExampleClip
        ``.path`` to load, ``.recording`` (is it librosa's?) and ``.title`` of what plays.

    Example
    -------
    ::

        clip = example_clip("brahms", config.run_parameters())
        clip.recording, clip.title
        # (True, 'Brahms - Hungarian Dance #5')
    """
    _check_example(name)
    path = _cached_recording(name)
    reason = _network_failure() if path is None else ""
    if path is None and not reason:
        try:
            import librosa

            path = Path(librosa.ex(name))
        except Exception as exc:  # pooch raises network errors of several kinds
            reason = _NETWORK["failed"] = f"download failed: {type(exc).__name__}"
    if path is not None:
        return ExampleClip(name, path, True, recording_title(name))
    kind = LIBROSA_EXAMPLES[name][0]
    root, source = datasets.locate("gtzan_music_speech", params)
    stand_in = _stand_ins(root, kind)[name]
    genre = demo.music_genres(root).get(stand_in.name)
    what = f"{source} {genre + ' ' if genre else ''}{kind} clip {stand_in.name}"
    print(f"librosa's recording {name!r} unavailable ({reason}): a {what} stands in for it")
    return ExampleClip(name, stand_in, False, f"{what} (stand-in)")


def example_audio(name: str, params: config.RunParameters) -> Path:
    """Path of librosa's example recording ``name``, or of the clip standing in for it.

    Shorthand for ``example_clip(name, params).path``; see :func:`example_clip`.

    Example
    -------
    ::

        example_audio("trumpet", config.run_parameters()).suffix
        # '.ogg'
    """
    return example_clip(name, params).path


def fetch_examples(*, folder=None) -> list[Path]:
    """Download librosa's example recordings of :data:`LIBROSA_EXAMPLES` once (``make data``).

    Files already in a cache :func:`example_clip` reads are kept; the others are downloaded
    from :data:`LIBROSA_DATA_URL` into ``folder`` (default :func:`examples_cache`) and
    checked against librosa's sha256 sums.

    Returns
    -------
    list of pathlib.Path
        The recordings, one per example.

    Raises
    ------
    OSError
        When librosa's server can't be reached (tried once per session, with a timeout of
        :data:`NETWORK_TIMEOUT` seconds) or a download fails: the message says where to put
        a copy.
    """
    import pooch

    folder = Path(folder) if folder is not None else examples_cache()
    index, registry = _librosa_index()
    paths = []
    for name in LIBROSA_EXAMPLES:
        cached = _cached_recording(name)
        if cached is not None:
            paths.append(cached)
            continue
        file_name = index[name]["path"] + ".ogg"
        offline = _network_failure()
        if offline:  # probed once per session: no wait per file
            raise OSError(
                f"Could not reach {LIBROSA_DATA_URL} ({offline}). The notebooks use demo clips "
                f"instead; to have the recordings, run `make data` online or put them in {folder}."
            )
        try:
            path = pooch.retrieve(
                LIBROSA_DATA_URL + file_name,
                known_hash=f"sha256:{registry[file_name]}",
                fname=file_name,
                path=folder,
                progressbar=False,
            )
        except Exception as exc:
            raise OSError(
                f"Could not download {LIBROSA_DATA_URL + file_name} ({exc}). The notebooks use "
                f"demo clips instead; to have the recording, put the file in {folder}."
            ) from exc
        paths.append(Path(path))
        print(f"{name}: {path}")
    return paths
