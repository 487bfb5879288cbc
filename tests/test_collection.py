"""utils.collection: a folder per class, on a folder built from real recordings of ../shared/data."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from utils import audio, collection, config, datasets

MUSIC = [
    "librosa/audio/Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg",
    "real_clips/gtzan_genre_country.00000.wav",  # 22.05 kHz mono wav
    "real_clips/cuidado_falla_cancion_44k.flac",  # 44.1 kHz flac
    "real_clips/mtg_jamendo_948_44k_stereo.mp3",  # 44.1 kHz stereo mp3
]
SPEECH = ["librosa/audio/198-209-0000.ogg", "librosa/audio/3436-172162-0000.ogg"]


@pytest.fixture()
def my_music(shared_data, tmp_path):
    """my_music/{music,speech}/ of links to real recordings, plus files that must be skipped."""
    root = tmp_path / "my_music"
    for label, names in (("music", MUSIC), ("Speech Clips", SPEECH)):
        folder = root / label
        folder.mkdir(parents=True)
        for name in names:
            source = shared_data / name
            if not source.is_file():
                pytest.skip(f"{source} not found: the real test clips are not there")
            (folder / source.name).symlink_to(source)
    (root / "music" / "live").mkdir()  # a sub-folder of a class counts for the class
    (root / "music" / "live" / "COUNTRY.WAV").symlink_to(shared_data / MUSIC[1])
    (root / "music" / "login_page.mp3").write_text("<html>login page</html>")
    (root / "music" / "empty.flac").write_bytes(b"")
    sf.write(root / "Speech Clips" / "blip.wav", np.zeros(800, dtype=np.float32), 16000)  # 0.05 s
    (root / "music" / "notes.txt").write_text("not audio, not an audio name: ignored")
    (root / "music" / ".hidden.wav").write_bytes(b"")  # hidden: ignored
    (root / ".cache").mkdir()  # hidden folder: not a class
    return root


def test_load_folder_reads_a_folder_per_class_and_names_the_bad_files(my_music):
    with pytest.warns(UserWarning, match="3 files of .* could not be read") as caught:
        df = collection.load_folder(my_music)
    message = str(caught[0].message)
    for name in ("login_page.mp3", "empty.flac", "blip.wav"):
        assert name in message
    assert ".hidden.wav" not in message and "notes.txt" not in message
    assert list(df.columns) == ["path", "label", "duration"]
    assert df["label"].value_counts().to_dict() == {"music": 5, "Speech Clips": 2}
    assert df["label"].is_monotonic_increasing
    for path, seconds in zip(df["path"], df["duration"]):
        assert seconds == pytest.approx(audio.duration(path))
    assert len(df.attrs["skipped"]) == 3
    country = df[df["path"].str.endswith("COUNTRY.WAV")]
    assert country["duration"].iloc[0] == pytest.approx(30.0, abs=0.1)


def test_the_same_columns_as_the_other_loaders(my_music, quick_gtzan):
    with pytest.warns(UserWarning):
        mine = collection.load_folder(my_music)
    gtzan = datasets.load_gtzan_music_speech(quick_gtzan)
    assert list(mine.columns) == list(gtzan.columns)
    assert mine.dtypes.to_dict() == gtzan.dtypes.to_dict()


def test_bad_collections_say_what_is_expected(my_music, tmp_path):
    with pytest.raises(
        FileNotFoundError, match="no collection folder at .*one sub-folder per class"
    ):
        collection.load_folder(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="no readable audio file.*no sub-folders"):
        collection.load_folder(empty)
    (empty / "jazz").mkdir()
    (empty / "jazz" / "broken.wav").write_text("RIFF nonsense")
    with (
        pytest.warns(UserWarning, match="broken.wav"),
        pytest.raises(FileNotFoundError, match=r"found: jazz; 1 files skipped"),
    ):
        collection.load_folder(empty)
    one = tmp_path / "one"
    (one / "music").mkdir(parents=True)
    for p in (my_music / "music").glob("*.ogg"):
        (one / "music" / p.name).symlink_to(p.resolve())
    with pytest.raises(
        ValueError, match=r"1 class with readable clips, 'music' \(1 clips\).*at least 2"
    ):
        collection.load_folder(one)


def test_a_folder_dataset_choice(monkeypatch, tmp_path):
    monkeypatch.setenv("MUSICDL_DATASET", f"folder:{tmp_path}/My Music")
    params = config.run_parameters(dataset=config.env_dataset())
    assert params.dataset == f"folder:{tmp_path}/My Music"  # the path keeps its case
    assert collection.folder_of(params.dataset) == tmp_path / "My Music"
    assert config.run_parameters(dataset="folder:~/x").dataset == "folder:~/x"
    assert collection.folder_of("demo") is None
    with pytest.raises(ValueError, match="names no folder"):
        collection.folder_of("folder: ")
    monkeypatch.setenv("MUSICDL_DATASET", "Folders")
    with pytest.raises(ValueError, match="folder:/path/to/my_music"):
        config.env_dataset()
    with pytest.raises(ValueError, match="or folder:/path"):
        config.run_parameters(dataset="Folders")


def test_with_a_folder_choice_the_projects_datasets_are_located_as_for_auto(quick_gtzan):
    mine = config.run_parameters(quick=True, dataset="folder:/somewhere/my_music")
    auto = config.run_parameters(quick=True, dataset="auto")
    assert datasets.locate("gtzan_music_speech", mine) == datasets.locate(
        "gtzan_music_speech", auto
    )
