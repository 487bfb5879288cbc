"""Siamese training: pair and triplet sampling, pair verification, the Siamese losses and the
shared-weight twins (utils.siamese)."""

from __future__ import annotations

import numpy as np
import pytest

from utils import siamese
from utils import similarity as sim

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
    pairs, labels = siamese.genuine_impostor_pairs(Y, n_pairs=400, seed=1, exclude=songs)
    assert pairs.shape == (400, 2) and labels.shape == (400,)
    assert labels.sum() == 200
    share = (Y[pairs[:, 0]] & Y[pairs[:, 1]]).any(axis=1)
    assert (share == (labels == 1)).all(), "genuine pairs share a tag, impostors none"
    assert (pairs[:, 0] != pairs[:, 1]).all()
    assert (songs[pairs[:, 0]] != songs[pairs[:, 1]]).all(), "clips of one song are never paired"
    assert Y[pairs.ravel()].any(axis=1).all(), "untagged clips take no part"
    again, labels2 = siamese.genuine_impostor_pairs(Y, n_pairs=400, seed=1, exclude=songs)
    assert (again == pairs).all() and (labels2 == labels).all()
    other, _ = siamese.genuine_impostor_pairs(Y, n_pairs=400, seed=2, exclude=songs)
    assert not (other == pairs).all()


def test_pairs_accept_a_mask_and_fail_clearly():
    Y = np.array([[1, 0], [1, 0], [0, 1]])
    mask = np.zeros((3, 3), dtype=bool)
    mask[0, 1] = mask[1, 0] = True  # the only genuine pair is ruled out
    with pytest.raises(ValueError, match="genuine"):
        siamese.genuine_impostor_pairs(Y, n_pairs=4, seed=0, exclude=mask)
    with pytest.raises(ValueError, match="exclude must be"):
        siamese.genuine_impostor_pairs(Y, n_pairs=4, seed=0, exclude=np.zeros(5))


def test_graded_pairs_targets_are_the_tag_similarity(tagged):
    Y, songs = tagged
    idf = sim.idf_weights(Y)
    pairs, s = siamese.graded_pairs(Y, n_pairs=300, seed=4, weights=idf, exclude=songs)
    G = sim.relevance_matrix(Y, graded=True, weights=idf)
    np.testing.assert_allclose(s, G[pairs[:, 0], pairs[:, 1]], rtol=1e-6)
    assert (songs[pairs[:, 0]] != songs[pairs[:, 1]]).all()
    assert (s == 0).mean() < 0.5 and (s == 1).any(), "spread over the range, not mostly 0"
    again, _ = siamese.graded_pairs(Y, n_pairs=300, seed=4, weights=idf, exclude=songs)
    assert (again == pairs).all()


def test_triplets_random_and_semi_hard(tagged):
    Y, songs = tagged
    t = siamese.triplets(Y, n=200, seed=5, exclude=songs)
    a, p, n = t.T
    assert (Y[a] & Y[p]).any(axis=1).all()
    assert not (Y[a] & Y[n]).any(axis=1).any()
    assert (songs[a] != songs[p]).all() and (songs[a] != songs[n]).all()
    assert (siamese.triplets(Y, n=200, seed=5, exclude=songs) == t).all()
    # embeddings: each tag a point on a line, clips scattered around them
    rng = np.random.default_rng(0)
    E = Y.argmax(axis=1)[:, None] * 0.3 + rng.normal(scale=0.2, size=(90, 1))
    semi = siamese.triplets(
        Y, n=200, seed=5, exclude=songs, embeddings=E, semi_hard=True, margin=0.2
    )
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
        siamese.triplets(Y, n=5, seed=0, semi_hard=True)


# ---------------------------------------------------------------- losses and twins


def test_contrastive_loss_by_hand():
    loss = siamese.contrastive_loss(margin=1.0)
    y = np.array([1.0, 1.0, 0.0, 0.0, 0.0])
    d = np.array([0.0, 0.5, 0.25, 1.0, 3.0])
    out = np.asarray(loss(y, d))
    np.testing.assert_allclose(out, [0.0, 0.25, 0.75**2, 0.0, 0.0], atol=1e-7)
    # column vectors, as a model outputs them, give the same per-pair losses
    np.testing.assert_allclose(np.asarray(loss(y[:, None], d[:, None])), out, atol=1e-7)
    assert float(np.asarray(siamese.contrastive_loss(margin=2.0)(y, d))[3]) == pytest.approx(1.0)


def test_triplet_loss_by_hand():
    d = np.array([[0.5, 0.6], [0.1, 0.9], [0.8, 0.3]])
    np.testing.assert_allclose(
        np.asarray(siamese.triplet_loss(margin=0.2)(np.zeros(3), d)), [0.1, 0.0, 0.7], atol=1e-6
    )
    sq = np.asarray(siamese.triplet_loss(margin=0.2, squared=True)(np.zeros(3), d))
    np.testing.assert_allclose(sq, [0.25 - 0.36 + 0.2, 0.0, 0.64 - 0.09 + 0.2], atol=1e-6)


def test_similarity_regression_loss_by_hand():
    loss = siamese.similarity_regression_loss()
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
    pairs, s = siamese.graded_pairs(Y, n_pairs=600, seed=2)
    enc = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(16, activation="tanh"), keras.layers.Dense(4)]
        + [keras.layers.UnitNormalization()]
    )
    model = models.siamese(enc)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=siamese.similarity_regression_loss())
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
    pairs, y = siamese.genuine_impostor_pairs(Y, n_pairs=512, seed=1)
    enc = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(2)]
    )
    model = models.siamese(enc)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=siamese.contrastive_loss(margin=1.0))
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
    assert siamese.pair_accuracy(d, y, threshold=0.5) == 0.75
    assert siamese.pair_accuracy(d, y, threshold=0.0) == 0.5  # everything called impostor
    assert siamese.pair_accuracy(np.array(d)[:, None], y, threshold=0.35) == 0.5  # (n, 1) distances


def test_pair_threshold_by_hand():
    # separable: any threshold between 0.3 and 0.5 is perfect; the midpoint is chosen
    t = siamese.pair_threshold([0.1, 0.3, 0.5, 0.8], [1, 1, 0, 0])
    assert t == pytest.approx(0.4)
    assert siamese.pair_accuracy([0.1, 0.3, 0.5, 0.8], [1, 1, 0, 0], threshold=t) == 1.0
    # not separable: 0.2 and 0.6 each judge 3 of 4 right; ties go to the smaller threshold
    d, y = [0.1, 0.4, 0.8, 0.3], [1, 1, 0, 0]
    assert siamese.pair_threshold(d, y) == pytest.approx(0.2)
    assert siamese.pair_accuracy(d, y, threshold=siamese.pair_threshold(d, y)) == 0.75
    # only genuine pairs: a threshold above every distance calls them all genuine
    assert (
        siamese.pair_accuracy(
            [0.1, 0.2], [1, 1], threshold=siamese.pair_threshold([0.1, 0.2], [1, 1])
        )
        == 1
    )


def test_pair_threshold_is_the_best_of_all_thresholds():
    rng = np.random.default_rng(3)
    d, y = rng.random(40).round(2), rng.integers(0, 2, 40)
    best = max(siamese.pair_accuracy(d, y, threshold=t) for t in np.linspace(-0.1, 1.1, 1201))
    assert siamese.pair_accuracy(d, y, threshold=siamese.pair_threshold(d, y)) == pytest.approx(
        best
    )


def test_pair_verification_says_what_is_wrong():
    with pytest.raises(ValueError, match="one label per pair"):
        siamese.pair_accuracy([0.1, 0.2], [1], threshold=0.5)
    with pytest.raises(ValueError, match="1 .genuine pair. or 0"):
        siamese.pair_threshold([0.1, 0.2], [1, 2])
    with pytest.raises(ValueError, match="no pairs"):
        siamese.pair_threshold([], [])


def test_semi_hard_rounds_are_semi_hard_where_the_clips_allow(tagged):
    Y, songs = tagged
    rng = np.random.default_rng(1)
    E = Y.argmax(axis=1)[:, None] * 0.3 + rng.normal(scale=0.2, size=(90, 1))
    semi = siamese.triplets(
        Y, n=300, seed=2, exclude=songs, embeddings=E, semi_hard=True, margin=0.2
    )
    kinds = siamese.triplet_kinds(E, semi, margin=0.2)
    assert (kinds == "semi-hard").all(), "every triplet semi-hard when enough pairs have one"
    a, p, n = semi.T
    assert (Y[a] & Y[p]).any(axis=1).all() and not (Y[a] & Y[n]).any(axis=1).any()
    assert (songs[a] != songs[n]).all() and (songs[a] != songs[p]).all()
    # one genre per clip, genres far apart: no semi-hard negative exists, the round is easy
    one = np.eye(5, dtype=int)[Y.argmax(axis=1)] * Y.any(axis=1)[:, None]
    far = one.argmax(axis=1)[:, None] * 10.0
    easy = siamese.triplets(
        one, n=50, seed=2, exclude=songs, embeddings=far, semi_hard=True, margin=0.2
    )
    assert set(siamese.triplet_kinds(far, easy, margin=0.2)) == {"easy"}


def test_triplet_kinds_by_hand():
    E = np.array([[0.0, 0.0], [0.3, 0.0], [0.4, 0.0], [0.2, 0.0], [0.6, 0.0]])
    kinds = siamese.triplet_kinds(E, [[0, 1, 2], [0, 1, 3], [0, 1, 4]], margin=0.2)
    assert kinds.tolist() == ["semi-hard", "hard", "easy"]
    assert set(siamese.TRIPLET_KINDS) == {"easy", "semi-hard", "hard"}
    with pytest.raises(ValueError, match="triplets must be"):
        siamese.triplet_kinds(E, [[0, 1]], margin=0.2)


def test_distinct_graded_pairs_never_repeat_and_stop_at_what_the_clips_allow(tagged):
    Y, songs = tagged
    idf = sim.idf_weights(Y)
    pairs, s = siamese.graded_pairs(
        Y, n_pairs=500, seed=4, weights=idf, exclude=songs, distinct=True
    )
    keys = {tuple(sorted(p)) for p in pairs.tolist()}
    assert len(keys) == len(pairs) == 500
    G = sim.relevance_matrix(Y, graded=True, weights=idf)
    np.testing.assert_allclose(s, G[pairs[:, 0], pairs[:, 1]], rtol=1e-6)
    assert (songs[pairs[:, 0]] != songs[pairs[:, 1]]).all()
    assert (s == 0).mean() < 0.5, "spread over the range, not mostly 0"
    few = np.flatnonzero(Y.any(axis=1))[:8]  # 8 tagged clips of at most 8 songs
    p8, _ = siamese.graded_pairs(Y[few], n_pairs=500, seed=0, exclude=songs[few], distinct=True)
    same = songs[few][:, None] == songs[few][None, :]
    assert len(p8) == int((~same).sum() // 2), "all the distinct pairs the clips allow, no more"
