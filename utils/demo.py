"""Offline demo datasets: synthetic but learnable audio in the real datasets' layouts.

When the real GTZAN Music/Speech or MagnaTagATune data are not there (no download, bad
Wi-Fi, CI), the notebooks run on these instead; :func:`utils.datasets.locate` generates
them on first use. Every file has the real format, so the same loaders read both:

- ``gtzan_music_speech/music_speech/{music_wav,speech_wav}/*.wav``: 22,050 Hz mono
  16-bit, 30 s. Music clips are pieces in one of 14 genre recipes; speech clips have a
  syllable rhythm of 3.5-5.5 Hz, formant transitions between vowels, noise-like
  consonants, an intonation contour and pauses, from one or two speakers. Both classes
  are normalised to the same loudness range, so loudness alone does not separate them.
- ``magnatagatune/{annotations_final.csv,clip_info_final.csv,mp3/0..f/*.mp3}``: 16 kHz
  mono mp3 of 29.15 s, spread evenly over the 16 folders, with the real 188 tag columns.
  Each clip comes from a recipe (genre, instruments with their timbre and envelope, key
  and mode, chord progression, a repeated melody, drums at a tempo, sung vowels with
  vibrato for vocal clips, loudness, echo), and its tags follow from the recipe through a
  simulated annotator who misses about a third of the true tags, uses synonyms
  inconsistently (``vocal``/``vocals``, ``no vocal``/``no vocals``/``no voice``,
  ``classical``/``classic``, ``harpsichord``/``harpsicord``) and now and then adds a
  wrong tag, so models learn well but not perfectly.

Everything depends only on the seed (each clip has its own seed), so the output is
byte-identical between runs and independent of the number of workers.

Command line::

    python -m utils.demo            # full demo in <data>/demo       (about 930 files)
    python -m utils.demo --quick    # quick demo in <data>/demo-quick (seconds)
    python -m utils.demo --force    # generate again even if complete
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from . import config, datasets

__all__ = ["generate", "is_complete", "music_genres", "SIZES", "MARKER", "DEMO_VERSION", "GENRES", "MTAT_SAMPLES"]

#: Bumped whenever the generated data change; a demo made by another version is regenerated.
DEMO_VERSION = 1
#: Written last into each generated dataset folder: its presence means "complete".
MARKER = ".demo-complete.json"
#: How many clips each variant has: GTZAN clips per class, MTAT clips per folder (x16).
SIZES = {
    "full": {"gtzan_per_class": 64, "mtat_per_folder": 50},
    "quick": {"gtzan_per_class": 16, "mtat_per_folder": 10},
}
#: Length of a demo MTAT clip in samples at 16 kHz (29.15 s: passes the 29.1 s filter).
MTAT_SAMPLES = 466_400

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

# the tags a true instrument implies: (concept tags, each a list of synonyms with weights)
_INSTRUMENT_TAGS = {
    "piano": [["piano"]],
    "harpsichord": [[("harpsichord", 0.85), ("harpsicord", 0.15)]],
    "acoustic guitar": [["guitar"], [("acoustic guitar", 0.6), ("acoustic", 0.4)]],
    "electric guitar": [["guitar"], [("electric guitar", 0.7), ("electric", 0.3)]],
    "distorted guitar": [["guitar"], [("electric guitar", 0.6), ("guitars", 0.4)], ["heavy"]],
    "banjo": [["banjo"], ["guitar"]],
    "harp": [["harp"]],
    "sitar": [["sitar"]],
    "violin": [[("violin", 0.7), ("violins", 0.15), ("fiddle", 0.15)], ["strings"]],
    "cello": [["cello"], ["strings"]],
    "strings": [[("strings", 0.75), ("string", 0.15), ("orchestra", 0.1)], [("violin", 0.6), ("violins", 0.4)]],
    "flute": [[("flute", 0.8), ("flutes", 0.2)]],
    "organ": [["organ"]],
    "synth pad": [[("synth", 0.8), ("synthesizer", 0.2)]],
    "synth lead": [[("synth", 0.8), ("synthesizer", 0.2)]],
    "synth bass": [[("synth", 0.9), ("bass", 0.1)]],
    "bass": [["bass"]],
    "sax": [["sax"]],
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
                amps = [k ** -tilt for k in ks]
            w = sum(a * np.sin(_TWO_PI * k * x) for k, a in zip(ks, amps))
            self._tables[key] = (w / (np.abs(w).max() + 1e-9)).astype(np.float32)
        return self._tables[key]

    def note(self, out, start: float, dur: float, midi: float, inst: str, amp: float, *, bend: float = 0.0,
             vib: float | None = None):
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
                freq *= np.exp2(depth / 12 * onset * np.sin(_TWO_PI * p["vib_rate"] * t + self.rng.uniform(0, 6.28)))
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
            env[n - m:] *= np.linspace(1, 0, m, dtype=np.float32) ** 2
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
    snare = (0.7 * noise * np.exp(-t * 22) + 0.5 * np.sin(_TWO_PI * 185 * t) * np.exp(-t * 30))
    hiss = np.diff(noise, prepend=0.0)  # first difference: a crude high-pass
    hat = 0.35 * hiss * np.exp(-t * 60)
    open_hat = 0.3 * hiss * np.exp(-t * 12)
    clap = 0.6 * hiss * (np.exp(-t * 25) * (1 + 0.6 * (np.sin(_TWO_PI * 90 * t) > 0.5)))
    ride = 0.2 * hiss * np.exp(-t * 8) + 0.08 * np.sin(_TWO_PI * 3200 * t) * np.exp(-t * 6)
    tabla_hi = np.sin(_TWO_PI * np.cumsum(420 + 80 * np.exp(-t * 20)) / sr) * np.exp(-t * 10)
    tabla_lo = np.sin(_TWO_PI * np.cumsum(95 + 60 * np.exp(-t * 8)) / sr) * np.exp(-t * 6)
    kit = dict(kick=kick, snare=snare, hat=hat, open_hat=open_hat, clap=clap, ride=ride,
               tabla_hi=tabla_hi, tabla_lo=tabla_lo)
    return {k: (v / np.abs(v).max()).astype(np.float32) for k, v in kit.items()}


# 16 steps per bar; "x" = hit, "o" = soft hit
_PATTERNS = {
    "rock": dict(kick="x.......x.x.....", snare="....x.......x...", hat="x.x.x.x.x.x.x.x."),
    "metal": dict(kick="xxxxxxxxxxxxxxxx", snare="....x.......x...", hat="x...x...x...x..."),
    "pop": dict(kick="x......xx.......", snare="....x.......x...", hat="x.o.x.o.x.o.x.o."),
    "techno": dict(kick="x...x...x...x...", open_hat="..x...x...x...x.", clap="....x.......x...", hat="xoxoxoxoxoxoxoxo"),
    "house": dict(kick="x...x...x...x...", open_hat="..x...x...x...x.", clap="....x.......x..."),
    "breakbeat": dict(kick="x.....x...x.....", snare="....x.......x..o", hat="x.x.x.x.x.x.x.x."),
    "country": dict(kick="x.......x.......", snare="....x.......x...", hat="oxoxoxoxoxoxoxox"),
    "jazz": dict(ride="x...x.xox...x.xo", kick="o.......o.......", hat="....x.......x..."),
    "tabla": dict(tabla_lo="x.....x...x.....", tabla_hi="..x.x...x.x.xx.x"),
}


def _drums(out, kit, pattern: str, bpm: float, sr: int, rng, *, amp: float, start: float = 0.0, swing: float = 0.0):
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
_VOWELS = np.array([[730, 1090, 2440], [530, 1840, 2480], [270, 2290, 3010], [570, 840, 2410], [300, 870, 2240],
                    [660, 1720, 2410], [490, 1350, 1690]], dtype=np.float32)
_BANDWIDTHS = np.array([90, 120, 170], dtype=np.float32)


def _formant_filter(x, formants, sr, *, n_fft=512, noise=None, noise_shape=None):
    """Filter ``x`` by a time-varying formant envelope; ``formants`` has shape (n_frames, 3)."""
    from scipy.signal import istft, stft

    hop = n_fft // 4
    _, _, X = stft(x, fs=sr, nperseg=n_fft, noverlap=n_fft - hop, boundary="even", padded=True)
    freqs = np.fft.rfftfreq(n_fft, 1 / sr).astype(np.float32)
    F = np.interp(np.arange(X.shape[1]), np.linspace(0, X.shape[1] - 1, len(formants)), np.arange(len(formants)))
    fr = formants[np.clip(np.round(F).astype(int), 0, len(formants) - 1)]  # (frames, 3)
    env = 0.015 + sum(
        g / (1 + ((freqs[:, None] - fr[None, :, j]) / _BANDWIDTHS[j]) ** 2) for j, g in enumerate((1.0, 0.6, 0.3))
    )
    Y = X * env
    if noise is not None:
        _, _, N = stft(noise, fs=sr, nperseg=n_fft, noverlap=n_fft - hop, boundary="even", padded=True)
        Y = Y + N * noise_shape(freqs, X.shape[1])
    _, y = istft(Y, fs=sr, nperseg=n_fft, noverlap=n_fft - hop, boundary=True)
    return y[: len(x)].astype(np.float32)


def _frames_from_segments(segments, n_frames, hop_s):
    """(n_frames, 3) formant track from [(start_s, vowel_index)], with smooth transitions."""
    idx = np.zeros(n_frames, dtype=int)
    for start, v in segments:
        idx[int(start / hop_s):] = v
    track = _VOWELS[idx]
    k = 5  # ~40-60 ms moving average: formant transitions instead of jumps
    kernel = np.ones(k) / k
    return np.stack([np.convolve(np.pad(track[:, j], (k // 2, k // 2), mode="edge"), kernel, "valid")
                     for j in range(3)], axis=1).astype(np.float32)


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
    formants = _frames_from_segments(segments or [(0, 0)], n_frames, hop_s) * (1.17 if female else 1.0)
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
    "classical": dict(w=14, bpm=(60, 118), major=0.6, lead=["violin", "flute", "piano", "cello", "harpsichord", "harp"],
                      chords=[("strings", "block"), ("piano", "arp"), ("harpsichord", "arp"), ("harp", "arp")],
                      bass="cello", drums=None, vocal=0.0, gain=(-32, -21), bars=2,
                      tags=[[("classical", 0.7), ("classic", 0.2), ("clasical", 0.1)]]),
    "opera": dict(w=6, bpm=(60, 100), major=0.5, lead=[], chords=[("strings", "block"), ("piano", "arp")],
                  bass="cello", drums=None, vocal=1.0, female=0.7, opera=True, gain=(-26, -18), bars=2,
                  tags=[["opera"], [("operatic", 0.6), ("classical", 0.4)]]),
    "choir": dict(w=4, bpm=(50, 80), major=0.6, lead=[], chords=[("organ", "block")], bass=None, drums=None,
                  vocal=1.0, choir=True, gain=(-28, -20), bars=2,
                  tags=[[("choir", 0.6), ("choral", 0.4)], [("voices", 0.6), ("chorus", 0.4)]]),
    "rock": dict(w=10, bpm=(100, 150), major=0.5, lead=["electric guitar"],
                 chords=[("distorted guitar", "power"), ("electric guitar", "strum")], bass="bass", drums="rock",
                 vocal=0.6, female=0.3, gain=(-16, -11), bars=1, tags=[["rock"]]),
    "metal": dict(w=6, bpm=(140, 190), major=0.1, lead=["distorted guitar"], chords=[("distorted guitar", "power")],
                  bass="bass", drums="metal", vocal=0.35, female=0.1, gain=(-14, -10), bars=1, low=True,
                  tags=[[("metal", 0.7), ("heavy metal", 0.3)], [("hard rock", 0.5), ("rock", 0.5)], ["heavy"]]),
    "pop": dict(w=10, bpm=(90, 126), major=0.8, lead=["synth lead", "piano"],
                chords=[("piano", "block"), ("synth pad", "block"), ("acoustic guitar", "strum")], bass="synth bass",
                drums="pop", vocal=0.85, female=0.6, gain=(-19, -13), bars=1, tags=[["pop"]]),
    "techno": dict(w=10, bpm=(124, 142), major=0.3, lead=["synth lead"], chords=[("synth pad", "stab")],
                   bass="synth bass", drums="techno", vocal=0.0, gain=(-17, -12), bars=1,
                   tags=[["techno"], [("electronic", 0.7), ("electro", 0.3)], [("beat", 0.5), ("beats", 0.5)], ["dance"]]),
    "house": dict(w=5, bpm=(118, 128), major=0.6, lead=["piano"], chords=[("piano", "stab"), ("organ", "stab")],
                  bass="synth bass", drums="house", vocal=0.4, female=0.8, gain=(-17, -12), bars=1,
                  tags=[["dance"], ["house"], ["electronic"]]),
    "electronic": dict(w=6, bpm=(90, 140), major=0.4, lead=["synth lead"], chords=[("synth pad", "arp")],
                       bass="synth bass", drums="breakbeat", vocal=0.0, gain=(-20, -14), bars=1,
                       tags=[[("electronic", 0.6), ("electronica", 0.2), ("electro", 0.2)], ["synth"], ["beats"]]),
    "ambient": dict(w=8, bpm=(50, 80), major=0.5, lead=["flute", "synth pad"], chords=[("synth pad", "block")],
                    bass=None, drums=None, vocal=0.0, gain=(-33, -24), bars=2, echo=True,
                    tags=[["ambient"], [("spacey", 0.5), ("space", 0.2), ("airy", 0.3)], ["calm"]]),
    "new age": dict(w=5, bpm=(55, 85), major=0.9, lead=["flute", "harp", "piano"], chords=[("synth pad", "block"), ("harp", "arp")],
                    bass=None, drums=None, vocal=0.0, gain=(-30, -22), bars=2, echo=True,
                    tags=[["new age"], [("mellow", 0.5), ("calm", 0.5)]]),
    "country": dict(w=7, bpm=(95, 140), major=0.9, lead=["violin", "banjo"], chords=[("acoustic guitar", "strum")],
                    bass="bass", drums="country", vocal=0.7, female=0.3, gain=(-20, -14), bars=1,
                    tags=[["country"], [("folk", 0.5), ("acoustic", 0.5)]]),
    "indian": dict(w=7, bpm=(70, 140), major=0.0, raga=True, lead=["sitar", "flute"], chords=[("sitar", "drone")],
                   bass=None, drums="tabla", vocal=0.3, female=0.5, gain=(-22, -15), bars=2,
                   tags=[[("indian", 0.7), ("india", 0.3)], [("eastern", 0.4), ("middle eastern", 0.2), ("oriental", 0.2), ("world", 0.2)]]),
    "jazz": dict(w=6, bpm=(100, 180), major=0.7, seventh=True, lead=["sax", "piano"], chords=[("piano", "block")],
                 bass="bass", drums="jazz", vocal=0.2, female=0.7, gain=(-24, -16), bars=1, swing=0.33,
                 tags=[[("jazz", 0.8), ("jazzy", 0.2)]]),
}


def _progression(rng, major, raga, seventh):
    if raga:
        return [0] * 4
    options = [[0, 4, 5, 3], [0, 3, 4, 4], [0, 5, 3, 4], [0, 3, 0, 4]] if major else \
        [[0, 5, 2, 6], [0, 3, 4, 0], [0, 6, 5, 6], [0, 3, 6, 2]]
    if seventh:
        options = [[1, 4, 0, 0], [0, 5, 1, 4]]
    return options[rng.integers(len(options))]


def _chord(scale, root, degree, *, seventh=False):
    steps = (0, 2, 4, 6) if seventh else (0, 2, 4)
    return [root + scale[(degree + s) % 7] + 12 * ((degree + s) // 7) for s in steps]


def _music(sr: int, n: int, rng: np.random.Generator, genre: str, *, force_vocal=None):
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
    facts = dict(genre=genre, bpm=bpm, major=major, weird=weird, instruments=[], vocal=None, drums=bool(g["drums"]))

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
                synth.note(harm, t0 + s * step, step * 1.5, notes[s % len(notes)] + 12 * ((s // len(notes)) % 2), chord_inst, 0.3)
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
        per = beat if genre in ("jazz", "metal") else (beat / 2 if genre in ("rock", "techno") else 2 * beat)
        for s in range(int(seconds / per)):
            t0 = s * per
            chord = _chord(scale, root, prog[int(t0 / chord_len) % len(prog)])
            m = chord[0] - 12 if genre != "jazz" else chord[s % 3] - 12
            synth.note(bass, t0 + (per / 2 if genre == "techno" else 0), per * 0.85, m, g["bass"], 0.5)
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
        for (t, d, p, rest) in motif:
            if rest or rng.random() < 0.1:
                continue
            q = p + shift + (int(rng.integers(-1, 2)) if rng.random() < 0.3 else 0)
            melody.append(((rep * 8 + t) * beat, d * beat * 0.95, root + 12 + scale[q % 7] + 12 * (q // 7)))
    if g.get("choir"):
        vocal = True
    if vocal:
        female = bool(rng.random() < g.get("female", 0.5))
        facts["vocal"] = "female" if female else "male"
        if g.get("choir"):
            chord_notes = [(c * chord_len, chord_len * 0.95, m)
                           for c in range(n_chords) for m in _chord(scale, root + 12, prog[c % len(prog)])]
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
            if vocal and int(s / (8 * beat)) % 2 == 0:  # with a singer, the lead plays in the breaks only
                continue
            bend = float(rng.choice([0.0, 0.0, 1.0, -1.0])) if lead_inst == "sitar" else 0.0
            synth.note(lead, s, d, m + (12 if lead_inst == "flute" else 0), lead_inst, 0.35, bend=bend)
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
        y += levels[k] * v / (np.sqrt(np.mean(v ** 2)) + 1e-6) * 0.1
    if g.get("echo"):
        facts["echo"] = True
        for delay, gain in ((0.37, 0.45), (0.74, 0.25), (1.11, 0.12)):
            k = int(delay * sr)
            y[k:] += gain * y[:-k]
    return y, facts


def _normalise(y, rms_db, *, compress: bool = False):
    y = y / (np.sqrt(np.mean(y ** 2)) + 1e-9) * 10 ** (rms_db / 20)
    if compress or np.abs(y).max() > 0.98:
        y = 0.98 * np.tanh(y / 0.98)
    return y.astype(np.float32)


# --------------------------------------------------------------------------------------
# Speech
# --------------------------------------------------------------------------------------


def _speech(sr: int, n: int, rng: np.random.Generator):
    """Speech-like audio: syllables at 3.5-5.5 Hz, formant transitions, intonation, pauses."""
    hop = 128
    n_frames = n // hop + 2
    hop_s = hop / sr
    n_speakers = 1 if rng.random() < 0.6 else 2
    speakers = []
    for _ in range(n_speakers):
        female = bool(rng.random() < 0.5)
        speakers.append(dict(f0=float(rng.uniform(170, 240) if female else rng.uniform(90, 140)),
                             scale=1.17 if female else 1.0, rate=float(rng.uniform(3.5, 5.5))))
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
        phrase = float(rng.uniform(0.8, 3.5))
        end = min(t + phrase, seconds - 0.1)
        question = rng.random() < 0.2
        s = t
        while s < end:
            syl = float(np.clip(rng.normal(1 / spk["rate"], 0.05), 0.1, 0.4))
            a, b = int(s / hop_s), min(int((s + syl) / hop_s), n_frames)
            if b <= a:
                break
            frac = (s - t) / max(end - t, 1e-3)
            contour = spk["f0"] * (1.15 - 0.3 * frac + (0.35 * frac ** 3 if question else 0))
            stress = 1.0 + (float(rng.uniform(0.08, 0.25)) if rng.random() < 0.35 else 0.0)
            cons = int(rng.integers(0, 4))  # 0 none, 1 fricative, 2 plosive, 3 nasal
            c_len = {0: 0, 1: int(0.07 / hop_s), 2: int(0.025 / hop_s), 3: int(0.05 / hop_s)}[cons]
            c_len = min(c_len, (b - a) // 2)
            v = np.arange(b - a - c_len)
            shape = np.sin(np.pi * (v + 1) / (len(v) + 1))  # syllable loudness arc: dips between syllables
            voiced[a + c_len: b] = shape * stress
            f0[a:b] = contour * stress * (1 + 0.02 * rng.standard_normal(b - a))  # + jitter
            if cons == 1:
                noisy[a: a + c_len] = float(rng.uniform(0.1, 0.25))
                centre[a: a + c_len] = float(rng.choice([2500, 4500, 6500]))
            elif cons == 2:
                noisy[a + c_len // 2: a + c_len] = 0.5  # closure (silence), then the burst
                centre[a: a + c_len] = float(rng.uniform(1500, 4000))
            elif cons == 3:
                voiced[a: a + c_len] = 0.35
                segments.append((a * hop_s, 6))
            segments.append(((a + c_len) * hop_s, int(rng.integers(0, 6))))
            scales[a:b] = spk["scale"]
            s += syl
        t = end + float(rng.uniform(0.15, 0.8))  # pause between phrases
    f0 = np.where(f0 > 0, f0, 120.0)
    frame_t = np.arange(n_frames) * hop_s
    ts = np.arange(n) / sr
    f0_s = np.interp(ts, frame_t, f0)
    phase = np.cumsum(f0_s) / sr
    synth = _Synth(sr, n, rng)
    glottal = synth.table(1.6, False, 40)
    source = glottal[((phase % 1.0) * _TABLE).astype(np.int32) % _TABLE] * np.interp(ts, frame_t, voiced)
    noise = rng.standard_normal(n).astype(np.float32) * np.interp(ts, frame_t, noisy).astype(np.float32)
    formants = _frames_from_segments(segments or [(0, 0)], n_frames, hop_s) * scales[:, None]

    def noise_shape(freqs, m):
        c = np.interp(np.linspace(0, n_frames - 1, m), np.arange(n_frames), centre)
        return 0.5 * np.exp(-0.5 * ((freqs[:, None] - c[None, :]) / 1500.0) ** 2)

    y = _formant_filter(source.astype(np.float32), formants, sr, noise=noise, noise_shape=noise_shape)
    y += 0.002 * rng.standard_normal(n).astype(np.float32)  # room / line noise
    return y, dict(speakers=n_speakers)


# --------------------------------------------------------------------------------------
# Tags: what a (noisy) annotator writes for a clip
# --------------------------------------------------------------------------------------

_VOCAL_CONCEPTS = {
    "any": [[("vocal", 0.45), ("vocals", 0.3), ("singing", 0.15), ("voice", 0.1)]],
    "female": [[("female", 0.4), ("woman", 0.15), ("female vocal", 0.15), ("female voice", 0.1), ("female singer", 0.1),
                ("female vocals", 0.05), ("woman singing", 0.05)]],
    "male": [[("male", 0.35), ("man", 0.15), ("male vocal", 0.15), ("male voice", 0.15), ("male singer", 0.08),
              ("male vocals", 0.07), ("man singing", 0.05)]],
}
_NO_VOCAL = [[("no vocals", 0.3), ("no vocal", 0.25), ("no voice", 0.2), ("instrumental", 0.1), ("no singing", 0.07),
              ("no voices", 0.05), ("no singer", 0.03)]]


def _concepts(facts, rms_db) -> list:
    """The true concepts of a clip: list of (salience, list of synonyms with weights)."""
    g = GENRES[facts["genre"]]
    out = [(0.85, c) for c in g["tags"]]
    for inst in dict.fromkeys(facts["instruments"]):
        out += [(0.7, c) for c in _INSTRUMENT_TAGS.get(inst, [])]
    if facts["drums"]:
        out.append((0.5, [("drums", 0.6), ("drum", 0.1), ("percussion", 0.3)]))
        out.append((0.4, [("beat", 0.6), ("beats", 0.4)]))
    else:
        out.append((0.15, [("no drums", 0.6), ("no beat", 0.4)]))
    if facts["vocal"]:
        out += [(0.8, c) for c in _VOCAL_CONCEPTS["any"]]
        out += [(0.75, c) for c in _VOCAL_CONCEPTS[facts["vocal"]]]
        if g.get("opera"):
            out.append((0.6, [("female opera", 0.5), ("soprano", 0.5)] if facts["vocal"] == "female" else [("male opera", 1.0)]))
    else:
        out += [(0.7, c) for c in _NO_VOCAL]
    if facts["bpm"] >= 130:
        out.append((0.7, [("fast", 0.8), ("fast beat", 0.1), ("quick", 0.1)]))
    elif facts["bpm"] <= 85:
        out.append((0.7, [("slow", 1.0)]))
    if rms_db >= -15:
        out.append((0.7, [("loud", 1.0)]))
    elif rms_db <= -25:
        out.append((0.7, [("quiet", 0.6), ("soft", 0.4)]))
    if facts["major"] and facts["bpm"] >= 110 and not facts["weird"]:
        out.append((0.45, [("happy", 0.5), ("upbeat", 0.5)]))
    if not facts["major"] and facts["bpm"] <= 95:
        out.append((0.45, [("sad", 0.5), ("dark", 0.3), ("eerie", 0.2)]))
    if facts["bpm"] <= 90 and not facts["drums"]:
        out.append((0.4, [("calm", 0.5), ("mellow", 0.3), ("soft", 0.2)]))
    if facts.get("echo"):
        out.append((0.5, [("spacey", 0.6), ("echo", 0.2), ("airy", 0.2)]))
    if facts["weird"]:
        out.append((0.8, [("weird", 0.6), ("strange", 0.4)]))
    if len(facts["instruments"]) == 1 and not facts["vocal"] and not facts["drums"]:
        out.append((0.5, [("solo", 1.0)]))
    if facts["genre"] in ("classical", "opera", "choir", "ambient", "new age", "indian", "jazz") and not facts["drums"]:
        out.append((0.2, [("not rock", 1.0)]))
    return out


def _annotate(facts, rms_db, rng) -> set:
    tags = set()
    for salience, synonyms in _concepts(facts, rms_db):
        if rng.random() > 0.25 + 0.55 * salience:  # annotators miss tags, less so the salient ones
            continue
        names = [s if isinstance(s, str) else s[0] for s in synonyms]
        weights = np.array([1.0 if isinstance(s, str) else s[1] for s in synonyms])
        tags.add(names[rng.choice(len(names), p=weights / weights.sum())])
        if len(names) > 1 and rng.random() < 0.15:  # sometimes a second synonym too
            tags.add(names[rng.choice(len(names), p=weights / weights.sum())])
    if rng.random() < 0.12:  # a wrong tag now and then
        tags.add(datasets.TAGS_188[rng.integers(len(datasets.TAGS_188))])
    return tags


# --------------------------------------------------------------------------------------
# Plans and workers
# --------------------------------------------------------------------------------------

_WORDS = ("amber", "lantern", "velvet", "harbor", "quiet", "north", "river", "paper", "glass", "echo", "maple",
          "silver", "cloud", "ember", "stone", "willow", "copper", "meadow", "night", "signal", "orchid", "drift")


def _genre_sequence(count: int, rng) -> list:
    names = list(GENRES)
    w = np.array([GENRES[k]["w"] for k in names], dtype=float)
    quota = np.maximum(1, np.round(w / w.sum() * count)).astype(int)
    while quota.sum() > count:
        quota[quota.argmax()] -= 1
    while quota.sum() < count:
        quota[quota.argmin()] += 1
    seq = [names[i] for i, q in enumerate(quota) for _ in range(q)]
    return [seq[i] for i in rng.permutation(len(seq))]


def _mtat_plan(per_folder: int, seed: int) -> list:
    rng = np.random.default_rng([seed, 1])
    count = 16 * per_folder
    genres = _genre_sequence(count, rng)
    plan = []
    for i in range(count):
        folder = datasets.MTAT_FOLDERS[i % 16]
        genre = genres[i]
        artist = f"{_WORDS[rng.integers(len(_WORDS))]}_{_WORDS[rng.integers(len(_WORDS))]}_{genre.replace(' ', '_')}"
        album = f"demo_{_WORDS[rng.integers(len(_WORDS))]}_sessions"
        track = int(rng.integers(1, 13))
        title = f"{_WORDS[rng.integers(len(_WORDS))]}_{_WORDS[rng.integers(len(_WORDS))]}"
        start = 29 * int(rng.integers(0, 8)) + 1
        mp3 = f"{folder}/{artist}-{album}-{track:02d}-{title}-{start}-{start + 29}.mp3"
        plan.append(dict(clip_id=2 + 3 * i, folder=folder, genre=genre, artist=artist, album=album, track=track,
                         title=title, start=start, mp3_path=mp3))
    return plan


def _mtat_clip(item: dict, out_dir: str, seed: int) -> dict:
    import soundfile as sf

    rng = np.random.default_rng([seed, 2, item["clip_id"]])
    y, facts = _music(datasets.MTAT_SR, MTAT_SAMPLES, rng, item["genre"])
    lo, hi = GENRES[item["genre"]]["gain"]
    rms_db = float(rng.uniform(lo, hi))
    y = _normalise(y, rms_db, compress=rms_db > -15)
    path = Path(out_dir) / "mp3" / item["mp3_path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, datasets.MTAT_SR, format="MP3", subtype="MPEG_LAYER_III")
    return dict(item, tags=sorted(_annotate(facts, rms_db, rng)))


def _gtzan_clip(kind: str, index: int, out_dir: str, seed: int, genre: str | None) -> str:
    import soundfile as sf

    rng = np.random.default_rng([seed, 3, 0 if kind == "music" else 1, index])
    n = int(datasets.GTZAN_SECONDS * datasets.GTZAN_SR)
    if kind == "music":
        y, _ = _music(datasets.GTZAN_SR, n, rng, genre)
    else:
        y, _ = _speech(datasets.GTZAN_SR, n, rng)
    y = _normalise(y, float(rng.uniform(-30, -16)))  # the same loudness range for both classes
    stem = {"music": "music", "speech": "speech"}[kind]
    path = Path(out_dir) / "music_speech" / f"{kind}_wav" / f"{stem}_{index:03d}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, datasets.GTZAN_SR, subtype="PCM_16")
    return str(path)


def _run(tasks, n_jobs: int, desc: str, verbose: bool):
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    if n_jobs == 1:
        jobs = (f(*a) for f, a in tasks)
    else:
        jobs = Parallel(n_jobs=n_jobs, return_as="generator", batch_size=1)(delayed(f)(*a) for f, a in tasks)
    return list(tqdm(jobs, total=len(tasks), desc=desc, unit="clip", mininterval=0.5, disable=not verbose))


def _write_mtat_csvs(out: Path, rows: list) -> None:
    header = ["clip_id", *datasets.TAGS_188, "mp3_path"]
    with open(out / datasets.ANNOTATION_FILE, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            tags = set(r["tags"])
            w.writerow([r["clip_id"], *(1 if t in tags else 0 for t in datasets.TAGS_188), r["mp3_path"]])
    with open(out / datasets.CLIP_INFO_FILE, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(datasets.CLIP_INFO_COLUMNS)
        for r in rows:
            title = r["title"].replace("_", " ")
            w.writerow([r["clip_id"], r["track"], title, r["artist"].replace("_", " "), r["album"].replace("_", " "),
                        f"https://example.org/demo/{r['artist']}/{r['album']}", r["start"], r["start"] + 29,
                        f"https://example.org/demo/{r['artist']}/{r['track']:02d}-{r['title']}.mp3", r["mp3_path"]])


def music_genres(path) -> dict:
    """The genre recipe of each music clip of a GTZAN Music/Speech demo folder.

    Returns
    -------
    dict of str to str
        File name (``music_000.wav``) to genre (a key of :data:`GENRES`); empty for real data
        or a demo made before genres were recorded.
    """
    marker = Path(path) / MARKER
    if not marker.is_file():
        return {}
    return json.loads(marker.read_text(encoding="utf-8")).get("genres", {})


def is_complete(path) -> bool:
    """True when ``path`` is a demo dataset folder whose generation finished (its marker exists).

    Example
    -------
    >>> is_complete("/nonexistent")
    False
    """
    marker = Path(path) / MARKER
    if not marker.is_file():
        return False
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("version") == DEMO_VERSION
    except ValueError:
        return False


def generate(root=None, *, quick: bool = False, datasets=("gtzan_music_speech", "magnatagatune"), seed: int = config.SEED,
             n_jobs: int = -1, force: bool = False, verbose: bool = True, size: dict | None = None) -> dict:
    """Generate the demo datasets (skipping those already complete).

    Parameters
    ----------
    root : str or pathlib.Path, optional
        Folder that receives ``gtzan_music_speech/`` and ``magnatagatune/``; default
        ``<data>/demo`` (or ``<data>/demo-quick`` with ``quick=True``).
    quick : bool
        The small variant (16 + 16 GTZAN clips, 160 MTAT clips) instead of the full one
        (64 + 64 and 800); see :data:`SIZES`.
    datasets : sequence of str
        Which datasets to generate.
    seed : int
        Everything depends on it; the same seed gives byte-identical files.
    n_jobs : int
        Worker processes (joblib); ``-1`` uses all cores. The output does not depend on it.
    force : bool
        Generate again even when complete.
    verbose : bool
        Print one line per dataset and show a progress bar.
    size : dict, optional
        Overrides the entry of :data:`SIZES` (keys ``gtzan_per_class``, ``mtat_per_folder``),
        e.g. for a tiny set in tests.

    Returns
    -------
    dict of str to pathlib.Path
        The folder of each dataset.

    Notes
    -----
    Each dataset is written into a temporary folder, the marker file :data:`MARKER` last,
    and then renamed into place, so an interrupted run is simply redone the next time.

    Example
    -------
    >>> paths = generate("/tmp/demo", quick=True)  # doctest: +SKIP
    >>> sorted(paths)  # doctest: +SKIP
    ['gtzan_music_speech', 'magnatagatune']
    """
    from . import datasets as ds_mod

    names = list(datasets)
    if root is None:
        root = ds_mod.data_dir() / ("demo-quick" if quick else "demo")
    root = Path(root).expanduser().resolve()
    size = dict(SIZES["quick" if quick else "full"], **(size or {}))
    out = {}
    for name in names:
        final = root / ds_mod.DATASETS[name].folder
        out[name] = final
        if is_complete(final) and not force:
            if verbose:
                print(f"{name}: demo already present in {final}")
            continue
        started = time.perf_counter()
        tmp = root / f".{final.name}.generating"
        if tmp.exists():
            shutil.rmtree(tmp)  # leftover of an interrupted generation
        tmp.mkdir(parents=True)
        if name == "gtzan_music_speech":
            per = size["gtzan_per_class"]
            genres = _genre_sequence(per, np.random.default_rng([seed, 4]))
            tasks = [(_gtzan_clip, ("music", i, str(tmp), seed, genres[i])) for i in range(per)]
            tasks += [(_gtzan_clip, ("speech", i, str(tmp), seed, None)) for i in range(per)]
            _run(tasks, n_jobs, f"demo {name}", verbose)
            counts = {"music": per, "speech": per}
            extra = {"genres": {f"music_{i:03d}.wav": genres[i] for i in range(per)}}
        else:
            plan = _mtat_plan(size["mtat_per_folder"], seed)
            tasks = [(_mtat_clip, (item, str(tmp), seed)) for item in plan]
            rows = _run(tasks, n_jobs, f"demo {name}", verbose)
            _write_mtat_csvs(tmp, rows)
            counts = {"clips": len(rows), "per_folder": size["mtat_per_folder"]}
            extra = {}
        marker = dict(version=DEMO_VERSION, dataset=name, variant="quick" if quick else "full", seed=seed,
                      counts=counts, note="synthetic demo data made by utils.demo; not the real dataset", **extra)
        (tmp / MARKER).write_text(json.dumps(marker, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)  # an earlier demo (force, other version, or incomplete)
        os.replace(tmp, final)
        if verbose:
            print(f"{name}: demo generated in {final} ({time.perf_counter() - started:.1f} s)")
    return out


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m utils.demo", description="Generate the offline demo datasets.")
    parser.add_argument("--quick", action="store_true", help="the small quick-mode variant (<data>/demo-quick)")
    parser.add_argument("--force", action="store_true", help="generate again even if complete")
    parser.add_argument("--root", help="output folder (default <data>/demo or <data>/demo-quick)")
    parser.add_argument("--seed", type=int, default=config.SEED)
    parser.add_argument("--jobs", type=int, default=-1, help="worker processes (default: all cores)")
    parser.add_argument("datasets", nargs="*", default=list(datasets.DATASETS), help="which datasets (default: all)")
    args = parser.parse_args(argv)
    for name in args.datasets:
        if name not in datasets.DATASETS:
            parser.error(f"unknown dataset {name!r}; known: {', '.join(datasets.DATASETS)}")
    generate(args.root, quick=args.quick, datasets=args.datasets, seed=args.seed, n_jobs=args.jobs, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
