"""Psychoacoustic features: Bark bands, phon, sone, sonogram and rhythm patterns.

Psychoacoustics follows the rhythm-pattern method of Rauber, Pampalk and Merkl (2002) and
Lidy and Rauber (2005): a power spectrogram is summed into Zwicker's 24 critical bands
(Bark scale), spread by Schroeder's masking function, converted to dB, to loudness
level (phon) with equal-loudness contours, and to loudness (sone). The modulation
spectrum of each band (a second FFT over time) gives the rhythm pattern.

The functions reproduce the authors' extractor ``rp_extract`` (TU Wien) to floating-point
precision; the tests compare them with its output on real clips.
"""

from __future__ import annotations

import numpy as np

# fmt: off
__all__ = [
    "SR_RP", "BARK_EDGES", "PHON_LEVELS", "RP_SEGMENT_SIZE", "RP_FFT_SIZE", "RP_N_MOD",
    "bark_bands", "spectral_masking", "db_to_phon", "phon_to_sone", "equal_loudness_contours",
    "rp_loudness_contours",
    "modulation_frequencies", "sonogram", "rp_features", "rhythm_patterns",
    "statistical_spectrum_descriptor", "rhythm_histogram",
]
# fmt: on

#: Sample rate at which rhythm patterns are computed (the reference method's 22.05 kHz), Hz.
SR_RP = 22050

#: Edges of Zwicker's 24 critical bands (Zwicker 1961), Hz: band ``b`` spans
#: ``[BARK_EDGES[b], BARK_EDGES[b + 1])``. Shape (25,).
# fmt: off
BARK_EDGES = np.array(
    [
        0, 100, 200, 300, 400, 510, 630, 770, 920, 1080, 1270, 1480, 1720, 2000, 2320, 2700, 3150,
        3700, 4400, 5300, 6400, 7700, 9500, 12000, 15500,
    ],
    dtype=float,
)
# fmt: on
_N_BARK = len(BARK_EDGES) - 1

#: Loudness levels (phon) of the equal-loudness contours used for dB -> phon.
PHON_LEVELS = np.array([3, 20, 40, 60, 80, 100], dtype=float)

#: Rhythm-pattern segment length at :data:`SR_RP` (2**17 samples, about 5.94 s).
RP_SEGMENT_SIZE = 2**17
#: FFT window of the rhythm-pattern spectrogram at :data:`SR_RP` (about 23 ms), hop = half.
RP_FFT_SIZE = 512
#: Number of modulation-frequency bins of a rhythm pattern (0.17 Hz to about 10 Hz).
RP_N_MOD = 60

# Equal-loudness contours of the rhythm-pattern method (E. Pampalk's MA toolbox, used by
# Rauber et al. 2002 and the authors' rp_extract): SPL in dB of the 3, 20, 40, 60, 80 and
# 100 phon contours at the frequencies _LOUDNESS_FREQS.
# fmt: off
_LOUDNESS_FREQS = np.array(
    [
        31.62, 50, 70.7, 100, 141.4, 200, 316.2, 500, 707.1, 1000, 1414, 1682, 2000, 2515, 3162,
        3976, 5000, 7071, 10000, 11890, 14140, 15500,
    ]
)
# fmt: on
# fmt: off
_LOUDNESS_DB = np.array(
    [
        [55, 40, 32, 24, 19, 14, 10, 6, 4, 3, 2, 2, 0, -2, -5, -4, 0, 5, 10, 14, 25, 35],
        [66, 52, 43, 37, 32, 27, 23, 21, 20, 20, 20, 20, 19, 16, 13, 13, 18, 22, 25, 30, 40, 50],
        [76, 64, 57, 51, 47, 43, 41, 41, 40, 40, 40, 39.5, 38, 35, 33, 33, 35, 41, 46, 50, 60, 70],
        [89, 79, 74, 70, 66, 63, 61, 60, 60, 60, 60, 59, 56, 53, 52, 53, 56, 61, 65, 70, 80, 90],
        [103, 96, 92, 88, 85, 83, 81, 80, 80, 80, 80, 79, 76, 72, 70, 70, 75, 79, 83, 87, 95, 105],
        [
            118, 110, 107, 105, 103, 102, 101, 100, 100, 100, 100, 99, 97, 94, 90, 90, 95, 100,
            103, 105, 108, 115,
        ],
    ],
    dtype=float,
)
# fmt: on
# The same contours at each Bark band's upper edge (linear interpolation): (6, 24).
_LOUDNESS_BARK = np.stack([np.interp(BARK_EDGES[1:], _LOUDNESS_FREQS, row) for row in _LOUDNESS_DB])

# ISO 226:2003 parameters (frequency, exponent af, magnitude Lu, hearing threshold Tf).
# fmt: off
_ISO226_F = np.array(
    [
        20, 25, 31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250,
        1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000, 12500,
    ]
)
# fmt: on
# fmt: off
_ISO226_AF = np.array(
    [
        0.532, 0.506, 0.480, 0.455, 0.432, 0.409, 0.387, 0.367, 0.349, 0.330, 0.315, 0.301, 0.288,
        0.276, 0.267, 0.259, 0.253, 0.250, 0.246, 0.244, 0.243, 0.243, 0.243, 0.242, 0.242, 0.245,
        0.254, 0.271, 0.301,
    ]
)
# fmt: on
# fmt: off
_ISO226_LU = np.array(
    [
        -31.6, -27.2, -23.0, -19.1, -15.9, -13.0, -10.3, -8.1, -6.2, -4.5, -3.1, -2.0, -1.1, -0.4,
        0.0, 0.3, 0.5, 0.0, -2.7, -4.1, -1.0, 1.7, 2.5, 1.2, -2.1, -7.1, -11.2, -10.7, -3.1,
    ]
)
# fmt: on
# fmt: off
_ISO226_TF = np.array(
    [
        78.5, 68.7, 59.5, 51.1, 44.0, 37.5, 31.5, 26.5, 22.1, 17.9, 14.4, 11.4, 8.6, 6.2, 4.4, 3.0,
        2.2, 2.4, 3.5, 1.7, -1.3, -4.2, -6.0, -5.4, -1.5, 6.0, 12.6, 13.9, 12.3,
    ]
)
# fmt: on

# Scales a signal in [-1, 1] so that the quietest 16-bit step sits near the hearing
# threshold (the reference method's calibration: 0.0875 * 2**15).
_HEARING_THRESHOLD_FACTOR = 0.0875 * 2**15


def bark_bands(S_power, *, sr, n_fft) -> np.ndarray:
    """Sum a power spectrogram into Zwicker's 24 critical bands (:data:`BARK_EDGES`).

    Bin ``k`` (at ``k * sr / n_fft`` Hz) belongs to band ``b`` when
    ``BARK_EDGES[b] <= f < BARK_EDGES[b + 1]``; bands above Nyquist stay zero.

    Parameters
    ----------
    S_power : np.ndarray [shape=(1 + n_fft // 2, n_frames)]
    sr, n_fft : int

    Returns
    -------
    np.ndarray [shape=(24, n_frames)]

    Example
    -------
    >>> bark_bands(np.ones((257, 3)), sr=22050, n_fft=512)[:, 0][:4]
    array([3., 2., 2., 3.])
    """
    S_power = np.asarray(S_power)
    freqs = np.arange(S_power.shape[0]) * sr / n_fft
    band = (
        np.searchsorted(BARK_EDGES, freqs, side="right") - 1
    )  # -1 never (f >= 0); 24 above 15.5 kHz
    W = np.zeros(
        (_N_BARK, S_power.shape[0]), dtype=S_power.dtype if S_power.dtype.kind == "f" else float
    )
    keep = band < _N_BARK
    W[band[keep], np.flatnonzero(keep)] = 1.0
    return W @ S_power


def _schroeder_spreading(n_bands=_N_BARK) -> np.ndarray:
    """Schroeder et al. (1979) spreading function between Bark bands, as a (24, 24) matrix."""
    dz = np.arange(n_bands)[:, None] - np.arange(n_bands)[None, :] + 0.474
    return 10 ** ((15.81 + 7.5 * dz - 17.5 * np.sqrt(1 + dz**2)) / 10)


_SPREAD = _schroeder_spreading()


def spectral_masking(B) -> np.ndarray:
    """Spread Bark-band power across bands with Schroeder's spreading function.

    Parameters
    ----------
    B : np.ndarray [shape=(24, n_frames)]
        Bark-band power.

    Returns
    -------
    np.ndarray [shape=(24, n_frames)]
    """
    B = np.asarray(B)
    return _SPREAD[: B.shape[0], : B.shape[0]] @ B


def db_to_phon(L_db) -> np.ndarray:
    """Loudness level (phon) of Bark-band levels (dB), from equal-loudness contours.

    Each band's level is placed between the 3, 20, 40, 60, 80 and 100 phon contours at
    the band's upper edge and interpolated linearly; below the 3 phon contour gives 3
    phon, above the 100 phon contour extrapolates. The contours are those of the
    rhythm-pattern method (Pampalk's MA toolbox, as in Rauber et al. 2002).

    Parameters
    ----------
    L_db : np.ndarray [shape=(n_bands <= 24, ...)]
        Level in dB per Bark band (first axis).

    Returns
    -------
    np.ndarray [shape=L_db.shape]
        Phon, non-decreasing in ``L_db`` for every band.

    Example
    -------
    >>> float(db_to_phon(np.full((24, 1), 60.0))[9, 0])  # 1080-1270 Hz band: 60 dB is 60 phon
    60.0
    """
    L = np.asarray(L_db, dtype=float)
    table = _LOUDNESS_BARK[:, : L.shape[0]]  # (6, n_bands)
    shape = (L.shape[0],) + (1,) * (L.ndim - 1)
    phon = np.full(L.shape, PHON_LEVELS[0])
    # level index: number of contours (3..80 phon) the value lies above
    for i in range(len(PHON_LEVELS) - 1):
        lo = table[i].reshape(shape)
        hi = table[i + 1].reshape(shape)
        above = lo < L
        frac = (L - lo) / (hi - lo)
        phon = np.where(above, PHON_LEVELS[i] + frac * (PHON_LEVELS[i + 1] - PHON_LEVELS[i]), phon)
    return phon


def phon_to_sone(phon) -> np.ndarray:
    """Loudness (sone) from loudness level (phon).

    ``2 ** ((phon - 40) / 10)`` from 40 phon (1 sone = 40 phon, doubling every 10 phon),
    ``(phon / 40) ** 2.642`` below, as in Bladon and Lindblom (1981) and Rauber et al.

    Example
    -------
    >>> phon_to_sone(np.array([40.0, 50.0]))
    array([1., 2.])
    """
    p = np.asarray(phon, dtype=float)
    return np.where(p >= 40, 2.0 ** ((p - 40) / 10), (np.maximum(p, 0) / 40) ** 2.642)


def equal_loudness_contours(phons, *, freqs=None):
    """ISO 226:2003 equal-loudness contours: the SPL that sounds as loud as a 1 kHz tone.

    Parameters
    ----------
    phons : array_like [shape=(n_levels,)]
        Loudness levels in phon (the standard covers 20 to 90 phon; lower and higher
        levels are the formula's extrapolation, fine for a plot).
    freqs : array_like, optional
        Frequencies in Hz (20 Hz to 12.5 kHz); default: the standard's 29 frequencies.

    Returns
    -------
    freqs : np.ndarray [shape=(n_freqs,)]
    spl : np.ndarray [shape=(n_levels, n_freqs)]
        Sound pressure level in dB SPL.

    Example
    -------
    >>> f, spl = equal_loudness_contours([3, 20, 40, 60, 80, 100])
    >>> round(float(spl[2, list(f).index(1000)]), 1)
    40.0
    """
    phons = np.atleast_1d(np.asarray(phons, dtype=float))[:, None]
    af, Lu, Tf = _ISO226_AF, _ISO226_LU, _ISO226_TF
    Af = 4.47e-3 * (10 ** (0.025 * phons) - 1.15) + (0.4 * 10 ** ((Tf + Lu) / 10 - 9)) ** af
    spl = 10 / af * np.log10(Af) - Lu + 94
    if freqs is None:
        return _ISO226_F.copy(), spl
    freqs = np.asarray(freqs, dtype=float)
    logf = np.log10(_ISO226_F)
    return freqs, np.stack([np.interp(np.log10(freqs), logf, row) for row in spl])


def rp_loudness_contours():
    """The equal-loudness contours that :func:`db_to_phon` (and so the rhythm patterns) use.

    They are those of E. Pampalk's MA toolbox, as in Rauber et al. (2002) and the authors'
    ``rp_extract``, at :data:`PHON_LEVELS` (3 to 100 phon); older than ISO 226:2003
    (:func:`equal_loudness_contours`), which covers only 20 to 90 phon.

    Returns
    -------
    freqs : np.ndarray [shape=(22,)]
        Frequencies in Hz (31.6 Hz to 15.5 kHz).
    spl : np.ndarray [shape=(6, 22)]
        Sound pressure level in dB SPL of each contour of :data:`PHON_LEVELS`.

    Example
    -------
    >>> f, spl = rp_loudness_contours()
    >>> float(spl[2, list(f).index(1000)])  # the 40 phon contour at 1 kHz
    40.0
    """
    return _LOUDNESS_FREQS.copy(), _LOUDNESS_DB.copy()


def modulation_frequencies(n=RP_N_MOD) -> np.ndarray:
    """Modulation frequency (Hz) of each rhythm-pattern column: ``k * 22050 / 2**17``, k = 1..n."""
    return np.arange(1, n + 1) * SR_RP / RP_SEGMENT_SIZE


def sonogram(y, *, sr, spectral_masking_=True) -> np.ndarray:
    """Specific loudness (sone) in 24 Bark bands of each ~6 s segment of ``y``.

    Steps (Rauber et al. 2002, Lidy and Rauber 2005): resample to 22.05 kHz; cut into
    non-overlapping segments of 2**17 samples (a shorter signal is zero-padded to one
    segment); scale to the hearing threshold; power spectrogram (Hann window of 512,
    50 % overlap, one-sided periodogram); sum into Bark bands; spectral masking
    (Schroeder); dB; phon (:func:`db_to_phon`); sone (:func:`phon_to_sone`).

    Returns
    -------
    np.ndarray [shape=(n_segments, 24, 511)]

    Example
    -------
    >>> sonogram(np.zeros(2**17, np.float32), sr=22050).shape
    (1, 24, 511)
    """
    y = _to_rp_rate(y, sr)
    if len(y) < RP_SEGMENT_SIZE:
        y = np.pad(y, (0, RP_SEGMENT_SIZE - len(y)))
    n_seg = len(y) // RP_SEGMENT_SIZE
    segs = y[: n_seg * RP_SEGMENT_SIZE].reshape(n_seg, RP_SEGMENT_SIZE) * _HEARING_THRESHOLD_FACTOR
    n, hop = RP_FFT_SIZE, RP_FFT_SIZE // 2
    n_frames = (RP_SEGMENT_SIZE - n) // hop + 1
    idx = np.arange(n_frames)[:, None] * hop + np.arange(n)[None, :]
    win = np.hanning(n)  # symmetric Hann, as the reference
    X = np.fft.rfft(segs[:, idx] * win, axis=-1)  # (n_seg, frames, 257)
    P = (X.real**2 + X.imag**2) / np.dot(win, win)
    P[..., 1:] *= 2  # one-sided spectrum (the reference doubles the Nyquist bin too)
    P /= 2 * np.pi
    P = np.swapaxes(P, 1, 2)  # (n_seg, 257, frames)
    B = np.stack([bark_bands(p, sr=SR_RP, n_fft=n) for p in P])
    if spectral_masking_:
        B = np.stack([spectral_masking(b) for b in B])
    L = 10 * np.log10(np.maximum(B, 1.0))
    return phon_to_sone(db_to_phon(np.moveaxis(L, 1, 0))).swapaxes(0, 1)


def _to_rp_rate(y, sr):
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(
            f"expected a mono signal of shape (n_samples,), found shape {y.shape}; use load(..., mono=True)"
        )
    if sr != SR_RP:
        import librosa

        y = librosa.resample(y, orig_sr=sr, target_sr=SR_RP, res_type="soxr_hq")
    return y


def _stats7(M) -> np.ndarray:
    """mean, var, skewness, Pearson kurtosis, median, min, max along the last axis (NaN -> 0)."""
    mean = M.mean(axis=-1)
    d = M - mean[..., None]
    m2 = (d**2).mean(axis=-1)
    m3 = (d**3).mean(axis=-1)
    m4 = (d**4).mean(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        tiny = m2 <= 1e-12 * np.maximum(mean**2, 1e-30)
        skew = np.where(tiny, 0.0, m3 / m2**1.5)
        kurt = np.where(tiny, 0.0, m4 / m2**2)
    out = np.stack(
        [mean, m2, skew, kurt, np.median(M, axis=-1), M.min(axis=-1), M.max(axis=-1)], axis=-1
    )
    return np.nan_to_num(out)


def rp_features(
    y,
    *,
    sr,
    skip_leadin_fadeout=1,
    spectral_masking=True,
    fluctuation_strength=True,
    gradient=False,
    gaussian=False,
) -> dict:
    """Rhythm pattern, statistical spectrum descriptor and rhythm histogram in one pass.

    The method of Rauber, Pampalk and Merkl (2002) and Lidy and Rauber (2005), with the
    defaults of the authors' ``rp_extract``: :func:`sonogram` per ~6 s segment; per Bark
    band an FFT over time (512 points, 0.168 Hz resolution), magnitude / 256 of the
    modulation bins 1..60 (0.17 to 10.1 Hz); fluctuation-strength weighting
    ``1 / (f / 4 + 4 / f)`` (peak at 4 Hz); median over segments. For signals of 45 s or
    more, the first and last ``skip_leadin_fadeout`` segments are skipped (lead-in and
    fade-out), as the reference does.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Mono signal in [-1, 1]; any rate (resampled to 22.05 kHz). Shorter than ~6 s is
        zero-padded to one segment; silence gives finite values.
    sr : int
    skip_leadin_fadeout : int
        Segments skipped at each end when the signal lasts 45 s or more.
    spectral_masking, fluctuation_strength : bool
        Switch those steps off (for teaching: what each step does).
    gradient, gaussian : bool
        Optional post-processing of the rhythm pattern (Lidy and Rauber's R3 step, off
        in the reference): absolute difference along the modulation axis, and Gaussian
        smoothing (``scipy.ndimage.gaussian_filter``, sigma 1 bin on both axes).

    Returns
    -------
    dict
        ``"rp"``: np.ndarray [shape=(24, 60)] rhythm pattern (band, modulation bin);
        ``"ssd"``: np.ndarray [shape=(24, 7)] mean over segments of the per-band mean,
        variance, skewness, kurtosis, median, min and max of the sonogram;
        ``"rh"``: np.ndarray [shape=(60,)] rhythm histogram: median over segments of the
        unweighted modulation amplitudes summed over bands.

    Example
    -------
    >>> f = rp_features(np.zeros(3 * 2**17, np.float32), sr=22050)
    >>> f["rp"].shape, f["ssd"].shape, f["rh"].shape
    ((24, 60), (24, 7), (60,))
    """
    y = _to_rp_rate(y, sr)
    n_seg = len(y) // RP_SEGMENT_SIZE
    skip = skip_leadin_fadeout if len(y) / SR_RP >= 45 and n_seg > 2 * skip_leadin_fadeout else 0
    if skip:
        y = y[skip * RP_SEGMENT_SIZE : (n_seg - skip) * RP_SEGMENT_SIZE]
    S = sonogram(y, sr=SR_RP, spectral_masking_=spectral_masking)  # (n_seg, 24, 511)
    F = np.abs(np.fft.fft(S, n=512, axis=-1)[..., 1 : RP_N_MOD + 1]) / 256  # (n_seg, 24, 60)
    rh = np.median(F.sum(axis=1), axis=0)
    if fluctuation_strength:
        f = modulation_frequencies()
        F = F * (1 / (f / 4 + 4 / f))
    rp = np.median(F, axis=0)
    if gradient:
        rp = np.abs(np.diff(rp, axis=1, append=rp[:, -1:]))
    if gaussian:
        from scipy.ndimage import gaussian_filter

        rp = gaussian_filter(rp, sigma=1.0, mode="nearest")
    ssd = _stats7(S).mean(axis=0)
    return {"rp": rp, "ssd": ssd, "rh": rh}


def rhythm_patterns(y, *, sr, **options) -> np.ndarray:
    """Rhythm pattern of a clip: modulation amplitude per Bark band, 0.17-10 Hz.

    See :func:`rp_features` for the method and ``options``.

    Returns
    -------
    np.ndarray [shape=(24, 60)]
        Row = Bark band (low to high), column = modulation frequency
        (:func:`modulation_frequencies`). ``.ravel(order="F")`` gives the reference's
        1,440-dim vector layout.

    Example
    -------
    >>> rhythm_patterns(np.zeros(2**17, np.float32), sr=22050).shape
    (24, 60)
    """
    return rp_features(y, sr=sr, **options)["rp"]


def statistical_spectrum_descriptor(y, *, sr, **options) -> np.ndarray:
    """Statistical spectrum descriptor: 7 statistics of the sonogram per Bark band.

    Returns
    -------
    np.ndarray [shape=(24, 7)]
        Columns: mean, variance, skewness, kurtosis (Pearson), median, min, max.
    """
    return rp_features(y, sr=sr, **options)["ssd"]


def rhythm_histogram(y, *, sr, **options) -> np.ndarray:
    """Rhythm histogram: modulation amplitudes summed over Bark bands.

    Returns
    -------
    np.ndarray [shape=(60,)]
    """
    return rp_features(y, sr=sr, **options)["rh"]
