"""Shared code for the *Deep Learning for Music Classification with Keras* notebooks.

Notebooks import modules, never copy their code::

    from utils import config, datasets, audio, features, models, evaluation, plots

Modules
-------
config      run parameters (quick mode, dataset choice), seeds, repository paths
datasets    where data lives, which datasets are present, dataset loaders
download    download sources and installing the real datasets (download_datasets.sh)
demo        offline demo datasets in the real layouts
audio       loading, segmenting, spectrograms, MFCC, psychoacoustic features
features    feature extraction over many files with a cache and a progress bar
layers      custom Keras layers (registered for saving)
models      Keras model builders (Siamese twins included) and device set-up
pipelines   tf.data input pipelines from audio files
tag         tagging audio files with a trained model (``python -m utils.tag``)
similarity  distances, relevance from tags, retrieval metrics, tuned shares (notebook 08)
search      notebook 08's collection and evaluation, once for notebooks 08-10
siamese     pairs, triplets, pair verification and Siamese losses (notebooks 09-10)
evaluation  metrics and the results files
plots       waveform, spectrogram, training history and other figures
runner      executes notebooks headless (``python -m utils.runner``); notebooks' setup cells,
            Colab badges and slide types (``--sync-setup``)
publish     the results tables, slides and the static site (``python -m utils.publish``)
"""

__version__ = "0.1.0"

#: The repository on GitHub, used by the "Open in Colab" badges and the Colab setup cell.
GITHUB_REPO = "musicdl-keras/music-classification-keras"
