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


def test_clip_table_reads_the_folder_a_run_names_else_the_dataset(my_music, quick_gtzan):
    mine = config.run_parameters(quick=True, dataset=f"folder:{my_music}")
    with pytest.warns(UserWarning, match="could not be read"):
        df, root, source = collection.clip_table("gtzan_music_speech", mine)
    assert (root, source) == (my_music.resolve(), "folder")
    assert df["label"].value_counts().to_dict() == {"music": 5, "Speech Clips": 2}
    with pytest.warns(UserWarning), pytest.raises(ValueError, match=r"'Speech Clips' \(2 clips\)"):
        collection.clip_table("gtzan_music_speech", mine, min_per_class=3)
    auto = config.run_parameters(quick=True, dataset="auto")
    df, root, source = collection.clip_table("gtzan_music_speech", auto)
    assert (root, source) == datasets.locate("gtzan_music_speech", auto)
    assert df.equals(datasets.load_gtzan_music_speech(root))
    with pytest.raises(ValueError, match="label per clip"):
        collection.clip_table("magnatagatune", auto)


def test_two_classes_puts_music_last_whatever_its_case():
    assert collection.two_classes(["Speech", "Music", "Speech"]) == ("Speech", "Music")
    assert collection.two_classes(["music", "applause"]) == ("applause", "music")
    assert collection.two_classes(["whale", "bird"]) == ("bird", "whale")
    assert collection.two_classes(["bird", "whale"], positive="bird") == ("whale", "bird")
    with pytest.raises(ValueError, match="exactly two classes, found 1: 'jazz'"):
        collection.two_classes(["jazz", "jazz"])


def _zip(path, members):
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_unzip_of_a_collection_then_load_folder_reads_it(my_music, tmp_path):
    # What the Colab upload does with the zip's bytes, on a zip made here: a zip of the
    # folder itself, as macOS's Finder makes it (with __MACOSX/ resource forks), and a zip
    # of the class folders; both load as the same collection.
    real = {p.relative_to(my_music): p.read_bytes() for p in my_music.rglob("*.ogg")}
    finder = {f"my_music/{k.as_posix()}": v for k, v in real.items()}
    finder.update({f"__MACOSX/my_music/{k.parent.as_posix()}/._{k.name}": b"\0" for k in real})
    finder["my_music/.DS_Store"] = b"\0"
    root = collection.unzip(_zip(tmp_path / "finder.zip", finder), tmp_path / "a")
    assert root == tmp_path / "a" / "my_music"
    assert not (tmp_path / "a" / "__MACOSX").exists()
    df = collection.load_folder(root)
    assert df["label"].value_counts().to_dict() == {"music": 1, "Speech Clips": 2}
    assert (df["duration"] > 5).all()
    flat = {k.as_posix(): v for k, v in real.items()}
    data = _zip(tmp_path / "flat.zip", flat).read_bytes()  # bytes, as files.upload gives them
    root = collection.unzip(data, tmp_path / "b")
    assert root == tmp_path / "b"
    assert collection.load_folder(root)["label"].value_counts().to_dict() == {
        "music": 1,
        "Speech Clips": 2,
    }


def test_unzip_refuses_what_is_not_a_safe_zip(tmp_path):
    with pytest.raises(ValueError, match="not a zip file"):
        collection.unzip(b"<html>login page</html>", tmp_path / "x")
    evil = _zip(tmp_path / "evil.zip", {"../../escaped.wav": b"RIFF"})
    with pytest.raises(ValueError, match="would land outside"):
        collection.unzip(evil, tmp_path / "y" / "z")
    assert not (tmp_path / "escaped.wav").exists()


def test_outside_colab_upload_and_record_say_so_and_do_nothing(tmp_path, capsys):
    assert collection.upload_zip(tmp_path / "up") is None
    assert collection.record("whistling", into=tmp_path / "rec", seconds=1) is None
    said = capsys.readouterr().out
    assert said.count("needs Colab") == 2 and 'DATASET = "folder:' in said
    assert not (tmp_path / "up").exists() and not (tmp_path / "rec").exists()


#: A browser for collection.RECORD_JS, in Node: a microphone that plays a 440 Hz sine at
#: 48 kHz in the 4096-sample blocks of a ScriptProcessorNode, and btoa.
FAKE_BROWSER = """
const RATE = 48000; let t = 0; let timer = null;
globalThis.navigator = {mediaDevices: {getUserMedia: async () => ({
  getTracks: () => [{stop: () => {}}]})}};
globalThis.AudioContext = class {
  constructor() { this.sampleRate = RATE; this.destination = {}; }
  createMediaStreamSource() { return {connect: () => {}, disconnect: () => {}}; }
  createScriptProcessor(size) {
    const node = {connect: () => {
      timer = setInterval(() => {
        const block = new Float32Array(size);
        for (let i = 0; i < size; i++, t++) block[i] = 0.5 * Math.sin(2 * Math.PI * 440 * t / RATE);
        node.onaudioprocess({inputBuffer: {getChannelData: () => block}});
      }, 1000 * size / RATE);
    }, disconnect: () => clearInterval(timer)};
    return node;
  }
  async close() {}
};
"""


def test_record_saves_what_the_browser_sends_as_a_wav(tmp_path, monkeypatch):
    # Colab's eval_js is played by Node running RECORD_JS against a fake microphone: the
    # JavaScript, its base64 reply and the decoding into a wav are what runs on Colab; the
    # real browser, its permission prompt and microphone are not (they need Colab).
    import json
    import shutil
    import subprocess
    import sys
    import types

    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: RECORD_JS cannot run outside a browser here")

    def eval_js(script, timeout_sec=None):
        program = (
            FAKE_BROWSER + f"Promise.resolve({script}).then(r => console.log(JSON.stringify(r)));"
        )
        done = subprocess.run(
            [node, "-e", program], capture_output=True, text=True, timeout=timeout_sec, check=True
        )
        return json.loads(done.stdout)

    colab = types.ModuleType("google.colab")
    colab.output = types.SimpleNamespace(eval_js=eval_js)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    assert collection.record("whistling", into=tmp_path, seconds=1) == tmp_path
    assert collection.record("whistling", into=tmp_path, seconds=0.5) == tmp_path
    first, second = sorted((tmp_path / "whistling").glob("*.wav"))
    assert [first.name, second.name] == ["recording-1.wav", "recording-2.wav"]
    y, sr = sf.read(first)
    assert sr == 48000 and 0.9 < len(y) / sr < 1.3
    spectrum = np.abs(np.fft.rfft(y))
    assert np.fft.rfftfreq(len(y), 1 / sr)[spectrum.argmax()] == pytest.approx(440, abs=2)
    assert np.abs(y).max() == pytest.approx(0.5, abs=1e-3)
    with pytest.raises(ValueError, match="folder name"):
        collection.record("../escape", into=tmp_path)


def test_the_runner_takes_a_folder_and_says_which_notebooks_read_it(
    my_music, tmp_path, monkeypatch, capsys
):
    from utils import demo, runner

    ran = []

    def fake_execute(path, *, quick, dataset, **kwargs):
        ran.append((path.stem, dataset))
        return runner.NotebookRun(path=path, seconds=0.0)

    monkeypatch.setattr(demo, "prepare", lambda names, params: [])
    monkeypatch.setattr(datasets, "locate", lambda name, params: (tmp_path / name, "demo"))
    monkeypatch.setattr(runner, "execute", fake_execute)
    monkeypatch.setenv("MUSICDL_RESULTS", str(tmp_path / "results"))
    monkeypatch.chdir(my_music.parent)  # a relative folder is the caller's, not notebooks/'s
    with pytest.warns(UserWarning, match="could not be read"):
        assert runner.main(["--quick", "--dataset", "folder:my_music", "01", "03", "11"]) == 0
    out = capsys.readouterr().out
    assert f"Your collection {my_music}: 7 clips (Speech Clips 2, music 5)" in out
    assert "read by 03_cnn_music_speech.ipynb, 11_pretrained_models.ipynb" in out
    assert "not by 01_audio_basics.ipynb: they use the project's datasets, as with auto" in out
    assert {dataset for _, dataset in ran} == {f"folder:{my_music}"}
    assert [stem for stem, _ in ran] == [
        "01_audio_basics",
        "03_cnn_music_speech",
        "11_pretrained_models",
    ]

    ran.clear()
    with pytest.warns(UserWarning):
        assert runner.main(["--quick", "--dataset", f"folder:{my_music}", "01"]) == 2
    assert "those that do: 03, 05, 11. Nothing was run." in capsys.readouterr().err
    assert ran == []
    for bad, said in (
        (f"folder:{tmp_path}/nowhere", "no collection folder"),
        ("mine", "folder:/path"),
    ):
        with pytest.raises(SystemExit) as stop:
            runner.main(["--quick", "--dataset", bad, "03"])
        assert stop.value.code == 2 and said in capsys.readouterr().err


def test_notebooks_that_read_a_folder_declare_it():
    import nbformat

    from utils import runner

    for path in runner.notebooks():
        code = "\n".join(c.source for c in nbformat.read(path, 4).cells if c.cell_type == "code")
        reads = "collection.clip_table(" in code or "collection.folder_of(" in code
        assert reads == runner.accepts_folder(path), (
            f"{path.name}: set metadata.musicdl.folder to {reads} (it "
            f"{'reads' if reads else 'does not read'} DATASET = 'folder:...')"
        )


def test_upload_zip_unpacks_what_colab_hands_over(my_music, tmp_path, monkeypatch, capsys):
    # google.colab.files.upload opens the browser's file chooser and returns {name: bytes};
    # here a fake returns a zip made from real recordings. The chooser itself needs Colab.
    import sys
    import types

    members = {
        f"my_music/{p.relative_to(my_music).as_posix()}": p.read_bytes()
        for p in my_music.rglob("*.ogg")
    }
    data = _zip(tmp_path / "upload.zip", members).read_bytes()
    colab = types.ModuleType("google.colab")
    colab.files = types.SimpleNamespace(upload=lambda: {"my_music.zip": data})
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    root = collection.upload_zip(tmp_path / "content")
    assert root == tmp_path / "content" / "my_music"
    assert f"my_music.zip: unpacked into {root}" in capsys.readouterr().out
    assert len(collection.load_folder(root)) == 3
