"""``tf.data`` input pipelines: from audio files to batches of fixed-length chunks.

:func:`audio_dataset` streams a list of audio files into a model that takes raw audio
(:func:`utils.models.tagging_cnn`): worker threads decode and resample the files
(:func:`utils.audio.load` inside ``tf.numpy_function``), optionally through a cache of
decoded audio on disk, cut fixed-length chunks (random ones for training, back-to-back
ones for evaluation, each with the index of its clip), batch them and prefetch the next
batches while the model trains on the current one.

A file that cannot be read is skipped with a warning naming it; the run goes on, and the
pipeline's ``skipped`` lists every such file with its reason once the data has been read.

Example
-------
::

    train = audio_dataset(paths, Y, chunk_samples=59049, training=True, batch_size=16)
    model.fit(train.dataset, epochs=10)
    clips, scores = predict_clips(model, audio_dataset(test_paths, Y_test, ...))
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from pathlib import Path

import numpy as np

from . import audio, config, evaluation, features, layouts

__all__ = [
    "AUDIO_CACHE_SUBDIR",
    "AudioPipeline",
    "audio_dataset",
    "decoded_audio",
    "default_cache_dir",
    "predict_clips",
]

#: Where the decoded-audio cache lives inside the data folder (:func:`default_cache_dir`).
AUDIO_CACHE_SUBDIR = Path("cache") / "audio"

_PCM_SCALE = 32767.0


def default_cache_dir() -> Path:
    """``utils.config.data_dir() / "cache" / "audio"``: a place for :func:`decoded_audio`'s cache."""
    return config.data_dir() / AUDIO_CACHE_SUBDIR


def decoded_audio(path, *, sr: int, cache_dir=None) -> np.ndarray:
    """A file's samples at ``sr`` (:func:`utils.audio.load`), read from a cache when there is one.

    The cache holds one ``.npy`` file of 16-bit samples per audio file and rate, keyed by
    the file's absolute path, size and modification time and by ``sr``
    (:func:`utils.features.cache_key`): an edited file is decoded again. 16 bits is what an
    mp3 decoder delivers and halves the disk space (MagnaTagATune's 15,244 training clips:
    about 14 GB at 16 kHz); the samples come back as float32 rounded to 1/32,767 whether
    they were decoded now or read from the cache, so both give the same numbers.

    Parameters
    ----------
    path : str or pathlib.Path
        An audio file (wav, flac, ogg, mp3).
    sr : int
        Sample rate wanted, Hz.
    cache_dir : str, pathlib.Path or None
        The cache folder (e.g. :func:`default_cache_dir`); ``None`` decodes every time and
        returns :func:`utils.audio.load`'s samples unrounded. A cache that cannot be written
        is skipped silently (the samples are still returned).

    Returns
    -------
    np.ndarray [shape=(n_samples,), dtype=float32]

    Raises
    ------
    utils.audio.AudioError
        When the file is missing, empty or cannot be decoded.

    Example
    -------
    ::

        y = decoded_audio("clip.mp3", sr=16000, cache_dir=default_cache_dir())
    """
    if cache_dir is None:
        return audio.load(path, sr=sr)
    key = features.cache_key(path, audio.load, {"sr": int(sr), "pcm": 16})
    target = Path(cache_dir) / key[:2] / f"{key}.npy"
    try:
        pcm = np.load(target, allow_pickle=False)
        if pcm.dtype == np.int16 and pcm.ndim == 1:
            return pcm.astype(np.float32) / _PCM_SCALE
    except (OSError, ValueError, EOFError):
        pass  # not cached yet, or a damaged entry: decode again
    y = audio.load(path, sr=sr)
    pcm = np.round(np.clip(y, -1.0, 1.0) * _PCM_SCALE).astype(np.int16)
    with contextlib.suppress(OSError):  # a full or read-only disk costs speed, not correctness
        features.save_atomic(target, pcm)
    return pcm.astype(np.float32) / _PCM_SCALE


class _Skipped:
    """The files a pipeline could not read: thread-safe, each warned about once."""

    def __init__(self):
        self._lock = threading.Lock()
        self._found: dict[str, str] = {}

    def add(self, path: str, err: BaseException) -> None:
        reason = f"{type(err).__name__}: {err}"
        with self._lock:
            new = path not in self._found
            self._found.setdefault(path, reason)
        if new:
            warnings.warn(
                f"skipped an unreadable audio file, the run goes on without it: {reason}",
                stacklevel=2,
            )

    def items(self) -> list:
        with self._lock:
            return sorted(self._found.items())


class AudioPipeline:
    """What :func:`audio_dataset` returns: the ``tf.data`` dataset and what it skipped.

    Attributes
    ----------
    dataset : tf.data.Dataset
        Batches ready for ``model.fit``, ``evaluate`` and ``predict``: ``(x, y)``, or ``x``
        alone when no labels were given. ``x``: float32 ``(batch, chunk_samples)``;
        ``y``: float32 ``(batch, n_labels)``.
    paths : list of str
        The input files, in input order; a chunk's clip index is a position in this list.
    labels : np.ndarray [shape=(n_files, n_labels), dtype=float32]
        The labels given, one row per file (``n_labels = 0`` without labels).
    chunk_samples : int
        Samples per chunk.
    training : bool
        Random chunks of shuffled clips (True) or every back-to-back chunk in order (False).
    """

    def __init__(self, *, base, paths, labels, chunk_samples, training, skipped):
        self._base = base
        self._skipped = skipped
        self.paths = paths
        self.labels = labels
        self.chunk_samples = chunk_samples
        self.training = training
        if labels.shape[1]:
            self.dataset = base.map(lambda x, y, clip: (x, y))
        else:
            self.dataset = base.map(lambda x, y, clip: x)

    def indexed(self):
        """The same batches with the clip of each chunk: ``(x, y, clip)``.

        ``clip`` is int64 ``(batch,)``, the position of the chunk's file in :attr:`paths`;
        average the chunk predictions per clip with :func:`predict_clips`, or with
        :func:`utils.evaluation.clip_scores`. Keras would read a third element as sample
        weights, so :attr:`dataset` leaves it out.

        Returns
        -------
        tf.data.Dataset
        """
        return self._base

    @property
    def skipped(self) -> list:
        """``(path, reason)`` of each file that could not be read so far, sorted by path.

        Files are read while the dataset is iterated, so this is complete after one pass.
        """
        return self._skipped.items()

    @property
    def n_skipped(self) -> int:
        """How many files could not be read so far (see :attr:`skipped`)."""
        return len(self.skipped)

    def report(self) -> str:
        """One line saying how many files were skipped, and which, for a notebook to print."""
        skipped = self.skipped
        if not skipped:
            return f"all {len(self.paths)} files read (so far)"
        shown = "; ".join(reason for _, reason in skipped[:5])
        more = f" (and {len(skipped) - 5} more, see .skipped)" if len(skipped) > 5 else ""
        return (
            f"{len(skipped)} of {len(self.paths)} files could not be read and were skipped: "
            f"{shown}{more}"
        )

    def __repr__(self) -> str:
        mode = "training" if self.training else "evaluation"
        return (
            f"AudioPipeline({len(self.paths)} files, {mode}, chunks of {self.chunk_samples} "
            f"samples, skipped={self.n_skipped})"
        )


def audio_dataset(
    paths,
    labels=None,
    *,
    chunk_samples: int,
    training: bool,
    batch_size: int = 16,
    sr: int = layouts.MTAT_SR,
    chunks_per_clip: int = 1,
    cache_dir=None,
    seed: int = config.SEED,
    n_parallel=None,
) -> AudioPipeline:
    """A ``tf.data`` pipeline from audio files to batches of fixed-length chunks and labels.

    Each file is decoded and resampled to ``sr`` by :func:`decoded_audio` (through the
    cache when ``cache_dir`` is given), ``n_parallel`` files at a time in TensorFlow's worker
    threads. For training, the clips are shuffled (anew each epoch) and ``chunks_per_clip``
    chunks start at random positions (different ones each epoch: Won et al. 2020 train on
    random 3.69 s chunks); for evaluation, each clip in turn is cut into back-to-back
    chunks (the last incomplete one is dropped), each tagged with its clip's index so the
    predictions can be averaged per clip. A clip shorter than one chunk is zero-padded to
    one chunk. Batches are prefetched while the model works on the current one.

    Parameters
    ----------
    paths : sequence of str or pathlib.Path
        The audio files.
    labels : array_like [shape=(n_files,) or (n_files, n_labels)], optional
        One row per file (e.g. the 0/1 columns of the top-50 tags); every chunk of a file
        gets its file's row. ``None``: no labels (for prediction).
    chunk_samples : int
        Samples per chunk: the model's input length (59,049 for Won et al.'s short-chunk
        CNN, :data:`utils.models.WON2020_CHUNK_SAMPLES`).
    training : bool
        Random chunks of shuffled clips (True), or all chunks of every clip in input order.
    batch_size : int
        Chunks per batch (the last batch may be smaller).
    sr : int
        Sample rate the audio is decoded to, Hz (MagnaTagATune: 16,000).
    chunks_per_clip : int
        Training only: random chunks taken from each decoded clip (more chunks per
        decoding make an epoch cheaper to read); the chunks are shuffled across clips.
    cache_dir : str, pathlib.Path or None
        Decoded-audio cache folder (e.g. :func:`default_cache_dir`); ``None``: decode every
        time.
    seed : int
        Seeds the shuffling and the chunk positions, so runs repeat.
    n_parallel : int, optional
        Files decoded at once; default ``tf.data.AUTOTUNE`` (TensorFlow chooses).

    Returns
    -------
    AudioPipeline
        ``.dataset`` (for Keras), ``.indexed()`` (with each chunk's clip), ``.skipped``.

    Warns
    -----
    UserWarning
        Once for each file that cannot be read, naming it and the reason; the file is left
        out and the run goes on. The warnings come from TensorFlow's worker threads, where
        one can occasionally be lost (another thread's decoder may be silencing warnings at
        that moment): ``.skipped`` and ``.report()`` are the complete record.

    Notes
    -----
    The number of batches is not known before the files are read (a file may be skipped),
    so at the end of the first epoch ``model.fit`` warns "Your input ran out of data";
    it then knows the length and trains every further epoch in full.

    Example
    -------
    ::

        pipe = audio_dataset(paths, Y, chunk_samples=59049, training=False, batch_size=32)
        for x, y in pipe.dataset.take(1): print(x.shape, y.shape)
        # (32, 59049) (32, 50)
        print(pipe.report())
        # all 160 files read (so far)
    """
    with config.quiet_native_stderr():
        import tensorflow as tf

    paths = [str(p) for p in paths]
    n = len(paths)
    if n == 0:
        raise ValueError("paths is empty: give at least one audio file")
    if labels is None:
        labels = np.zeros((n, 0), np.float32)
    labels = np.asarray(labels, dtype=np.float32)
    if labels.ndim == 1:
        labels = labels[:, None]
    if labels.ndim != 2 or len(labels) != n:
        raise ValueError(
            f"labels must have one row per file ({n} files), found shape {labels.shape}"
        )
    if chunk_samples <= 0 or batch_size <= 0 or chunks_per_clip <= 0:
        raise ValueError(
            "chunk_samples, batch_size and chunks_per_clip must be positive, found "
            f"{chunk_samples}, {batch_size}, {chunks_per_clip}"
        )
    length = int(chunk_samples)
    parallel = tf.data.AUTOTUNE if n_parallel is None else int(n_parallel)
    skipped = _Skipped()

    def read(i):
        path = paths[int(i)]
        try:
            return decoded_audio(path, sr=sr, cache_dir=cache_dir)
        except Exception as err:
            skipped.add(path, err)
            return np.zeros(0, np.float32)

    def load(i, y):
        x = tf.numpy_function(read, [i], tf.float32, stateful=False, name="decode_audio")
        x.set_shape([None])
        return i, x, y

    def padded(x, n_chunks):
        return tf.pad(x, [[0, tf.maximum(0, n_chunks * length - tf.shape(x)[0])]])

    def random_chunks(element, r):
        i, x, y = element
        x = padded(x, 1)
        starts = tf.random.stateless_uniform(
            [chunks_per_clip],
            seed=tf.stack([r, i]),
            minval=0,
            maxval=tf.shape(x)[0] - length + 1,
            dtype=tf.int32,
        )
        chunks = tf.gather(x, starts[:, None] + tf.range(length)[None, :])
        return chunks, tf.repeat(y[None], chunks_per_clip, axis=0), tf.fill([chunks_per_clip], i)

    def consecutive_chunks(i, x, y):
        k = tf.maximum(1, tf.shape(x)[0] // length)
        chunks = tf.reshape(padded(x, k)[: k * length], [k, length])
        return chunks, tf.repeat(y[None], k, axis=0), tf.fill([k], i)

    # A label row of width 0 crashes tf.repeat/unbatch (TensorFlow 2.21): carry one dummy
    # column through the pipeline and cut it off at the end.
    carried = labels if labels.shape[1] else np.zeros((n, 1), np.float32)
    ds = tf.data.Dataset.from_tensor_slices((np.arange(n, dtype=np.int64), carried))
    if training:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(load, num_parallel_calls=parallel, deterministic=True)
    ds = ds.filter(lambda i, x, y: tf.shape(x)[0] > 0)
    if training:
        randoms = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
        ds = tf.data.Dataset.zip((ds, randoms)).map(random_chunks)
    else:
        ds = ds.map(consecutive_chunks)
    ds = ds.unbatch()
    if training and chunks_per_clip > 1:
        ds = ds.shuffle(max(4 * batch_size, 2 * chunks_per_clip), seed=seed)
    ds = ds.batch(batch_size)
    if not labels.shape[1]:
        ds = ds.map(lambda x, y, clip: (x, y[:, :0], clip))
    ds = ds.prefetch(tf.data.AUTOTUNE)
    return AudioPipeline(
        base=ds,
        paths=paths,
        labels=labels,
        chunk_samples=length,
        training=bool(training),
        skipped=skipped,
    )


def predict_clips(model, pipeline: AudioPipeline, *, method: str = "mean"):
    """Clip-level predictions: the model's chunk predictions averaged over each clip.

    Parameters
    ----------
    model : keras.Model
        Takes a batch of chunks ``(batch, chunk_samples)``.
    pipeline : AudioPipeline
        From :func:`audio_dataset` with ``training=False`` (all chunks of every clip).
    method : {"mean", "vote"}
        How chunk scores combine (:func:`utils.evaluation.clip_scores`).

    Returns
    -------
    clips : np.ndarray [shape=(n_clips,), dtype=int64]
        Positions in ``pipeline.paths`` of the clips that were read (skipped files are
        absent), sorted; ``pipeline.labels[clips]`` are their labels.
    scores : np.ndarray [shape=(n_clips, n_outputs), dtype=float32]

    Example
    -------
    ::

        clips, scores = predict_clips(model, test)
        evaluation.per_tag_scores(test.labels[clips], scores, tags=TOP50_TAGS)
    """
    if pipeline.training:
        raise ValueError(
            "predict_clips needs every chunk of every clip once: build the pipeline with "
            "training=False"
        )
    scores, clip_index = [], []
    for x, _, clip in pipeline.indexed():
        scores.append(np.asarray(model.predict_on_batch(x)))
        clip_index.append(clip.numpy())
    if not scores:
        raise ValueError(f"no file could be read: {pipeline.report()}")
    scores = np.concatenate(scores)
    clips, clip_scores = evaluation.clip_scores(scores, np.concatenate(clip_index), method=method)
    return clips.astype(np.int64), np.asarray(clip_scores, dtype=np.float32)
