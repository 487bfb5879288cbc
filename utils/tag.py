"""Tagging audio files with a trained model, from Python and from the command line.

:func:`predict_tags` loads any audio file (wav, flac, ogg, mp3; any rate, mono or stereo),
cuts it into back-to-back chunks of the model's input length, and averages the model's
predictions over the chunks. The command line does the same for several files::

    python -m utils.tag song.mp3 other.wav --model data/models/music_tagger.keras --top-k 5

It prints each file's top tags with their scores; a file that cannot be read gets a
clear message on stderr, the other files are still tagged, and the exit status is 1.

With no model of notebook 07 trained (none at :func:`default_model_path`), or with
``--model musicnn``, the pretrained musicnn of :mod:`utils.musicnn` tags the files, and a
line on stderr says which model tagged and what it was trained on::

    python -m utils.tag song.mp3                       # notebook 07's model, else musicnn
    python -m utils.tag song.mp3 --model musicnn-msd   # the Million Song Dataset's tags
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from . import audio, config, files, layouts, models, musicnn

__all__ = [
    "MIN_SAMPLES",
    "MODEL_SUBDIR",
    "PART_SECONDS",
    "PRETRAINED",
    "default_model_path",
    "describe_pretrained",
    "main",
    "predict_pretrained",
    "predict_tags",
]

#: Where trained models live inside the data folder (notebook 07 saves its tagger there).
MODEL_SUBDIR = "models"

#: The pretrained models ``--model`` names, and their weights in :mod:`utils.musicnn`.
PRETRAINED = {
    "musicnn": "MTT_musicnn",
    "musicnn-msd": "MSD_musicnn",
    "vgg": "MTT_vgg",
    "vgg-msd": "MSD_vgg",
}

#: Seconds of audio read at a time: a long file is tagged part by part, so that a 2-hour
#: recording needs about as much memory as a song.
PART_SECONDS = 120.0

#: The shortest input an any-length model is given (shorter files are zero-padded):
#: one window of its mel front end.
MIN_SAMPLES = 2048


def default_model_path(*, quick: bool = False) -> Path:
    """Where notebook 07 saves its tagger: ``<data>/models/music_tagger.keras``.

    The command line uses this model by default. A quick-mode run saves its small model
    beside it as ``music_tagger_quick.keras`` (``quick=True``), so it never replaces the
    model of a full run.
    """
    name = "music_tagger_quick.keras" if quick else "music_tagger.keras"
    return config.data_dir() / MODEL_SUBDIR / name


def _tag_names(model, tags) -> list:
    n_outputs = int(model.output_shape[-1])
    if tags is None:
        if n_outputs != len(layouts.TOP50_TAGS):
            raise ValueError(
                f"the model has {n_outputs} outputs; pass tags=[...] with one name per output "
                f"(the default, MagnaTagATune's top 50, has {len(layouts.TOP50_TAGS)})"
            )
        tags = layouts.TOP50_TAGS
    tags = [str(t) for t in tags]
    if len(tags) != n_outputs:
        raise ValueError(f"the model has {n_outputs} outputs but {len(tags)} tag names were given")
    return tags


def predict_tags(path, *, model, tags=None, top_k: int = 5, batch_size: int = 16) -> list:
    """The top tags of one audio file, with scores averaged over its chunks.

    The file is read at the rate the model's mel front end expects and cut into
    back-to-back chunks of the model's input length (a file shorter than one chunk is
    zero-padded, the incomplete chunk at the end is dropped); the model scores every
    chunk and the scores are averaged per tag.

    Parameters
    ----------
    path : str or pathlib.Path
        Any audio file :func:`utils.audio.load` reads.
    model : keras.Model or str or pathlib.Path
        A raw-audio tagger (:func:`utils.models.tagging_cnn`), or the ``.keras`` file of one.
    tags : sequence of str, optional
        One name per model output; default :data:`utils.layouts.TOP50_TAGS` for a model
        with 50 outputs.
    top_k : int
        How many tags to return (all when ``top_k`` is at least the number of tags).
    batch_size : int
        Chunks scored at once.

    Returns
    -------
    list of (str, float)
        ``(tag, score)`` pairs, highest score first; scores in [0, 1] for sigmoid outputs.

    Raises
    ------
    utils.audio.AudioError
        When the file cannot be read (the message names it and says why).

    Example
    -------
    ::

        predict_tags("song.mp3", model="data/models/music_tagger.keras", top_k=3)
        # [('guitar', 0.81), ('rock', 0.64), ('loud', 0.41)]
    """
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, found {top_k}")
    if isinstance(model, (str, Path)):
        model = models.load_model(model, compile=False)
    names = _tag_names(model, tags)
    settings = models.front_end_settings(model)
    sr, length = settings["sr"], settings["chunk_samples"]
    if length is None:  # a model that takes any length gets the whole file at once
        y = audio.load(path, sr=sr)
        if len(y) < MIN_SAMPLES:
            y = np.pad(y, (0, MIN_SAMPLES - len(y)))
        scores = np.asarray(model.predict(y[None], verbose=0))[0]
    else:
        # Part by part (whole chunks each), so that memory stays that of PART_SECONDS.
        per_part = max(1, int(PART_SECONDS * sr) // length) * length
        total, count, offset = 0.0, 0, 0
        while True:
            try:
                # a little more than a part, cut to it: resampling may round a sample off
                y = audio.load(path, sr=sr, offset=offset / sr, duration=per_part / sr + 0.1)
                y = y[:per_part]
            except audio.AudioError:
                if offset == 0:
                    raise
                break  # past the end
            if offset and len(y) < length:
                break  # the incomplete chunk at the end is dropped
            chunks = audio.segment(y, size=length, hop=length)
            out = np.asarray(model.predict(chunks, batch_size=batch_size, verbose=0))
            total, count = total + out.sum(axis=0), count + len(out)
            offset += per_part
            if len(y) < per_part:
                break
        scores = total / count
    order = np.argsort(-scores, kind="stable")[:top_k]
    return [(names[j], float(scores[j])) for j in order]


def predict_pretrained(path, *, weights: str = "MTT_musicnn", top_k: int = 5) -> list:
    """The top tags of one audio file by a pretrained musicnn model, averaged over 3 s patches.

    Parameters
    ----------
    path : str or pathlib.Path
        Any audio file :func:`utils.audio.load` reads.
    weights : str
        One of :data:`utils.musicnn.WEIGHTS`.
    top_k : int
        How many tags to return.

    Returns
    -------
    list of (str, float)
        ``(tag, score)`` pairs, highest score first.

    Raises
    ------
    utils.audio.AudioError
        When the file cannot be read (the message names it and says why).

    Example
    -------
    ::

        predict_pretrained("song.mp3", top_k=2)
        # [('guitar', 0.52), ('classical', 0.41)]
    """
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, found {top_k}")
    taggram = musicnn.predict(path, weights=weights)["taggram"]
    return musicnn.top_tags(taggram.mean(axis=0), weights=weights, k=top_k)


def describe_pretrained(weights: str) -> str:
    """One line on a pretrained model: its name, training data and published test score.

    Example
    -------
    >>> describe_pretrained("MTT_musicnn")  # doctest: +ELLIPSIS
    'the pretrained musicnn MTT_musicnn (musicnn 0.1.0, Pons & Serra 2019), trained on MagnaTagATune ...'
    """
    info = musicnn.MODELS[weights]
    try:
        score = musicnn.published_scores(weights)
        scores = f"; ROC-AUC {score['roc_auc']:.3f}, PR-AUC {score['pr_auc']:.3f} on its test set"
    except (OSError, ValueError):
        scores = ""
    return (
        f"the pretrained {info.architecture} {weights} (musicnn 0.1.0, Pons & Serra 2019), "
        f"trained on {info.dataset}{scores}"
    )


def main(argv=None) -> int:
    """The command line: ``python -m utils.tag FILE... [--model PATH] [--top-k K]``.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when every file was tagged; 1 when a file could not be read; 2 for a usage
        error or a missing model.
    """
    parser = argparse.ArgumentParser(
        prog="python -m utils.tag",
        description="Print the top tags of audio files, as predicted by a trained or pretrained tagger.",
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="audio files (wav, flac, ogg, mp3)"
    )
    parser.add_argument(
        "--model",
        default=None,
        help=(
            f"{'|'.join(PRETRAINED)} (pretrained), or a .keras model from "
            f"utils.models.tagging_cnn (default: {default_model_path()} when notebook 07 "
            "has saved one there, else its quick-mode model, else musicnn)"
        ),
    )
    parser.add_argument("--top-k", type=int, default=5, help="tags to print per file (default 5)")
    parser.add_argument(
        "--tags",
        type=Path,
        default=None,
        help="a text file with one tag name per model output (default: MTAT's top 50)",
    )
    args = parser.parse_args(argv)
    if args.top_k < 1:
        parser.error(f"--top-k must be at least 1, found {args.top_k}")
    trained = [default_model_path(), default_model_path(quick=True)]
    if args.model in PRETRAINED or (args.model is None and not any(p.is_file() for p in trained)):
        return _main_pretrained(args, PRETRAINED[args.model or "musicnn"])
    model_path = Path(args.model) if args.model else default_model_path()
    quick_model = default_model_path(quick=True)
    if args.model is None and not model_path.is_file() and quick_model.is_file():
        print(
            f"note: no full-mode model at {model_path}; using the quick-mode one, {quick_model} "
            "(a full run of notebook 07 saves a better one)",
            file=sys.stderr,
        )
        model_path = quick_model
    if not model_path.is_file():
        print(
            f"error: no model at {model_path}. Train one in notebook 07 (it saves there), "
            "pass --model PATH to a .keras file saved from utils.models.tagging_cnn, or "
            f"--model {'|'.join(PRETRAINED)} for a pretrained one.",
            file=sys.stderr,
        )
        return 2
    tags = None
    if args.tags is not None:
        try:
            text = args.tags.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            print(
                f"error: cannot read the --tags file {args.tags} ({files.reason(err)}); pass a "
                "text file with one tag name per line, one per model output.",
                file=sys.stderr,
            )
            return 2
        tags = [t.strip() for t in text.splitlines() if t.strip()]
    try:
        with config.quiet_native_stderr():
            model = models.load_model(model_path, compile=False)
    except Exception as err:
        print(
            f"error: {model_path} is not a complete Keras model ({files.reason(err)}): it may "
            "be truncated or another kind of file. Save it again from notebook 07 (or copy it "
            "again), or pass --model PATH to another .keras file.",
            file=sys.stderr,
        )
        return 2
    try:
        _tag_names(model, tags)
        models.front_end_settings(model)
    except ValueError as err:
        print(f"error: {model_path}: {err}", file=sys.stderr)
        return 2
    print(f"Tagging with {model_path} (a tagger of notebook 07)", file=sys.stderr)
    return _tag_files(
        args.files, lambda file: predict_tags(file, model=model, tags=tags, top_k=args.top_k)
    )


def _main_pretrained(args, weights: str) -> int:
    why = "" if args.model else f" (no model of notebook 07 at {default_model_path()})"
    if args.tags is not None:
        print("error: --tags is for a .keras model; a pretrained one has its own", file=sys.stderr)
        return 2
    try:
        with config.quiet_native_stderr():
            musicnn.pretrained(weights)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"Tagging with {describe_pretrained(weights)}{why}", file=sys.stderr)
    return _tag_files(
        args.files, lambda file: predict_pretrained(file, weights=weights, top_k=args.top_k)
    )


def _tag_files(paths, predict) -> int:
    """Print each file's top tags; name the files that cannot be read; the exit status."""
    failed = 0
    for file in paths:
        try:
            top = predict(file)
        except (audio.AudioError, OSError) as err:
            failed += 1
            print(f"error: {err}", file=sys.stderr)
            continue
        print(file)
        for tag, score in top:
            print(f"  {score:5.3f}  {tag}")
    if failed:
        print(
            f"{failed} of {len(paths)} files could not be read (see the messages above)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
