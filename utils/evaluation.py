"""Metrics, clip-level aggregation and cross-validation by clip.

Classification metrics take the true labels and the model's scores (probabilities):
:func:`predicted_labels` turns scores into labels, :func:`accuracy` and
:func:`confusion_matrix` compare them with the truth, and :func:`clip_scores` averages the
scores of all segments of a clip, so that a model trained on 2-second segments is judged
on whole recordings.

The numbers a notebook computes here go into its results file (:mod:`utils.results`).
"""

from __future__ import annotations

import time

import numpy as np

from . import config

__all__ = [
    "Timer",
    "accuracy",
    "bootstrap_interval",
    "average_precision",
    "clip_folds",
    "clip_scores",
    "confusion_matrix",
    "cross_validate",
    "per_class_report",
    "f1_per_tag",
    "tune_thresholds",
    "per_tag_scores",
    "macro_pr_auc",
    "macro_roc_auc",
    "predicted_labels",
    "random_split",
    "roc_auc",
    "standardize",
]


class Timer:
    """Wall-clock seconds since creation; ``float(timer)`` reads it.

    Example
    -------
    >>> t = Timer(); float(t) >= 0
    True
    """

    def __init__(self):
        self.start = time.perf_counter()

    def __float__(self) -> float:
        return time.perf_counter() - self.start


def predicted_labels(y_score, *, threshold: float = 0.5) -> np.ndarray:
    """Class labels from scores: ``score >= threshold`` for one column, else the arg-max.

    Parameters
    ----------
    y_score : np.ndarray [shape=(n,) or (n, 1) or (n, n_classes)]
        Probabilities (sigmoid for binary tasks, softmax for multi-class ones).
    threshold : float
        Decision threshold of a binary task.

    Returns
    -------
    np.ndarray [shape=(n,), dtype=int]

    Example
    -------
    >>> predicted_labels(np.array([0.2, 0.7])).tolist()
    [0, 1]
    >>> predicted_labels(np.array([[0.1, 0.9], [0.8, 0.2]])).tolist()
    [1, 0]
    """
    y_score = np.asarray(y_score)
    if y_score.ndim == 2 and y_score.shape[1] == 1:
        y_score = y_score[:, 0]
    if y_score.ndim == 1:
        return (y_score >= threshold).astype(int)
    if y_score.ndim == 2:
        return y_score.argmax(axis=1)
    raise ValueError(f"scores must have shape (n,), (n, 1) or (n, classes), found {y_score.shape}")


def accuracy(y_true, y_score, *, threshold: float = 0.5) -> float:
    """The fraction of examples whose predicted label (:func:`predicted_labels`) is right.

    Parameters
    ----------
    y_true : np.ndarray [shape=(n,)]
        Integer labels.
    y_score : np.ndarray [shape=(n,) or (n, 1) or (n, n_classes)]
        Scores, as ``model.predict`` returns them.
    threshold : float
        Decision threshold of a binary task.

    Returns
    -------
    float

    Example
    -------
    >>> accuracy([0, 1, 1], np.array([0.1, 0.8, 0.4]))
    0.6666666666666666
    """
    y_true = np.asarray(y_true).astype(int).ravel()
    y_pred = predicted_labels(y_score, threshold=threshold)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{y_true.size} labels but {y_pred.size} predictions")
    return float(np.mean(y_true == y_pred))


def bootstrap_interval(
    y_true, y_score, *, metric=None, n: int = 2000, level: float = 0.95, seed: int = config.SEED
):
    """A percentile bootstrap interval of a metric: resample the test items with replacement.

    With few test items (8 clips, where one clip is worth 12.5 points of accuracy) one
    number hides how much it could move; the bootstrap (Efron 1979) draws ``n`` test sets
    of the same size from the one there is and reports the central ``level`` share of the
    metric over them.

    Parameters
    ----------
    y_true : np.ndarray [shape=(n_items,)]
        The true labels.
    y_score : np.ndarray [shape=(n_items,) or (n_items, k)]
        The model's scores (or labels) for the same items.
    metric : callable, optional
        ``metric(y_true, y_score) -> float``; default :func:`accuracy`.
    n : int
        Bootstrap draws.
    level : float
        Coverage of the interval, e.g. 0.95.
    seed : int
        Seed of the draws' own generator.

    Returns
    -------
    (float, float)
        The interval's low and high ends.

    Example
    -------
    >>> low, high = bootstrap_interval(np.array([1, 1, 1, 0]), np.array([1, 1, 0, 0]), n=500)
    >>> 0.25 <= low <= 0.75 <= high <= 1.0
    True
    """
    metric = accuracy if metric is None else metric
    y_true, y_score = np.asarray(y_true), np.asarray(y_score)
    if len(y_true) != len(y_score) or len(y_true) == 0:
        raise ValueError(
            f"need as many scores as labels (>0), found {len(y_score)} and {len(y_true)}"
        )
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(y_true), size=(n, len(y_true)))
    values = np.array([metric(y_true[d], y_score[d]) for d in draws])
    tail = (1 - level) / 2
    return float(np.quantile(values, tail)), float(np.quantile(values, 1 - tail))


def confusion_matrix(y_true, y_pred, *, n_classes: int | None = None) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    Parameters
    ----------
    y_true, y_pred : np.ndarray [shape=(n,)]
        Integer labels (use :func:`predicted_labels` to turn scores into labels).
    n_classes : int, optional
        Defaults to the largest label + 1.

    Returns
    -------
    np.ndarray [shape=(n_classes, n_classes), dtype=int]
        Row = true class, column = predicted class; the diagonal counts the right answers.

    Example
    -------
    >>> confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1]).tolist()
    [[1, 1], [0, 2]]
    """
    y_true = np.asarray(y_true).astype(int).ravel()
    y_pred = np.asarray(y_pred).astype(int).ravel()
    if n_classes is None:
        n_classes = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    cm = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def roc_auc(y_true, y_score) -> float:
    """Area under the ROC curve of one binary task: the chance that a random positive scores
    higher than a random negative (ties count half; the Mann-Whitney statistic).

    Parameters
    ----------
    y_true : np.ndarray [shape=(n,)]
        0 or 1.
    y_score : np.ndarray [shape=(n,)]
        Scores; only their order matters.

    Returns
    -------
    float
        0.5 is chance, 1.0 a perfect ranking.

    Raises
    ------
    ValueError
        When ``y_true`` holds only one class (the area is undefined).

    Example
    -------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    from scipy.stats import rankdata

    y_true = np.asarray(y_true).astype(int).ravel()
    y_score = np.asarray(y_score, dtype=float).ravel()
    n_pos, n_neg = int(y_true.sum()), int((1 - y_true).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC-AUC needs both classes in y_true; found only one")
    ranks = rankdata(y_score)  # average ranks for ties
    return float((ranks[y_true == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_precision(y_true, y_score) -> float:
    """Area under the precision-recall curve (average precision) of one binary task.

    The mean, over the positives, of the precision among all items scored at least as
    high as that positive. Unlike ROC-AUC it drops when positives are rare and mixed with
    many confident negatives, which is why tagging papers report both.

    Parameters
    ----------
    y_true : np.ndarray [shape=(n,)]
        0 or 1.
    y_score : np.ndarray [shape=(n,)]
        Scores.

    Returns
    -------
    float
        The fraction of positives is chance; 1.0 is perfect.

    Example
    -------
    >>> round(average_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    """
    y_true = np.asarray(y_true).astype(int).ravel()
    y_score = np.asarray(y_score, dtype=float).ravel()
    if y_true.sum() == 0:
        raise ValueError("average precision needs at least one positive in y_true")
    return float(_average_precisions(y_true[:, None], y_score[:, None])[0])


def _average_precisions(Y, S) -> np.ndarray:
    """:func:`average_precision` of every column of ``Y`` (n, k) against ``S``, at once.

    One point per distinct score (tied items share the precision at their group's last
    row), as scikit-learn computes it; NaN for a column without a positive.
    """
    order = np.argsort(-S, axis=0, kind="stable")
    scores = np.take_along_axis(S, order, axis=0)
    hits = np.take_along_axis(Y.astype(float), order, axis=0)
    rows = np.arange(len(S))[:, None]
    last = np.ones(scores.shape, dtype=bool)  # the last row of each group of tied scores
    last[:-1] = scores[1:] != scores[:-1]
    group_end = np.where(last, rows, len(S))  # then each row's group's last row:
    group_end = np.minimum.accumulate(group_end[::-1], axis=0)[::-1]
    precision = np.take_along_axis(np.cumsum(hits, axis=0), group_end, axis=0) / (group_end + 1)
    positives = hits.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(positives > 0, (hits * precision).sum(axis=0) / positives, np.nan)


def random_ranking_ap(positives, items):
    """The expected average precision of a random ranking, computed exactly.

    A tag's PR-AUC, or a query's average precision, is judged against what ranking the
    items in a random order would get. That is not the share of positives: with 1
    positive among 30 items the expected AP is 0.133 (the mean of 1/rank), not 0.033.
    With ``r`` positives among ``m`` items it is ``(H_m + (r - 1)(m - H_m) / (m - 1)) / m``,
    ``H_m = 1 + 1/2 + ... + 1/m`` (Bestgen 2015): a positive at rank ``p`` (any rank
    equally likely) has each other positive above it with probability
    ``(p - 1) / (m - 1)``. :func:`utils.similarity.random_baseline` uses it for retrieval.

    Parameters
    ----------
    positives : int or array_like of int
        Positives (relevant items) per task, ``r``.
    items : int or array_like of int
        Items ranked per task, ``m`` (broadcast against ``positives``).

    Returns
    -------
    float or np.ndarray
        The expected AP per task; NaN where it is undefined (no positive).

    Example
    -------
    >>> round(float(random_ranking_ap(1, 30)), 3), round(float(random_ranking_ap(5, 30)), 3)
    (0.133, 0.253)
    >>> float(random_ranking_ap(4, 4))  # every item positive: any order is perfect
    1.0
    """
    r, m = np.broadcast_arrays(
        np.asarray(positives, dtype=np.float64), np.asarray(items, dtype=np.float64)
    )
    if np.any(r > m) or np.any(r < 0):
        raise ValueError(f"positives must lie in 0..items, found {positives} of {items}")
    mi = m.astype(np.int64)
    harmonic = np.r_[0.0, np.cumsum(1.0 / np.arange(1, max(int(mi.max(initial=0)), 1) + 1))]
    H = harmonic[mi]
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = np.where(m > 1, (r - 1) * (m - H) / np.maximum(m - 1, 1), 0.0)
        ap = np.where(r > 0, (H + rest) / np.maximum(m, 1), np.nan)
    return float(ap) if ap.ndim == 0 else ap


def per_tag_scores(Y_true, Y_score, *, tags=None):
    """ROC-AUC and PR-AUC of each tag (column) of a multi-label task, and their macro means.

    Parameters
    ----------
    Y_true : np.ndarray [shape=(n, n_tags)]
        0/1 labels.
    Y_score : np.ndarray [shape=(n, n_tags)]
        Scores (sigmoid outputs).
    tags : sequence of str, optional
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per tag with ``positives`` (positive clips), ``roc_auc``, ``pr_auc`` and
        ``chance_pr_auc`` (:func:`random_ranking_ap`: a random ranking's expected PR-AUC).
        A score is NaN ("n/a") where it is undefined: ROC-AUC without both classes,
        PR-AUC and its chance without a positive. The macro means leave those tags out and
        say how many they cover: ``.attrs`` holds ``macro_roc_auc``, ``macro_pr_auc``,
        ``macro_chance_pr_auc`` (over the tags PR-AUC covers), ``roc_auc_tags``,
        ``pr_auc_tags`` and ``tags``.

    Example
    -------
    >>> df = per_tag_scores([[1, 0], [0, 0], [1, 0]], [[0.9, 0.2], [0.1, 0.3], [0.8, 0.4]])
    >>> df.round(3).to_dict("list")
    {'positives': [2, 0], 'roc_auc': [1.0, nan], 'pr_auc': [1.0, nan], 'chance_pr_auc': [0.806, nan]}
    >>> df.attrs["roc_auc_tags"], df.attrs["tags"]
    (1, 2)
    """
    import pandas as pd

    Y_true, Y_score = np.asarray(Y_true), np.asarray(Y_score, dtype=float)
    if Y_true.shape != Y_score.shape or Y_true.ndim != 2:
        raise ValueError(
            f"expected two arrays of shape (n, tags), found {Y_true.shape} and {Y_score.shape}"
        )
    tags = list(tags) if tags is not None else [f"tag {j}" for j in range(Y_true.shape[1])]
    rows = []
    for j, tag in enumerate(tags):
        pos = int(Y_true[:, j].sum())
        both = 0 < pos < len(Y_true)
        rows.append(
            {
                "tag": tag,
                "positives": pos,
                "roc_auc": roc_auc(Y_true[:, j], Y_score[:, j]) if both else np.nan,
                "pr_auc": average_precision(Y_true[:, j], Y_score[:, j]) if pos else np.nan,
                "chance_pr_auc": random_ranking_ap(pos, len(Y_true)),
            }
        )
    df = pd.DataFrame(rows).set_index("tag")
    df.attrs["macro_roc_auc"] = float(df.roc_auc.mean())
    df.attrs["macro_pr_auc"] = float(df.pr_auc.mean())
    df.attrs["macro_chance_pr_auc"] = float(df.chance_pr_auc[df.pr_auc.notna()].mean())
    df.attrs["roc_auc_tags"] = int(df.roc_auc.notna().sum())
    df.attrs["pr_auc_tags"] = int(df.pr_auc.notna().sum())
    df.attrs["tags"] = len(df)
    return df


def macro_roc_auc(Y_true, Y_score) -> float:
    """The macro ROC-AUC of :func:`per_tag_scores` (its ``.attrs["macro_roc_auc"]``), fast.

    The mean over the tags with both classes among the rows; computed for all tags at once
    (average ranks, the Mann-Whitney statistic), so that :func:`bootstrap_interval` can
    recompute it on thousands of resampled test sets.

    Parameters
    ----------
    Y_true, Y_score : np.ndarray [shape=(n, n_tags)]
        0/1 labels and scores.

    Returns
    -------
    float
        NaN when no tag has both classes.

    Example
    -------
    >>> macro_roc_auc([[1, 0], [0, 0], [1, 1]], [[0.9, 0.2], [0.1, 0.3], [0.8, 0.4]])
    1.0
    """
    from scipy.stats import rankdata

    Y = np.asarray(Y_true).astype(bool)
    ranks = rankdata(np.asarray(Y_score, dtype=float), axis=0)  # average ranks for ties
    pos = Y.sum(axis=0)
    neg = len(Y) - pos
    both = (pos > 0) & (neg > 0)
    if not both.any():
        return float("nan")
    rank_sums = np.where(Y, ranks, 0.0).sum(axis=0)[both]
    p, q = pos[both], neg[both]
    return float(np.mean((rank_sums - p * (p + 1) / 2) / (p * q)))


def macro_pr_auc(Y_true, Y_score) -> float:
    """The macro PR-AUC of :func:`per_tag_scores` (its ``.attrs["macro_pr_auc"]``), fast.

    The mean of :func:`average_precision` over the tags with a positive among the rows,
    without building a table (for :func:`bootstrap_interval`).

    Parameters
    ----------
    Y_true, Y_score : np.ndarray [shape=(n, n_tags)]
        0/1 labels and scores.

    Returns
    -------
    float
        NaN when no tag has a positive.

    Example
    -------
    >>> round(macro_pr_auc([[1, 0], [0, 0], [1, 1]], [[0.9, 0.2], [0.1, 0.3], [0.8, 0.4]]), 3)
    1.0
    """
    ap = _average_precisions(np.asarray(Y_true), np.asarray(Y_score, dtype=float))
    ap = ap[~np.isnan(ap)]
    return float(ap.mean()) if len(ap) else float("nan")


def f1_per_tag(Y_true, Y_pred) -> np.ndarray:
    """F1 of each tag (column) of a multi-label task from 0/1 predictions.

    Parameters
    ----------
    Y_true, Y_pred : np.ndarray [shape=(n, n_tags)]
        0/1 labels and 0/1 predictions.

    Returns
    -------
    np.ndarray [shape=(n_tags,)]
        2 TP / (2 TP + FP + FN) per tag; 0 where a tag has no positives and none predicted
        (as scikit-learn's ``f1_score(average=None, zero_division=0)``).

    Example
    -------
    >>> f1_per_tag([[1, 0], [1, 1], [0, 0]], [[1, 1], [0, 1], [0, 0]]).round(3).tolist()
    [0.667, 0.667]
    """
    Y_true, Y_pred = np.asarray(Y_true).astype(bool), np.asarray(Y_pred).astype(bool)
    tp = (Y_true & Y_pred).sum(axis=0)
    wrong = (Y_true ^ Y_pred).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(2 * tp / (2 * tp + wrong)).astype(float)


def tune_thresholds(Y_true, Y_score, *, grid=None, default: float = 0.5) -> np.ndarray:
    """One decision threshold per tag: the one that maximizes the tag's F1 on these data.

    Choose them on validation data and apply them to the test data; chosen on the test
    data they would flatter the result.

    Parameters
    ----------
    Y_true : np.ndarray [shape=(n, n_tags)]
        0/1 labels (validation).
    Y_score : np.ndarray [shape=(n, n_tags)]
        Scores (validation).
    grid : sequence of float, optional
        Candidate thresholds; default 0.05, 0.10, ..., 0.95. Ties go to the candidate
        closest to ``default``.
    default : float
        The threshold kept for a tag with no positive example (F1 cannot guide it).

    Returns
    -------
    np.ndarray [shape=(n_tags,)]

    Example
    -------
    >>> tune_thresholds([[1], [1], [0], [0]], [[0.3], [0.4], [0.1], [0.2]]).tolist()
    [0.3]
    """
    Y_true, Y_score = np.asarray(Y_true), np.asarray(Y_score, dtype=float)
    if Y_true.shape != Y_score.shape or Y_true.ndim != 2:
        raise ValueError(
            f"expected two arrays of shape (n, tags), found {Y_true.shape} and {Y_score.shape}"
        )
    grid = np.round(np.arange(0.05, 0.951, 0.05), 2) if grid is None else np.asarray(grid)
    grid = grid[np.argsort(np.abs(grid - default), kind="stable")]  # ties: nearest the default
    scores = np.stack([f1_per_tag(Y_true, Y_score >= t) for t in grid])  # (thresholds, tags)
    best = grid[scores.argmax(axis=0)]
    return np.where(Y_true.sum(axis=0) > 0, best, default).astype(float)


def per_class_report(y_true, y_pred, *, labels):
    """Precision, recall and F1 of each class of a single-label task, and the macro F1.

    Parameters
    ----------
    y_true, y_pred : np.ndarray [shape=(n,)]
        Integer labels ``0 .. len(labels) - 1``.
    labels : sequence of str
        Class names.

    Returns
    -------
    pandas.DataFrame
        One row per class: ``precision``, ``recall``, ``f1``, ``support``;
        ``.attrs["macro_f1"]`` is the unweighted mean F1 over the classes that occur in
        ``y_true`` or ``y_pred`` (as scikit-learn's ``f1_score(average="macro")``): a class
        absent from a small test set and never predicted neither helps nor hurts.

    Example
    -------
    >>> r = per_class_report([0, 0, 1, 1], [0, 1, 1, 1], labels=["a", "b"])
    >>> r.f1.round(3).tolist(), round(r.attrs["macro_f1"], 3)
    ([0.667, 0.8], 0.733)
    """
    import pandas as pd

    cm = confusion_matrix(y_true, y_pred, n_classes=len(labels))
    tp = np.diag(cm).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.nan_to_num(tp / cm.sum(axis=0))
        recall = np.nan_to_num(tp / cm.sum(axis=1))
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    df = pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": cm.sum(axis=1)},
        index=list(labels),
    )
    seen = (cm.sum(axis=0) + cm.sum(axis=1)) > 0
    df.attrs["macro_f1"] = float(f1[seen].mean()) if seen.any() else 0.0
    return df


def clip_scores(segment_scores, clip_index, *, method: str = "mean", threshold: float = 0.5):
    """One score per clip from the scores of its segments: mean probability or majority vote.

    Parameters
    ----------
    segment_scores : np.ndarray [shape=(n_segments,) or (n_segments, k)]
        The model's scores for each segment.
    clip_index : np.ndarray [shape=(n_segments,)]
        Which clip each segment comes from (any integer ids).
    method : {"mean", "vote"}
        ``"mean"`` averages the probabilities; ``"vote"`` gives the fraction of segments
        predicted as each class (:func:`predicted_labels`), so the majority class wins.
    threshold : float
        Decision threshold of a binary task, for ``"vote"``.

    Returns
    -------
    clips : np.ndarray [shape=(n_clips,)]
        The clip ids, sorted.
    scores : np.ndarray [shape=(n_clips,) or (n_clips, k)]
        The clip scores, to be read like segment scores (e.g. by :func:`accuracy`).

    Example
    -------
    >>> clips, scores = clip_scores(np.array([0.2, 0.4, 0.9]), np.array([5, 5, 7]))
    >>> clips.tolist(), scores.round(2).tolist()
    ([5, 7], [0.3, 0.9])
    >>> clip_scores(np.array([0.9, 0.6, 0.1]), np.array([1, 1, 1]), method="vote")[1].round(2)
    array([0.67])
    """
    segment_scores = np.asarray(segment_scores, dtype=float)
    clip_index = np.asarray(clip_index).ravel()
    if len(segment_scores) != len(clip_index):
        raise ValueError(f"{len(segment_scores)} scores but {len(clip_index)} clip indices")
    if method not in ("mean", "vote"):
        raise ValueError(f"method must be 'mean' or 'vote', found {method!r}")
    if method == "vote":
        labels = predicted_labels(segment_scores, threshold=threshold)
        if segment_scores.ndim == 2 and segment_scores.shape[1] > 1:
            segment_scores = np.eye(segment_scores.shape[1])[labels]
        else:
            segment_scores = labels.astype(float).reshape(segment_scores.shape)
    clips, inverse = np.unique(clip_index, return_inverse=True)
    flat = segment_scores.reshape(len(segment_scores), -1)
    sums = np.zeros((len(clips), flat.shape[1]))
    np.add.at(sums, inverse, flat)
    means = sums / np.bincount(inverse)[:, None]
    return clips, means.reshape((len(clips),) + segment_scores.shape[1:])


def standardize(train, *others, axis=(0, 2)):
    """Shift and scale arrays by the mean and standard deviation of ``train`` only.

    Statistics are taken over ``axis`` of ``train``; for log-mel segments of shape
    ``(n, bands, frames)`` the default gives one mean and one deviation per mel band.
    Using test data here would leak information about it into training.

    Parameters
    ----------
    train : np.ndarray
        The training data; its statistics are used for every array.
    *others : np.ndarray
        Further arrays (validation, test) of the same trailing shape.
    axis : int or tuple of int
        The axes the statistics run over.

    Returns
    -------
    list of np.ndarray [dtype=float32]
        ``train`` and then ``others``, standardized.

    Example
    -------
    >>> a, b = standardize(np.array([[1.0], [3.0]]), np.array([[5.0]]), axis=0)
    >>> a.ravel().tolist(), b.ravel().tolist()
    ([-1.0, 1.0], [3.0])
    """
    train = np.asarray(train, dtype=np.float32)
    mean = train.mean(axis=axis, keepdims=True)
    std = train.std(axis=axis, keepdims=True) + 1e-8
    return [
        ((np.asarray(a, dtype=np.float32) - mean) / std).astype(np.float32)
        for a in (train, *others)
    ]


def random_split(labels, *, songs=None, test_size: float = 0.25, seed: int = 0) -> np.ndarray:
    """One random train/test split of clips: as the 2018 tutorial made it, or song-safe.

    The MLPrague 2018 tutorial split its clips at random, 75 % for training and 25 % for the
    test (scikit-learn's ``StratifiedShuffleSplit`` for one label per clip, ``ShuffleSplit``
    for several, ``random_state=0``). Where a song is cut into several clips, as in
    MagnaTagATune, such a split puts clips of one song on both sides, and the test then
    rewards recognising the song. Given ``songs``, whole songs go to one side instead
    (``StratifiedGroupKFold`` or ``GroupShuffleSplit``), with about the same test share.

    Parameters
    ----------
    labels : np.ndarray [shape=(n,) or (n, k)]
        One class per clip (the split keeps the classes' shares), or 0/1 tags per clip.
    songs : array_like [shape=(n,)], optional
        The song of each clip (:func:`utils.datasets.song_ids`): a song-safe split.
    test_size : float
        Share of the clips (of the songs, for multi-label data) in the test part.
    seed : int
        The split's ``random_state``; 0 as in 2018.

    Returns
    -------
    np.ndarray [shape=(n,), dtype=object]
        ``"train"`` or ``"test"`` per clip.

    Example
    -------
    >>> songs = np.repeat(np.arange(8), 2)  # 8 songs of 2 clips each
    >>> labels = np.repeat([0, 1], 8)
    >>> safe = random_split(labels, songs=songs)
    >>> all(len(set(safe[songs == s])) == 1 for s in range(8)), int((safe == "test").sum())
    (True, 4)
    >>> int((random_split(labels) == "test").sum())
    4
    """
    from sklearn import model_selection as ms

    labels = np.asarray(labels)
    ids = np.arange(len(labels))
    if songs is None:
        kind = ms.StratifiedShuffleSplit if labels.ndim == 1 else ms.ShuffleSplit
        splitter = kind(n_splits=1, test_size=test_size, random_state=seed)
        _, test = next(splitter.split(ids, labels if labels.ndim == 1 else None))
    elif labels.ndim == 1:
        folds = ms.StratifiedGroupKFold(
            n_splits=max(2, round(1 / test_size)), shuffle=True, random_state=seed
        )
        _, test = next(folds.split(ids, labels, groups=np.asarray(songs)))
    else:
        splitter = ms.GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
        _, test = next(splitter.split(ids, groups=np.asarray(songs)))
    out = np.full(len(labels), "train", dtype=object)
    out[test] = "test"
    return out


def clip_folds(clip_labels, *, n_splits: int = 5, seed: int = config.SEED):
    """Stratified k-fold splits of clips: each clip is tested exactly once.

    Parameters
    ----------
    clip_labels : np.ndarray [shape=(n_clips,)]
        The label of each clip (any hashable values).
    n_splits : int
        Number of folds.
    seed : int
        Shuffling seed.

    Returns
    -------
    list of (np.ndarray, np.ndarray)
        Per fold, the training and the test clip ids (positions in ``clip_labels``).

    Example
    -------
    >>> folds = clip_folds(np.array([0, 0, 0, 1, 1, 1]), n_splits=3)
    >>> sorted(int(c) for _, test in folds for c in test)
    [0, 1, 2, 3, 4, 5]
    """
    from sklearn.model_selection import StratifiedKFold

    clip_labels = np.asarray(clip_labels)
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    ids = np.arange(len(clip_labels))
    return [(ids[tr], ids[te]) for tr, te in splitter.split(ids, clip_labels)]


def cross_validate(
    fit_predict,
    X,
    y,
    clip_index,
    *,
    n_splits: int = 5,
    seed: int = config.SEED,
    progress: bool = True,
    by: str = "clip",
):
    """K-fold cross-validation by clip: no clip has segments on both sides of a split.

    For each fold, the segments of the training clips are standardized with their own
    statistics (:func:`standardize`), ``fit_predict`` trains a fresh model on them and
    scores the test segments, and segment and clip accuracy are measured.
    ``by="segment"`` splits the segments instead, ignoring their clips: the common mistake,
    whose test segments have siblings from the same recordings in training, kept here to
    measure how much it inflates the numbers.

    Parameters
    ----------
    fit_predict : callable
        ``fit_predict(X_train, y_train, X_test) -> scores`` for the test segments.
    X : np.ndarray [shape=(n_segments, ...)]
        Segment features.
    y : np.ndarray [shape=(n_segments,)]
        Segment labels (each segment has its clip's label).
    clip_index : np.ndarray [shape=(n_segments,)]
        The clip of each segment: integer ids ``0 .. n_clips - 1``.
    n_splits : int
        Number of folds.
    seed : int
        Seed of the fold assignment.
    progress : bool
        Show a progress bar over the folds.
    by : {"clip", "segment"}
        Split the clips (honest), or the segments (leaky: stratified by segment label).

    Returns
    -------
    pandas.DataFrame
        One row per fold: ``fold``, ``train_clips``, ``test_clips``, ``segment_accuracy``,
        ``clip_accuracy`` (over the test segments of each clip they touch), ``seconds``.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    X, y, clip_index = np.asarray(X), np.asarray(y).ravel(), np.asarray(clip_index).ravel()
    n_clips = int(clip_index.max()) + 1
    clip_label = np.zeros(n_clips, dtype=int)
    clip_label[clip_index] = y
    if by not in ("clip", "segment"):
        raise ValueError(f"by must be 'clip' or 'segment', found {by!r}")
    rows = []
    if by == "clip":
        folds = [
            (np.isin(clip_index, a), np.isin(clip_index, b))
            for a, b in clip_folds(clip_label, n_splits=n_splits, seed=seed)
        ]
    else:
        folds = [(a, b) for a, b in clip_folds(y, n_splits=n_splits, seed=seed)]
        folds = [(np.isin(np.arange(len(y)), a), np.isin(np.arange(len(y)), b)) for a, b in folds]
    for k, (train, test) in enumerate(tqdm(folds, desc="folds", disable=not progress)):
        train_clips, test_clips = np.unique(clip_index[train]), np.unique(clip_index[test])
        if by == "clip":
            assert not np.isin(test_clips, train_clips).any(), "a clip is on both sides"
        X_tr, X_te = standardize(X[train], X[test])
        timer = Timer()
        scores = np.asarray(fit_predict(X_tr, y[train], X_te))
        ids, clip_prob = clip_scores(scores, clip_index[test])
        rows.append(
            {
                "fold": k + 1,
                "train_clips": len(train_clips),
                "test_clips": len(test_clips),
                "segment_accuracy": accuracy(y[test], scores),
                "clip_accuracy": accuracy(clip_label[ids], clip_prob),
                "seconds": round(float(timer), 1),
            }
        )
    return pd.DataFrame(rows)
