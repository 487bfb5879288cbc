"""Training speed of the series' networks, measured against this machine's own limit.

For the networks the notebooks train (02's dense network, 03's stacked and parallel CNNs,
04's CompactCNN, 07's tagging CNN at the notebook's width, 09's Siamese encoder), one run
measures the training throughput on random inputs of the notebooks' shapes (the input
pipeline is measured by ``input_pipeline.py``), in examples per second and in FLOP/s (the
forward-pass count of ``models.forward_flops``, training taken as 3 forward passes), as a
share of the machine's sustained float32 matrix-multiply rate, measured in the same run
with a large ``matmul`` in the same framework on all cores.

Modes, one row each per model:

- ``tensorflow``: the notebooks' configuration on a CPU (no XLA: Keras's
  ``jit_compile="auto"`` turns it off where there is no GPU; batch normalisation by
  ``utils.layers.BatchNormalization``, one fused kernel);
- ``tensorflow-keras-bn``: the same with Keras 3's own ``BatchNormalization`` (separate
  mean, variance and normalisation ops): the configuration before the fused layer;
- ``tensorflow+xla``: the same with ``jit_compile=True``;
- ``jax``: the JAX backend (``KERAS_BACKEND=jax``, always compiled with XLA), run in a
  subprocess since a process has one backend; skipped with the reason when JAX is missing.

The machine's load changes the absolute numbers; the ratios of one run compare fairly.
Always exits 0.

    python benchmarks/training_speed.py [--seconds S] [--models NAME ...] [--modes MODE ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: The networks as the notebooks build them: builder, input shape, outputs, batch size.
#: 02 and 03 read 40 mel bands x 80 frames; 04 96 x 96 (features.MTAT_LOGMEL); 07 raw audio
#: chunks of 3.69 s at 16 kHz, filters a sixteenth (quick) or an eighth (full, CPU) of Won
#: et al.'s; 09's encoder maps 1,688 hand-crafted numbers to 32.
MODELS = {
    "02 dense": dict(
        build="dense", shape=(40, 80), kw=dict(units=(256, 256), dropout=0.5), batch=32
    ),
    "03 stacked CNN": dict(
        build="stacked_cnn", shape=(40, 80), kw=dict(filters=(8, 16, 32)), batch=32
    ),
    "03 parallel CNN": dict(build="parallel_cnn", shape=(40, 80), kw={}, batch=32),
    "04 CompactCNN": dict(
        build="compact_cnn", shape=(96, 96), kw=dict(filters=(16, 32, 64, 64)), batch=32
    ),
    "07 tagging CNN /8": dict(
        build="tagging_cnn",
        shape=None,
        kw=dict(filters=(16, 16, 32, 32, 32, 32, 64), dense_units=64, n_mels=128, n_outputs=50),
        batch=16,
    ),
    "09 Siamese encoder": dict(
        build="dense",
        shape=(1688,),
        kw=dict(units=(128,), dropout=0.3, n_outputs=32, output_activation="linear"),
        batch=64,
    ),
}
#: The models with batch normalisation (the others are the same in both TensorFlow modes).
FUSED_BN_MODELS = ("03 stacked CNN", "03 parallel CNN", "04 CompactCNN", "07 tagging CNN /8")
MODES = ("tensorflow", "tensorflow-keras-bn", "tensorflow+xla", "jax")


def build(name: str, *, keras_bn: bool = False):
    """The notebook's network; ``keras_bn``: with Keras' own batch normalisation layers."""
    import keras

    from utils import layers, models

    spec = MODELS[name]
    builder = getattr(models, spec["build"])
    if spec["shape"] is None:
        model = builder(**spec["kw"])
    else:
        model = builder(spec["shape"], **spec["kw"])
    if keras_bn:

        def clone(layer):
            if isinstance(layer, layers.BatchNormalization):
                return keras.layers.BatchNormalization.from_config(layer.get_config())
            return layer.__class__.from_config(layer.get_config())

        model = keras.models.clone_model(model, clone_function=clone)
        assert not any(isinstance(layer, layers.BatchNormalization) for layer in model.layers)
    return model


def matmul_limit(seconds: float, n: int = 2048) -> float:
    """Sustained float32 FLOP/s of an n x n matmul in the running backend, all cores."""
    import keras

    rng = np.random.default_rng(0)
    a = keras.ops.convert_to_tensor(rng.normal(size=(n, n)).astype("float32"))
    b = keras.ops.convert_to_tensor(rng.normal(size=(n, n)).astype("float32"))
    keras.ops.convert_to_numpy(keras.ops.matmul(a, b))  # warm up
    best, t_end = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        t = time.perf_counter()
        c = a
        for _ in range(4):
            c = keras.ops.matmul(c, b) * (1.0 / n)
        keras.ops.convert_to_numpy(c[0, 0])
        best = max(best, 4 * 2 * n**3 / (time.perf_counter() - t))
    return best


def throughput(name: str, *, jit: bool, seconds: float, keras_bn: bool = False) -> dict:
    """Examples per second of ``model.fit`` on random data, after a compiled warm-up epoch."""
    import keras

    from utils import config, models

    config.set_seed(0)
    spec = MODELS[name]
    model = build(name, keras_bn=keras_bn)
    flops = models.forward_flops(model)
    shape = tuple(model.input_shape[1:])
    outputs = model.output_shape[-1]
    steps = 20
    rng = np.random.default_rng(0)
    x = rng.normal(size=(spec["batch"] * steps, *shape)).astype("float32")
    y = (rng.random((len(x), outputs)) < 0.3).astype("float32")
    loss = "mse" if spec["kw"].get("output_activation") == "linear" else "binary_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss, jit_compile=jit)
    model.fit(x, y, batch_size=spec["batch"], epochs=1, verbose=0)  # compile, warm up
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        model.fit(x, y, batch_size=spec["batch"], epochs=1, verbose=0)
        done += len(x)
    rate = done / (time.perf_counter() - t0)
    return {"examples_per_s": rate, "flop_per_s": 3 * flops * rate, "forward_flops": flops}


def run_here(mode: str, names, seconds: float) -> dict:
    """One mode in this process (its backend must be the running one)."""
    limit = matmul_limit(seconds)
    rows = {}
    for name in names:
        try:
            rows[name] = throughput(
                name,
                jit=mode.endswith("xla") or mode == "jax",
                seconds=seconds,
                keras_bn=mode.endswith("keras-bn"),
            )
        except Exception as err:  # a model this backend cannot compile: say so, go on
            rows[name] = {"error": f"{type(err).__name__}: {str(err).splitlines()[0][:120]}"}
    return {"limit": limit, "rows": rows}


def run_mode(mode: str, names, seconds: float) -> dict:
    backend = "jax" if mode == "jax" else "tensorflow"
    if backend == "jax":
        try:
            import importlib.util

            if importlib.util.find_spec("jax") is None:
                return {"skipped": "JAX is not installed (requirements.txt installs its CPU build)"}
        except ValueError:
            pass
    env = dict(os.environ, KERAS_BACKEND=backend)
    command = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--seconds",
        str(seconds),
        "--models",
        *names,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"skipped": f"the {mode} run failed: {done.stderr.strip().splitlines()[-1:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(results: dict) -> str:
    lines = [
        "| model | mode | batch | examples/s | achieved GFLOP/s | matmul limit GFLOP/s | share of limit |",
        "|---|---|---|---|---|---|---|",
    ]
    for mode, res in results.items():
        if "skipped" in res:
            lines.append(f"| - | {mode} | - | skipped: {res['skipped']} | - | - | - |")
            continue
        limit = res["limit"]
        for name, row in res["rows"].items():
            batch = MODELS[name]["batch"]
            if "error" in row:
                lines.append(f"| {name} | {mode} | {batch} | {row['error']} | - | - | - |")
                continue
            lines.append(
                f"| {name} | {mode} | {batch} | {row['examples_per_s']:,.0f} | "
                f"{row['flop_per_s'] / 1e9:.2f} | {limit / 1e9:.1f} | {row['flop_per_s'] / limit:.1%} |"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per measurement")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    parser.add_argument("--child", choices=list(MODES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_here(args.child, args.models, args.seconds)))
        return 0
    print(f"Training throughput on random inputs, {os.cpu_count()} cores, {args.seconds:g} s each")
    results = {mode: run_mode(mode, args.models, args.seconds) for mode in args.modes}
    print(table(results))
    for name in args.models:
        base = results.get("tensorflow", {}).get("rows", {}).get(name, {})
        if "examples_per_s" not in base:
            continue
        gains = []
        for mode in args.modes[1:]:
            row = results[mode].get("rows", {}).get(name, {}) if "rows" in results[mode] else {}
            if "examples_per_s" in row:
                gains.append(f"{mode} {row['examples_per_s'] / base['examples_per_s']:.2f}x")
        if gains:
            print(f"{name}: speed vs tensorflow: {', '.join(gains)}")
        before = results.get("tensorflow-keras-bn", {}).get("rows", {}).get(name, {})
        if "examples_per_s" in before and name in FUSED_BN_MODELS:
            gain = base["examples_per_s"] / before["examples_per_s"]
            print(f"{name}: fused batch normalisation {gain:.2f}x Keras' own")
    return 0


if __name__ == "__main__":
    sys.exit(main())
