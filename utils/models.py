"""Device set-up for Keras (the model builders of notebooks 02-10 join this module).

:func:`setup_device` is called once at the top of every notebook that trains: it reports
the CPU or GPU, turns on GPU memory growth, and on a GPU switches Keras to mixed precision
when asked to (on a CPU ``mixed_float16`` is several times slower, so it stays off there).
"""

from __future__ import annotations

import os
import platform

from .config import quiet_native_stderr

__all__ = ["setup_device", "distribution_strategy"]


def setup_device(*, mixed_precision: bool | str = "auto", verbose: bool = True) -> dict:
    """Find the accelerator, enable GPU memory growth, and choose the Keras dtype policy.

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
