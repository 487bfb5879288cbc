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
  ``utils.layers.BatchNormalization``, one fused kernel; 02 and 03, which train on a few
  hundred examples, compile with ``models.SMALL_DATA``: 64 steps per call);
- ``tensorflow-before``: the configuration before the fused layer and ``SMALL_DATA``:
  Keras 3's own ``BatchNormalization`` (separate mean, variance and normalisation ops)
  and one step per call of the compiled function;
- ``tensorflow+xla``: the notebooks' configuration with ``jit_compile=True``;
- ``jax``: the JAX backend (``KERAS_BACKEND=jax``, always compiled with XLA), run in a
  subprocess since a process has one backend; skipped with the reason when JAX is missing.

The TensorFlow modes run in one process and take turns model by model (``ROUNDS`` times,
the best round counting), so a change in the machine's load mid-run does not favour one
of them; JAX runs in a second process. The load changes the absolute numbers; the ratios
of one run compare fairly. Always exits 0.

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

#: The networks as the notebooks build them: builder, input shape, outputs, batch size,
#: and whether the notebook compiles with ``models.SMALL_DATA``.
#: 02 and 03 read 40 mel bands x 80 frames; 04 96 x 96 (features.MTAT_LOGMEL); 07 raw audio
#: chunks of 3.69 s at 16 kHz, filters a sixteenth (quick) or an eighth (full, CPU) of Won
#: et al.'s; 09's encoder maps 1,688 hand-crafted numbers to 32.
MODELS = {
    "02 dense": dict(
        build="dense",
        shape=(40, 80),
        kw=dict(units=(256, 256), dropout=0.5),
        batch=32,
        small_data=True,
    ),
    "03 stacked CNN": dict(
        build="stacked_cnn",
        shape=(40, 80),
        kw=dict(filters=(8, 16, 32)),
        batch=32,
        small_data=True,
    ),
    "03 parallel CNN": dict(build="parallel_cnn", shape=(40, 80), kw={}, batch=32, small_data=True),
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
#: Rounds per measurement: the modes of a backend take turns this many times per model.
ROUNDS = 2
MODES = ("tensorflow", "tensorflow-before", "tensorflow+xla", "jax")


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


def prepare(name: str, mode: str) -> dict:
    """The model of ``name`` built and compiled as ``mode`` does, with one warm-up epoch."""
    import keras

    from utils import config, models

    config.set_seed(0)
    spec = MODELS[name]
    before = mode == "tensorflow-before"
    model = build(name, keras_bn=before)
    shape = tuple(model.input_shape[1:])
    outputs = model.output_shape[-1]
    steps = 20
    rng = np.random.default_rng(0)
    x = rng.normal(size=(spec["batch"] * steps, *shape)).astype("float32")
    y = (rng.random((len(x), outputs)) < 0.3).astype("float32")
    loss = "mse" if spec["kw"].get("output_activation") == "linear" else "binary_crossentropy"
    jit = mode.endswith("xla") or mode == "jax"
    extra = models.SMALL_DATA if spec.get("small_data") and not before else {}
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss, jit_compile=jit, **extra)
    model.fit(x, y, batch_size=spec["batch"], epochs=1, verbose=0)  # compile, warm up
    bn = sum("BatchNormalization" in type(layer).__name__ for layer in model.layers)
    return {
        "model": model,
        "x": x,
        "y": y,
        "batch": spec["batch"],
        "flops": models.forward_flops(model),
        "batch_norm_layers": bn,
    }


def examples_per_second(prepared: dict, seconds: float) -> float:
    """Examples per second of ``model.fit`` over ``seconds`` on the prepared random data."""
    model, x, y = prepared["model"], prepared["x"], prepared["y"]
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        model.fit(x, y, batch_size=prepared["batch"], epochs=1, verbose=0)
        done += len(x)
    return done / (time.perf_counter() - t0)


def run_here(modes, names, seconds: float, rounds: int = ROUNDS) -> dict:
    """Modes of the running backend in this process, interleaved model by model.

    Each model is built once per mode; then ``rounds`` times over, each mode trains for
    ``seconds / rounds``, and its best round counts. Interleaving keeps a change in the
    machine's load (other processes, a virtual machine's stolen time) from favouring
    whichever mode ran while the machine was quiet. The matmul limit is the best of one
    measurement before the models and one after.
    """
    limit = matmul_limit(seconds / 2)
    rows = {mode: {} for mode in modes}
    for name in names:
        prepared = {}
        for mode in modes:
            try:
                prepared[mode] = prepare(name, mode)
            except Exception as err:  # a model this backend cannot compile: say so, go on
                text = str(err).splitlines()[0][:120] if str(err) else ""
                rows[mode][name] = {"error": f"{type(err).__name__}: {text}"}
        best = dict.fromkeys(prepared, 0.0)
        for _ in range(rounds):
            for mode, prep in prepared.items():
                best[mode] = max(best[mode], examples_per_second(prep, seconds / rounds))
        for mode, rate in best.items():
            flops = prepared[mode]["flops"]
            rows[mode][name] = {
                "examples_per_s": rate,
                "flop_per_s": 3 * flops * rate,
                "forward_flops": flops,
                "batch_norm_layers": prepared[mode]["batch_norm_layers"],
            }
    limit = max(limit, matmul_limit(seconds / 2))
    return {mode: {"limit": limit, "rows": rows[mode]} for mode in modes}


def run_backend(backend: str, modes, names, seconds: float) -> dict:
    """The modes of one backend, in a subprocess (a process has one Keras backend)."""
    if backend == "jax":
        try:
            import importlib.util

            if importlib.util.find_spec("jax") is None:
                reason = "JAX is not installed (requirements.txt installs its CPU build)"
                return {mode: {"skipped": reason} for mode in modes}
        except ValueError:
            pass
    env = dict(os.environ, KERAS_BACKEND=backend)
    command = [sys.executable, __file__, "--seconds", str(seconds), "--models", *names]
    command += ["--child", *modes]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = f"the {backend} run failed: {done.stderr.strip().splitlines()[-1:]}"
        return {mode: {"skipped": reason} for mode in modes}
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
    parser.add_argument("--child", nargs="+", choices=list(MODES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_here(args.child, args.models, args.seconds)))
        return 0
    print(f"Training throughput on random inputs, {os.cpu_count()} cores, {args.seconds:g} s each")
    results = {}
    for backend in ("tensorflow", "jax"):
        modes = [m for m in args.modes if (m == "jax") == (backend == "jax")]
        if modes:
            results.update(run_backend(backend, modes, args.models, args.seconds))
    results = {mode: results[mode] for mode in args.modes}
    from utils import models  # SMALL_DATA, for the summary lines

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
        before = results.get("tensorflow-before", {}).get("rows", {}).get(name, {})
        changes = ["fused batch normalisation"] if before.get("batch_norm_layers") else []
        steps = models.SMALL_DATA["steps_per_execution"]
        changes += [f"{steps} steps per call"] if MODELS[name].get("small_data") else []
        if "examples_per_s" in before and changes:
            gain = base["examples_per_s"] / before["examples_per_s"]
            print(
                f"{name}: the notebooks' configuration {gain:.2f}x the one before "
                f"({' and '.join(changes)})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
