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

import contextlib
import os
import platform

import numpy as np

from . import config
from .config import quiet_native_stderr

__all__ = [
    "ACTIVATIONS",
    "RUNS_DIR",
    "SMALL_DATA",
    "compact_cnn",
    "dense",
    "distribution_strategy",
    "epoch_estimate",
    "forward_flops",
    "gradient_norms",
    "front_end_settings",
    "layer_types",
    "load_model",
    "logistic_regression",
    "parallel_cnn",
    "rnn",
    "same_network",
    "setup_device",
    "siamese",
    "tensorboard",
    "SIAMESE_INPUTS",
    "single_cnn",
    "stacked_cnn",
    "tagging_cnn",
    "T4_ASSUMED_FLOPS",
    "TOP50_TRAIN_CLIPS",
    "train_step_seconds",
    "WON2020_CHUNK_SAMPLES",
]


#: Compile options for tiny data sets (a few hundred examples): 64 training steps per call
#: of the compiled function, which saves Keras's per-step Python overhead.
SMALL_DATA = {"steps_per_execution": 64}

#: Where :func:`tensorboard` writes: ``runs/<notebook>/<run>`` in the project (git-ignored;
#: ``make clean`` removes it, ``make tensorboard`` shows it).
RUNS_DIR = config.repo_root() / "runs"


def tensorboard(notebook: str, run: str, *, root=None):
    """A ``keras.callbacks.TensorBoard`` writing to ``runs/<notebook>/<run>``, emptied first.

    Parameters
    ----------
    notebook : str
        The notebook's stem, e.g. ``"02_deep_learning_basics"``.
    run : str
        The run's name within it, e.g. ``"plain"``.
    root : str or pathlib.Path, optional
        The folder of all runs; default :data:`RUNS_DIR`.

    Returns
    -------
    keras.callbacks.TensorBoard
        Pass it to ``model.fit(..., callbacks=[...])``; it logs the loss and the metrics of
        every epoch (``train/`` and ``validation/`` sub-folders). View them with
        ``make tensorboard`` or ``%tensorboard --logdir runs`` in Jupyter.
    """
    import shutil
    from pathlib import Path

    with quiet_native_stderr():
        import keras

    folder = Path(root or RUNS_DIR) / notebook / run
    shutil.rmtree(folder, ignore_errors=True)  # a re-run replaces its curves
    return keras.callbacks.TensorBoard(log_dir=str(folder), histogram_freq=0, write_graph=False)


def layer_types(model) -> list[str]:
    """The class names of a model's layers in order, input layers left out.

    Two models built differently (``keras.Sequential``, the functional API, a builder of
    this module) are the same network when their layer types and parameter counts agree.

    Example
    -------
    >>> layer_types(dense((2,), units=(4,)))
    ['Dense', 'Dense']
    """
    return [type(layer).__name__ for layer in model.layers if type(layer).__name__ != "InputLayer"]


def same_network(a, b) -> bool:
    """Whether two Keras models have the same layer types in the same order and as many
    parameters (:func:`layer_types`).

    Example
    -------
    >>> same_network(dense((2,), units=(4,)), dense((2,), units=(4,), name="other"))
    True
    """
    return layer_types(a) == layer_types(b) and a.count_params() == b.count_params()


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
        ``policy`` (the Keras dtype policy name), ``cpu_count`` (int), ``backend`` (Keras's:
        ``"tensorflow"``, ``"jax"`` or ``"torch"``; GPUs are found through its own API).

    Example
    -------
    >>> info = setup_device(verbose=False); info["device"] in ("CPU", "GPU")
    True
    """
    with quiet_native_stderr():
        import keras

        backend = keras.backend.backend()
        names = _accelerators(backend)
    use_mixed = bool(names) and mixed_precision in (True, "auto")
    policy = "mixed_float16" if use_mixed else "float32"
    keras.mixed_precision.set_global_policy(policy)
    info = {
        "device": "GPU" if names else "CPU",
        "gpus": len(names),
        "names": names,
        "policy": policy,
        "cpu_count": os.cpu_count() or 1,
        "backend": backend,
    }
    if verbose:
        if names:
            print(
                f"GPU: {', '.join(names)} ({len(names)} device(s)); Keras {backend} backend, "
                f"policy {policy}"
            )
        else:
            print(
                f"CPU only ({info['cpu_count']} cores, {platform.processor() or platform.machine()}); "
                f"Keras {backend} backend, policy {policy}"
            )
            print(
                "Warning: no GPU found. Everything runs on the CPU, only slower; "
                "quick mode (MUSICDL_QUICK=1) keeps each notebook to about a minute."
            )
    return info


def _accelerators(backend: str) -> list[str]:
    """The GPUs the Keras backend sees, by name, asked through the backend's own API.

    On TensorFlow, memory growth is turned on for each (so notebooks share a GPU) and its
    Python logger is quieted to errors: its notes on re-traced functions, printed when a
    notebook builds and evaluates many small models, are not for learners.
    """
    if backend == "jax":
        import jax

        return [str(getattr(d, "device_kind", d)) for d in jax.devices() if d.platform == "gpu"]
    if backend == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    gpus = tf.config.list_physical_devices("GPU")
    names = []
    for gpu in gpus:
        # already initialised: memory growth can no longer change
        with contextlib.suppress(RuntimeError):
            tf.config.experimental.set_memory_growth(gpu, True)
        try:
            names.append(
                tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
            )
        except Exception:  # details are not available on every platform
            names.append(gpu.name)
    return names


def gradient_norms(model, x, y, variables, *, loss=None) -> list[float]:
    """The norm of the gradient of the loss on one batch with respect to each variable.

    Training is this gradient followed by a step downhill; its size per layer shows how
    much each layer would learn (notebook 02's vanishing gradient). Each backend has its
    own automatic differentiation, and this asks the one Keras runs on: TensorFlow's
    ``tf.GradientTape`` (record the forward pass, then differentiate it) or JAX's
    ``jax.grad`` (differentiate a pure function of the weights, here
    ``model.stateless_call``).

    Parameters
    ----------
    model : keras.Model
        The network; its weights are not changed.
    x, y : np.ndarray
        One batch of inputs and targets.
    variables : list of keras.Variable
        The weights to differentiate for, e.g. each hidden layer's ``kernel``.
    loss : callable, optional
        ``loss(y_true, y_pred)`` per example; default binary cross-entropy. Its sum over the
        batch is differentiated.

    Returns
    -------
    list of float
        The L2 norm of each variable's gradient, in the order given.

    Example
    -------
    >>> net = dense((3,), units=(4,))
    >>> x, y = np.ones((2, 3), "float32"), np.ones((2, 1), "float32")
    >>> len(gradient_norms(net, x, y, [net.layers[1].kernel]))
    1
    """
    import keras

    loss = keras.losses.binary_crossentropy if loss is None else loss
    x, y = keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(y)
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        trainable = [v.value for v in model.trainable_variables]
        others = [v.value for v in model.non_trainable_variables]
        paths = [v.path for v in model.trainable_variables]
        wanted = [paths.index(v.path) for v in variables]

        def total(weights):
            y_pred, _ = model.stateless_call(weights, others, x, training=True)
            return keras.ops.sum(loss(y, y_pred))

        grads = jax.grad(total)(trainable)
        grads = [grads[i] for i in wanted]
    elif backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            total = keras.ops.sum(loss(y, model(x, training=True)))
        grads = tape.gradient(total, variables)
    else:
        raise NotImplementedError(f"gradient_norms has no {backend} route (tensorflow, jax)")
    return [float(np.linalg.norm(keras.ops.convert_to_numpy(g))) for g in grads]


def distribution_strategy(*, devices=None):
    """A ``tf.distribute`` strategy: mirrored over several devices when there are, else the default.

    Build and compile models inside ``with distribution_strategy().scope():``; ``model.fit``
    then splits each batch over the replicas and averages their gradients. The same code
    runs on one CPU, one GPU or several GPUs.

    Parameters
    ----------
    devices : sequence of str, optional
        Mirror over exactly these devices (e.g. ``["/cpu:0", "/cpu:1"]``, two logical CPUs
        made with ``tf.config.set_logical_device_configuration``). Default: all GPUs when
        there are several, else TensorFlow's default strategy (one device).

    Returns
    -------
    tf.distribute.Strategy
        ``.num_replicas_in_sync`` says how many devices share each batch.

    Example
    -------
    ::

        distribution_strategy().num_replicas_in_sync >= 1
        # True
    """
    import tensorflow as tf

    if devices is not None:
        return tf.distribute.MirroredStrategy(list(devices))
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


def _output(x, keras, n_outputs, output_activation):
    """The output layer: float32 even under mixed precision, which keeps the loss stable."""
    return keras.layers.Dense(
        n_outputs, activation=_head(n_outputs, output_activation), dtype="float32", name="output"
    )(x)


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
    outputs = _output(x, keras, n_outputs, output_activation)
    return keras.Model(inputs, outputs, name=name)


def dense(
    input_shape,
    *,
    units=(256, 256),
    activation="relu",
    dropout: float = 0.0,
    l1: float = 0.0,
    l2: float = 0.0,
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
    l1, l2 : float
        Weight penalties of the hidden layers' kernels: ``l1 * sum(|w|) + l2 * sum(w**2)`` is
        added to the loss while training (0 = none).
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
    penalty = keras.regularizers.L1L2(l1=l1, l2=l2) if (l1 or l2) else None
    for i, n in enumerate(units, start=1):
        if activation == "prelu":
            x = keras.layers.Dense(n, kernel_regularizer=penalty, name=f"hidden_{i}")(x)
            x = keras.layers.PReLU(name=f"prelu_{i}")(x)
        else:
            x = keras.layers.Dense(
                n, activation=activation, kernel_regularizer=penalty, name=f"hidden_{i}"
            )(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    outputs = _output(x, keras, n_outputs, output_activation)
    return keras.Model(inputs, outputs, name=name)


def _image_input(input_shape, keras):
    """An input of shape (bands, frames) gets a channel axis: (bands, frames, 1)."""
    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = inputs
    if len(input_shape) == 2:
        x = keras.layers.Reshape((*input_shape, 1), name="add_channel")(inputs)
    return inputs, x


def _conv_block(
    x, keras, *, filters, kernel_size, pool_size, activation, batch_norm, name, bn_momentum=0.9
):
    from . import layers  # the same batch normalisation as Keras', fused on TensorFlow

    x = keras.layers.Conv2D(filters, kernel_size, use_bias=not batch_norm, name=f"{name}_conv")(x)
    if batch_norm:
        x = layers.BatchNormalization(momentum=bn_momentum, name=f"{name}_bn")(x)
    x = keras.layers.Activation(activation, name=f"{name}_{activation}")(x)
    if pool_size is not None and tuple(pool_size) != (1, 1):
        x = keras.layers.MaxPooling2D(pool_size, name=f"{name}_pool")(x)
    return x


def _classifier(x, keras, *, dense_units, activation, dropout, n_outputs, output_activation):
    if dropout > 0:
        x = keras.layers.Dropout(dropout, name="dropout_features")(x)
    if dense_units:
        x = keras.layers.Dense(dense_units, activation=activation, name="dense")(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout, name="dropout_dense")(x)
    return _output(x, keras, n_outputs, output_activation)


def single_cnn(
    input_shape=(40, 80),
    *,
    filters: int = 15,
    kernel_size=(12, 8),
    pool_size=(2, 1),
    dense_units: int = 200,
    activation: str = "relu",
    batch_norm: bool = False,
    bn_momentum: float = 0.9,
    dropout: float = 0.5,
    n_outputs: int = 1,
    output_activation=None,
    name="single_cnn",
):
    """The 2018 tutorial's CNN: one convolution layer of 15 filter maps and one full layer.

    Conv2D(15, 12 x 8) -> max-pooling 2 x 1 -> flatten -> Dense(200) -> output, with
    dropout before and after the full layer (Schindler and Lidy's MIREX 2015 model; the
    2018 notebook used sigmoid activations, the default here is ReLU).

    Parameters
    ----------
    input_shape : tuple of int
        ``(mel bands, frames)`` or ``(bands, frames, channels)``.
    filters, kernel_size, pool_size
        The convolution layer: number of filters, their size (bands x frames), pooling.
    dense_units : int
        Units of the full layer (0: none).
    activation : str
        Activation of the convolution and full layers.
    batch_norm : bool
        Batch normalisation after the convolution.
    bn_momentum : float
        How much of its running statistics batch normalisation keeps at each training step
        (Keras's default 0.99 needs hundreds of steps to settle; 0.9 settles in tens).
    dropout : float
        Dropout rate around the full layer.
    n_outputs : int
        1 for a binary task, else the number of classes.
    output_activation : str, optional
        Defaults to sigmoid (one output) or softmax.
    name : str
        The model's name.

    Returns
    -------
    keras.Model
        Uncompiled.

    Example
    -------
    >>> single_cnn().count_params()  # (15 * 12 * 8 + 15) + (14 * 73 * 15 * 200 + 200) + 201
    3067856
    """
    with quiet_native_stderr():
        import keras

    inputs, x = _image_input(input_shape, keras)
    x = _conv_block(
        x,
        keras,
        filters=filters,
        kernel_size=kernel_size,
        pool_size=pool_size,
        activation=activation,
        batch_norm=batch_norm,
        bn_momentum=bn_momentum,
        name="conv1",
    )
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = _classifier(
        x,
        keras,
        dense_units=dense_units,
        activation=activation,
        dropout=dropout,
        n_outputs=n_outputs,
        output_activation=output_activation,
    )
    return keras.Model(inputs, outputs, name=name)


def stacked_cnn(
    input_shape=(40, 80),
    *,
    filters=(16, 32, 64),
    kernel_size=(3, 3),
    pool_size=(2, 2),
    dense_units: int = 64,
    activation: str = "relu",
    batch_norm: bool = True,
    bn_momentum: float = 0.9,
    dropout: float = 0.3,
    global_pool: bool = True,
    n_outputs: int = 1,
    output_activation=None,
    name="stacked_cnn",
):
    """Convolution blocks stacked one after another, each seeing a wider context.

    Each block: Conv2D -> (batch normalisation) -> activation -> max-pooling. Then global
    average pooling over bands and frames (or flatten), an optional full layer, the output.

    Parameters
    ----------
    input_shape : tuple of int
        ``(mel bands, frames)`` or ``(bands, frames, channels)``.
    filters : sequence of int
        Filters of each block; its length is the number of blocks.
    kernel_size, pool_size : tuple of int
        Shared by all blocks.
    dense_units : int
        Units of the full layer before the output (0: none).
    activation : str
        Activation of the blocks and the full layer.
    batch_norm : bool
        Batch normalisation in each block.
    bn_momentum : float
        How much of its running statistics batch normalisation keeps at each training step
        (Keras's default 0.99 needs hundreds of steps to settle; 0.9 settles in tens).
    dropout : float
        Dropout rate before and after the full layer.
    global_pool : bool
        Average each feature map to one number (few parameters, any input length) instead
        of flattening.
    n_outputs : int
        1 for a binary task, else the number of classes.
    output_activation : str, optional
        Defaults to sigmoid (one output) or softmax.
    name : str
        The model's name.

    Returns
    -------
    keras.Model
        Uncompiled.

    Example
    -------
    >>> stacked_cnn(filters=(8,), batch_norm=False, dense_units=0).count_params()  # 8*9+8 + 9
    89
    """
    with quiet_native_stderr():
        import keras

    inputs, x = _image_input(input_shape, keras)
    for i, n in enumerate(filters, start=1):
        x = _conv_block(
            x,
            keras,
            filters=n,
            kernel_size=kernel_size,
            pool_size=pool_size,
            activation=activation,
            batch_norm=batch_norm,
            bn_momentum=bn_momentum,
            name=f"conv{i}",
        )
    if global_pool:
        x = keras.layers.GlobalAveragePooling2D(name="global_pool")(x)
    else:
        x = keras.layers.Flatten(name="flatten")(x)
    outputs = _classifier(
        x,
        keras,
        dense_units=dense_units,
        activation=activation,
        dropout=dropout,
        n_outputs=n_outputs,
        output_activation=output_activation,
    )
    return keras.Model(inputs, outputs, name=name)


def parallel_cnn(
    input_shape=(40, 80),
    *,
    branches=((8, (10, 2), (1, 4)), (8, (2, 10), (4, 1))),
    dense_units: int = 32,
    activation: str = "relu",
    batch_norm: bool = False,
    bn_momentum: float = 0.9,
    dropout: float = 0.3,
    global_pool: bool = True,
    n_outputs: int = 1,
    output_activation=None,
    name="parallel_cnn",
):
    """Convolution branches side by side on the same input, merged before the output.

    The default branches follow Schindler and Lidy's music/speech models: a filter tall in
    frequency and narrow in time (10 bands x 2 frames: timbre, the spectral envelope) and
    one wide in time and flat in frequency (2 x 10: rhythm and onsets), each pooled along
    the axis it does not model.

    Parameters
    ----------
    input_shape : tuple of int
        ``(mel bands, frames)`` or ``(bands, frames, channels)``.
    branches : sequence of (filters, kernel_size, pool_size)
        One convolution block per branch.
    batch_norm : bool
        Batch normalisation in each branch; off by default, because on full-size feature
        maps it doubles the time per epoch on a CPU.
    bn_momentum : float
        How much of its running statistics batch normalisation keeps at each training step
        (Keras's default 0.99 needs hundreds of steps to settle; 0.9 settles in tens).
    dense_units, activation, dropout, global_pool, n_outputs, output_activation
        As in :func:`stacked_cnn`.
    name : str
        The model's name.

    Returns
    -------
    keras.Model
        Uncompiled; the branches' layers are named ``branch1_conv``, ``branch2_conv``, ...

    Example
    -------
    >>> parallel_cnn(dense_units=0).count_params()  # 2 x (8*20+8) + 17
    353
    """
    with quiet_native_stderr():
        import keras

    inputs, x = _image_input(input_shape, keras)
    merged = []
    for i, (n, kernel, pool) in enumerate(branches, start=1):
        b = _conv_block(
            x,
            keras,
            filters=n,
            kernel_size=kernel,
            pool_size=pool,
            activation=activation,
            batch_norm=batch_norm,
            bn_momentum=bn_momentum,
            name=f"branch{i}",
        )
        pooled = (
            keras.layers.GlobalAveragePooling2D(name=f"branch{i}_global_pool")(b)
            if global_pool
            else keras.layers.Flatten(name=f"branch{i}_flatten")(b)
        )
        merged.append(pooled)
    x = keras.layers.Concatenate(name="merge")(merged)
    outputs = _classifier(
        x,
        keras,
        dense_units=dense_units,
        activation=activation,
        dropout=dropout,
        n_outputs=n_outputs,
        output_activation=output_activation,
    )
    return keras.Model(inputs, outputs, name=name)


def _frequency_pools(bands: int, n_blocks: int) -> list[int]:
    """Pooling sizes along frequency that shrink ``bands`` to 1 over ``n_blocks`` blocks,
    as evenly as integers allow (96 bands, 4 blocks: pools 3, 3, 3, 4 -> 32, 11, 4, 1 bands).
    """
    pools, f = [], bands
    for i in range(n_blocks):
        left = n_blocks - i
        p = f if left == 1 else max(1, round(f ** (1 / left)))
        pools.append(p)
        f = -(-f // p)  # "same" pooling rounds up
    return pools


def compact_cnn(
    input_shape=(96, 188),
    *,
    n_outputs: int = 1,
    output_activation=None,
    n_blocks: int = 4,
    filters=(32, 32, 64, 64),
    time_pool: int = 2,
    dropout: float = 0.3,
    bn_momentum: float = 0.9,
    name="compact_cnn",
):
    """The compact tagging CNN of Choi, Fazekas and Sandler (2016), for any number of mel bands.

    ``n_blocks`` blocks of Conv2D 3 x 3 -> batch normalisation -> ELU -> max-pooling. The
    frequency pooling is chosen so that the bands shrink to 1 by the last block (the
    input's 96 bands: pools of 3, 3, 3 and 4); time is pooled by ``time_pool`` per block and then
    averaged, so clips of any length fit. Binary, multi-class and multi-label outputs.

    Parameters
    ----------
    input_shape : tuple of int
        ``(mel bands, frames)`` or ``(bands, frames, channels)``.
    n_outputs : int
        1 (binary), the number of classes (softmax) or of tags (``output_activation="sigmoid"``).
    output_activation : str, optional
        Defaults to sigmoid for one output, else softmax.
    n_blocks : int
        Convolution blocks.
    filters : int or sequence of int
        Filters per block (one number for all blocks, or one per block).
    time_pool : int
        Max-pooling along time in each block.
    dropout : float
        Dropout before the output layer.
    bn_momentum : float
        Momentum of the batch-normalisation running statistics, which prediction uses.
        Keras' default of 0.99 needs several hundred training steps to forget its
        initial values; the tutorial's small datasets give far fewer, and predictions
        made with half-settled statistics come out biased towards one class. 0.9 settles
        in a few dozen steps.
    name : str
        The model's name.

    Returns
    -------
    keras.Model
        Uncompiled.

    Example
    -------
    >>> m = compact_cnn((96, 188), n_outputs=50, output_activation="sigmoid")
    >>> m.output_shape, m.get_layer("conv4_pool").output.shape[1]  # frequency pooled to 1
    ((None, 50), 1)
    """
    filters = [filters] * n_blocks if isinstance(filters, int) else list(filters)
    if len(filters) != n_blocks:
        raise ValueError(f"filters has {len(filters)} entries for {n_blocks} blocks")
    with quiet_native_stderr():
        import keras

    from . import layers  # the same batch normalisation as Keras', fused on TensorFlow

    inputs, x = _image_input(input_shape, keras)
    for i, (n, f_pool) in enumerate(zip(filters, _frequency_pools(input_shape[0], n_blocks)), 1):
        x = keras.layers.Conv2D(n, (3, 3), padding="same", use_bias=False, name=f"conv{i}_conv")(x)
        x = layers.BatchNormalization(momentum=bn_momentum, name=f"conv{i}_bn")(x)
        x = keras.layers.Activation("elu", name=f"conv{i}_elu")(x)
        x = keras.layers.MaxPooling2D((f_pool, time_pool), padding="same", name=f"conv{i}_pool")(x)
    x = keras.layers.GlobalAveragePooling2D(name="global_pool")(x)
    if dropout > 0:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = _output(x, keras, n_outputs, output_activation)
    return keras.Model(inputs, outputs, name=name)


def rnn(
    input_shape=(40, 80),
    *,
    units: int = 64,
    cell: str = "gru",
    dropout: float = 0.0,
    n_outputs: int = 1,
    output_activation=None,
    name="rnn",
):
    """A recurrent network over the frames of a spectrogram: one GRU or LSTM layer.

    The input ``(bands, frames)`` is read frame by frame (transposed to ``(frames, bands)``);
    the last hidden state feeds the output.

    Parameters
    ----------
    input_shape : tuple of int
        ``(mel bands, frames)``.
    units : int
        Size of the hidden state.
    cell : {"gru", "lstm"}
        The recurrent cell.
    dropout : float
        Dropout on the last hidden state.
    n_outputs : int
        1 for a binary task, else the number of classes.
    output_activation : str, optional
        Defaults to sigmoid (one output) or softmax.
    name : str
        The model's name.

    Returns
    -------
    keras.Model
        Uncompiled.

    Example
    -------
    >>> rnn((40, 80), units=8).count_params()  # GRU: 3 * (8 * (40 + 8) + 2 * 8) + (8 + 1)
    1209
    """
    if cell not in ("gru", "lstm"):
        raise ValueError(f"cell must be 'gru' or 'lstm', found {cell!r}")
    with quiet_native_stderr():
        import keras

    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = keras.layers.Permute((2, 1), name="frames_first")(inputs)
    layer = keras.layers.GRU if cell == "gru" else keras.layers.LSTM
    x = layer(units, name=cell)(x)
    if dropout > 0:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = _output(x, keras, n_outputs, output_activation)
    return keras.Model(inputs, outputs, name=name)


# --------------------------------------------------------------------------------------
# Tagging from raw audio (notebook 07)
# --------------------------------------------------------------------------------------

#: Samples per training chunk of Won et al.'s short-chunk CNN: 59,049 = 3^10, 3.69 s at 16 kHz.
WON2020_CHUNK_SAMPLES = 59049


def tagging_cnn(
    *,
    n_outputs: int = 50,
    sr: int = 16000,
    chunk_samples: int | None = WON2020_CHUNK_SAMPLES,
    n_mels: int = 128,
    n_fft: int = 512,
    hop_length: int = 256,
    fmin: float = 0.0,
    fmax: float | None = None,
    top_db: float | None = 80.0,
    front_end: bool = True,
    filters=(128, 128, 256, 256, 256, 256, 512),
    dense_units: int = 512,
    dropout: float = 0.5,
    bn_momentum: float = 0.9,
    output_activation: str = "sigmoid",
    name: str = "tagging_cnn",
):
    """The short-chunk CNN of Won et al. (2020) with its mel spectrogram computed inside the model.

    Raw audio goes in. The front end, always float32 (also under ``mixed_float16``):
    ``keras.layers.MelSpectrogram`` (power, the settings of
    :func:`utils.audio.log_mel` with ``keras_compatible=True``), decibels with ``top_db``
    taken from *each example's own* maximum (:class:`utils.layers.PerExampleDecibels`;
    Keras' own ``power_to_db`` takes it from the whole batch), and batch normalisation per
    mel band. Then one block per entry of ``filters``: Conv2D 3 x 3 -> batch normalisation
    -> ReLU -> max-pooling 2 x 2; global max-pooling over what is left of frequency and time;
    Dense -> batch normalisation -> ReLU -> dropout; the output. With the defaults (128 mel
    bands, 7 blocks, chunks of 59,049 samples = 3.69 s at 16 kHz) this is the published
    model: 128 bands and 231 frames pool down to 1 x 2.

    On a GPU the spectrogram is computed there too, so the input pipeline only decodes
    audio; :func:`setup_device` switches the rest of the model to mixed precision.

    Parameters
    ----------
    n_outputs : int
        Tags (50 for the MagnaTagATune top-50 task).
    sr : int
        Sample rate of the input audio, Hz.
    chunk_samples : int or None
        Input length in samples; ``None`` accepts any length (e.g. whole clips).
    n_mels, n_fft, hop_length, fmin, fmax, top_db
        The mel spectrogram and its decibel scaling, as in :func:`utils.audio.log_mel`
        (Won et al.: 128 bands, 512-sample windows, hops of 256 at 16 kHz).
    front_end : bool
        False leaves the front end out: the input is then a log-mel spectrogram
        ``(n_mels, frames)`` computed beforehand (to compare the speed of the two).
    filters : sequence of int
        Filters of each convolution block.
    dense_units : int
        Units of the dense layer before the output (0: none).
    dropout : float
        Dropout before the output layer.
    bn_momentum : float
        Momentum of every batch normalisation's running statistics (see :func:`compact_cnn`).
    output_activation : str
        ``"sigmoid"`` for multi-label tagging.
    name : str
        The model's name.

    Returns
    -------
    keras.Model
        Uncompiled. Input ``(chunk_samples,)`` float32 audio (or ``(n_mels, frames)`` dB
        without the front end); output ``(n_outputs,)``, float32. The front-end layers are
        named ``mel``, ``decibels``, ``add_channel`` and ``mel_bn``.

    Example
    -------
    ::

        m = tagging_cnn(filters=(8, 8), dense_units=0, n_mels=32, chunk_samples=16000)
        m.input_shape, m.output_shape
        # ((None, 16000), (None, 50))
    """
    filters = list(filters)
    if not filters:
        raise ValueError("filters must name at least one convolution block, e.g. (32, 64)")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), found {dropout}")
    with quiet_native_stderr():
        import keras

    from . import audio, layers

    frames = None if chunk_samples is None else 1 + chunk_samples // hop_length
    if front_end:
        inputs = keras.Input(shape=(chunk_samples,), name="input", dtype="float32")
        # librosa's mel in power, as audio.log_mel(keras_compatible=True); the dB scaling
        # follows per example (PerExampleDecibels), not over the batch as Keras' own would
        options = audio.keras_mel_kwargs(
            sr=sr, n_mels=n_mels, n_fft=n_fft, hop_length=hop_length, fmin=fmin, fmax=fmax
        )
        x = keras.layers.MelSpectrogram(
            **dict(options, power_to_db=False),
            dtype="float32",
            name="mel",
        )(inputs)
        x = layers.PerExampleDecibels(top_db=top_db, dtype="float32", name="decibels")(x)
    else:
        inputs = keras.Input(shape=(n_mels, frames), name="input", dtype="float32")
        x = inputs
    x = keras.layers.Reshape((n_mels, -1, 1), dtype="float32", name="add_channel")(x)
    x = keras.layers.BatchNormalization(
        axis=1, momentum=bn_momentum, dtype="float32", name="mel_bn"
    )(x)
    for i, n in enumerate(filters, start=1):
        x = keras.layers.Conv2D(n, (3, 3), padding="same", use_bias=False, name=f"conv{i}_conv")(x)
        x = layers.BatchNormalization(momentum=bn_momentum, name=f"conv{i}_bn")(x)
        x = keras.layers.Activation("relu", name=f"conv{i}_relu")(x)
        x = keras.layers.MaxPooling2D((2, 2), padding="same", name=f"conv{i}_pool")(x)
    x = keras.layers.GlobalMaxPooling2D(name="global_pool")(x)
    if dense_units:
        x = keras.layers.Dense(dense_units, use_bias=False, name="dense")(x)
        x = keras.layers.BatchNormalization(momentum=bn_momentum, name="dense_bn")(x)
        x = keras.layers.Activation("relu", name="dense_relu")(x)
    if dropout > 0:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = _output(x, keras, n_outputs, output_activation)
    return keras.Model(inputs, outputs, name=name)


#: The inputs of a Siamese model: two towers compare a pair, three a triplet.
SIAMESE_INPUTS = {2: ("left", "right"), 3: ("anchor", "positive", "negative")}


def siamese(encoder, *, towers: int = 2, name: str = "siamese"):
    """A Siamese network: one ``encoder`` applied to two (or three) inputs, with shared weights.

    The twins are one model called several times, so they share every weight and map the
    same input to the same embedding (Bromley et al. 1993; Hadsell, Chopra & LeCun 2006).
    The head is the Euclidean distance between embeddings
    (:class:`utils.layers.EuclideanDistance`), which :func:`utils.siamese.contrastive_loss`
    and :func:`utils.siamese.triplet_loss` train. After training, ``encoder`` alone
    embeds clips for retrieval.

    Parameters
    ----------
    encoder : keras.Model
        Maps one input (e.g. features or a spectrogram) to an embedding ``(batch, dim)``.
    towers : {2, 3}
        2: inputs ``left`` and ``right``, output the distance ``(batch, 1)`` (contrastive
        loss). 3: inputs ``anchor``, ``positive`` and ``negative``, output
        ``[d(anchor, positive), d(anchor, negative)]`` of shape ``(batch, 2)`` (triplet loss).
    name : str
        The model's name.

    Returns
    -------
    keras.Model
        Uncompiled; its weights are exactly ``encoder``'s.

    Example
    -------
    >>> import keras
    >>> enc = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> m = siamese(enc, towers=3)
    >>> m.output_shape, len(m.weights) == len(enc.weights)
    ((None, 2), True)
    """
    if towers not in SIAMESE_INPUTS:
        raise ValueError(f"towers must be 2 (pairs) or 3 (triplets), found {towers}")
    with quiet_native_stderr():
        import keras

    from . import layers

    shape = tuple(encoder.input_shape[1:])
    inputs = [keras.Input(shape=shape, name=n) for n in SIAMESE_INPUTS[towers]]
    embeddings = [encoder(x) for x in inputs]
    distance = layers.EuclideanDistance(name="distance")
    if towers == 2:
        outputs = distance(embeddings)
    else:
        d_ap = distance([embeddings[0], embeddings[1]])
        d_an = distance([embeddings[0], embeddings[2]])
        outputs = keras.layers.Concatenate(name="distances")([d_ap, d_an])
    return keras.Model(inputs, outputs, name=name)


def front_end_settings(model) -> dict:
    """The sample rate and input length a raw-audio model expects, read from its layers.

    Parameters
    ----------
    model : keras.Model
        A model whose input is audio and which holds a ``keras.layers.MelSpectrogram``
        (as :func:`tagging_cnn` builds).

    Returns
    -------
    dict
        ``sr`` (int, Hz) and ``chunk_samples`` (int, or ``None`` for any length).

    Raises
    ------
    ValueError
        When the model has no mel front end (it expects precomputed features).

    Example
    -------
    ::

        front_end_settings(tagging_cnn(filters=(4,), dense_units=0))
        # {'sr': 16000, 'chunk_samples': 59049}
    """
    import keras

    mel = [layer for layer in model.layers if isinstance(layer, keras.layers.MelSpectrogram)]
    if not mel:
        raise ValueError(
            f"model {model.name!r} has no keras.layers.MelSpectrogram, so it does not take raw "
            "audio; build one with utils.models.tagging_cnn(front_end=True)"
        )
    shape = model.input_shape
    return {"sr": int(mel[0].sampling_rate), "chunk_samples": shape[1] if len(shape) == 2 else None}


def forward_flops(model) -> int:
    """Floating-point operations of one example's forward pass through the weighted layers.

    Counts each multiply-add of a ``Conv2D`` or ``Dense`` layer as two operations (the
    usual convention); batch normalisation, activations, pooling and the mel front end are
    cheap beside them and left out. Training costs about three times this per example (the
    forward pass, and gradients with respect to the inputs and to the weights): a rough
    but standard basis for estimating training time on other hardware.

    Parameters
    ----------
    model : keras.Model
        A built model with a fixed input shape.

    Returns
    -------
    int

    Example
    -------
    One block of 8 filters on 32 bands x 63 frames, and 8 x 50 output weights:
    32 x 63 x 3 x 3 x 1 x 8 x 2 + 8 x 50 x 2 operations.

    ::

        m = tagging_cnn(filters=(8,), dense_units=0, n_mels=32, chunk_samples=16000)
        forward_flops(m)
        # 291104
    """
    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kh, kw = layer.kernel_size
            c_in = int(layer.kernel.shape[2])
            out = layer.output.shape
            total += 2 * int(np.prod(out[1:3])) * kh * kw * c_in * layer.filters
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * int(layer.kernel.shape[0]) * layer.units
    return int(total)


#: Clips of MagnaTagATune's top-50 training split (folders 0-b with at least 29.1 s of
#: audio, :func:`utils.datasets.split_top50`): one epoch of Won et al.'s training cuts one
#: chunk from each.
TOP50_TRAIN_CLIPS = 15_244

#: FLOP/s assumed for a Colab T4 GPU training in mixed precision: a quarter of its
#: 65 TFLOP/s peak. An assumption, not a measurement (:func:`epoch_estimate`).
T4_ASSUMED_FLOPS = 15e12


def train_step_seconds(
    model, *, batch_size: int = 16, steps: int = 2, seed: int = 0, jit_compile: bool = False
) -> float:
    """Seconds per training step of ``model`` on this machine, measured.

    Compiles ``model`` with the tagging notebooks' loss (Adam, binary cross-entropy), runs
    one untimed step on a random batch (it traces and compiles the step) and times
    ``steps`` more. The work of a step depends on the shapes only, so random audio costs
    what real audio costs. Without XLA by default: on a 2-core CPU, XLA (Keras' default on
    TensorFlow) took 4-7 s longer to compile the published network's step, and its steps
    were no faster (0.49 against 0.53 s per chunk, interleaved).

    Parameters
    ----------
    model : keras.Model
        With a fixed input shape; it is compiled here (its optimizer state is replaced).
    batch_size : int
        Examples per step.
    steps : int
        Timed steps; the median is returned.
    seed : int
        Seed of the random batch.
    jit_compile : bool
        Compile the step with XLA.

    Returns
    -------
    float
        Seconds per step (divide by ``batch_size`` for seconds per example).

    Example
    -------
    ::

        train_step_seconds(tagging_cnn(), batch_size=16)  # the published network
        # about 9 s on a 2-core CPU, a few ms on a GPU
    """
    import time

    rng = np.random.default_rng(seed)
    shape = (batch_size, *model.input_shape[1:])
    x = rng.uniform(-0.5, 0.5, shape).astype(np.float32)
    y = (rng.random((batch_size, *model.output_shape[1:])) < 0.1).astype(np.float32)
    model.compile(optimizer="adam", loss="binary_crossentropy", jit_compile=jit_compile)
    model.train_on_batch(x, y)  # traces and compiles the training step
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def epoch_estimate(
    *,
    seconds_per_chunk: float,
    clips_per_second: float,
    flops: int,
    device: str = "CPU",
    clips: int = TOP50_TRAIN_CLIPS,
    epochs: int = 50,
    gpu_flops: float = T4_ASSUMED_FLOPS,
):
    """How long one training epoch takes here (measured) and on a Colab GPU (estimated).

    One epoch is one chunk of each of ``clips`` training clips. Here: computing is the
    measured ``seconds_per_chunk`` times the clips, reading is the clips at the measured
    ``clips_per_second``; on a CPU the two share its cores, so the epoch is their sum; on
    an accelerator reading overlaps computing (prefetch), so it is the longer of the two.
    On a T4 GPU (not measured: an estimate): three forward passes' operations per chunk
    (``flops``, :func:`forward_flops`; forward, and gradients for inputs and weights) at an
    assumed ``gpu_flops``, overlapping with reading at this machine's rate.
    Notebook 07 and ``benchmarks/input_pipeline.py`` (the README's numbers) both print it.

    Parameters
    ----------
    seconds_per_chunk : float
        Measured training seconds per chunk here (:func:`train_step_seconds` / batch).
    clips_per_second : float
        Measured clips per second through the input pipeline here.
    flops : int
        Operations of one chunk's forward pass (:func:`forward_flops`).
    device : str
        ``"CPU"`` or ``"GPU"``: what ``seconds_per_chunk`` was measured on.
    clips : int
        Training clips per epoch (default: the real top-50 split).
    epochs : int
        Epochs of a whole training, for its total.
    gpu_flops : float
        Assumed sustained FLOP/s of the T4 (:data:`T4_ASSUMED_FLOPS`).

    Returns
    -------
    pandas.DataFrame
        One row per machine (``this CPU, measured`` and ``Colab T4 GPU, estimated``),
        columns ``computing_min``, ``reading_min``, ``epoch_min`` and ``total_h``
        (``epochs`` epochs).

    Example
    -------
    >>> df = epoch_estimate(seconds_per_chunk=0.5, clips_per_second=100, flops=4e9, clips=1200)
    >>> df.round(2).to_dict("index")["this CPU, measured"]
    {'computing_min': 10.0, 'reading_min': 0.2, 'epoch_min': 10.2, 'total_h': 8.5}
    """
    import pandas as pd

    read = clips / clips_per_second
    here = seconds_per_chunk * clips
    gpu = 3 * flops * clips / gpu_flops
    rows = {
        f"this {device}, measured": (
            here,
            read,
            here + read if device == "CPU" else max(here, read),
        ),
        f"Colab T4 GPU, estimated ({gpu_flops / 1e12:.0f} TFLOP/s assumed)": (
            gpu,
            read,
            max(gpu, read),
        ),
    }
    df = pd.DataFrame(
        [(c / 60, r / 60, e / 60, epochs * e / 3600) for c, r, e in rows.values()],
        index=list(rows),
        columns=["computing_min", "reading_min", "epoch_min", "total_h"],
    )
    df.attrs["epochs"], df.attrs["clips"] = epochs, clips
    return df


def load_model(path, *, compile: bool = True):
    """Load a model saved with ``model.save("....keras")``, custom layers included.

    Imports :mod:`utils.layers` first, which registers the project's layers with Keras.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.keras`` file.
    compile : bool
        Restore the optimizer and loss too (needed to go on training, not to predict).

    Returns
    -------
    keras.Model

    Raises
    ------
    FileNotFoundError
        When there is no such file; the message says how to make one.

    Example
    -------
    ::

        model = load_model("data/models/music_tagger.keras")
    """
    from pathlib import Path

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no saved model at {path}; train one and save it with model.save({str(path)!r}) "
            "(notebook 07 does), or pass the path of a .keras file"
        )
    with quiet_native_stderr():
        import keras

    from . import layers  # noqa: F401 - registers the custom layers before loading

    return keras.saving.load_model(path, compile=compile)
