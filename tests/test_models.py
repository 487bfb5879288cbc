"""utils.models builders and activation functions; utils.evaluation metrics."""

from __future__ import annotations

import numpy as np
import pytest

from utils import evaluation, models


@pytest.fixture(autouse=True)
def _float32_policy():
    import keras

    yield
    keras.mixed_precision.set_global_policy("float32")


def test_logistic_regression_is_one_neuron():
    model = models.logistic_regression((40, 80))
    assert model.output_shape == (None, 1)
    assert model.count_params() == 40 * 80 + 1
    assert model.get_layer("output").activation.__name__ == "sigmoid"


def test_dense_shapes_and_parameter_count():
    model = models.dense((40, 80), units=(256, 256), dropout=0.3)
    assert model.output_shape == (None, 1)
    by_hand = (40 * 80 * 256 + 256) + (256 * 256 + 256) + (256 + 1)
    assert model.count_params() == by_hand == 885_505
    assert [layer.name for layer in model.layers] == [
        "input", "flatten", "hidden_1", "dropout_1", "hidden_2", "dropout_2", "output",
    ]  # fmt: skip
    multi = models.dense((10,), units=(8,), n_outputs=5)
    assert multi.output_shape == (None, 5)
    assert multi.get_layer("output").activation.__name__ == "softmax"
    prelu = models.dense((10,), units=(8,), activation="prelu")
    assert prelu.count_params() == (10 * 8 + 8) + 8 + (8 + 1)  # PReLU learns one slope per unit


def test_dense_rejects_a_bad_dropout():
    with pytest.raises(ValueError, match="dropout"):
        models.dense((10,), dropout=1.0)


def test_output_stays_float32_under_mixed_precision():
    import keras

    keras.mixed_precision.set_global_policy("mixed_float16")
    model = models.dense((12,), units=(8,))
    assert model.get_layer("hidden_1").compute_dtype == "float16"
    y = model.predict(np.zeros((2, 12), dtype=np.float32), verbose=0)
    assert y.dtype == np.float32 and model.get_layer("output").compute_dtype == "float32"


def test_a_builder_can_fit_a_small_batch_to_zero_error():
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 20)).astype(np.float32)
    y = rng.integers(0, 2, size=32)  # random labels: only memorising fits them
    model = models.dense((20,), units=(64,))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    model.fit(X, y, epochs=150, batch_size=32, verbose=0)
    assert evaluation.accuracy(y, model.predict(X, verbose=0)) == 1.0


def test_a_two_layer_network_solves_xor_and_a_neuron_cannot():
    import keras

    keras.utils.set_random_seed(1)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0])
    mlp = models.dense((2,), units=(8,), activation="tanh")
    mlp.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    mlp.fit(X, y, epochs=300, batch_size=4, verbose=0)
    assert evaluation.accuracy(y, mlp.predict(X, verbose=0)) == 1.0
    neuron = models.logistic_regression((2,))
    neuron.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    neuron.fit(X, y, epochs=300, batch_size=4, verbose=0)
    assert evaluation.accuracy(y, neuron.predict(X, verbose=0)) <= 0.75  # a line splits 3 of 4


@pytest.mark.parametrize(
    "name,keras_name",
    [
        ("logistic", "sigmoid"),
        ("tanh", "tanh"),
        ("relu", "relu"),
        ("elu", "elu"),
        ("softplus", "softplus"),
    ],
)
def test_activations_match_keras(name, keras_name):
    import keras

    x = np.linspace(-5, 5, 101).astype(np.float32)
    ours = models.ACTIVATIONS[name][0](x)
    theirs = keras.ops.convert_to_numpy(getattr(keras.activations, keras_name)(x))
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


@pytest.mark.parametrize("name", list(models.ACTIVATIONS))
def test_derivatives_match_finite_differences(name):
    f, df = models.ACTIVATIONS[name]
    x = np.concatenate([np.linspace(-4, -0.01, 200), np.linspace(0.01, 4, 200)])  # not at 0
    h = 1e-6
    np.testing.assert_allclose(df(x), (f(x + h) - f(x - h)) / (2 * h), atol=1e-4)


def test_accuracy_and_confusion_matrix():
    y = np.array([0, 0, 1, 1, 1])
    scores = np.array([0.1, 0.6, 0.9, 0.4, 0.7])
    assert evaluation.accuracy(y, scores) == pytest.approx(0.6)
    cm = evaluation.confusion_matrix(y, evaluation.predicted_labels(scores))
    assert cm.tolist() == [[1, 1], [1, 2]] and cm.trace() == 3
    assert evaluation.accuracy([2, 0], np.array([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]])) == 1.0
    with pytest.raises(ValueError, match="labels"):
        evaluation.accuracy([0, 1, 1], np.array([0.2, 0.9]))


def test_clip_scores_average_each_clips_segments():
    scores = np.array([[0.2], [0.4], [0.9], [0.7], [0.8]])
    clips, mean = evaluation.clip_scores(scores, np.array([3, 3, 1, 1, 1]))
    assert clips.tolist() == [1, 3]
    np.testing.assert_allclose(mean[:, 0], [0.8, 0.3])
