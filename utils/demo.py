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
  As in MagnaTagATune, each song is cut into consecutive clips (1-4 here,
  :data:`SONG_CLIPS`), all in one folder and named ``artist-album-track-title-start-end``.
  Each song comes from a recipe (genre, instruments with their timbre and envelope, key
  and mode, chord progression, a repeated melody, drums at a tempo, sung vowels with
  vibrato for vocal clips, loudness, echo), and each clip's tags follow from the recipe through a
  simulated annotator who misses about a third of the true tags, uses synonyms
  inconsistently (``vocal``/``vocals``, ``no vocal``/``no vocals``/``no voice``,
  ``classical``/``classic``, ``harpsichord``/``harpsicord``) and now and then adds a
  wrong tag, so models learn well but not perfectly.

Everything depends only on the seed (each song and each clip's tags have their own), so the output is
byte-identical between runs and independent of the number of workers.

Command line::

    python -m utils.demo            # full demo in <data>/demo       (about 930 files)
    python -m utils.demo --quick    # quick demo in <data>/demo-quick (seconds)
    python -m utils.demo --force    # generate again even if complete
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import config, files, layouts, synth

__all__ = [
    "generate",
    "prepare",
    "space_needed",
    "is_complete",
    "music_genres",
    "hard_cases",
    "GTZAN_HARD_CASES",
    "SIZES",
    "MARKER",
    "DEMO_VERSION",
    "MTAT_SAMPLES",
]

#: The generator's version and its marker file: facts of the layout (utils.layouts), so that
#: the loaders can tell a finished demo without importing the generator.
DEMO_VERSION = layouts.DEMO_VERSION
MARKER = layouts.DEMO_MARKER
#: True when a folder is a finished demo dataset of the current version.
is_complete = layouts.demo_complete
#: How many clips each variant has: GTZAN clips per class, MTAT clips per folder (x16).
SIZES = {
    "full": {"gtzan_per_class": 64, "mtat_per_folder": 50},
    "quick": {"gtzan_per_class": 16, "mtat_per_folder": 10},
}
#: Length of a demo MTAT clip in samples at 16 kHz (29.15 s: passes the 29.1 s filter).
MTAT_SAMPLES = 466_400

# --------------------------------------------------------------------------------------
# Tags: what a (noisy) annotator writes for a clip
# --------------------------------------------------------------------------------------

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
    "strings": [
        [("strings", 0.75), ("string", 0.15), ("orchestra", 0.1)],
        [("violin", 0.6), ("violins", 0.4)],
    ],
    "flute": [[("flute", 0.8), ("flutes", 0.2)]],
    "organ": [["organ"]],
    "synth pad": [[("synth", 0.8), ("synthesizer", 0.2)]],
    "synth lead": [[("synth", 0.8), ("synthesizer", 0.2)]],
    "synth bass": [[("synth", 0.9), ("bass", 0.1)]],
    "bass": [["bass"]],
    "sax": [["sax"]],
}

_VOCAL_CONCEPTS = {
    "any": [[("vocal", 0.45), ("vocals", 0.3), ("singing", 0.15), ("voice", 0.1)]],
    "female": [
        [
            ("female", 0.4),
            ("woman", 0.15),
            ("female vocal", 0.15),
            ("female voice", 0.1),
            ("female singer", 0.1),
            ("female vocals", 0.05),
            ("woman singing", 0.05),
        ]
    ],
    "male": [
        [
            ("male", 0.35),
            ("man", 0.15),
            ("male vocal", 0.15),
            ("male voice", 0.15),
            ("male singer", 0.08),
            ("male vocals", 0.07),
            ("man singing", 0.05),
        ]
    ],
}
_NO_VOCAL = [
    [
        ("no vocals", 0.3),
        ("no vocal", 0.25),
        ("no voice", 0.2),
        ("instrumental", 0.1),
        ("no singing", 0.07),
        ("no voices", 0.05),
        ("no singer", 0.03),
    ]
]


def _concepts(facts, rms_db) -> list:
    """The true concepts of a clip: list of (salience, list of synonyms with weights)."""
    g = synth.GENRES[facts["genre"]]
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
            out.append(
                (
                    0.6,
                    [("female opera", 0.5), ("soprano", 0.5)]
                    if facts["vocal"] == "female"
                    else [("male opera", 1.0)],
                )
            )
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
    if (
        facts["genre"] in ("classical", "opera", "choir", "ambient", "new age", "indian", "jazz")
        and not facts["drums"]
    ):
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
        tags.add(layouts.TAGS_188[rng.integers(len(layouts.TAGS_188))])
    return tags


# --------------------------------------------------------------------------------------
# Plans and workers
# --------------------------------------------------------------------------------------

_WORDS = (
    "amber",
    "lantern",
    "velvet",
    "harbor",
    "hollow",
    "north",
    "river",
    "paper",
    "glass",
    "echo",
    "maple",
    "silver",
    "cloud",
    "ember",
    "stone",
    "willow",
    "copper",
    "meadow",
    "night",
    "signal",
    "orchid",
    "drift",
)


def _genre_sequence(count: int, rng) -> list:
    names = list(synth.GENRES)
    w = np.array([synth.GENRES[k]["w"] for k in names], dtype=float)
    quota = np.maximum(1, np.round(w / w.sum() * count)).astype(int)
    while quota.sum() > count:
        quota[quota.argmax()] -= 1
    while quota.sum() < count:
        quota[quota.argmin()] += 1
    seq = [names[i] for i, q in enumerate(quota) for _ in range(q)]
    return [seq[i] for i in rng.permutation(len(seq))]


#: How many clips a demo MTAT song is cut into (drawn with these weights): MagnaTagATune
#: cut 5,405 songs into 25,863 clips, so clips of one song are the rule, and they sound
#: alike; a split, a search or a test that ignores it counts a song twice.
SONG_CLIPS = {1: 0.2, 2: 0.3, 3: 0.3, 4: 0.2}


def _mtat_plan(per_folder: int, seed: int) -> list:
    """The songs of the MTAT demo: each folder filled with whole songs of 1-4 clips."""
    rng = np.random.default_rng([seed, 1])
    lengths = np.array(list(SONG_CLIPS))
    weights = np.array(list(SONG_CLIPS.values()))
    folders = []  # (folder, clips) per song, every folder holding per_folder clips
    for folder in layouts.MTAT_FOLDERS:
        left = per_folder
        while left > 0:
            k = min(int(rng.choice(lengths, p=weights / weights.sum())), left)
            folders.append((folder, k))
            left -= k
    genres = _genre_sequence(len(folders), rng)
    plan, names, clip = [], set(), 0
    for s, ((folder, k), genre) in enumerate(zip(folders, genres)):
        while True:  # the name of a song is unique (no genre word in it: the tags say that)
            first, second = _WORDS[rng.integers(len(_WORDS))], _WORDS[rng.integers(len(_WORDS))]
            artist = f"{first}_{second}"
            album = f"demo_{_WORDS[rng.integers(len(_WORDS))]}_sessions"
            track = int(rng.integers(1, 13))
            title = f"{_WORDS[rng.integers(len(_WORDS))]}_{_WORDS[rng.integers(len(_WORDS))]}"
            if (artist, album, track, title) not in names:
                names.add((artist, album, track, title))
                break
        first_part = int(rng.integers(0, 8 - k + 1))  # where in the song the clips start
        clips = []
        for j in range(k):
            start = 29 * (first_part + j) + 1
            mp3 = f"{folder}/{artist}-{album}-{track:02d}-{title}-{start}-{start + 29}.mp3"
            clips.append(dict(clip_id=2 + 3 * clip, part=j, start=start, mp3_path=mp3))
            clip += 1
        plan.append(
            dict(
                song=s,
                folder=folder,
                genre=genre,
                artist=artist,
                album=album,
                track=track,
                title=title,
                clips=clips,
            )
        )
    return plan


def _mtat_song(item: dict, out_dir: str, seed: int) -> list:
    """Synthesise one song, cut it into its clips and tag each clip: one row per clip.

    The song is one recipe (key, tempo, instruments, voice, loudness) played for all its
    clips; an annotator tags each clip on its own, so clips of a song share most tags.
    """
    import soundfile as sf

    rng = np.random.default_rng([seed, 2, item["song"]])
    k = len(item["clips"])
    y, facts = synth.music(layouts.MTAT_SR, k * MTAT_SAMPLES, rng, item["genre"])
    lo, hi = synth.GENRES[item["genre"]]["gain"]
    rms_db = float(rng.uniform(lo, hi))
    rows = []
    song = {key: v for key, v in item.items() if key not in ("clips", "song")}
    for clip in item["clips"]:
        part = y[clip["part"] * MTAT_SAMPLES : (clip["part"] + 1) * MTAT_SAMPLES]
        part = synth.normalise(part, rms_db, compress=rms_db > -15)
        path = Path(out_dir) / "mp3" / clip["mp3_path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(path), part, layouts.MTAT_SR, format="MP3", subtype="MPEG_LAYER_III")
        tagger = np.random.default_rng([seed, 3, clip["clip_id"]])
        rows.append(dict(song, **clip, tags=sorted(_annotate(facts, rms_db, tagger))))
    return rows


#: Shares of the hard cases in the GTZAN Music/Speech demo, as on radio and in the real
#: collection: speech over a music bed, music with a spoken passage, rap (a spoken voice
#: over a beat) and music phrased with short gaps (whose loudness swings as speech's does).
GTZAN_HARD_CASES = {
    "speech over music": 0.25,
    "music with speech": 0.1,
    "rap": 0.1,
    "phrased music": 0.15,
}


def _phrased(music, sr, rng):
    """Music that breathes: a solo player's phrases with 0.2-0.7 s near-silent gaps between."""
    n = len(music)
    gate = np.ones(n, dtype=np.float32)
    t = float(rng.uniform(1.5, 4))
    while t < n / sr - 1:
        a, b = int(t * sr), int((t + rng.uniform(0.2, 0.7)) * sr)
        ramp = min(int(0.05 * sr), (b - a) // 2)
        gate[a:b] = 0.03
        gate[a : a + ramp] = np.linspace(1, 0.03, ramp)
        gate[b - ramp : b] = np.linspace(0.03, 1, ramp)
        t = b / sr + float(rng.uniform(1.5, 4))
    return music * gate


def _spoken_passage(music, speech, sr, rng):
    """Music ducked by 12-20 dB under a 4-10 s spoken passage (a presenter over the intro)."""
    n = len(music)
    length = int(rng.uniform(4, 10) * sr)
    start = int(rng.uniform(0, n - length))
    window = np.zeros(n, dtype=np.float32)
    ramp = int(0.3 * sr)
    window[start : start + length] = 1.0
    window[start : start + ramp] = np.linspace(0, 1, ramp)
    window[start + length - ramp : start + length] = np.linspace(1, 0, ramp)
    duck = 10 ** (-float(rng.uniform(12, 20)) / 20)
    level = np.sqrt(np.mean(music**2)) / (np.sqrt(np.mean(speech**2)) + 1e-9)
    return music * (1 - (1 - duck) * window) + window * speech * level


def _gtzan_clip(kind: str, index: int, out_dir: str, seed: int, genre: str | None) -> tuple:
    import soundfile as sf

    rng = np.random.default_rng([seed, 3, 0 if kind == "music" else 1, index])
    n = int(layouts.GTZAN_SECONDS * layouts.GTZAN_SR)
    sr = layouts.GTZAN_SR
    hard = None
    if kind == "music":
        y, _ = synth.music(sr, n, rng, genre)
        draw = rng.random()
        if draw < GTZAN_HARD_CASES["music with speech"]:
            hard = "music with speech"
            y = _spoken_passage(y, synth.speech(sr, n, rng)[0], sr, rng)
        elif draw < GTZAN_HARD_CASES["music with speech"] + GTZAN_HARD_CASES["rap"]:
            hard = "rap"  # a rhythmic spoken voice as loud as the beat, throughout
            y = synth.mix(synth.speech(sr, n, rng)[0], y, below_db=float(rng.uniform(-3, 3)))
        elif draw < sum(GTZAN_HARD_CASES.values()) - GTZAN_HARD_CASES["speech over music"]:
            hard = "phrased music"
            y = _phrased(y, sr, rng)
    else:
        y, _ = synth.speech(sr, n, rng)
        if rng.random() < GTZAN_HARD_CASES["speech over music"]:
            hard = "speech over music"
            bed, _ = synth.music(sr, n, rng, str(rng.choice(list(synth.GENRES))))
            y = synth.mix(y, bed, below_db=float(rng.uniform(10, 20)))
    y, _ = synth.channel(y, sr, rng)  # each clip its own microphone, room and noise floor
    y = synth.normalise(y, float(rng.uniform(-34, -14)))  # the same loudness range for both
    path = Path(out_dir) / "music_speech" / f"{kind}_wav" / f"{kind}_{index:03d}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, sr, subtype="PCM_16")
    return path.name, hard


def _run(tasks, n_jobs: int, desc: str, verbose: bool, unit: str = "clip"):
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    if n_jobs == 1:
        jobs = (f(*a) for f, a in tasks)
    else:
        jobs = Parallel(n_jobs=n_jobs, return_as="generator", batch_size=1)(
            delayed(f)(*a) for f, a in tasks
        )
    return list(
        tqdm(jobs, total=len(tasks), desc=desc, unit=unit, mininterval=0.5, disable=not verbose)
    )


def _write_mtat_csvs(out: Path, rows: list) -> None:
    header = ["clip_id", *layouts.TAGS_188, "mp3_path"]
    with open(out / layouts.ANNOTATION_FILE, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            tags = set(r["tags"])
            w.writerow(
                [r["clip_id"], *(1 if t in tags else 0 for t in layouts.TAGS_188), r["mp3_path"]]
            )
    with open(out / layouts.CLIP_INFO_FILE, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(layouts.CLIP_INFO_COLUMNS)
        for r in rows:
            title = r["title"].replace("_", " ")
            w.writerow(
                [
                    r["clip_id"],
                    r["track"],
                    title,
                    r["artist"].replace("_", " "),
                    r["album"].replace("_", " "),
                    f"https://example.org/demo/{r['artist']}/{r['album']}",
                    r["start"],
                    r["start"] + 29,
                    f"https://example.org/demo/{r['artist']}/{r['track']:02d}-{r['title']}.mp3",
                    r["mp3_path"],
                ]
            )


def music_genres(path) -> dict:
    """The genre recipe of each music clip of a GTZAN Music/Speech demo folder.

    Returns
    -------
    dict of str to str
        File name (``music_000.wav``) to genre (a key of :data:`utils.synth.GENRES`); empty for real data
        or a demo made before genres were recorded.
    """
    marker = Path(path) / MARKER
    if not marker.is_file():
        return {}
    return json.loads(marker.read_text(encoding="utf-8")).get("genres", {})


def hard_cases(path) -> dict:
    """The hard cases of a GTZAN Music/Speech demo folder: speech over music, music with speech.

    Returns
    -------
    dict of str to str
        File name (``speech_003.wav``) to its case (a key of :data:`GTZAN_HARD_CASES`), for
        the clips that are one; empty for real data.
    """
    marker = Path(path) / MARKER
    if not marker.is_file():
        return {}
    return json.loads(marker.read_text(encoding="utf-8")).get("hard_cases", {})


@contextlib.contextmanager
def _lock(path: Path):
    """Hold an exclusive lock on ``path`` (a lock file) for the block; waits for other processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; per-process folders still keep runs apart
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _generate_one(
    name: str, tmp: Path, *, quick: bool, seed: int, size: dict, n_jobs: int, verbose: bool
) -> None:
    """Write dataset ``name`` into the empty folder ``tmp``, the marker last."""
    if name == "gtzan_music_speech":
        per = size["gtzan_per_class"]
        genres = _genre_sequence(per, np.random.default_rng([seed, 4]))
        tasks = [(_gtzan_clip, ("music", i, str(tmp), seed, genres[i])) for i in range(per)]
        tasks += [(_gtzan_clip, ("speech", i, str(tmp), seed, None)) for i in range(per)]
        written = _run(tasks, n_jobs, f"demo {name}", verbose)
        counts = {"music": per, "speech": per}
        extra = {
            "genres": {f"music_{i:03d}.wav": genres[i] for i in range(per)},
            "hard_cases": {file: hard for file, hard in written if hard},
        }
    else:
        plan = _mtat_plan(size["mtat_per_folder"], seed)
        tasks = [(_mtat_song, (item, str(tmp), seed)) for item in plan]
        rows = [
            row for song in _run(tasks, n_jobs, f"demo {name}", verbose, "song") for row in song
        ]
        _write_mtat_csvs(tmp, rows)
        counts = {"clips": len(rows), "songs": len(plan), "per_folder": size["mtat_per_folder"]}
        extra = {}
    files = layouts.count_audio_files(tmp)
    marker = dict(
        version=DEMO_VERSION,
        dataset=name,
        variant="quick" if quick else "full",
        seed=seed,
        counts=counts,
        files=files,
        note="synthetic demo data made by utils.demo; not the real dataset",
        **extra,
    )
    (tmp / MARKER).write_text(json.dumps(marker, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def generate(
    root=None,
    *,
    quick: bool = False,
    datasets=layouts.CORE_DATASETS,
    seed: int = config.SEED,
    n_jobs: int = -1,
    force: bool = False,
    verbose: bool = True,
    size: dict | None = None,
) -> dict:
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
        Which datasets to generate; default all that have a demo
        (:data:`utils.layouts.CORE_DATASETS`: optional datasets such as GTZAN genre have none).
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
    Safe to run from several processes at once (two notebooks opened together, or
    ``make demo`` beside JupyterLab): each dataset is generated under a lock file, into a
    folder of this process's own, the marker (:data:`MARKER`, with the file count) last,
    and then renamed into place. A process that waited for the lock finds the dataset
    complete and does nothing. An interrupted run leaves an incomplete folder, which the
    next run removes and redoes.

    Example
    -------
    ::

        paths = generate("/tmp/demo", quick=True)
        sorted(paths)
        # ['gtzan_music_speech', 'magnatagatune']
    """
    names = list(datasets)
    for name in names:
        if layouts.dataset(name).optional:  # layouts.dataset: a clear error for an unknown name
            raise ValueError(
                f"{name} is an optional dataset and has no demo copy; demo datasets: "
                f"{', '.join(layouts.CORE_DATASETS)}. Get the real one with "
                f"{layouts.dataset(name).fetch_command}"
            )
    if root is None:
        root = config.data_dir() / ("demo-quick" if quick else "demo")
    root = Path(root).expanduser().resolve()
    size = dict(SIZES["quick" if quick else "full"], **(size or {}))
    out = {}
    for name in names:
        final = root / layouts.dataset(name).folder
        out[name] = final
        if is_complete(final) and not force:
            if verbose:
                print(f"{name}: demo already present in {final}")
            continue
        with _lock(root / f".{final.name}.lock"):
            if is_complete(final) and not force:  # another process finished it while we waited
                if verbose:
                    print(f"{name}: demo generated by another process in {final}")
                continue
            started = time.perf_counter()
            for stale in root.glob(f".{final.name}.generating*"):  # left by interrupted runs
                shutil.rmtree(stale, ignore_errors=True)
            tmp = Path(
                tempfile.mkdtemp(prefix=f".{final.name}.generating-{os.getpid()}-", dir=root)
            )
            try:
                _generate_one(
                    name, tmp, quick=quick, seed=seed, size=size, n_jobs=n_jobs, verbose=verbose
                )
                if final.exists():  # an earlier demo (force, other version, or incomplete)
                    old = Path(tempfile.mkdtemp(prefix=f".{final.name}.generating-old-", dir=root))
                    os.replace(final, old / final.name)
                    shutil.rmtree(old, ignore_errors=True)
                files.honour_umask(tmp)  # mkdtemp makes it 0700: a shared install needs 0755
                os.replace(tmp, final)
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
        if verbose:
            print(f"{name}: demo generated in {final} ({time.perf_counter() - started:.1f} s)")
    return out


#: Bytes a demo clip takes on disk: a 30 s GTZAN wav, a 29 s MTAT mp3 (measured, with room).
_CLIP_BYTES = {"gtzan_music_speech": 1_400_000, "magnatagatune": 160_000}


def space_needed(name: str, *, quick: bool, size: dict | None = None) -> int:
    """Bytes of free disk that generating the demo copy of ``name`` needs (an upper bound).

    Example
    -------
    >>> round(space_needed("gtzan_music_speech", quick=True) / 1e6)
    46
    """
    size = dict(SIZES["quick" if quick else "full"], **(size or {}))
    if name == "gtzan_music_speech":
        clips = 2 * size["gtzan_per_class"]
    else:
        clips = 16 * size["mtat_per_folder"]
    return clips * _CLIP_BYTES[name] + 1_000_000  # and the tables, the marker


def _free_bytes(folder: Path) -> int:
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    return shutil.disk_usage(existing).free


def prepare(names, params: config.RunParameters, *, verbose: bool = True) -> list[str]:
    """Make the demo copy of each dataset in ``names`` that a run with ``params`` will read.

    A notebook calls this right after its parameters cell (and the runner before it starts a
    kernel), so that :func:`utils.datasets.locate`, which only chooses, finds its data. A
    dataset whose real copy is present (and ``params.dataset`` is not ``"demo"``), or that
    the run asks to be real, or that has no demo (optional datasets), is left alone.

    Parameters
    ----------
    names : sequence of str
        The datasets the notebook reads (its ``NEEDS``).
    params : utils.config.RunParameters
        The notebook's run parameters: ``params.quick`` chooses the variant.
    verbose : bool
        Print a line per dataset and a progress bar while generating.

    Returns
    -------
    list of str
        The datasets whose demo copy was generated now.

    Raises
    ------
    NotADirectoryError, PermissionError
        When the data folder (``$MUSICDL_DATA``) or the results folder (``$MUSICDL_RESULTS``)
        is a file or not writable, found before any cell works for minutes.
    OSError
        When the disk lacks room for a demo copy (the message says how many MB it needs
        and has), or writing it fails (the message names the folder).

    Example
    -------
    >>> prepare([], config.run_parameters(quick=True))
    []
    """
    config.check_writable(config.data_dir(), variable="MUSICDL_DATA")
    config.check_writable(config.results_dir(quick=params.quick), variable="MUSICDL_RESULTS")
    made = []
    for name in names:
        ds = layouts.dataset(name)
        real = params.dataset != "demo" and layouts.is_present(layouts.real_path(name), name)
        if ds.optional or real or params.dataset == "real":
            continue
        path = layouts.demo_path(name, quick=params.quick)
        if is_complete(path):
            continue
        variant = "quick " if params.quick else ""
        need, free = space_needed(name, quick=params.quick), _free_bytes(path.parent)
        room = f"it needs {need / 1e6:,.0f} MB and {path.parent} has {free / 1e6:,.0f} MB free"
        if free < need:
            raise OSError(
                f"Not enough disk for the {variant}demo copy of {ds.title} in {path}: {room}. "
                "Free some space, or set MUSICDL_DATA to a folder on a disk with room."
            )
        if verbose:
            print(f"{ds.title}: no real data; generating the {variant}demo copy in {path}")
        try:
            generate(path.parent, quick=params.quick, datasets=(name,), verbose=verbose)
        except (OSError, RuntimeError) as err:  # libsndfile's "System error" is a RuntimeError
            free = _free_bytes(path.parent)
            room = f"it needs {need / 1e6:,.0f} MB and {path.parent} has {free / 1e6:,.0f} MB free"
            raise OSError(
                f"Could not write the demo data into {path} ({getattr(err, 'strerror', None) or err}; "
                f"{room}). The data folder {config.data_dir()} must be writable and have room: "
                "free some space, or set MUSICDL_DATA to another folder, e.g. "
                "MUSICDL_DATA=~/musicdl-data, and run this again."
            ) from err
        made.append(name)
    return made


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m utils.demo", description="Generate the offline demo datasets."
    )
    parser.add_argument(
        "--quick", action="store_true", help="the small quick-mode variant (<data>/demo-quick)"
    )
    parser.add_argument("--force", action="store_true", help="generate again even if complete")
    parser.add_argument("--root", help="output folder (default <data>/demo or <data>/demo-quick)")
    parser.add_argument("--seed", type=int, default=config.SEED)
    parser.add_argument(
        "--jobs", type=int, default=-1, help="worker processes (default: all cores)"
    )
    parser.add_argument(
        "datasets",
        nargs="*",
        default=list(layouts.CORE_DATASETS),
        help="which datasets (default: all that have a demo)",
    )
    args = parser.parse_args(argv)
    for name in args.datasets:
        if name not in layouts.CORE_DATASETS:
            parser.error(
                f"no demo for dataset {name!r}; demo datasets: {', '.join(layouts.CORE_DATASETS)}"
            )
    generate(
        args.root,
        quick=args.quick,
        datasets=args.datasets,
        seed=args.seed,
        n_jobs=args.jobs,
        force=args.force,
    )
    return 0


if __name__ == "__main__":
    sys.exit(_main())
