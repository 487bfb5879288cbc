"""``python -m utils.tag`` and ``audio.load`` on what users hand them: unreadable files,
folders, bad models, missing tag lists, tiny and long files, loud float WAVs, m4a.
Each case is one sentence naming the file and the fix; the other files are still tagged."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
import warnings

import numpy as np
import pytest
import soundfile as sf

from utils import audio, config, features, layouts, models, tag

SR = layouts.MTAT_SR


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Untrained taggers saved as .keras: one-second chunks, any length, and no front end."""
    import keras

    keras.utils.set_random_seed(0)
    folder = tmp_path_factory.mktemp("models")
    chunked = models.tagging_cnn(filters=(4, 4), dense_units=0, n_mels=32, chunk_samples=SR)
    chunked.save(folder / "chunked.keras")
    anylength = models.tagging_cnn(filters=(4, 4), dense_units=0, n_mels=32, chunk_samples=None)
    anylength.save(folder / "anylength.keras")
    plain = keras.Sequential(
        [keras.Input((96, 96)), keras.layers.Flatten(), keras.layers.Dense(50)]
    )
    plain.save(folder / "features_only.keras")
    return folder


@pytest.fixture()
def song(tmp_path):
    path = tmp_path / "song.wav"
    sf.write(path, 0.1 * np.sin(np.arange(3 * SR) / 7.0), SR)
    return path


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_named_and_the_others_are_tagged(saved, song, tmp_path, capsys):
    locked = tmp_path / "locked.wav"
    sf.write(locked, np.zeros(SR), SR)
    locked.chmod(0)
    code = tag.main([str(locked), str(song), "--model", str(saved / "chunked.keras")])
    out, err = capsys.readouterr()
    assert code == 1 and out.startswith(str(song))
    assert f"error: {locked}: permission denied" in err and "chmod a+r" in err


def test_an_unreadable_file_is_an_audio_error(tmp_path, monkeypatch):
    # as root (CI containers) chmod 0 does not stop a read: the check itself is tested
    locked = tmp_path / "locked.wav"
    sf.write(locked, np.zeros(SR), SR)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(audio.AudioError, match=r"locked.wav: permission denied.*chmod a\+r"):
        audio.load(locked, sr=SR)


def test_a_folder_named_like_audio_is_called_a_folder(saved, song, tmp_path, capsys):
    folder = tmp_path / "album.mp3"
    folder.mkdir()
    code = tag.main([str(folder), str(song), "--model", str(saved / "chunked.keras")])
    out, err = capsys.readouterr()
    assert code == 1 and out.startswith(str(song))
    assert f"error: {folder}: a folder, not an audio file" in err


def test_a_truncated_model_is_one_sentence_and_exit_2(saved, song, tmp_path, capsys):
    cut = tmp_path / "cut.keras"
    cut.write_bytes((saved / "chunked.keras").read_bytes()[:5000])
    assert tag.main([str(song), "--model", str(cut)]) == 2
    err = capsys.readouterr().err
    assert f"error: {cut} is not a complete Keras model" in err and "Traceback" not in err
    assert "Save it again from notebook 07" in err


def test_a_model_without_a_mel_front_end_is_refused_once(saved, song, capsys):
    code = tag.main([str(song), str(song), "--model", str(saved / "features_only.keras")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("error:") == 1
    assert "features_only.keras" in err and "no keras.layers.MelSpectrogram" in err


def test_a_missing_tags_file_is_named(saved, song, tmp_path, capsys):
    missing = tmp_path / "tags.txt"
    assert tag.main([str(song), "--model", str(saved / "chunked.keras"), "--tags", str(missing)])
    err = capsys.readouterr().err
    assert f"error: cannot read the --tags file {missing}" in err and "one tag name per line" in err


def test_an_any_length_model_tags_a_one_sample_file(saved, tmp_path, capsys):
    tiny = tmp_path / "tiny.wav"
    sf.write(tiny, np.array([0.5]), SR)
    code = tag.main([str(tiny), "--model", str(saved / "anylength.keras"), "--top-k", "2"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.splitlines()[0] == str(tiny) and len(out.splitlines()) == 3


def test_after_a_quick_run_the_quick_model_is_used(saved, song, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    quick = tag.default_model_path(quick=True)
    quick.parent.mkdir(parents=True)
    quick.write_bytes((saved / "chunked.keras").read_bytes())
    code = tag.main([str(song)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"using the quick-mode one, {quick}" in err and out.startswith(str(song))


def test_a_long_file_is_tagged_part_by_part_with_the_same_scores(saved, tmp_path, monkeypatch):
    path = tmp_path / "long.wav"
    rng = np.random.default_rng(0)
    sf.write(path, 0.1 * rng.standard_normal((7 * SR, 2)).astype(np.float32), SR)
    model = models.load_model(saved / "chunked.keras", compile=False)
    whole = tag.predict_tags(path, model=model, top_k=50)
    monkeypatch.setattr(tag, "PART_SECONDS", 2.0)  # 2 s parts: four of them
    parts = tag.predict_tags(path, model=model, top_k=50)
    assert dict(parts) == pytest.approx(dict(whole), abs=1e-5)


@pytest.mark.slow
def test_a_long_stereo_file_tags_in_the_memory_of_a_part(saved, tmp_path):
    # 20 minutes of 44.1 kHz stereo: decoding it whole takes 212 MB as float32 (and more as
    # float64 while resampling); part by part it takes a part's worth
    path = tmp_path / "set.flac"
    block = (0.05 * np.sin(np.arange(441_000) / 9.0)).astype(np.float32)
    with sf.SoundFile(path, "w", samplerate=44_100, channels=2, format="FLAC") as f:
        for _ in range(120):
            f.write(np.stack([block, block], axis=1))
    model = models.load_model(saved / "chunked.keras", compile=False)
    tracemalloc.start()
    try:
        top = tag.predict_tags(path, model=model, top_k=3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(top) == 3
    assert peak < 150e6, f"peak {peak / 1e6:.0f} MB of Python/NumPy memory for a 20-minute file"


def test_a_file_shorter_than_one_fft_window_is_named(tmp_path):
    click = tmp_path / "click.wav"
    sf.write(click, np.zeros(300), 22050)
    with pytest.raises(audio.AudioError, match=r"click.wav: 300 samples, shorter than one FFT"):
        features.logmel_segments(click)
    with pytest.raises(audio.AudioError, match=r"click.wav: 300 samples"):
        features.audio_feature(click, feature="log_mel", sr=22050, n_fft=1024)


def test_a_loud_float_wav_is_clipped_with_a_warning_naming_it(tmp_path):
    loud = tmp_path / "loud.wav"
    sf.write(loud, np.array([0.0, 2.0, -1.5, 0.5] * 1000, np.float32), 22050, subtype="FLOAT")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = audio.load(loud, sr=22050)
    assert np.abs(y).max() <= 1.0
    said = [str(w.message) for w in caught]
    assert any(f"{loud}: samples peak at 2" in s and "clipped" in s for s in said), said


def test_an_m4a_file_says_it_needs_ffmpeg(tmp_path, monkeypatch):
    m4a = tmp_path / "voice.m4a"
    m4a.write_bytes(b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + bytes(2000))  # an MPEG-4 header
    monkeypatch.setattr("librosa.load", lambda *a, **k: (_ for _ in ()).throw(EOFError()))
    with pytest.raises(audio.AudioError, match=r"voice.m4a: an m4a .* only ffmpeg decodes"):
        audio.load(m4a, sr=22050)


@pytest.mark.slow
def test_python_m_utils_tag_with_a_bad_model_exits_2_without_a_traceback(song, tmp_path):
    bad = tmp_path / "model.keras"
    bad.write_text("not a model")
    done = subprocess.run(
        [sys.executable, "-m", "utils.tag", str(song), "--model", str(bad)],
        cwd=config.repo_root(),
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert f"error: {bad} is not a complete Keras model" in done.stderr
