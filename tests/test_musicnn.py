"""utils.musicnn: the Keras 3 port of the pretrained musicnn taggers, against the original.

``../shared/data/reference/musicnn_reference.json`` holds what the original TF1 graph of
musicnn 0.1.0 gives for 17 real recordings (its ``about`` says how); the port must agree
with every number within 1e-4.
"""

from __future__ import annotations

import hashlib
import json
import warnings

import numpy as np
import pytest

from utils import audio, musicnn

TOLERANCE = 1e-4
REFERENCE_MODELS = ("MTT_musicnn", "MSD_musicnn", "MTT_vgg")


@pytest.fixture(scope="module")
def reference(shared_data):
    path = shared_data / "reference" / "musicnn_reference.json"
    if not path.is_file():
        pytest.skip(f"{path} not found: the musicnn reference outputs are not there")
    ref = json.loads(path.read_text(encoding="utf-8"))
    clips = {}
    for name, entry in ref["clips"].items():
        file = shared_data / name
        if not file.is_file():
            pytest.skip(f"{file} not found: a reference recording is missing")
        assert hashlib.sha256(file.read_bytes()).hexdigest() == entry["sha256"], (
            f"{file} is not the recording the reference was computed from"
        )
        clips[name] = (musicnn.file_patches(file), entry)
    return clips


def test_the_checkpoints_hold_the_network_and_the_optimizer_state():
    # 150 entries in MTT_musicnn: 64 network variables, 2 Adam slots per trainable one (84)
    # and beta1_power/beta2_power, which read_checkpoint skips; MTT_vgg: 36 + 48 + 2
    import tensorflow as tf

    for weights, total, network in (("MTT_musicnn", 150, 64), ("MTT_vgg", 86, 36)):
        reader = tf.compat.v1.train.NewCheckpointReader(musicnn.checkpoint_prefix(weights))
        assert len(reader.get_variable_to_shape_map()) == total
        variables = musicnn.read_checkpoint(weights)
        assert len(variables) == network and not any("Adam" in n for n in variables)
    assert musicnn.read_checkpoint("MSD_vgg")["dense/kernel"].shape == (256, 50)
    assert musicnn.published_scores("MTT_musicnn") == pytest.approx(
        {"roc_auc": 0.9067, "pr_auc": 0.3831}, abs=1e-4
    )


@pytest.mark.parametrize("weights", musicnn.WEIGHTS)
def test_every_variable_maps_onto_the_keras_model(weights):
    model = musicnn.load(weights)
    variables = musicnn.read_checkpoint(weights)
    n_weights = sum(len(layer.weights) for layer in model.layers)
    assert n_weights == len(variables)
    logits = "dense" if "vgg" in weights else "dense_1"  # the TF1 name of the output layer
    assert musicnn.variable_map(weights)[logits] == "logits"
    kernel = model.get_layer("logits").kernel.numpy()
    np.testing.assert_array_equal(kernel, variables[f"{logits}/kernel"])
    assert model.output["taggram"].shape[-1] == len(musicnn.tags(weights)) == 50


@pytest.mark.parametrize("weights", REFERENCE_MODELS)
def test_the_port_equals_the_original_on_real_recordings(reference, weights):
    worst = {}
    for name, (X, entry) in reference.items():
        ref = entry[weights]
        assert list(ref["tags"]) == musicnn.tags(weights)
        assert X.shape[0] == ref["patches"], (
            f"{name}: {X.shape[0]} patches, original {ref['patches']}"
        )
        out = musicnn.predict(X, weights=weights)
        diffs = {
            "taggram_first_patch": out["taggram"][0] - ref["taggram_first_patch"],
            "taggram_mean": out["taggram"].mean(axis=0) - ref["taggram_mean"],
        }
        if "penultimate_mean" in ref:
            # The original extractor's loop unpacks each later patch's penultimate layer
            # into a variable it never reads (`backend_`), so what it returns for every
            # patch is the first patch's: its "mean" is the first patch's vector.
            diffs["penultimate_mean"] = out["penultimate"][0] - ref["penultimate_mean"]
            diffs["max_pool_mean"] = out["max_pool"].mean(axis=0) - ref["max_pool_mean"]
            diffs["mean_pool_mean"] = out["mean_pool"].mean(axis=0) - ref["mean_pool_mean"]
        for field, d in diffs.items():
            worst[f"{name} {field}"] = float(np.abs(d).max())
    assert len(worst) >= 2 * len(reference)
    bad = {k: v for k, v in worst.items() if v > TOLERANCE}
    assert not bad, f"{weights}: differences above {TOLERANCE}: {bad}"


def test_the_original_returns_the_first_patch_as_its_penultimate_mean(reference):
    # the bug the test above works around, shown: for a clip of several patches the true
    # mean over patches is far from the original's number, the first patch is on it
    name = "librosa/audio/198-209-0000.ogg"
    X, entry = reference[name]
    out = musicnn.predict(X, weights="MTT_musicnn")
    ref = np.asarray(entry["MTT_musicnn"]["penultimate_mean"])
    assert np.abs(out["penultimate"][0] - ref).max() < TOLERANCE
    assert np.abs(out["penultimate"].mean(axis=0) - ref).max() > 0.1


def _swap(mapping, a, b):
    mapping = dict(mapping)
    mapping[a], mapping[b] = mapping[b], mapping[a]
    return mapping


def test_a_wrong_mapping_fails_loudly():
    good = musicnn.variable_map("MTT_musicnn")
    with pytest.raises(ValueError, match=r"shape mismatch mapping conv2d/kernel \(7, 38, 1, 204\)"):
        musicnn.load("MTT_musicnn", mapping=_swap(good, "conv2d", "conv2d_1"))
    missing = {k: v for k, v in good.items() if k != "dense"}
    with pytest.raises(ValueError, match=r"not mapped.*dense/bias"):
        musicnn.load("MTT_musicnn", mapping=missing)
    with pytest.raises(ValueError, match="does not have"):
        musicnn.load("MTT_musicnn", mapping=dict(good, dense="no_such_layer"))
    with pytest.raises(ValueError, match="unknown musicnn weights"):
        musicnn.load("MTT_resnet")


def test_a_swap_of_equal_shapes_loads_but_the_reference_catches_it(reference):
    # midend_2 and midend_3 have the same shapes: no shape check can see them swapped,
    # the comparison with the original's outputs does
    name = "real_clips/gtzan_genre_country.00000.wav"
    X, entry = reference[name]
    swapped = musicnn.load(
        "MTT_musicnn", mapping=_swap(musicnn.variable_map("MTT_musicnn"), "conv2d_6", "conv2d_7")
    )
    out = musicnn.predict(X, weights="MTT_musicnn", model=swapped)
    assert np.abs(out["taggram"].mean(axis=0) - entry["MTT_musicnn"]["taggram_mean"]).max() > 1e-2


def test_float16_input_overflows_and_gives_the_constant_taggram(shared_data):
    clip = shared_data / "real_clips" / "gtzan_genre_country.00000.wav"
    if not clip.is_file():
        pytest.skip(f"{clip} not found: the real test clips are not there")
    y = audio.load(clip, sr=musicnn.SR)
    overflow = musicnn.float16_overflow(y)
    assert overflow["limit"] == pytest.approx(6.5504)
    assert 0.005 < overflow["inf_fraction"] < 0.05 and overflow["max_power"] > 6.5504
    S16 = musicnn.log_mel(y, dtype="float16")
    assert S16.dtype == np.float16 and np.isinf(S16).any()
    assert not np.isinf(musicnn.log_mel(y)).any()
    constant = musicnn.float16_constant_taggram("MTT_musicnn")
    top = musicnn.top_tags(constant, weights="MTT_musicnn", k=3)
    assert [t for t, _ in top] == ["guitar", "indian", "electronic"]
    assert [s for _, s in top] == pytest.approx([0.371, 0.276, 0.266], abs=1e-3)
    t16 = musicnn.predict(musicnn.patches(S16).astype(np.float32))["taggram"]
    t32 = musicnn.predict(musicnn.patches(musicnn.log_mel(y)))["taggram"]
    assert np.abs(t16 - constant).max() < 1e-6  # every patch overflows: all the same
    assert np.abs(t32.mean(axis=0) - constant).max() > 0.1
    assert musicnn.is_float16_constant(t16, weights="MTT_musicnn")
    assert not musicnn.is_float16_constant(t32, weights="MTT_musicnn")


def test_patches_cut_back_to_back_and_repeat_a_short_clip():
    S = np.arange(400 * 96, dtype=np.float32).reshape(400, 96)
    P = musicnn.patches(S)
    assert P.shape == (2, 187, 96)
    np.testing.assert_array_equal(P[1, 0], S[187])
    short = musicnn.patches(S[:50])
    assert short.shape == (1, 187, 96)
    np.testing.assert_array_equal(short[0, 50], S[0])  # the clip again
    with pytest.raises(ValueError, match="expected a spectrogram"):
        musicnn.patches(np.zeros((0, 96)))
    with pytest.raises(ValueError, match="float32"):
        musicnn.log_mel(np.zeros(16000), dtype="float64")


def test_embed_caches_and_names_a_bad_file(shared_data, tmp_path):
    clips = [
        shared_data / "real_clips" / "irmas_cla_0189_2_44k_stereo.wav",
        shared_data / "librosa" / "audio" / "sorohanro_-_solo-trumpet-06.ogg",
    ]
    if not all(c.is_file() for c in clips):
        pytest.skip("the real test clips are not there")
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF....WAVEfmt garbage")
    paths = [clips[0], bad, clips[1]]
    with pytest.warns(UserWarning, match=r"1 of 3 files failed.*broken\.wav"):
        res = musicnn.embed(paths, cache_dir=tmp_path / "cache", progress=False)
    assert res.features.shape == (2, 200) and res.features.dtype == np.float32
    assert [p for p, _ in res.failed] == [str(bad)] and list(res.input_index) == [0, 2]
    direct = musicnn.predict(clips[1])["penultimate"].mean(axis=0)
    np.testing.assert_allclose(res.features[1], direct, atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = musicnn.embed(paths, cache_dir=tmp_path / "cache", progress=False)
    assert again.n_cached == 2 and again.n_computed == 1  # the bad file is tried again
    np.testing.assert_array_equal(again.features, res.features)
    full = musicnn.embed(clips[:1], layers=None, cache_dir=False, progress=False)
    assert full.features.shape == (1, 200 + 753 + 753)
    with pytest.raises(ValueError, match="offers the features pool5"):
        musicnn.embed(clips, weights="MTT_vgg", layers=["penultimate"], cache_dir=False)


def test_compare_with_reference_and_the_fine_tuning_back_end(reference, shared_data):
    table = musicnn.compare_with_reference(
        shared_data / "reference" / "musicnn_reference.json", max_patches=1
    )
    assert set(table.weights) == set(musicnn.REFERENCE_WEIGHTS) and table.recording.nunique() == 2
    assert table.max_abs_diff.max() < TOLERANCE
    X, _entry = reference["librosa/audio/198-209-0000.ogg"]
    features = musicnn.midend(X)
    assert features.shape == (len(X), 187, 753)
    # the back end rebuilt on the mid end gives the pretrained penultimate layer
    back = musicnn.backend_classifier(3)
    assert [layer.trainable for layer in back.layers if layer.weights] == [False, True, False, True]
    import keras

    penultimate = keras.Model(back.input, back.get_layer("penultimate").output)
    np.testing.assert_allclose(
        penultimate(features, training=False), musicnn.predict(X)["penultimate"], atol=1e-4
    )
