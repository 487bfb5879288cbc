"""Synthetic music and speech from NumPy alone: instruments, drums, voices, genre recipes.

The offline demo datasets (:mod:`utils.demo`) are made of these signals. Nothing here
knows a file or a dataset layout: each function takes a sample rate, a length and a NumPy
random generator, and returns a signal (and, for music, the facts of how it was made, from
which :mod:`utils.demo` derives the tags).

- Instruments are wavetable timbres (harmonic tilt, odd harmonics, detuned voices,
  distortion) with attack/decay envelopes and vibrato.
- Drums are synthesised kicks, snares and hi-hats played in genre patterns at a tempo.
- Sung vowels and speech are a glottal-like source shaped by vowel formants (F1-F3) in
  the STFT domain; speech has a syllable rhythm of 3.5-5.5 Hz, noise-like consonants, an
  intonation contour and pauses.
- :data:`GENRES` holds 14 genre recipes: instruments, tempo range, mode, drums, vocals,
  loudness, and the concept tags an annotator would use.

Example
-------
>>> import numpy as np
>>> y, facts = music(16000, 16000, np.random.default_rng(0), "rock")
>>> y.shape, facts["genre"]
((16000,), 'rock')
"""

from __future__ import annotations

import numpy as np

__all__ = ["GENRES", "music", "speech", "normalise", "channel", "mix"]

_TWO_PI = 2 * np.pi
_TABLE = 2048


# --------------------------------------------------------------------------------------
# Instruments: wavetable timbres with envelopes
# --------------------------------------------------------------------------------------

# name: tilt (harmonic k has amplitude k**-tilt), odd (odd harmonics only), attack (s),
# decay (1/s; 0 = sustained), bright (extra decay of the upper harmonics, 1/s),
# vib (vibrato depth in semitones), vib_rate (Hz), voices (detuned copies), drive (distortion)
_INSTRUMENTS = {
    "piano": dict(tilt=1.4, attack=0.004, decay=1.1, bright=4.0),
    "harpsichord": dict(tilt=0.55, attack=0.002, decay=1.8, bright=1.5),
    "acoustic guitar": dict(tilt=1.0, attack=0.003, decay=2.2, bright=5.0),
    "electric guitar": dict(tilt=0.9, attack=0.004, decay=0.9, bright=2.0, drive=2.0),
    "distorted guitar": dict(tilt=0.8, attack=0.004, decay=0.25, bright=0.5, drive=9.0),
    "banjo": dict(tilt=0.6, attack=0.002, decay=5.0, bright=4.0),
    "harp": dict(tilt=1.9, attack=0.003, decay=1.4, bright=3.0),
    "sitar": dict(tilt=0.45, attack=0.003, decay=1.0, bright=0.4, vib=0.08, vib_rate=6.0),
    "violin": dict(tilt=1.0, attack=0.12, vib=0.22, vib_rate=5.6),
    "cello": dict(tilt=1.0, attack=0.15, vib=0.18, vib_rate=5.0),
    "strings": dict(tilt=1.1, attack=0.3, vib=0.12, vib_rate=5.3, voices=2),
    "flute": dict(tilt=3.2, attack=0.07, vib=0.14, vib_rate=5.0, noise=0.04),
    "organ": dict(tilt=0.0, attack=0.01, organ=True),
    "synth pad": dict(tilt=1.0, attack=0.8, voices=2),
    "synth lead": dict(tilt=1.0, odd=True, attack=0.01),
    "synth bass": dict(tilt=1.0, attack=0.005, decay=3.0, bright=6.0),
    "bass": dict(tilt=1.8, attack=0.005, decay=1.4, bright=2.0),
    "sax": dict(tilt=0.8, attack=0.05, vib=0.1, vib_rate=4.8, noise=0.03, drive=1.0),
    "voice": dict(tilt=1.2, attack=0.06, vib=0.3, vib_rate=5.5),
}


def _midi_hz(m):
    return 440.0 * 2.0 ** ((np.asarray(m, dtype=float) - 69.0) / 12.0)


class _Synth:
    """Per-clip synthesiser: caches wavetables and renders notes into a buffer."""

    def __init__(self, sr: int, n: int, rng: np.random.Generator):
        self.sr, self.n, self.rng = sr, n, rng
        self._tables = {}
        self._t = np.arange(n, dtype=np.float32) / np.float32(sr)

    def table(self, tilt: float, odd: bool, k_max: int, organ: bool = False) -> np.ndarray:
        key = (round(tilt, 3), odd, k_max, organ)
        if key not in self._tables:
            x = np.arange(_TABLE) / _TABLE
            if organ:
                ks = [k for k in (1, 2, 3, 4, 6, 8) if k <= k_max]
                amps = [1.0, 0.8, 0.5, 0.5, 0.3, 0.3][: len(ks)]
            else:
                ks = [k for k in range(1, max(k_max, 1) + 1) if not (odd and k % 2 == 0)]
                amps = [k**-tilt for k in ks]
            w = sum(a * np.sin(_TWO_PI * k * x) for k, a in zip(ks, amps))
            self._tables[key] = (w / (np.abs(w).max() + 1e-9)).astype(np.float32)
        return self._tables[key]

    def note(
        self,
        out,
        start: float,
        dur: float,
        midi: float,
        inst: str,
        amp: float,
        *,
        bend: float = 0.0,
        vib: float | None = None,
    ):
        """Add one note (start and dur in seconds) of instrument ``inst`` to ``out``."""
        p = _INSTRUMENTS[inst]
        sr = self.sr
        i0 = int(start * sr)
        if i0 >= len(out):
            return
        decay = p.get("decay", 0.0)
        release = 0.25 if not decay else 0.0
        # a plucked or struck note rings on a little after its written length, then is damped
        length = dur + release if not decay else dur + min(3.0 / decay, 0.35)
        n = min(int(length * sr), len(out) - i0)
        if n <= 8:
            return
        t = self._t[:n]
        f0 = float(_midi_hz(midi))
        k_max = max(1, min(24, int(0.45 * sr / f0)))
        vib = p.get("vib", 0.0) if vib is None else vib
        if vib or bend:
            freq = np.full(n, f0 / sr, dtype=np.float32)
            if vib:
                depth = vib * (1 + 0.3 * self.rng.standard_normal())
                onset = np.minimum(t * (1 / 0.3), 1.0)  # vibrato grows in after the attack
                freq *= np.exp2(
                    depth
                    / 12
                    * onset
                    * np.sin(_TWO_PI * p["vib_rate"] * t + self.rng.uniform(0, 6.28))
                )
            if bend:
                freq *= np.exp2(bend / 12 * np.minimum(t / max(dur * 0.5, 0.05), 1.0))
            cycles = np.cumsum(freq)
        else:
            cycles = t * np.float32(f0)
        env = np.exp(t * np.float32(-decay)) if decay else np.ones(n, dtype=np.float32)
        a = min(max(int(p["attack"] * sr), 1), n)
        env[:a] *= np.linspace(0, 1, a, dtype=np.float32)
        m = min(int((0.05 if decay else release) * sr), n - a)
        if m > 0:
            env[n - m :] *= np.linspace(1, 0, m, dtype=np.float32) ** 2
        bright = self.table(p["tilt"], p.get("odd", False), k_max, p.get("organ", False))
        if p.get("bright"):
            dull = self.table(p["tilt"] + 1.6, p.get("odd", False), k_max)
            fade = np.exp(t * np.float32(-p["bright"]))  # upper harmonics die away first
        y = np.zeros(n, dtype=np.float32)
        voices = p.get("voices", 1)
        for v in range(voices):
            detune = np.float32((1.0 + (v - (voices - 1) / 2) * 0.006) * _TABLE)
            idx = (cycles * detune + np.float32(self.rng.uniform() * _TABLE)).astype(np.int32)
            idx &= _TABLE - 1
            if p.get("bright"):
                d = dull[idx]
                y += d
                y += fade * (bright[idx] - d)
            else:
                y += bright[idx]
        if voices > 1:
            y *= np.float32(1 / voices)
        if p.get("noise"):
            y += np.float32(p["noise"]) * self.rng.standard_normal(n, dtype=np.float32)
        if p.get("drive"):
            y = np.tanh(np.float32(p["drive"]) * y) * np.float32(1 / np.tanh(p["drive"]))
        env *= np.float32(amp)
        out[i0 : i0 + n] += env * y


# --------------------------------------------------------------------------------------
# Drums
# --------------------------------------------------------------------------------------


def _drum_kit(sr: int, rng: np.random.Generator) -> dict:
    t = np.arange(int(0.5 * sr)) / sr
    kick = np.sin(_TWO_PI * np.cumsum(45 + 110 * np.exp(-t * 30)) / sr) * np.exp(-t * 9)
    noise = rng.standard_normal(len(t))
    snare = 0.7 * noise * np.exp(-t * 22) + 0.5 * np.sin(_TWO_PI * 185 * t) * np.exp(-t * 30)
    hiss = np.diff(noise, prepend=0.0)  # first difference: a crude high-pass
    hat = 0.35 * hiss * np.exp(-t * 60)
    open_hat = 0.3 * hiss * np.exp(-t * 12)
    clap = 0.6 * hiss * (np.exp(-t * 25) * (1 + 0.6 * (np.sin(_TWO_PI * 90 * t) > 0.5)))
    ride = 0.2 * hiss * np.exp(-t * 8) + 0.08 * np.sin(_TWO_PI * 3200 * t) * np.exp(-t * 6)
    tabla_hi = np.sin(_TWO_PI * np.cumsum(420 + 80 * np.exp(-t * 20)) / sr) * np.exp(-t * 10)
    tabla_lo = np.sin(_TWO_PI * np.cumsum(95 + 60 * np.exp(-t * 8)) / sr) * np.exp(-t * 6)
    kit = dict(
        kick=kick,
        snare=snare,
        hat=hat,
        open_hat=open_hat,
        clap=clap,
        ride=ride,
        tabla_hi=tabla_hi,
        tabla_lo=tabla_lo,
    )
    return {k: (v / np.abs(v).max()).astype(np.float32) for k, v in kit.items()}


# 16 steps per bar; "x" = hit, "o" = soft hit
_PATTERNS = {
    "rock": dict(kick="x.......x.x.....", snare="....x.......x...", hat="x.x.x.x.x.x.x.x."),
    "metal": dict(kick="xxxxxxxxxxxxxxxx", snare="....x.......x...", hat="x...x...x...x..."),
    "pop": dict(kick="x......xx.......", snare="....x.......x...", hat="x.o.x.o.x.o.x.o."),
    "techno": dict(
        kick="x...x...x...x...",
        open_hat="..x...x...x...x.",
        clap="....x.......x...",
        hat="xoxoxoxoxoxoxoxo",
    ),
    "house": dict(kick="x...x...x...x...", open_hat="..x...x...x...x.", clap="....x.......x..."),
    "breakbeat": dict(kick="x.....x...x.....", snare="....x.......x..o", hat="x.x.x.x.x.x.x.x."),
    "country": dict(kick="x.......x.......", snare="....x.......x...", hat="oxoxoxoxoxoxoxox"),
    "jazz": dict(ride="x...x.xox...x.xo", kick="o.......o.......", hat="....x.......x..."),
    "tabla": dict(tabla_lo="x.....x...x.....", tabla_hi="..x.x...x.x.xx.x"),
}


def _drums(
    out,
    kit,
    pattern: str,
    bpm: float,
    sr: int,
    rng,
    *,
    amp: float,
    start: float = 0.0,
    swing: float = 0.0,
):
    step = 60.0 / bpm / 4
    n_steps = int((len(out) / sr - start) / step)
    for name, pat in _PATTERNS[pattern].items():
        hit = kit[name]
        for s in range(n_steps):
            c = pat[s % 16]
            if c == ".":
                continue
            vel = (1.0 if c == "x" else 0.5) * amp * (1 + 0.12 * rng.standard_normal())
            t = start + s * step + (swing * step if s % 2 else 0.0) + 0.004 * rng.standard_normal()
            i = max(int(t * sr), 0)
            m = min(len(hit), len(out) - i)
            if m > 0:
                out[i : i + m] += vel * hit[:m]


# --------------------------------------------------------------------------------------
# Formant filtering (sung vowels and speech) in the STFT domain
# --------------------------------------------------------------------------------------

# F1, F2, F3 (Hz) of a male voice; a female voice scales them by about 1.17
_VOWELS = np.array(
    [
        [730, 1090, 2440],
        [530, 1840, 2480],
        [270, 2290, 3010],
        [570, 840, 2410],
        [300, 870, 2240],
        [660, 1720, 2410],
        [490, 1350, 1690],
    ],
    dtype=np.float32,
)
_BANDWIDTHS = np.array([90, 120, 170], dtype=np.float32)


def _formant_filter(x, formants, sr, *, n_fft=512, noise=None, noise_shape=None):
    """Filter ``x`` by a time-varying formant envelope; ``formants`` has shape (n_frames, 3)."""
    from scipy.signal import istft, stft

    hop = n_fft // 4
    _, _, X = stft(x, fs=sr, nperseg=n_fft, noverlap=n_fft - hop, boundary="even", padded=True)
    freqs = np.fft.rfftfreq(n_fft, 1 / sr).astype(np.float32)
    F = np.interp(
        np.arange(X.shape[1]),
        np.linspace(0, X.shape[1] - 1, len(formants)),
        np.arange(len(formants)),
    )
    fr = formants[np.clip(np.round(F).astype(int), 0, len(formants) - 1)]  # (frames, 3)
    env = 0.015 + sum(
        g / (1 + ((freqs[:, None] - fr[None, :, j]) / _BANDWIDTHS[j]) ** 2)
        for j, g in enumerate((1.0, 0.6, 0.3))
    )
    Y = X * env
    if noise is not None:
        _, _, N = stft(
            noise, fs=sr, nperseg=n_fft, noverlap=n_fft - hop, boundary="even", padded=True
        )
        Y = Y + N * noise_shape(freqs, X.shape[1])
    _, y = istft(Y, fs=sr, nperseg=n_fft, noverlap=n_fft - hop, boundary=True)
    return y[: len(x)].astype(np.float32)


def _frames_from_segments(segments, n_frames, hop_s):
    """(n_frames, 3) formant track from [(start_s, vowel_index)], with smooth transitions."""
    idx = np.zeros(n_frames, dtype=int)
    for start, v in segments:
        idx[int(start / hop_s) :] = v
    track = _VOWELS[idx]
    k = 5  # ~40-60 ms moving average: formant transitions instead of jumps
    kernel = np.ones(k) / k
    return np.stack(
        [
            np.convolve(np.pad(track[:, j], (k // 2, k // 2), mode="edge"), kernel, "valid")
            for j in range(3)
        ],
        axis=1,
    ).astype(np.float32)


def _sing(synth, notes, *, female: bool, opera: bool, amp: float):
    """Sung vowels: a harmonic voice source with vibrato following ``notes``, formant-filtered."""
    sr, rng = synth.sr, synth.rng
    src = np.zeros(synth.n, dtype=np.float32)
    segments = []
    for start, dur, midi in notes:
        synth.note(src, start, dur, midi, "voice", 1.0, vib=0.55 if opera else 0.25)
        segments.append((start, int(rng.integers(0, 5 if not opera else 2))))
    hop_s = 128 / sr
    n_frames = int(synth.n / 128) + 2
    formants = _frames_from_segments(segments or [(0, 0)], n_frames, hop_s) * (
        1.17 if female else 1.0
    )
    if opera:  # the singer's formant: energy near 3 kHz
        formants[:, 2] = 2900 if not female else 3200
    breath = 0.02 * rng.standard_normal(synth.n).astype(np.float32) * (np.abs(src) > 0.05)
    y = _formant_filter(src + breath, formants, sr)
    return amp * y / (np.abs(y).max() + 1e-9)


# --------------------------------------------------------------------------------------
# Music recipes
# --------------------------------------------------------------------------------------

_MAJOR = [0, 2, 4, 5, 7, 9, 11]
_MINOR = [0, 2, 3, 5, 7, 8, 10]
_RAGA = [0, 1, 4, 5, 7, 8, 11]

# genre: weight, tempo range, P(major), lead instruments, chord instruments + style, bass,
# drum pattern, P(vocal), P(female | vocal), gain range (dB RMS), chord length (bars), tags
GENRES = {
    "classical": dict(
        w=14,
        bpm=(60, 118),
        major=0.6,
        lead=["violin", "flute", "piano", "cello", "harpsichord", "harp"],
        chords=[("strings", "block"), ("piano", "arp"), ("harpsichord", "arp"), ("harp", "arp")],
        bass="cello",
        drums=None,
        vocal=0.0,
        gain=(-32, -21),
        bars=2,
        tags=[[("classical", 0.7), ("classic", 0.2), ("clasical", 0.1)]],
    ),
    "opera": dict(
        w=6,
        bpm=(60, 100),
        major=0.5,
        lead=[],
        chords=[("strings", "block"), ("piano", "arp")],
        bass="cello",
        drums=None,
        vocal=1.0,
        female=0.7,
        opera=True,
        gain=(-26, -18),
        bars=2,
        tags=[["opera"], [("operatic", 0.6), ("classical", 0.4)]],
    ),
    "choir": dict(
        w=4,
        bpm=(50, 80),
        major=0.6,
        lead=[],
        chords=[("organ", "block")],
        bass=None,
        drums=None,
        vocal=1.0,
        choir=True,
        gain=(-28, -20),
        bars=2,
        tags=[[("choir", 0.6), ("choral", 0.4)], [("voices", 0.6), ("chorus", 0.4)]],
    ),
    "rock": dict(
        w=10,
        bpm=(100, 150),
        major=0.5,
        lead=["electric guitar"],
        chords=[("distorted guitar", "power"), ("electric guitar", "strum")],
        bass="bass",
        drums="rock",
        vocal=0.6,
        female=0.3,
        gain=(-16, -11),
        bars=1,
        tags=[["rock"]],
    ),
    "metal": dict(
        w=6,
        bpm=(140, 190),
        major=0.1,
        lead=["distorted guitar"],
        chords=[("distorted guitar", "power")],
        bass="bass",
        drums="metal",
        vocal=0.35,
        female=0.1,
        gain=(-14, -10),
        bars=1,
        low=True,
        tags=[
            [("metal", 0.7), ("heavy metal", 0.3)],
            [("hard rock", 0.5), ("rock", 0.5)],
            ["heavy"],
        ],
    ),
    "pop": dict(
        w=10,
        bpm=(90, 126),
        major=0.8,
        lead=["synth lead", "piano"],
        chords=[("piano", "block"), ("synth pad", "block"), ("acoustic guitar", "strum")],
        bass="synth bass",
        drums="pop",
        vocal=0.85,
        female=0.6,
        gain=(-19, -13),
        bars=1,
        tags=[["pop"]],
    ),
    "techno": dict(
        w=10,
        bpm=(124, 142),
        major=0.3,
        lead=["synth lead"],
        chords=[("synth pad", "stab")],
        bass="synth bass",
        drums="techno",
        vocal=0.0,
        gain=(-17, -12),
        bars=1,
        tags=[
            ["techno"],
            [("electronic", 0.7), ("electro", 0.3)],
            [("beat", 0.5), ("beats", 0.5)],
            ["dance"],
        ],
    ),
    "house": dict(
        w=5,
        bpm=(118, 128),
        major=0.6,
        lead=["piano"],
        chords=[("piano", "stab"), ("organ", "stab")],
        bass="synth bass",
        drums="house",
        vocal=0.4,
        female=0.8,
        gain=(-17, -12),
        bars=1,
        tags=[["dance"], ["house"], ["electronic"]],
    ),
    "electronic": dict(
        w=6,
        bpm=(90, 140),
        major=0.4,
        lead=["synth lead"],
        chords=[("synth pad", "arp")],
        bass="synth bass",
        drums="breakbeat",
        vocal=0.0,
        gain=(-20, -14),
        bars=1,
        tags=[[("electronic", 0.6), ("electronica", 0.2), ("electro", 0.2)], ["synth"], ["beats"]],
    ),
    "ambient": dict(
        w=8,
        bpm=(50, 80),
        major=0.5,
        lead=["flute", "synth pad"],
        chords=[("synth pad", "block")],
        bass=None,
        drums=None,
        vocal=0.0,
        gain=(-33, -24),
        bars=2,
        echo=True,
        tags=[["ambient"], [("spacey", 0.5), ("space", 0.2), ("airy", 0.3)], ["calm"]],
    ),
    "new age": dict(
        w=5,
        bpm=(55, 85),
        major=0.9,
        lead=["flute", "harp", "piano"],
        chords=[("synth pad", "block"), ("harp", "arp")],
        bass=None,
        drums=None,
        vocal=0.0,
        gain=(-30, -22),
        bars=2,
        echo=True,
        tags=[["new age"], [("mellow", 0.5), ("calm", 0.5)]],
    ),
    "country": dict(
        w=7,
        bpm=(95, 140),
        major=0.9,
        lead=["violin", "banjo"],
        chords=[("acoustic guitar", "strum")],
        bass="bass",
        drums="country",
        vocal=0.7,
        female=0.3,
        gain=(-20, -14),
        bars=1,
        tags=[["country"], [("folk", 0.5), ("acoustic", 0.5)]],
    ),
    "indian": dict(
        w=7,
        bpm=(70, 140),
        major=0.0,
        raga=True,
        lead=["sitar", "flute"],
        chords=[("sitar", "drone")],
        bass=None,
        drums="tabla",
        vocal=0.3,
        female=0.5,
        gain=(-22, -15),
        bars=2,
        tags=[
            [("indian", 0.7), ("india", 0.3)],
            [("eastern", 0.4), ("middle eastern", 0.2), ("oriental", 0.2), ("world", 0.2)],
        ],
    ),
    "jazz": dict(
        w=6,
        bpm=(100, 180),
        major=0.7,
        seventh=True,
        lead=["sax", "piano"],
        chords=[("piano", "block")],
        bass="bass",
        drums="jazz",
        vocal=0.2,
        female=0.7,
        gain=(-24, -16),
        bars=1,
        swing=0.33,
        tags=[[("jazz", 0.8), ("jazzy", 0.2)]],
    ),
}


def _progression(rng, major, raga, seventh):
    if raga:
        return [0] * 4
    options = (
        [[0, 4, 5, 3], [0, 3, 4, 4], [0, 5, 3, 4], [0, 3, 0, 4]]
        if major
        else [[0, 5, 2, 6], [0, 3, 4, 0], [0, 6, 5, 6], [0, 3, 6, 2]]
    )
    if seventh:
        options = [[1, 4, 0, 0], [0, 5, 1, 4]]
    return options[rng.integers(len(options))]


def _chord(scale, root, degree, *, seventh=False):
    steps = (0, 2, 4, 6) if seventh else (0, 2, 4)
    return [root + scale[(degree + s) % 7] + 12 * ((degree + s) // 7) for s in steps]


def music(sr: int, n: int, rng: np.random.Generator, genre: str, *, force_vocal=None):
    """Synthesise one music clip; returns (audio float32 [shape=(n,)], facts dict)."""
    g = GENRES[genre]
    synth = _Synth(sr, n, rng)
    seconds = n / sr
    bpm = float(rng.uniform(*g["bpm"]))
    beat = 60.0 / bpm
    major = bool(rng.random() < g["major"])
    scale = _RAGA if g.get("raga") else (_MAJOR if major else _MINOR)
    root = int(rng.integers(45, 57)) - (7 if g.get("low") else 0)
    weird = bool(rng.random() < 0.06)
    if weird:
        scale = sorted(rng.choice(12, size=7, replace=False).tolist())
    prog = _progression(rng, major, g.get("raga"), g.get("seventh"))
    bar = 4 * beat
    chord_len = bar * g["bars"]
    mix = {}
    facts = dict(
        genre=genre,
        bpm=bpm,
        major=major,
        weird=weird,
        instruments=[],
        vocal=None,
        drums=bool(g["drums"]),
    )

    # harmony
    chord_inst, style = g["chords"][rng.integers(len(g["chords"]))]
    facts["instruments"].append(chord_inst)
    harm = np.zeros(n, dtype=np.float32)
    n_chords = int(np.ceil(seconds / chord_len))
    for c in range(n_chords):
        t0 = c * chord_len
        notes = _chord(scale, root + 12, prog[c % len(prog)], seventh=g.get("seventh", False))
        if style == "block":
            for m in notes:
                synth.note(harm, t0, chord_len * 0.98, m, chord_inst, 0.25)
        elif style == "arp":
            step = beat / 2
            for s in range(int(chord_len / step)):
                synth.note(
                    harm,
                    t0 + s * step,
                    step * 1.5,
                    notes[s % len(notes)] + 12 * ((s // len(notes)) % 2),
                    chord_inst,
                    0.3,
                )
        elif style == "strum":
            for b in range(int(chord_len / beat)):
                for j, m in enumerate(notes + [notes[0] + 12]):
                    synth.note(harm, t0 + b * beat + 0.012 * j, beat * 0.9, m, chord_inst, 0.22)
        elif style == "power":
            for s in range(int(chord_len / (beat / 2))):
                for m in (notes[0] - 12, notes[0] - 5, notes[0]):
                    synth.note(harm, t0 + s * beat / 2, beat / 2 * 0.9, m, chord_inst, 0.3)
        elif style == "stab":
            for b in range(int(chord_len / beat)):
                for m in notes:
                    synth.note(harm, t0 + b * beat + beat / 2, beat * 0.25, m + 12, chord_inst, 0.3)
        elif style == "drone":
            for m in (root, root + 7, root + 12):
                synth.note(harm, t0, chord_len, m, "strings" if c % 2 else chord_inst, 0.15)
    mix["harmony"] = harm

    # bass
    if g["bass"]:
        facts["instruments"].append(g["bass"])
        bass = np.zeros(n, dtype=np.float32)
        per = (
            beat
            if genre in ("jazz", "metal")
            else (beat / 2 if genre in ("rock", "techno") else 2 * beat)
        )
        for s in range(int(seconds / per)):
            t0 = s * per
            chord = _chord(scale, root, prog[int(t0 / chord_len) % len(prog)])
            m = chord[0] - 12 if genre != "jazz" else chord[s % 3] - 12
            synth.note(
                bass, t0 + (per / 2 if genre == "techno" else 0), per * 0.85, m, g["bass"], 0.5
            )
        mix["bass"] = bass

    # melody: a two-bar motif, repeated with variations
    vocal = force_vocal if force_vocal is not None else bool(rng.random() < g["vocal"])
    motif, t = [], 0.0
    durations = [0.5, 1.0, 1.0, 2.0] if bpm < 130 else [0.5, 0.5, 1.0, 1.0]
    pos = int(rng.integers(0, 5))
    while t < 8:
        d = float(rng.choice(durations))
        pos = int(np.clip(pos + rng.integers(-2, 3), 0, 9))
        motif.append((t, d, pos, rng.random() < 0.15))
        t += d
    melody = []
    for rep in range(int(seconds / (8 * beat)) + 1):
        shift = int(rng.integers(-1, 2)) if rep % 2 else 0
        for t, d, p, rest in motif:
            if rest or rng.random() < 0.1:
                continue
            q = p + shift + (int(rng.integers(-1, 2)) if rng.random() < 0.3 else 0)
            melody.append(
                ((rep * 8 + t) * beat, d * beat * 0.95, root + 12 + scale[q % 7] + 12 * (q // 7))
            )
    if g.get("choir"):
        vocal = True
    if vocal:
        female = bool(rng.random() < g.get("female", 0.5))
        facts["vocal"] = "female" if female else "male"
        if g.get("choir"):
            chord_notes = [
                (c * chord_len, chord_len * 0.95, m)
                for c in range(n_chords)
                for m in _chord(scale, root + 12, prog[c % len(prog)])
            ]
            voices = _sing(synth, chord_notes, female=female, opera=False, amp=0.9)
            mix["vocal"] = voices
        else:
            shift = 12 if female else 0
            notes = [(s, d, m + shift - (12 if m + shift > 79 else 0)) for s, d, m in melody]
            mix["vocal"] = _sing(synth, notes, female=female, opera=bool(g.get("opera")), amp=0.9)
    if g["lead"] and (not vocal or rng.random() < 0.3):
        lead_inst = g["lead"][rng.integers(len(g["lead"]))]
        facts["instruments"].append(lead_inst)
        lead = np.zeros(n, dtype=np.float32)
        for s, d, m in melody:
            if (
                vocal and int(s / (8 * beat)) % 2 == 0
            ):  # with a singer, the lead plays in the breaks only
                continue
            bend = float(rng.choice([0.0, 0.0, 1.0, -1.0])) if lead_inst == "sitar" else 0.0
            synth.note(
                lead, s, d, m + (12 if lead_inst == "flute" else 0), lead_inst, 0.35, bend=bend
            )
        mix["lead"] = lead

    # drums
    if g["drums"]:
        d = np.zeros(n, dtype=np.float32)
        _drums(d, _drum_kit(sr, rng), g["drums"], bpm, sr, rng, amp=0.5, swing=g.get("swing", 0.0))
        mix["drums"] = d

    # mix: each layer at its own level, echo for spacey recipes
    levels = dict(harmony=0.8, bass=0.7, lead=1.0, vocal=1.1, drums=0.9)
    y = np.zeros(n, dtype=np.float32)
    for k, v in mix.items():
        y += levels[k] * v / (np.sqrt(np.mean(v**2)) + 1e-6) * 0.1
    if g.get("echo"):
        facts["echo"] = True
        for delay, gain in ((0.37, 0.45), (0.74, 0.25), (1.11, 0.12)):
            k = int(delay * sr)
            y[k:] += gain * y[:-k]
    return y, facts


def normalise(y, rms_db, *, compress: bool = False):
    """Scale ``y`` to an RMS level of ``rms_db`` dBFS, soft-clipping it when it would exceed ±0.98.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The signal.
    rms_db : float
        The target RMS level in dB relative to full scale (e.g. ``-20``).
    compress : bool
        Always pass the result through the ``tanh`` soft clipper.

    Returns
    -------
    np.ndarray [shape=(n,), dtype=float32]
    """
    y = y / (np.sqrt(np.mean(y**2)) + 1e-9) * 10 ** (rms_db / 20)
    if compress or np.abs(y).max() > 0.98:
        y = 0.98 * np.tanh(y / 0.98)
    return y.astype(np.float32)


# --------------------------------------------------------------------------------------
# Speech
# --------------------------------------------------------------------------------------


def speech(sr: int, n: int, rng: np.random.Generator):
    """Speech-like audio: syllables at 3.5-5.5 Hz, formant transitions, intonation, pauses.

    Four speakers in ten talk fluently (phrases up to 6 s, pauses of 0.05-0.3 s), the others
    pause as a reader does (phrases up to 3.5 s, pauses of 0.15-0.8 s).
    """
    hop = 128
    n_frames = n // hop + 2
    hop_s = hop / sr
    n_speakers = 1 if rng.random() < 0.6 else 2
    # a reader pauses often, a newsreader or a lively talker hardly at all
    fluent = bool(rng.random() < 0.4)
    longest_phrase, pause = (6.0, (0.05, 0.3)) if fluent else (3.5, (0.15, 0.8))
    speakers = []
    for _ in range(n_speakers):
        female = bool(rng.random() < 0.5)
        speakers.append(
            dict(
                f0=float(rng.uniform(170, 240) if female else rng.uniform(90, 140)),
                scale=1.17 if female else 1.0,
                rate=float(rng.uniform(3.5, 5.5)),
            )
        )
    f0 = np.zeros(n_frames, dtype=np.float32)
    voiced = np.zeros(n_frames, dtype=np.float32)
    noisy = np.zeros(n_frames, dtype=np.float32)
    centre = np.full(n_frames, 4000.0, dtype=np.float32)
    segments, scales = [], np.ones(n_frames, dtype=np.float32)
    t, turn_end, who = float(rng.uniform(0.05, 0.4)), 0.0, 0
    seconds = n / sr
    while t < seconds - 0.3:
        if t >= turn_end:
            who = (who + 1) % n_speakers
            turn_end = t + float(rng.uniform(3, 9))
        spk = speakers[who]
        phrase = float(rng.uniform(0.8, longest_phrase))
        end = min(t + phrase, seconds - 0.1)
        question = rng.random() < 0.2
        s = t
        while s < end:
            syl = float(np.clip(rng.normal(1 / spk["rate"], 0.05), 0.1, 0.4))
            a, b = int(s / hop_s), min(int((s + syl) / hop_s), n_frames)
            if b <= a:
                break
            frac = (s - t) / max(end - t, 1e-3)
            contour = spk["f0"] * (1.15 - 0.3 * frac + (0.35 * frac**3 if question else 0))
            stress = 1.0 + (float(rng.uniform(0.08, 0.25)) if rng.random() < 0.35 else 0.0)
            cons = int(rng.integers(0, 4))  # 0 none, 1 fricative, 2 plosive, 3 nasal
            c_len = {0: 0, 1: int(0.07 / hop_s), 2: int(0.025 / hop_s), 3: int(0.05 / hop_s)}[cons]
            c_len = min(c_len, (b - a) // 2)
            v = np.arange(b - a - c_len)
            shape = np.sin(
                np.pi * (v + 1) / (len(v) + 1)
            )  # syllable loudness arc: dips between syllables
            voiced[a + c_len : b] = shape * stress
            f0[a:b] = contour * stress * (1 + 0.02 * rng.standard_normal(b - a))  # + jitter
            if cons == 1:
                noisy[a : a + c_len] = float(rng.uniform(0.1, 0.25))
                centre[a : a + c_len] = float(rng.choice([2500, 4500, 6500]))
            elif cons == 2:
                noisy[a + c_len // 2 : a + c_len] = 0.5  # closure (silence), then the burst
                centre[a : a + c_len] = float(rng.uniform(1500, 4000))
            elif cons == 3:
                voiced[a : a + c_len] = 0.35
                segments.append((a * hop_s, 6))
            segments.append(((a + c_len) * hop_s, int(rng.integers(0, 6))))
            scales[a:b] = spk["scale"]
            s += syl
        t = end + float(rng.uniform(*pause))  # pause between phrases
    f0 = np.where(f0 > 0, f0, 120.0)
    frame_t = np.arange(n_frames) * hop_s
    ts = np.arange(n) / sr
    f0_s = np.interp(ts, frame_t, f0)
    phase = np.cumsum(f0_s) / sr
    synth = _Synth(sr, n, rng)
    glottal = synth.table(1.6, False, 40)
    source = glottal[((phase % 1.0) * _TABLE).astype(np.int32) % _TABLE] * np.interp(
        ts, frame_t, voiced
    )
    noise = rng.standard_normal(n).astype(np.float32) * np.interp(ts, frame_t, noisy).astype(
        np.float32
    )
    formants = _frames_from_segments(segments or [(0, 0)], n_frames, hop_s) * scales[:, None]

    def noise_shape(freqs, m):
        c = np.interp(np.linspace(0, n_frames - 1, m), np.arange(n_frames), centre)
        return 0.5 * np.exp(-0.5 * ((freqs[:, None] - c[None, :]) / 1500.0) ** 2)

    y = _formant_filter(
        source.astype(np.float32), formants, sr, noise=noise, noise_shape=noise_shape
    )
    y += 0.002 * rng.standard_normal(n).astype(np.float32)  # room / line noise
    return y, dict(speakers=n_speakers, fluent=fluent)


# --------------------------------------------------------------------------------------
# Recording channels and mixtures: what a microphone, a room and a broadcast add
# --------------------------------------------------------------------------------------


def channel(y, sr: int, rng: np.random.Generator):
    """Pass ``y`` through a random recording channel: band limits, an equaliser, a noise floor.

    Every real recording carries its channel: now and then a telephone or AM band (a low
    cut at 60-300 Hz in three clips of ten, a high cut at 3.4-11 kHz in one of five), a
    microphone's and a room's colouring (a spectral tilt of -3 to +2 dB per octave and a
    few broad peaks and dips of up to 4 dB), and a noise floor (white, pink or brown) 15 to
    45 dB below the signal. The channel is drawn independently of the content, so it
    tells nothing about the class, but it is the same throughout one clip: a fingerprint
    by which a model may recognise a recording.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The signal.
    sr : int
        Its sample rate.
    rng : np.random.Generator
        The clip's generator.

    Returns
    -------
    y : np.ndarray [shape=(n,), dtype=float32]
        The recorded signal, at the input's RMS level.
    facts : dict
        The channel drawn: ``low_hz``, ``high_hz``, ``tilt_db``, ``snr_db``, ``noise``.

    Example
    -------
    >>> y, facts = channel(np.ones(8000, dtype=np.float32), 8000, np.random.default_rng(0))
    >>> y.shape, sorted(facts)
    ((8000,), ['high_hz', 'low_hz', 'noise', 'snr_db', 'tilt_db'])
    """
    y = np.asarray(y, dtype=np.float32)
    n = len(y)
    rms = float(np.sqrt(np.mean(y**2))) + 1e-9
    freqs = np.fft.rfftfreq(n, 1 / sr)
    octaves = np.log2(np.maximum(freqs, 20.0) / 1000.0)
    low = float(rng.uniform(60, 300)) if rng.random() < 0.3 else float(rng.uniform(20, 60))
    high = float(rng.uniform(3400, 11000)) if rng.random() < 0.2 else sr / 2
    tilt = float(rng.uniform(-3, 2))  # dB per octave around 1 kHz
    gain_db = tilt * octaves
    for _ in range(int(rng.integers(1, 4))):  # broad resonances of a room or a microphone
        centre, width = float(rng.uniform(-2.5, 3)), float(rng.uniform(0.4, 1.2))
        gain_db += float(rng.uniform(-4, 4)) * np.exp(-0.5 * ((octaves - centre) / width) ** 2)
    gain = 10 ** (gain_db / 20) / np.sqrt(1 + (low / np.maximum(freqs, 1.0)) ** 4)
    gain /= np.sqrt(1 + (freqs / high) ** 8)
    out = np.fft.irfft(np.fft.rfft(y) * gain, n)
    kind = ["white", "pink", "brown"][int(rng.integers(3))]
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.maximum(freqs / 1000.0, 0.02) ** {"white": 0.0, "pink": 0.5, "brown": 1.0}[kind]
    noise = np.fft.irfft(spectrum * gain, n)
    snr = float(rng.uniform(15, 45))
    out_rms = np.sqrt(np.mean(out**2)) + 1e-9
    out += noise / (np.sqrt(np.mean(noise**2)) + 1e-9) * out_rms * 10 ** (-snr / 20)
    out *= rms / (np.sqrt(np.mean(out**2)) + 1e-9)
    return out.astype(np.float32), dict(
        low_hz=low, high_hz=high, tilt_db=tilt, snr_db=snr, noise=kind
    )


def mix(foreground, background, *, below_db: float):
    """``foreground`` with ``background`` added ``below_db`` dB below it (RMS), same length.

    Example
    -------
    >>> a, b = np.ones(4, dtype=np.float32), np.ones(4, dtype=np.float32)
    >>> [round(float(v), 2) for v in mix(a, b, below_db=20)]
    [1.1, 1.1, 1.1, 1.1]
    """
    fg = np.asarray(foreground, dtype=np.float32)
    bg = np.asarray(background, dtype=np.float32)[: len(fg)]
    scale = np.sqrt(np.mean(fg**2)) / (np.sqrt(np.mean(bg**2)) + 1e-9) * 10 ** (-below_db / 20)
    return (fg + scale * bg).astype(np.float32)
