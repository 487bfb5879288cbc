"""utils.plots: every figure has labelled axes with units."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils import audio, plots, psychoacoustics

SR = 22050


@pytest.fixture()
def y():
    t = np.arange(2 * SR) / SR
    return (0.5 * np.sin(2 * np.pi * 440 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2).astype(
        np.float32
    )


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_waveform_axes(y):
    ax = plots.waveform(y, sr=SR, title="tone")
    assert ax.get_xlabel() == "Time (s)" and ax.get_ylabel() == "Amplitude"
    assert ax.get_title() == "tone"
    assert ax.get_xlim()[1] == pytest.approx(2.0)


def test_spectrogram_axes_and_colorbar(y):
    S = audio.log_mel(y, sr=SR, n_mels=40, n_fft=1024, hop_length=512)
    fig, (a, b) = plt.subplots(1, 2)
    plots.spectrogram(S, sr=SR, hop_length=512, ax=a, title="log-mel")
    assert a.get_xlabel() == "Time (s)" and "Hz" in a.get_ylabel()
    assert a.get_xlim()[1] == pytest.approx(S.shape[1] * 512 / SR, rel=0.02)
    colorbars = [ax for ax in fig.axes if ax not in (a, b)]
    assert len(colorbars) == 1 and colorbars[0].get_ylabel() == "dB"
    plots.spectrogram(
        audio.mfcc(y, sr=SR), sr=SR, hop_length=512, y_axis=None, ax=b, colorbar=False
    )
    assert b.get_ylabel() == "Coefficient"


def test_rhythm_pattern_axes(y):
    rp = psychoacoustics.rhythm_patterns(y, sr=SR)
    ax = plots.rhythm_pattern(rp, title="AM tone")
    assert ax.get_xlabel() == "Modulation frequency (Hz)" and "Bark" in ax.get_ylabel()
    x0, x1 = ax.get_xlim()
    assert x0 == pytest.approx(0.084, abs=0.01) and x1 == pytest.approx(10.18, abs=0.05)
    assert ax.get_ylim() == (0.5, 24.5)
    flat = plots.rhythm_pattern(rp.ravel(order="F"), colorbar=False)
    np.testing.assert_array_equal(flat.images[0].get_array(), rp)
    with pytest.raises(ValueError, match="24"):
        plots.rhythm_pattern(np.zeros((10, 60)))


def test_history_plots_training_and_validation_curves():
    h = {"loss": [0.9, 0.5, 0.3], "val_loss": [0.9, 0.6, 0.5], "accuracy": [0.5, 0.8, 0.9]}
    axes = plots.history(h)
    assert [ax.get_ylabel() for ax in axes] == ["loss", "accuracy"]
    assert [line.get_label() for line in axes[0].lines] == ["training", "validation"]
    np.testing.assert_array_equal(axes[0].lines[1].get_ydata(), h["val_loss"])
    assert axes[0].get_xlabel() == "epoch"


def test_decision_boundary_draws_the_half_contour_of_the_classifier():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    ax = plots.decision_boundary(lambda P: (P[:, 0] > 0.5).astype(float), X, [0, 0, 1, 1])
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    assert len(ax.collections) >= 3  # filled map, 0.5 contour, points


def test_activation_functions_one_panel_each():
    from utils import models

    fig = plots.activation_functions(models.ACTIVATIONS)
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert [ax.get_title() for ax in visible] == list(models.ACTIVATIONS)


def test_confusion_matrix_writes_the_counts():
    ax = plots.confusion_matrix(np.array([[5, 1], [2, 7]]), labels=["speech", "music"])
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2", "5", "7"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"


def test_normalized_confusion_matrix_shows_each_rows_shares():
    cm = np.array([[3, 1, 0], [0, 0, 0], [2, 2, 4]])
    ax = plots.confusion_matrix(cm, labels=["a", "b", "c"], normalize=True)
    texts = [t.get_text() for t in ax.texts]
    assert texts == [".75", ".25", "0", "0", "0", "0", ".25", ".25", ".50"]  # empty row stays 0
    assert ax.images[0].get_array().max() == 0.75


def test_live_draws_once_with_the_defaults_when_headless():
    calls = []
    result = plots.live(
        lambda n_fft, clip: calls.append((n_fft, clip)),
        n_fft=([512, 1024], 1024),
        clip=(["a", "b"], "b"),
        headless=True,
    )
    assert result is None and calls == [(1024, "b")]


def test_live_redraws_when_a_control_moves():
    pytest.importorskip("ipywidgets")
    calls = []
    widget = plots.live(
        lambda n_fft, clip: calls.append((n_fft, clip)),
        n_fft=([512, 1024, 2048], 1024),
        clip=(["a", "b"], "a"),
        headless=False,
    )
    sliders = {w.description: w for w in widget.children if hasattr(w, "options")}
    assert type(sliders["n_fft"]).__name__ == "SelectionSlider"
    assert type(sliders["clip"]).__name__ == "Dropdown"
    assert list(sliders["n_fft"].options) == [512, 1024, 2048]
    sliders["n_fft"].value = 2048
    sliders["clip"].value = "b"
    assert calls == [(1024, "a"), (2048, "a"), (2048, "b")]


def test_live_rejects_a_default_that_is_not_an_option():
    with pytest.raises(ValueError, match="not one of the options"):
        plots.live(print, n_fft=([512, 1024], 4096), headless=True)


def test_live_follows_musicdl_headless(monkeypatch):
    calls = []
    monkeypatch.setenv("MUSICDL_HEADLESS", "1")
    assert plots.live(lambda k: calls.append(k), k=([1, 2], 2)) is None
    assert calls == [2]


def test_embedding_map_colours_each_label_and_greys_the_rest():
    Z = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [3.0, 1.0], [4.0, 4.0]])
    ax = plots.embedding_map(Z, labels=["rock", "jazz", "rock", None, ""], title="map")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["several or none", "jazz", "rock"]
    sizes = [len(c.get_offsets()) for c in ax.collections]
    assert sizes == [2, 1, 2]  # grey first (below), then each label once
    assert ax.get_xlabel() == "t-SNE 1" and ax.get_ylabel() == "t-SNE 2"
    assert ax.get_title() == "map"
    colours = {tuple(np.round(c.get_facecolor()[0], 3)) for c in ax.collections}
    assert len(colours) == 3, "each label has its own colour"


def test_embedding_map_rejects_bad_shapes():
    with pytest.raises(ValueError, match="shape"):
        plots.embedding_map(np.zeros((3, 3)), labels=["a"] * 3)
    with pytest.raises(ValueError, match="labels"):
        plots.embedding_map(np.zeros((3, 2)), labels=["a"] * 2)


def test_live_draws_a_static_figure_without_a_front_end(monkeypatch):
    # nbconvert, papermill, nbclient: no front end, no MUSICDL_HEADLESS; nothing waits on a widget
    monkeypatch.delenv("MUSICDL_HEADLESS", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    calls = []
    assert plots.live(lambda k: calls.append(k), k=([1, 2], 2)) is None
    assert calls == [2]


def test_taggram_shows_the_top_tags_over_time():
    scores = np.tile(np.linspace(0, 1, 5), (4, 1))  # 4 patches, tag "e" highest
    ax = plots.taggram(scores, tags=list("abcde"), top=3, title="t")
    assert ax.get_xlabel() == "Time (s)" and ax.get_ylabel() == "Tag"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["e", "d", "c"]
    assert ax.images[0].get_extent()[:2] == [0, 12.0]
    with pytest.raises(ValueError, match="shape"):
        plots.taggram(scores, tags=list("abc"))
