"""utils.transfer: out-of-fold scores by clip, bootstrap intervals, the probe."""

from __future__ import annotations

import numpy as np
import pytest

from utils import evaluation, transfer


def test_out_of_fold_tests_each_clip_once_and_never_trains_on_it():
    rng = np.random.default_rng(1)
    clip_y = np.repeat([0, 1, 2], 5)
    clip_index = np.repeat(np.arange(15), 3)  # 3 segments per clip
    y = clip_y[clip_index]
    X = rng.normal(size=(45, 4)) + 4 * np.eye(3)[y][:, :3].sum(axis=1, keepdims=True) * y[:, None]
    seen = []

    def fit_predict(X_train, y_train, X_test):
        seen.append((len(X_train), len(X_test)))
        return transfer.logistic_fit_predict(X_train, y_train, X_test)

    scores, got_y = transfer.out_of_fold(fit_predict, X, y, clip_index, n_splits=5)
    assert scores.shape == (15, 3) and not np.isnan(scores).any()
    np.testing.assert_array_equal(got_y, clip_y)
    assert all(tr + te == 45 and te % 3 == 0 for tr, te in seen)  # whole clips only
    assert evaluation.accuracy(got_y, scores) > 0.8


def test_folds_shrink_to_the_smallest_class_and_refuse_a_single_clip():
    assert transfer.n_folds([0, 0, 1, 1, 1, 1], n_splits=5) == 2
    with pytest.raises(ValueError, match="class sizes \\[1, 3\\]"):
        transfer.n_folds([0, 1, 1, 1])


def test_a_probe_on_noise_is_at_chance_and_its_interval_says_so():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    score = transfer.probe(rng.normal(size=(60, 20)), y)
    assert score["ci_low"] < 0.5 < score["ci_high"]
    assert score["ci_high"] - score["ci_low"] > 0.15  # 60 clips: a wide interval
    right = transfer.probe(np.repeat([[0.0], [1.0]], 10, axis=0), np.repeat([0, 1], 10))
    assert right["ci_low"] == right["ci_high"] == right["accuracy"] == 1.0


def test_keras_fit_predict_starts_every_fold_afresh():
    from utils import models

    built = []

    def build(shape, n_outputs):
        built.append((shape, n_outputs))
        return models.dense(shape, units=(8,), n_outputs=n_outputs)

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), np.repeat([0, 1], 20)
    fit_predict = transfer.keras_fit_predict(build, epochs=3, standardize=0)
    first = fit_predict(X[:30], y[:30], X[30:])
    again = fit_predict(X[:30], y[:30], X[30:])  # same start, same data: same answer
    np.testing.assert_allclose(first, again, atol=1e-6)
    assert built == [((3,), 1)]
    three = fit_predict(X, np.arange(40) % 3, X[:2])
    assert three.shape == (2, 3) and built[-1] == ((3,), 3)
