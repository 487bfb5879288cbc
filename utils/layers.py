"""Custom Keras layers of the models, registered so that a saved ``.keras`` model loads again.

Importing this module registers every layer in it with
``keras.saving.register_keras_serializable(package="musicdl")``; :mod:`utils.models`
imports it when it builds a model that uses one, and :func:`utils.models.load_model`
imports it before loading. A model saved with one of these layers loads with plain
``keras.saving.load_model`` once ``utils.layers`` has been imported.

Unlike the other modules, this one imports Keras (and so TensorFlow) when it is imported:
a layer class must exist before a saved model naming it is read.
"""

from __future__ import annotations

import math

from .config import quiet_native_stderr

with quiet_native_stderr():
    import keras
    from keras import ops

__all__ = ["PACKAGE", "BatchNormalization", "EuclideanDistance", "PerExampleDecibels"]

#: The package name the layers are registered under (``"musicdl>PerExampleDecibels"``).
PACKAGE = "musicdl"


@keras.saving.register_keras_serializable(package=PACKAGE)
class PerExampleDecibels(keras.layers.Layer):
    """Power to decibels, with ``top_db`` measured from each example's own maximum.

    ``10 log10(max(S, amin) / ref)``, then every value more than ``top_db`` below the
    example's loudest value is raised to that floor: ``librosa.power_to_db(S, ref=ref,
    amin=amin, top_db=top_db)`` applied to each example of the batch on its own.
    ``keras.layers.MelSpectrogram(power_to_db=True)`` instead takes the maximum over the
    whole batch, so a quiet clip's floor depends on how loud its batch-mates are; with this
    layer a clip's features are the same alone and in any batch.

    Parameters
    ----------
    top_db : float or None
        Dynamic range kept below each example's maximum, in dB; ``None`` keeps all.
    amin : float
        Smallest power taken into account (``-100 dB`` for ``ref=1``).
    ref : float
        The power that maps to 0 dB (1.0: an absolute scale, as Keras and
        :func:`utils.audio.log_mel` use, so loud and quiet clips stay different).
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``).

    Example
    -------
    >>> import numpy as np
    >>> S = np.array([[[1.0, 1e-3]], [[1e-4, 1e-12]]], dtype="float32")
    >>> PerExampleDecibels(top_db=60.0)(S).numpy().round(1).tolist()
    [[[0.0, -30.0]], [[-40.0, -100.0]]]
    """

    def __init__(
        self, *, top_db: float | None = 80.0, amin: float = 1e-10, ref: float = 1.0, **kwargs
    ):
        super().__init__(**kwargs)
        if top_db is not None and top_db <= 0:
            raise ValueError(f"top_db must be positive (dB) or None, found {top_db}")
        if amin <= 0 or ref <= 0:
            raise ValueError(f"amin and ref must be positive, found amin={amin}, ref={ref}")
        self.top_db = None if top_db is None else float(top_db)
        self.amin = float(amin)
        self.ref = float(ref)

    def call(self, inputs):
        """Decibels of a batch of power spectrograms, each floored ``top_db`` below its peak."""
        x = ops.cast(inputs, self.compute_dtype)
        db = 10.0 * ops.log10(ops.maximum(x, self.amin))
        db = db - 10.0 * math.log10(max(self.ref, self.amin))
        if self.top_db is not None:
            axes = tuple(range(1, len(db.shape)))
            peak = ops.max(db, axis=axes, keepdims=True)
            db = ops.maximum(db, peak - self.top_db)
        return db

    def compute_output_shape(self, input_shape):
        """The input's shape: the layer works element by element."""
        return input_shape

    def get_config(self):
        """The options, for saving the layer in a ``.keras`` file."""
        config = super().get_config()
        config.update({"top_db": self.top_db, "amin": self.amin, "ref": self.ref})
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class EuclideanDistance(keras.layers.Layer):
    """Euclidean distance between two batches of embeddings: the head of a Siamese network.

    ``sqrt(max(sum((a - b)**2), epsilon))`` per example, computed in float32 (also under
    mixed precision). The floor ``epsilon`` keeps the gradient finite for identical inputs,
    where the square root's derivative would be infinite.

    Parameters
    ----------
    epsilon : float
        Floor of the squared distance (the smallest distance is ``sqrt(epsilon)``).
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``).

    Example
    -------
    >>> import numpy as np
    >>> a, b = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[3.0, 4.0], [1.0, 1.0]])
    >>> EuclideanDistance()([a, b]).numpy().round(4).tolist()
    [[5.0], [0.0]]
    """

    def __init__(self, *, epsilon: float = 1e-12, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if epsilon <= 0:
            raise ValueError(f"epsilon must be positive, found {epsilon}")
        self.epsilon = float(epsilon)

    def call(self, inputs):
        """``(batch, 1)`` distances between the two inputs of shape ``(batch, dim)``."""
        a, b = (ops.cast(x, "float32") for x in inputs)
        squared = ops.sum(ops.square(a - b), axis=-1, keepdims=True)
        return ops.sqrt(ops.maximum(squared, self.epsilon))

    def compute_output_shape(self, input_shape):
        """One distance per example: ``(batch, 1)``."""
        return (input_shape[0][0], 1)

    def get_config(self):
        """The options, for saving the layer in a ``.keras`` file."""
        config = super().get_config()
        config.update({"epsilon": self.epsilon})
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class BatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization``, computed by one fused kernel on TensorFlow.

    The same layer (the same weights and options, the same results up to float rounding)
    whose call on TensorFlow, for a 4-D channels-last input, runs
    ``tf.compat.v1.nn.fused_batch_norm`` instead of Keras 3's separate mean, variance and
    normalisation ops. Batch normalisation reads and writes the largest activations of a CNN
    several times over and is bound by memory, not arithmetic: on a 2-core CPU the fused
    kernel makes an epoch of notebook 04's CompactCNN 1.7-2.2x faster (the README's
    benchmarks; ``benchmarks/training_speed.py`` measures it). On other backends, other
    ranks, with a mask, renorm or synchronised statistics it is Keras' own call. The moving
    variance is updated with the batch's biased variance, as Keras does.

    Example
    -------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(2.0, 3.0, (8, 4, 5, 3)).astype("float32")
    >>> ours, theirs = BatchNormalization(), keras.layers.BatchNormalization()
    >>> float(np.abs(ours(x, training=True) - theirs(x, training=True)).max()) < 1e-4
    True
    """

    def _fusable(self, inputs, mask) -> bool:
        return (
            keras.backend.backend() == "tensorflow"
            and mask is None
            and len(inputs.shape) == 4
            and self.axis in (-1, 3)
            and not self.renorm
            and not self.synchronized
        )

    def call(self, inputs, training=None, mask=None):
        """Normalise ``inputs`` by the batch's statistics (training) or the moving ones."""
        if not self._fusable(inputs, mask):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        x = tf.cast(inputs, "float32")
        channels = x.shape[-1]
        gamma = tf.cast(self.gamma, "float32") if self.scale else tf.ones([channels])
        beta = tf.cast(self.beta, "float32") if self.center else tf.zeros([channels])
        if training and self.trainable:
            y, mean, variance = tf.compat.v1.nn.fused_batch_norm(
                x, gamma, beta, epsilon=self.epsilon, is_training=True
            )
            # The kernel returns the unbiased variance (n / (n - 1)); Keras keeps the biased.
            n = tf.cast(tf.size(x) // channels, "float32")
            variance = variance * (n - 1.0) / tf.maximum(n, 2.0)
            m = self.momentum
            self.moving_mean.assign(
                self.moving_mean * m + tf.cast(mean, self.moving_mean.dtype) * (1.0 - m)
            )
            self.moving_variance.assign(
                self.moving_variance * m + tf.cast(variance, self.moving_variance.dtype) * (1.0 - m)
            )
        else:
            y, _, _ = tf.compat.v1.nn.fused_batch_norm(
                x,
                gamma,
                beta,
                mean=tf.cast(self.moving_mean, "float32"),
                variance=tf.cast(self.moving_variance, "float32"),
                epsilon=self.epsilon,
                is_training=False,
            )
        return tf.cast(y, self.compute_dtype)
