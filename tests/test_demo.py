"""The offline demo data: real layouts and formats, learnable structure, determinism."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from utils import config, datasets, demo, layouts, vocabulary


def _tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def test_same_seed_gives_byte_identical_files_whatever_the_workers(tmp_path):
    tiny = {"gtzan_per_class": 2}
    only = ("gtzan_music_speech",)
    a = demo.generate(tmp_path / "a", quick=True, size=tiny, n_jobs=1, verbose=False, datasets=only)
    b = demo.generate(tmp_path / "b", quick=True, size=tiny, n_jobs=2, verbose=False, datasets=only)
    assert _tree_hash(a["gtzan_music_speech"]) == _tree_hash(b["gtzan_music_speech"])
    c = demo.generate(tmp_path / "c", quick=True, size=tiny, n_jobs=1, verbose=False, seed=7,
                      datasets=only)  # fmt: skip
    assert _tree_hash(c["gtzan_music_speech"]) != _tree_hash(a["gtzan_music_speech"])


def test_mtat_clips_are_reproduced_byte_for_byte(quick_demo, tmp_path):
    # The quick demo was written by worker processes; the same songs made again here, in
    # this process, must be identical (each song depends only on the seed and its number).
    root = quick_demo / "magnatagatune"
    plan = demo._mtat_plan(demo.SIZES["quick"]["mtat_per_folder"], config.SEED)
    ann = pd.read_csv(root / "annotations_final.csv", sep="\t")
    for item in plan[:: len(plan) // 3][:3]:
        for row in demo._mtat_song(item, str(tmp_path), config.SEED):
            again = (tmp_path / "mp3" / row["mp3_path"]).read_bytes()
            assert again == (root / "mp3" / row["mp3_path"]).read_bytes(), row["mp3_path"]
            tagged = ann.loc[ann.clip_id == row["clip_id"], row["tags"]]
            assert len(tagged) == 1 and tagged.to_numpy().all(), "its tags are the recipe's"


def test_mtat_songs_are_cut_into_several_clips_of_one_folder(quick_demo):
    # as in MagnaTagATune: clips of one song, consecutive parts, all in one folder, sharing
    # most of their tags; the song-safe splits and song-mate exclusions have work to do
    df = datasets.load_magnatagatune(quick_demo / "magnatagatune")
    songs = datasets.song_ids(df)
    per_song = songs.value_counts()
    assert per_song.max() >= 3 and (per_song > 1).mean() > 0.5
    assert df.groupby(songs).folder.nunique().max() == 1
    assert len(per_song) < 0.6 * len(df)
    names = " ".join(df.mp3_path)
    assert not any(g in names for g in ("opera", "classical", "metal", "jazz", "rock"))


def test_generation_is_idempotent_and_redoes_an_interrupted_run(tmp_path, capsys):
    tiny = {"gtzan_per_class": 1, "mtat_per_folder": 1}
    paths = demo.generate(
        tmp_path, quick=True, size=tiny, datasets=("gtzan_music_speech",), n_jobs=1
    )
    folder = paths["gtzan_music_speech"]
    first = _tree_hash(folder)
    demo.generate(tmp_path, quick=True, size=tiny, datasets=("gtzan_music_speech",), n_jobs=1)
    assert "already present" in capsys.readouterr().out
    # an interrupted run: no marker -> regenerated, not trusted
    (folder / demo.MARKER).unlink()
    assert not demo.is_complete(folder)
    demo.generate(tmp_path, quick=True, size=tiny, datasets=("gtzan_music_speech",), n_jobs=1)
    assert demo.is_complete(folder) and _tree_hash(folder) == first


def test_a_folder_with_clips_missing_is_not_complete(tmp_path):
    tiny = {"gtzan_per_class": 2, "mtat_per_folder": 1}
    folder = demo.generate(
        tmp_path, quick=True, size=tiny, datasets=("gtzan_music_speech",), n_jobs=1, verbose=False
    )["gtzan_music_speech"]
    assert demo.is_complete(folder)
    next(folder.rglob("*.wav")).unlink()  # e.g. deleted by a second process or by hand
    assert not demo.is_complete(folder), "the marker must be checked against the files on disk"


_GENERATE = """
import sys
from utils import demo
demo.generate(sys.argv[1], quick=True, size={"gtzan_per_class": 2}, n_jobs=1, verbose=False,
              datasets=("gtzan_music_speech",))
"""


def test_two_processes_generating_at_once_give_one_complete_dataset(tmp_path):
    # Two notebooks opened at once on first use, or `make demo` beside JupyterLab.
    shared = tmp_path / "shared"
    cmd = [sys.executable, "-c", _GENERATE, str(shared)]
    procs = [
        subprocess.Popen(cmd, cwd=config.repo_root(), stderr=subprocess.PIPE) for _ in range(2)
    ]
    errors = [p.communicate(timeout=300)[1].decode() for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    # The same data, made by one process alone:
    alone = tmp_path / "alone"
    subprocess.run(
        [sys.executable, "-c", _GENERATE, str(alone)], cwd=config.repo_root(), check=True
    )
    name = "gtzan_music_speech"
    assert demo.is_complete(shared / name)
    assert len(list((shared / name).rglob("*.wav"))) == 4
    assert _tree_hash(shared / name) == _tree_hash(alone / name), "not the data one process makes"
    assert not list(shared.glob(".*.generating*")), "temporary folders were left behind"


def test_gtzan_demo_has_the_real_format(quick_gtzan):
    folder = quick_gtzan / "gtzan_music_speech" / "music_speech"
    for sub in ("music_wav", "speech_wav"):
        files = sorted((folder / sub).glob("*.wav"))
        assert len(files) == demo.SIZES["quick"]["gtzan_per_class"]
        info = sf.info(files[0])
        assert (info.samplerate, info.channels, info.subtype) == (22050, 1, "PCM_16")
        assert info.duration == pytest.approx(30.0)


def test_mtat_demo_has_the_real_format(quick_demo):
    root = quick_demo / "magnatagatune"
    header = (root / "annotations_final.csv").read_text().splitlines()[0]
    cols = pd.read_csv(root / "annotations_final.csv", sep="\t", nrows=0).columns.tolist()
    assert header.startswith('"clip_id"\t"no voice"')  # quoted, tab-separated, as the real file
    assert cols == ["clip_id", *datasets.TAGS_188, "mp3_path"]
    info_cols = pd.read_csv(root / "clip_info_final.csv", sep="\t", nrows=0).columns.tolist()
    assert info_cols == list(datasets.CLIP_INFO_COLUMNS)
    folders = sorted(p.name for p in (root / "mp3").iterdir())
    assert folders == list(layouts.MTAT_FOLDERS)
    per = [len(list((root / "mp3" / f).glob("*.mp3"))) for f in folders]
    assert per == [demo.SIZES["quick"]["mtat_per_folder"]] * 16
    clip = next((root / "mp3" / "c").glob("*.mp3"))
    y, sr = sf.read(clip)
    assert sr == 16000 and y.ndim == 1
    assert len(y) / sr >= datasets.MTAT_MIN_DURATION
    # names as in MTAT: artist-album-track-title-start-end.mp3
    stem = clip.stem.split("-")
    assert len(stem) == 6 and stem[2].isdigit() and int(stem[5]) - int(stem[4]) == 29
    marker = json.loads((root / demo.MARKER).read_text())
    assert marker["counts"]["clips"] == 16 * demo.SIZES["quick"]["mtat_per_folder"]


def _log_spec(y, n_fft=512, hop=256):
    frames = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop] * np.hanning(n_fft)
    return np.log(np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-10)


def test_music_and_speech_differ_in_structure_not_in_loudness(quick_gtzan):
    df = datasets.load_gtzan_music_speech(quick_gtzan / "gtzan_music_speech")
    rms, flux = {"music": [], "speech": []}, {"music": [], "speech": []}
    for path, label in zip(df.path, df.label):
        y, _sr = sf.read(path, dtype="float32")
        rms[label].append(20 * np.log10(np.sqrt(np.mean(y**2))))
        energy = np.exp(_log_spec(y)).sum(axis=1)
        # speech: syllables and pauses make the frame energy swing far more than in music
        flux[label].append(np.std(np.log(energy + 1e-8)))
    # loudness ranges overlap, so level alone cannot tell the classes apart
    assert min(rms["speech"]) < max(rms["music"]) and min(rms["music"]) < max(rms["speech"])
    assert np.median(flux["speech"]) > np.median(flux["music"])


def test_tags_follow_the_recipe_with_noise(quick_demo):
    df = datasets.load_magnatagatune(quick_demo / "magnatagatune")
    tags = df[list(datasets.TAGS_188)]
    n_tags = tags.sum(axis=1)
    assert n_tags.mean() > 3 and n_tags.min() >= 1
    # annotator noise: synonyms are used inconsistently (both spellings occur)
    assert tags["vocal"].sum() > 0 and tags["vocals"].sum() > 0
    assert tags[["no vocal", "no vocals", "no voice"]].gt(0).sum().gt(0).all()
    # vocal and instrumental groups are both well represented once the XOR is applied
    vi = vocabulary.single_label(
        df, {"vocal": vocabulary.VOCAL_TAGS, "instrumental": vocabulary.INSTRUMENTAL_TAGS}
    )
    counts = vi.value_counts()
    assert counts["vocal"] >= 0.15 * len(df) and counts["instrumental"] >= 0.15 * len(df)
    # most genres of the genre group occur as single labels
    genres = vocabulary.single_label(df, vocabulary.GENRES).dropna()
    assert genres.nunique() >= 8
    # a tag that a recipe implies co-occurs with its genre far above chance
    techno = df["techno"] == 1
    assert df.loc[techno, "synth"].mean() > df.loc[~techno, "synth"].mean()


def _syllable_band_share(path) -> float:
    """Share of loudness fluctuation between 3 and 6 Hz (syllable rates), 0.6-10 Hz, unweighted."""
    from utils import audio, psychoacoustics

    rp = psychoacoustics.rp_features(
        audio.load(path, sr=psychoacoustics.SR_RP),
        sr=psychoacoustics.SR_RP,
        fluctuation_strength=False,
    )["rp"]
    mod = psychoacoustics.modulation_frequencies(rp.shape[1])
    columns = rp.sum(axis=0)[mod >= 0.6]
    mod = mod[mod >= 0.6]
    return float(columns[(mod >= 3) & (mod <= 6)].sum() / columns.sum())


def test_demo_speech_has_the_syllable_rhythm_of_real_speech(quick_gtzan, shared_data):

    folder = quick_gtzan / "gtzan_music_speech" / "music_speech"
    demo_speech = np.mean(
        [_syllable_band_share(p) for p in sorted((folder / "speech_wav").glob("*.wav"))[:6]]
    )
    demo_music = np.mean(
        [_syllable_band_share(p) for p in sorted((folder / "music_wav").glob("*.wav"))[:6]]
    )
    # librosa's three LibriSpeech readings (read from ../shared directly: librosa.ex's cache
    # folder is fixed when librosa is first imported, which another test may have moved)
    names = ("198-209-0000.ogg", "3436-172162-0000.ogg", "5703-47212-0000.ogg")
    libri = [shared_data / "librosa" / "audio" / name for name in names]
    real_speech = np.mean([_syllable_band_share(p) for p in libri])
    # measured: real LibriSpeech 0.34, demo speech 0.38, demo music 0.31
    assert abs(demo_speech - real_speech) < 0.08, (demo_speech, real_speech)
    assert demo_speech > demo_music + 0.02, (demo_speech, demo_music)
