"""Siamese networks: pairs and triplets of clips, pair verification, and Keras losses.

Notebooks 09 and 10 learn a distance instead of fixing it by hand (notebook 08,
:mod:`utils.similarity`). This module holds what they train with:

Pairs and triplets
    :func:`genuine_impostor_pairs`, :func:`graded_pairs` and :func:`triplets` (optionally
    semi-hard) for training Siamese networks, reproducible by their seed;
    :func:`triplet_kinds` says which triplets are easy, semi-hard or hard. Relevance is
    :mod:`utils.similarity`'s: a pair is genuine when the two clips share a tag, and the
    grade of a pair is the tag-set similarity of :func:`utils.similarity.relevance_matrix`.
Pair verification
    :func:`pair_threshold` and :func:`pair_accuracy` judge a distance as a yes/no answer to
    "do these two clips share a tag?": the accuracy the 2018 tutorial reported, which is
    not a retrieval score (retrieval is judged by :mod:`utils.similarity`'s metrics).
Losses
    :func:`contrastive_loss` and :func:`triplet_loss` as Keras losses (``keras.ops``, any
    backend), and :func:`similarity_regression_loss`, which regresses a graded tag
    similarity (notebook 10). They take distances, as computed by the Siamese models of
    :func:`utils.models.siamese` with the layer :class:`utils.layers.EuclideanDistance`.
    Keras is imported when a loss is called, so the rest of the module needs only NumPy.

Example
-------
>>> Y = [[1, 0], [1, 0], [0, 1], [0, 1]]
>>> pairs, labels = genuine_impostor_pairs(Y, n_pairs=4, seed=0)
>>> pair_accuracy([0.1, 0.2, 0.9, 0.8], [1, 1, 0, 0], threshold=0.5)
1.0
"""

from __future__ import annotations

import numpy as np

from . import config, similarity

__all__ = [
    "contrastive_loss",
    "genuine_impostor_pairs",
    "graded_pairs",
    "pair_accuracy",
    "pair_threshold",
    "similarity_regression_loss",
    "triplet_kinds",
    "triplet_loss",
    "triplets",
    "TRIPLET_KINDS",
]

#: The kinds of triplet (FaceNet's names), by where the negative lies: nearer to the anchor
#: than the positive (hard), beyond it but within the margin (semi-hard), or beyond the
#: margin (easy: its loss is zero, it teaches nothing).
TRIPLET_KINDS = ("easy", "semi-hard", "hard")


# --------------------------------------------------------------------------------------
# Pairs and triplets for Siamese networks
# --------------------------------------------------------------------------------------


def _pair_excluded(exclude, i, j) -> np.ndarray:
    if exclude is None:
        return np.zeros(len(i), dtype=bool)
    ex = np.asarray(exclude)
    return ex[i] == ex[j] if ex.ndim == 1 else ex[i, j].astype(bool)


def _check_exclude(exclude, n):
    if exclude is None:
        return
    ex = np.asarray(exclude)
    if not (ex.shape == (n,) or ex.shape == (n, n)):
        raise ValueError(
            f"exclude must be one song id per clip, shape ({n},), or a ({n}, {n}) boolean mask; "
            f"found shape {ex.shape}"
        )


def _draw(rng, pool, size):
    return pool[rng.integers(len(pool), size=size)]


def genuine_impostor_pairs(Y, *, n_pairs: int, seed: int = config.SEED, exclude=None, genuine=0.5):
    """Random pairs of clips: genuine (sharing a tag) and impostor (sharing none), for a Siamese net.

    Only clips with at least one tag take part (a clip without a tag of the group cannot
    be judged). Pairs are drawn at random with replacement; a clip is never paired with
    itself, nor with a clip ``exclude`` rules out (another clip of its song).

    Parameters
    ----------
    Y : array_like [shape=(n_clips, n_tags)]
        0/1 tags, e.g. ``vocabulary.group_tags(df, vocabulary.GENRES)``.
    n_pairs : int
        How many pairs.
    seed : int
        Random seed: the same seed gives the same pairs.
    exclude : array_like, optional
        One song id per clip (clips of one song are never paired), or an
        ``(n_clips, n_clips)`` boolean mask of pairs never drawn.
    genuine : float
        Share of genuine pairs (rounded to a whole number of pairs).

    Returns
    -------
    pairs : np.ndarray [shape=(n_pairs, 2), dtype=int64]
        Row positions in ``Y`` of the two clips.
    labels : np.ndarray [shape=(n_pairs,), dtype=float32]
        1 for a genuine pair, 0 for an impostor pair (the convention of
        :func:`contrastive_loss`).

    Raises
    ------
    ValueError
        When too few clips share (or do not share) a tag to draw the pairs.

    Example
    -------
    >>> Y = [[1, 0], [1, 0], [0, 1], [0, 1]]
    >>> pairs, labels = genuine_impostor_pairs(Y, n_pairs=4, seed=0)
    >>> pairs.shape, sorted(labels.tolist())
    ((4, 2), [0.0, 0.0, 1.0, 1.0])
    """
    T = similarity.tag_matrix(Y) > 0
    _check_exclude(exclude, len(T))
    if not 0 <= genuine <= 1:
        raise ValueError(f"genuine is a share between 0 and 1, found {genuine}")
    rng = np.random.default_rng(seed)
    tagged = np.flatnonzero(T.any(axis=1))
    if len(tagged) < 2:
        raise ValueError(f"{len(tagged)} clips have a tag: at least 2 are needed to make pairs")
    want = {1: round(n_pairs * genuine)}
    want[0] = n_pairs - want[1]
    found = {1: [], 0: []}
    have = {1: 0, 0: 0}
    for _ in range(200):
        size = max(4 * n_pairs, 256)
        i, j = _draw(rng, tagged, size), _draw(rng, tagged, size)
        ok = (i != j) & ~_pair_excluded(exclude, i, j)
        share = (T[i] & T[j]).any(axis=1)
        for label in (1, 0):
            sel = np.flatnonzero(ok & (share == bool(label)))[: want[label] - have[label]]
            found[label].append(np.stack([i[sel], j[sel]], axis=1))
            have[label] += len(sel)
        if have[1] == want[1] and have[0] == want[0]:
            break
    else:
        raise ValueError(
            f"found only {have[1]} of {want[1]} genuine and {have[0]} of {want[0]} impostor pairs "
            "after many draws: too few clips share a tag (or too few do not); use another tag "
            "group, more clips, or a different share of genuine pairs"
        )
    pairs = np.concatenate(found[1] + found[0]).astype(np.int64)
    labels = np.concatenate([np.ones(want[1]), np.zeros(want[0])]).astype(np.float32)
    order = rng.permutation(n_pairs)
    return pairs[order], labels[order]


def _pair_similarity(T, i, j, measure, weights):
    w = np.ones(T.shape[1]) if weights is None else np.asarray(weights, dtype=np.float64)
    a, b = T[i].astype(np.float64), T[j].astype(np.float64)
    inter = (a * b) @ w if measure == "dice" else (a * b) @ w**2
    if measure == "dice":
        total = a @ w + b @ w
        return np.where(total > 0, 2 * inter / np.where(total > 0, total, 1), 0.0)
    norms = np.sqrt((a @ w**2) * (b @ w**2))
    return np.where(norms > 0, inter / np.where(norms > 0, norms, 1), 0.0)


def graded_pairs(
    Y,
    *,
    n_pairs: int,
    seed: int = config.SEED,
    measure: str = "dice",
    weights=None,
    exclude=None,
    n_bins: int = 4,
    distinct: bool = False,
):
    """Pairs of clips with their tag-set similarity as a target, spread over the range 0 to 1.

    Random pairs of tagged clips are mostly dissimilar; these pairs are drawn so that the
    similarity 0 and each of ``n_bins - 1`` equal parts of (0, 1] get about the same number
    of pairs (bins that random draws cannot fill are topped up from the others).

    Parameters
    ----------
    Y : array_like [shape=(n_clips, n_tags)]
        0/1 tags (e.g. all of MTAT's tags with synonyms merged).
    n_pairs : int
    seed : int
    measure : {"dice", "cosine"}
        :func:`utils.similarity.dice_similarity` or :func:`utils.similarity.cosine_similarity`.
    weights : array_like [shape=(n_tags,)], optional
        Tag weights, e.g. :func:`utils.similarity.idf_weights`.
    exclude : array_like, optional
        As for :func:`genuine_impostor_pairs`.
    n_bins : int
        Strata of the similarity: {0} and ``n_bins - 1`` equal parts of (0, 1].
    distinct : bool
        Never draw a pair twice (``(i, j)`` and ``(j, i)`` are one pair): every pair the
        clips allow is listed and drawn without replacement, so a few clips give fewer
        than ``n_pairs`` pairs (all they have), and a validation loss on them is not
        weighted by repeats. Default: pairs drawn with replacement.

    Returns
    -------
    pairs : np.ndarray [shape=(n_pairs, 2), dtype=int64]
        With ``distinct``, at most as many as the clips allow.
    similarity : np.ndarray [shape=(n_pairs,), dtype=float32]
        The pairs' tag-set similarity, equal to ``similarity.relevance_matrix(Y, graded=True,
        measure=measure, weights=weights)[i, j]``.

    Example
    -------
    >>> Y = [[1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]]
    >>> pairs, s = graded_pairs(Y, n_pairs=6, seed=0)
    >>> pairs.shape, bool(s.min() == 0), bool(s.max() > 0)
    ((6, 2), True, True)
    """
    if measure not in similarity.GRADED_MEASURES:
        measures = ", ".join(similarity.GRADED_MEASURES)
        raise ValueError(f"measure must be one of {measures}, found {measure!r}")
    if n_bins < 2:
        raise ValueError(f"n_bins must be >= 2 (0 and the rest), found {n_bins}")
    T = similarity.tag_matrix(Y) > 0
    _check_exclude(exclude, len(T))
    rng = np.random.default_rng(seed)
    tagged = np.flatnonzero(T.any(axis=1))
    if len(tagged) < 2:
        raise ValueError(f"{len(tagged)} clips have a tag: at least 2 are needed to make pairs")
    if distinct:
        return _distinct_graded_pairs(T, tagged, n_pairs, rng, measure, weights, exclude, n_bins)
    quota = np.full(n_bins, n_pairs // n_bins)
    quota[: n_pairs % n_bins] += 1
    chosen = [[] for _ in range(n_bins)]
    spare = []
    for _ in range(50):
        size = max(8 * n_pairs, 512)
        i, j = _draw(rng, tagged, size), _draw(rng, tagged, size)
        ok = (i != j) & ~_pair_excluded(exclude, i, j)
        i, j = i[ok], j[ok]
        s = _pair_similarity(T, i, j, measure, weights)
        b = np.where(s > 0, 1 + np.minimum((s * (n_bins - 1)).astype(int), n_bins - 2), 0)
        for k in range(n_bins):
            sel = np.flatnonzero(b == k)
            need = quota[k] - sum(len(c) for c in chosen[k])
            chosen[k].append(np.stack([i[sel[:need]], j[sel[:need]]], axis=1))
            spare.append(np.stack([i[sel[need:]], j[sel[need:]]], axis=1)[:n_pairs])
        if all(sum(len(c) for c in chosen[k]) == quota[k] for k in range(n_bins)):
            break
    pairs = np.concatenate([p for c in chosen for p in c]).astype(np.int64)
    if len(pairs) < n_pairs:  # some bins could not be filled: top up from the other pairs
        pool = np.concatenate(spare)
        pairs = np.concatenate([pairs, pool[rng.permutation(len(pool))[: n_pairs - len(pairs)]]])
    pairs = pairs[rng.permutation(len(pairs))]
    sim = _pair_similarity(T, pairs[:, 0], pairs[:, 1], measure, weights)
    return pairs, sim.astype(np.float32)


def _similarity_bin(s, n_bins):
    return np.where(s > 0, 1 + np.minimum((s * (n_bins - 1)).astype(int), n_bins - 2), 0)


def _distinct_graded_pairs(T, tagged, n_pairs, rng, measure, weights, exclude, n_bins):
    """:func:`graded_pairs` without repeats: every allowed pair listed, drawn per stratum."""
    i, j = np.triu_indices(len(tagged), k=1)
    i, j = tagged[i], tagged[j]
    keep = ~_pair_excluded(exclude, i, j)
    i, j = i[keep], j[keep]
    order = rng.permutation(len(i))
    i, j = i[order], j[order]
    b = _similarity_bin(_pair_similarity(T, i, j, measure, weights), n_bins)
    want = min(n_pairs, len(i))
    quota = np.full(n_bins, want // n_bins)
    quota[: want % n_bins] += 1
    take = np.concatenate([np.flatnonzero(b == k)[: quota[k]] for k in range(n_bins)])
    if len(take) < want:  # strata the clips cannot fill: top up from the other pairs
        rest = np.setdiff1d(np.arange(len(i)), take)
        take = np.concatenate([take, rng.permutation(rest)[: want - len(take)]])
    take = take[rng.permutation(len(take))]
    pairs = np.stack([i[take], j[take]], axis=1).astype(np.int64)
    sim = _pair_similarity(T, pairs[:, 0], pairs[:, 1], measure, weights)
    return pairs, sim.astype(np.float32)


def triplets(
    Y,
    *,
    n: int,
    seed: int = config.SEED,
    exclude=None,
    embeddings=None,
    semi_hard: bool = False,
    margin: float = 0.2,
    pool: int = 32,
) -> np.ndarray:
    """Triplets (anchor, positive, negative): the positive shares a tag with the anchor, the negative none.

    With ``semi_hard=True`` the negative is chosen with the current ``embeddings`` as in
    FaceNet (Schroff, Kalenichenko & Philbin 2015): one farther from the anchor than the
    positive but within ``margin`` of it, drawn at random among all such clips, so the
    triplet loss is positive but the triplet is not so hard that training collapses.
    Anchor-positive pairs without any semi-hard negative are replaced by other pairs that
    have one; only when too few pairs have one (an encoder that already meets the margin
    almost everywhere) are the rest filled with the nearest negative beyond the positive
    (an easy triplet), or failing that the farthest one. :func:`triplet_kinds` counts what
    was found.

    Parameters
    ----------
    Y : array_like [shape=(n_clips, n_tags)]
        0/1 tags.
    n : int
        How many triplets.
    seed : int
    exclude : array_like, optional
        As for :func:`genuine_impostor_pairs` (applies to anchor-positive and
        anchor-negative pairs).
    embeddings : array_like [shape=(n_clips, dim)], optional
        The clips' current embeddings; needed for ``semi_hard``.
    semi_hard : bool
        Choose semi-hard negatives; otherwise random ones.
    margin : float
        The triplet loss's margin (Euclidean distance).
    pool : int
        Random negative candidates per anchor (random triplets; semi-hard ones look at all).

    Returns
    -------
    np.ndarray [shape=(n, 3), dtype=int64]
        Row positions in ``Y`` of anchor, positive and negative.

    Example
    -------
    >>> Y = [[1, 0], [1, 0], [0, 1], [0, 1]]
    >>> t = triplets(Y, n=5, seed=0); t.shape
    (5, 3)
    """
    if semi_hard and embeddings is None:
        raise ValueError("semi_hard=True needs the clips' current embeddings (embeddings=...)")
    T = similarity.tag_matrix(Y) > 0
    E = None if embeddings is None else similarity.row_matrix(embeddings, "embeddings")
    if E is not None and len(E) != len(T):
        raise ValueError(f"embeddings has {len(E)} rows for {len(T)} clips")
    rng = np.random.default_rng(seed)
    if semi_hard:
        return _semi_hard_triplets(T, E, n=n, seed=seed, exclude=exclude, margin=margin)
    pairs, _ = genuine_impostor_pairs(T, n_pairs=n, seed=seed, exclude=exclude, genuine=1.0)
    a, p = pairs[:, 0], pairs[:, 1]
    tagged = np.flatnonzero(T.any(axis=1))
    neg = np.full(n, -1, dtype=np.int64)
    for _ in range(50):
        todo = np.flatnonzero(neg < 0)
        if not len(todo):
            break
        C = _draw(rng, tagged, (len(todo), pool))
        anchors = np.repeat(a[todo], pool)
        valid = ~(T[anchors] & T[C.ravel()]).any(axis=1)
        valid &= ~_pair_excluded(exclude, anchors, C.ravel())
        valid = valid.reshape(C.shape)
        first = valid.argmax(axis=1)
        got = valid.any(axis=1)
        neg[todo[got]] = C[got, first[got]]
    if (neg < 0).any():
        raise ValueError(
            f"{int((neg < 0).sum())} anchors found no clip without a shared tag: "
            "every clip shares a tag with them; use another tag group"
        )
    return np.stack([a, p, neg], axis=1)


def _semi_hard_triplets(T, E, *, n, seed, exclude, margin, chunk=4096):
    """Semi-hard triplets wherever the clips offer them (see :func:`triplets`)."""
    rng = np.random.default_rng(seed)
    n_clips = len(T)
    D = similarity.pairwise_distances(E)
    negative = ~((T.astype(np.float64) @ T.T.astype(np.float64)) > 0) & T.any(axis=1)[None, :]
    if exclude is not None:
        ex = np.asarray(exclude)
        negative &= ~(ex[:, None] == ex[None, :] if ex.ndim == 1 else ex.astype(bool))
    np.fill_diagonal(negative, False)
    # more anchor-positive pairs than needed, in batches until n have a semi-hard negative:
    # those without one are dropped (and kept aside with an easy negative, to fill up)
    batches = []
    for attempt in range(10):
        drawn, _ = genuine_impostor_pairs(
            T, n_pairs=4 * n, seed=seed + 7919 * attempt, exclude=exclude, genuine=1.0
        )
        batches.append(drawn)
        semi_so_far = _count_semi_hard(D, negative, np.concatenate(batches), margin, chunk)
        if semi_so_far >= n:
            break
    pairs = np.concatenate(batches)
    semi_neg = np.full(len(pairs), -1, dtype=np.int64)
    easy_neg = np.full(len(pairs), -1, dtype=np.int64)
    for start in range(0, len(pairs), chunk):
        a, p = pairs[start : start + chunk, 0], pairs[start : start + chunk, 1]
        d_an, d_ap = D[a], D[a, p][:, None]
        ok = negative[a]
        semi = ok & (d_an > d_ap) & (d_an < d_ap + margin)
        key = np.where(semi, rng.random((len(a), n_clips)), np.inf)  # a random semi-hard one
        semi_neg[start : start + len(a)] = np.where(semi.any(axis=1), key.argmin(axis=1), -1)
        beyond = np.where(ok & (d_an > d_ap), d_an, np.inf)
        farthest = np.where(ok, d_an, -np.inf)
        easy_neg[start : start + len(a)] = np.where(
            np.isfinite(beyond).any(axis=1),
            beyond.argmin(axis=1),
            np.where(ok.any(axis=1), farthest.argmax(axis=1), -1),
        )
    found = np.flatnonzero(semi_neg >= 0)[:n]
    rest = np.setdiff1d(np.flatnonzero(easy_neg >= 0), found)[: n - len(found)]
    if len(found) + len(rest) < n:
        raise ValueError(
            f"only {len(found) + len(rest)} of {n} anchors found a clip without a shared tag: "
            "every clip shares a tag with them; use another tag group"
        )
    chosen = np.concatenate([found, rest])
    neg = np.where(semi_neg[chosen] >= 0, semi_neg[chosen], easy_neg[chosen])
    order = rng.permutation(n)
    return np.stack([pairs[chosen, 0], pairs[chosen, 1], neg], axis=1)[order]


def _count_semi_hard(D, negative, pairs, margin, chunk):
    """How many anchor-positive pairs have at least one semi-hard negative."""
    count = 0
    for start in range(0, len(pairs), chunk):
        a, p = pairs[start : start + chunk, 0], pairs[start : start + chunk, 1]
        d_an, d_ap = D[a], D[a, p][:, None]
        count += int((negative[a] & (d_an > d_ap) & (d_an < d_ap + margin)).any(axis=1).sum())
    return count


def triplet_kinds(embeddings, triplets, *, margin: float) -> np.ndarray:
    """Each triplet's kind for the given embeddings: ``"easy"``, ``"semi-hard"`` or ``"hard"``.

    With ``d(a, p)`` and ``d(a, n)`` the Euclidean distances from the anchor: hard when the
    negative is nearer than the positive, semi-hard when it is farther but within
    ``margin`` of it (the triplet loss is positive), easy beyond (the loss is zero).

    Parameters
    ----------
    embeddings : array_like [shape=(n_clips, dim)]
    triplets : array_like [shape=(n, 3)]
        Row positions of anchor, positive, negative (:func:`triplets`).
    margin : float

    Returns
    -------
    np.ndarray [shape=(n,), dtype=object]
        One of :data:`TRIPLET_KINDS` per triplet.

    Example
    -------
    >>> E = np.array([[0.0], [0.1], [0.2], [0.5], [0.05]])
    >>> triplet_kinds(E, [[0, 1, 2], [0, 1, 3], [0, 1, 4]], margin=0.2).tolist()
    ['semi-hard', 'easy', 'hard']
    """
    E = similarity.row_matrix(embeddings, "embeddings")
    t = np.asarray(triplets, dtype=np.int64)
    if t.ndim != 2 or t.shape[1] != 3:
        raise ValueError(f"triplets must be (n, 3) positions, found shape {t.shape}")
    d_ap = np.linalg.norm(E[t[:, 0]] - E[t[:, 1]], axis=1)
    d_an = np.linalg.norm(E[t[:, 0]] - E[t[:, 2]], axis=1)
    kind = np.where(d_an < d_ap, "hard", np.where(d_an < d_ap + margin, "semi-hard", "easy"))
    return kind.astype(object)


# --------------------------------------------------------------------------------------
# Pair verification: a distance as a yes/no answer
# --------------------------------------------------------------------------------------


def _pair_arrays(distances, labels):
    d = np.asarray(distances, dtype=np.float64).reshape(-1)
    y = np.asarray(labels).reshape(-1)
    if len(d) != len(y):
        raise ValueError(f"{len(d)} distances but {len(y)} labels: expected one label per pair")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 1 (genuine pair) or 0 (impostor pair)")
    return d, y.astype(bool)


def pair_accuracy(distances, labels, *, threshold: float) -> float:
    """The share of pairs judged right when "distance < threshold" means "genuine".

    Parameters
    ----------
    distances : array_like [shape=(n_pairs,) or (n_pairs, 1)]
        Distances between the two clips of each pair (a two-tower Siamese model's output).
    labels : array_like [shape=(n_pairs,)]
        1 for a genuine pair, 0 for an impostor pair (:func:`genuine_impostor_pairs`).
    threshold : float
        Pairs strictly nearer than this are called genuine.

    Returns
    -------
    float
        Accuracy; on balanced pairs guessing gives 0.5.

    Example
    -------
    >>> pair_accuracy([0.1, 0.4, 0.8, 0.3], [1, 1, 0, 0], threshold=0.5)
    0.75
    """
    d, y = _pair_arrays(distances, labels)
    if not len(d):
        raise ValueError("no pairs to judge")
    return float(np.mean((d < threshold) == y))


def pair_threshold(distances, labels) -> float:
    """The distance threshold that judges the most pairs right (for :func:`pair_accuracy`).

    Every midpoint between two neighbouring distinct distances is tried, and below and
    above them all; ties go to the smallest threshold. Choose it on training pairs and
    judge other pairs with it.

    Parameters
    ----------
    distances, labels
        As for :func:`pair_accuracy`.

    Returns
    -------
    float

    Example
    -------
    >>> pair_threshold([0.1, 0.3, 0.5, 0.8], [1, 1, 0, 0])  # halfway between 0.3 and 0.5
    0.4
    """
    d, y = _pair_arrays(distances, labels)
    if not len(d):
        raise ValueError("no pairs to choose a threshold from")
    v = np.unique(d)
    candidates = np.concatenate([[v[0] - 1.0], (v[:-1] + v[1:]) / 2, [v[-1] + 1.0]])
    # genuine pairs below each candidate, impostor pairs at or above it
    order = np.sort(d[y]), np.sort(d[~y])
    right = np.searchsorted(order[0], candidates, side="left") + (
        len(order[1]) - np.searchsorted(order[1], candidates, side="left")
    )
    return float(candidates[int(np.argmax(right))])


# --------------------------------------------------------------------------------------
# Losses (Keras 3, any backend)
# --------------------------------------------------------------------------------------


def _per_pair(ops, y_true, y_pred):
    """A two-tower loss's targets and distances, each flattened to ``(batch,)``, in one dtype."""
    d = ops.reshape(ops.convert_to_tensor(y_pred), (-1,))
    return ops.cast(ops.reshape(y_true, (-1,)), d.dtype), d


def contrastive_loss(*, margin: float = 1.0):
    """The contrastive loss of Hadsell, Chopra and LeCun (2006), as a Keras loss.

    For a pair at distance ``d`` with label ``y`` (1 genuine, 0 impostor):
    ``y d**2 + (1 - y) max(margin - d, 0)**2``: genuine pairs are pulled together,
    impostor pairs pushed apart until they are ``margin`` apart, and no further.

    Parameters
    ----------
    margin : float
        The distance beyond which an impostor pair costs nothing.

    Returns
    -------
    callable
        ``loss(y_true, y_pred)`` with ``y_true`` of shape ``(batch,)`` or ``(batch, 1)``
        (the labels) and ``y_pred`` the distances of the same shape (the output of a
        two-tower :func:`utils.models.siamese`); returns one loss per pair, shape
        ``(batch,)``, which Keras averages.

    Example
    -------
    >>> loss = contrastive_loss(margin=1.0)
    >>> [round(float(v), 4) for v in loss(np.array([1.0, 0.0, 0.0]), np.array([0.5, 0.25, 2.0]))]
    [0.25, 0.5625, 0.0]
    """
    with config.quiet_native_stderr():
        from keras import ops

    def contrastive(y_true, y_pred):
        y, d = _per_pair(ops, y_true, y_pred)
        return y * ops.square(d) + (1.0 - y) * ops.square(ops.maximum(margin - d, 0.0))

    contrastive.__name__ = "contrastive_loss"
    return contrastive


def triplet_loss(*, margin: float = 0.2, squared: bool = False):
    """The triplet loss (Schroff et al. 2015, FaceNet), as a Keras loss.

    ``max(d(a, p) - d(a, n) + margin, 0)``: the anchor must be nearer to the positive than
    to the negative by at least ``margin``. With ``squared=True`` the squared distances are
    compared, as in FaceNet.

    Parameters
    ----------
    margin : float
    squared : bool

    Returns
    -------
    callable
        ``loss(y_true, y_pred)``: ``y_pred`` of shape ``(batch, 2)`` holds
        ``[d(anchor, positive), d(anchor, negative)]`` (the output of a three-tower
        :func:`utils.models.siamese`); ``y_true`` is ignored (pass zeros). Returns one loss
        per triplet, shape ``(batch,)``.

    Example
    -------
    >>> loss = triplet_loss(margin=0.2)
    >>> [round(float(v), 4) for v in loss(np.zeros(2), np.array([[0.5, 0.6], [0.1, 0.9]]))]
    [0.1, 0.0]
    """
    with config.quiet_native_stderr():
        from keras import ops

    def triplet(y_true, y_pred):
        d = ops.convert_to_tensor(y_pred)
        d_ap, d_an = d[:, 0], d[:, 1]
        if squared:
            d_ap, d_an = ops.square(d_ap), ops.square(d_an)
        return ops.maximum(d_ap - d_an + margin, 0.0)

    triplet.__name__ = "triplet_loss"
    return triplet


def similarity_regression_loss():
    """Squared error between a graded similarity and the cosine of two unit-length embeddings.

    For embeddings of length 1 the Euclidean distance ``d`` and the cosine similarity are
    tied: ``cos = 1 - d**2 / 2``. The loss is ``(s - (1 - d**2 / 2))**2`` for a pair with
    target similarity ``s`` (e.g. the IDF-weighted Dice similarity of the two clips' tag
    sets, from :func:`graded_pairs`): the Siamese network learns to place clips so that
    their cosine is their tag similarity, and ranking by distance then ranks by it.
    Unlike the contrastive loss, every pair has a target, not just "near" or "far".

    Returns
    -------
    callable
        ``loss(y_true, y_pred)``: ``y_true`` the target similarities, shape ``(batch,)`` or
        ``(batch, 1)``; ``y_pred`` the distances of the same shape (a two-tower
        :func:`utils.models.siamese` whose encoder ends in a unit-length embedding, e.g.
        ``keras.layers.UnitNormalization``). Returns one loss per pair, shape ``(batch,)``.

    Example
    -------
    >>> loss = similarity_regression_loss()
    >>> [round(float(v), 4) for v in loss(np.array([1.0, 0.0, 1.0]), np.array([0.0, 2.0, 1.0]))]
    [0.0, 1.0, 0.25]
    """
    with config.quiet_native_stderr():
        from keras import ops

    def similarity_regression(y_true, y_pred):
        s, d = _per_pair(ops, y_true, y_pred)
        return ops.square(s - (1.0 - ops.square(d) / 2.0))

    similarity_regression.__name__ = "similarity_regression_loss"
    return similarity_regression
