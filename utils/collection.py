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
(:func:`folder_of` reads either), and :func:`clip_table` gives the notebook the folder's
clips, or the project's dataset when no folder is named.

On Colab a collection can also arrive as a zip (:func:`upload_zip`, which :func:`unzip`
unpacks) or from the browser's microphone (:func:`record`); elsewhere these two say so and
do nothing.

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

from . import audio, config, datasets, files

__all__ = [
    "AUDIO_SUFFIXES",
    "COLAB_FOLDER",
    "FOLDER_PREFIX",
    "clip_table",
    "folder_of",
    "load_folder",
    "record",
    "two_classes",
    "unzip",
    "upload_zip",
]

#: The audio files a class folder may hold (any case).
AUDIO_SUFFIXES = (".wav", ".mp3", ".flac", ".ogg")
#: How a dataset choice names a folder of your own (``MUSICDL_DATASET=folder:/path``).
FOLDER_PREFIX = config.FOLDER_PREFIX

#: Where :func:`upload_zip` and :func:`record` put a collection on Colab by default.
COLAB_FOLDER = Path("/content/my_music")

_LAYOUT = "<folder>/<class>/*.wav|mp3|flac|ogg, e.g. my_music/jazz/take_five.mp3"
#: The project's datasets whose loaders give a clip table with a ``label`` column.
_LABELLED = {
    "gtzan_music_speech": datasets.load_gtzan_music_speech,
    "gtzan_genre": datasets.load_gtzan_genre,
}


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


def load_folder(root, *, min_duration: float = 1.0, min_classes: int = 2, min_per_class: int = 1):
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
    min_per_class : int
        A class with fewer readable clips is an error (k-fold cross-validation by clip,
        stratified, needs ``k`` clips of every class).

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
        When fewer than ``min_classes`` classes have a readable clip, or a class has fewer
        than ``min_per_class``.

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
    small = counts[counts < min_per_class]
    if len(small):
        have = ", ".join(
            f"{label!r} ({n} clip{'s' if n != 1 else ''})" for label, n in small.items()
        )
        raise ValueError(
            f"{root}: {have} {'has' if len(small) == 1 else 'have'} fewer than {min_per_class} "
            "readable clips, the fewest this run needs in every class (one per cross-validation "
            "fold). Add clips to that folder, or move it out of the collection."
        )
    df.attrs["skipped"] = skipped
    df.attrs["root"] = str(root)
    return df


def clip_table(name: str, params: config.RunParameters, *, min_per_class: int = 1):
    """The clips a notebook classifies: your folder when the run names one, else dataset ``name``.

    One call for every notebook that accepts ``DATASET = "folder:/path/to/my_music"``: with
    a folder choice it reads the folder (:func:`load_folder`), otherwise it locates the
    project's copy of ``name`` (:func:`utils.datasets.locate`, real or demo) and loads it.

    Parameters
    ----------
    name : {"gtzan_music_speech", "gtzan_genre"}
        The dataset the notebook reads when no folder is named.
    params : utils.config.RunParameters
        The notebook's run parameters (``PARAMS``).
    min_per_class : int
        With a folder: the fewest clips every class must have (:func:`load_folder`), e.g.
        the number of cross-validation folds.

    Returns
    -------
    (pandas.DataFrame, pathlib.Path, str)
        The clip table (``path``, ``label``, ``duration``), the folder it was read from, and
        its source: ``"folder"`` for yours, else ``"real"`` or ``"demo"``.

    Example
    -------
    >>> params = config.run_parameters(quick=True, dataset="folder:/nowhere/my_music")
    >>> clip_table("gtzan_music_speech", params)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    FileNotFoundError: no collection folder at /nowhere/my_music: ...
    """
    if name not in _LABELLED:
        raise ValueError(
            f"clip_table reads datasets with a label per clip ({', '.join(_LABELLED)}), "
            f"not {name!r}"
        )
    folder = folder_of(params.dataset)
    if folder is not None:
        df = load_folder(folder, min_per_class=min_per_class)
        return df, Path(df.attrs["root"]), "folder"
    root, source = datasets.locate(name, params)
    return _LABELLED[name](root), root, source


def two_classes(labels, *, positive: str = "music") -> tuple[str, str]:
    """The two classes of a binary task, the positive one (scored as 1, ``P(positive)``) last.

    Parameters
    ----------
    labels : sequence of str
        Every clip's label (``clips.label``).
    positive : str
        The class that is 1 when present (matched without regard to case); otherwise the
        later of the two names in alphabetical order is.

    Returns
    -------
    (str, str)
        ``(negative, positive)``, as spelled in ``labels``.

    Raises
    ------
    ValueError
        When there are not exactly two classes.

    Example
    -------
    >>> two_classes(["speech", "music", "music"])
    ('speech', 'music')
    >>> two_classes(["techno", "Jazz", "jazz"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: a two-class notebook needs exactly two classes, found 3: 'Jazz', 'jazz', 'techno'...
    >>> two_classes(["techno", "jazz"])
    ('jazz', 'techno')
    """
    classes = sorted({str(label) for label in labels})
    if len(classes) != 2:
        names = ", ".join(repr(c) for c in classes[:10])
        raise ValueError(
            f"a two-class notebook needs exactly two classes, found {len(classes)}: {names}. "
            "Point it at a folder with two sub-folders (one per class); notebook 11 takes "
            "any number of classes."
        )
    match = [c for c in classes if c.lower() == positive.lower()]
    pos = match[0] if match else classes[1]
    return (classes[0] if pos == classes[1] else classes[1]), pos


def unzip(source, into) -> Path:
    """Unpack a zip of a collection into a folder; the collection's root folder inside it.

    A zip of ``my_music/`` (its class folders inside) and a zip of the class folders
    themselves both work. macOS's ``__MACOSX/`` resource forks and hidden files are left
    out, and a member that would land outside ``into`` (``../x``, ``/etc/x``) is refused.

    Parameters
    ----------
    source : str, pathlib.Path, bytes or file-like
        The zip: a path, its bytes (what ``google.colab.files.upload`` returns), or an
        open binary file.
    into : str or pathlib.Path
        The folder to unpack into (made when missing); what it holds already stays.

    Returns
    -------
    pathlib.Path
        The collection: ``into/<top>`` when everything sits in one top folder that holds
        folders, else ``into``.

    Raises
    ------
    ValueError
        When ``source`` is not a zip file, or a member's path leaves ``into``.

    Example
    -------
    >>> import io, tempfile, zipfile
    >>> data = io.BytesIO()
    >>> with zipfile.ZipFile(data, "w") as z:
    ...     z.writestr("my_music/jazz/a.wav", b"RIFF"); z.writestr("__MACOSX/my_music/._x", b"")
    >>> unzip(data.getvalue(), tempfile.mkdtemp()).name
    'my_music'
    """
    import io
    import zipfile

    into = Path(into).expanduser().absolute()
    into.mkdir(parents=True, exist_ok=True)
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as err:
        raise ValueError(
            f"not a zip file ({err}): zip your collection folder (one sub-folder per class, "
            f"{_LAYOUT}) and upload that"
        ) from None
    with archive:
        for member in archive.infolist():
            target = (into / member.filename).resolve()
            if not target.is_relative_to(into.resolve()):
                raise ValueError(f"the zip member {member.filename!r} would land outside {into}")
            parts = Path(member.filename).parts
            if not parts or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts):
                continue
            archive.extract(member, into)
    tops = [p for p in into.iterdir() if p.is_dir() and not p.name.startswith(".")]
    loose = [p for p in into.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES]
    if len(tops) == 1 and not loose and any(p.is_dir() for p in tops[0].iterdir()):
        return tops[0]
    return into


def _colab(what: str) -> bool:
    """Whether this kernel runs on Colab; else say that ``what`` needs it."""
    import sys

    if "google.colab" in sys.modules:
        return True
    print(
        f"{what} needs Colab (google.colab is not loaded here): nothing done. Elsewhere, put "
        f'your files in a folder per class and set DATASET = "{FOLDER_PREFIX}/path/to/my_music".'
    )
    return False


def upload_zip(into=None) -> Path | None:
    """On Colab: ask for a zip of a collection (a file chooser in the notebook) and unpack it.

    Parameters
    ----------
    into : str or pathlib.Path, optional
        Where to unpack it; default :data:`COLAB_FOLDER`.

    Returns
    -------
    pathlib.Path or None
        The collection's folder (:func:`unzip`); ``None`` outside Colab, where it prints
        that it did nothing.
    """
    if not _colab("Uploading a zip"):
        return None
    from google.colab import files as colab_files

    into = Path(into or COLAB_FOLDER)
    root = into
    for name, data in colab_files.upload().items():  # opens a file chooser
        root = unzip(data, into)
        print(f"{name}: unpacked into {root}")
    return root


#: The browser side of :func:`record`: microphone samples (Web Audio), mono float32,
#: base64-encoded; ``%(seconds)s`` is filled in.
RECORD_JS = """
(async () => {
  const seconds = %(seconds)s;
  const stream = await navigator.mediaDevices.getUserMedia({audio: true});
  const context = new AudioContext();
  const rate = context.sampleRate;
  const source = context.createMediaStreamSource(stream);
  const processor = context.createScriptProcessor(4096, 1, 1);
  const chunks = [];
  processor.onaudioprocess = (e) => chunks.push(new Float32Array(e.inputBuffer.getChannelData(0)));
  source.connect(processor);
  processor.connect(context.destination);
  await new Promise((done) => setTimeout(done, seconds * 1000));
  processor.disconnect();
  source.disconnect();
  stream.getTracks().forEach((track) => track.stop());
  await context.close();
  const n = chunks.reduce((sum, c) => sum + c.length, 0);
  const samples = new Float32Array(n);
  let at = 0;
  for (const c of chunks) { samples.set(c, at); at += c.length; }
  const bytes = new Uint8Array(samples.buffer);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return {rate: rate, samples: btoa(text)};
})()
"""


def record(label: str, *, into=None, seconds: float = 5.0) -> Path | None:
    """On Colab: record a few seconds from the browser's microphone into a class folder.

    The browser asks for permission to use the microphone the first time. The recording
    is saved as ``<into>/<label>/recording-N.wav`` (16-bit, at the browser's sample rate),
    ready for :func:`load_folder`; run it again for more clips.

    Parameters
    ----------
    label : str
        The class the recording belongs to (its folder's name).
    into : str or pathlib.Path, optional
        The collection's folder; default :data:`COLAB_FOLDER`.
    seconds : float
        How long to record.

    Returns
    -------
    pathlib.Path or None
        The collection's folder; ``None`` outside Colab, where it prints that it did nothing.
    """
    if not _colab("Recording from the microphone"):
        return None
    import base64

    import numpy as np
    import soundfile as sf
    from google.colab import output

    label = str(label).strip()
    if not label or label.startswith(".") or "/" in label or "\\" in label:
        raise ValueError(f"a class name is a folder name, found {label!r}: e.g. 'whistling'")
    print(f"Recording {seconds:g} s from the microphone (allow it when the browser asks) ...")
    reply = output.eval_js(RECORD_JS % {"seconds": float(seconds)}, timeout_sec=seconds + 60)
    y = np.frombuffer(base64.b64decode(reply["samples"]), dtype="<f4")
    rate = round(float(reply["rate"]))
    if y.size == 0:
        raise RuntimeError("the browser returned no samples: check that a microphone is on")
    folder = Path(into or COLAB_FOLDER)
    (folder / label).mkdir(parents=True, exist_ok=True)
    n = 1 + len(list((folder / label).glob("recording-*.wav")))
    while (path := folder / label / f"recording-{n}.wav").exists():
        n += 1
    sf.write(path, np.clip(y, -1.0, 1.0), rate, subtype="PCM_16")
    print(f"saved {path} ({y.size / rate:.1f} s at {rate:,} Hz)")
    return folder
