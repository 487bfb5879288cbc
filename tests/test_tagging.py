"""utils.models.tagging_cnn: the in-model mel front end, saving, and training on two devices."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from utils import audio, config, models

SR = 16000
TINY = dict(filters=(4, 4), dense_units=0, n_mels=32, chunk_samples=SR, n_outputs=3, dropout=0.0)


@pytest.fixture(autouse=True)
def _float32_policy():
    import keras

    yield
    keras.mixed_precision.set_global_policy("float32")


def _quiet_and_loud():
    """A quiet tone with silent gaps (its dB floor matters) and a loud noise burst."""
    t = np.arange(SR) / SR
    quiet = 1e-3 * np.sin(2 * np.pi * 440 * t) * (np.sin(2 * np.pi * 2 * t) > 0)
    loud = np.random.default_rng(0).uniform(-1, 1, SR)
    return quiet.astype(np.float32), loud.astype(np.float32)


def _front_end(model):
    import keras

    return keras.Model(model.input, model.get_layer("decibels").output)


def test_front_end_matches_log_mel_keras_compatible():
    model = models.tagging_cnn(**TINY)
    quiet, loud = _quiet_and_loud()
    y = quiet + 0.05 * loud  # broadband, with a dynamic range of tens of dB
    ours = _front_end(model).predict(y[None], verbose=0)[0]
    ref = audio.log_mel(y, sr=SR, n_mels=32, n_fft=512, hop_length=256, keras_compatible=True)
    assert ours.shape == ref.shape == (32, 1 + SR // 256)
    np.testing.assert_allclose(ours, ref, atol=0.05)  # dB


def test_each_clip_is_scaled_on_its_own_not_by_its_batch():
    import keras

    quiet, loud = _quiet_and_loud()
    model = models.tagging_cnn(**TINY)
    front = _front_end(model)
    alone = front.predict(quiet[None], verbose=0)[0]
    batched = front.predict(np.stack([quiet, loud]), verbose=0)[0]
    np.testing.assert_allclose(alone, batched, atol=1e-4)
    assert alone.min() == pytest.approx(alone.max() - 80.0, abs=1e-3)  # its own 80 dB floor
    np.testing.assert_allclose(
        model.predict(quiet[None], verbose=0), model.predict(np.stack([quiet, loud]), verbose=0)[:1],
        atol=1e-5,
    )  # fmt: skip
    # Keras' own power_to_db would floor the quiet clip 80 dB below the *loud* clip's peak:
    keras_db = keras.layers.MelSpectrogram(
        **audio.keras_mel_kwargs(sr=SR, n_mels=32, n_fft=512, hop_length=256)
    )
    k_alone = keras.ops.convert_to_numpy(keras_db(quiet[None]))[0]
    k_batched = keras.ops.convert_to_numpy(keras_db(np.stack([quiet, loud])))[0]
    assert np.abs(k_alone - k_batched).max() > 10.0


def test_front_end_stays_float32_under_mixed_precision():
    import keras

    keras.mixed_precision.set_global_policy("mixed_float16")
    model = models.tagging_cnn(**TINY)
    for name in ("mel", "decibels", "add_channel", "mel_bn", "output"):
        assert model.get_layer(name).compute_dtype == "float32", name
    assert model.get_layer("conv1_conv").compute_dtype == "float16"
    y = model.predict(np.zeros((2, SR), np.float32), verbose=0)
    assert y.dtype == np.float32 and y.shape == (2, 3)


def test_won2020_defaults_pool_to_one_band():
    model = models.tagging_cnn()
    assert model.input_shape == (None, models.WON2020_CHUNK_SAMPLES)
    assert model.get_layer("conv7_pool").output.shape[1:3] == (1, 2)  # 128 bands x 231 frames
    assert model.output_shape == (None, 50)
    assert models.front_end_settings(model) == {"sr": SR, "chunk_samples": 59049}
    plain = models.tagging_cnn(front_end=False, **TINY)
    assert plain.input_shape == (None, 32, 1 + SR // 256)
    with pytest.raises(ValueError, match="MelSpectrogram"):
        models.front_end_settings(plain)


def test_forward_flops_counts_every_multiply_add_of_conv_and_dense_layers():
    model = models.tagging_cnn(**TINY)  # 32 bands x 63 frames; pooled to 16 x 32
    conv1 = 32 * 63 * 3 * 3 * 1 * 4 * 2
    conv2 = 16 * 32 * 3 * 3 * 4 * 4 * 2
    output = 4 * 3 * 2
    assert models.forward_flops(model) == conv1 + conv2 + output
    # Won et al.'s short-chunk CNN: about 4.1 GFLOPs per 3.69 s chunk
    assert 4.0e9 < models.forward_flops(models.tagging_cnn()) < 4.2e9


def test_a_measured_step_grows_with_the_batch_and_compiles_the_model():
    model = models.tagging_cnn(**TINY)
    one = models.train_step_seconds(model, batch_size=1, steps=3)
    many = models.train_step_seconds(model, batch_size=64, steps=3)
    assert model.optimizer is not None and model.loss == "binary_crossentropy"
    assert 0 < one < many < 60


def test_epoch_estimate_adds_reading_on_a_cpu_and_overlaps_it_on_a_gpu():
    common = dict(seconds_per_chunk=0.01, clips_per_second=50, flops=5e9, clips=3000, epochs=10)
    cpu = models.epoch_estimate(**common).to_dict("index")
    gpu = models.epoch_estimate(**common, device="GPU").to_dict("index")
    here_cpu, t4 = cpu["this CPU, measured"], cpu["Colab T4 GPU, estimated (15 TFLOP/s assumed)"]
    assert here_cpu["computing_min"] == pytest.approx(0.5) and here_cpu["reading_min"] == 1.0
    assert here_cpu["epoch_min"] == pytest.approx(1.5)  # both on the same cores
    assert gpu["this GPU, measured"]["epoch_min"] == 1.0  # reading bounds it
    assert t4["computing_min"] == pytest.approx(3 * 5e9 * 3000 / 15e12 / 60)
    assert t4["epoch_min"] == 1.0 and t4["total_h"] == pytest.approx(10 / 60)


def test_keras_round_trip_gives_identical_predictions(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    model = models.tagging_cnn(**TINY)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x = np.random.default_rng(1).uniform(-0.5, 0.5, (4, SR)).astype(np.float32)
    model.fit(x, np.eye(3)[[0, 1, 2, 0]], epochs=1, verbose=0)  # moves the BN statistics
    path = tmp_path / "tagger.keras"
    model.save(path)
    again = models.load_model(path)
    np.testing.assert_array_equal(model.predict(x, verbose=0), again.predict(x, verbose=0))
    assert type(again.get_layer("decibels")).__name__ == "PerExampleDecibels"
    assert again.get_layer("decibels").top_db == 80.0
    plain = keras.saving.load_model(path)  # utils.layers is imported: plain Keras works too
    np.testing.assert_array_equal(plain.predict(x, verbose=0), again.predict(x, verbose=0))
    with pytest.raises(FileNotFoundError, match="no saved model"):
        models.load_model(tmp_path / "missing.keras")


TWO_DEVICES = textwrap.dedent(
    """
    import json
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
    )
    import keras
    from utils import models
    keras.utils.set_random_seed(0)
    strategy = models.distribution_strategy(devices=["/cpu:0", "/cpu:1"])
    with strategy.scope():
        model = models.tagging_cnn(filters=(4,), dense_units=0, n_mels=16, chunk_samples=4096,
                                   n_outputs=2, dropout=0.0)
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (16, 4096)).astype("float32")
    y = rng.integers(0, 2, (16, 2)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    history = model.fit(ds, epochs=2, verbose=0)
    changed = sum(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    copies = getattr(model.trainable_variables[0].value, "values", ())  # a MirroredVariable
    print(json.dumps({"replicas": strategy.num_replicas_in_sync,
                      "loss": [float(v) for v in history.history["loss"]],
                      "changed": changed, "weights": len(before),
                      "variable_devices": sorted({c.device for c in copies})}))
    """
)


@pytest.mark.slow
def test_training_steps_under_mirrored_strategy_on_two_logical_cpus():
    # Logical devices must be set before TensorFlow starts its runtime, so in a fresh process.
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run(
        [sys.executable, "-c", TWO_DEVICES],
        cwd=config.repo_root(),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert len(result["variable_devices"]) == 2  # one copy of each weight per device
    assert all(np.isfinite(result["loss"])) and len(result["loss"]) == 2
    assert result["changed"] >= result["weights"] // 2  # kernels and BN statistics moved
