"""Similarity retrieval: distances, relevance, retrieval metrics against hand computations and
scikit-learn, pair and triplet sampling, the Siamese losses and the shared-weight twins."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.metrics import average_precision_score, ndcg_score
from sklearn.metrics.pairwise import cosine_similarity as sk_cosine

from utils import similarity as sim

# ---------------------------------------------------------------- distances and fusion


@pytest.mark.parametrize("metric", sim.DISTANCE_METRICS)
def test_pairwise_distances_match_scipy(metric):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(7, 5)), rng.normal(size=(4, 5))
    np.testing.assert_allclose(sim.pairwise_distances(X, Y, metric=metric), cdist(X, Y, metric))
    D = sim.pairwise_distances(X, metric=metric)
    np.testing.assert_allclose(D, cdist(X, X, metric), atol=1e-12)
    assert (np.diag(D) == 0).all()


def test_pairwise_distances_flatten_extra_axes_and_check_shapes():
    rp = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4)
    assert sim.pairwise_distances(rp)[0, 1] == pytest.approx(np.sqrt(12 * 12**2))
    with pytest.raises(ValueError, match="one row per clip"):
        sim.pairwise_distances(np.zeros(5))
    with pytest.raises(ValueError, match="metric must be one of"):
        sim.pairwise_distances(rp, metric="manhattan")


def test_distance_shares_equal_the_mean_over_all_pairs():
    rng = np.random.default_rng(1)
    sets = {"a": rng.normal(size=(30, 3)), "b": 5 * rng.normal(size=(30, 8))}
    n = 30
    off = ~np.eye(n, dtype=bool)
    brute = {
        k: (sim.pairwise_distances(X, metric="sqeuclidean")[off]).mean() for k, X in sets.items()
    }
    total = sum(brute.values())
    shares = sim.distance_shares(sets)
    for k in sets:
        assert shares[k] == pytest.approx(brute[k] / total)
    assert sum(shares.values()) == pytest.approx(1.0)


def test_scaling_gives_every_set_an_equal_or_chosen_share():
    rng = np.random.default_rng(2)
    sets = {
        "mfcc": rng.normal(size=(40, 8)),
        "rp": 1000 * rng.gamma(2.0, size=(40, 24, 60)),  # many numbers in large units
    }
    raw = sim.distance_shares(sets)
    assert raw["rp"] > 0.99  # the big set decides the raw distance
    scaled = sim.distance_shares(sim.scale_feature_sets(sets, blocks=True))
    assert scaled == pytest.approx({"mfcc": 0.5, "rp": 0.5})
    weighted = sim.scale_feature_sets(sets, weights={"mfcc": 3.0}, blocks=True)
    assert sim.distance_shares(weighted) == pytest.approx({"mfcc": 0.75, "rp": 0.25})
    fused = sim.scale_feature_sets(sets)
    assert fused.shape == (40, 8 + 1440)
    np.testing.assert_allclose(
        fused[:, :8] * np.sqrt(8), (sets["mfcc"] - sets["mfcc"].mean(0)) / sets["mfcc"].std(0)
    )


def test_scaling_uses_the_fit_rows_and_keeps_constant_columns_at_zero():
    X = np.array([[0.0, 5.0], [2.0, 5.0], [100.0, 5.0]])
    out = sim.scale_feature_sets({"x": X}, fit=[0, 1])  # mean 1, std 1 from the first two rows
    np.testing.assert_allclose(out[:, 0], np.array([-1.0, 1.0, 99.0]) / np.sqrt(2))
    assert (out[:, 1] == 0).all()
    with pytest.raises(ValueError, match="same rows"):
        sim.scale_feature_sets({"a": np.zeros((3, 2)), "b": np.zeros((4, 2))})
    with pytest.raises(ValueError, match="unknown sets"):
        sim.scale_feature_sets({"a": np.zeros((3, 2))}, weights={"rp": 1.0})


# ---------------------------------------------------------------- relevance from tags


def test_idf_dice_and_cosine_by_hand():
    Y = np.array([[1, 1, 0], [1, 0, 1], [1, 0, 0], [0, 0, 0]])
    idf = sim.idf_weights(Y)
    np.testing.assert_allclose(idf, [np.log(4 / 3), np.log(4), np.log(4)])
    S = sim.dice_similarity(Y)
    assert S[0, 1] == pytest.approx(2 * 1 / (2 + 2))
    assert S[0, 2] == pytest.approx(2 * 1 / (2 + 1))
    assert S[0, 0] == 1.0 and S[3, 3] == 0.0 and S[0, 3] == 0.0
    W = sim.dice_similarity(Y, weights=idf)
    assert W[0, 1] == pytest.approx(2 * idf[0] / (idf[0] + idf[1] + idf[0] + idf[2]))
    C = sim.cosine_similarity(Y, weights=idf)
    np.testing.assert_allclose(C[:3, :3], sk_cosine(Y[:3] * idf))
    assert C[0, 3] == 0.0


def test_relevance_matrix_binary_and_graded():
    Y = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]])
    R = sim.relevance_matrix(Y)
    assert R.dtype == bool
    assert R.astype(int).tolist() == [[1, 1, 0], [1, 1, 0], [0, 0, 1]]
    G = sim.relevance_matrix(Y, graded=True)
    np.testing.assert_allclose(G, sim.dice_similarity(Y))
    G2 = sim.relevance_matrix(Y[:1], Y, graded=True, measure="cosine")
    np.testing.assert_allclose(G2, [[1.0, 1 / np.sqrt(2), 0.0]])


def test_same_song_mask():
    M = sim.same_song_mask(["s1", "s2", "s1"])
    assert M.tolist() == [[True, False, True], [False, True, False], [True, False, True]]
    assert sim.same_song_mask(["a"], ["b", "a"]).tolist() == [[False, True]]


# ---------------------------------------------------------------- retrieval metrics

# One query over six items, ranked by distance 0.1 .. 0.6; relevant at ranks 1, 3 and 6.
D1 = np.array([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]])
R1 = np.array([[1, 0, 1, 0, 0, 1]])


def test_metrics_by_hand():
    assert sim.precision_at_k(D1, R1, k=1) == 1.0
    assert sim.precision_at_k(D1, R1, k=3) == pytest.approx(2 / 3)
    assert sim.precision_at_k(D1, R1, k=5) == pytest.approx(2 / 5)
    ap = (1 / 1 + 2 / 3 + 3 / 6) / 3
    assert sim.mean_average_precision(D1, R1) == pytest.approx(ap)
    # graded gains 3, 0, 1 at ranks 1-3: DCG = 3 + 0 + 1/log2(4); ideal = 3 + 1/log2(3) + ...
    G = np.array([[3.0, 0.0, 1.0, 0.0, 2.0, 0.0]])
    dcg = 3 + 1 / np.log2(4)
    ideal = 3 + 2 / np.log2(3) + 1 / np.log2(4)
    assert sim.ndcg_at_k(D1, G, k=3) == pytest.approx(dcg / ideal)
    assert sim.retrieval_scores(D1, R1, k=3, graded=G) == pytest.approx(
        {"precision_at_3": 2 / 3, "map": ap, "ndcg_at_3": dcg / ideal}
    )


def test_square_distances_leave_each_query_out():
    X = np.array([[0.0], [1.0], [3.0], [7.0]])
    Y = np.array([[1, 0], [0, 1], [1, 0], [0, 1]])
    D, R = sim.pairwise_distances(X), sim.relevance_matrix(Y)
    # query 0: neighbours 1 (no), 2 (yes), 3 (no) -> P@1 = 0, AP = 1/2;
    # query 1: 0 (no), 2 (no), 3 (yes) -> AP = 1/3; query 3: 2 (no), 1 (yes) -> AP = 1/2
    p = sim.precision_at_k(D, R, k=1, per_query=True)
    assert p.tolist() == [0.0, 0.0, 0.0, 0.0]
    ap = sim.average_precision(D, R)
    assert ap.tolist() == pytest.approx([1 / 2, 1 / 3, 1 / 2, 1 / 2])
    # counting the query itself (leave_one_out=False) would give every query P@1 = 1
    assert sim.precision_at_k(D, R, k=1, leave_one_out=False) == 1.0


def test_excluded_same_song_clips_are_no_neighbours():
    # clips 0 and 1 are one song; 2 is another song with the same tag; 3 has another tag
    X = np.array([[0.0], [0.1], [2.0], [1.0]])
    Y = np.array([[1, 0], [1, 0], [1, 0], [0, 1]])
    D, R = sim.pairwise_distances(X), sim.relevance_matrix(Y)
    songs = np.array(["a", "a", "b", "c"])
    assert sim.precision_at_k(D, R, k=1, per_query=True)[0] == 1.0  # its song-mate
    excluded = sim.precision_at_k(D, R, k=1, exclude=sim.same_song_mask(songs), per_query=True)
    assert excluded[0] == 0.0  # now clip 3 (other tag) is nearest
    assert np.isnan(excluded[3])  # no other clip has clip 3's tag
    same = sim.average_precision(D, R, exclude=songs)  # song ids work too
    # clip 2: clip 3 (no), then clips 1 and 0 (yes, both of song "a", neither its own song)
    np.testing.assert_allclose(same[:3], [1 / 2, 1 / 2, (1 / 2 + 2 / 3) / 2])


@pytest.mark.parametrize("seed", range(5))
def test_average_precision_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    D = rng.random((6, 20))
    R = rng.random((6, 20)) < 0.3
    R[:, 0] = True  # every query has a relevant item
    ex = rng.random((6, 20)) < 0.2
    ours = sim.average_precision(D, R, exclude=ex)
    for q in range(6):
        keep = ~ex[q]
        if R[q, keep].any():
            assert ours[q] == pytest.approx(average_precision_score(R[q, keep], -D[q, keep]))
        else:
            assert np.isnan(ours[q])


@pytest.mark.parametrize("k", [1, 3, 10, 20])
def test_ndcg_matches_sklearn(k):
    rng = np.random.default_rng(k)
    D = rng.random((8, 20))
    G = np.round(rng.random((8, 20)) * (rng.random((8, 20)) < 0.4), 2)
    G[:, 0] = 0.5
    ours = sim.ndcg_at_k(D, G, k=k, per_query=True)
    np.testing.assert_allclose(
        ours, [ndcg_score(G[q : q + 1], -D[q : q + 1], k=k) for q in range(8)]
    )


def _all_permutations(rel, k):
    """Mean P@k, AP and nDCG@k over every order of one query's items."""
    m = len(rel)
    out = []
    for perm in itertools.permutations(range(m)):
        D = np.empty((1, m))
        D[0, list(perm)] = np.arange(m)
        out.append(
            [
                sim.precision_at_k(D, rel[None], k=k),
                sim.mean_average_precision(D, rel[None]),
                sim.ndcg_at_k(D, rel[None], k=k),
            ]
        )
    return np.mean(out, axis=0)


@pytest.mark.parametrize("rel", [[1, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0], [0.5, 1, 0, 1, 0, 0]])
def test_random_baseline_is_the_mean_over_all_orders(rel):
    rel = np.array(rel, dtype=float)
    k = 3
    exact = sim.random_baseline(rel[None], k=k)
    p, ap, nd = _all_permutations(rel, k)
    assert exact["precision_at_3"] == pytest.approx(p)
    assert exact["map"] == pytest.approx(ap)
    assert exact["ndcg_at_3"] == pytest.approx(nd)


def test_random_baseline_with_exclusions_agrees_with_shuffled_rankings():
    rng = np.random.default_rng(7)
    Y = (rng.random((60, 4)) < 0.3).astype(int)
    Y[np.arange(60), rng.integers(0, 4, 60)] = 1
    R = sim.relevance_matrix(Y)
    songs = np.repeat(np.arange(20), 3)  # three clips per song
    base = sim.random_baseline(R, k=10, exclude=songs)
    draws = [sim.retrieval_scores(rng.random((60, 60)), R, k=10, exclude=songs) for _ in range(300)]
    assert np.mean([d["precision_at_10"] for d in draws]) == pytest.approx(
        base["precision_at_10"], abs=0.01
    )
    assert np.mean([d["map"] for d in draws]) == pytest.approx(base["map"], abs=0.01)


def test_metrics_say_what_is_wrong():
    with pytest.raises(ValueError, match="one shape"):
        sim.precision_at_k(D1, R1[:, :3], k=1)
    with pytest.raises(ValueError, match="no query has a relevant item"):
        sim.mean_average_precision(D1, np.zeros_like(R1))
    with pytest.raises(ValueError, match="k must be"):
        sim.precision_at_k(D1, R1, k=0)


# ---------------------------------------------------------------- pairs and triplets


@pytest.fixture(scope="module")
def tagged():
    rng = np.random.default_rng(3)
    Y = np.zeros((90, 5), dtype=int)
    Y[np.arange(90), rng.integers(0, 5, 90)] = 1
    Y[rng.random(90) < 0.2, 4] = 1  # some clips have two tags
    Y[:6] = 0  # six clips without a tag
    songs = np.repeat(np.arange(30), 3)
    return Y, songs


def test_genuine_and_impostor_pairs(tagged):
    Y, songs = tagged
    pairs, labels = sim.genuine_impostor_pairs(Y, n_pairs=400, seed=1, exclude=songs)
    assert pairs.shape == (400, 2) and labels.shape == (400,)
    assert labels.sum() == 200
    share = (Y[pairs[:, 0]] & Y[pairs[:, 1]]).any(axis=1)
    assert (share == (labels == 1)).all(), "genuine pairs share a tag, impostors none"
    assert (pairs[:, 0] != pairs[:, 1]).all()
    assert (songs[pairs[:, 0]] != songs[pairs[:, 1]]).all(), "clips of one song are never paired"
    assert Y[pairs.ravel()].any(axis=1).all(), "untagged clips take no part"
    again, labels2 = sim.genuine_impostor_pairs(Y, n_pairs=400, seed=1, exclude=songs)
    assert (again == pairs).all() and (labels2 == labels).all()
    other, _ = sim.genuine_impostor_pairs(Y, n_pairs=400, seed=2, exclude=songs)
    assert not (other == pairs).all()


def test_pairs_accept_a_mask_and_fail_clearly():
    Y = np.array([[1, 0], [1, 0], [0, 1]])
    mask = np.zeros((3, 3), dtype=bool)
    mask[0, 1] = mask[1, 0] = True  # the only genuine pair is ruled out
    with pytest.raises(ValueError, match="genuine"):
        sim.genuine_impostor_pairs(Y, n_pairs=4, seed=0, exclude=mask)
    with pytest.raises(ValueError, match="exclude must be"):
        sim.genuine_impostor_pairs(Y, n_pairs=4, seed=0, exclude=np.zeros(5))


def test_graded_pairs_targets_are_the_tag_similarity(tagged):
    Y, songs = tagged
    idf = sim.idf_weights(Y)
    pairs, s = sim.graded_pairs(Y, n_pairs=300, seed=4, weights=idf, exclude=songs)
    G = sim.relevance_matrix(Y, graded=True, weights=idf)
    np.testing.assert_allclose(s, G[pairs[:, 0], pairs[:, 1]], rtol=1e-6)
    assert (songs[pairs[:, 0]] != songs[pairs[:, 1]]).all()
    assert (s == 0).mean() < 0.5 and (s == 1).any(), "spread over the range, not mostly 0"
    again, _ = sim.graded_pairs(Y, n_pairs=300, seed=4, weights=idf, exclude=songs)
    assert (again == pairs).all()


def test_triplets_random_and_semi_hard(tagged):
    Y, songs = tagged
    t = sim.triplets(Y, n=200, seed=5, exclude=songs)
    a, p, n = t.T
    assert (Y[a] & Y[p]).any(axis=1).all()
    assert not (Y[a] & Y[n]).any(axis=1).any()
    assert (songs[a] != songs[p]).all() and (songs[a] != songs[n]).all()
    assert (sim.triplets(Y, n=200, seed=5, exclude=songs) == t).all()
    # embeddings: each tag a point on a line, clips scattered around them
    rng = np.random.default_rng(0)
    E = Y.argmax(axis=1)[:, None] * 0.3 + rng.normal(scale=0.2, size=(90, 1))
    semi = sim.triplets(Y, n=200, seed=5, exclude=songs, embeddings=E, semi_hard=True, margin=0.2)
    a, p, n = semi.T
    d_ap, d_an = np.abs(E[a] - E[p])[:, 0], np.abs(E[a] - E[n])[:, 0]
    semi_hard = (d_an > d_ap) & (d_an < d_ap + 0.2)
    rand_a, rand_p, rand_n = t.T
    rand_semi = (np.abs(E[rand_a] - E[rand_n]) > np.abs(E[rand_a] - E[rand_p])) & (
        np.abs(E[rand_a] - E[rand_n]) < np.abs(E[rand_a] - E[rand_p]) + 0.2
    )
    assert semi_hard.mean() > 0.8 > rand_semi.mean()
    assert not (Y[a] & Y[n]).any(axis=1).any()
    with pytest.raises(ValueError, match="embeddings"):
        sim.triplets(Y, n=5, seed=0, semi_hard=True)


# ---------------------------------------------------------------- losses and twins


def test_contrastive_loss_by_hand():
    loss = sim.contrastive_loss(margin=1.0)
    y = np.array([1.0, 1.0, 0.0, 0.0, 0.0])
    d = np.array([0.0, 0.5, 0.25, 1.0, 3.0])
    out = np.asarray(loss(y, d))
    np.testing.assert_allclose(out, [0.0, 0.25, 0.75**2, 0.0, 0.0], atol=1e-7)
    # column vectors, as a model outputs them, give the same per-pair losses
    np.testing.assert_allclose(np.asarray(loss(y[:, None], d[:, None])), out, atol=1e-7)
    assert float(np.asarray(sim.contrastive_loss(margin=2.0)(y, d))[3]) == pytest.approx(1.0)


def test_triplet_loss_by_hand():
    d = np.array([[0.5, 0.6], [0.1, 0.9], [0.8, 0.3]])
    np.testing.assert_allclose(
        np.asarray(sim.triplet_loss(margin=0.2)(np.zeros(3), d)), [0.1, 0.0, 0.7], atol=1e-6
    )
    sq = np.asarray(sim.triplet_loss(margin=0.2, squared=True)(np.zeros(3), d))
    np.testing.assert_allclose(sq, [0.25 - 0.36 + 0.2, 0.0, 0.64 - 0.09 + 0.2], atol=1e-6)


def test_similarity_regression_loss_by_hand():
    loss = sim.similarity_regression_loss()
    s = np.array([1.0, 0.0, 0.5, 1.0, 0.0])
    # unit vectors: d = 0 (same), sqrt(2) (orthogonal), 1 (60 degrees), 1, 2 (opposite)
    d = np.array([0.0, np.sqrt(2.0), 1.0, 1.0, 2.0])
    out = np.asarray(loss(s, d))
    # cosines 1, 0, 0.5, 0.5, -1 against the targets
    np.testing.assert_allclose(out, [0.0, 0.0, 0.0, 0.25, 1.0], atol=1e-6)
    np.testing.assert_allclose(np.asarray(loss(s[:, None], d[:, None])), out, atol=1e-6)


def test_similarity_regression_training_orders_pairs_by_tag_similarity():
    import keras

    from utils import models

    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    Y = rng.random((120, 4)) < 0.4
    Y[~Y.any(axis=1), 0] = True
    X = (Y @ rng.normal(size=(4, 6)) + 0.1 * rng.normal(size=(120, 6))).astype("float32")
    pairs, s = sim.graded_pairs(Y, n_pairs=600, seed=2)
    enc = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(16, activation="tanh"), keras.layers.Dense(4)]
        + [keras.layers.UnitNormalization()]
    )
    model = models.siamese(enc)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=sim.similarity_regression_loss())
    inputs = [X[pairs[:, 0]], X[pairs[:, 1]]]
    before = model.evaluate(inputs, s, verbose=0)
    model.fit(inputs, s, epochs=20, batch_size=64, verbose=0)
    assert model.evaluate(inputs, s, verbose=0) < 0.5 * before
    cos = 1 - np.asarray(model.predict(inputs, verbose=0)).ravel() ** 2 / 2
    assert np.corrcoef(cos, s)[0, 1] > 0.7


@pytest.fixture(scope="module")
def encoder():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(3)],
        name="encoder",
    )


def test_siamese_twins_share_one_encoder(encoder, tmp_path):
    from utils import models

    model = models.siamese(encoder)
    assert [w.path for w in model.weights] == [w.path for w in encoder.weights]
    assert len(model.trainable_weights) == len(encoder.trainable_weights) == 4
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(5, 6)).astype("float32"), rng.normal(size=(5, 6)).astype("float32")
    d_same = np.asarray(model.predict([x1, x1], verbose=0))
    assert d_same.shape == (5, 1) and (d_same < 1e-5).all(), "both towers embed x alike"
    e1, e2 = encoder(x1).numpy(), encoder(x2).numpy()
    d = np.asarray(model.predict([x1, x2], verbose=0))[:, 0]
    np.testing.assert_allclose(d, np.linalg.norm(e1 - e2, axis=1), rtol=1e-5)
    three = models.siamese(encoder, towers=3)
    out = np.asarray(three.predict([x1, x2, x1], verbose=0))
    np.testing.assert_allclose(out[:, 0], d, rtol=1e-5)
    assert (out[:, 1] < 1e-5).all()
    path = tmp_path / "twins.keras"
    model.save(path)
    again = models.load_model(path, compile=False)
    np.testing.assert_allclose(np.asarray(again.predict([x1, x2], verbose=0))[:, 0], d, rtol=1e-5)
    with pytest.raises(ValueError, match="towers"):
        models.siamese(encoder, towers=4)


def test_contrastive_training_pulls_genuine_pairs_together():
    import keras

    from utils import models

    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 200)
    X = (rng.normal(size=(200, 6)) + 1.5 * labels[:, None] * np.array([1, -1, 1, 0, 0, 0])).astype(
        "float32"
    )
    Y = np.eye(2, dtype=int)[labels]
    pairs, y = sim.genuine_impostor_pairs(Y, n_pairs=512, seed=1)
    enc = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(2)]
    )
    model = models.siamese(enc)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=sim.contrastive_loss(margin=1.0))
    before = model.evaluate([X[pairs[:, 0]], X[pairs[:, 1]]], y, verbose=0)
    model.fit([X[pairs[:, 0]], X[pairs[:, 1]]], y, epochs=15, batch_size=64, verbose=0)
    after = model.evaluate([X[pairs[:, 0]], X[pairs[:, 1]]], y, verbose=0)
    assert after < 0.7 * before
    D = sim.pairwise_distances(np.asarray(enc(X)))
    scores = sim.retrieval_scores(D, sim.relevance_matrix(Y), k=10)
    assert (
        scores["precision_at_10"]
        > sim.random_baseline(sim.relevance_matrix(Y), k=10)["precision_at_10"] + 0.2
    )


# ---------------------------------------------------------------- pair verification


def test_pair_accuracy_by_hand():
    d, y = [0.1, 0.4, 0.8, 0.3], [1, 1, 0, 0]
    # below 0.5: 0.1 (genuine, right), 0.4 (genuine, right), 0.3 (impostor, wrong); 0.8 right
    assert sim.pair_accuracy(d, y, threshold=0.5) == 0.75
    assert sim.pair_accuracy(d, y, threshold=0.0) == 0.5  # everything called impostor
    assert sim.pair_accuracy(np.array(d)[:, None], y, threshold=0.35) == 0.5  # (n, 1) distances


def test_pair_threshold_by_hand():
    # separable: any threshold between 0.3 and 0.5 is perfect; the midpoint is chosen
    t = sim.pair_threshold([0.1, 0.3, 0.5, 0.8], [1, 1, 0, 0])
    assert t == pytest.approx(0.4)
    assert sim.pair_accuracy([0.1, 0.3, 0.5, 0.8], [1, 1, 0, 0], threshold=t) == 1.0
    # not separable: 0.2 and 0.6 each judge 3 of 4 right; ties go to the smaller threshold
    d, y = [0.1, 0.4, 0.8, 0.3], [1, 1, 0, 0]
    assert sim.pair_threshold(d, y) == pytest.approx(0.2)
    assert sim.pair_accuracy(d, y, threshold=sim.pair_threshold(d, y)) == 0.75
    # only genuine pairs: a threshold above every distance calls them all genuine
    assert (
        sim.pair_accuracy([0.1, 0.2], [1, 1], threshold=sim.pair_threshold([0.1, 0.2], [1, 1])) == 1
    )


def test_pair_threshold_is_the_best_of_all_thresholds():
    rng = np.random.default_rng(3)
    d, y = rng.random(40).round(2), rng.integers(0, 2, 40)
    best = max(sim.pair_accuracy(d, y, threshold=t) for t in np.linspace(-0.1, 1.1, 1201))
    assert sim.pair_accuracy(d, y, threshold=sim.pair_threshold(d, y)) == pytest.approx(best)


def test_pair_verification_says_what_is_wrong():
    with pytest.raises(ValueError, match="one label per pair"):
        sim.pair_accuracy([0.1, 0.2], [1], threshold=0.5)
    with pytest.raises(ValueError, match="1 .genuine pair. or 0"):
        sim.pair_threshold([0.1, 0.2], [1, 2])
    with pytest.raises(ValueError, match="no pairs"):
        sim.pair_threshold([], [])


def test_songs_are_sampled_and_split_whole_and_repeat_the_pandas_recipe():
    import pandas as pd

    rng = np.random.default_rng(7)
    songs = pd.Series(rng.choice([f"song{i:02d}" for i in range(40)], size=150))
    # the recipe notebooks 08-10 used before, with one generator for both draws
    old = np.random.default_rng(42)
    order = old.permutation(songs.unique())
    so_far = songs.value_counts()[order].cumsum().to_numpy()
    chosen = order[: max(int((so_far <= 60).sum()), 1)]
    kept = songs[songs.isin(chosen)]
    half = old.permutation(kept.unique())[: kept.nunique() // 2]

    new = np.random.default_rng(42)
    drawn = sim.sample_songs(songs, max_clips=60, seed=new)
    assert drawn.tolist() == list(chosen)
    assert np.isin(songs, drawn).sum() <= 60
    assert sim.split_songs(kept, seed=new).tolist() == list(half)
    assert sim.sample_songs(songs, max_clips=1, seed=0).size == 1  # never empty
    with pytest.raises(ValueError, match="fraction"):
        sim.split_songs(songs, fraction=1.0)
