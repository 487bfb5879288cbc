"""utils.pipelines: tf.data from audio files, on the quick demo's MagnaTagATune clips."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from utils import audio, datasets, layouts, pipelines

SR = layouts.MTAT_SR
CHUNK = SR  # one-second chunks keep the tests small


@pytest.fixture(scope="module")
def mtat(quick_demo):
    df = datasets.load_magnatagatune(quick_demo)
    return df.head(3).reset_index(drop=True)


def _labels(df):
    return df[list(layouts.TOP50_TAGS)].to_numpy()


def _collect(pipe):
    xs, ys, clips = [], [], []
    for x, y, clip in pipe.indexed():
        xs.append(x.numpy()), ys.append(y.numpy()), clips.append(clip.numpy())
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(clips)


def test_evaluation_gives_every_back_to_back_chunk_of_each_clip_in_order(mtat):
    pipe = pipelines.audio_dataset(
        mtat["path"], _labels(mtat), chunk_samples=CHUNK, training=False, batch_size=8
    )
    x, y, clip = _collect(pipe)
    first = audio.load(mtat["path"][0], sr=SR)
    per_clip = len(first) // CHUNK  # 29 one-second chunks of a 29.15 s clip
    assert per_clip == 29
    assert clip.tolist() == np.repeat([0, 1, 2], per_clip).tolist()
    np.testing.assert_array_equal(x[:per_clip], first[: per_clip * CHUNK].reshape(per_clip, CHUNK))
    np.testing.assert_array_equal(y, _labels(mtat)[clip])
    assert x.dtype == np.float32 and y.shape == (3 * per_clip, 50)
    batch_x, batch_y = next(iter(pipe.dataset))  # what Keras sees: (x, y)
    assert batch_x.shape == (8, CHUNK) and batch_y.shape == (8, 50)
    assert pipe.skipped == [] and "all 3 files read" in pipe.report()


def test_training_chunks_are_random_crops_that_change_each_epoch_and_repeat_by_seed(mtat):
    def epoch_of(pipe):
        return _collect(pipe)

    kw = dict(chunk_samples=CHUNK, training=True, batch_size=4, chunks_per_clip=2, seed=3)
    pipe = pipelines.audio_dataset(mtat["path"], _labels(mtat), **kw)
    x1, y1, c1 = epoch_of(pipe)
    x2, _, _ = epoch_of(pipe)
    assert x1.shape == (6, CHUNK) and sorted(c1.tolist()) == [0, 0, 1, 1, 2, 2]
    np.testing.assert_array_equal(y1, _labels(mtat)[c1])
    for chunk, i in zip(x1, c1):  # each chunk is a piece of its own clip
        y = audio.load(mtat["path"][i], sr=SR)
        windows = np.lib.stride_tricks.sliding_window_view(y, CHUNK)[:, :8]
        assert (np.abs(windows - chunk[:8]).sum(axis=1) == 0).any()
    assert not np.array_equal(x1, x2), "a new epoch must bring new chunks"
    again, _, _ = epoch_of(pipelines.audio_dataset(mtat["path"], _labels(mtat), **kw))
    np.testing.assert_array_equal(x1, again)  # the same seed repeats the run


def test_a_corrupt_file_is_skipped_named_and_counted(mtat, tmp_path):
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"\xff\xfb\x90\x00" + bytes(range(256)) * 8)  # an mp3 header, then junk
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    paths = [str(corrupt), mtat["path"][0], str(empty)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipe = pipelines.audio_dataset(paths, np.eye(3), chunk_samples=CHUNK, training=False)
        _, y, clip = _collect(pipe)
    assert set(clip.tolist()) == {1} and (y == [0, 1, 0]).all()  # the good file, its label
    assert pipe.n_skipped == 2
    assert [p for p, _ in pipe.skipped] == sorted([str(corrupt), str(empty)])
    report = pipe.report()
    assert report.startswith("2 of 3 files could not be read") and "corrupt.mp3" in report
    # warned while reading; a warning from one decoding thread can be lost while another
    # thread's decoder silences warnings (audio.load's fallback), so .skipped is the record
    assert "corrupt.mp3" in " ".join(str(w.message) for w in caught)


def test_a_clip_shorter_than_a_chunk_is_zero_padded(tmp_path):
    import soundfile as sf

    short = tmp_path / "short.wav"
    sf.write(short, np.full(SR // 4, 0.5, np.float32), SR)
    pipe = pipelines.audio_dataset([short], None, chunk_samples=CHUNK, training=True)
    (x,) = list(pipe.dataset)  # no labels: x alone
    assert x.shape == (1, CHUNK)
    np.testing.assert_allclose(x[0, : SR // 4], 0.5, atol=1e-4)
    assert np.all(x[0, SR // 4 :] == 0)


def test_decoded_audio_cache_reads_back_the_same_samples(mtat, tmp_path):
    path = mtat["path"][0]
    cold = pipelines.decoded_audio(path, sr=SR, cache_dir=tmp_path)
    cached = list(tmp_path.rglob("*.npy"))
    assert len(cached) == 1 and np.load(cached[0]).dtype == np.int16
    warm = pipelines.decoded_audio(path, sr=SR, cache_dir=tmp_path)
    np.testing.assert_array_equal(cold, warm)
    np.testing.assert_allclose(warm, audio.load(path, sr=SR), atol=1 / 32767)
    pipelines.decoded_audio(path, sr=8000, cache_dir=tmp_path)  # another rate: another entry
    assert len(list(tmp_path.rglob("*.npy"))) == 2
    # a pipeline through the cache gives what a pipeline without one gives, up to rounding
    kw = dict(chunk_samples=CHUNK, training=False)
    with_cache, _, _ = _collect(pipelines.audio_dataset([path], None, cache_dir=tmp_path, **kw))
    without, _, _ = _collect(pipelines.audio_dataset([path], None, **kw))
    np.testing.assert_allclose(with_cache, without, atol=1 / 32767)
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
    pipelines.decoded_audio(path, sr=SR, cache_dir=tmp_path)  # a touched file is decoded again
    assert len(list(tmp_path.rglob("*.npy"))) == 3


class _MeanModel:
    """A stand-in model: the score of a chunk is its mean sample."""

    def predict_on_batch(self, x):
        return np.asarray(x).mean(axis=1, keepdims=True)


def test_predict_clips_averages_each_clips_chunks(mtat):
    pipe = pipelines.audio_dataset(mtat["path"][:2], None, chunk_samples=CHUNK, training=False)
    clips, scores = pipelines.predict_clips(_MeanModel(), pipe)
    assert clips.tolist() == [0, 1] and scores.shape == (2, 1)
    for i in clips:
        y = audio.load(mtat["path"][i], sr=SR)
        assert scores[i, 0] == pytest.approx(y[: 29 * CHUNK].mean(), abs=1e-6)
    train = pipelines.audio_dataset(mtat["path"][:1], None, chunk_samples=CHUNK, training=True)
    with pytest.raises(ValueError, match="training=False"):
        pipelines.predict_clips(_MeanModel(), train)


def test_bad_arguments_are_explained(mtat):
    with pytest.raises(ValueError, match="one row per file"):
        pipelines.audio_dataset(mtat["path"], np.zeros((2, 50)), chunk_samples=CHUNK, training=True)
    with pytest.raises(ValueError, match="empty"):
        pipelines.audio_dataset([], None, chunk_samples=CHUNK, training=True)
