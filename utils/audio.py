"""Audio in, features out: loading, duration, segmenting, spectrograms, mel and MFCC.

Everything here works on one signal (a 1-D NumPy array) or one spectrogram; for many
files use :mod:`utils.features`, which runs these functions in parallel and caches them.

Conventions
-----------
- Signals are mono ``float32`` NumPy arrays in [-1, 1], shape ``(n_samples,)``.
- Spectrograms are ``(n_bins, n_frames)``: frequency on the first axis, time on the last,
  as in librosa.
- Mel spectrograms use librosa's default convention unless ``keras_compatible=True``:
  the Slaney mel scale (linear below 1 kHz, logarithmic above), Slaney area
  normalisation of each triangle, the power spectrogram (``power=2``) of a periodic Hann
  window with ``center=True`` zero padding, and ``librosa.power_to_db(ref=1.0,
  amin=1e-10, top_db=80)``. ``keras_compatible=True`` reproduces
  ``keras.layers.MelSpectrogram`` instead (see :func:`mel_spectrogram`).

The psychoacoustic features (Bark, phon, sone, rhythm patterns) are in
:mod:`utils.psychoacoustics`.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path

import numpy as np

from .config import quiet_native_stderr

__all__ = [
    "AudioError",
    "load",
    "require_samples",
    "duration",
    "truncation",
    "segment",
    "center_crop",
    "stft_magnitude",
    "mel_spectrogram",
    "log_mel",
    "keras_mel_kwargs",
    "keras_mel_filterbank",
    "mfcc",
    "mfcc_stats",
    "precompile",
]


#: Formats whose decoders rebuild the waveform from a compressed spectrum, and how far
#: beyond full scale (about 1 dB) such a decoder may go on a master that peaked at it: a
#: clip up to there is clipped without a warning.
LOSSY_SUFFIXES = (".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".wma")
LOSSY_OVERSHOOT = 1.12


class AudioError(RuntimeError):
    """An audio file is missing, empty, corrupt or cannot be decoded."""


# --------------------------------------------------------------------------- loading


def load(path, *, sr, mono=True, offset=0.0, duration=None) -> np.ndarray:
    """Load an audio file (wav, flac, ogg, mp3, ...) as float32 at sample rate ``sr``.

    soundfile (libsndfile) decodes the file and reads only the requested frames;
    formats it cannot read fall back to ``librosa.load`` (audioread). Channels are
    averaged for ``mono=True``; resampling uses ``librosa.resample(res_type="soxr_hq")``.

    Parameters
    ----------
    path : str or pathlib.Path
        The audio file.
    sr : int
        Target sample rate in Hz (e.g. 22,050 for GTZAN, 16,000 for MagnaTagATune;
        :mod:`utils.layouts` holds each dataset's rate).
    mono : bool
        Average the channels (default). If False, keep them.
    offset : float
        Start reading at this time, in seconds.
    duration : float, optional
        Read at most this many seconds; ``None`` reads to the end.

    Returns
    -------
    np.ndarray [shape=(n_samples,) or (n_channels, n_samples), dtype=float32]
        Samples in [-1, 1]: a float file with louder samples is clipped, with a warning
        naming it and its peak.

    Raises
    ------
    AudioError
        The file is missing, a folder, unreadable (permissions), empty, corrupt, in a
        format that needs ffmpeg, or holds no samples in the requested range; the message
        names the file, the reason and the fix.

    Notes
    -----
    With ``mono=True`` the channels are averaged block by block as they are decoded, so a
    long stereo file never sits in memory with all its channels (a 2-hour 44.1 kHz stereo
    file takes 1.3 GB as mono float32, not 2.5 GB and more; read long files in parts with
    ``offset`` and ``duration``, as :func:`utils.tag.predict_tags` does).

    Example
    -------
    ::

        y = load("clip.mp3", sr=16000, duration=3.0)
        y.shape, y.dtype
        # ((48000,), dtype('float32'))
    """
    path = Path(path)
    if path.is_dir():
        raise AudioError(f"{path}: a folder, not an audio file. Pass the files inside it.")
    if not path.is_file():
        raise AudioError(
            f"{path}: no such audio file. Check the path (and that the dataset is downloaded)."
        )
    if not os.access(path, os.R_OK):
        raise AudioError(
            f"{path}: permission denied (you may not read it). Make it readable "
            f"(chmod a+r '{path}') or ask its owner to."
        )
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes); delete it or download it again.")
    _refuse_text(path)
    if offset < 0 or (duration is not None and duration <= 0):
        raise ValueError(
            f"offset must be >= 0 and duration > 0 (or None), found offset={offset}, duration={duration}"
        )

    y, native_sr = _read_soundfile(path, offset, duration, mono=mono)  # (channels, n) float32
    if y.shape[-1] == 0:
        raise AudioError(
            f"{path}: no audio samples"
            + (f" after offset={offset} s" if offset else "")
            + " (the file holds 0 frames or is shorter than the offset)."
        )
    short = truncation(path)
    if short:
        warnings.warn(f"{path}: {short}", stacklevel=2)
    if not np.all(np.isfinite(y)):
        raise AudioError(f"{path}: decoded samples contain NaN or infinity; the file is corrupt.")
    peak = float(np.abs(y).max())
    if peak > 1.0:
        # A lossy codec (mp3, ogg) rebuilds the waveform from its spectrum, so a master that
        # peaked at full scale decodes a little beyond it: normal, and clipped in silence.
        # Beyond that (or in a lossless file) the file itself is too loud: say so.
        lossy = Path(path).suffix.lower() in LOSSY_SUFFIXES
        if not lossy or peak > LOSSY_OVERSHOOT:
            warnings.warn(
                f"{path}: samples peak at {peak:.3g}, beyond [-1, 1] (a float file saved "
                "without normalising); clipped to [-1, 1]. Normalise the file to keep its "
                "loud parts.",
                stacklevel=2,
            )
        np.clip(y, -1.0, 1.0, out=y)
    if mono:
        y = y[0]
    if native_sr != sr:
        import librosa

        y = librosa.resample(y, orig_sr=native_sr, target_sr=sr, res_type="soxr_hq", axis=-1)
    return np.ascontiguousarray(y, dtype=np.float32)


def duration(path, *, exact: bool | None = None) -> float:
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
    AudioError
        When the file is text (an error page, a csv), not audio.
    soundfile.LibsndfileError, OSError
        When the file is missing, empty or not audio.

    Example
    -------
    ::

        duration("data/demo/magnatagatune/mp3/0/some.mp3")
        # 29.16
    """
    import soundfile as sf

    if Path(path).is_file():
        _refuse_text(Path(path))
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


def truncation(path) -> str | None:
    """What is wrong when a WAV file's header promises more audio than the file holds.

    A download or copy cut short leaves a header that states the full length; libsndfile
    then reads only the samples that are there, silently. This compares the two.

    Parameters
    ----------
    path : str or pathlib.Path
        An audio file; only WAV headers state a length to compare.

    Returns
    -------
    str or None
        E.g. ``"truncated: the header says 30.00 s (661,500 frames) but the file holds
        12.34 s (272,097 frames); delete it and download it again"``; ``None`` when the
        lengths agree or the format states none.

    Example
    -------
    ::

        truncation("data/gtzan_music_speech/music_speech/music_wav/bagpipe.wav")
    """
    import re

    import soundfile as sf

    try:
        with open(path, "rb") as f:
            if f.read(4) not in (b"RIFF", b"RF64"):
                return None
        with sf.SoundFile(str(path)) as f:
            info, frames, sr, width = f.extra_info, f.frames, f.samplerate, f.channels
            subtype = f.subtype
    except Exception:
        return None
    m = re.search(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", info, re.MULTILINE)
    bits = {"PCM_U8": 8, "PCM_S8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32, "FLOAT": 32}
    if not m or (subtype not in bits and subtype != "DOUBLE"):
        return None
    declared = int(m.group(1)) // (width * bits.get(subtype, 64) // 8)
    if declared <= frames:
        return None
    return (
        f"truncated: the header says {declared / sr:.2f} s ({declared:,} frames) but the file "
        f"holds {frames / sr:.2f} s ({frames:,} frames); delete it and download it again"
    )


def _refuse_text(path: Path) -> None:
    """AudioError when ``path`` holds text (an HTML error page, a csv) rather than audio."""
    with open(path, "rb") as f:
        head = f.read(512)
    if b"\x00" in head:
        return
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return
    if text and all(c.isprintable() or c in "\r\n\t" for c in text):
        shown = text.strip().splitlines()[0][:40] if text.strip() else ""
        raise AudioError(
            f"{path}: not a recognised audio format: it is a text file (it starts with {shown!r}), "
            "not wav, flac, ogg or mp3. Delete it and download it again."
        )


#: Frames decoded at a time when channels are averaged (:func:`load` with ``mono=True``).
_BLOCK_FRAMES = 1 << 20

#: What libsndfile cannot decode and audioread decodes only with ffmpeg installed.
_NEEDS_FFMPEG = (".m4a", ".mp4", ".aac", ".alac", ".wma", ".webm", ".opus", ".mka")


def _read_mono(f, frames: int) -> np.ndarray:
    """Read ``frames`` (-1: to the end) of an open SoundFile, averaging channels per block."""
    if f.channels == 1:
        return f.read(frames, dtype="float32", always_2d=True).T
    parts = []
    left = frames
    while left != 0:
        block = f.read(_BLOCK_FRAMES if left < 0 else min(left, _BLOCK_FRAMES), dtype="float32")
        if len(block) == 0:
            break
        parts.append(block.mean(axis=1, dtype=np.float32))
        left = left - len(block) if left > 0 else left
    return (np.concatenate(parts) if parts else np.zeros(0, np.float32))[None]


def _read_soundfile(path: Path, offset: float, duration, *, mono: bool = False):
    """(channels, n_samples) float32 (one channel, averaged, when ``mono``) and the native
    rate; AudioError when nothing decodes.
    """
    import soundfile as sf

    try:
        with sf.SoundFile(str(path)) as f:
            native_sr = f.samplerate
            start = round(offset * native_sr)
            if start >= f.frames > 0:
                return np.zeros((f.channels, 0), np.float32), native_sr
            frames = -1 if duration is None else round(duration * native_sr)
            # Seeking into an mp3 makes libmpg123 print "part2_3_length too large" for the
            # first frame (its bit reservoir is empty); the samples match a full decode to
            # 1e-4, so the message is only noise and is silenced.
            with quiet_native_stderr() if start and f.format == "MP3" else contextlib.nullcontext():
                if start:
                    f.seek(start)
                if mono and f.format != "MP3":  # mp3 is decoded in one call (see duration)
                    return _read_mono(f, frames), native_sr
                y = f.read(frames, dtype="float32", always_2d=True)
        y = y.T
        return (y.mean(axis=0, keepdims=True) if mono else y), native_sr
    except Exception as sf_error:
        reason = f"{type(sf_error).__name__}: {sf_error}"
        if "not a regular file" in str(sf_error):  # what libsndfile says of an unknown format
            reason = "not a recognised audio format"
    # Fall back to audioread via librosa for formats libsndfile does not know (m4a, ...).
    try:
        import librosa

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y, native_sr = librosa.load(
                str(path), sr=None, mono=False, offset=offset, duration=duration
            )
        y = np.atleast_2d(y).astype(np.float32)
        return (y.mean(axis=0, keepdims=True) if mono else y), int(native_sr)
    except Exception:
        pass
    with open(path, "rb") as fh:
        head = fh.read(12)
    if path.suffix.lower() in _NEEDS_FFMPEG or head[4:8] == b"ftyp":  # an MPEG-4 container
        raise AudioError(
            f"{path}: an {path.suffix.lstrip('.') or 'MPEG-4'} (AAC/ALAC) file, which only "
            "ffmpeg decodes here: install ffmpeg (conda install ffmpeg, apt install ffmpeg, "
            "brew install ffmpeg) or convert the file to wav or flac."
        )
    raise AudioError(
        f"{path}: cannot decode audio ({reason}). Expected a wav, flac, ogg or mp3 file; "
        "the file may be truncated or corrupt: delete it and download it again."
    )


def require_samples(y, n: int, *, path, what: str) -> None:
    """AudioError naming ``path`` when the signal ``y`` is shorter than ``n`` samples.

    Example
    -------
    >>> require_samples(np.zeros(100), 1024, path="click.wav", what="one FFT window")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    utils.audio.AudioError: click.wav: 100 samples, shorter than one FFT window (1024 samples): ...
    """
    if np.shape(y)[-1] < n:
        raise AudioError(
            f"{path}: {np.shape(y)[-1]} samples, shorter than {what} ({n} samples): "
            "too short to analyse; leave it out or use a longer clip."
        )


# --------------------------------------------------------------------------- segmenting


def segment(x, *, size, hop, axis=-1, pad=True) -> np.ndarray:
    """Cut a signal or spectrogram into windows of ``size`` along ``axis``, every ``hop``.

    Parameters
    ----------
    x : np.ndarray
        A signal ``(n_samples,)`` or a spectrogram ``(n_bins, n_frames)``.
    size : int
        Window length in samples (signal) or frames (spectrogram).
    hop : int
        Distance between window starts.
    axis : int
        The time axis (last by default).
    pad : bool
        If ``x`` is shorter than one window, zero-pad it to one window (default);
        otherwise return no windows. Incomplete windows at the end are dropped.

    Returns
    -------
    np.ndarray [shape=(n_segments, *x.shape with x.shape[axis] replaced by size)]
        ``n_segments = 1 + (n - size) // hop`` for ``n >= size``.

    Example
    -------
    >>> S = np.zeros((40, 1293))
    >>> segment(S, size=80, hop=80).shape
    (16, 40, 80)
    """
    x = np.asarray(x)
    if size <= 0 or hop <= 0:
        raise ValueError(f"size and hop must be positive integers, found size={size}, hop={hop}")
    axis = axis % x.ndim
    n = x.shape[axis]
    if n < size:
        if not pad:
            shape = list(x.shape)
            shape[axis] = size
            return np.zeros((0, *shape), dtype=x.dtype)
        x = _pad_axis(x, 0, size - n, axis)
        n = size
    starts = range(0, n - size + 1, hop)
    return np.stack([np.take(x, np.arange(s, s + size), axis=axis) for s in starts])


def center_crop(x, *, size, axis=-1) -> np.ndarray:
    """The central ``size`` samples (or frames) of ``x`` along ``axis``, zero-padded if shorter.

    Parameters
    ----------
    x : np.ndarray
        A signal or a spectrogram.
    size : int
        Length wanted along ``axis``.
    axis : int
        The time axis.

    Returns
    -------
    np.ndarray [shape=x.shape with x.shape[axis] replaced by size]

    Example
    -------
    >>> center_crop(np.arange(10), size=4)
    array([3, 4, 5, 6])
    >>> center_crop(np.ones(2), size=4)
    array([0., 1., 1., 0.])
    """
    x = np.asarray(x)
    axis = axis % x.ndim
    n = x.shape[axis]
    if n >= size:
        start = (n - size) // 2
        return np.take(x, np.arange(start, start + size), axis=axis)
    left = (size - n) // 2
    return _pad_axis(x, left, size - n - left, axis)


def _pad_axis(x, before, after, axis):
    widths = [(0, 0)] * x.ndim
    widths[axis] = (before, after)
    return np.pad(x, widths)


# --------------------------------------------------------------------------- spectrograms


def stft_magnitude(
    y, *, n_fft=2048, hop_length=512, power=1.0, center=True, pad_mode="constant"
) -> np.ndarray:
    """Magnitude (``power=1``) or power (``power=2``) spectrogram of a periodic-Hann STFT.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
    n_fft, hop_length : int
        Window length and hop in samples.
    power : float
        Exponent of the magnitude.
    center, pad_mode
        As in ``librosa.stft``: frame ``t`` is centred on sample ``t * hop_length``.

    Returns
    -------
    np.ndarray [shape=(1 + n_fft // 2, 1 + n_samples // hop_length), dtype=float32]

    Example
    -------
    >>> stft_magnitude(np.zeros(22050, np.float32), n_fft=1024, hop_length=512).shape
    (513, 44)
    """
    import librosa

    S = np.abs(
        librosa.stft(
            np.asarray(y, np.float32),
            n_fft=n_fft,
            hop_length=hop_length,
            center=center,
            pad_mode=pad_mode,
        )
    )
    return S**power if power != 1 else S


def keras_mel_filterbank(*, sr, n_fft, n_mels, fmin=0.0, fmax=None) -> np.ndarray:
    """The mel filterbank ``keras.layers.MelSpectrogram`` builds, as a NumPy array.

    HTK mel scale ``1127 ln(1 + f / 700)``, triangles with peak 1 (no area
    normalisation), linear in mel (not in Hz, unlike ``librosa.filters.mel(htk=True)``),
    DC bin excluded.

    Returns
    -------
    np.ndarray [shape=(n_mels, 1 + n_fft // 2)]

    Example
    -------
    >>> keras_mel_filterbank(sr=16000, n_fft=512, n_mels=96).shape
    (96, 257)
    """
    fmax = sr / 2 if fmax is None else fmax

    def hz_to_mel(f):
        return 1127.0 * np.log1p(np.asarray(f, float) / 700.0)

    freqs = np.linspace(0.0, sr / 2, 1 + n_fft // 2)[1:]
    bins_mel = hz_to_mel(freqs)[:, None]
    edges = np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    w = np.maximum(
        0.0,
        np.minimum((bins_mel - lower) / (center - lower), (upper - bins_mel) / (upper - center)),
    )
    return np.vstack([np.zeros((1, n_mels)), w]).T


def mel_spectrogram(
    y,
    *,
    sr,
    n_mels=96,
    n_fft=2048,
    hop_length=512,
    fmin=0.0,
    fmax=None,
    power=2.0,
    keras_compatible=False,
) -> np.ndarray:
    """Mel power spectrogram.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
    sr : int
        Sample rate of ``y``.
    n_mels, n_fft, hop_length : int
        Mel bands, FFT window and hop, in samples.
    fmin, fmax : float
        Frequency range of the mel filters, Hz (``fmax=None``: ``sr / 2``).
    power : float
        2 for power (default), 1 for magnitude.
    keras_compatible : bool
        False (default): ``librosa.feature.melspectrogram`` (Slaney mel scale, Slaney
        area normalisation, zero padding). True: what ``keras.layers.MelSpectrogram``
        computes with :func:`keras_mel_kwargs` of the same arguments: HTK mel scale,
        no normalisation (librosa's ``htk=True, norm=None``) but triangles linear in
        mel as TensorFlow builds them (:func:`keras_mel_filterbank`), and reflect
        padding of the centred STFT. Note Keras' own default ``min_freq`` is 20 Hz.

    Returns
    -------
    np.ndarray [shape=(n_mels, 1 + n_samples // hop_length), dtype=float32]

    Example
    -------
    >>> mel_spectrogram(np.zeros(22050, np.float32), sr=22050, n_mels=40).shape
    (40, 44)
    """
    import librosa

    y = np.asarray(y, np.float32)
    if not keras_compatible:
        S = librosa.feature.melspectrogram(
            y=y,
            sr=sr,
            n_fft=n_fft,
            hop_length=hop_length,
            n_mels=n_mels,
            fmin=fmin,
            fmax=fmax,
            power=power,
        )
        return S.astype(np.float32, copy=False)
    S = stft_magnitude(y, n_fft=n_fft, hop_length=hop_length, power=power, pad_mode="reflect")
    M = keras_mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    return (M.astype(np.float32) @ S).astype(np.float32)


def log_mel(
    y,
    *,
    sr,
    n_mels=96,
    n_fft=2048,
    hop_length=512,
    fmin=0.0,
    fmax=None,
    top_db=80.0,
    keras_compatible=False,
) -> np.ndarray:
    """Log-mel spectrogram in dB: ``librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=top_db)``.

    Parameters are those of :func:`mel_spectrogram` (power spectrogram). ``ref=1.0``
    (an absolute reference, as Keras uses) keeps loudness differences between clips.

    Returns
    -------
    np.ndarray [shape=(n_mels, 1 + n_samples // hop_length), dtype=float32]
        dB values, at most ``top_db`` below the maximum.

    Example
    -------
    >>> import numpy as np
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050 * 2) / 22050).astype(np.float32)
    >>> log_mel(y, sr=22050, n_mels=40, n_fft=1024, hop_length=512).shape
    (40, 87)
    """
    import librosa

    S = mel_spectrogram(
        y,
        sr=sr,
        n_mels=n_mels,
        n_fft=n_fft,
        hop_length=hop_length,
        fmin=fmin,
        fmax=fmax,
        keras_compatible=keras_compatible,
    )
    return librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=top_db).astype(np.float32)


def keras_mel_kwargs(
    *, sr, n_mels=96, n_fft=2048, hop_length=512, fmin=0.0, fmax=None, top_db=80.0
) -> dict:
    """Arguments for ``keras.layers.MelSpectrogram`` that match ``log_mel(..., keras_compatible=True)``.

    Example
    -------
    >>> options = keras_mel_kwargs(sr=16000, n_mels=96, n_fft=512, hop_length=256)
    >>> options["sampling_rate"], options["num_mel_bins"]
    (16000, 96)

    The options make the layer, ``keras.layers.MelSpectrogram(**options)``.
    """
    return dict(
        fft_length=n_fft,
        sequence_stride=hop_length,
        sequence_length=n_fft,
        window="hann",
        sampling_rate=sr,
        num_mel_bins=n_mels,
        min_freq=float(fmin),
        max_freq=float(sr / 2 if fmax is None else fmax),
        power_to_db=True,
        top_db=float(top_db),
        mag_exp=2.0,
        min_power=1e-10,
        ref_power=1.0,
    )


# --------------------------------------------------------------------------- MFCC


def mfcc(y, *, sr, n_mfcc=20, n_mels=128, n_fft=2048, hop_length=512) -> np.ndarray:
    """Mel-frequency cepstral coefficients (``librosa.feature.mfcc``: DCT-II of the log-mel).

    Returns
    -------
    np.ndarray [shape=(n_mfcc, 1 + n_samples // hop_length), dtype=float32]

    Example
    -------
    >>> mfcc(np.zeros(22050, np.float32), sr=22050).shape
    (20, 44)
    """
    import librosa

    M = librosa.feature.mfcc(
        y=np.asarray(y, np.float32),
        sr=sr,
        n_mfcc=n_mfcc,
        n_mels=n_mels,
        n_fft=n_fft,
        hop_length=hop_length,
    )
    return M.astype(np.float32)


def mfcc_stats(y, *, sr, n_mfcc=20, deltas=True, **mfcc_params) -> np.ndarray:
    """Summary of a clip's MFCCs: mean and std per coefficient, and of their deltas.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
    sr : int
    n_mfcc : int
    deltas : bool
        Append mean and std of the first-order deltas (``librosa.feature.delta``).
    **mfcc_params
        Passed to :func:`mfcc` (``n_mels``, ``n_fft``, ``hop_length``).

    Returns
    -------
    np.ndarray [shape=(4 * n_mfcc,) or (2 * n_mfcc,), dtype=float32]
        ``[mean, std, delta_mean, delta_std]``, each ``n_mfcc`` long.

    Example
    -------
    >>> mfcc_stats(np.zeros(22050, np.float32), sr=22050).shape
    (80,)
    """
    import librosa

    M = mfcc(y, sr=sr, n_mfcc=n_mfcc, **mfcc_params)
    parts = [M.mean(axis=1), M.std(axis=1)]
    if deltas:
        width = min(9, M.shape[1] - (1 - M.shape[1] % 2))  # odd, <= n_frames
        D = librosa.feature.delta(M, width=width) if width >= 3 else np.zeros_like(M)
        parts += [D.mean(axis=1), D.std(axis=1)]
    return np.concatenate(parts).astype(np.float32)


# --------------------------------------------------------------------------- set-up


def precompile() -> float:
    """Compile librosa's numba kernels once, so that no notebook cell waits for them.

    librosa compiles a few of its functions to machine code with numba (zero crossings, the
    pitch and peak pickers, the overlap-add of the inverse STFT...) the first time they are
    imported or called, and keeps the result in numba's cache beside its source. On a new
    environment that first time costs about 50 s on a 2-core CPU, and every process that
    starts before the cache exists pays it again. ``make setup`` calls this once; afterwards
    the same calls load the cache in a few seconds.

    Returns
    -------
    float
        Seconds it took.
    """
    import time

    import librosa

    start = time.perf_counter()
    sr = 22050
    for dtype in (np.float32, np.float64):  # numba compiles each input type apart
        y = (0.1 * np.random.default_rng(0).standard_normal(sr)).astype(dtype)
        librosa.feature.zero_crossing_rate(y)
        librosa.yin(y, fmin=80, fmax=1000, sr=sr)
        librosa.effects.pitch_shift(y, sr=sr, n_steps=2)  # phase vocoder, inverse STFT
        librosa.effects.hpss(y)
        librosa.beat.beat_track(y=y, sr=sr)  # onset strength, peak picking
        librosa.feature.melspectrogram(y=y, sr=sr)
    return time.perf_counter() - start
