"""Notebook 08's collection helpers (utils.search.Collection): answers, a typical query and
bootstrap intervals, on a small collection made by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from utils import search
from utils import similarity as sim


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    songs = np.repeat(np.arange(12), 2)  # 12 songs of 2 clips
    genre = songs % 3
    Y = np.eye(3, dtype=int)[genre]
    X = genre[:, None] + rng.normal(scale=0.6, size=(24, 1))
    df = pd.DataFrame({"path": [f"mp3/0/clip-{i:02d}.mp3" for i in range(24)], "song": songs})
    tune = songs < 6
    C = search.Collection(
        df=df,
        sets={"x": X},
        Y=Y,
        R=sim.relevance_matrix(Y),
        same_song=sim.same_song_mask(songs),
        tune=tune,
        eval=~tune,
        tune_songs=np.arange(6),
        k=3,
        groups=("a", "b", "c"),
    )
    return C, sim.pairwise_distances(X)


def test_answers_leave_song_mates_out_and_follow_the_distance(small):
    C, D = small
    top = C.answers(D, 13, n=5)
    assert list(top.index) == [1, 2, 3, 4, 5]
    assert 12 not in top["position"].tolist() and 13 not in top["position"].tolist()
    assert (np.diff(top["distance"]) >= 0).all()
    assert top["relevant"].tolist() == [bool(C.R[13, j]) for j in top["position"]]
    assert top["genres"].iloc[0] == C.tags_of(top["position"].iloc[0]) in ("a", "b", "c")
    assert top["file"].iloc[0].startswith("clip-")


def test_typical_query_has_the_median_precision(small):
    C, D = small
    q = C.typical_query(D)
    assert C.eval[q]
    p = sim.precision_at_k(
        D[C.eval],
        C.R[C.eval],
        k=3,
        exclude=C.same_song[C.eval],
        leave_one_out=False,
        per_query=True,
    )
    assert (
        sim.precision_at_k(D[[q]], C.R[[q]], k=3, exclude=C.same_song[[q]])
        == np.sort(p)[len(p) // 2]
    )


def test_intervals_of_a_score_and_of_a_difference(small):
    C, D = small
    low, high = C.map_interval(D)
    assert low <= C.evaluate(D)["map"] <= high
    assert C.map_interval(D, versus=D) == (0.0, 0.0)
    shuffled = D[np.random.default_rng(1).permutation(24)]
    low_d, high_d = C.map_interval(D, versus=shuffled)
    gap = C.evaluate(D)["map"] - C.evaluate(shuffled)["map"]
    assert low_d <= gap <= high_d
    with pytest.raises(ValueError, match="graded"):
        C.map_interval(D, metric="ndcg")
    G = C.with_graded(sim.relevance_matrix(C.Y, graded=True))
    assert G.map_interval(D, metric="ndcg")[1] <= 1.0
