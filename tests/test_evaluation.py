"""The chance levels the notebooks print: a random ranking's expected average precision."""

from __future__ import annotations

import numpy as np
import pytest

from utils import evaluation


@pytest.mark.parametrize(("positives", "items"), [(1, 30), (5, 30), (2, 3), (7, 7), (3, 12)])
def test_random_ranking_ap_agrees_with_shuffled_rankings(positives, items):
    rng = np.random.default_rng(0)
    y = np.zeros(items, dtype=int)
    y[:positives] = 1
    simulated = np.mean(
        [evaluation.average_precision(y, rng.permutation(items)) for _ in range(20000)]
    )
    exact = evaluation.random_ranking_ap(positives, items)
    assert exact == pytest.approx(simulated, abs=0.006)


def test_random_ranking_ap_is_not_the_share_of_positives():
    # the examples: 1 of 30 positive is 0.133, not 0.033; 5 of 30 is 0.25, not 0.17
    assert evaluation.random_ranking_ap(1, 30) == pytest.approx(0.1332, abs=1e-4)
    assert evaluation.random_ranking_ap(5, 30) == pytest.approx(0.2527, abs=1e-4)
    assert np.isnan(evaluation.random_ranking_ap(0, 30))
    with pytest.raises(ValueError, match="positives must lie"):
        evaluation.random_ranking_ap(31, 30)


def test_per_tag_scores_mark_undefined_scores_and_count_the_tags_covered():
    Y = np.array([[1, 0, 1], [0, 0, 1], [1, 0, 1], [0, 0, 1]])
    S = np.array([[0.9, 0.1, 0.3], [0.2, 0.5, 0.2], [0.7, 0.3, 0.9], [0.1, 0.2, 0.4]])
    df = evaluation.per_tag_scores(Y, S, tags=["a", "b", "c"])
    assert df.positives.tolist() == [2, 0, 4]
    assert np.isnan(df.roc_auc["b"]) and np.isnan(df.roc_auc["c"]) and np.isnan(df.pr_auc["b"])
    assert df.chance_pr_auc["c"] == 1.0  # every clip positive: any order is perfect
    assert df.attrs["roc_auc_tags"] == 1 and df.attrs["pr_auc_tags"] == 2 and df.attrs["tags"] == 3
    assert df.attrs["macro_chance_pr_auc"] == pytest.approx(
        np.mean([evaluation.random_ranking_ap(2, 4), 1.0])
    )


def test_random_split_leaks_song_mates_and_the_song_safe_one_does_not():
    # 40 songs of 3 clips: a random clip split (the 2018 protocol) puts clips of some songs
    # on both sides; given the songs, no song is split; both keep about a quarter for the test.
    songs = np.repeat(np.arange(40), 3)
    labels = np.repeat(np.arange(40) % 2, 3)
    leaky = evaluation.random_split(labels, seed=0)
    safe = evaluation.random_split(labels, songs=songs, seed=0)
    split_songs = [s for s in range(40) if len(set(leaky[songs == s])) == 2]
    assert len(split_songs) > 5
    assert all(len(set(safe[songs == s])) == 1 for s in range(40))
    for part in (leaky, safe):
        assert 0.2 <= np.mean(part == "test") <= 0.3
        assert 0.4 <= labels[part == "test"].mean() <= 0.6  # stratified by class
    tags = np.eye(4, dtype=int)[np.arange(120) % 4]
    multi = evaluation.random_split(tags, songs=songs, seed=0)
    assert all(len(set(multi[songs == s])) == 1 for s in range(40))
    assert np.array_equal(evaluation.random_split(labels, seed=0), leaky)  # repeatable


def test_fast_macro_scores_agree_with_per_tag_scores():
    rng = np.random.default_rng(1)
    Y = (rng.random((30, 12)) < 0.1).astype(int)
    Y[:, 0] = 0  # no positive: left out of both
    Y[:, 1] = 1  # all positive: no ROC-AUC
    S = np.round(rng.random((30, 12)), 1)  # ties, as in resampled test sets
    df = evaluation.per_tag_scores(Y, S)
    assert evaluation.macro_roc_auc(Y, S) == pytest.approx(df.attrs["macro_roc_auc"])
    assert evaluation.macro_pr_auc(Y, S) == pytest.approx(df.attrs["macro_pr_auc"])
    assert np.isnan(evaluation.macro_roc_auc(Y[:, :2], S[:, :2]))
    assert np.isnan(evaluation.macro_pr_auc(Y[:, :1], S[:, :1]))


@pytest.mark.parametrize("seed", range(20))
def test_fast_macro_scores_agree_with_scikit_learn_on_tied_scores(seed):
    from sklearn.metrics import average_precision_score, roc_auc_score

    rng = np.random.default_rng(seed)
    n, k = rng.integers(2, 40), rng.integers(1, 8)
    Y = (rng.random((n, k)) < rng.uniform(0.05, 0.6)).astype(int)
    S = np.round(rng.random((n, k)), int(rng.integers(1, 3)))  # many ties
    roc = [roc_auc_score(Y[:, j], S[:, j]) for j in range(k) if 0 < Y[:, j].sum() < n]
    pr = [average_precision_score(Y[:, j], S[:, j]) for j in range(k) if Y[:, j].sum() > 0]
    fast_roc, fast_pr = evaluation.macro_roc_auc(Y, S), evaluation.macro_pr_auc(Y, S)
    assert np.isnan(fast_roc) if not roc else fast_roc == pytest.approx(np.mean(roc))
    assert np.isnan(fast_pr) if not pr else fast_pr == pytest.approx(np.mean(pr))
