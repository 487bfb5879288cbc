"""librosa's example recordings, with demo clips standing in for them offline.

Notebooks 00, 01 and 03 play real recordings (Brahms, a trumpet, LibriSpeech readers) when
librosa has them or can fetch them, and a demo clip of the same kind otherwise:
:func:`example_clip` says which one plays, so prose can describe what is heard.
``make data`` fetches them once (:func:`fetch_examples`).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import config, datasets, demo

__all__ = [
    "LIBROSA_EXAMPLES",
    "LIBROSA_DATA_URL",
    "NETWORK_TIMEOUT",
    "DOWNLOAD_BUDGET",
    "FETCH_BUDGET",
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

#: Seconds librosa's server has to answer one HTTPS request (the probe, or any read of a
#: download) before the session counts as offline.
NETWORK_TIMEOUT = 3.0

#: Seconds that downloading recordings may take in all, in one session, while a notebook
#: runs (:func:`example_clip`); then the stand-ins play. Enough for the seven recordings of
#: notebook 01 (about 6 MB) at 0.5 MB/s.
DOWNLOAD_BUDGET = 20.0

#: The same for :func:`fetch_examples` (``make data``, notebook 00): all eleven recordings.
FETCH_BUDGET = 300.0

# The network, once per session: "failed" is None = not probed yet, else why it failed
# ("" = ok); "spent" = seconds of DOWNLOAD_BUDGET used.
_NETWORK = {"failed": None, "spent": 0.0}


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


def _within(seconds: float, work):
    """``work()``'s value, or TimeoutError when it takes longer than ``seconds``.

    ``work`` runs in a daemon thread, so that no server (one that accepts a connection and
    never answers, or answers a byte at a time) holds the notebook longer.
    """
    done = {}

    def run():
        try:
            done["value"] = work()
        except BaseException as exc:  # handed to the caller
            done["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {seconds:g} s")
    if "error" in done:
        raise done["error"]
    return done["value"]


def _probe() -> str:
    """Why librosa's server does not answer an HTTP(S) request ("" when it does).

    One ``HEAD`` request for a recording, through the proxy when one is set, bounded by
    :data:`NETWORK_TIMEOUT` in all: a captive portal fails it (its certificate is not
    librosa.org's, or it answers with something else), and so does a server that accepts
    the connection and never answers.
    """
    import urllib.error
    import urllib.parse
    import urllib.request

    url = LIBROSA_DATA_URL + _librosa_index()[0]["trumpet"]["path"] + ".ogg"
    host = urllib.parse.urlsplit(url).hostname

    def head():
        request = urllib.request.Request(url, method="HEAD")
        with urllib.request.urlopen(request, timeout=NETWORK_TIMEOUT) as response:
            return response.status

    try:
        status = _within(NETWORK_TIMEOUT, head)
    except urllib.error.HTTPError as exc:
        return f"{host} answered HTTP {exc.code}"
    except (OSError, ValueError) as exc:  # refused, no route, TLS, timeout, a bad address
        return f"no answer from {host}: {_short(exc)}"
    return "" if status == 200 else f"{host} answered HTTP {status}"


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "reason", "") or exc).strip()
    return f"{type(exc).__name__}: {text}"[:160] if text else type(exc).__name__


def _network_failure() -> str:
    """Why librosa's server can't be reached ("" when it can); probed once per session."""
    if _NETWORK["failed"] is None:
        _NETWORK["failed"] = _probe()
    return _NETWORK["failed"]


def _download(name: str, *, seconds: float, folder: Path) -> Path:
    """Download librosa's recording ``name`` into ``folder`` within ``seconds``, with a
    progress bar, checked against librosa's sha256 sum; a partial file never stays.

    Raises
    ------
    TimeoutError
        When the download would take longer (the message says how far it got).
    OSError, ValueError
        When the server fails, or the file is not librosa's (wrong sha256).
    """
    import urllib.request

    from tqdm.auto import tqdm

    index, registry = _librosa_index()
    file_name = index[name]["path"] + ".ogg"
    url = LIBROSA_DATA_URL + file_name
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file_name
    part = folder / f".{file_name}.{os.getpid()}-{threading.get_ident()}.part"
    start = time.monotonic()
    deadline = start + seconds
    got, total, digest = 0, 0, hashlib.sha256()
    try:
        response = _within(
            min(NETWORK_TIMEOUT, seconds),
            lambda: urllib.request.urlopen(url, timeout=NETWORK_TIMEOUT),
        )
        with response, open(part, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            bar = tqdm(
                total=total or None, unit="B", unit_scale=True, desc=f"librosa {name}",
                mininterval=0.5, leave=False,
            )  # fmt: skip
            with bar:
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError("budget spent")
                    chunk = _within(min(NETWORK_TIMEOUT, left), lambda: response.read1(65536))
                    if not chunk:
                        break
                    out.write(chunk)
                    digest.update(chunk)
                    got += len(chunk)
                    bar.update(len(chunk))
        if total and got != total:
            raise OSError(f"{url} ended after {got:,} of {total:,} bytes")
        if digest.hexdigest() != registry[file_name]:
            raise ValueError(f"{url} is not librosa's recording (its sha256 differs)")
        os.replace(part, target)
        return target
    except TimeoutError:
        took = time.monotonic() - start
        of = f" of {total / 1e3:,.0f} kB" if total else ""
        raise TimeoutError(
            f"{name}: {got / 1e3:,.0f} kB{of} in {took:.0f} s ({got / 1e3 / max(took, 1e-3):.0f} kB/s), "
            f"too slow for the {seconds:.0f} s left"
        ) from None
    finally:
        part.unlink(missing_ok=True)


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
    of them, asks librosa's server once per session (an HTTPS request answered within
    :data:`NETWORK_TIMEOUT` seconds) and downloads it into :func:`examples_cache` with a
    progress bar, all downloads of the session within :data:`DOWNLOAD_BUDGET` seconds. A
    failure, or the budget running out, makes every later call fall back at once. The
    fallback is a GTZAN Music/Speech clip of the same kind (music or speech), a different
    one for each example; for the demo data, of a genre that resembles the recording. It
    prints that it stands in, and why.

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
        left = DOWNLOAD_BUDGET - _NETWORK["spent"]
        start = time.monotonic()
        try:
            if left <= 0:
                raise TimeoutError(f"the {DOWNLOAD_BUDGET:.0f} s for downloads are spent")
            path = _download(name, seconds=left, folder=examples_cache())
        except TimeoutError as exc:
            reason = _NETWORK["failed"] = f"download too slow: {exc}"
        except (OSError, ValueError) as exc:
            reason = _NETWORK["failed"] = f"download failed: {_short(exc)}"
        finally:
            _NETWORK["spent"] += time.monotonic() - start
    if path is not None:
        return ExampleClip(name, path, True, recording_title(name))
    kind = LIBROSA_EXAMPLES[name][0]
    root, source = datasets.locate("gtzan_music_speech", params)
    stand_in = _stand_ins(root, kind)[name]
    genre = demo.music_genres(root).get(stand_in.name)
    what = f"{source} {genre + ' ' if genre else ''}{kind} clip {stand_in.name}"
    print(
        f"librosa's recording {name!r} unavailable ({reason}): a {what} stands in for it "
        "(make data downloads the recordings once)"
    )
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
        :data:`NETWORK_TIMEOUT` seconds), a download fails, or all take longer than
        :data:`FETCH_BUDGET` seconds: the message says where to put a copy.
    """
    folder = Path(folder) if folder is not None else examples_cache()
    index = _librosa_index()[0]
    deadline = time.monotonic() + FETCH_BUDGET
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
            path = _download(name, seconds=deadline - time.monotonic(), folder=folder)
        except (OSError, ValueError) as exc:  # TimeoutError is an OSError
            _NETWORK["failed"] = f"download failed: {_short(exc)}"
            raise OSError(
                f"Could not download {LIBROSA_DATA_URL + file_name} ({exc}). The notebooks use "
                f"demo clips instead; to have the recording, run `make data` again on a better "
                f"connection or put the file in {folder}."
            ) from None
        paths.append(path)
        print(f"{name}: {path}")
    return paths
