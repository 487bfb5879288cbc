"""utils.models builders and activation functions; utils.evaluation metrics."""

from __future__ import annotations

import numpy as np
import pytest

from utils import config, evaluation, models


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


def _full_batch_steps(model, X, y, *, steps):
    """`steps` gradient steps on the whole of (X, y), as `epochs=steps` would take, in one epoch.

    Keras spends tens of milliseconds between epochs; stacking the copies keeps the same steps
    (same batches, same order) without that cost.
    """
    model.fit(
        np.concatenate([X] * steps), np.tile(y, steps), batch_size=len(X), shuffle=False, verbose=0
    )


def test_a_builder_can_fit_a_small_batch_to_zero_error():
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 20)).astype(np.float32)
    y = rng.integers(0, 2, size=32)  # random labels: only memorising fits them
    model = models.dense((20,), units=(64,))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    _full_batch_steps(model, X, y, steps=150)
    assert evaluation.accuracy(y, model.predict(X, verbose=0)) == 1.0


def test_a_two_layer_network_solves_xor_and_a_neuron_cannot():
    import keras

    keras.utils.set_random_seed(1)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0])
    mlp = models.dense((2,), units=(8,), activation="tanh")
    mlp.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    _full_batch_steps(mlp, X, y, steps=300)
    assert evaluation.accuracy(y, mlp.predict(X, verbose=0)) == 1.0
    neuron = models.logistic_regression((2,))
    neuron.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    _full_batch_steps(neuron, X, y, steps=300)
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


# ------------------------------------------------------------------ CNNs and RNN (notebook 03)


def test_the_slides_convolution_example_exactly():
    import keras

    image = np.array([[0, 1, 1, 1, 0, 0, 0], [0, 0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 1, 1, 0],
                      [0, 0, 0, 1, 1, 0, 0], [0, 0, 1, 1, 0, 0, 0], [0, 1, 1, 0, 0, 0, 0],
                      [1, 1, 0, 0, 0, 0, 0]])  # fmt: skip
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
    slides = np.array([[1, 4, 3, 4, 1], [1, 2, 4, 3, 3], [1, 2, 3, 4, 1], [1, 3, 3, 1, 1],
                       [3, 3, 1, 1, 0]])  # fmt: skip
    conv = keras.layers.Conv2D(1, (3, 3), use_bias=False)
    conv.build((None, 7, 7, 1))
    conv.set_weights([kernel.reshape(3, 3, 1, 1).astype("float32")])
    out = keras.ops.convert_to_numpy(conv(image.reshape(1, 7, 7, 1).astype("float32")))
    np.testing.assert_array_equal(out[0, :, :, 0], slides)


def test_single_cnn_is_the_2018_model():
    model = models.single_cnn((40, 80))
    conv = 15 * 12 * 8 + 15  # 15 filters of 12 x 8, one input channel, plus biases
    pooled = (40 - 12 + 1) // 2 * (80 - 8 + 1) * 15  # 14 x 73 x 15 after pooling 2 x 1
    assert model.count_params() == conv + (pooled * 200 + 200) + (200 + 1) == 3_067_856
    assert model.output_shape == (None, 1)


@pytest.mark.parametrize(
    "build",
    [
        lambda: models.stacked_cnn((40, 80), filters=(8, 16)),
        lambda: models.parallel_cnn((40, 80)),
        lambda: models.rnn((40, 80), units=8),
        lambda: models.single_cnn((40, 80), dense_units=16),
    ],
    ids=["stacked", "parallel", "rnn", "single"],
)
def test_cnn_and_rnn_builders_take_log_mel_segments(build):
    model = build()
    y = model.predict(np.zeros((3, 40, 80), dtype=np.float32), verbose=0)
    assert y.shape == (3, 1) and np.all((y > 0) & (y < 1))


def test_parallel_cnn_has_one_branch_per_filter_shape():
    model = models.parallel_cnn((40, 80), branches=((4, (10, 2), (1, 2)), (6, (2, 10), (2, 1))))
    assert model.get_layer("branch1_conv").kernel.shape == (10, 2, 1, 4)
    assert model.get_layer("branch2_conv").kernel.shape == (2, 10, 1, 6)
    assert model.get_layer("merge").output.shape[-1] == 4 + 6  # global pooling per branch


def test_cnn_output_is_float32_under_mixed_precision():
    import keras

    keras.mixed_precision.set_global_policy("mixed_float16")
    model = models.stacked_cnn((40, 80), filters=(4,))
    assert model.get_layer("conv1_conv").compute_dtype == "float16"
    assert model.get_layer("output").compute_dtype == "float32"


def test_stacked_cnn_can_fit_a_small_batch():
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 40, 80)).astype(np.float32)
    y = rng.integers(0, 2, size=16)
    model = models.stacked_cnn((40, 80), filters=(4, 8), global_pool=False, dropout=0.0)
    model.compile(optimizer=keras.optimizers.Adam(0.003), loss="binary_crossentropy")
    _full_batch_steps(model, X, y, steps=40)
    assert evaluation.accuracy(y, model.predict(X, verbose=0)) == 1.0


# ------------------------------------------------------------------ cross-validation by clip


def _fingerprinted_segments(n_clips=100, per_clip=6, seed=0):
    """Segments that identify their clip (a clip-specific offset) while the label is random:
    only memorising clips can predict it."""
    rng = np.random.default_rng(seed)
    clip_label = np.tile([0, 1], n_clips // 2)
    rng.shuffle(clip_label)
    centres = rng.normal(scale=5.0, size=(n_clips, 4))
    clip_index = np.repeat(np.arange(n_clips), per_clip)
    X = centres[clip_index] + rng.normal(scale=0.1, size=(len(clip_index), 4))
    return X[:, :, None].astype(np.float32), clip_label[clip_index], clip_index


def _nearest_neighbour(X_train, y_train, X_test):
    d = ((X_test[:, None, :, 0] - X_train[None, :, :, 0]) ** 2).sum(axis=2)
    return y_train[d.argmin(axis=1)].astype(float)


def test_cross_validation_by_clip_does_not_leak():
    X, y, clips = _fingerprinted_segments()
    # A random split of segments puts siblings of every test segment into training:
    rng = np.random.default_rng(1)
    test = rng.random(len(y)) < 0.25
    leaked = evaluation.accuracy(y[test], _nearest_neighbour(X[~test], y[~test], X[test]))
    assert leaked > 0.95, "the hand-made case must leak under a segment split"
    cv = evaluation.cross_validate(_nearest_neighbour, X, y, clips, n_splits=5, progress=False)
    assert len(cv) == 5 and cv.test_clips.sum() == 100
    assert cv.clip_accuracy.mean() < 0.7, "clip-level CV must not see the test clips' siblings"
    leaky = evaluation.cross_validate(
        _nearest_neighbour, X, y, clips, n_splits=5, progress=False, by="segment"
    )
    assert leaky.segment_accuracy.mean() > 0.95, "by='segment' must show the leak"


def test_bootstrap_interval_matches_the_binomial_spread():
    # 8 test clips, 7 right: the bootstrap draws the number right from Binomial(8, 7/8), whose
    # 2.5% and 97.5% quantiles are 5 and 8 (by hand: P(X <= 4) = 0.010, P(X <= 5) = 0.076).
    y = np.ones(8)
    scores = np.array([1, 1, 1, 1, 1, 1, 1, 0.0])
    low, high = evaluation.bootstrap_interval(y, scores, n=4000, seed=0)
    assert (low, high) == (5 / 8, 1.0)
    everything_right = evaluation.bootstrap_interval(y, np.ones(8), n=100)
    assert everything_right == (1.0, 1.0)
    with pytest.raises(ValueError, match="as many"):
        evaluation.bootstrap_interval(y, np.ones(3))


def test_clip_folds_are_stratified_and_test_every_clip_once():
    labels = np.array([0] * 10 + [1] * 10)
    folds = evaluation.clip_folds(labels, n_splits=5)
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested.tolist()) == list(range(20))
    for train, test in folds:
        assert not set(train) & set(test)
        assert labels[test].sum() == 2 and len(test) == 4  # both classes in every fold


def test_vote_and_mean_aggregation():
    scores = np.array([0.9, 0.6, 0.45, 0.1, 0.2])
    clips = np.array([0, 0, 0, 1, 1])
    _, mean = evaluation.clip_scores(scores, clips)
    _, vote = evaluation.clip_scores(scores, clips, method="vote")
    np.testing.assert_allclose(mean, [0.65, 0.15])
    np.testing.assert_allclose(vote, [2 / 3, 0.0])
    with pytest.raises(ValueError, match="method"):
        evaluation.clip_scores(scores, clips, method="median")


# ------------------------------------------------------------------ tagging (notebooks 04-07)


@pytest.mark.parametrize("bands,blocks", [(96, 4), (96, 5), (128, 4), (40, 3)])
def test_compact_cnn_pools_frequency_to_one_band(bands, blocks):
    model = models.compact_cnn((bands, 100), n_outputs=3, n_blocks=blocks, filters=4)
    assert model.get_layer(f"conv{blocks}_pool").output.shape[1] == 1
    assert model.output_shape == (None, 3)
    assert model.get_layer("output").activation.__name__ == "softmax"


def test_compact_cnn_multi_label_and_any_clip_length():
    model = models.compact_cnn((96, None), n_outputs=50, output_activation="sigmoid", filters=4)
    for frames in (60, 200):
        y = model.predict(np.zeros((2, 96, frames), dtype=np.float32), verbose=0)
        assert y.shape == (2, 50) and np.all((y > 0) & (y < 1))
    with pytest.raises(ValueError, match="filters"):
        models.compact_cnn((96, 100), n_blocks=4, filters=(8, 8))


def test_compact_cnn_batch_statistics_settle_within_a_few_dozen_steps():
    # prediction uses the running statistics: after 30 training steps on inputs of mean 5,
    # the first block's running mean must be close to the batch mean, or predictions
    # on a small dataset come out biased (Keras' default momentum 0.99 leaves 74% of the
    # initial zero after 30 steps)
    import keras

    model = models.compact_cnn((8, 16), n_outputs=1, n_blocks=2, filters=2, dropout=0)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy")
    x = np.full((30 * 4, 8, 16), 5.0, dtype=np.float32)
    model.fit(x, np.zeros(len(x)), batch_size=4, epochs=1, verbose=0)
    bn = model.get_layer("conv1_bn")
    conv = keras.Model(model.input, model.get_layer("conv1_conv").output)
    batch_mean = conv.predict(x[:4], verbose=0).mean(axis=(0, 1, 2))
    assert bn.momentum == 0.9
    np.testing.assert_allclose(bn.moving_mean.numpy(), batch_mean, rtol=0.1, atol=0.05)


def _hand_made_scores(seed=0, n=60):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    scores = np.round(0.4 * y + rng.random(n), 1)  # rounding makes ties, the tricky case
    return y, scores


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_auc_and_average_precision_match_scikit_learn(seed):
    from sklearn.metrics import average_precision_score, roc_auc_score

    y, scores = _hand_made_scores(seed)
    assert evaluation.roc_auc(y, scores) == pytest.approx(roc_auc_score(y, scores))
    assert evaluation.average_precision(y, scores) == pytest.approx(
        average_precision_score(y, scores)
    )
    assert (
        evaluation.roc_auc([0, 1], [0.2, 0.9]) == 1.0
        and evaluation.roc_auc([0, 1], [0.9, 0.2]) == 0.0
    )
    with pytest.raises(ValueError, match="both classes"):
        evaluation.roc_auc([1, 1], [0.2, 0.3])


def test_per_tag_scores_and_macro_means():
    from sklearn.metrics import roc_auc_score

    Y = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 0]])
    S = np.array([[0.9, 0.2, 0.1], [0.3, 0.8, 0.4], [0.7, 0.6, 0.2], [0.1, 0.7, 0.3]])
    df = evaluation.per_tag_scores(Y, S, tags=["rock", "piano", "never"])
    assert df.loc["rock", "roc_auc"] == 1.0 and np.isnan(df.loc["never", "roc_auc"])
    assert df.attrs["macro_roc_auc"] == pytest.approx(
        np.mean([roc_auc_score(Y[:, j], S[:, j]) for j in (0, 1)])
    )


def test_per_class_report_matches_scikit_learn():
    from sklearn.metrics import f1_score, precision_score, recall_score

    rng = np.random.default_rng(3)
    y_true, y_pred = rng.integers(0, 4, size=80), rng.integers(0, 4, size=80)
    report = evaluation.per_class_report(y_true, y_pred, labels=["a", "b", "c", "d"])
    np.testing.assert_allclose(report.precision, precision_score(y_true, y_pred, average=None))
    np.testing.assert_allclose(report.recall, recall_score(y_true, y_pred, average=None))
    assert report.attrs["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    # a class in neither y_true nor y_pred ("d") does not count, as in scikit-learn
    y_true, y_pred = np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0])
    report = evaluation.per_class_report(y_true, y_pred, labels=["a", "b", "c", "d"])
    assert report.attrs["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert report.loc["d"].tolist() == [0, 0, 0, 0]


def test_f1_per_tag_matches_scikit_learn():
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(5)
    Y_true, Y_pred = rng.random((40, 6)) < 0.3, rng.random((40, 6)) < 0.4
    Y_true[:, 5] = Y_pred[:, 5] = False  # a tag nobody has and nobody predicts
    expected = f1_score(Y_true, Y_pred, average=None, zero_division=0)
    np.testing.assert_allclose(evaluation.f1_per_tag(Y_true, Y_pred), expected)


def test_tune_thresholds_by_hand():
    # tag 0: positives score 0.6 and 0.7, negatives 0.65 and 0.1
    Y_true = np.array([[1, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]])
    Y_score = np.array([[0.6, 0.1, 0.9], [0.7, 0.2, 0.1], [0.65, 0.3, 0.8], [0.1, 0.4, 0.2]])
    th = evaluation.tune_thresholds(Y_true, Y_score)
    # any threshold in 0.15-0.6 catches both positives and one negative: F1 0.8, the best
    # (0.65: 0.5; 0.7: 0.67); of 0.15-0.6 the one nearest the default 0.5 is kept
    assert th[0] == 0.5
    assert th[1] == 0.4  # its one positive (0.4) alone is above 0.35-0.4; nearest 0.5: 0.4
    assert 0.2 < th[2] <= 0.8  # 0.9 and 0.8 positives, negatives at 0.1 and 0.2
    assert evaluation.f1_per_tag(Y_true[:, 2:], Y_score[:, 2:] >= th[2]).tolist() == [1.0]
    none = evaluation.tune_thresholds(np.zeros((3, 1)), np.ones((3, 1)), default=0.3)
    assert none.tolist() == [0.3]  # no positive: F1 cannot choose, the default stays
    with pytest.raises(ValueError, match="shape"):
        evaluation.tune_thresholds(Y_true, Y_score[:, :2])


def test_tensorboard_logs_the_losses_where_it_says(tmp_path):
    import keras
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util.tensor_util import make_ndarray

    config.set_seed(0)
    model = models.dense((4,), units=(3,))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    X = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    y = (X[:, 0] > 0).astype("float32")
    callback = models.tensorboard("02_deep_learning_basics", "probe", root=tmp_path)
    assert isinstance(callback, keras.callbacks.TensorBoard)
    hist = model.fit(X, y, validation_data=(X, y), epochs=3, verbose=0, callbacks=[callback])
    folder = tmp_path / "02_deep_learning_basics" / "probe"
    for part, key in (("train", "loss"), ("validation", "val_loss")):
        events = EventAccumulator(str(folder / part), size_guidance={"tensors": 0}).Reload()
        logged = [float(make_ndarray(e.tensor_proto)) for e in events.Tensors("epoch_loss")]
        np.testing.assert_allclose(logged, hist.history[key], rtol=1e-5)


def test_xla_compiled_training_agrees_with_the_uncompiled_one():
    # benchmarks/training_speed.py measures jit_compile=True beside Keras's CPU default
    # (no XLA); both must train the same network to the same weights, up to rounding.
    import keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 40, 80)).astype("float32")
    y = (x[:, :20].mean(axis=(1, 2)) > 0).astype("float32")[:, None]
    scores = {}
    for jit in (False, True):
        config.set_seed(7)
        model = models.stacked_cnn((40, 80), filters=(4, 8), dropout=0.0)
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", jit_compile=jit
        )
        model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
        scores[jit] = model.predict(x[:32], verbose=0)
    np.testing.assert_allclose(scores[True], scores[False], atol=1e-4)


def test_fused_batch_normalization_is_keras_batch_normalization():
    # utils.layers.BatchNormalization runs one fused kernel on TensorFlow; outputs, gradients,
    # moving statistics and inference must be Keras' own layer's, up to float32 rounding.
    import keras
    import tensorflow as tf

    from utils import layers

    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(2.0, 3.0, (8, 6, 5, 3)).astype("float32"))
    w = tf.constant(rng.normal(size=(8, 6, 5, 3)).astype("float32"))
    got = {}
    for cls in (layers.BatchNormalization, keras.layers.BatchNormalization):
        bn = cls(momentum=0.9)
        bn.build(x.shape)
        bn.gamma.assign([1.5, 0.5, 2.0])
        bn.beta.assign([0.1, -0.2, 0.3])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = bn(x, training=True)
            loss = tf.reduce_sum(y * w)
        grads = tape.gradient(loss, [x, bn.gamma, bn.beta])
        got[cls] = [y, *grads, bn.moving_mean, bn.moving_variance, bn(x, training=False)]
    ours, theirs = got.values()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=5e-5, rtol=1e-5)
    # a 2-D input (a dense layer's) takes Keras' own path
    flat = layers.BatchNormalization()(rng.normal(size=(4, 3)).astype("float32"), training=True)
    assert flat.shape == (4, 3)


def test_builders_use_the_fused_batch_normalization_and_it_loads_again(tmp_path):
    import keras

    from utils import layers

    model = models.compact_cnn((24, 16), filters=(4, 4, 4, 4))
    bns = [layer for layer in model.layers if "BatchNormalization" in type(layer).__name__]
    assert bns and all(isinstance(layer, layers.BatchNormalization) for layer in bns)
    assert "BatchNormalization" in models.layer_types(model)  # same_network against Keras code
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    x = np.random.default_rng(0).normal(size=(2, 24, 16)).astype("float32")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
