"""Feature extraction for many files: parallel workers, an on-disk cache, a progress bar.

:func:`extract` runs a per-file function ``fn(path, **params)`` over a list of files in
worker processes and caches each file's result as ``.npy`` under the cache folder,
keyed by the file (absolute path, size, modification time), the function's qualified
name and its parameters. A second call with the same inputs only reads the cache;
touching a file or changing a parameter recomputes only what changed. Files that fail
(corrupt, empty, unreadable) are reported with the reason and skipped.

The cache does not see changes to a function's *code*: after editing a feature
function, delete its folder under the cache (``data/cache/features/<module.function>``).

Example
-------
::

    from utils import audio, features
    res = features.extract(paths, features.audio_feature, feature="mfcc_stats", sr=22050)
    res.features.shape, len(res.failed)
    # ((128, 80), 0)
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import audio, config, files, layouts, psychoacoustics

__all__ = [
    "CACHE_SUBDIR",
    "STACK_MODES",
    "Extracted",
    "extract",
    "cache_key",
    "default_cache_dir",
    "audio_feature",
    "logmel_segments",
    "gtzan_logmel_segments",
    "mtat_logmel_segments",
    "HANDCRAFTED_SETS",
    "handcrafted",
    "mtat_handcrafted",
    "save_atomic",
    "MTAT_LOGMEL",
    "FEATURES_SUBDIR",
    "feature_set_path",
    "save_npz",
    "load_npz",
]

#: Where the feature cache lives inside the data folder (:func:`utils.config.data_dir`).
CACHE_SUBDIR = Path("cache") / "features"
#: Where saved feature sets (npz files to share or inspect) live inside the data folder.
FEATURES_SUBDIR = "features"

#: How :func:`extract` combines per-file results.
STACK_MODES = ("stack", "concat", "list")

# Bump when the cache layout or key changes, so old entries are not reused.
_CACHE_FORMAT = 1


@dataclass
class Extracted:
    """What :func:`extract` returns.

    Attributes
    ----------
    features : np.ndarray, list of np.ndarray or dict
        ``stack="stack"``: shape ``(n_ok, *feature_shape)``; ``"concat"``: the per-file
        arrays concatenated along their first axis, ``(sum(counts), ...)``; ``"list"``:
        one array per successful file. Named feature sets (:func:`mtat_handcrafted`):
        a dict of set name to ``(n_ok, dim)`` array.
    paths : list of str
        The files that succeeded, in input order.
    failed : list of (str, str)
        ``(path, reason)`` of each file that failed, in input order.
    counts : np.ndarray [shape=(n_ok,)]
        Rows each successful file contributed (1 per file for ``"stack"``).
    file_index : np.ndarray [shape=(n_rows,)]
        For each row of ``features``, the position of its file in the *input* list, so
        ``labels[res.file_index]`` aligns labels with rows even when files failed.
    input_index : np.ndarray [shape=(n_ok,)]
        Position in the input list of each successful file.
    n_cached, n_computed : int
        How many files came from the cache and how many were computed in this call.
    """

    features: object
    paths: list
    failed: list
    counts: np.ndarray
    file_index: np.ndarray
    n_cached: int = 0
    n_computed: int = 0
    input_index: np.ndarray = field(default=None, repr=False)

    def __repr__(self) -> str:
        if isinstance(self.features, dict):
            shape = {name: X.shape for name, X in self.features.items()}
        else:
            shape = getattr(self.features, "shape", f"list of {len(self.features)}")
        return (
            f"Extracted(features={shape}, files ok={len(self.paths)}, failed={len(self.failed)}, "
            f"cached={self.n_cached}, computed={self.n_computed})"
        )


def default_cache_dir() -> Path:
    """``utils.config.data_dir() / "cache" / "features"``."""
    return config.data_dir() / CACHE_SUBDIR


def _qualname(fn) -> str:
    module = getattr(fn, "__module__", None) or "unknown"
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__
    return f"{module}.{name}"


def _canonical(value):
    """A JSON-stable form of a parameter value (tuples, NumPy scalars and arrays included)."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, np.ndarray):
        return {"ndarray": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if callable(value):
        return _qualname(value)
    return repr(value)


def cache_key(path, fn, params: dict) -> str:
    """The cache key of ``fn(path, **params)``: a SHA-256 over file identity and parameters.

    The file's identity is its absolute path, size and ``mtime_ns``, so an edited or
    touched file gets a new key.

    Example
    -------
    >>> cache_key(__file__, np.mean, {"axis": 0}) == cache_key(__file__, np.mean, {"axis": 0})
    True
    """
    p = Path(path).resolve()
    try:
        st = p.stat()
        ident = [str(p), st.st_size, st.st_mtime_ns]
    except OSError:
        ident = [str(p), None, None]
    blob = json.dumps(
        {"format": _CACHE_FORMAT, "fn": _qualname(fn), "params": _canonical(params), "file": ident},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _cache_file(cache_dir: Path, fn, key: str) -> Path:
    folder = "".join(c if c.isalnum() or c in "._-" else "_" for c in _qualname(fn))
    return cache_dir / folder / f"{key}.npy"


def save_atomic(target, array: np.ndarray) -> None:
    """Write ``array`` to the ``.npy`` file ``target`` via a temporary file and a rename.

    A reader never sees a half-written file, and two processes writing the same entry
    leave one whole copy (the feature cache and :mod:`utils.pipelines`' audio cache).

    Example
    -------
    >>> import tempfile; from pathlib import Path
    >>> p = Path(tempfile.mkdtemp()) / "a" / "x.npy"; save_atomic(p, np.arange(3))
    >>> np.load(p).tolist()
    [0, 1, 2]
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".npy")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, array, allow_pickle=False)
        files.honour_umask(tmp)  # mkstemp makes it 0600: other users of the cache could not read it
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cache_writable(folder: Path) -> bool:
    """True when cache files can be written into ``folder``; else one warning, and False."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
        return True
    except OSError as err:
        warnings.warn(
            f"the feature cache folder {folder} is not writable ({err.strerror or err}); caching "
            f"is off for this run, so features are computed every time. Set MUSICDL_DATA to a "
            f"writable folder, or pass cache_dir=False to compute without a cache.",
            stacklevel=3,
        )
        return False


def _load_cached(target: Path):
    try:
        return np.load(target, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None  # missing or unreadable: recompute


def _run_one(fn, path, params, target=None):
    """Worker body: ``(("ok", array) or ("error", reason), cache_error)``; never raises.

    With a cache ``target``, the worker writes the result there itself (in parallel).
    """
    res = _call(fn, path, params)
    cache_error = None
    if target is not None and res[0] == "ok":
        try:
            save_atomic(target, res[1])
        except OSError as e:
            cache_error = f"{e.strerror or e} [{errno.errorcode.get(e.errno, '')}]"
    return res, cache_error


def _call(fn, path, params):
    try:
        out = np.asarray(fn(path, **params))
        if out.dtype == object:
            return "error", f"{_qualname(fn)} returned an object array; return a numeric np.ndarray"
        return "ok", out
    except Exception as e:
        return "error", f"{type(e).__name__}: {e}"


def _n_workers(n_jobs: int, n_tasks: int) -> int:
    cpus = os.cpu_count() or 1
    n = cpus + 1 + n_jobs if n_jobs < 0 else n_jobs
    return max(1, min(n, n_tasks))


def extract(
    paths, fn, *, n_jobs=-1, cache_dir=None, desc=None, stack="stack", progress=True, **params
) -> Extracted:
    """Compute ``fn(path, **params)`` for every file, in parallel, with an on-disk cache.

    Parameters
    ----------
    paths : sequence of str or pathlib.Path
        The input files.
    fn : callable
        ``fn(path, **params) -> np.ndarray``, a module-level function (it is sent to
        worker processes), e.g. :func:`audio_feature` or :func:`logmel_segments`.
    n_jobs : int
        Worker processes; ``-1`` uses all cores, ``1`` runs in this process.
    cache_dir : str, pathlib.Path, None or False
        Cache folder; ``None``: :func:`default_cache_dir`; ``False``: no cache.
    desc : str, optional
        Label of the progress bar (default: the function's name).
    stack : {"stack", "concat", "list"}
        ``"stack"``: one row per file (all results must have the same shape);
        ``"concat"``: concatenate along the first axis (e.g. segments of different
        counts per file; see ``counts`` and ``file_index`` of the result); ``"list"``.
    progress : bool
        Show a tqdm progress bar.
    **params
        Keyword arguments for ``fn``; they are part of the cache key.

    Returns
    -------
    Extracted
        ``.features``, ``.paths`` (succeeded, input order), ``.failed`` ((path, reason)
        pairs), ``.counts``, ``.file_index``, ``.n_cached``, ``.n_computed``.

    Warns
    -----
    UserWarning
        When files fail; the warning names them and gives the reasons.

    Example
    -------
    ::

        res = extract(paths, logmel_segments, stack="concat", n_mels=40, frames=80)
        res.features.shape  # (n_segments, 40, 80)
    """
    if stack not in STACK_MODES:
        raise ValueError(f"stack must be one of {STACK_MODES}, found {stack!r}")
    paths = [str(p) for p in paths]
    use_cache = cache_dir is not False
    cache_dir = (
        (default_cache_dir() if cache_dir is None else Path(cache_dir)) if use_cache else None
    )

    results: list = [None] * len(paths)  # ("ok", array) / ("error", reason)
    targets: list = [None] * len(paths)
    writable = use_cache and _cache_writable(_cache_file(cache_dir, fn, "probe").parent)
    todo = []
    for i, p in enumerate(paths):
        if use_cache:
            targets[i] = _cache_file(cache_dir, fn, cache_key(p, fn, params))
            cached = _load_cached(targets[i]) if targets[i].exists() else None
            if cached is not None:
                results[i] = ("ok", cached)
                continue
        todo.append(i)
    n_cached = len(paths) - len(todo)

    if todo:
        results_todo = _compute(
            fn,
            [paths[i] for i in todo],
            [targets[i] if writable else None for i in todo],
            params,
            n_jobs=n_jobs,
            desc=desc or getattr(fn, "__name__", "features"),
            progress=progress,
            n_total=len(paths),
            n_cached=n_cached,
        )
        cache_errors = []
        for i, (res, cache_error) in zip(todo, results_todo):
            results[i] = res
            if cache_error:
                cache_errors.append(f"{targets[i]} ({cache_error})")
        if cache_errors:
            denied = any("[EACCES]" in e or "[EPERM]" in e for e in cache_errors)
            fix = (
                "The cache belongs to another user: ask them to make it group-writable "
                "(chmod -R g+w), or set MUSICDL_DATA to a folder of your own."
                if denied
                else "Check the free disk space there."
            )
            warnings.warn(
                f"could not write {len(cache_errors)} feature cache files, e.g. {cache_errors[0]}; "
                f"those files are computed again next time. {fix}",
                stacklevel=2,
            )

    ok = [i for i, r in enumerate(results) if r[0] == "ok"]
    failed = [(paths[i], results[i][1]) for i, r in enumerate(results) if r[0] == "error"]
    if failed:
        shown = "; ".join(f"{p}: {why}" for p, why in failed[:5])
        more = f" (and {len(failed) - 5} more, see .failed)" if len(failed) > 5 else ""
        warnings.warn(
            f"{len(failed)} of {len(paths)} files failed and were skipped: {shown}{more}",
            stacklevel=2,
        )

    arrays = [results[i][1] for i in ok]
    input_index = np.array(ok, dtype=np.int64)
    if stack == "stack":
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(
                f"{_qualname(fn)} returned arrays of different shapes {sorted(shapes)[:4]}; "
                "use stack='concat' (segments) or stack='list', or crop/pad in the function."
            )
        feats = np.stack(arrays) if arrays else np.zeros((0,))
        counts = np.ones(len(arrays), dtype=np.int64)
    elif stack == "concat":
        arrays = [a[None] if a.ndim == 0 else a for a in arrays]
        feats = np.concatenate(arrays) if arrays else np.zeros((0,))
        counts = np.array([len(a) for a in arrays], dtype=np.int64)
    else:
        feats = arrays
        counts = np.ones(len(arrays), dtype=np.int64)
    return Extracted(
        features=feats,
        paths=[paths[i] for i in ok],
        failed=failed,
        counts=counts,
        file_index=np.repeat(input_index, counts),
        n_cached=n_cached,
        n_computed=len(todo),
        input_index=input_index,
    )


def _file_size(path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _compute(fn, paths, targets, params, *, n_jobs, desc, progress, n_total, n_cached):
    """Results of ``_run_one`` for ``paths``, in order; parallel when more than one worker."""
    from tqdm.auto import tqdm

    workers = _n_workers(n_jobs, len(paths))
    bar = tqdm(
        total=n_total, initial=n_cached, desc=desc, unit="file", disable=not progress, leave=False
    )
    out: list = [None] * len(paths)
    try:
        if workers == 1:
            for i, p in enumerate(paths):
                out[i] = _run_one(fn, p, params, targets[i])
                bar.update()
            return out
        from joblib import Parallel, delayed

        # Largest files first, so that no worker is left with a long file at the end.
        order = sorted(range(len(paths)), key=lambda i: -_file_size(paths[i]))
        # loky worker processes (not threads: decoding and NumPy code hold the GIL in
        # places); they import only what ``fn`` needs (NumPy, librosa), never TensorFlow.
        gen = Parallel(
            n_jobs=workers,
            backend="loky",
            return_as="generator_unordered",
            batch_size=1,
        )(delayed(_indexed)(i, fn, paths[i], params, targets[i]) for i in order)
        for i, res in gen:
            out[i] = res
            bar.update()
        return out
    finally:
        bar.close()


def _indexed(i, fn, path, params, target):
    _exit_with_parent()
    return i, _run_one(fn, path, params, target)


_WATCHING_PARENT = False


def _exit_with_parent() -> None:
    """In a worker process: exit within a second of the parent process dying.

    loky keeps an idle worker for 300 s and then waits 30 s more for the parent, so workers
    of a killed notebook kernel would go on using memory and CPU for minutes.
    """
    global _WATCHING_PARENT
    if _WATCHING_PARENT:
        return
    _WATCHING_PARENT = True
    import threading
    import time

    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


# --------------------------------------------------------------------------- per-file functions


def audio_feature(path, *, feature, sr, offset=0.0, duration=None, **params) -> np.ndarray:
    """Load ``path`` with :func:`utils.audio.load` and apply a feature function to it.

    A picklable per-file function for :func:`extract`.

    Parameters
    ----------
    path : str
    feature : str
        Name of a function of :mod:`utils.audio` or :mod:`utils.psychoacoustics` taking
        ``(y, *, sr, ...)``, e.g. ``"log_mel"``, ``"mfcc_stats"``, ``"rhythm_patterns"``.
    sr : int
        Load at this rate.
    offset, duration : float
        Passed to :func:`utils.audio.load`.
    **params
        Passed to the feature function.

    Returns
    -------
    np.ndarray
        The feature, as ``float32``.

    Example
    -------
    ::

        audio_feature("clip.wav", feature="rhythm_patterns", sr=22050).shape
        # (24, 60)
    """
    module = next((m for m in (audio, psychoacoustics) if feature in m.__all__), None)
    func = getattr(module, feature, None)
    if not callable(func):
        raise ValueError(
            f"utils.audio and utils.psychoacoustics have no feature function {feature!r}"
        )
    y = audio.load(path, sr=sr, offset=offset, duration=duration)
    audio.require_samples(y, int(params.get("n_fft", 2048)), path=path, what="one FFT window")
    return np.asarray(func(y, sr=sr, **params), dtype=np.float32)


def logmel_segments(
    path,
    *,
    sr=layouts.GTZAN_SR,
    n_mels=40,
    n_fft=1024,
    hop_length=512,
    frames=80,
    hop=None,
    max_segments=None,
    duration=None,
) -> np.ndarray:
    """Log-mel segments of one file: ``(n_segments, n_mels, frames)`` float32.

    The file is loaded at ``sr`` (:func:`utils.audio.load`), turned into a log-mel
    spectrogram (:func:`utils.audio.log_mel`) and cut into windows of ``frames`` frames
    every ``hop`` frames (default: no overlap) with :func:`utils.audio.segment`; a clip
    shorter than one window is padded with its quietest dB value. ``max_segments``
    keeps the central ones.

    Example
    -------
    ::

        logmel_segments("music.wav").shape  # 30 s at 22,050 Hz
        # (16, 40, 80)
    """
    y = audio.load(path, sr=sr, duration=duration)
    audio.require_samples(y, n_fft, path=path, what="one FFT window")
    S = audio.log_mel(y, sr=sr, n_mels=n_mels, n_fft=n_fft, hop_length=hop_length)
    if S.shape[1] < frames:
        S = np.pad(S, ((0, 0), (0, frames - S.shape[1])), constant_values=float(S.min()))
    X = audio.segment(S, size=frames, hop=hop or frames)
    if max_segments is not None and len(X) > max_segments:
        start = (len(X) - max_segments) // 2
        X = X[start : start + max_segments]
    return X.astype(np.float32)


def _segments_of(df, *, n_jobs, cache_dir, progress, **params) -> Extracted:
    if "path" not in getattr(df, "columns", ()):
        raise ValueError(
            "expected a DataFrame with a 'path' column (one row per clip), e.g. from utils.datasets"
        )
    return extract(
        list(df["path"]),
        logmel_segments,
        n_jobs=n_jobs,
        cache_dir=cache_dir,
        desc="log-mel segments",
        stack="concat",
        progress=progress,
        **params,
    )


def gtzan_logmel_segments(
    df,
    *,
    n_mels=40,
    frames=80,
    hop=None,
    sr=layouts.GTZAN_SR,
    n_fft=1024,
    hop_length=512,
    max_segments=None,
    n_jobs=-1,
    cache_dir=None,
    progress=True,
) -> Extracted:
    """The 40-band x 80-frame log-mel segments of the GTZAN Music/Speech clips (notebooks 01-03).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per clip with a ``path`` column (as ``utils.datasets`` loads it).
    n_mels, frames, hop, sr, n_fft, hop_length, max_segments
        See :func:`logmel_segments`; defaults as in the 2018 tutorial (40 mel bands,
        80 frames of 512 samples at 22,050 Hz: 1.86 s per segment).
    n_jobs, cache_dir, progress
        See :func:`extract`.

    Returns
    -------
    Extracted
        ``.features``: np.ndarray [shape=(n_segments, n_mels, frames), dtype=float32];
        ``.file_index``: np.ndarray [shape=(n_segments,)], the *row position* in ``df`` of
        each segment's clip (``df["label"].to_numpy()[res.file_index]`` labels the
        segments; group by it for clip-level aggregation); ``.failed``: skipped clips.

    Example
    -------
    ::

        res = gtzan_logmel_segments(df)
        X, clip = res.features, res.file_index
    """
    return _segments_of(
        df,
        n_jobs=n_jobs,
        cache_dir=cache_dir,
        progress=progress,
        sr=sr,
        n_mels=n_mels,
        n_fft=n_fft,
        hop_length=hop_length,
        frames=frames,
        hop=hop,
        max_segments=max_segments,
    )


#: The log-mel settings notebooks 04-06 share for MagnaTagATune (one cache for all three):
#: 96 mel bands as in Choi et al. (2016), 32 ms hops at 16 kHz, segments of 96 frames (3.1 s).
MTAT_LOGMEL = {"sr": layouts.MTAT_SR, "n_mels": 96, "n_fft": 1024, "hop_length": 512, "frames": 96}


def mtat_logmel_segments(
    df, *, max_segments=None, n_jobs=-1, cache_dir=None, progress=True
) -> Extracted:
    """The 96-band log-mel segments of MagnaTagATune clips (notebooks 04-06), cached.

    Every clip is read once, turned into the log-mel spectrogram of :data:`MTAT_LOGMEL`
    and cut into back-to-back segments of 96 frames (about 3.1 s; nine per 29 s clip).
    Notebooks 04, 05 and 06 pass different clips and share the cache.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per clip with a ``path`` column (as :func:`utils.datasets.load_magnatagatune`).
    max_segments : int, optional
        Keep at most this many central segments per clip (quick runs); default all.
    n_jobs, cache_dir, progress
        See :func:`extract`.

    Returns
    -------
    Extracted
        ``.features``: np.ndarray [shape=(n_segments, 96, 96), dtype=float32];
        ``.file_index``: the row position in ``df`` of each segment's clip;
        ``.failed``: the clips that could not be read (named in a warning).

    Example
    -------
    ::

        res = mtat_logmel_segments(df)
        res.features.shape[1:]
        # (96, 96)
    """
    return _segments_of(
        df,
        n_jobs=n_jobs,
        cache_dir=cache_dir,
        progress=progress,
        max_segments=max_segments,
        **MTAT_LOGMEL,
    )


# --------------------------------------------------------------------------- hand-crafted features

#: The hand-crafted feature sets of one clip (notebooks 08-10) and their sizes, in the order
#: :func:`handcrafted` concatenates them: MFCC statistics (:func:`utils.audio.mfcc_stats`:
#: mean and std of 20 MFCCs and of their deltas), the rhythm pattern (24 Bark bands x 60
#: modulation frequencies), the statistical spectrum descriptor (24 bands x 7 statistics)
#: and the rhythm histogram (:mod:`utils.psychoacoustics`). The rhythm pattern and the
#: descriptor are flattened as the reference extractor ``rp_extract`` lays them out
#: (Fortran order: all bands of the first column, then of the second...).
HANDCRAFTED_SETS = {"mfcc": 80, "rp": 24 * 60, "ssd": 24 * 7, "rh": 60}


def handcrafted(path, *, sr=layouts.MTAT_SR, n_mfcc=20, offset=0.0, duration=None) -> np.ndarray:
    """The hand-crafted features of one file, concatenated: a per-file function for :func:`extract`.

    Reads the file once, then computes the MFCC statistics and, in one pass of the
    rhythm-pattern method (:func:`utils.psychoacoustics.rp_features`, at 22.05 kHz like the
    reference extractor), the rhythm pattern, statistical spectrum descriptor and rhythm
    histogram. :func:`mtat_handcrafted` splits the vector into its sets.

    Parameters
    ----------
    path : str
    sr : int
        Load at this rate (MTAT's own 16 kHz by default).
    n_mfcc : int
        MFCCs; the MFCC set then has ``4 * n_mfcc`` numbers.
    offset, duration : float
        Start reading ``offset`` seconds in, and read at most ``duration`` seconds
        (default: to the end).

    Returns
    -------
    np.ndarray [shape=(4 * n_mfcc + 1440 + 168 + 60,), dtype=float32]
        The sets of :data:`HANDCRAFTED_SETS`, in that order.

    Example
    -------
    ::

        handcrafted("clip.mp3").shape
        # (1748,)
    """
    y = audio.load(path, sr=sr, offset=offset, duration=duration)
    audio.require_samples(y, 2048, path=path, what="one FFT window")
    rp = psychoacoustics.rp_features(y, sr=sr)
    parts = [
        audio.mfcc_stats(y, sr=sr, n_mfcc=n_mfcc),
        rp["rp"].ravel(order="F"),  # the reference's layout, as plots.rhythm_pattern reads it
        rp["ssd"].ravel(order="F"),
        rp["rh"],
    ]
    return np.concatenate([np.asarray(p, dtype=np.float32) for p in parts])


def mtat_handcrafted(
    df, *, n_mfcc=20, offset=0.0, duration=None, n_jobs=-1, cache_dir=None, progress=True
) -> Extracted:
    """Hand-crafted features of MagnaTagATune clips (notebooks 08-10), by set, cached.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per clip with a ``path`` column (as :func:`utils.datasets.load_magnatagatune`).
    n_mfcc, offset, duration
        See :func:`handcrafted` (``offset`` and ``duration`` cut a part of each clip).
    n_jobs, cache_dir, progress
        See :func:`extract`.

    Returns
    -------
    Extracted
        ``.features``: dict of set name (:data:`HANDCRAFTED_SETS`: ``"mfcc"``, ``"rp"``,
        ``"ssd"``, ``"rh"``) to np.ndarray [shape=(n_ok, dim), dtype=float32]; a row of
        ``"rp"`` reshaped with ``.reshape(24, 60, order="F")`` is the clip's rhythm pattern
        (band, modulation frequency), as :func:`utils.plots.rhythm_pattern` reads a flat
        one; of ``"ssd"`` with ``.reshape(24, 7, order="F")`` its descriptor. ``.input_index``: the row
        position in ``df`` of each row (clips that could not be read are left out and
        named in a warning, ``.failed``).

    Example
    -------
    ::

        res = mtat_handcrafted(df)
        {name: X.shape[1] for name, X in res.features.items()}
        # {'mfcc': 80, 'rp': 1440, 'ssd': 168, 'rh': 60}
    """
    if "path" not in getattr(df, "columns", ()):
        raise ValueError(
            "expected a DataFrame with a 'path' column (one row per clip), e.g. from utils.datasets"
        )
    res = extract(
        list(df["path"]),
        handcrafted,
        n_jobs=n_jobs,
        cache_dir=cache_dir,
        desc="hand-crafted features",
        progress=progress,
        sr=layouts.MTAT_SR,
        n_mfcc=n_mfcc,
        offset=offset,
        duration=duration,
    )
    sizes = dict(HANDCRAFTED_SETS, mfcc=4 * n_mfcc)
    bounds = np.cumsum([0, *sizes.values()])
    X = res.features if res.paths else np.zeros((0, bounds[-1]), dtype=np.float32)
    res.features = {name: X[:, a:b] for name, a, b in zip(sizes, bounds[:-1], bounds[1:])}
    return res


# --------------------------------------------------------------------------- feature sets on disk


def feature_set_path(dataset: str, *, source: str, quick: bool, name: str) -> Path:
    """Where a saved feature set lives: ``<data>/features/<dataset>_<source>[-quick]_<name>.npz``.

    The name records the data it was computed on (real or demo, quick subset or not), so a
    notebook never reads a file another notebook left behind for other data.

    Parameters
    ----------
    dataset : str
        A key of :data:`utils.layouts.DATASETS`, e.g. ``"gtzan_music_speech"``.
    source : {"real", "demo"}
        Which copy of the dataset the features come from.
    quick : bool
        Computed on the quick-mode subset.
    name : str
        What the features are, e.g. ``"logmel_40x80"``.

    Returns
    -------
    pathlib.Path

    Example
    -------
    >>> feature_set_path("gtzan_music_speech", source="demo", quick=True, name="logmel_40x80").name
    'gtzan_music_speech_demo-quick_logmel_40x80.npz'
    """
    if source not in ("real", "demo"):
        raise ValueError(f"source must be 'real' or 'demo', found {source!r}")
    layouts.dataset(dataset)  # a clear error for an unknown dataset
    stem = f"{dataset}_{source}{'-quick' if quick else ''}_{name}"
    return config.data_dir() / FEATURES_SUBDIR / f"{stem}.npz"


def save_npz(path, features, paths, **extra) -> Path:
    """Save a feature set with its file list (and any extra arrays) as one ``.npz``.

    Parameters
    ----------
    path : str or pathlib.Path
        Target file (``.npz`` is appended if missing); written atomically.
    features : np.ndarray
    paths : sequence of str
        The files the rows (or row groups) come from.
    **extra : array_like
        More arrays, e.g. ``labels=..., file_index=...``.

    Returns
    -------
    pathlib.Path
        The written file.

    Example
    -------
    ::

        save_npz("data/features/gtzan_logmel.npz", X, paths, file_index=idx)
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    reserved = {"features", "paths"} & set(extra)
    if reserved:
        raise ValueError(f"extra names {sorted(reserved)} are reserved; choose other names")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(
                fh,
                features=np.asarray(features),
                paths=np.asarray([str(p) for p in paths], dtype=str),
                **{k: np.asarray(v) for k, v in extra.items()},
            )
        files.honour_umask(tmp)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        import shutil

        need = np.asarray(features).nbytes + sum(np.asarray(v).nbytes for v in extra.values())
        free = shutil.disk_usage(path.parent).free
        raise OSError(
            err.errno,
            f"Could not write the feature set {path} ({err.strerror or err}): it takes about "
            f"{need / 1e6:,.0f} MB and its disk has {free / 1e6:,.0f} MB free. Free some space "
            "or set MUSICDL_DATA to a folder on a disk with room, and run the cell again.",
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_npz(path) -> dict:
    """Load a feature set written by :func:`save_npz`.

    Returns
    -------
    dict
        ``"features"`` (np.ndarray), ``"paths"`` (list of str) and the extra arrays.

    Example
    -------
    ::

        d = load_npz("data/features/gtzan_logmel.npz")
        d["features"].shape, len(d["paths"])
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no feature file at {path}; create it with utils.features.save_npz(...)"
        )
    with np.load(path, allow_pickle=False) as z:
        out = {k: z[k] for k in z.files}
    out["paths"] = [str(p) for p in out.get("paths", [])]
    return out
