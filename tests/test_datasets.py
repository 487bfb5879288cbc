"""Dataset loaders, tag groups and the standard split, on the demo data and on real formats."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from utils import audio, config, datasets, demo, examples, layouts, vocabulary

# ---------------------------------------------------------------- constants (facts)


def test_tag_lists_match_the_real_files(shared_data):
    tags = (shared_data / "mtat" / "tags_188.txt").read_text().splitlines()
    top50 = (shared_data / "mtat" / "top50_tags.txt").read_text().splitlines()
    assert list(datasets.TAGS_188) == tags
    assert list(datasets.TOP50_TAGS) == top50


def test_tag_groups_are_real_tags_and_vocal_instrumental_disjoint():
    for name, group in vocabulary.TAG_GROUPS.items():
        assert set(group) <= set(datasets.TAGS_188), name
        assert len(set(group)) == len(group), name
    assert not set(vocabulary.VOCAL_TAGS) & set(vocabulary.INSTRUMENTAL_TAGS)


def test_synonym_groups_are_real_disjoint_and_led_by_their_canonical_tag():
    seen = set()
    for canonical, tags in vocabulary.TAG_SYNONYMS.items():
        assert tags[0] == canonical or canonical in tags, canonical
        assert set(tags) <= set(datasets.TAGS_188), canonical
        assert not seen & set(tags), f"{canonical} shares a tag with another group"
        seen |= set(tags)
    for groups in (vocabulary.GENRES, vocabulary.MOODS):
        flat = [t for tags in groups.values() for t in tags]
        assert len(flat) == len(set(flat)) and set(flat) <= set(datasets.TAGS_188)


def test_group_tags_and_merge_synonyms_by_hand():
    df = pd.DataFrame(
        {"classical": [1, 0, 0, 0], "clasical": [0, 1, 1, 0], "classic": [0, 0, 1, 0],
         "rock": [0, 0, 1, 1]}
    )  # fmt: skip
    g = vocabulary.group_tags(df, {"cl": ("classical", "clasical", "classic"), "r": ("rock",)})
    assert g.to_numpy().tolist() == [[1, 0], [1, 0], [1, 1], [0, 1]]
    merged = vocabulary.merge_synonyms(df)
    assert list(merged.columns) == ["classical", "rock"]
    assert merged["classical"].tolist() == [1, 1, 1, 0] and merged["rock"].tolist() == [0, 0, 1, 1]
    assert list(df.columns) == ["classical", "clasical", "classic", "rock"]  # input untouched
    with pytest.raises(ValueError, match="tag 'jazz', which is not a column"):
        vocabulary.group_tags(df, {"jazz": ("jazz", "jazzy")})
    with pytest.raises(ValueError, match="sequence of tags"):
        vocabulary.group_tags(df, {"rock": "rock"})


# ---------------------------------------------------------------- GTZAN


def test_gtzan_loader_on_demo(quick_gtzan):
    per = demo.SIZES["quick"]["gtzan_per_class"]
    for root in (
        quick_gtzan,
        quick_gtzan / "gtzan_music_speech",
        quick_gtzan / "gtzan_music_speech" / "music_speech",
    ):
        df = datasets.load_gtzan_music_speech(root)
        assert list(df.columns) == ["path", "label", "duration"]
        assert df.label.value_counts().to_dict() == {"music": per, "speech": per}
        assert df.duration.between(29.9, 30.1).all()
        assert all(Path(p).is_absolute() for p in df.path)
        assert list(df.path) == sorted(df.path)  # music_wav < speech_wav, then by name


def test_gtzan_loader_names_and_skips_bad_files(quick_gtzan, tmp_path):
    src = quick_gtzan / "gtzan_music_speech" / "music_speech"
    dst = tmp_path / "music_speech"
    shutil.copytree(src, dst)
    (dst / "music_wav" / "not_audio.wav").write_text("this is a text file, not a wav")
    data = (dst / "speech_wav" / "speech_000.wav").read_bytes()
    (dst / "speech_wav" / "truncated.wav").write_bytes(data[:2000])  # a header and 0.04 s of audio
    (dst / "speech_wav" / "empty.wav").write_bytes(b"")
    with pytest.warns(UserWarning) as caught:
        df = datasets.load_gtzan_music_speech(tmp_path)
    text = " ".join(str(w.message) for w in caught)
    assert "not_audio.wav" in text and "empty.wav" in text and "truncated.wav" in text
    assert "2 GTZAN files could not be read" in text
    per = demo.SIZES["quick"]["gtzan_per_class"]
    assert len(df) == 2 * per and len(df.attrs["skipped"]) == 3


def test_gtzan_loader_missing_folder_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="download_datasets.sh gtzan_music_speech"):
        datasets.load_gtzan_music_speech(tmp_path)


# ---------------------------------------------------------------- MTAT on the demo


@pytest.fixture(scope="module")
def mtat(quick_demo):
    df = datasets.load_magnatagatune(quick_demo / "magnatagatune")
    df["duration"] = datasets.clip_durations(df)
    return df


def test_mtat_loader_columns(mtat, quick_demo):
    assert list(mtat.columns[:4]) == ["clip_id", "mp3_path", "path", "folder"]
    assert list(mtat.columns[4:192]) == list(datasets.TAGS_188)
    assert {"title", "artist", "album", "segmentStart"} <= set(mtat.columns)
    assert len(mtat) == 16 * demo.SIZES["quick"]["mtat_per_folder"]
    assert mtat[list(datasets.TAGS_188)].isin([0, 1]).all().all()
    assert mtat.clip_id.is_monotonic_increasing
    assert (mtat.folder == mtat.mp3_path.str[0]).all()
    assert all(Path(p).is_file() for p in mtat.path)
    # root may also be the data folder holding magnatagatune/
    assert len(datasets.load_magnatagatune(quick_demo)) == len(mtat)


def test_split_counts_per_folder_group(mtat):
    per = demo.SIZES["quick"]["mtat_per_folder"]
    assert mtat.duration.min() >= datasets.MTAT_MIN_DURATION  # demo clips pass the length filter
    parts = datasets.split_top50(mtat)
    has_top50 = mtat[list(datasets.TOP50_TAGS)].sum(axis=1) > 0
    for part, folders in datasets.SPLIT_FOLDERS.items():
        assert set(parts[part].folder) <= set(folders)
        expected = int((has_top50 & mtat.folder.isin(list(folders))).sum())
        assert len(parts[part]) == expected
        assert expected >= 0.7 * per * len(folders)  # most demo clips carry a top-50 tag
    # the length filter: a clip made shorter leaves the split
    short = mtat.duration.copy()
    short.iloc[0] = 10.0
    parts2 = datasets.split_top50(mtat, durations=short)
    assert sum(map(len, parts2.values())) == sum(map(len, parts.values())) - int(has_top50.iloc[0])


def test_folder_split_agrees_with_the_top50_split(mtat):
    part = datasets.folder_split(mtat)
    for name, rows in datasets.split_top50(mtat).items():
        assert (part[mtat["clip_id"].isin(rows["clip_id"])] == name).all()
    assert set(part) == {"train", "valid", "test"}
    assert (part == "train").sum() == 12 * demo.SIZES["quick"]["mtat_per_folder"]
    with pytest.raises(ValueError, match="folder 'g'"):
        datasets.folder_split(pd.DataFrame({"mp3_path": ["g/x.mp3"]}))


def test_quick_subset_keeps_every_class(mtat):
    y = vocabulary.single_label(mtat, vocabulary.GENRES)
    small = datasets.quick_subset(mtat, y, n=20, seed=1)
    assert set(y[small.index]) == set(y.dropna())
    assert len(small) >= 20
    again = datasets.quick_subset(mtat, y, n=20, seed=1)
    assert list(small.index) == list(again.index)
    multi = datasets.quick_subset(mtat, list(datasets.TOP50_TAGS), n=30, seed=0)
    present = mtat[list(datasets.TOP50_TAGS)].sum() > 0
    assert (multi[list(datasets.TOP50_TAGS)].sum()[present] > 0).all()


def test_merging_synonyms_finds_clips_a_single_spelling_misses(mtat):
    # the demo annotator, like MTAT's players, spells "no vocal" six ways
    none = vocabulary.group_tags(mtat, {"n": vocabulary.TAG_SYNONYMS["no vocal"]})["n"]
    assert none.sum() > mtat["no vocal"].sum()
    merged = vocabulary.merge_synonyms(mtat)
    assert "no voice" not in merged and (merged["no vocal"] == none).all()
    assert len(merged.columns) == len(mtat.columns) - sum(
        len(t) - 1 for t in vocabulary.TAG_SYNONYMS.values()
    )
    moods = vocabulary.group_tags(mtat, vocabulary.MOODS)
    assert list(moods.columns) == list(vocabulary.MOODS) and (moods.sum() > 0).sum() >= 6


def test_mtat_missing_and_empty_audio_are_reported(quick_demo, tmp_path):
    root = tmp_path / "magnatagatune"
    shutil.copytree(quick_demo / "magnatagatune", root)
    files = sorted((root / "mp3").rglob("*.mp3"))
    files[0].unlink()
    files[1].write_bytes(b"")
    with pytest.warns(UserWarning, match=r"2 MTAT clips have no usable mp3") as caught:
        df = datasets.load_magnatagatune(root)
    assert files[0].name in str(caught[0].message) and files[1].name in str(caught[0].message)
    assert len(df) == len(files) - 2
    with pytest.warns(UserWarning, match="were kept"):
        kept = datasets.load_magnatagatune(root, drop_missing=False)
    assert len(kept) == len(files)
    files[2].write_bytes(b"ID3 not really an mp3 at all" * 10)  # undecodable
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = datasets.load_magnatagatune(root)
    with pytest.warns(UserWarning, match="could not be decoded"):
        dur = datasets.clip_durations(df)
    assert dur.isna().sum() == 1
    with pytest.warns(UserWarning, match="no readable audio"):
        parts = datasets.split_top50(df, durations=dur)
    assert files[2].name not in " ".join(pd.concat(parts.values()).mp3_path)


def test_annotations_missing_column_is_a_clear_error(quick_demo, tmp_path):
    root = tmp_path / "magnatagatune"
    root.mkdir()
    ann = pd.read_csv(quick_demo / "magnatagatune" / "annotations_final.csv", sep="\t")
    ann.drop(columns=["harpsichord"]).to_csv(root / "annotations_final.csv", sep="\t", index=False)
    with pytest.raises(
        ValueError,
        match=r"lacks the column 'harpsichord'.*annotations_final.csv"
        r"|annotations_final.csv lacks the column 'harpsichord'",
    ):
        datasets.load_magnatagatune(root, drop_missing=False)


# ---------------------------------------------------------------- locate / demo paths


def test_locate_only_chooses_and_prepare_makes_the_demo(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path))
    monkeypatch.setattr(
        demo,
        "SIZES",
        {"quick": {"gtzan_per_class": 1, "mtat_per_folder": 1}, "full": demo.SIZES["full"]},
    )
    real, quick = config.run_parameters(dataset="real"), config.run_parameters(quick=True)
    with pytest.raises(FileNotFoundError, match="bash download_datasets.sh magnatagatune"):
        datasets.locate("magnatagatune", real)
    with pytest.raises(
        FileNotFoundError, match=r"demo.prepare\(\['gtzan_music_speech'\], PARAMS\)"
    ):
        datasets.locate("gtzan_music_speech", quick)
    assert not list(tmp_path.iterdir()), "locate only chooses: it wrote nothing"
    assert demo.prepare(["gtzan_music_speech"], quick) == ["gtzan_music_speech"]
    assert "generating the quick demo copy" in capsys.readouterr().out
    path, source = datasets.locate("gtzan_music_speech", quick)
    assert source == "demo" and path == tmp_path / "demo-quick" / "gtzan_music_speech"
    assert datasets.load_gtzan_music_speech(path).shape == (2, 3)
    assert demo.prepare(["gtzan_music_speech"], quick) == []  # second time: already there
    assert "generating" not in capsys.readouterr().out
    assert demo.prepare(["magnatagatune"], real) == [], "a run asking for real data gets none"
    assert datasets.demo_path("magnatagatune") == tmp_path / "demo" / "magnatagatune"
    row = {r["dataset"]: r for r in datasets.status()}["gtzan_music_speech"]
    assert row["demo_quick"] and not row["demo"] and not row["real"]


# ---------------------------------------------------------------- real formats (../shared/data)


def test_real_mtat_clip_decodes_to_16k_mono_29s(shared_data):
    clip = next((shared_data / "mtat" / "audio").glob("*.mp3"))
    y, sr = sf.read(clip)
    assert sr == layouts.MTAT_SR and y.ndim == 1
    assert 28.5 < len(y) / sr < 29.5
    assert audio.duration(clip) == pytest.approx(len(y) / sr)
    # the header estimate is off for real mp3s; that is why mp3 durations are decoded
    assert abs(audio.duration(clip, exact=False) - len(y) / sr) > 0.05


def _real_clip_index(shared_data):
    """All 25,863 ``clip_id``/``mp3_path`` pairs of the real MTAT (``../shared/data/mtat``)."""
    return pd.read_csv(
        shared_data / "mtat" / "clip_index.tsv",
        sep="\t",
        header=None,
        names=["clip_id", "mp3_path"],
    )


def test_real_clip_index_folder_groups(shared_data):
    idx = _real_clip_index(shared_data)
    assert len(idx) == 25863
    folder = idx.mp3_path.str[0]
    counts = {part: int(folder.isin(list(f)).sum()) for part, f in datasets.SPLIT_FOLDERS.items()}
    assert counts == {"train": 18709, "valid": 1825, "test": 5329}


def test_song_ids_of_the_real_clip_index(shared_data):
    idx = _real_clip_index(shared_data)
    songs = datasets.song_ids(idx)
    assert songs.nunique() == 5405  # 25,863 clips cut from 5,405 songs, 4.8 per song
    first = idx.mp3_path.str.startswith("f/american_bach_soloists-j_s__bach_solo_cantatas-01-bwv54")
    assert songs[first].nunique() == 1 and first.sum() > 1
    # a song's clips never straddle two folders, so the folder split keeps songs whole
    assert (idx.groupby(songs).mp3_path.agg(lambda p: p.str[0].nunique()) == 1).all()


def test_song_ids_on_the_demo_match_clip_info(mtat):
    songs = datasets.song_ids(mtat)
    key = mtat.artist + "|" + mtat.album + "|" + mtat.track_number + "|" + mtat.title
    assert songs.nunique() == key.nunique()
    assert (songs.groupby(key).nunique() == 1).all()


def test_real_top50_split_lists_fall_in_their_folders(shared_data):
    sizes = {}
    for part, folders in datasets.SPLIT_FOLDERS.items():
        paths = (shared_data / "mtat" / f"top50_split_{part}.txt").read_text().split()
        sizes[part] = len(paths)
        assert {p[0] for p in paths} <= set(folders), part
    assert sizes == {"train": 15244, "valid": 1529, "test": 4332}


def test_real_clips_in_awkward_formats_load(shared_data):
    clips = sorted((shared_data / "real_clips").iterdir())
    assert len(clips) >= 5
    for clip in clips:
        info = sf.info(clip)
        y, sr = sf.read(clip, dtype="float32", always_2d=True)
        mono = y.mean(axis=1)
        assert sr == info.samplerate in (22050, 44100, 48000)
        assert mono.ndim == 1 and np.isfinite(mono).all() and np.abs(mono).max() > 0
        assert audio.duration(clip) == pytest.approx(len(y) / sr, abs=1e-3)


def test_example_clip_falls_back_to_a_distinct_demo_clip_of_the_right_kind(
    quick_gtzan, tmp_path, monkeypatch, capsys
):
    from utils import demo

    calls = []

    def offline(name, **_):
        calls.append(name)
        raise ConnectionError(f"no network to fetch {name}")

    (tmp_path / "demo-quick").symlink_to(quick_gtzan, target_is_directory=True)
    (tmp_path / "no-recordings").mkdir()
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path))
    monkeypatch.setenv("MUSICDL_DATASET", "demo")
    monkeypatch.setenv("MUSICDL_QUICK", "1")
    monkeypatch.setenv("LIBROSA_DATA_DIR", str(tmp_path / "no-recordings"))
    monkeypatch.setattr(examples, "_probe", lambda: "")  # the server answers, downloads fail
    monkeypatch.setitem(examples._NETWORK, "failed", None)  # a fresh session
    monkeypatch.setitem(examples._NETWORK, "spent", 0.0)
    monkeypatch.setattr(examples, "_download", offline)
    genres = demo.music_genres(quick_gtzan / "gtzan_music_speech")
    assert len(genres) == demo.SIZES["quick"]["gtzan_per_class"]

    params = config.run_parameters()
    clips = {name: examples.example_clip(name, params) for name in examples.LIBROSA_EXAMPLES}
    assert calls == ["trumpet"], "a download is tried once per session, then never again"
    assert not any(clip.recording for clip in clips.values())
    music = [c.path for c in clips.values() if c.path.parent.name == "music_wav"]
    speech = [c.path for c in clips.values() if c.path.parent.name == "speech_wav"]
    assert len(music) == 8 and len(speech) == 3
    assert len(set(music)) == 8 and len(set(speech)) == 3, "each example needs its own clip"
    assert genres[clips["brahms"].path.name] == "classical"
    assert genres[clips["choice"].path.name] == "electronic"
    for name, clip in clips.items():
        assert "stand-in" in clip.title and clip.path.name in clip.title
        assert examples.recording_title(name) not in clip.title
        assert examples.example_audio(name, params) == clip.path
    assert "unavailable (download failed: ConnectionError: no network to fetch trumpet)" in (
        capsys.readouterr().out
    )
    with pytest.raises(ValueError, match="Unknown example"):
        examples.example_clip("no-such-example", params)


# ---------------------------------------------------------------- bad files named (issue 14)


def test_gtzan_loader_flags_truncated_and_short_clips_and_keeps_the_reasons_start(tmp_path):
    root = tmp_path / ("a-long-folder-name-" * 4) / "music_speech"
    for sub, name in (("music_wav", "m.wav"), ("speech_wav", "s.wav"), ("speech_wav", "x.wav")):
        (root / sub).mkdir(parents=True, exist_ok=True)
        sf.write(root / sub / name, np.zeros(30 * 1000, np.float32), 1000, subtype="PCM_16")
    cut = root / "music_wav" / "m.wav"
    cut.write_bytes(cut.read_bytes()[: 44 + 2 * 1000 * 20])  # 20 s of the 30 s the header says
    (root / "speech_wav" / "x.wav").write_bytes(b"RIFF" + bytes(range(256)) * 4)
    with pytest.warns(UserWarning) as caught:
        df = datasets.load_gtzan_music_speech(root)
    text = " ".join(str(w.message) for w in caught)
    assert "1 GTZAN clips are shorter than 29 s or truncated" in text
    assert f"{cut} (truncated: the header says 30.00 s (30,000 frames)" in text
    assert "holds 20.00 s (20,000 frames)" in text and "move" in text
    assert f"{root / 'speech_wav' / 'x.wav'} (Error opening" in text  # the reason's start
    assert len(df) == 2 and df.attrs["short"] and len(df.attrs["skipped"]) == 1


def _annotations(n: int = 3) -> str:
    rows = [[i, *([0] * 188), f"0/clip-{i}.mp3"] for i in range(n)]
    return pd.DataFrame(rows, columns=["clip_id", *datasets.TAGS_188, "mp3_path"]).to_csv(
        sep="\t", index=False
    )


def test_mtat_annotations_with_only_a_header_say_truncated(tmp_path):
    (tmp_path / "annotations_final.csv").write_text(_annotations().splitlines()[0] + "\n")
    with pytest.raises(ValueError, match="has its header but no rows.*looks truncated"):
        datasets.load_magnatagatune(tmp_path, drop_missing=False)


def test_mtat_annotations_cut_in_the_last_row_name_the_line(tmp_path):
    text = _annotations(3)
    (tmp_path / "annotations_final.csv").write_text(text[: text.rindex("\t0\t0\t") + 3])
    with pytest.raises(ValueError) as info:
        datasets.load_magnatagatune(tmp_path, drop_missing=False)
    msg = str(info.value)
    assert "annotations_final.csv, line 4, column" in msg and "found ''" in msg
    assert "the last line, so the file looks truncated" in msg
    assert "bash download_datasets.sh magnatagatune" in msg


def test_read_only_data_folder_says_to_set_musicdl_data(monkeypatch):
    # /proc refuses new folders even to root: a data folder nobody can write into
    monkeypatch.setenv("MUSICDL_DATA", "/proc/musicdl-data")
    with pytest.raises(OSError, match="set MUSICDL_DATA to a writable folder") as info:
        demo.prepare(["gtzan_music_speech"], config.run_parameters(quick=True, dataset="demo"))
    assert "/proc/musicdl-data" in str(info.value)


def test_example_clip_finds_cached_recordings_without_the_network(
    shared_data, monkeypatch, tmp_path
):
    def no_network(*args, **kwargs):
        raise AssertionError(f"the network was asked although the recording is cached: {args}")

    monkeypatch.setenv("LIBROSA_DATA_DIR", str(shared_data / "librosa" / "audio"))
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path))
    monkeypatch.setattr(examples, "_probe", no_network)
    monkeypatch.setattr(examples, "_download", no_network)
    clip = examples.example_clip("brahms", config.run_parameters())
    assert clip.recording and clip.title == "Brahms - Hungarian Dance #5"
    assert clip.path.parent == shared_data / "librosa" / "audio"
    assert audio.duration(clip.path) > 40  # the 46 s recording, not a 30 s demo clip


# ---------------------------------------------------------------- GTZAN genre (optional)


def _genre_wav(path: Path, seconds: float = 30.0, sr: int = 1000) -> None:
    """A small synthetic clip (a low rate keeps 30 s at 60 kB)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * sr)) / sr
    sf.write(path, (0.1 * np.sin(2 * np.pi * 110 * t)).astype(np.float32), sr, subtype="PCM_16")


@pytest.fixture
def genre_tree(tmp_path, shared_data) -> Path:
    """``<tmp>/data/gtzan_genre/genres/<genre>/``: the real clip country.00000.wav, two tiny
    synthetic clips per genre, a corrupt jazz.00054.wav (as in the real collection), a
    macOS resource-fork file and a text file that are not clips."""
    genres = tmp_path / "data" / "gtzan_genre" / "genres"
    for genre in layouts.GTZAN_GENRES:
        for i in (1, 2):
            _genre_wav(genres / genre / f"{genre}.{i:05d}.wav")
    shutil.copy(
        shared_data / "real_clips" / "gtzan_genre_country.00000.wav",
        genres / "country" / "country.00000.wav",
    )
    (genres / "jazz" / "jazz.00054.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot audio at all")
    (genres / "blues" / "._blues.00001.wav").write_bytes(b"\x00\x05\x16\x07 resource fork")
    (genres / "blues" / "notes.txt").write_text("not a clip")
    return genres.parent


def _write_lists(folder: Path, parts: dict) -> None:
    for part, lines in parts.items():
        (folder / layouts.GTZAN_GENRE_SPLIT_FILES[part]).write_text("\n".join(lines) + "\n")


def test_gtzan_genre_loader_columns_labels_and_the_named_warning(genre_tree):
    with pytest.warns(UserWarning) as caught:
        df = datasets.load_gtzan_genre(genre_tree)
    text = " ".join(str(w.message) for w in caught)
    assert "1 GTZAN genre files could not be read and were skipped" in text
    assert "jazz.00054.wav" in text and "._blues" not in text and "notes.txt" not in text
    assert list(df.columns) == ["path", "genre", "clip", "duration"]
    assert list(df.genre.unique()) == list(layouts.GTZAN_GENRES)  # in the collection's order
    counts = df.genre.value_counts().to_dict()
    assert counts["country"] == 3 and all(
        counts[g] == 2 for g in layouts.GTZAN_GENRES if g != "country"
    )
    real = df.set_index("clip").loc["country.00000"]
    assert real.duration == pytest.approx(30.0, abs=0.7) and real.genre == "country"
    assert sf.info(real.path).samplerate == layouts.GTZAN_GENRE_SR
    assert (df["clip"].str.split(".").str[0] == df.genre).all()
    assert df.attrs["skipped"][0].startswith(str(genre_tree / "genres" / "jazz" / "jazz.00054.wav"))
    # the same table from the data folder, from the genres folder itself
    for root in (genre_tree.parent, genre_tree / "genres"):
        with pytest.warns(UserWarning, match="jazz.00054"):
            assert datasets.load_gtzan_genre(root)["clip"].tolist() == df["clip"].tolist()


def test_gtzan_genre_loader_reads_the_kaggle_layout(genre_tree, tmp_path):
    kaggle = tmp_path / "kaggle" / "gtzan_genre"
    shutil.copytree(genre_tree / "genres", kaggle / "Data" / "genres_original")
    assert layouts.is_present(kaggle, "gtzan_genre")
    with pytest.warns(UserWarning, match="jazz.00054"):
        df = datasets.load_gtzan_genre(kaggle)
    assert len(df) == 21 and "Data/genres_original/rock/rock.00002.wav" in df.path.iloc[-1]


def test_gtzan_genre_split_parses_the_real_list_format(genre_tree):
    # The lists in coreyker/dnn-mgr name one clip per line, relative to the genre folders;
    # copies name the original .au files, and the lists' first version held 1-based indices.
    _write_lists(
        genre_tree,
        {
            "train": ["blues/blues.00001.wav", "country/country.00000.wav", "jazz/jazz.00054.wav"],
            "valid": ["blues/blues.00002.au", "rock.00001", ""],
            "test": ["  203", "1000"],  # country.00002 and rock.00099 (not in the tree)
        },
    )
    with pytest.warns(UserWarning) as caught:
        df = datasets.load_gtzan_genre(genre_tree)
        parts = datasets.gtzan_genre_split(df)  # the lists are found beside genres/
    assert {k: v["clip"].tolist() for k, v in parts.items()} == {
        "train": ["blues.00001", "country.00000"],
        "valid": ["blues.00002", "rock.00001"],
        "test": ["country.00002"],
    }
    text = " ".join(str(w.message) for w in caught)
    assert "2 clips of the fault-filtered split are not in the table" in text
    assert "jazz.00054 (train)" in text and "rock.00099 (test)" in text
    assert parts["train"].attrs["missing"] == ["jazz.00054"]
    assert list(parts["test"].columns) == list(df.columns) and parts["test"].index.tolist() == [0]
    with pytest.warns(UserWarning, match="jazz.00054"):  # root: the data folder
        parts = datasets.gtzan_genre_split(df, genre_tree.parent)
    assert parts["valid"].genre.tolist() == ["blues", "rock"]


def test_gtzan_genre_split_errors_say_what_to_do(genre_tree):
    with pytest.warns(UserWarning):
        df = datasets.load_gtzan_genre(genre_tree)
    with pytest.raises(FileNotFoundError, match="bash download_datasets.sh gtzan_genre") as info:
        datasets.gtzan_genre_split(df)
    assert "train_filtered.txt, valid_filtered.txt, test_filtered.txt" in str(info.value)
    _write_lists(genre_tree, {"train": ["blues.00001"], "valid": ["blues/blues.00001.wav"]})
    with pytest.raises(FileNotFoundError, match="test_filtered.txt are not in"):
        datasets.gtzan_genre_split(df)
    _write_lists(genre_tree, {"test": ["rock.00002"]})
    with pytest.raises(ValueError, match="blues.00001 is in both train_filtered.txt and valid"):
        datasets.gtzan_genre_split(df)
    _write_lists(genre_tree, {"valid": ["<html><body>404</body></html>"]})
    with pytest.raises(ValueError, match=r"valid_filtered.txt, line 1: expected one GTZAN clip"):
        datasets.gtzan_genre_split(df)
    _write_lists(genre_tree, {"valid": ["polka/polka.00001.wav"]})
    with pytest.raises(ValueError, match="line 1.*'polka/polka.00001.wav'.*download_datasets"):
        datasets.gtzan_genre_split(df)
    _write_lists(genre_tree, {"valid": ["rock.00001", "rock/rock.00001.au"]})
    with pytest.raises(ValueError, match="lists rock.00001 twice"):
        datasets.gtzan_genre_split(df)


def test_gtzan_genre_missing_data_names_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="bash download_datasets.sh gtzan_genre"):
        datasets.load_gtzan_genre(tmp_path)
    for mode in ("auto", "real", "demo"):
        with pytest.raises(FileNotFoundError, match="bash download_datasets.sh gtzan_genre"):
            datasets.locate("gtzan_genre", config.run_parameters(dataset=mode))
    assert not datasets.has_gtzan_genre(config.run_parameters(dataset="auto"))
    assert not list(tmp_path.iterdir()), "no demo was generated for it"
    (tmp_path / "gtzan_genre" / "genres" / "blues").mkdir(parents=True)  # no clip in it
    with pytest.raises(FileNotFoundError, match="No readable .wav clips.*gtzan_genre"):
        datasets.load_gtzan_genre(tmp_path)


def test_status_and_locate_with_and_without_gtzan_genre(genre_tree, monkeypatch):
    data = genre_tree.parent
    monkeypatch.setenv("MUSICDL_DATA", str(data))
    monkeypatch.delenv("MUSICDL_DATASET", raising=False)
    row = {r["dataset"]: r for r in datasets.status()}["gtzan_genre"]
    assert row["optional"] and row["real"] and not row["demo"] and not row["demo_quick"]
    assert row["fetch"] == "bash download_datasets.sh gtzan_genre"
    auto, demo_only = config.run_parameters(), config.run_parameters(dataset="demo")
    assert datasets.locate("gtzan_genre", auto) == (genre_tree, "real")
    assert datasets.has_gtzan_genre(auto) and not datasets.has_gtzan_genre(demo_only)
    # a run on demo data only leaves it alone
    with pytest.raises(FileNotFoundError, match="has no demo copy"):
        datasets.locate("gtzan_genre", demo_only)
    # the datasets with a demo, which `download_datasets.sh all` fetches, are the others
    assert layouts.CORE_DATASETS == ("gtzan_music_speech", "magnatagatune")
    with pytest.raises(ValueError, match="gtzan_genre is an optional dataset and has no demo"):
        demo.generate(data / "demo", datasets=("gtzan_genre",))
    import inspect

    default = inspect.signature(demo.generate).parameters["datasets"].default
    assert "gtzan_genre" not in default
    assert not (data / "demo").exists()
