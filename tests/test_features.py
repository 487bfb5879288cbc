"""utils.features: parallel extraction, the on-disk cache, failures, feature sets."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from utils import audio, features, layouts

SR = 8000


def counting_rms(path, *, counter_dir, scale=1.0):
    """A feature that leaves one file in ``counter_dir`` per call (works across processes)."""
    (Path(counter_dir) / uuid.uuid4().hex).touch()
    y = audio.load(path, sr=SR)
    return np.array([scale * np.sqrt(np.mean(y**2)), len(y) / SR], dtype=np.float32)


def counting_segments(path, *, counter_dir):
    """Variable-length output: one row per started second."""
    (Path(counter_dir) / uuid.uuid4().hex).touch()
    y = audio.load(path, sr=SR)
    return audio.segment(y, size=SR // 2, hop=SR // 2)


def calls(counter_dir) -> int:
    return len(os.listdir(counter_dir))


@pytest.fixture()
def wavs(tmp_path):
    """Five short wav files of different loudness and length, and one corrupt file."""
    folder = tmp_path / "audio"
    folder.mkdir()
    paths = []
    for i in range(5):
        t = np.arange(int((1 + 0.5 * i) * SR)) / SR
        y = 0.1 * (i + 1) * np.sin(2 * np.pi * 440 * t)
        p = folder / f"clip{i}.wav"
        sf.write(p, y.astype(np.float32), SR)
        paths.append(p)
    bad = folder / "corrupt.wav"
    bad.write_bytes(b"RIFF" + os.urandom(2000))
    counter = tmp_path / "calls"
    counter.mkdir()
    return paths, bad, counter, tmp_path / "cache"


@pytest.fixture(autouse=True)
def _tests_importable_in_workers(monkeypatch):
    # worker processes unpickle this module's functions by name: make tests/ importable there
    here = str(Path(__file__).parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([here, os.environ.get("PYTHONPATH", "")]))
    if here not in sys.path:
        monkeypatch.syspath_prepend(here)


def test_cache_hit_param_change_and_touched_file(wavs):
    paths, _, counter, cache = wavs
    res = features.extract(
        paths, counting_rms, n_jobs=2, cache_dir=cache, progress=False, counter_dir=str(counter)
    )
    assert res.features.shape == (5, 2) and res.failed == []
    assert calls(counter) == 5 and res.n_computed == 5 and res.n_cached == 0
    np.testing.assert_allclose(
        res.features[:, 1], [1, 1.5, 2, 2.5, 3], atol=1e-6
    )  # input order kept

    again = features.extract(
        paths, counting_rms, n_jobs=2, cache_dir=cache, progress=False, counter_dir=str(counter)
    )
    assert calls(counter) == 5, "second call must read the cache only"
    assert again.n_cached == 5 and again.n_computed == 0
    np.testing.assert_array_equal(again.features, res.features)

    scaled = features.extract(
        paths,
        counting_rms,
        n_jobs=2,
        cache_dir=cache,
        progress=False,
        counter_dir=str(counter),
        scale=2.0,
    )
    assert calls(counter) == 10
    np.testing.assert_allclose(scaled.features[:, 0], 2 * res.features[:, 0], rtol=1e-6)

    st = paths[2].stat()
    os.utime(paths[2], ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    touched = features.extract(
        paths, counting_rms, n_jobs=2, cache_dir=cache, progress=False, counter_dir=str(counter)
    )
    assert calls(counter) == 11 and touched.n_computed == 1, "only the touched file is recomputed"
    assert list((cache).rglob(".tmp-*")) == []  # atomic writes leave no temporary files


def test_corrupt_file_reported_and_skipped(wavs):
    paths, bad, counter, cache = wavs
    inputs = paths[:2] + [bad] + paths[2:]
    with pytest.warns(UserWarning, match="corrupt.wav"):
        res = features.extract(
            inputs,
            counting_rms,
            n_jobs=2,
            cache_dir=cache,
            progress=False,
            counter_dir=str(counter),
        )
    assert res.features.shape == (5, 2)
    assert res.paths == [str(p) for p in paths]
    assert len(res.failed) == 1 and res.failed[0][0] == str(bad)
    assert "AudioError" in res.failed[0][1] and "corrupt.wav" in res.failed[0][1]
    np.testing.assert_array_equal(res.file_index, [0, 1, 3, 4, 5])  # positions in the input list


def test_concat_mode_maps_rows_back_to_files(wavs):
    paths, _, counter, cache = wavs
    res = features.extract(
        paths,
        counting_segments,
        n_jobs=1,
        cache_dir=cache,
        stack="concat",
        progress=False,
        counter_dir=str(counter),
    )
    np.testing.assert_array_equal(res.counts, [2, 3, 4, 5, 6])
    assert res.features.shape == (20, SR // 2)
    np.testing.assert_array_equal(res.file_index, np.repeat(np.arange(5), [2, 3, 4, 5, 6]))
    with pytest.raises(ValueError, match="stack='concat'"):
        features.extract(
            paths,
            counting_segments,
            n_jobs=1,
            cache_dir=cache,
            progress=False,
            counter_dir=str(counter),
        )
    listed = features.extract(
        paths,
        counting_segments,
        n_jobs=1,
        cache_dir=False,
        stack="list",
        progress=False,
        counter_dir=str(counter),
    )
    assert [len(a) for a in listed.features] == [2, 3, 4, 5, 6]


def test_cache_key_depends_on_params_and_file(tmp_path):
    p = tmp_path / "a.wav"
    sf.write(p, np.zeros(100, np.float32), SR)
    k = features.cache_key(p, counting_rms, {"scale": 1.0, "counter_dir": "x"})
    assert k == features.cache_key(str(p), counting_rms, {"counter_dir": "x", "scale": 1.0})
    assert k != features.cache_key(p, counting_rms, {"scale": 2.0, "counter_dir": "x"})
    assert k != features.cache_key(p, counting_segments, {"scale": 1.0, "counter_dir": "x"})
    sf.write(p, np.zeros(200, np.float32), SR)
    assert k != features.cache_key(p, counting_rms, {"scale": 1.0, "counter_dir": "x"})


def test_audio_feature_and_gtzan_segments(tmp_path):
    paths = []
    for i, seconds in enumerate([5.0, 1.0]):
        p = tmp_path / f"clip{i}.wav"
        t = np.arange(int(seconds * layouts.GTZAN_SR)) / layouts.GTZAN_SR
        sf.write(p, (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), layouts.GTZAN_SR)
        paths.append(str(p))
    df = pd.DataFrame({"path": paths, "label": ["music", "speech"]})
    res = features.gtzan_logmel_segments(df, n_jobs=1, cache_dir=tmp_path / "cache", progress=False)
    # 5 s -> 216 frames -> 2 segments of 80; 1 s -> 44 frames -> padded to one segment
    assert res.features.shape == (3, 40, 80) and res.features.dtype == np.float32
    np.testing.assert_array_equal(res.file_index, [0, 0, 1])
    assert list(df["label"].to_numpy()[res.file_index]) == ["music", "music", "speech"]
    direct = audio.segment(
        audio.log_mel(
            audio.load(paths[0], sr=layouts.GTZAN_SR),
            sr=layouts.GTZAN_SR,
            n_mels=40,
            n_fft=1024,
            hop_length=512,
        ),
        size=80,
        hop=80,
    )
    np.testing.assert_allclose(res.features[:2], direct, atol=1e-5)

    rp = features.extract(
        paths[:1],
        features.audio_feature,
        n_jobs=1,
        cache_dir=False,
        progress=False,
        feature="rhythm_patterns",
        sr=layouts.GTZAN_SR,
    )
    assert rp.features.shape == (1, 24, 60)
    with pytest.raises(ValueError, match="'path' column"):
        features.gtzan_logmel_segments(pd.DataFrame({"file": paths}))


def test_save_and_load_npz(tmp_path):
    X = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    target = features.save_npz(
        tmp_path / "sets" / "feat", X, ["a.wav", "b.wav"], file_index=[0, 0, 1, 1]
    )
    assert target.name == "feat.npz"
    d = features.load_npz(target)
    np.testing.assert_array_equal(d["features"], X)
    assert d["paths"] == ["a.wav", "b.wav"]
    np.testing.assert_array_equal(d["file_index"], [0, 0, 1, 1])
    with pytest.raises(FileNotFoundError, match="save_npz"):
        features.load_npz(tmp_path / "nope.npz")


def test_workers_do_not_import_tensorflow(wavs):
    paths, _, _, _ = wavs
    res = features.extract(
        paths[:2], _modules_loaded, n_jobs=2, cache_dir=False, stack="list", progress=False
    )
    assert len(res.features) == 2
    for flags in res.features:
        assert flags.tolist() == [1, 0, 0]  # numpy yes, tensorflow no, keras no


def _modules_loaded(path):
    audio.load(path, sr=SR)
    return np.array([m in sys.modules for m in ("numpy", "tensorflow", "keras")], dtype=np.int8)


def test_read_only_cache_gives_one_warning_and_no_cache(wavs, recwarn):
    paths, _, counter, _ = wavs
    res = features.extract(
        paths,
        counting_rms,
        n_jobs=1,
        cache_dir="/proc/musicdl-cache",  # refuses new folders even to root
        progress=False,
        counter_dir=str(counter),
    )
    assert res.features.shape == (5, 2)
    messages = [str(w.message) for w in recwarn]
    assert len(messages) == 1, messages
    assert "not writable" in messages[0] and "caching is off" in messages[0]
    assert "MUSICDL_DATA" in messages[0]


@pytest.mark.slow
def test_workers_exit_soon_after_the_parent_is_killed(tmp_path):
    import signal
    import subprocess
    import time

    pids = tmp_path / "pids"
    pids.mkdir()
    script = f"""
import sys, time
sys.path.insert(0, {str(Path(__file__).parent)!r})
from utils import features
import test_features as t
features.extract([str(i) for i in range(40)], t.slow_pid, n_jobs=2, cache_dir=False,
                 progress=False, folder={str(pids)!r})
"""
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).parent.parent)
    deadline = time.time() + 60
    while len(os.listdir(pids)) < 2 and time.time() < deadline:
        time.sleep(0.2)
    workers = {int(p) for p in os.listdir(pids)}
    assert workers and parent.pid not in workers
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 15  # loky alone keeps them for minutes
    while time.time() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.5)
    assert not any(_alive(pid) for pid in workers), "worker processes outlived their parent"


def slow_pid(path, *, folder):
    """Records the worker's pid, then takes a while."""
    import time

    (Path(folder) / str(os.getpid())).touch()
    time.sleep(0.5)
    return np.zeros(1, np.float32)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_mtat_handcrafted_sets_match_the_feature_functions(quick_demo, tmp_path):
    from utils import datasets, psychoacoustics

    df = datasets.load_magnatagatune(quick_demo / "magnatagatune").head(3)
    bad = tmp_path / "empty.mp3"
    bad.touch()
    df = pd.concat([df, pd.DataFrame({"path": [str(bad)]})], ignore_index=True)
    with pytest.warns(UserWarning, match="1 of 4 files failed"):
        res = features.mtat_handcrafted(df, n_jobs=1, cache_dir=tmp_path / "c", progress=False)
    assert {k: v.shape for k, v in res.features.items()} == {
        "mfcc": (3, 80),
        "rp": (3, 1440),
        "ssd": (3, 168),
        "rh": (3, 60),
    }
    assert res.input_index.tolist() == [0, 1, 2]
    y = audio.load(df.path[1], sr=layouts.MTAT_SR)
    ref = psychoacoustics.rp_features(y, sr=layouts.MTAT_SR)
    np.testing.assert_allclose(
        res.features["rp"][1].reshape(24, 60, order="F"), ref["rp"], rtol=1e-5
    )
    np.testing.assert_allclose(
        res.features["ssd"][1].reshape(24, 7, order="F"), ref["ssd"], rtol=1e-5
    )
    mfcc = audio.mfcc_stats(y, sr=layouts.MTAT_SR)
    np.testing.assert_allclose(res.features["mfcc"][1], mfcc, rtol=1e-5)
    with pytest.warns(UserWarning):
        again = features.mtat_handcrafted(df, n_jobs=1, cache_dir=tmp_path / "c", progress=False)
    assert again.n_cached == 3 and "rp" in repr(again)
