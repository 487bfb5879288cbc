"""Notebook 08's similarity search as one recipe, shared by notebooks 08, 09 and 10.

The three notebooks search the same collection for the same queries, so that their
numbers can be compared; this module makes that collection and judges a search on it
in one place:

:func:`collection`
    The recipe: MagnaTagATune clips with a tag of the relevance group (a genre), whole
    songs drawn at random up to ``max_clips`` clips, their hand-crafted features
    (:func:`utils.features.mtat_handcrafted`, cached; unreadable clips left out), the
    relevance of every clip to every clip, the song-mates that are never answers, and the
    split of the songs into tuning and evaluation halves. One generator, seeded once, makes
    the two draws, so the same seed gives the same collection and halves in every notebook.
:class:`Collection`
    What the recipe returns, with the one evaluation of the series
    (:meth:`Collection.evaluate`), the random ranking's scores
    (:meth:`Collection.random_baseline`), notebook 08's grid search over the feature sets'
    shares (:meth:`Collection.tune_shares`), the fused distances
    (:meth:`Collection.fused_distances`), a bootstrap interval of MAP over the queries'
    songs (:meth:`Collection.map_interval`), and a query's answers as a table
    (:meth:`Collection.answers`, beside :meth:`Collection.typical_query`), which the
    notebooks play.

Notebook 08 teaches each step with :mod:`utils.similarity`'s functions and checks its
by-hand grid against :meth:`Collection.tune_shares`; notebooks 09 and 10 call the recipe.

Example
-------
::

    C = collection(df_all, relevance=vocabulary.GENRES, max_clips=160)
    tuning = C.tune_shares()
    C.evaluate(C.fused_distances(tuning.weights))["map"]
    # 0.7155500146352876
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import config, datasets, features, similarity, vocabulary

__all__ = ["FEATURE_SETS", "Collection", "collection"]

#: The hand-crafted feature sets searched (of :data:`utils.features.HANDCRAFTED_SETS`).
FEATURE_SETS = ("mfcc", "rp", "ssd")


@dataclass(frozen=True)
class Collection:
    """A search collection: its clips, features, relevance, song-mates and query halves.

    Attributes
    ----------
    df : pandas.DataFrame
        One row per clip searched (``song`` column added), positions 0..n-1.
    sets : dict of str to np.ndarray [shape=(n, dim), dtype=float64]
        The hand-crafted feature sets, :data:`FEATURE_SETS`, row ``i`` for ``df``'s row ``i``.
    Y : np.ndarray [shape=(n, n_groups)]
        0/1 tags of the relevance groups (``vocabulary.group_tags``).
    R : np.ndarray [shape=(n, n), dtype=bool]
        ``R[i, j]``: clips ``i`` and ``j`` share a group (a genre).
    same_song : np.ndarray [shape=(n, n), dtype=bool]
        ``True`` for two clips of one song (a clip and itself included): never answers.
    tune, eval : np.ndarray [shape=(n,), dtype=bool]
        The tuning (or training) queries and the evaluation queries: the two halves of the
        songs; every query searches the whole collection.
    tune_songs : np.ndarray
        The songs of the tuning half, in the order drawn.
    k : int
        The ``k`` of precision@k and nDCG@k.
    candidates : int
        How many clips of the dataset had a tag of the groups (before the draw).
    graded : np.ndarray [shape=(n, n)], optional
        Graded relevance (the gains of nDCG@k); with it every evaluation adds nDCG@k
        (:meth:`with_graded`).
    groups : tuple of str
        The names of the relevance groups, the columns of ``Y`` (e.g. the ten genres).
    """

    df: object = field(repr=False)
    sets: dict = field(repr=False)
    Y: np.ndarray = field(repr=False)
    R: np.ndarray = field(repr=False)
    same_song: np.ndarray = field(repr=False)
    tune: np.ndarray = field(repr=False)
    eval: np.ndarray = field(repr=False)
    tune_songs: np.ndarray = field(repr=False)
    k: int = 10
    candidates: int = 0
    graded: np.ndarray | None = field(default=None, repr=False)
    groups: tuple = ()

    @property
    def songs(self) -> np.ndarray:
        """The song of each clip."""
        return self.df.song.to_numpy()

    def with_graded(self, graded) -> Collection:
        """The same collection whose evaluations add nDCG@k with ``graded`` as the gains."""
        G = np.asarray(graded, dtype=np.float64)
        if G.shape != self.R.shape:
            raise ValueError(f"graded must have R's shape {self.R.shape}, found {G.shape}")
        return dataclasses.replace(self, graded=G)

    def _queries(self, queries):
        q = self.eval if queries is None else np.asarray(queries, dtype=bool)
        if q.shape != (len(self.R),):
            raise ValueError(f"queries must be a mask of {len(self.R)} clips, found {q.shape}")
        return q

    def evaluate(self, D, *, queries=None, exclude=None) -> dict:
        """Precision@k and MAP (and nDCG@k with :attr:`graded`) of ranking every clip by ``D``.

        Parameters
        ----------
        D : array_like [shape=(n, n)]
            Distances between every pair of clips (smaller = more similar).
        queries : array_like [shape=(n,), dtype=bool], optional
            The queries judged; default the evaluation half (:attr:`eval`).
        exclude : array_like [shape=(n, n), dtype=bool], optional
            Pairs that are never answers; default :attr:`same_song`.

        Returns
        -------
        dict
            ``{"precision_at_<k>": ..., "map": ...}``, and ``"ndcg_at_<k>"`` with graded.
        """
        q = self._queries(queries)
        D = np.asarray(D)
        if D.shape != self.R.shape:
            raise ValueError(f"D must be ({len(self.R)}, {len(self.R)}), found {D.shape}")
        ex = self.same_song if exclude is None else np.asarray(exclude, dtype=bool)
        return similarity.retrieval_scores(
            D[q],
            self.R[q],
            k=self.k,
            graded=None if self.graded is None else self.graded[q],
            exclude=ex[q],
            leave_one_out=False,
        )

    def random_baseline(self, *, queries=None, exclude=None) -> dict:
        """A random ranking's expected scores for the same queries and exclusions.

        Precision@k and MAP from :attr:`R`; nDCG@k from :attr:`graded` when it is set.
        """
        q = self._queries(queries)
        ex = self.same_song if exclude is None else np.asarray(exclude, dtype=bool)
        opts = dict(k=self.k, exclude=ex[q], leave_one_out=False)
        base = similarity.random_baseline(self.R[q], **opts)
        p_k = f"precision_at_{self.k}"
        out = {p_k: base[p_k], "map": base["map"]}
        if self.graded is not None:
            n_k = f"ndcg_at_{self.k}"
            out[n_k] = similarity.random_baseline(self.graded[q], **opts)[n_k]
        return out

    def average_precisions(self, D, *, queries=None, exclude=None) -> np.ndarray:
        """The average precision of each query (NaN without a relevant clip), as :meth:`evaluate`."""
        q = self._queries(queries)
        ex = self.same_song if exclude is None else np.asarray(exclude, dtype=bool)
        D = np.asarray(D)
        return similarity.average_precision(D[q], self.R[q], exclude=ex[q], leave_one_out=False)

    def per_query(self, D, *, metric: str = "map", queries=None, exclude=None) -> np.ndarray:
        """Each query's score, as :meth:`evaluate` averages it; NaN where it is undefined.

        ``metric="map"``: its average precision; ``"ndcg"``: its nDCG@k (with :attr:`graded`).
        """
        q = self._queries(queries)
        if metric == "map":
            return self.average_precisions(D, queries=q, exclude=exclude)
        if metric != "ndcg" or self.graded is None:
            raise ValueError(
                f"metric must be 'map', or 'ndcg' with graded relevance; found {metric!r}"
            )
        ex = self.same_song if exclude is None else np.asarray(exclude, dtype=bool)
        D = np.asarray(D)
        return similarity.ndcg_at_k(
            D[q], self.graded[q], k=self.k, exclude=ex[q], leave_one_out=False, per_query=True
        )

    def map_interval(
        self, D, *, versus=None, metric="map", queries=None, exclude=None, n=2000, level=0.95
    ):
        """A bootstrap interval of MAP, or of MAP's difference to ``versus``, over the queries.

        Whole songs of queries are resampled (:func:`utils.similarity.query_interval`), since
        clips of one song are not independent queries. With ``versus`` (other distances on
        the same queries) the interval is of ``MAP(D) - MAP(versus)``, paired per query.
        ``metric="ndcg"`` does the same for nDCG@k (with :attr:`graded`).

        Returns
        -------
        (float, float)
        """
        q = self._queries(queries)
        score = self.per_query(D, metric=metric, queries=q, exclude=exclude)
        if versus is not None:
            score = score - self.per_query(versus, metric=metric, queries=q, exclude=exclude)
        return similarity.query_interval(score, groups=self.songs[q], n=n, level=level)

    def typical_query(self, D) -> int:
        """The evaluation query whose precision@k under ``D`` is the median one (its position)."""
        q = np.flatnonzero(self.eval)
        p = similarity.precision_at_k(
            np.asarray(D)[q],
            self.R[q],
            k=self.k,
            exclude=self.same_song[q],
            leave_one_out=False,
            per_query=True,
        )
        ids, p = q[~np.isnan(p)], p[~np.isnan(p)]
        return int(ids[np.argsort(p, kind="stable")[len(p) // 2]])

    def tags_of(self, i) -> str:
        """The relevance groups (genres) of clip ``i``, as text."""
        return ", ".join(g for g, t in zip(self.groups, self.Y[i]) if t) or "none"

    def answers(self, D, query: int, *, n: int = 10, exclude=None) -> pd.DataFrame:
        """The ``n`` nearest clips to ``query`` by ``D``, its song-mates left out, as a table.

        Returns
        -------
        pandas.DataFrame
            One row per answer, rank 1 first: ``position`` (in :attr:`df`), ``file`` (the
            file name), ``distance``, ``genres`` (:meth:`tags_of`) and ``relevant``.
        """
        ex = self.same_song if exclude is None else np.asarray(exclude, dtype=bool)
        d = np.where(ex[query], np.inf, np.asarray(D, dtype=np.float64)[query])
        top = np.argsort(d, kind="stable")[:n]
        top = top[np.isfinite(d[top])]
        return pd.DataFrame(
            {
                "position": top,
                "file": [str(self.df.path[j]).rsplit("/", 1)[-1] for j in top],
                "distance": d[top],
                "genres": [self.tags_of(j) for j in top],
                "relevant": self.R[query, top],
            },
            index=pd.RangeIndex(1, len(top) + 1, name="rank"),
        )

    def tune_shares(self, *, step: float = 0.25) -> similarity.SharesTuning:
        """Notebook 08's grid search: each set's share of the distance, by tuning MAP.

        :func:`utils.similarity.tune_shares` on the tuning queries, song-mates excluded.
        """
        return similarity.tune_shares(
            self.sets, self.R, queries=self.tune, exclude=self.same_song, step=step
        )

    def fused_distances(self, weights=None) -> np.ndarray:
        """Euclidean distances of the scaled sets fused with ``weights`` (default equal shares)."""
        fused = similarity.scale_feature_sets(self.sets, weights=weights)
        return similarity.pairwise_distances(fused)


def collection(
    df_all, *, relevance, max_clips: int, k: int = 10, seed: int = config.SEED, progress=True
) -> Collection:
    """Notebook 08's collection and query halves, made the same way in every notebook.

    Parameters
    ----------
    df_all : pandas.DataFrame
        MagnaTagATune's clips (:func:`utils.datasets.load_magnatagatune`); not modified.
    relevance : dict
        The tag groups that define relevance (e.g. :data:`utils.vocabulary.GENRES`); clips
        without any of them cannot be judged and take no part.
    max_clips : int
        Most clips searched (whole songs, drawn at random).
    k : int
        The ``k`` of precision@k.
    seed : int
        Seeds the generator of the two draws: the songs searched, then the tuning half.
    progress : bool
        Show the feature extraction's progress bar.

    Returns
    -------
    Collection
    """
    songs = datasets.song_ids(df_all)
    has_group = vocabulary.group_tags(df_all, relevance).to_numpy().any(axis=1)
    df = df_all.assign(song=songs)[has_group]
    rng = np.random.default_rng(seed)  # the draw, then the split: one seed for both
    chosen = similarity.sample_songs(df.song, max_clips=max_clips, seed=rng)
    df = df[df.song.isin(chosen)].reset_index(drop=True)
    res = features.mtat_handcrafted(df, progress=progress)
    df = df.iloc[res.input_index].reset_index(drop=True)  # clips that could be read
    sets = {name: res.features[name].astype("float64") for name in FEATURE_SETS}
    Y = vocabulary.group_tags(df, relevance).to_numpy()
    tune_songs = similarity.split_songs(df.song, seed=rng)
    tune = df.song.isin(tune_songs).to_numpy()
    return Collection(
        df=df,
        sets=sets,
        Y=Y,
        R=similarity.relevance_matrix(Y),
        same_song=similarity.same_song_mask(df.song.to_numpy()),
        tune=tune,
        eval=~tune,
        tune_songs=tune_songs,
        k=k,
        candidates=int(has_group.sum()),
        groups=tuple(relevance),
    )
