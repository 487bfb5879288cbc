"""Figures with labelled axes and units: waveform, spectrogram, rhythm pattern.

Each function draws into ``ax`` (a new figure when ``None``) and returns the axes, so
notebooks can place several plots side by side::

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3))
    plots.rhythm_pattern(rp_calm, ax=a, title="calm")
    plots.rhythm_pattern(rp_loud, ax=b, title="energetic")
"""

from __future__ import annotations

import numpy as np

from . import psychoacoustics

__all__ = ["waveform", "spectrogram", "rhythm_pattern"]


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def waveform(y, *, sr, ax=None, title=None):
    """Plot a signal against time (``librosa.display.waveshow``).

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
    sr : int
        Sample rate, Hz.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Example
    -------
    >>> waveform(np.sin(np.linspace(0, 100, 22050)), sr=22050, title="sine")  # doctest: +SKIP
    """
    import librosa.display

    ax = _axes(ax, (10, 2.5))
    librosa.display.waveshow(np.asarray(y, dtype=np.float32), sr=sr, ax=ax)
    ax.set(xlabel="Time (s)", ylabel="Amplitude", xlim=(0, len(y) / sr))
    if title:
        ax.set_title(title)
    return ax


_Y_LABELS = {
    "mel": "Frequency (Hz, mel scale)",
    "linear": "Frequency (Hz)",
    "hz": "Frequency (Hz)",
    "fft": "Frequency (Hz)",
    "log": "Frequency (Hz, log scale)",
}


def spectrogram(
    S_db, *, sr, hop_length, y_axis="mel", ax=None, title=None, fmax=None, colorbar=True, unit="dB"
):
    """Plot a spectrogram in dB against time and frequency (``librosa.display.specshow``).

    Parameters
    ----------
    S_db : np.ndarray [shape=(n_bins, n_frames)]
        Values in dB (e.g. :func:`utils.audio.log_mel`).
    sr, hop_length : int
        Sample rate and hop used to compute ``S_db`` (they set the time axis).
    y_axis : {"mel", "linear", "log", None}
        Frequency scale; ``None`` for bins (e.g. MFCC coefficients).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    fmax : float, optional
        Highest mel frequency used (for the mel axis ticks).
    colorbar : bool
        Add a colour bar labelled with ``unit``.
    unit : str
        Label of the colour bar.

    Returns
    -------
    matplotlib.axes.Axes

    Example
    -------
    >>> spectrogram(audio.log_mel(y, sr=sr), sr=sr, hop_length=512)  # doctest: +SKIP
    """
    import librosa.display

    ax = _axes(ax, (10, 3.5))
    kw = {"fmax": fmax} if (fmax is not None and y_axis == "mel") else {}
    img = librosa.display.specshow(
        np.asarray(S_db), sr=sr, hop_length=hop_length, x_axis="time", y_axis=y_axis, ax=ax, **kw
    )
    ax.set(xlabel="Time (s)", ylabel=_Y_LABELS.get(y_axis, "Bin") if y_axis else "Coefficient")
    if colorbar:
        cb = ax.figure.colorbar(img, ax=ax, format="%+2.0f" if unit == "dB" else None)
        cb.set_label(unit)
    if title:
        ax.set_title(title)
    return ax


def rhythm_pattern(rp, *, ax=None, title=None, colorbar=True, vmax=None):
    """Plot a rhythm pattern: Bark band against modulation frequency.

    Parameters
    ----------
    rp : np.ndarray [shape=(24, 60)] or [shape=(1440,)]
        From :func:`utils.psychoacoustics.rhythm_patterns`; a flat vector is read in the
        reference's Fortran order (``index = band + 24 * column``).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    colorbar : bool
    vmax : float, optional
        Top of the colour scale; give several patterns the same one to compare them.

    Returns
    -------
    matplotlib.axes.Axes

    Example
    -------
    >>> rhythm_pattern(psychoacoustics.rhythm_patterns(y, sr=sr), title="classical")  # doctest: +SKIP
    """
    rp = np.asarray(rp)
    n_bands = len(psychoacoustics.BARK_EDGES) - 1
    if rp.ndim == 1:
        rp = rp.reshape(n_bands, -1, order="F")
    if rp.shape[0] != n_bands:
        raise ValueError(f"expected a rhythm pattern of shape ({n_bands}, n_mod), found {rp.shape}")
    mod = psychoacoustics.modulation_frequencies(rp.shape[1])
    step = mod[0]
    ax = _axes(ax, (6, 3.5))
    img = ax.imshow(
        rp,
        origin="lower",
        aspect="auto",
        interpolation="nearest",
        cmap="magma",
        vmin=0,
        vmax=vmax,
        extent=(mod[0] - step / 2, mod[-1] + step / 2, 0.5, n_bands + 0.5),
    )
    ax.set(xlabel="Modulation frequency (Hz)", ylabel="Bark band (critical band 1-24)")
    if colorbar:
        ax.figure.colorbar(img, ax=ax).set_label("Modulation amplitude (weighted sone)")
    if title:
        ax.set_title(title)
    return ax
