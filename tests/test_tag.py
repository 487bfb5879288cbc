"""utils.tag: predict_tags and the command line, with a small model trained on the quick demo."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from utils import audio, config, datasets, layouts, models, musicnn, pipelines, tag

SR = layouts.MTAT_SR


@pytest.fixture(scope="module")
def tagger(quick_demo, tmp_path_factory):
    """A tiny raw-audio tagger trained for two steps on quick-demo MTAT clips, saved as .keras."""
    import keras

    keras.utils.set_random_seed(0)
    df = datasets.load_magnatagatune(quick_demo).head(8)
    train = pipelines.audio_dataset(
        df["path"],
        df[list(layouts.TOP50_TAGS)].to_numpy(),
        chunk_samples=SR,
        training=True,
        batch_size=4,
    )
    model = models.tagging_cnn(filters=(4, 4), dense_units=0, n_mels=32, chunk_samples=SR)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    history = model.fit(train.dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0]) and train.n_skipped == 0
    path = tmp_path_factory.mktemp("models") / "tagger.keras"
    model.save(path)
    return path


def test_predict_tags_averages_the_chunks_of_a_file(tagger, quick_demo):
    model = models.load_model(tagger, compile=False)
    clip = datasets.load_magnatagatune(quick_demo)["path"][20]
    top = tag.predict_tags(clip, model=model, top_k=3)
    assert len(top) == 3 and all(name in layouts.TOP50_TAGS for name, _ in top)
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    chunks = audio.segment(audio.load(clip, sr=SR), size=SR, hop=SR)  # 29 one-second chunks
    mean = model.predict(chunks, verbose=0).mean(axis=0)
    assert top[0] == (layouts.TOP50_TAGS[int(mean.argmax())], pytest.approx(mean.max(), abs=1e-5))
    assert len(tag.predict_tags(clip, model=tagger, top_k=99)) == 50  # a path works too
    with pytest.raises(ValueError, match="2 tag names"):
        tag.predict_tags(clip, model=model, tags=["one", "two"])


def test_command_line_tags_a_real_clip(tagger, shared_data, capsys):
    clip = shared_data / "real_clips" / "mtg_jamendo_948_44k_stereo.mp3"  # 44.1 kHz stereo
    if not clip.is_file():
        pytest.skip(f"{clip} not found: the real test clips are not there")
    code = tag.main([str(clip), "--model", str(tagger), "--top-k", "3"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == str(clip) and len(lines) == 4
    for line in lines[1:]:
        score, name = line.split(maxsplit=1)
        assert 0.0 <= float(score) <= 1.0 and name in layouts.TOP50_TAGS


def test_command_line_names_an_unreadable_file_and_exits_non_zero(tagger, tmp_path, capsys):
    bad = tmp_path / "not_audio.mp3"
    bad.write_text("<html>login page</html>")
    code = tag.main([str(bad), str(tmp_path / "missing.wav"), "--model", str(tagger)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert f"error: {bad}: not a recognised audio format" in err
    assert "missing.wav: no such audio file" in err
    assert "2 of 2 files could not be read" in err
    assert tag.main([str(bad), "--model", str(tmp_path / "none.keras")]) == 2
    assert "no model at" in capsys.readouterr().err


@pytest.mark.slow
def test_python_m_utils_tag_exits_non_zero_for_an_unreadable_file(tagger, tmp_path, quick_demo):
    # the real command, in its own process: a good file is tagged, the bad one named, exit 1
    bad = tmp_path / "empty.wav"
    bad.write_bytes(b"")
    good = datasets.load_magnatagatune(quick_demo)["path"][0]
    done = subprocess.run(
        [sys.executable, "-m", "utils.tag", good, str(bad), "--model", str(tagger), "--top-k", "2"],
        cwd=config.repo_root(),
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stdout.splitlines()[0] == good and len(done.stdout.splitlines()) == 3
    assert f"error: {bad}: the file is empty" in done.stderr


def test_a_quick_run_saves_its_model_beside_the_full_one(monkeypatch, tmp_path):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path))
    full, quick = tag.default_model_path(), tag.default_model_path(quick=True)
    assert full == tmp_path / "models" / "music_tagger.keras"
    assert quick.parent == full.parent and quick != full


BRAHMS = "librosa/audio/Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg"


def _printed(out):
    """{file: [(tag, score), ...]} from the command's stdout."""
    files, current = {}, None
    for line in out.splitlines():
        if line.startswith("  "):
            score, name = line.split(maxsplit=1)
            files[current].append((name, float(score)))
        else:
            current = line
            files[current] = []
    return files


def test_with_no_trained_model_the_pretrained_musicnn_tags_a_real_recording(
    shared_data, tmp_path, monkeypatch, capsys
):
    import json

    clip = shared_data / BRAHMS
    if not clip.is_file():
        pytest.skip(f"{clip} not found: librosa's recordings are not there")
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path))  # no model of notebook 07 here
    code = tag.main([str(clip), "--top-k", "3"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "MTT_musicnn" in err and "MagnaTagATune" in err and "no model of notebook 07" in err
    (top,) = _printed(out).values()
    ref = json.loads((shared_data / "reference" / "musicnn_reference.json").read_text())
    mean = ref["clips"][BRAHMS]["MTT_musicnn"]["taggram_mean"]
    expected = sorted(zip(layouts.TOP50_TAGS, mean), key=lambda t: -t[1])[:3]
    assert [t for t, _ in top] == [t for t, _ in expected]  # the original's top 3
    assert [s for _, s in top] == pytest.approx([s for _, s in expected], abs=1e-3)
    assert {t for t, _ in top} & {"classical", "strings", "violin"}


def test_pretrained_tagging_names_a_bad_file_and_tags_the_others(shared_data, tmp_path, capsys):
    clip = shared_data / "real_clips" / "irmas_cla_0189_2_44k_stereo.wav"
    if not clip.is_file():
        pytest.skip(f"{clip} not found: the real test clips are not there")
    bad = tmp_path / "not_audio.ogg"
    bad.write_text("<html>login page</html>")
    code = tag.main([str(bad), str(clip), "--model", "musicnn-msd", "--top-k", "2"])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"error: {bad}: not a recognised audio format" in err
    assert "1 of 2 files could not be read" in err
    assert "MSD_musicnn" in err and "Million Song Dataset" in err
    printed = _printed(out)
    assert list(printed) == [str(clip)] and len(printed[str(clip)]) == 2
    assert all(name in musicnn.MSD_TAGS for name, _ in printed[str(clip)])
    assert tag.main([str(clip), "--model", "vgg", "--tags", str(bad)]) == 2
    assert "--tags is for a .keras model" in capsys.readouterr().err
