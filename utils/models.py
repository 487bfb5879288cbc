"""Keras model builders, activation functions, and device set-up.

:func:`setup_device` is called once at the top of every notebook that trains: it reports
the CPU or GPU, turns on GPU memory growth, and on a GPU switches Keras to mixed precision
when asked to (on a CPU ``mixed_float16`` is several times slower, so it stays off there).

The builders return uncompiled Keras 3 models (functional API, named layers), so a
notebook shows ``model.compile(...)`` and ``model.fit(...)`` itself. They never change the
global dtype policy; under ``mixed_float16`` their output layer computes in float32, which
keeps the softmax and the loss numerically stable.

:data:`ACTIVATIONS` holds the activation functions of the 2018 slides with their
derivatives, in NumPy, for plotting and for checking against ``keras.activations``.
"""

from __future__ import annotations

import os
import platform

import numpy as np

from .config import quiet_native_stderr

__all__ = [
    "ACTIVATIONS",
    "dense",
    "distribution_strategy",
    "logistic_regression",
    "setup_device",
]


def setup_device(*, mixed_precision: bool | str = "auto", verbose: bool = True) -> dict:
    """Find the accelerator, enable GPU memory growth, and choose the Keras dtype policy.

    Also quiets TensorFlow's Python logger to errors: its notes on re-traced functions,
    printed when a notebook builds and evaluates many small models, are not for learners.

    Parameters
    ----------
    mixed_precision : bool or "auto"
        ``"auto"`` and ``True`` use ``mixed_float16`` on a GPU and ``float32`` on a CPU;
        ``False`` always uses ``float32``.
    verbose : bool
        Print one line saying what was found, and a warning when there is no GPU.

    Returns
    -------
    dict
        ``device`` (``"GPU"`` or ``"CPU"``), ``gpus`` (count), ``names`` (list of str),
        ``policy`` (the Keras dtype policy name), ``cpu_count`` (int).

    Example
    -------
    >>> info = setup_device(verbose=False); info["device"] in ("CPU", "GPU")
    True
    """
    with quiet_native_stderr():
        import keras
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
    # Notebooks build many small models; TensorFlow's "retracing" notes about that are noise.
    tf.get_logger().setLevel("ERROR")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised: memory growth can no longer change
            pass
    use_mixed = bool(gpus) and mixed_precision in (True, "auto")
    policy = "mixed_float16" if use_mixed else "float32"
    keras.mixed_precision.set_global_policy(policy)
    names = []
    for gpu in gpus:
        try:
            names.append(
                tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
            )
        except Exception:  # details are not available on every platform
            names.append(gpu.name)
    info = {
        "device": "GPU" if gpus else "CPU",
        "gpus": len(gpus),
        "names": names,
        "policy": policy,
        "cpu_count": os.cpu_count() or 1,
    }
    if verbose:
        if gpus:
            print(f"GPU: {', '.join(names)} ({len(gpus)} device(s)); Keras policy {policy}")
        else:
            print(
                f"CPU only ({info['cpu_count']} cores, {platform.processor() or platform.machine()}); "
                f"Keras policy {policy}"
            )
            print(
                "Warning: no GPU found. Everything runs on the CPU, only slower; "
                "quick mode (MUSICDL_QUICK=1) keeps each notebook to about a minute."
            )
    return info


def distribution_strategy():
    """A ``tf.distribute`` strategy: mirrored over all GPUs when there are several, else the default.

    Build and compile models inside ``with distribution_strategy().scope():``.
    """
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


# --------------------------------------------------------------------------------------
# Activation functions (the table of the 2018 slides)
# --------------------------------------------------------------------------------------


def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


#: Default slope of PReLU for negative inputs (learned in a network; fixed here to plot it).
PRELU_ALPHA = 0.25
#: ELU's saturation value for large negative inputs is ``-ELU_ALPHA``.
ELU_ALPHA = 1.0

#: Name to ``(f, f')``: NumPy functions of an array, as in the 2018 slides' table.
#: The binary step's derivative is 0 everywhere it exists (it is undefined at 0).
ACTIVATIONS = {
    "identity": (lambda x: x, lambda x: np.ones_like(x)),
    "binary step": (lambda x: (x >= 0).astype(float), lambda x: np.zeros_like(x)),
    "logistic": (_logistic, lambda x: _logistic(x) * (1 - _logistic(x))),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "arctan": (np.arctan, lambda x: 1 / (x**2 + 1)),
    "relu": (lambda x: np.maximum(x, 0.0), lambda x: (x >= 0).astype(float)),
    "prelu": (
        lambda x: np.where(x < 0, PRELU_ALPHA * x, x),
        lambda x: np.where(x < 0, PRELU_ALPHA, 1.0),
    ),
    "elu": (
        lambda x: np.where(x < 0, ELU_ALPHA * np.expm1(np.minimum(x, 0)), x),
        lambda x: np.where(x < 0, ELU_ALPHA * np.exp(np.minimum(x, 0)), 1.0),
    ),
    "softplus": (lambda x: np.logaddexp(0.0, x), _logistic),
}


# --------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------


def _head(n_outputs: int, output_activation):
    if output_activation is None:
        output_activation = "sigmoid" if n_outputs == 1 else "softmax"
    return output_activation


def _features(inputs, keras):
    """Flatten inputs of rank > 1 (a log-mel segment is a 2-D image)."""
    return keras.layers.Flatten(name="flatten")(inputs) if len(inputs.shape) > 2 else inputs


def logistic_regression(
    input_shape, *, n_outputs: int = 1, output_activation=None, name="logistic_regression"
):
    """Logistic regression as a network of one layer: ``y = sigma(b + w . x)``.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one example, e.g. ``(2,)`` or ``(40, 80)`` (flattened first).
    n_outputs : int
        1 for a binary task (one neuron, sigmoid); more gives multinomial logistic
        regression (softmax over ``n_outputs`` neurons).
    output_activation : str, optional
        Overrides the default ``"sigmoid"`` (one output) or ``"softmax"``.
    name : str
        The model's name.

    Returns
    -------
    keras.Model
        Uncompiled; ``prod(input_shape) * n_outputs + n_outputs`` parameters.

    Example
    -------
    >>> logistic_regression((2,)).count_params()
    3
    """
    with quiet_native_stderr():
        import keras

    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = _features(inputs, keras)
    outputs = keras.layers.Dense(
        n_outputs, activation=_head(n_outputs, output_activation), dtype="float32", name="output"
    )(x)
    return keras.Model(inputs, outputs, name=name)


def dense(
    input_shape,
    *,
    units=(256, 256),
    activation="relu",
    dropout: float = 0.0,
    n_outputs: int = 1,
    output_activation=None,
    name="dense",
):
    """A fully connected network (multi-layer perceptron): stacked logistic regressions.

    ``h_1 = f(b_1 + W_1 x)``, ..., ``y = sigma(b + W h_k)``, with dropout after each hidden
    layer when asked for.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one example, e.g. ``(2,)`` or ``(40, 80)`` (flattened first).
    units : sequence of int
        Neurons in each hidden layer; ``()`` gives a logistic regression.
    activation : str
        Activation of the hidden layers: any ``keras.activations`` name (``"relu"``,
        ``"tanh"``, ``"sigmoid"``, ``"elu"``, ...) or ``"prelu"`` (a learned slope).
    dropout : float
        Fraction of hidden activations set to zero while training (0 = no dropout layers).
    n_outputs : int
        Output neurons: 1 for a binary task, the number of classes or tags otherwise.
    output_activation : str, optional
        Defaults to ``"sigmoid"`` for one output, else ``"softmax"``; use ``"sigmoid"`` for
        multi-label tagging and ``"linear"`` for regression.
    name : str
        The model's name.

    Returns
    -------
    keras.Model
        Uncompiled. Layers are named ``hidden_1``, ``dropout_1``, ..., ``output``.

    Example
    -------
    >>> model = dense((2,), units=(4,))
    >>> model.count_params()  # (2 * 4 + 4) + (4 * 1 + 1)
    17
    """
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), found {dropout}")
    with quiet_native_stderr():
        import keras

    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = _features(inputs, keras)
    for i, n in enumerate(units, start=1):
        if activation == "prelu":
            x = keras.layers.Dense(n, name=f"hidden_{i}")(x)
            x = keras.layers.PReLU(name=f"prelu_{i}")(x)
        else:
            x = keras.layers.Dense(n, activation=activation, name=f"hidden_{i}")(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    outputs = keras.layers.Dense(
        n_outputs, activation=_head(n_outputs, output_activation), dtype="float32", name="output"
    )(x)
    return keras.Model(inputs, outputs, name=name)
