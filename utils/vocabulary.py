"""MagnaTagATune's tag vocabulary: the tag groups the notebooks label clips with.

MTAT has 188 binary tags (:data:`utils.layouts.TAGS_188`), several spelled more than one way.
This module names the groups notebooks 04-07 use (:data:`VOCAL_TAGS`,
:data:`INSTRUMENTAL_TAGS`, :data:`GENRES`, :data:`MOODS`, :data:`TAG_SYNONYMS`) and turns
them into labels: :func:`group_tags` (one 0/1 column per group), :func:`single_label` (one
class per clip, the XOR of the groups) and :func:`merge_synonyms`. It works on any table
with the tag columns, as :func:`utils.datasets.load_magnatagatune` returns.
"""

from __future__ import annotations

from .layouts import TOP50_TAGS

__all__ = [
    "VOCAL_TAGS",
    "INSTRUMENTAL_TAGS",
    "TAG_SYNONYMS",
    "GENRES",
    "MOODS",
    "GENRE_TAGS",
    "MOOD_TAGS",
    "TAG_GROUPS",
    "group_tags",
    "merge_synonyms",
    "single_label",
]


#: Tags that say a voice is heard (notebook 04). Synonyms and gendered variants are
#: separate columns in MTAT, so the group lists them all.
VOCAL_TAGS = (
    "singer",
    "duet",
    "female singing",
    "chorus",
    "female opera",
    "male vocal",
    "vocals",
    "men",
    "female",
    "female voice",
    "voice",
    "male voice",
    "girl",
    "chanting",
    "talking",
    "choral",
    "opera",
    "soprano",
    "male singer",
    "man singing",
    "male opera",
    "operatic",
    "chant",
    "man",
    "female vocal",
    "male vocals",
    "male",
    "vocal",
    "woman",
    "woman singing",
    "singing",
    "female vocals",
    "voices",
    "monks",
    "choir",
    "female singer",
    "rap",
    "women",
)
#: Tags that say no voice is heard (notebook 04). A clip is "vocal" when it has a vocal tag
#: and no instrumental tag, "instrumental" in the opposite case, and left out otherwise.
INSTRUMENTAL_TAGS = (
    "no voice",
    "no voices",
    "no singing",
    "no vocal",
    "no vocals",
    "no singer",
    "instrumental",
)
#: Spellings and synonyms of one idea that MTAT keeps as separate columns: the canonical
#: tag first. The game's players typed tags freely, so "classical" is also "clasical" and
#: "classic", and a female singer is "female", "woman", "female vocal", "female vocals"...
TAG_SYNONYMS = {
    "classical": ("classical", "clasical", "classic"),
    "harpsichord": ("harpsichord", "harpsicord"),
    "vocal": ("vocal", "vocals", "voice", "voices", "singing", "singer"),
    "no vocal": ("no vocal", "no vocals", "no voice", "no voices", "no singing", "no singer"),
    "female vocal": (
        "female vocal",
        "female vocals",
        "female voice",
        "female singer",
        "female singing",
        "female",
        "woman",
        "woman singing",
        "women",
        "girl",
    ),
    "male vocal": (
        "male vocal",
        "male vocals",
        "male voice",
        "male singer",
        "man singing",
        "male",
        "man",
        "men",
    ),
    "choir": ("choir", "choral", "chorus"),
    "opera": ("opera", "operatic"),
    "guitar": ("guitar", "guitars"),
    "violin": ("violin", "violins", "fiddle"),
    "string": ("strings", "string"),
    "flute": ("flute", "flutes"),
    "drums": ("drums", "drum"),
    "beat": ("beat", "beats"),
    "synth": ("synth", "synthesizer"),
    "electronic": ("electronic", "electronica", "electro"),
    "jazz": ("jazz", "jazzy"),
    "indian": ("indian", "india"),
    "metal": ("metal", "heavy metal"),
    "fast": ("fast", "fast beat", "quick"),
    "weird": ("weird", "strange"),
}
#: Genres for single-label genre recognition (notebook 05), each with its synonyms: frequent
#: in MTAT and mostly disjoint (a clip rarely carries two of them).
GENRES = {
    "classical": TAG_SYNONYMS["classical"],
    "techno": ("techno",),
    "rock": ("rock",),
    "pop": ("pop",),
    "ambient": ("ambient",),
    "indian": TAG_SYNONYMS["indian"],
    "opera": TAG_SYNONYMS["opera"],
    "country": ("country",),
    "metal": TAG_SYNONYMS["metal"],
    "jazz": TAG_SYNONYMS["jazz"],
}
#: Moods for multi-label mood detection (notebook 06), each with the tags that say it: the
#: mood and character words of the 188 that players used often enough to learn from.
MOODS = {
    "happy": ("happy", "upbeat"),
    "sad": ("sad",),
    "calm": ("calm", "mellow"),
    "dark": ("dark", "eerie", "scary"),
    "weird": TAG_SYNONYMS["weird"],
    "spacey": ("spacey", "airy"),
    "heavy": ("heavy", "hard"),
    "soft": ("soft", "quiet"),
    "loud": ("loud",),
}
#: Every tag of the genre group and of the mood group, flat.
GENRE_TAGS = tuple(t for tags in GENRES.values() for t in tags)
MOOD_TAGS = tuple(t for tags in MOODS.values() for t in tags)
#: All named tag groups, by name (flat tuples of real MTAT tags).
TAG_GROUPS = {
    "vocal": VOCAL_TAGS,
    "instrumental": INSTRUMENTAL_TAGS,
    "genre": GENRE_TAGS,
    "mood": MOOD_TAGS,
    "top50": TOP50_TAGS,
}


def group_tags(df, groups):
    """One 0/1 column per group of tags: 1 where a clip has any tag of the group.

    This is how synonyms are merged: ``group_tags(df, {"classical": ("classical",
    "clasical", "classic")})`` counts a clip tagged with any of the three spellings.

    Parameters
    ----------
    df : pandas.DataFrame
        Has the tag columns (as :func:`utils.datasets.load_magnatagatune` returns).
    groups : dict of str to sequence of str
        Group name to its tags, e.g. :data:`MOODS`, :data:`GENRES` or :data:`TAG_SYNONYMS`.

    Returns
    -------
    pandas.DataFrame [shape=(len(df), len(groups)), dtype=int8]
        One column per group, in ``groups``' order, with ``df``'s index.

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sad": [1, 0, 0], "happy": [0, 1, 0], "upbeat": [0, 1, 1]})
    >>> group_tags(df, {"happy": ("happy", "upbeat"), "sad": ("sad",)}).to_numpy().tolist()
    [[0, 1], [1, 0], [1, 0]]
    """
    import numpy as np
    import pandas as pd

    _check_groups(df, groups)
    data = {
        g: (df[list(tags)].to_numpy() > 0).any(axis=1).astype(np.int8) for g, tags in groups.items()
    }
    return pd.DataFrame(data, index=df.index)


def merge_synonyms(df, synonyms=None):
    """``df`` with each group of synonyms merged into its first (canonical) tag column.

    Parameters
    ----------
    df : pandas.DataFrame
        Has the tag columns (as :func:`utils.datasets.load_magnatagatune` returns).
    synonyms : dict of str to sequence of str, optional
        Canonical tag to its spellings (the canonical one among them); default
        :data:`TAG_SYNONYMS`.

    Returns
    -------
    pandas.DataFrame
        A copy: the canonical column is 1 where any spelling is set, the other spellings'
        columns are dropped, and all other columns are unchanged.

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"classical": [1, 0, 0], "clasical": [0, 1, 0], "classic": [0, 0, 0]})
    >>> merge_synonyms(df).columns.tolist(), merge_synonyms(df)["classical"].tolist()
    (['classical'], [1, 1, 0])
    """
    synonyms = TAG_SYNONYMS if synonyms is None else synonyms
    present = {c: tuple(t for t in tags if t in df.columns) for c, tags in synonyms.items()}
    present = {c: tags for c, tags in present.items() if tags}
    merged = group_tags(df, present)
    out = df.drop(columns=sorted({t for tags in present.values() for t in tags} - set(present)))
    for c in present:
        out[c] = merged[c].to_numpy()
    return out


def _check_groups(df, groups) -> None:
    for g, tags in groups.items():
        if isinstance(tags, str):
            raise ValueError(f"group {g!r} must be a sequence of tags, found the string {tags!r}")
        absent = [t for t in tags if t not in df.columns]
        if absent:
            raise ValueError(
                f"group {g!r} names tag {absent[0]!r}, which is not a column of df; "
                "expected the tag columns of load_magnatagatune()"
            )


def single_label(df, groups, *, name: str = "label"):
    """One label per clip from groups of tags, keeping only clips in exactly one group.

    Parameters
    ----------
    df : pandas.DataFrame
        Has the tag columns (as :func:`utils.datasets.load_magnatagatune` returns).
    groups : dict of str to sequence of str, or sequence of str
        ``{"vocal": VOCAL_TAGS, "instrumental": INSTRUMENTAL_TAGS}`` (notebook 04) or
        :data:`GENRES` (notebook 05), or a list of tags, each its own group.
    name : str
        Name of the returned Series.

    Returns
    -------
    pandas.Series [shape=(len(df),)]
        The group of each clip that has a tag of exactly one group (the XOR of the groups);
        ``None`` for clips with tags of no group or of several.

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"singer": [1, 0, 1, 0], "guitar": [0, 1, 1, 0]})
    >>> single_label(df, {"vocal": ("singer",), "instrumental": ("guitar",)}).tolist()
    ['vocal', 'instrumental', None, None]
    """
    import numpy as np
    import pandas as pd

    if not isinstance(groups, dict):
        groups = {t: (t,) for t in groups}
    names = list(groups)
    _check_groups(df, groups)
    hits = np.stack([df[list(groups[g])].to_numpy().sum(axis=1) > 0 for g in names], axis=1)
    one = hits.sum(axis=1) == 1
    labels = np.array(names, dtype=object)[hits.argmax(axis=1)]
    labels[~one] = None
    return pd.Series(labels, index=df.index, name=name, dtype=object)
