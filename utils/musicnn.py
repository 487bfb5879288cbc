"""The pretrained musicnn taggers (Pons & Serra 2019), ported to Keras 3.

The ``musicnn`` package on PyPI (0.1.0, ISC license, Jordi Pons, MTG-UPF) ships four trained
networks as TensorFlow 1 checkpoints inside its wheel: ``MTT_musicnn`` and ``MTT_vgg``
(trained on MagnaTagATune's top 50 tags) and ``MSD_musicnn`` and ``MSD_vgg`` (the Million
Song Dataset's top 50 tags). Its code is TF1 graph code that pins NumPy below 1.17, so this
module never imports it: ``pip install --no-deps musicnn==0.1.0`` (``make setup`` does it)
puts the checkpoint files on disk, :func:`read_checkpoint` reads them with TensorFlow's
checkpoint reader, and :func:`load` builds the same networks as Keras 3 functional models
and maps every variable onto them by name, checking shapes.

The input is the musicnn log-mel spectrogram (:func:`log_mel`): 16 kHz mono, 512-point FFT,
hop 256, 96 mel bands, ``log10(10000 x + 1)``, cut into back-to-back patches of 187 frames
(3 s, :func:`patches`). It is computed in float32: the wheel's own ``extractor.py`` casts the
spectrogram to float16 first, and ``10000 x`` then overflows to infinity wherever the mel
power exceeds 6.55 (:func:`float16_overflow`), after which the network gives the same taggram
for every such clip. ``log_mel(y, dtype="float16")`` reproduces that bug on purpose.

Example
-------
::

    from utils import musicnn
    out = musicnn.predict("song.mp3", weights="MTT_musicnn")
    out["taggram"].shape, out["penultimate"].shape  # (patches, 50), (patches, 200)
    # ((10, 50), (10, 200))
    musicnn.top_tags(out["taggram"].mean(axis=0), weights="MTT_musicnn", k=3)
    # [('guitar', 0.52), ('classical', 0.41), ('slow', 0.33)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import audio, config, features

__all__ = [
    "WHEEL",
    "WEIGHTS",
    "MODELS",
    "ModelInfo",
    "MTT_TAGS",
    "MSD_TAGS",
    "SR",
    "N_FFT",
    "HOP_LENGTH",
    "N_MELS",
    "PATCH_FRAMES",
    "EMBEDDING_LAYERS",
    "checkpoint_prefix",
    "read_checkpoint",
    "published_scores",
    "variable_map",
    "build",
    "load",
    "pretrained",
    "tags",
    "log_mel",
    "float16_overflow",
    "float16_constant_taggram",
    "is_float16_constant",
    "patches",
    "file_patches",
    "predict",
    "top_tags",
    "clip_embedding",
    "embed",
    "central",
    "midend",
    "backend_classifier",
    "REFERENCE_WEIGHTS",
    "reference_file",
    "compare_with_reference",
]

#: The wheel that holds the checkpoints; ``make setup`` installs it with ``--no-deps``
#: from ``requirements-nodeps.txt`` (the one place its version is pinned).
WHEEL = "musicnn"

#: Signal processing of every musicnn model (the wheel's ``configuration.py``).
SR = 16000
N_FFT = 512
HOP_LENGTH = 256
N_MELS = 96
#: Frames of one input patch: 3 s (``librosa.time_to_frames(3, sr=16000, n_fft=512,
#: hop_length=256) + 1``), the length the models were trained on.
PATCH_FRAMES = 187

#: MagnaTagATune's top 50 tags, in the order of the MTT models' outputs.
MTT_TAGS = (
    "guitar", "classical", "slow", "techno", "strings", "drums", "electronic", "rock",
    "fast", "piano", "ambient", "beat", "violin", "vocal", "synth", "female", "indian",
    "opera", "male", "singing", "vocals", "no vocals", "harpsichord", "loud", "quiet",
    "flute", "woman", "male vocal", "no vocal", "pop", "soft", "sitar", "solo", "man",
    "classic", "choir", "voice", "new age", "dance", "male voice", "female vocal", "beats",
    "harp", "cello", "no voice", "weird", "country", "metal", "female voice", "choral",
)  # fmt: skip
#: The Million Song Dataset's (last.fm) top 50 tags, in the order of the MSD models' outputs.
MSD_TAGS = (
    "rock", "pop", "alternative", "indie", "electronic", "female vocalists", "dance", "00s",
    "alternative rock", "jazz", "beautiful", "metal", "chillout", "male vocalists",
    "classic rock", "soul", "indie rock", "Mellow", "electronica", "80s", "folk", "90s",
    "chill", "instrumental", "punk", "oldies", "blues", "hard rock", "ambient", "acoustic",
    "experimental", "female vocalist", "guitar", "Hip-Hop", "70s", "party", "country",
    "easy listening", "sexy", "catchy", "funk", "electro", "heavy metal", "Progressive rock",
    "60s", "rnb", "indie pop", "sad", "House", "happy",
)  # fmt: skip


@dataclass(frozen=True)
class ModelInfo:
    """What one pretrained model is.

    Attributes
    ----------
    name : str
        The wheel's folder name, e.g. ``"MTT_musicnn"``.
    architecture : str
        ``"musicnn"`` (musically motivated front end, dense mid end, temporal pooling) or
        ``"vgg"`` (five 3x3 convolution blocks).
    dataset : str
        The training data, in words.
    tags : tuple of str
        One name per output.
    """

    name: str
    architecture: str
    dataset: str
    tags: tuple


_MTT = "MagnaTagATune (25,863 clips of 29 s; its top 50 tags)"
_MSD = "the Million Song Dataset (last.fm tags of 200k songs; the top 50)"
#: The pretrained models of the wheel.
MODELS = {
    "MTT_musicnn": ModelInfo("MTT_musicnn", "musicnn", _MTT, MTT_TAGS),
    "MSD_musicnn": ModelInfo("MSD_musicnn", "musicnn", _MSD, MSD_TAGS),
    "MTT_vgg": ModelInfo("MTT_vgg", "vgg", _MTT, MTT_TAGS),
    "MSD_vgg": ModelInfo("MSD_vgg", "vgg", _MSD, MSD_TAGS),
}
WEIGHTS = tuple(MODELS)

#: The features each architecture offers besides its taggram, in the order :func:`embed`
#: concatenates them: musicnn's penultimate dense layer (200, after batch normalisation) and
#: the max and mean over time of its mid-end feature map (753 each); vgg's last pooled
#: block, flattened (256).
EMBEDDING_LAYERS = {
    "musicnn": {"penultimate": 200, "max_pool": 753, "mean_pool": 753},
    "vgg": {"pool5": 256},
}

#: Checkpoint entries that are the optimizer's state, not the network's (skipped).
_OPTIMIZER_STATE = re.compile(r"(/Adam(_\d+)?$)|(^beta[12]_power$)")


def _info(weights: str) -> ModelInfo:
    if weights not in MODELS:
        raise ValueError(
            f"unknown musicnn weights {weights!r}; expected one of {', '.join(WEIGHTS)}"
        )
    return MODELS[weights]


def tags(weights: str = "MTT_musicnn") -> list:
    """The tag names of a pretrained model's outputs, in order.

    Example
    -------
    >>> tags("MTT_musicnn")[:3]
    ['guitar', 'classical', 'slow']
    """
    return list(_info(weights).tags)


# --------------------------------------------------------------------------- the checkpoints


def _wheel_folder() -> Path:
    """The installed ``musicnn`` folder, found from the wheel's file list (never imported)."""
    from importlib import metadata

    try:
        dist = metadata.distribution(WHEEL)
    except metadata.PackageNotFoundError:
        raise FileNotFoundError(
            f"the pretrained musicnn weights are not installed: expected the {WHEEL} wheel, "
            f"found no such package. Install its files without its (outdated) dependencies: "
            f"pip install --no-deps -r requirements-nodeps.txt (make setup does it), or "
            f"pip install --no-deps musicnn==0.1.0"
        ) from None
    for file in dist.files or ():
        if file.name == ".index" and file.parent.name in MODELS:
            return Path(dist.locate_file(file)).parent.parent
    raise FileNotFoundError(
        f"the {WHEEL} {dist.version} package lists no checkpoint files (<model>/.index); "
        "reinstall it: pip install --no-deps --force-reinstall musicnn==0.1.0"
    )


def checkpoint_prefix(weights: str = "MTT_musicnn") -> str:
    """The checkpoint prefix of a pretrained model inside the installed wheel.

    The wheel's files are ``<folder>/.index`` and ``<folder>/.data-00000-of-00001``, so the
    prefix is the folder with a trailing slash. Its ``checkpoint`` index file names a folder
    on the author's machine, so the folder itself cannot be opened as a checkpoint
    directory (``tf.train.load_checkpoint(folder)`` looks there).

    Returns
    -------
    str
        ``.../site-packages/musicnn/<weights>/``.

    Example
    -------
    >>> checkpoint_prefix("MTT_vgg").endswith("MTT_vgg/")
    True
    """
    _info(weights)
    folder = _wheel_folder() / weights
    if not (folder / ".index").is_file():
        raise FileNotFoundError(
            f"no checkpoint of {weights} in {folder}: expected {folder / '.index'}. "
            "Reinstall the wheel: pip install --no-deps --force-reinstall musicnn==0.1.0"
        )
    return str(folder) + "/"


def read_checkpoint(weights: str = "MTT_musicnn") -> dict:
    """The network's variables in a pretrained checkpoint, by name, optimizer state skipped.

    Read with TensorFlow's checkpoint reader (the same reader ``tf.train.load_checkpoint``
    returns), opened by prefix. The Adam slots (``<variable>/Adam``, ``<variable>/Adam_1``)
    and ``beta1_power``/``beta2_power`` are the optimizer's, not the network's: 150
    entries of ``MTT_musicnn`` hold 64 network variables.

    Returns
    -------
    dict of str to np.ndarray
        E.g. ``"conv2d/kernel"`` -> array of shape (7, 38, 1, 204).

    Example
    -------
    >>> read_checkpoint("MTT_musicnn")["conv2d/kernel"].shape
    (7, 38, 1, 204)
    """
    with config.quiet_native_stderr():
        import tensorflow as tf

    reader = tf.compat.v1.train.NewCheckpointReader(checkpoint_prefix(weights))
    names = reader.get_variable_to_shape_map()
    return {n: reader.get_tensor(n) for n in sorted(names) if not _OPTIMIZER_STATE.search(n)}


def published_scores(weights: str = "MTT_musicnn") -> dict:
    """The test-set scores the wheel reports for a model (its ``experiment.result`` file).

    Returns
    -------
    dict
        ``{"roc_auc": float, "pr_auc": float}``, on the test set of the model's dataset.

    Example
    -------
    >>> published_scores("MTT_musicnn")
    {'roc_auc': 0.9066769123674747, 'pr_auc': 0.38310571748763617}
    """
    _info(weights)
    text = (_wheel_folder() / weights / "experiment.result").read_text(encoding="utf-8")
    numbers = re.findall(r"AUC:\s*([0-9.]+)", text)
    if len(numbers) != 2:
        raise ValueError(f"expected ROC-AUC and PR-AUC in {weights}/experiment.result: {text!r}")
    return {"roc_auc": float(numbers[0]), "pr_auc": float(numbers[1])}


# --------------------------------------------------------------------------- the networks

# The TF1 graph (musicnn/models.py) creates its layers in this order, so TF1 named them
# conv2d, conv2d_1, ..., batch_normalization, batch_normalization_1, ...; the Keras layers
# get names that say what they are. These tables map one onto the other.
_MUSICNN_LAYERS = {
    "batch_normalization": "input_bn",
    "conv2d": "timbral_74_conv",  # 7 frames x 38 mel bands (0.4 x 96)
    "batch_normalization_1": "timbral_74_bn",
    "conv2d_1": "timbral_77_conv",  # 7 x 67 (0.7 x 96)
    "batch_normalization_2": "timbral_77_bn",
    "conv2d_2": "temporal_128_conv",  # 128 frames x 1 band
    "batch_normalization_3": "temporal_128_bn",
    "conv2d_3": "temporal_64_conv",
    "batch_normalization_4": "temporal_64_bn",
    "conv2d_4": "temporal_32_conv",
    "batch_normalization_5": "temporal_32_bn",
    "conv2d_5": "midend_1_conv",
    "batch_normalization_6": "midend_1_bn",
    "conv2d_6": "midend_2_conv",
    "batch_normalization_7": "midend_2_bn",
    "conv2d_7": "midend_3_conv",
    "batch_normalization_8": "midend_3_bn",
    "batch_normalization_9": "backend_pool_bn",
    "dense": "backend_dense",
    "batch_normalization_10": "penultimate",
    "dense_1": "logits",
}
_VGG_LAYERS = {
    "batch_normalization": "input_bn",
    **{f"{i}CNN": f"conv{i}" for i in range(1, 6)},
    **{f"batch_normalization_{i}": f"conv{i}_bn" for i in range(1, 6)},
    "dense": "logits",
}


def variable_map(weights: str = "MTT_musicnn") -> dict:
    """Which Keras layer each TF1 layer of a pretrained model becomes.

    Returns
    -------
    dict of str to str
        TF1 layer scope (``"conv2d_5"``) -> Keras layer name (``"midend_1_conv"``); a
        checkpoint variable ``<scope>/<name>`` goes to that layer's weight ``<name>``
        (``kernel``, ``bias``, ``gamma``, ``beta``, ``moving_mean``, ``moving_variance``).

    Example
    -------
    >>> variable_map("MTT_musicnn")["dense_1"]
    'logits'
    """
    arch = _info(weights).architecture
    return dict(_MUSICNN_LAYERS if arch == "musicnn" else _VGG_LAYERS)


def _musicnn_graph(keras, x, n_tags: int, *, frames):
    """The musicnn network on the input tensor ``x`` (patches, frames, 96).

    As ``build_musicnn`` of the wheel: 1.6 x 128 timbral filters, 64 mid-end filters, 200
    back-end units.
    """
    L = keras.layers
    bn = L.BatchNormalization  # TF1's defaults: epsilon 1e-3, over the last axis
    h = L.Reshape((frames, N_MELS, 1), name="add_channel")(x)
    h = bn(name="input_bn")(h)
    # front end: timbral filters (7 frames, 40% and 70% of the bands; time padded to keep
    # the length) and temporal filters (1 band, 128/64/32 frames), each max-pooled over
    # frequency
    padded = L.ZeroPadding2D(((3, 3), (0, 0)), name="timbral_pad")(h)
    front = []
    for width, name in ((int(0.4 * N_MELS), "timbral_74"), (int(0.7 * N_MELS), "timbral_77")):
        c = L.Conv2D(204, (7, width), activation="relu", name=f"{name}_conv")(padded)
        c = bn(name=f"{name}_bn")(c)
        c = L.MaxPooling2D((1, N_MELS - width + 1), name=f"{name}_pool")(c)
        front.append(L.Reshape((frames, 204), name=f"{name}_squeeze")(c))
    for length in (128, 64, 32):
        name = f"temporal_{length}"
        c = L.Conv2D(51, (length, 1), padding="same", activation="relu", name=f"{name}_conv")(h)
        c = bn(name=f"{name}_bn")(c)
        c = L.MaxPooling2D((1, N_MELS), name=f"{name}_pool")(c)
        front.append(L.Reshape((frames, 51), name=f"{name}_squeeze")(c))
    front = L.Concatenate(axis=2, name="frontend")(front)  # (frames, 561)
    # mid end: three 7-frame convolutions over all features, the last two residual
    width = 561
    m0 = L.Reshape((frames, width, 1), name="midend_input")(front)
    layers_out, prev = [m0], None
    for i in (1, 2, 3):
        src = m0 if i == 1 else prev
        p = L.ZeroPadding2D(((3, 3), (0, 0)), name=f"midend_{i}_pad")(src)
        c = L.Conv2D(64, (7, width if i == 1 else 64), activation="relu", name=f"midend_{i}_conv")(
            p
        )
        c = bn(name=f"midend_{i}_bn")(c)
        c = L.Permute((1, 3, 2), name=f"midend_{i}_transpose")(c)  # (frames, 64, 1)
        prev = c if i == 1 else L.Add(name=f"midend_{i}_residual")([c, prev])
        layers_out.append(prev)
    mid = L.Concatenate(axis=2, name="midend")(layers_out)  # (frames, 753, 1)
    mid = L.Reshape((frames, 753), name="midend_features")(mid)
    # back end: max and mean over time, interleaved as TF1's concat + flatten lays them out
    max_pool = L.GlobalMaxPooling1D(name="max_pool")(mid)
    mean_pool = L.GlobalAveragePooling1D(name="mean_pool")(mid)
    pooled = L.Concatenate(axis=2, name="pool_stack")(
        [L.Reshape((753, 1), name="max_pool_col")(max_pool),
         L.Reshape((753, 1), name="mean_pool_col")(mean_pool)]
    )  # fmt: skip
    h = L.Flatten(name="pool_flat")(pooled)  # (1506,): max_0, mean_0, max_1, ...
    h = bn(name="backend_pool_bn")(h)
    h = L.Dropout(0.5, name="backend_pool_dropout")(h)
    h = L.Dense(200, activation="relu", name="backend_dense")(h)
    penultimate = bn(name="penultimate")(h)
    h = L.Dropout(0.5, name="penultimate_dropout")(penultimate)
    logits = L.Dense(n_tags, name="logits")(h)
    taggram = L.Activation("sigmoid", name="taggram")(logits)
    return {
        "taggram": taggram,
        "penultimate": penultimate,
        "max_pool": max_pool,
        "mean_pool": mean_pool,
    }


def _vgg_graph(keras, x, n_tags: int, *, frames):
    """The vgg baseline of the wheel (``vgg`` with 128 filters) on ``x`` (patches, frames, 96)."""
    L = keras.layers
    h = L.Reshape((frames, N_MELS, 1), name="add_channel")(x)
    h = L.BatchNormalization(name="input_bn")(h)
    pools = {1: ((4, 1), (2, 2)), 2: ((2, 2), (2, 2)), 3: ((2, 2), (2, 2)), 4: ((2, 2), (2, 2))}
    pools[5] = ((4, 4), (4, 4))
    for i in range(1, 6):
        if i > 1:
            h = L.Dropout(0.25, name=f"conv{i - 1}_dropout")(h)
        h = L.Conv2D(128, (3, 3), padding="same", activation="relu", name=f"conv{i}")(h)
        h = L.BatchNormalization(name=f"conv{i}_bn")(h)
        size, stride = pools[i]
        h = L.MaxPooling2D(size, strides=stride, name=f"pool{i}")(h)
    pool5 = L.Flatten(name="pool5_flat")(h)
    h = L.Dropout(0.5, name="pool5_dropout")(pool5)
    logits = L.Dense(n_tags, name="logits")(h)
    return {"taggram": L.Activation("sigmoid", name="taggram")(logits), "pool5": pool5}


def build(weights: str = "MTT_musicnn", *, frames: int = PATCH_FRAMES):
    """The architecture of a pretrained model as a Keras functional model, untrained.

    Parameters
    ----------
    weights : str
        One of :data:`WEIGHTS`; sets the architecture and the number of tags.
    frames : int
        Frames per input patch. The vgg models need 187 (3 s); musicnn takes other lengths.

    Returns
    -------
    keras.Model
        Input ``(patches, frames, 96)`` log-mel patches (:func:`patches`); outputs a dict:
        ``"taggram"`` (patches, 50) sigmoid scores and the features of
        :data:`EMBEDDING_LAYERS` (``"penultimate"`` (patches, 200), ``"max_pool"`` and
        ``"mean_pool"`` (patches, 753) for musicnn; ``"pool5"`` (patches, 256) for vgg).

    Example
    -------
    >>> build("MTT_vgg").output["pool5"].shape
    (None, 256)
    """
    info = _info(weights)
    if info.architecture == "vgg" and frames != PATCH_FRAMES:
        raise ValueError(f"the vgg models take {PATCH_FRAMES}-frame patches only, found {frames}")
    with config.quiet_native_stderr():
        import keras

    x = keras.Input((frames, N_MELS), name="log_mel")
    graph = _musicnn_graph if info.architecture == "musicnn" else _vgg_graph
    return keras.Model(x, graph(keras, x, len(info.tags), frames=frames), name=weights)


def _assign(model, variables: dict, mapping: dict, *, weights: str) -> int:
    """Set the model's weights from ``variables`` through ``mapping``; returns the count.

    Every variable of both sides must be used once, with equal shapes, else ValueError.
    """
    unused = set(variables)
    loaded = 0
    for scope, layer_name in mapping.items():
        try:
            layer = model.get_layer(layer_name)
        except ValueError:
            raise ValueError(
                f"{weights}: the mapping sends {scope} to a layer {layer_name!r} that the Keras "
                f"model does not have; its layers with weights are "
                f"{[lay.name for lay in model.layers if lay.weights]}"
            ) from None
        for var in layer.weights:
            key = f"{scope}/{var.name}"
            if key not in variables:
                raise ValueError(
                    f"{weights}: the checkpoint has no {key} for {layer_name}/{var.name}; "
                    f"its variables under {scope}/ are "
                    f"{sorted(k for k in variables if k.startswith(scope + '/'))}"
                )
            value = variables[key]
            if tuple(value.shape) != tuple(var.shape):
                raise ValueError(
                    f"{weights}: shape mismatch mapping {key} {tuple(value.shape)} onto "
                    f"{layer_name}/{var.name} {tuple(var.shape)}: the mapping or the "
                    "architecture is wrong"
                )
            var.assign(value.astype(np.float32))
            unused.discard(key)
            loaded += 1
    if unused:
        raise ValueError(
            f"{weights}: {len(unused)} checkpoint variables were not mapped onto the Keras "
            f"model: {sorted(unused)[:8]}"
        )
    empty = [
        f"{lay.name}/{v.name}"
        for lay in model.layers
        if lay.name not in mapping.values()
        for v in lay.weights
    ]
    if empty:
        raise ValueError(f"{weights}: Keras weights with no checkpoint variable: {empty[:8]}")
    return loaded


def load(weights: str = "MTT_musicnn", *, frames: int = PATCH_FRAMES, mapping: dict | None = None):
    """A pretrained model: :func:`build` with the checkpoint's weights mapped on by name.

    Every network variable of the checkpoint (:func:`read_checkpoint`) goes to the Keras
    weight :func:`variable_map` names, with its shape checked; a variable left over, a
    Keras weight left empty or a shape that differs raises an error.

    Parameters
    ----------
    weights : str
        One of :data:`WEIGHTS`.
    frames : int
        Frames per patch (see :func:`build`).
    mapping : dict, optional
        TF1 scope -> Keras layer name; default :func:`variable_map` (for tests).

    Returns
    -------
    keras.Model
        As :func:`build`, with the pretrained weights, in inference mode by default
        (``model.predict``). Call :func:`pretrained` to share one copy per session.

    Raises
    ------
    ValueError
        When the mapping does not fit the checkpoint (the message says where).
    FileNotFoundError
        When the wheel is not installed (the message says how to install it).

    Example
    -------
    ::

        model = load("MTT_musicnn")
        model.predict(patches(log_mel(y)))["taggram"].shape
        # (10, 50)
    """
    variables = read_checkpoint(weights)
    model = build(weights, frames=frames)
    _assign(
        model, variables, variable_map(weights) if mapping is None else mapping, weights=weights
    )
    return model


_LOADED: dict = {}


def pretrained(weights: str = "MTT_musicnn", *, frames: int = PATCH_FRAMES):
    """:func:`load`, once per session and process: later calls return the same model.

    Example
    -------
    >>> pretrained("MTT_musicnn") is pretrained("MTT_musicnn")
    True
    """
    key = (weights, frames)
    if key not in _LOADED:
        _LOADED[key] = load(weights, frames=frames)
    return _LOADED[key]


# --------------------------------------------------------------------------- the input


def log_mel(y, *, dtype="float32") -> np.ndarray:
    """The input representation of musicnn, from 16 kHz mono audio: ``log10(10000 mel + 1)``.

    The mel spectrogram is librosa's (``n_fft=512``, ``hop_length=256``, 96 bands, its
    defaults otherwise: power 2, Slaney mel scale, centred frames).

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Audio at :data:`SR` (16 kHz).
    dtype : {"float32", "float16"}
        The type the mel power is cast to before ``10000 x``. ``"float16"`` reproduces the
        published ``extractor.py`` of musicnn 0.1.0, where the product overflows to
        infinity above a mel power of 6.55 (:func:`float16_overflow`); use it only to see
        that bug.

    Returns
    -------
    np.ndarray [shape=(n_frames, 96)]
        Time first, as the models read it; ``dtype`` as asked.

    Example
    -------
    >>> y = np.random.default_rng(0).normal(0, 0.1, SR).astype(np.float32)
    >>> log_mel(y).shape, log_mel(y).dtype
    ((63, 96), dtype('float32'))
    """
    import librosa

    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float16):
        raise ValueError(f"dtype must be float32 (or float16, to see the bug), found {dtype}")
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"expected mono audio of shape (n_samples,), found shape {y.shape}")
    mel = librosa.feature.melspectrogram(
        y=y, sr=SR, hop_length=HOP_LENGTH, n_fft=N_FFT, n_mels=N_MELS
    ).T
    mel = mel.astype(dtype)
    with np.errstate(over="ignore"):  # float16 overflows, and that is what it shows
        return np.log10(dtype.type(10000) * mel + dtype.type(1))


def float16_overflow(y) -> dict:
    """How much of a recording the float16 input of musicnn 0.1.0 turns into infinity.

    float16's largest finite number is 65,504, so ``10000 x`` overflows wherever the mel
    power ``x`` exceeds 6.55: :func:`log_mel` with ``dtype="float16"`` is then infinite
    there, and the network's output no longer depends on the music.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Audio at :data:`SR`.

    Returns
    -------
    dict
        ``"inf_fraction"``: fraction of the (frame, band) bins that are infinite;
        ``"inf_patches"``: fraction of the 187-frame patches with at least one;
        ``"max_power"``: the largest mel power; ``"limit"``: the power above which float16
        overflows (65,504 / 10,000).

    Example
    -------
    >>> loud = np.sin(2 * np.pi * 440 * np.arange(3 * SR) / SR).astype(np.float32)
    >>> float16_overflow(loud)["inf_fraction"] > 0
    True
    """
    S16 = log_mel(y, dtype="float16")
    P = patches(S16)
    mel = (10 ** log_mel(y).astype(np.float64) - 1) / 10000
    return {
        "inf_fraction": float(np.isinf(S16).mean()),
        "inf_patches": float(np.isinf(P).any(axis=(1, 2)).mean()),
        "max_power": float(mel.max()),
        "limit": float(np.finfo(np.float16).max) / 10000,
    }


def float16_constant_taggram(weights: str = "MTT_musicnn") -> np.ndarray:
    """What a musicnn model answers for any patch with an infinite bin (the float16 bug).

    In the musicnn architecture one infinite input bin turns the whole feature map into
    infinities and NaNs (the mid end convolves over all features), and TensorFlow's ReLU and
    max pooling turn those into the same numbers whatever the music: every patch that
    overflowed gets this taggram (MTT_musicnn: guitar 0.371, indian 0.276, electronic 0.266).
    The vgg models have no such constant (their 3x3 convolutions keep an infinity local).

    Returns
    -------
    np.ndarray [shape=(50,), dtype=float32]

    Example
    -------
    ::

        top_tags(float16_constant_taggram("MTT_musicnn"), k=1)
        # [('guitar', 0.371...)]
    """
    if _info(weights).architecture != "musicnn":
        raise ValueError(f"only the musicnn models have a constant taggram, not {weights}")
    inf = np.full((1, PATCH_FRAMES, N_MELS), np.inf, dtype=np.float32)
    return predict(inf, weights=weights)["taggram"][0]


def is_float16_constant(taggram, *, weights: str = "MTT_musicnn", atol: float = 1e-6) -> bool:
    """Whether every patch of a taggram is :func:`float16_constant_taggram` (the bug's output).

    Parameters
    ----------
    taggram : np.ndarray [shape=(n_patches, 50) or (50,)]

    Returns
    -------
    bool

    Example
    -------
    >>> is_float16_constant(float16_constant_taggram())
    True
    """
    constant = float16_constant_taggram(weights)
    return bool(np.abs(np.atleast_2d(taggram) - constant).max() <= atol)


def patches(S, *, frames: int = PATCH_FRAMES) -> np.ndarray:
    """Back-to-back patches of ``frames`` frames of a spectrogram, as musicnn batches it.

    The frames after the last whole patch are dropped (as the original extractor does). A
    spectrogram shorter than one patch is repeated until it fills one, as musicnn was
    trained (``repeat-pad``); the original extractor fails on such a clip.

    Parameters
    ----------
    S : np.ndarray [shape=(n_frames, 96)]
        From :func:`log_mel`.
    frames : int
        Patch length.

    Returns
    -------
    np.ndarray [shape=(n_patches, frames, 96)]
        ``n_patches = max(1, n_frames // frames)``; the dtype of ``S``.

    Example
    -------
    >>> patches(np.zeros((400, 96), np.float32)).shape
    (2, 187, 96)
    """
    S = np.asarray(S)
    if S.ndim != 2 or S.shape[0] == 0:
        raise ValueError(f"expected a spectrogram of shape (n_frames, bands), found {S.shape}")
    if S.shape[0] < frames:
        S = np.tile(S, (int(np.ceil(frames / S.shape[0])), 1))
    n = S.shape[0] // frames
    return np.ascontiguousarray(S[: n * frames].reshape(n, frames, S.shape[1]))


def file_patches(path, *, dtype="float32", frames: int = PATCH_FRAMES) -> np.ndarray:
    """An audio file's musicnn input: loaded at 16 kHz mono, :func:`log_mel`, :func:`patches`.

    Parameters
    ----------
    path : str or pathlib.Path
        Any file :func:`utils.audio.load` reads.
    dtype, frames
        See :func:`log_mel` and :func:`patches`.

    Returns
    -------
    np.ndarray [shape=(n_patches, frames, 96)]

    Raises
    ------
    utils.audio.AudioError
        When the file cannot be read (the message names it).

    Example
    -------
    ::

        file_patches("song.mp3").shape  # 30 s
        # (10, 187, 96)
    """
    return patches(log_mel(audio.load(path, sr=SR), dtype=dtype), frames=frames)


_GRAPHS: dict = {}


def _graph(model):
    """``model`` in inference mode as one TensorFlow graph for any number of patches.

    One trace serves every batch size (``model.predict`` traces again for each new one),
    and a graph runs the network as the original TF1 code did: TensorFlow's graph kernels
    turn the infinities of a float16-overflowed input into the same finite taggram for every
    clip, where an eager call returns NaN.
    """
    key = id(model)
    if key not in _GRAPHS or _GRAPHS[key][0] is not model:
        import tensorflow as tf

        spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)
        _GRAPHS[key] = (
            model,
            tf.function(lambda x: model(x, training=False), input_signature=[spec]),
        )
    return _GRAPHS[key][1]


def predict(source, *, weights: str = "MTT_musicnn", batch_size: int = 16, model=None) -> dict:
    """A pretrained model's taggram and features, per 3 s patch, of a file or of patches.

    Parameters
    ----------
    source : str, pathlib.Path or np.ndarray
        An audio file, or patches ``(n_patches, 187, 96)`` from :func:`patches`.
    weights : str
        One of :data:`WEIGHTS`.
    batch_size : int
        Patches per forward pass.
    model : keras.Model, optional
        A model from :func:`load`; default :func:`pretrained` ``(weights)``.

    Returns
    -------
    dict of str to np.ndarray
        ``"taggram"`` (n_patches, 50) and the features of :data:`EMBEDDING_LAYERS`
        (n_patches, dim), all float32.

    Example
    -------
    ::

        out = predict("song.mp3", weights="MSD_musicnn")
        top_tags(out["taggram"].mean(axis=0), weights="MSD_musicnn", k=2)
        # [('rock', 0.31), ('alternative', 0.17)]
    """
    X = source if isinstance(source, np.ndarray) else file_patches(source)
    if X.ndim != 3 or X.shape[2] != N_MELS:
        raise ValueError(f"expected patches of shape (n, frames, {N_MELS}), found {X.shape}")
    model = pretrained(weights, frames=X.shape[1]) if model is None else model
    X = X.astype(np.float32)
    forward = _graph(model)
    parts = [forward(X[i : i + batch_size]) for i in range(0, len(X), batch_size)]
    return {
        k: np.concatenate([np.asarray(p[k]) for p in parts]).astype(np.float32) for k in parts[0]
    }


def top_tags(scores, *, weights: str = "MTT_musicnn", k: int = 5) -> list:
    """The ``k`` highest tags of a score vector, with their scores.

    Example
    -------
    >>> top_tags(np.linspace(0, 1, 50), weights="MTT_musicnn", k=2)
    [('choral', 1.0), ('female voice', 0.9795918367346939)]
    """
    scores = np.asarray(scores, dtype=np.float64)
    names = tags(weights)
    if scores.shape != (len(names),):
        raise ValueError(f"expected {len(names)} scores for {weights}, found shape {scores.shape}")
    order = np.argsort(-scores, kind="stable")[:k]
    return [(names[i], float(scores[i])) for i in order]


# --------------------------------------------------------------------------- embeddings


def _layers_of(weights: str, layers) -> tuple:
    offered = EMBEDDING_LAYERS[_info(weights).architecture]
    layers = tuple(offered) if layers is None else tuple(layers)
    wrong = [name for name in layers if name not in offered]
    if wrong or not layers:
        raise ValueError(
            f"{weights} offers the features {', '.join(offered)}; found {list(layers)}"
        )
    return layers


def central(X, max_patches: int | None):
    """The ``max_patches`` central patches of ``X`` (all of them when ``None`` or fewer).

    Example
    -------
    >>> central(np.arange(5), 2).tolist()
    [1, 2]
    """
    if max_patches is None or len(X) <= max_patches:
        return X
    start = (len(X) - max_patches) // 2
    return X[start : start + max_patches]


def clip_embedding(
    path, *, weights: str = "MTT_musicnn", layers=None, max_patches: int | None = None
) -> np.ndarray:
    """One file's clip-level embedding: features of the pretrained model, averaged over patches.

    A per-file function for :func:`utils.features.extract` (it runs the model in the calling
    process, loading it once, :func:`pretrained`).

    Parameters
    ----------
    path : str or pathlib.Path
    weights : str
        One of :data:`WEIGHTS`.
    layers : sequence of str, optional
        Which features of :data:`EMBEDDING_LAYERS`, concatenated in this order; default all
        of the architecture's.
    max_patches : int, optional
        Average only the central ``max_patches`` patches (quick runs); default all.

    Returns
    -------
    np.ndarray [shape=(sum of the layers' sizes,), dtype=float32]
        E.g. 1,706 numbers for musicnn (200 + 753 + 753).

    Example
    -------
    ::

        clip_embedding("song.mp3", layers=["penultimate"]).shape
        # (200,)
    """
    layers = _layers_of(weights, layers)
    out = predict(central(file_patches(path), max_patches), weights=weights)
    return np.concatenate([out[name].mean(axis=0) for name in layers]).astype(np.float32)


def embed(
    paths,
    *,
    weights: str = "MTT_musicnn",
    layers=("penultimate",),
    max_patches: int | None = None,
    cache_dir=None,
    progress: bool = True,
):
    """Clip-level embeddings of many audio files, cached, with a progress bar.

    :func:`utils.features.extract` runs :func:`clip_embedding` over the files and caches
    each file's vector (keyed by the file, the model and the layers), so a second call only
    reads the cache; files that cannot be read are skipped and named in one warning. The
    model runs in this process, where TensorFlow spreads each forward pass over all cores
    (worker processes would each load TensorFlow and the model, and compete for the same
    cores).

    Parameters
    ----------
    paths : sequence of str or pathlib.Path
        Audio files.
    weights : str
        One of :data:`WEIGHTS`.
    layers : sequence of str or None
        Features of :data:`EMBEDDING_LAYERS`, concatenated (``None``: all); default the
        penultimate layer (200 numbers per clip), the usual transfer-learning embedding.
    max_patches : int, optional
        Average only each file's central ``max_patches`` 3 s patches; default all.
    cache_dir : str, pathlib.Path, None or False
        See :func:`utils.features.extract`.
    progress : bool
        Show a progress bar.

    Returns
    -------
    utils.features.Extracted
        ``.features`` np.ndarray [shape=(n_ok, dim), dtype=float32]; ``.paths``, ``.failed``
        (path, reason) of the skipped files; ``.input_index`` (the input position of each
        row).

    Example
    -------
    ::

        res = embed(df["path"], weights="MSD_musicnn")
        res.features.shape
        # (128, 200)
    """
    layers = list(_layers_of(weights, layers))
    pretrained(weights)  # load once, before the progress bar starts
    res = features.extract(
        list(paths),
        clip_embedding,
        n_jobs=1,
        cache_dir=cache_dir,
        desc=f"{weights} embeddings",
        progress=progress,
        weights=weights,
        layers=layers,
        max_patches=max_patches,
    )
    if not res.paths:
        dim = sum(EMBEDDING_LAYERS[_info(weights).architecture][name] for name in layers)
        res.features = np.zeros((0, dim), dtype=np.float32)
    return res


# --------------------------------------------------------------------------- fine-tuning

_MIDEND = 753  # features per frame after the mid end: 561 front-end + 3 x 64 mid-end


def midend(X, *, weights: str = "MTT_musicnn", batch_size: int = 16) -> np.ndarray:
    """The frozen front and mid end of a pretrained musicnn: the feature map the back end pools.

    Parameters
    ----------
    X : np.ndarray [shape=(n_patches, frames, 96)]
        Patches from :func:`patches`.
    weights : str
        A musicnn model of :data:`WEIGHTS`.

    Returns
    -------
    np.ndarray [shape=(n_patches, frames, 753), dtype=float32]
        The input of :func:`backend_classifier`.

    Example
    -------
    >>> midend(np.zeros((1, PATCH_FRAMES, N_MELS), np.float32)).shape
    (1, 187, 753)
    """
    if _info(weights).architecture != "musicnn":
        raise ValueError(f"{weights} has no mid end; use a musicnn model")
    import keras

    full = pretrained(weights, frames=X.shape[1])
    key = ("midend", weights, X.shape[1])
    if key not in _LOADED:
        _LOADED[key] = keras.Model(full.input, full.get_layer("midend_features").output)
    forward = _graph(_LOADED[key])
    X = np.asarray(X, dtype=np.float32)
    return np.concatenate(
        [np.asarray(forward(X[i : i + batch_size])) for i in range(0, len(X), batch_size)]
    )


def backend_classifier(
    n_outputs: int, *, weights: str = "MTT_musicnn", frames: int = PATCH_FRAMES, dropout=0.5
):
    """The back end of musicnn with its pretrained weights and a new output layer, to fine-tune.

    The back end (max and mean pooling over time, batch normalisation, the 200-unit dense
    layer and its batch normalisation) starts from the pretrained weights; its dense layer
    and the new output layer are trainable, its batch normalisations keep their pretrained
    statistics (a small collection's batches would give noisy ones). Its input is the mid-end
    feature map (:func:`midend`), computed once: training never runs the frozen front end.

    Parameters
    ----------
    n_outputs : int
        Classes (softmax), or 1 (sigmoid).
    weights : str
        A musicnn model of :data:`WEIGHTS`.
    frames : int
        Frames per patch.
    dropout : float
        Dropout before the dense layer and before the output, as in training (0.5).

    Returns
    -------
    keras.Model
        Input ``(patches, frames, 753)``; output ``(patches, n_outputs)`` probabilities.
        Uncompiled.

    Example
    -------
    >>> backend_classifier(2).output.shape
    (None, 2)
    """
    if _info(weights).architecture != "musicnn":
        raise ValueError(f"{weights} has no musicnn back end")
    with config.quiet_native_stderr():
        import keras

    L = keras.layers
    x = keras.Input((frames, _MIDEND), name="midend_features")
    max_pool = L.Reshape((_MIDEND, 1))(L.GlobalMaxPooling1D()(x))
    mean_pool = L.Reshape((_MIDEND, 1))(L.GlobalAveragePooling1D()(x))
    h = L.Flatten()(L.Concatenate(axis=2)([max_pool, mean_pool]))
    h = L.BatchNormalization(name="backend_pool_bn", trainable=False)(h)
    h = L.Dropout(dropout)(h)
    h = L.Dense(200, activation="relu", name="backend_dense")(h)
    h = L.BatchNormalization(name="penultimate", trainable=False)(h)
    h = L.Dropout(dropout)(h)
    activation = "sigmoid" if n_outputs == 1 else "softmax"
    out = L.Dense(n_outputs, activation=activation, name="head")(h)
    model = keras.Model(x, out, name=f"{weights}_backend")
    source = pretrained(weights, frames=frames)
    for name in ("backend_pool_bn", "backend_dense", "penultimate"):
        model.get_layer(name).set_weights(source.get_layer(name).get_weights())
    return model


# --------------------------------------------------------------------------- the original's outputs

#: The models the reference outputs of the original network cover.
REFERENCE_WEIGHTS = ("MTT_musicnn", "MSD_musicnn", "MTT_vgg")


def reference_file():
    """Where the original network's outputs for real recordings are, for developers and CI.

    ``../shared/data/reference/musicnn_reference.json`` beside the project (computed with the
    wheel's own TF1 graph; its ``about`` says how); users do not have it.

    Returns
    -------
    pathlib.Path or None
        The file, or ``None`` when it is not there.

    Example
    -------
    >>> reference_file() is None or reference_file().name == "musicnn_reference.json"
    True
    """
    path = config.repo_root().parent / "shared" / "data" / "reference" / "musicnn_reference.json"
    return path if path.is_file() else None


def compare_with_reference(path, *, weights=REFERENCE_WEIGHTS, max_patches: int | None = None):
    """The port's largest difference from the original network, per clip, model and output.

    Each clip of the reference file is read as the original read it (16 kHz,
    :func:`file_patches`); the port's taggram of the first patch and its mean over patches,
    and the means of the ``max_pool`` and ``mean_pool`` features, are compared with the
    original's. The original's ``penultimate`` "mean" is its first patch's vector (its
    extractor unpacks every later patch's penultimate layer into a variable it never reads),
    so it is compared with the port's first patch.

    Parameters
    ----------
    path : str or pathlib.Path
        The reference file (:func:`reference_file`); its clips' paths are relative to the
        folder above its own.
    weights : sequence of str
        Models to compare.
    max_patches : int, optional
        Compare only the clips of at most this many patches (quick runs); default all.

    Returns
    -------
    pandas.DataFrame
        Columns ``recording``, ``weights``, ``patches``, ``output``, ``max_abs_diff``.

    Example
    -------
    ::

        table = compare_with_reference(reference_file())
        table.max_abs_diff.max()
        # 6.9e-05
    """
    import json

    import pandas as pd

    path = Path(path)
    ref = json.loads(path.read_text(encoding="utf-8"))
    root = path.parent.parent
    rows = []
    for name, entry in ref["clips"].items():
        if max_patches is not None and entry[weights[0]]["patches"] > max_patches:
            continue
        X = file_patches(root / name)
        for w in weights:
            r = entry[w]
            if list(r["tags"]) != tags(w) or len(X) != r["patches"]:
                raise ValueError(f"{name}: {w}'s reference does not fit the port's input")
            out = predict(X, weights=w)
            pairs = {
                "taggram_first_patch": (out["taggram"][0], r["taggram_first_patch"]),
                "taggram_mean": (out["taggram"].mean(axis=0), r["taggram_mean"]),
            }
            if "penultimate_mean" in r:
                pairs["penultimate_first_patch"] = (out["penultimate"][0], r["penultimate_mean"])
                pairs["max_pool_mean"] = (out["max_pool"].mean(axis=0), r["max_pool_mean"])
                pairs["mean_pool_mean"] = (out["mean_pool"].mean(axis=0), r["mean_pool_mean"])
            for output, (mine, theirs) in pairs.items():
                diff = float(np.abs(np.asarray(mine) - np.asarray(theirs)).max())
                rows.append((name, w, len(X), output, diff))
    return pd.DataFrame(rows, columns=["recording", "weights", "patches", "output", "max_abs_diff"])
