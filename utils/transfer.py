"""Transfer learning on small collections: probes cross-validated by clip, bootstrap intervals.

A pretrained model's embeddings (:func:`utils.musicnn.embed`) turn each clip into one
vector; a small classifier on those vectors (a *probe*) is then judged by k-fold
cross-validation by clip (:func:`out_of_fold`, the folds of
:func:`utils.evaluation.clip_folds`), and its accuracy gets a bootstrap interval
(:func:`utils.evaluation.bootstrap_interval`), which a collection of a few dozen clips needs. The same
folds judge a network trained from scratch on the clips' segments, so the two numbers
compare like with like.

Example
-------
>>> rng = np.random.default_rng(0)
>>> y = np.repeat([0, 1], 20)
>>> X = rng.normal(size=(40, 5)) + 3 * y[:, None]  # two well separated classes
>>> score = probe(X, y, n_splits=5)
>>> score["accuracy"], score["ci_low"] <= score["accuracy"] <= score["ci_high"]
(1.0, True)
"""

from __future__ import annotations

import numpy as np

from . import config, evaluation

__all__ = [
    "logistic_fit_predict",
    "keras_fit_predict",
    "n_folds",
    "out_of_fold",
    "probe",
]


def logistic_fit_predict(X_train, y_train, X_test, *, C: float = 1.0) -> np.ndarray:
    """Logistic regression (scikit-learn, L2, ``C``) trained on standardized features.

    A ``fit_predict`` for :func:`out_of_fold`: the features are standardized with the
    training rows' statistics only.

    Returns
    -------
    np.ndarray [shape=(n_test, n_classes)]
        Class probabilities, columns in the order of ``np.unique(y_train)``.

    Example
    -------
    >>> logistic_fit_predict(np.array([[0.0], [1.0]]), np.array([0, 1]), np.array([[2.0]])).shape
    (1, 2)
    """
    from sklearn.linear_model import LogisticRegression

    X_train, X_test = evaluation.standardize(X_train, X_test, axis=0)
    model = LogisticRegression(C=C, max_iter=5000)
    model.fit(X_train, np.asarray(y_train).astype(int))
    return model.predict_proba(X_test)


def keras_fit_predict(
    build,
    *,
    epochs: int,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    standardize=None,
    seed: int = config.SEED,
):
    """A ``fit_predict`` that trains a Keras model from the same start in every fold.

    The model is built and compiled once per input shape and number of classes, and its
    weights and optimizer state are saved; every call restores them, reseeds
    (:func:`utils.config.set_seed`, so that shuffling and dropout repeat) and trains again.
    Each fold so trains a fresh network, as if newly built, without TensorFlow tracing a new
    training graph per fold (seconds each on a CPU). The build is reseeded too, so the
    starting weights do not depend on what ran before.

    Parameters
    ----------
    build : callable
        ``build(input_shape, n_outputs) -> keras.Model`` (uncompiled), with one sigmoid
        output for two classes (``n_outputs=1``), else ``n_outputs`` softmax outputs.
    epochs, batch_size : int
        Training of each call.
    learning_rate : float
        Adam's.
    standardize : int or tuple of int, optional
        Standardize the inputs over these axes with the training rows' statistics
        (:func:`utils.evaluation.standardize`); default as given.
    seed : int
        The seed of the build and of every training.

    Returns
    -------
    callable
        ``fit_predict(X_train, y_train, X_test) -> scores`` for :func:`out_of_fold`.

    Example
    -------
    ::

        fit_predict = keras_fit_predict(lambda shape, k: models.dense(shape, n_outputs=k), epochs=5)
        probe(X, y, fit_predict=fit_predict)
    """
    cache = {}

    def fit_predict(X_train, y_train, X_test):
        import keras

        if standardize is not None:
            X_train, X_test = evaluation.standardize(X_train, X_test, axis=standardize)
        y_train = np.asarray(y_train).astype(int)
        k = int(y_train.max()) + 1
        key = (tuple(X_train.shape[1:]), k)
        if key not in cache:
            config.set_seed(seed)
            model = build(X_train.shape[1:], 1 if k == 2 else k)
            loss = "binary_crossentropy" if k == 2 else "sparse_categorical_crossentropy"
            model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss)
            model.optimizer.build(model.trainable_variables)
            start = [v.numpy() for v in model.weights + model.optimizer.variables]
            cache[key] = (model, start)
        model, start = cache[key]
        for var, value in zip(model.weights + model.optimizer.variables, start):
            var.assign(value)
        config.set_seed(seed)
        model.fit(X_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
        return model.predict(X_test, verbose=0)

    return fit_predict


def n_folds(labels, *, n_splits: int = 5) -> int:
    """The folds a stratified split of ``labels`` can have: at most ``n_splits``, at most
    the size of the smallest class, at least 2.

    Raises
    ------
    ValueError
        When a class has a single clip (no fold could both train and test on it).

    Example
    -------
    >>> n_folds([0, 0, 0, 1, 1, 1], n_splits=5)
    3
    """
    counts = np.unique(np.asarray(labels), return_counts=True)[1]
    if len(counts) < 2 or counts.min() < 2:
        raise ValueError(
            f"cross-validation needs at least two classes of at least 2 clips each; found "
            f"class sizes {sorted(counts.tolist())}. Add clips to the smallest class."
        )
    return int(min(n_splits, counts.min()))


def out_of_fold(fit_predict, X, y, clip_index=None, *, n_splits: int = 5, seed: int = config.SEED):
    """Every clip's scores from the one fold in which it was tested (cross-validation by clip).

    The clips are split into stratified folds (:func:`utils.evaluation.clip_folds`); for
    each fold ``fit_predict`` trains on the rows of the other folds' clips and scores the
    rows of this fold's clips, and a clip's rows' scores are averaged
    (:func:`utils.evaluation.clip_scores`). No clip has rows on both sides of a split.

    Parameters
    ----------
    fit_predict : callable
        ``fit_predict(X_train, y_train, X_test) -> scores`` (probabilities), e.g.
        :func:`logistic_fit_predict`; it standardizes what it needs to itself.
    X : np.ndarray [shape=(n_rows, ...)]
        One row per clip (embeddings) or per segment.
    y : np.ndarray [shape=(n_rows,)]
        Integer labels ``0 .. k-1`` (each segment has its clip's).
    clip_index : np.ndarray [shape=(n_rows,)], optional
        The clip of each row, ids ``0 .. n_clips-1``; default one row per clip.
    n_splits : int
        Folds (fewer when the smallest class has fewer clips: :func:`n_folds`).
    seed : int
        Seed of the fold assignment.

    Returns
    -------
    scores : np.ndarray [shape=(n_clips, k)]
        Out-of-fold class probabilities per clip.
    clip_y : np.ndarray [shape=(n_clips,)]
        Each clip's label.

    Example
    -------
    >>> y = np.repeat([0, 1], 6)
    >>> scores, clip_y = out_of_fold(logistic_fit_predict, y[:, None] + 0.1, y, n_splits=3)
    >>> scores.shape, evaluation.accuracy(clip_y, scores)
    ((12, 2), 1.0)
    """
    X, y = np.asarray(X), np.asarray(y).astype(int).ravel()
    clip_index = np.arange(len(y)) if clip_index is None else np.asarray(clip_index).ravel()
    n_clips = int(clip_index.max()) + 1
    clip_y = np.full(n_clips, -1)
    clip_y[clip_index] = y
    if (clip_y < 0).any():
        raise ValueError("clip_index must number the clips 0 .. n_clips-1 with no gap")
    k = int(y.max()) + 1
    scores = np.full((n_clips, k), np.nan)
    folds = evaluation.clip_folds(clip_y, n_splits=n_folds(clip_y, n_splits=n_splits), seed=seed)
    for train_clips, test_clips in folds:
        train, test = np.isin(clip_index, train_clips), np.isin(clip_index, test_clips)
        s = np.asarray(fit_predict(X[train], y[train], X[test]), dtype=float)
        if s.ndim == 2 and s.shape[1] == 1:
            s = s[:, 0]
        if s.ndim == 1:  # one sigmoid output: the probability of class 1
            s = np.stack([1 - s, s], axis=1)
        classes = np.unique(y[train])
        full = np.zeros((len(s), k))
        full[:, classes if s.shape[1] == len(classes) else np.arange(s.shape[1])] = s
        ids, clip_s = evaluation.clip_scores(full, clip_index[test])
        scores[ids] = clip_s
    return scores, clip_y


def probe(
    X, y, clip_index=None, *, fit_predict=None, n_splits: int = 5, seed: int = config.SEED
) -> dict:
    """Cross-validated accuracy by clip of a classifier, with a 95 % bootstrap interval.

    Parameters
    ----------
    X, y, clip_index, n_splits, seed
        See :func:`out_of_fold`.
    fit_predict : callable, optional
        Default :func:`logistic_fit_predict` (the linear probe of an embedding).

    Returns
    -------
    dict
        ``accuracy``, ``ci_low``, ``ci_high``, ``clips``, ``folds``, and ``scores`` and
        ``clip_y`` (:func:`out_of_fold`).

    Example
    -------
    >>> y = np.repeat([0, 1], 10)
    >>> probe(y[:, None] + 0.5, y)["accuracy"]
    1.0
    """
    fit_predict = logistic_fit_predict if fit_predict is None else fit_predict
    scores, clip_y = out_of_fold(fit_predict, X, y, clip_index, n_splits=n_splits, seed=seed)
    low, high = evaluation.bootstrap_interval(clip_y, scores, seed=seed)
    return {
        "accuracy": evaluation.accuracy(clip_y, scores),
        "ci_low": low,
        "ci_high": high,
        "clips": len(clip_y),
        "folds": n_folds(clip_y, n_splits=n_splits),
        "scores": scores,
        "clip_y": clip_y,
    }
