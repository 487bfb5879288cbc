"""Similarity retrieval: distances, relevance, retrieval metrics against hand computations and
scikit-learn, and the grid search over the feature sets' shares (utils.similarity)."""

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


# ---------------------------------------------------------------- tuning the shares


def test_share_grid_is_notebook_08s_grid():
    steps = np.arange(0, 1.01, 0.25)
    by_hand = [(a, b, round(1 - a - b, 2)) for a in steps for b in steps if a + b <= 1 + 1e-9]
    grid = sim.share_grid(["mfcc", "rp", "ssd"], step=0.25)
    assert [tuple(g.values()) for g in grid] == by_hand
    assert all(list(g) == ["mfcc", "rp", "ssd"] for g in grid)
    assert all(sum(g.values()) == pytest.approx(1.0) for g in grid)
    assert len(sim.share_grid(["a", "b", "c", "d"], step=0.5)) == 10
    with pytest.raises(ValueError, match="step"):
        sim.share_grid(["a"], step=0)


def test_tune_shares_is_the_best_fused_search_of_the_grid():
    # the brute force: every fused distance of the grid, judged by MAP on the tuning queries
    rng = np.random.default_rng(5)
    Y = np.eye(3, dtype=int)[rng.integers(0, 3, 60)]
    sets = {
        "signal": Y @ rng.normal(size=(3, 4)) + 0.8 * rng.normal(size=(60, 4)),
        "noise": 50 * rng.normal(size=(60, 30)),
        "weak": Y @ rng.normal(size=(3, 2)) + 3 * rng.normal(size=(60, 2)),
    }
    R = sim.relevance_matrix(Y)
    songs = np.repeat(np.arange(30), 2)
    mates = sim.same_song_mask(songs)
    tune = np.isin(songs, np.arange(15))
    found = sim.tune_shares(sets, R, queries=tune, exclude=mates, step=0.25)
    maps = []
    for shares in sim.share_grid(sets, step=0.25):
        D = sim.pairwise_distances(sim.scale_feature_sets(sets, weights=shares))
        maps.append(sim.mean_average_precision(D[tune], R[tune], exclude=mates[tune]))
    assert [row["tuning MAP"] for row in found.grid] == pytest.approx(maps, abs=1e-12)
    best = sim.share_grid(sets, step=0.25)[int(np.argmax(maps))]
    assert found.weights == best and found.best_map == pytest.approx(max(maps))
    assert found.weights["noise"] == 0.0  # the noise set gets no share
    with pytest.raises(ValueError, match="queries"):
        sim.tune_shares(sets, R, queries=tune[:10])


def test_table_relevance_is_the_nearest_pair_of_tags():
    table = np.array([[1.0, 0.6, 0.0], [0.6, 1.0, 0.1], [0.0, 0.1, 1.0]])
    Y = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 1], [0, 0, 0]])
    G = sim.table_relevance(Y, table)
    for i, j in itertools.product(range(len(Y)), repeat=2):  # brute force over tag pairs
        pairs = [table[a, b] for a in np.flatnonzero(Y[i]) for b in np.flatnonzero(Y[j])]
        assert G[i, j] == (max(pairs) if pairs else 0.0)
    assert (G > 0).astype(int).tolist()[:3] == [[1, 1, 0, 1, 0], [1, 1, 1, 1, 0], [0, 1, 1, 1, 0]]
    np.testing.assert_array_equal(G > 0.99, sim.relevance_matrix(Y))  # a shared tag is 1
    with pytest.raises(ValueError, match="table must be"):
        sim.table_relevance(Y, np.eye(2))
    with pytest.raises(ValueError, match="between 0 and 1"):
        sim.table_relevance(Y, 2 * np.eye(3))


def test_query_interval_covers_the_mean_and_resamples_whole_songs():
    rng = np.random.default_rng(0)
    values = rng.random(60)
    low, high = sim.query_interval(values, n=1000)
    assert low < values.mean() < high and high - low < 0.3
    # 20 songs of 3 identical queries: resampling songs widens the interval (they count as
    # 20 queries, not 60), and NaN queries take no part
    songs = np.repeat(np.arange(20), 3)
    tied = np.repeat(rng.random(20), 3)
    by_query = sim.query_interval(tied, n=2000)
    by_song = sim.query_interval(tied, groups=songs, n=2000)
    assert (by_song[1] - by_song[0]) > 1.4 * (by_query[1] - by_query[0])
    with_nan = np.r_[tied, np.nan]
    assert sim.query_interval(with_nan, groups=np.r_[songs, 99], n=2000) == by_song
    # against a brute-force bootstrap of the same draws
    draws = np.random.default_rng(5).integers(0, 20, size=(500, 20))
    means = np.array([tied[::3][d].mean() for d in draws])
    expected = tuple(float(q) for q in np.quantile(means, [0.025, 0.975]))
    np.testing.assert_allclose(sim.query_interval(tied, groups=songs, n=500, seed=5), expected)
    with pytest.raises(ValueError, match="one group per query"):
        sim.query_interval(values, groups=songs[:10])
    with pytest.raises(ValueError, match="all NaN"):
        sim.query_interval([np.nan, np.nan])
