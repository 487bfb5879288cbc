"""Shared code for the *Deep Learning for Music Classification with Keras* notebooks.

Notebooks import modules, never copy their code::

    from utils import config, datasets, audio, features, models, evaluation, plots

What notebooks use
------------------
config      run parameters (``run_parameters``: quick mode, dataset choice), seeds, data and
            results folders, package checks
layouts     where each dataset's files live, real and demo; format facts (rates, the 188 tags)
datasets    which copy of a dataset a run uses (``locate``), the loaders, the MTAT splits
vocabulary  MTAT's tag groups (vocal, instrumental, genres, moods, synonyms) and labels from them
examples    librosa's example recordings, with demo clips standing in offline
audio       loading, segmenting, spectrograms, mel, log-mel, MFCC
psychoacoustics  Bark, phon, sone, sonogram, rhythm patterns, SSD, rhythm histogram
features    feature extraction over many files with a cache and a progress bar
layers      custom Keras layers (registered for saving)
models      Keras model builders (Siamese twins included) and device set-up
pipelines   tf.data input pipelines from audio files
similarity  distances, relevance from tags, retrieval metrics, tuned shares (notebook 08)
search      notebook 08's collection and evaluation, once for notebooks 08-10
siamese     pairs, triplets, pair verification and Siamese losses (notebooks 09-10)
evaluation  metrics, clip-level aggregation, cross-validation by clip
results     the results files: each notebook's metrics, lessons and tables of methods
plots       waveform, spectrogram, training history and other figures
musicnn     the pretrained musicnn taggers ported to Keras 3: weights, input, tags, embeddings
collection  your own collection: a folder per class, as the clip table of the other loaders
transfer    transfer learning: probes on embeddings cross-validated by clip, with bootstrap intervals
tag         tagging audio files with a trained or pretrained model (``python -m utils.tag``)

The machinery (``make``, the runner, CI)
---------------------------------------
demo        offline demo datasets in the real layouts (``prepare`` makes a missing copy)
synth       the demo's sounds: instruments, drums, sung vowels, speech-like signals
files       reporting unreadable files, reading tab-separated tables (a leaf)
catalog     what can be downloaded: sources, sizes, checksums, the plan of a download
download    checking and installing downloaded datasets (``download_datasets.sh``)
runner      executes notebooks headless (``python -m utils.runner``); notebooks' setup cells,
            Colab badges and slide types (``--sync-setup``)
publish     the results tables, slides and the static site (``python -m utils.publish``)

The layers and what each module may import: CONTRIBUTING.md, "Architecture".
"""

__version__ = "0.1.0"

#: The repository on GitHub, used by the "Open in Colab" badges and the Colab setup cell.
GITHUB_REPO = "musicdl-keras/music-classification-keras"
