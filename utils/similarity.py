"""Similarity retrieval: distances, relevance from tags, retrieval metrics, tuned shares.

Notebooks 08-10 search a collection of clips for the ones most like a query clip. This
module holds the search and its judges:

Distances
    :func:`pairwise_distances` between feature vectors; :func:`scale_feature_sets` fuses
    several feature sets (MFCC statistics, rhythm patterns, ...) so that each contributes
    equally (or by a chosen weight) to the Euclidean distance, and :func:`distance_shares`
    measures how much of the squared distance each set contributes.
Relevance
    Whether a retrieved clip is a good answer comes from the tags: :func:`relevance_matrix`
    (binary: the two clips share at least one tag of a chosen group; graded: their tag-set
    similarity), :func:`dice_similarity` and :func:`cosine_similarity` of tag sets, optionally
    weighted by :func:`idf_weights`. :func:`same_song_mask` marks pairs of clips cut from
    the same song, which must never count as neighbours (MagnaTagATune has several clips
    per song: they sound alike and share their tags, so they would inflate every score).
Metrics
    :func:`precision_at_k`, :func:`mean_average_precision` (with :func:`average_precision`
    per query), :func:`ndcg_at_k`, all at once with :func:`retrieval_scores`, and
    :func:`random_baseline`: the exact expected value of each for a random ranking.
Tuning the shares
    :func:`share_grid` and :func:`tune_shares`: the grid search over each feature set's
    share of the distance, judged by MAP on tuning queries (notebook 08, recomputed by
    notebooks 09 and 10 through :mod:`utils.search`).

Pairs, triplets, pair verification and the Siamese losses of notebooks 09-10 are in
:mod:`utils.siamese`; this module is NumPy only.

Conventions of the metrics: ``D`` holds distances (smaller = more similar) of shape
``(n_queries, n_items)``, ``R`` the relevance of each item to each query (0 = not relevant)
of the same shape. A square ``D`` is taken as leave-one-out retrieval among the same clips
(``leave_one_out=None``): each query itself is left out. ``exclude`` removes more pairs,
e.g. other clips of the query's song. Queries without any relevant item left have no
defined score and are skipped in the means. Ties in ``D`` are broken by item order.

Example
-------
>>> import numpy as np
>>> X = np.array([[0.0], [0.1], [5.0], [5.2]])
>>> Y = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
>>> D, R = pairwise_distances(X), relevance_matrix(Y)
>>> precision_at_k(D, R, k=1), mean_average_precision(D, R)
(1.0, 1.0)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from . import config, evaluation

__all__ = [
    "DISTANCE_METRICS",
    "GRADED_MEASURES",
    "tag_matrix",
    "row_matrix",
    "SharesTuning",
    "average_precision",
    "cosine_similarity",
    "dice_similarity",
    "distance_shares",
    "idf_weights",
    "mean_average_precision",
    "ndcg_at_k",
    "pairwise_distances",
    "precision_at_k",
    "random_baseline",
    "relevance_matrix",
    "retrieval_scores",
    "same_song_mask",
    "sample_songs",
    "scale_feature_sets",
    "share_grid",
    "split_songs",
    "tune_shares",
]

#: The metrics :func:`pairwise_distances` computes.
DISTANCE_METRICS = ("euclidean", "sqeuclidean", "cosine", "cityblock")


# --------------------------------------------------------------------------------------
# Distances and feature fusion
# --------------------------------------------------------------------------------------


def row_matrix(X, what="X") -> np.ndarray:
    """One row of float64 numbers per clip, with a clear error for a flat vector.

    Parameters
    ----------
    X : array-like [shape=(n_clips, ...)]
        Features or embeddings; trailing dimensions are flattened.
    what : str
        The argument's name, for the message.

    Returns
    -------
    np.ndarray [shape=(n_clips, dim), dtype=float64]

    Example
    -------
    >>> row_matrix(np.zeros((3, 2, 2))).shape
    (3, 4)
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        raise ValueError(
            f"{what} must have one row per clip, shape (n, dim); found shape {X.shape}"
        )
    return X.reshape(len(X), -1)


def pairwise_distances(X, Y=None, *, metric: str = "euclidean") -> np.ndarray:
    """Distances between the rows of ``X`` and the rows of ``Y`` (default: ``X`` itself).

    Parameters
    ----------
    X : array_like [shape=(n, ...)]
        One feature vector per row; extra axes are flattened (a (24, 60) rhythm pattern
        counts as 1,440 numbers).
    Y : array_like [shape=(m, ...)], optional
        The items to compare with; ``None`` compares ``X`` with itself.
    metric : {"euclidean", "sqeuclidean", "cosine", "cityblock"}
        Euclidean, squared Euclidean, cosine distance (1 - cosine similarity, 1 for a zero
        vector) or city-block (L1) distance.

    Returns
    -------
    np.ndarray [shape=(n, m), dtype=float64]
        ``D[i, j]`` is the distance of ``X[i]`` to ``Y[j]``; with ``Y=None`` the diagonal is
        exactly 0 (not just close to it).

    Example
    -------
    >>> pairwise_distances([[0, 0], [3, 4]]).tolist()
    [[0.0, 5.0], [5.0, 0.0]]
    """
    if metric not in DISTANCE_METRICS:
        raise ValueError(f"metric must be one of {', '.join(DISTANCE_METRICS)}, found {metric!r}")
    A = row_matrix(X)
    B = A if Y is None else row_matrix(Y, "Y")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"X has {A.shape[1]} numbers per row but Y has {B.shape[1]}")
    if metric == "cityblock":
        D = np.abs(A[:, None, :] - B[None, :, :]).sum(axis=-1)
    elif metric == "cosine":
        na, nb = np.linalg.norm(A, axis=1), np.linalg.norm(B, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            S = (A @ B.T) / np.outer(na, nb)
        D = 1.0 - np.nan_to_num(S, nan=0.0, posinf=0.0, neginf=0.0)
    else:
        # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, clipped at 0 against rounding
        sq = (A**2).sum(axis=1)[:, None] + (B**2).sum(axis=1)[None, :] - 2.0 * (A @ B.T)
        D = np.maximum(sq, 0.0)
        if metric == "euclidean":
            D = np.sqrt(D)
    if Y is None:
        np.fill_diagonal(D, 0.0)
    return D


def scale_feature_sets(sets: dict, *, weights=None, fit=None, blocks: bool = False):
    """Early fusion of several feature sets, each standardized and given equal (or chosen) weight.

    Concatenating raw feature sets lets the largest one decide the Euclidean distance: a
    1,440-number rhythm pattern outweighs 80 MFCC statistics by its size alone, and
    features measured in large units outweigh the rest. Here every column is standardized
    (mean 0, standard deviation 1, statistics from the rows ``fit``), and every set is
    divided by the square root of its number of columns, so each set contributes the same
    expected squared distance between two clips; ``weights`` then scale those shares.

    Parameters
    ----------
    sets : dict of str to array_like [shape=(n, ...)]
        Feature set name to one row per clip (extra axes are flattened), all with the
        same clips in the same order.
    weights : dict of str to float, optional
        Share of each set in the squared distance, relative to the others (a missing
        name counts 1; 0 leaves the set out). Default: all equal.
    fit : array_like of int or bool, optional
        The rows whose mean and standard deviation are used (e.g. the database, not the
        queries); default all rows. A constant column stays 0.
    blocks : bool
        Return the scaled sets as a dict instead of the fused matrix (to pass to
        :func:`distance_shares`).

    Returns
    -------
    np.ndarray [shape=(n, sum of the sets' sizes), dtype=float64] or dict
        The fused features, in the order of ``sets``: their Euclidean distance is the
        scaled Euclidean distance.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> sets = {"small": rng.normal(size=(50, 2)), "big": 100 * rng.normal(size=(50, 200))}
    >>> shares = distance_shares(scale_feature_sets(sets, blocks=True))
    >>> {k: round(v, 3) for k, v in shares.items()}
    {'small': 0.5, 'big': 0.5}
    """
    if not sets:
        raise ValueError("sets is empty: give at least one feature set, e.g. {'mfcc': X}")
    arrays = {name: row_matrix(X, f"feature set {name!r}") for name, X in sets.items()}
    n = {len(X) for X in arrays.values()}
    if len(n) != 1:
        sizes = {name: len(X) for name, X in arrays.items()}
        raise ValueError(f"every feature set needs the same rows (clips); found {sizes}")
    weights = dict(weights or {})
    unknown = set(weights) - set(arrays)
    if unknown:
        raise ValueError(
            f"weights name unknown sets {sorted(unknown)}; the sets are {list(arrays)}"
        )
    if any(w < 0 for w in weights.values()):
        raise ValueError(f"weights must be >= 0, found {weights}")
    rows = slice(None) if fit is None else np.asarray(fit)
    out = {}
    for name, X in arrays.items():
        mean, std = X[rows].mean(axis=0), X[rows].std(axis=0)
        std = np.where(std > 1e-12 * np.maximum(np.abs(mean), 1.0), std, np.inf)
        scale = np.sqrt(weights.get(name, 1.0) / X.shape[1])
        out[name] = (X - mean) / std * scale
    return out if blocks else np.concatenate(list(out.values()), axis=1)


def distance_shares(sets: dict) -> dict:
    """The share of each feature set in the mean squared Euclidean distance between clips.

    For concatenated sets, the squared Euclidean distance is the sum of the sets' squared
    distances; averaged over all pairs of clips, a set's part is ``2 n / (n - 1)`` times the
    sum of its columns' variances, so the shares are exact, with no pairs to enumerate.

    Parameters
    ----------
    sets : dict of str to array_like [shape=(n, ...)]
        The feature sets as they enter the distance (raw, or scaled with
        ``scale_feature_sets(..., blocks=True)``).

    Returns
    -------
    dict of str to float
        Set name to its share (the shares sum to 1).

    Example
    -------
    >>> distance_shares({"a": [[0.0], [1.0]], "b": [[0.0, 0.0], [3.0, 0.0]]})
    {'a': 0.1, 'b': 0.9}
    """
    var = {name: float(row_matrix(X).var(axis=0).sum()) for name, X in sets.items()}
    total = sum(var.values())
    if total == 0:
        raise ValueError("every feature set is constant: there are no distances to share")
    return {name: v / total for name, v in var.items()}


# --------------------------------------------------------------------------------------
# Relevance from tags
# --------------------------------------------------------------------------------------


def tag_matrix(Y, what="Y") -> np.ndarray:
    """A 0/1 tag matrix as floats, with a clear error for anything else.

    Parameters
    ----------
    Y : array-like [shape=(n_clips, n_tags)]
        Tags, any values (non-zero means tagged).
    what : str
        The argument's name, for the message.

    Returns
    -------
    np.ndarray [shape=(n_clips, n_tags), dtype=float64]
        1.0 where a clip has the tag, else 0.0.

    Example
    -------
    >>> tag_matrix([[0, 2], [1, 0]]).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    Y = np.asarray(Y)
    if Y.ndim != 2:
        raise ValueError(
            f"{what} must be a 0/1 tag matrix of shape (n_clips, n_tags); found {Y.shape}"
        )
    return (Y > 0).astype(np.float64)


def idf_weights(Y) -> np.ndarray:
    """Inverse document frequency of each tag: ``log(n_clips / n_clips_with_the_tag)``.

    A tag on every clip says nothing about a pair of clips (weight 0); a rare tag shared
    by two clips says a lot. A tag on no clip gets weight 0.

    Parameters
    ----------
    Y : array_like [shape=(n_clips, n_tags)]
        0/1 tags (a DataFrame of tag columns works).

    Returns
    -------
    np.ndarray [shape=(n_tags,), dtype=float64]

    Example
    -------
    >>> idf_weights([[1, 1, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0]]).round(4).tolist()
    [0.0, 1.3863, 0.0]
    """
    T = tag_matrix(Y)
    df = T.sum(axis=0)
    with np.errstate(divide="ignore"):
        return np.where(df > 0, np.log(len(T) / np.maximum(df, 1)), 0.0)


def _weighted(A, B, weights):
    A = tag_matrix(A, "A")
    B = A if B is None else tag_matrix(B, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A has {A.shape[1]} tags per clip but B has {B.shape[1]}")
    w = np.ones(A.shape[1]) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (A.shape[1],):
        raise ValueError(f"weights needs one value per tag ({A.shape[1]}), found shape {w.shape}")
    return A, B, w


def dice_similarity(A, B=None, *, weights=None) -> np.ndarray:
    """Dice similarity of tag sets: ``2 |a & b| / (|a| + |b|)``, optionally weighted per tag.

    With weights, each tag counts its weight instead of 1:
    ``2 sum(w[a & b]) / (sum(w[a]) + sum(w[b]))``; with :func:`idf_weights`, sharing a rare
    tag counts more than sharing a common one. 1 for identical tag sets, 0 for disjoint
    ones, and 0 when both clips have no (weighted) tag.

    Parameters
    ----------
    A : array_like [shape=(n, n_tags)]
        0/1 tags of the first clips.
    B : array_like [shape=(m, n_tags)], optional
        0/1 tags of the second clips; default ``A``.
    weights : array_like [shape=(n_tags,)], optional
        A weight >= 0 per tag; default 1 each.

    Returns
    -------
    np.ndarray [shape=(n, m), dtype=float64]

    Example
    -------
    >>> dice_similarity([[1, 1, 0, 0]], [[1, 0, 1, 0], [0, 0, 0, 0]]).tolist()
    [[0.5, 0.0]]
    """
    A, B, w = _weighted(A, B, weights)
    inter = (A * w) @ B.T
    total = (A @ w)[:, None] + (B @ w)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, 2.0 * inter / np.where(total > 0, total, 1.0), 0.0)


def cosine_similarity(A, B=None, *, weights=None) -> np.ndarray:
    """Cosine similarity of tag vectors, each tag scaled by its weight (tf-idf with idf weights).

    ``(w a) . (w b) / (|w a| |w b|)``: for 0/1 tags without weights,
    ``|a & b| / sqrt(|a| |b|)``. 0 when a clip has no (weighted) tag.

    Parameters
    ----------
    A : array_like [shape=(n, n_tags)]
    B : array_like [shape=(m, n_tags)], optional
        Default ``A``.
    weights : array_like [shape=(n_tags,)], optional

    Returns
    -------
    np.ndarray [shape=(n, m), dtype=float64]

    Example
    -------
    >>> cosine_similarity([[1, 1, 0, 0]], [[1, 0, 1, 0]]).round(3).tolist()
    [[0.5]]
    """
    A, B, w = _weighted(A, B, weights)
    U, V = A * w, B * w
    norms = np.outer(np.linalg.norm(U, axis=1), np.linalg.norm(V, axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(norms > 0, (U @ V.T) / np.where(norms > 0, norms, 1.0), 0.0)


#: The graded similarities :func:`relevance_matrix` offers.
_GRADED = {"dice": dice_similarity, "cosine": cosine_similarity}
#: The graded relevances :func:`relevance_matrix` knows (``measure=``).
GRADED_MEASURES = tuple(_GRADED)


def relevance_matrix(Y, Y_items=None, *, graded: bool = False, measure="dice", weights=None):
    """Which items are relevant to which queries, judged by their tags.

    Parameters
    ----------
    Y : array_like [shape=(n_queries, n_tags)]
        0/1 tags of the queries, e.g. ``vocabulary.group_tags(df, vocabulary.GENRES)``.
    Y_items : array_like [shape=(n_items, n_tags)], optional
        0/1 tags of the items searched; default ``Y`` (the clips search each other).
    graded : bool
        ``False``: 1 when the two clips share at least one tag, else 0. ``True``: their
        tag-set similarity, between 0 and 1.
    measure : {"dice", "cosine"}
        The graded similarity (:func:`dice_similarity` or :func:`cosine_similarity`).
    weights : array_like [shape=(n_tags,)], optional
        Tag weights for the graded similarity, e.g. :func:`idf_weights`.

    Returns
    -------
    np.ndarray [shape=(n_queries, n_items)]
        ``bool`` (binary) or ``float64`` (graded). The diagonal is left as it is: the
        metrics leave each query out themselves.

    Example
    -------
    >>> Y = [[1, 0, 0], [1, 1, 0], [0, 0, 1]]
    >>> relevance_matrix(Y).astype(int).tolist()
    [[1, 1, 0], [1, 1, 0], [0, 0, 1]]
    >>> relevance_matrix(Y, graded=True).round(2).tolist()[0]
    [1.0, 0.67, 0.0]
    """
    if not graded:
        A = tag_matrix(Y)
        B = A if Y_items is None else tag_matrix(Y_items, "Y_items")
        return (A @ B.T) > 0
    if measure not in _GRADED:
        raise ValueError(f"measure must be one of {', '.join(_GRADED)}, found {measure!r}")
    return _GRADED[measure](Y, Y_items, weights=weights)


def _songs_in_order(songs) -> np.ndarray:
    """The distinct songs, in the order they first appear (as ``pandas.Series.unique``)."""
    songs = np.asarray(songs)
    distinct, first = np.unique(songs, return_index=True)
    return distinct[np.argsort(first, kind="stable")]


def sample_songs(songs, *, max_clips: int, seed=config.SEED) -> np.ndarray:
    """Whole songs drawn at random until the next one would pass ``max_clips`` clips.

    A retrieval collection keeps every clip of a song or none, so that clips of one song
    can be left out of each other's answers (:func:`same_song_mask`).

    Parameters
    ----------
    songs : array_like [shape=(n_clips,)]
        The song of each clip (e.g. :func:`utils.datasets.song_ids`).
    max_clips : int
        Most clips wanted; at least one song is always drawn.
    seed : int or numpy.random.Generator
        An int repeats the draw; a ``Generator`` is used as it is and advances, so that
        several draws (this one, then :func:`split_songs`) follow from one seed.

    Returns
    -------
    np.ndarray [shape=(n_songs_drawn,)]
        The songs drawn, in the order drawn; ``np.isin(songs, drawn)`` selects their clips.

    Example
    -------
    >>> sample_songs(["a", "a", "b", "c", "c", "c"], max_clips=3, seed=0).tolist()
    ['c']
    """
    rng = np.random.default_rng(seed)
    songs = np.asarray(songs)
    order = rng.permutation(_songs_in_order(songs))
    distinct, counts = np.unique(songs, return_counts=True)
    clips_so_far = np.cumsum(counts[np.searchsorted(distinct, order)])
    return order[: max(int((clips_so_far <= max_clips).sum()), 1)]


def split_songs(songs, *, fraction: float = 0.5, seed=config.SEED) -> np.ndarray:
    """A random ``fraction`` of the songs (rounded down): one side of a split by song.

    Splitting queries by song keeps all clips of a song on one side (notebooks 08-10 tune
    or train on one half and report the other).

    Parameters
    ----------
    songs : array_like [shape=(n_clips,)]
        The song of each clip.
    fraction : float
        Share of the distinct songs drawn, in (0, 1).
    seed : int or numpy.random.Generator
        As in :func:`sample_songs`.

    Returns
    -------
    np.ndarray [shape=(int(fraction * n_songs),)]
        The songs drawn, in the order drawn; ``np.isin(songs, drawn)`` marks their clips.

    Example
    -------
    >>> split_songs(["a", "b", "b", "c", "d"], seed=0).tolist()
    ['c', 'a']
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be between 0 and 1, found {fraction}")
    rng = np.random.default_rng(seed)
    distinct = _songs_in_order(songs)
    return rng.permutation(distinct)[: int(len(distinct) * fraction)]


def same_song_mask(songs, songs_items=None) -> np.ndarray:
    """``True`` where two clips come from the same song (or any shared group id).

    Parameters
    ----------
    songs : array_like [shape=(n,)]
        One song id per query clip (e.g. ``datasets.song_ids(df)``).
    songs_items : array_like [shape=(m,)], optional
        One song id per item; default ``songs``.

    Returns
    -------
    np.ndarray [shape=(n, m), dtype=bool]
        With ``songs_items=None`` the diagonal is ``True`` (a clip is its own song).

    Example
    -------
    >>> same_song_mask(["a", "a", "b"]).astype(int).tolist()
    [[1, 1, 0], [1, 1, 0], [0, 0, 1]]
    """
    a = np.asarray(songs)
    b = a if songs_items is None else np.asarray(songs_items)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError("songs must be one id per clip, shape (n,)")
    return a[:, None] == b[None, :]


# --------------------------------------------------------------------------------------
# Retrieval metrics
# --------------------------------------------------------------------------------------


def _excluded(D_shape, exclude, leave_one_out) -> np.ndarray:
    """The (n_queries, n_items) mask of pairs that are never neighbours."""
    n_q, n_i = D_shape
    mask = np.zeros(D_shape, dtype=bool)
    if exclude is not None:
        ex = np.asarray(exclude)
        if ex.ndim == 1:  # one group id per clip (square case only)
            if n_q != n_i or len(ex) != n_q:
                raise ValueError(
                    f"exclude as one group id per clip needs a square D with {len(ex)} rows, "
                    f"found D of shape {D_shape}; pass a boolean mask of D's shape instead"
                )
            ex = same_song_mask(ex)
        if ex.shape != D_shape:
            raise ValueError(f"exclude must have D's shape {D_shape}, found {ex.shape}")
        mask |= ex.astype(bool)
    if leave_one_out is None:
        leave_one_out = n_q == n_i
    if leave_one_out:
        if n_q != n_i:
            raise ValueError(f"leave_one_out needs a square D, found shape {D_shape}")
        np.fill_diagonal(mask, True)
    return mask


def _ranked(D, R, exclude, leave_one_out):
    """Relevance in rank order (excluded items last, relevance 0) and the counts per query."""
    D = np.asarray(D, dtype=np.float64)
    R = np.asarray(R, dtype=np.float64)
    if D.ndim != 2 or R.shape != D.shape:
        raise ValueError(
            f"D and R must be (n_queries, n_items) arrays of one shape; found {D.shape} and {R.shape}"
        )
    if np.isnan(D).any():
        raise ValueError("D contains NaN distances; check the features for NaN or constant rows")
    if (R < 0).any():
        raise ValueError("R must be >= 0 (0 = not relevant)")
    out = _excluded(D.shape, exclude, leave_one_out)
    D = np.where(out, np.inf, D)
    R = np.where(out, 0.0, R)
    order = np.argsort(D, axis=1, kind="stable")
    return np.take_along_axis(R, order, axis=1), R, (~out).sum(axis=1)


def _mean(values: np.ndarray, per_query: bool):
    if per_query:
        return values
    if np.isnan(values).all():
        raise ValueError("no query has a relevant item: the score is undefined")
    return float(np.nanmean(values))


def precision_at_k(
    D, R, *, k: int, exclude=None, leave_one_out=None, per_query: bool = False
) -> float:
    """Share of relevant items among the ``k`` nearest, averaged over the queries.

    Parameters
    ----------
    D : array_like [shape=(n_queries, n_items)]
        Distances (smaller = more similar).
    R : array_like [shape=(n_queries, n_items)]
        Relevance; an item counts as relevant when ``R > 0``.
    k : int
        How many of the nearest items are looked at. A query with fewer than ``k`` items
        left is judged on the items it has.
    exclude : array_like, optional
        Pairs that are never neighbours: a boolean mask of ``D``'s shape (e.g.
        :func:`same_song_mask`), or, for a square ``D``, one song id per clip.
    leave_one_out : bool, optional
        Leave each query out of its own ranking (needs a square ``D``); default: ``True``
        exactly when ``D`` is square.
    per_query : bool
        Return one value per query (NaN for a query without any relevant item).

    Returns
    -------
    float
        The mean over the queries that have at least one relevant item.

    Example
    -------
    >>> D = [[0.1, 0.2, 0.3, 0.4]]; R = [[1, 0, 1, 0]]
    >>> precision_at_k(D, R, k=2), precision_at_k(D, R, k=3)
    (0.5, 0.6666666666666666)
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, found {k}")
    rel, R_, n_left = _ranked(D, R, exclude, leave_one_out)
    hits = (rel[:, :k] > 0).sum(axis=1)
    n_rel = (R_ > 0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n_rel > 0, hits / np.minimum(k, np.maximum(n_left, 1)), np.nan)
    return _mean(p, per_query)


def average_precision(D, R, *, exclude=None, leave_one_out=None) -> np.ndarray:
    """Average precision of each query: the mean of the precisions at the ranks of its relevant items.

    Parameters
    ----------
    D, R, exclude, leave_one_out
        As for :func:`precision_at_k` (relevant: ``R > 0``).

    Returns
    -------
    np.ndarray [shape=(n_queries,), dtype=float64]
        NaN for a query without any relevant item. Equal to scikit-learn's
        ``average_precision_score(R[q] > 0, -D[q])`` over the items left, when no
        distances tie.

    Example
    -------
    >>> average_precision([[0.1, 0.2, 0.3, 0.4]], [[1, 0, 1, 0]]).round(4).tolist()
    [0.8333]
    """
    rel, _, _ = _ranked(D, R, exclude, leave_one_out)
    rel = rel > 0
    n_rel = rel.sum(axis=1)
    ranks = np.arange(1, rel.shape[1] + 1)
    precision = np.cumsum(rel, axis=1) / ranks
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n_rel > 0, (precision * rel).sum(axis=1) / n_rel, np.nan)


def mean_average_precision(D, R, *, exclude=None, leave_one_out=None) -> float:
    """Mean average precision (MAP) over the queries that have a relevant item.

    See :func:`average_precision`; ``D``, ``R``, ``exclude`` and ``leave_one_out`` as for
    :func:`precision_at_k`.

    Example
    -------
    >>> mean_average_precision([[0.1, 0.2, 0.3], [0.3, 0.2, 0.1]], [[1, 0, 0], [1, 0, 0]])
    0.6666666666666666
    """
    return _mean(average_precision(D, R, exclude=exclude, leave_one_out=leave_one_out), False)


def _discounts(n: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, n + 2))


def ndcg_at_k(D, R, *, k: int, exclude=None, leave_one_out=None, per_query: bool = False):
    """Normalized discounted cumulative gain of the ``k`` nearest items (graded relevance).

    ``DCG@k = sum over ranks r <= k of R[r] / log2(r + 1)`` (the gain is the relevance
    itself, as in scikit-learn's ``ndcg_score``), divided by the DCG@k of the best possible
    order of the same items. 1 means the ``k`` most relevant items come first, in order.

    Parameters
    ----------
    D : array_like [shape=(n_queries, n_items)]
    R : array_like [shape=(n_queries, n_items)]
        Graded relevance >= 0, e.g. ``relevance_matrix(Y, graded=True)``.
    k : int
    exclude, leave_one_out, per_query
        As for :func:`precision_at_k`.

    Returns
    -------
    float
        The mean over the queries with some relevance > 0 among their items.

    Example
    -------
    >>> round(ndcg_at_k([[0.1, 0.2, 0.3]], [[0.5, 1.0, 0.0]], k=2), 4)
    0.8597
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, found {k}")
    rel, R_, _ = _ranked(D, R, exclude, leave_one_out)
    kk = min(k, rel.shape[1])
    disc = _discounts(kk)
    dcg = rel[:, :kk] @ disc
    ideal = -np.sort(-R_, axis=1)[:, :kk] @ disc
    with np.errstate(divide="ignore", invalid="ignore"):
        nd = np.where(ideal > 0, dcg / np.where(ideal > 0, ideal, 1.0), np.nan)
    return _mean(nd, per_query)


def retrieval_scores(D, R, *, k: int = 10, graded=None, exclude=None, leave_one_out=None) -> dict:
    """Precision@k and MAP (binary relevance ``R``), and nDCG@k when ``graded`` is given.

    Parameters
    ----------
    D, R, k, exclude, leave_one_out
        As for :func:`precision_at_k`.
    graded : array_like [shape=D.shape], optional
        Graded relevance for nDCG@k.

    Returns
    -------
    dict
        ``{"precision_at_<k>": ..., "map": ...}`` and ``"ndcg_at_<k>"`` with ``graded``.

    Example
    -------
    >>> retrieval_scores([[0.1, 0.2, 0.3]], [[0, 1, 0]], k=1)
    {'precision_at_1': 0.0, 'map': 0.5}
    """
    opts = dict(exclude=exclude, leave_one_out=leave_one_out)
    out = {
        f"precision_at_{k}": precision_at_k(D, R, k=k, **opts),
        "map": mean_average_precision(D, R, **opts),
    }
    if graded is not None:
        out[f"ndcg_at_{k}"] = ndcg_at_k(D, graded, k=k, **opts)
    return out


def random_baseline(R, *, k: int = 10, exclude=None, leave_one_out=None) -> dict:
    """The expected precision@k, MAP and nDCG@k of a random ranking, computed exactly.

    For a query with ``m`` items left, ``r`` of them relevant, a random order puts a
    relevant item at each rank with probability ``r / m``, so precision@k is ``r / m`` on
    average. The expected average precision is ``(H_m + (r - 1)(m - H_m) / (m - 1)) / m``
    with ``H_m = 1 + 1/2 + ... + 1/m`` (Bestgen 2015): a relevant item at rank ``p`` (any
    rank equally likely) has each other relevant item above it with probability
    ``(p - 1) / (m - 1)``. The expected DCG@k is the mean gain times the sum of the
    discounts, divided by the same ideal DCG@k as :func:`ndcg_at_k`.

    Parameters
    ----------
    R : array_like [shape=(n_queries, n_items)]
        Relevance, as given to the metrics (``R > 0`` counts for precision and MAP; the
        values themselves are the gains of nDCG).
    k, exclude, leave_one_out
        As for :func:`precision_at_k` (``D`` has ``R``'s shape).

    Returns
    -------
    dict
        ``{"precision_at_<k>": ..., "map": ..., "ndcg_at_<k>": ...}``, means over the same
        queries as the metrics (those with a relevant item).

    Example
    -------
    >>> random_baseline([[1, 0, 0, 0]], k=2)  # 1 relevant item among 4
    {'precision_at_2': 0.25, 'map': 0.5208333333333333, 'ndcg_at_2': 0.4077324383928644}
    """
    R = np.asarray(R, dtype=np.float64)
    if R.ndim != 2:
        raise ValueError(f"R must be (n_queries, n_items), found shape {R.shape}")
    out = _excluded(R.shape, exclude, leave_one_out)
    R = np.where(out, 0.0, R)
    m = (~out).sum(axis=1).astype(np.float64)
    r = (R > 0).sum(axis=1).astype(np.float64)
    ap = evaluation.random_ranking_ap(r, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(r > 0, r / m, np.nan)
        kk = min(k, R.shape[1])
        disc = np.cumsum(_discounts(kk))  # sum of the first j discounts, j = 1..kk
        n_ranked = np.minimum(kk, m).astype(int)
        expected = R.sum(axis=1) / np.maximum(m, 1) * np.where(n_ranked > 0, disc[n_ranked - 1], 0)
        ideal = -np.sort(-R, axis=1)[:, :kk] @ _discounts(kk)
        ndcg = np.where(ideal > 0, expected / np.where(ideal > 0, ideal, 1.0), np.nan)
    return {
        f"precision_at_{k}": _mean(precision, False),
        "map": _mean(ap, False),
        f"ndcg_at_{k}": _mean(ndcg, False),
    }


# --------------------------------------------------------------------------------------
# Tuning the feature sets' shares of the distance
# --------------------------------------------------------------------------------------


def share_grid(names, *, step: float = 0.25) -> list[dict]:
    """Every way of giving the feature sets ``names`` shares in steps of ``step`` summing to 1.

    The last set gets what the others leave (rounded to 2 decimals); the order is that of
    nested loops over the first sets' shares, the first set outermost.

    Parameters
    ----------
    names : sequence of str
        The feature sets, in order (e.g. ``list(sets)``).
    step : float
        The grid's step, e.g. 0.25 (15 points for three sets).

    Returns
    -------
    list of dict
        ``{name: share}`` per point of the grid.

    Example
    -------
    >>> [tuple(g.values()) for g in share_grid(["a", "b"], step=0.5)]
    [(0.0, 1.0), (0.5, 0.5), (1.0, 0.0)]
    """
    names = list(names)
    if not names:
        raise ValueError("share_grid needs at least one feature set")
    if not 0.0 < step <= 1.0:
        raise ValueError(f"step must be in (0, 1], found {step}")
    steps = np.arange(0, 1 + step / 25, step)
    grid = []
    for first in itertools.product(steps, repeat=len(names) - 1):
        if sum(first) <= 1 + 1e-9:
            shares = [float(s) for s in first] + [round(1 - float(sum(first)), 2)]
            grid.append(dict(zip(names, shares)))
    return grid


@dataclass(frozen=True)
class SharesTuning:
    """What :func:`tune_shares` found: the best shares and the whole grid with its scores.

    Attributes
    ----------
    weights : dict
        ``{set name: share}`` with the highest tuning MAP (the first of equal ones, in the
        order of :func:`share_grid`): hand them to ``scale_feature_sets(sets, weights=...)``.
    grid : list of dict
        Per point of the grid, its shares and ``"tuning MAP"``, in grid order.
    """

    weights: dict
    grid: list = field(repr=False)

    @property
    def best_map(self) -> float:
        """The tuning MAP of :attr:`weights`."""
        return max(row["tuning MAP"] for row in self.grid)


def tune_shares(sets: dict, R, *, queries, exclude=None, step: float = 0.25) -> SharesTuning:
    """Choose each feature set's share of the squared distance by MAP on tuning queries.

    Each set is standardized and scaled to an equal share (``scale_feature_sets(sets,
    blocks=True)``); the squared Euclidean distance of a weighted fusion is then the
    weighted sum of the sets' squared distances, so every point of :func:`share_grid`
    costs a sum of precomputed matrices. The squared distance ranks as the distance does,
    so its MAP is the fused search's.

    Parameters
    ----------
    sets : dict of str to array_like [shape=(n_clips, dim)]
        The feature sets, as for :func:`scale_feature_sets`.
    R : array_like [shape=(n_clips, n_clips)]
        Binary relevance of every clip to every clip.
    queries : array_like [shape=(n_clips,), dtype=bool]
        The tuning queries (never the ones reported); each searches every clip.
    exclude : array_like [shape=(n_clips, n_clips), dtype=bool], optional
        Pairs that are never answers (a clip's song-mates and itself); default: only the
        query itself.
    step : float
        The grid's step.

    Returns
    -------
    SharesTuning

    Example
    -------
    >>> X = np.array([[0.0], [0.1], [5.0], [5.2]])
    >>> noise = np.array([[3.0], [0.0], [2.9], [0.1]])
    >>> R = relevance_matrix([[1, 0], [1, 0], [0, 1], [0, 1]])
    >>> found = tune_shares({"x": X, "noise": noise}, R, queries=np.ones(4, bool))
    >>> found.weights, found.best_map  # the first shares of the grid with the best MAP
    ({'x': 0.75, 'noise': 0.25}, 1.0)
    """
    R = np.asarray(R)
    queries = np.asarray(queries, dtype=bool)
    n = len(R)
    if R.shape != (n, n) or queries.shape != (n,):
        raise ValueError(
            f"R must be (n_clips, n_clips) and queries (n_clips,); found {R.shape}, {queries.shape}"
        )
    exclude = np.eye(n, dtype=bool) if exclude is None else np.asarray(exclude, dtype=bool)
    scaled = scale_feature_sets(sets, blocks=True)
    D2 = {name: pairwise_distances(X, metric="sqeuclidean") for name, X in scaled.items()}
    rows = []
    for shares in share_grid(list(sets), step=step):
        D = sum(w * D2[name] for name, w in shares.items())
        score = mean_average_precision(
            D[queries], R[queries], exclude=exclude[queries], leave_one_out=False
        )
        rows.append({**shares, "tuning MAP": score})
    best = max(rows, key=lambda row: row["tuning MAP"])  # the first of equal ones
    return SharesTuning(weights={name: best[name] for name in sets}, grid=rows)
