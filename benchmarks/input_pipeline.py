"""Input pipeline and mel front-end speed for notebook 07 (music auto-tagging from audio files).

Measures, in one run on the MagnaTagATune demo clips (the quick demo, generated if missing):

- pipeline: clips per second through ``pipelines.audio_dataset`` (training mode: shuffled
  clips, one random 3.69 s chunk each, batches of 16, prefetch) when every file is decoded
  from mp3, when the decoded-audio cache is filled (cold), and read from it (warm);
- training: steps per second of ``models.tagging_cnn`` with the mel spectrogram computed in
  the model from raw audio, against the same network fed precomputed log-mel spectrograms
  (``front_end=False``), at full width (Won et al. 2020) and at a quarter of the width;
- one epoch over the real top-50 training split (15,244 clips, one chunk per clip) from
  those rates, by ``models.epoch_estimate``, the function notebook 07 prints its estimate
  with (on a CPU reading and training share the cores, so their times add; on a T4 GPU an
  estimate from the operations at an assumed rate, overlapping with reading).

The numbers depend on how busy the machine is; ratios measured in the same run compare
fairly. Always exits 0.

    python benchmarks/input_pipeline.py [--clips N] [--steps N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from utils import config, datasets, demo, layouts, models, pipelines

BATCH = 16
CHUNK = models.WON2020_CHUNK_SAMPLES
FULL = (128, 128, 256, 256, 256, 256, 512)
QUARTER = tuple(f // 4 for f in FULL)


def demo_clips(n: int) -> tuple[list[str], np.ndarray, str]:
    root = config.data_dir() / "demo-quick"
    demo.generate(root, quick=True, datasets=("magnatagatune",), verbose=False)
    df = datasets.load_magnatagatune(root).head(n)
    return list(df["path"]), df[list(layouts.TOP50_TAGS)].to_numpy(), str(root / "magnatagatune")


def epoch_seconds(paths, labels, cache_dir) -> float:
    pipe = pipelines.audio_dataset(
        paths, labels, chunk_samples=CHUNK, training=True, batch_size=BATCH, cache_dir=cache_dir
    )
    t = time.perf_counter()
    n = sum(int(x.shape[0]) for x, _ in pipe.dataset)
    seconds = time.perf_counter() - t
    assert n == len(paths) and pipe.n_skipped == 0, (n, pipe.report())
    return seconds


def _training_batch(model, rng):
    if len(model.input_shape) == 2:  # raw audio
        x = rng.uniform(-0.5, 0.5, (BATCH, CHUNK)).astype(np.float32)
    else:  # precomputed log-mel spectrograms, in dB
        x = rng.uniform(-80, 0, (BATCH, *model.input_shape[1:])).astype(np.float32)
    return x, (rng.random((BATCH, 50)) < 0.1).astype(np.float32)


def steps_per_second(filters, *, steps: int) -> tuple[float, float, int]:
    """Steps per second with the in-model front end and with precomputed input, measured in
    interleaved steps (one of each per round, medians), so a busy machine slows both alike."""
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    runs = []
    for front_end in (True, False):
        model = models.tagging_cnn(filters=filters, front_end=front_end)
        model.compile(optimizer="adam", loss="binary_crossentropy")
        x, y = _training_batch(model, rng)
        model.train_on_batch(x, y)  # builds and traces the training step
        runs.append((model, x, y, []))
    for _ in range(steps):
        for model, x, y, times in runs:
            t = time.perf_counter()
            model.train_on_batch(x, y)
            times.append(time.perf_counter() - t)
    fe, pre = (1.0 / float(np.median(times)) for *_, times in runs)
    return fe, pre, runs[0][0].count_params()


def front_end_ms(*, repeat: int = 5) -> float:
    """Milliseconds for the front end alone (mel spectrogram and dB) on one batch of chunks."""
    import keras

    model = models.tagging_cnn(filters=(4,), dense_units=0)
    front = keras.Model(model.input, model.get_layer("decibels").output)
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (BATCH, CHUNK)).astype(np.float32)
    front(x)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        np.asarray(front(x))
        times.append(time.perf_counter() - t)
    return 1000 * float(np.median(times))


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=160, help="demo clips to read (29 s each)")
    parser.add_argument("--steps", type=int, default=3, help="timed training steps per model")
    parser.add_argument("--repeat", type=int, default=2, help="pipeline rounds; medians shown")
    args = parser.parse_args()
    with config.quiet_native_stderr():
        import tensorflow as tf

    models.setup_device(verbose=False)
    gpus = tf.config.list_physical_devices("GPU")
    paths, labels, source = demo_clips(args.clips)
    device = f"{len(gpus)} GPU(s)" if gpus else f"CPU only, {os.cpu_count()} cores"
    print(f"{len(paths)} demo MTAT clips (16 kHz mono mp3, 29 s) from {source}; {device}")
    print(f"chunks of {CHUNK} samples ({CHUNK / layouts.MTAT_SR:.2f} s), batches of {BATCH}")

    times = {"mp3": [], "cold": [], "warm": []}
    epoch_seconds(paths[:BATCH], labels[:BATCH], None)  # start TensorFlow's data workers
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache:
            times["mp3"].append(epoch_seconds(paths, labels, None))
            times["cold"].append(epoch_seconds(paths, labels, cache))
            times["warm"].append(epoch_seconds(paths, labels, cache))
    rate = {k: len(paths) / float(np.median(v)) for k, v in times.items()}

    print()
    print(f"pipeline (median of {args.repeat} rounds)      clips/s   vs mp3")
    labels_of = {
        "mp3": "decode every mp3 (no cache)",
        "cold": "decoded-audio cache, cold (decode + write)",
        "warm": "decoded-audio cache, warm (read .npy)",
    }
    for k in ("mp3", "cold", "warm"):
        print(f"  {labels_of[k]:<44s}{rate[k]:8.1f}{rate[k] / rate['mp3']:8.2f}x")

    print()
    print(f"training steps (batch 16, median of {args.steps} interleaved)  steps/s  vs precomputed")
    results = {}
    for name, filters in (("full width", FULL), ("quarter width", QUARTER)):
        fe, pre, n_params = steps_per_second(filters, steps=args.steps)
        results[name] = (fe, pre)
        print(f"  {name} ({n_params / 1e6:.2f} M parameters)")
        print(f"    {'mel front end in the model (raw audio in)':<44s}{fe:8.3f}{fe / pre:10.2f}x")
        print(f"    {'precomputed log-mel spectrograms in':<44s}{pre:8.3f}{1.0:10.2f}x")
    print(f"  the front end alone (mel + dB of one batch, forward): {front_end_ms():.0f} ms")

    print()
    print(
        f"one epoch of the real top-50 training split ({models.TOP50_TRAIN_CLIPS:,} clips, one "
        "chunk each), models.epoch_estimate (as notebook 07 prints it), reading from the warm cache:"
    )
    for name, (fe, _) in results.items():
        filters = FULL if name == "full width" else QUARTER
        cost = models.epoch_estimate(
            seconds_per_chunk=1.0 / (fe * BATCH),
            clips_per_second=rate["warm"],
            flops=models.forward_flops(models.tagging_cnn(filters=filters)),
            device="GPU" if gpus else "CPU",
        )
        print(f"  {name}:")
        print("    " + cost.round(1).to_string().replace("\n", "\n    "))
    print(f"  reading from mp3 instead: {hours(models.TOP50_TRAIN_CLIPS / rate['mp3'])}")
    print()
    print("Measured on this machine in one run; a busy machine makes every number noisy.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
