"""Figures with labelled axes and units: waveform, spectrogram, rhythm pattern, training
history, decision boundary, activation functions, confusion matrix, embedding map, taggram; live figures that
ipywidgets redraw (:func:`live`).

Importing this module sets font and line sizes for a projector once (:data:`STYLE`), so
every notebook's figures read from the back of a room.

Each function draws into ``ax`` (a new figure when ``None``) and returns the axes, so
notebooks can place several plots side by side::

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3))
    plots.rhythm_pattern(rp_calm, ax=a, title="calm")
    plots.rhythm_pattern(rp_loud, ax=b, title="energetic")
"""

from __future__ import annotations

import numpy as np

from . import config, psychoacoustics

__all__ = [
    "STYLE",
    "MAGNITUDE_CMAP",
    "SIGNED_CMAP",
    "activation_functions",
    "confusion_matrix",
    "decision_boundary",
    "embedding_map",
    "history",
    "live",
    "model_diagram",
    "rhythm_pattern",
    "spectrogram",
    "tag_scores",
    "taggram",
    "waveform",
]

#: Matplotlib settings for a projector: larger fonts and lines, a grid, tight layouts.
STYLE = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "lines.linewidth": 2.0,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.autolayout": True,
    "image.cmap": "magma",
}


#: Colour map of magnitudes, powers and dB (sequential): every spectrogram-like image.
MAGNITUDE_CMAP = "magma"
#: Colour map of signed data centred on 0 (diverging): MFCC, differences, wavelet phase.
SIGNED_CMAP = "RdBu_r"


def _apply_style():
    import matplotlib

    matplotlib.rcParams.update(STYLE)


_apply_style()


def live(draw, *, headless: bool | None = None, **controls):
    """Draw ``draw(**values)`` under controls that redraw it when moved, or once when headless.

    Numbers become a slider over their options, anything else a drop-down list
    (``ipywidgets``). With no one to move them (``headless``: the runner, CI, the site),
    or without ``ipywidgets``, ``draw`` runs once with the default values: a static figure.

    Parameters
    ----------
    draw : callable
        Takes the controls' values as keyword arguments, draws and shows (``plt.show()``).
    headless : bool, optional
        Defaults to :func:`utils.config.headless` (``$MUSICDL_HEADLESS``).
    **controls : (list, default)
        For each keyword of ``draw``: the options to choose from and the value to start with.

    Returns
    -------
    ipywidgets.interactive or None
        The widget (display it, or leave it as a cell's last value); ``None`` when headless.

    Example
    -------
    >>> live(lambda n_fft: print(n_fft), n_fft=([512, 1024, 2048], 1024), headless=True)
    1024
    """
    values = {}
    for name, (options, value) in controls.items():
        if value not in list(options):
            raise ValueError(f"{name}: the default {value!r} is not one of the options {options}")
        values[name] = value
    if headless is None:
        headless = config.headless()
    try:
        import ipywidgets
    except ImportError:
        headless = True
    if headless:
        draw(**values)
        return None
    widgets = {}
    for name, (options, value) in controls.items():
        options = list(options)
        if all(isinstance(o, (int, float)) and not isinstance(o, bool) for o in options):
            widget = ipywidgets.SelectionSlider(
                options=options, value=value, description=name, continuous_update=False
            )
        else:
            widget = ipywidgets.Dropdown(options=options, value=value, description=name)
        widgets[name] = widget
    return ipywidgets.interactive(draw, **widgets)


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def waveform(y, *, sr, ax=None, title=None):
    """Plot a signal against time (``librosa.display.waveshow``).

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
    sr : int
        Sample rate, Hz.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Example
    -------
    ::

        waveform(np.sin(np.linspace(0, 100, 22050)), sr=22050, title="sine")
    """
    import librosa.display

    ax = _axes(ax, (10, 2.5))
    librosa.display.waveshow(np.asarray(y, dtype=np.float32), sr=sr, ax=ax)
    ax.set(xlabel="Time (s)", ylabel="Amplitude", xlim=(0, len(y) / sr))
    if title:
        ax.set_title(title)
    return ax


_Y_LABELS = {
    "mel": "Frequency (Hz, mel scale)",
    "linear": "Frequency (Hz)",
    "hz": "Frequency (Hz)",
    "fft": "Frequency (Hz)",
    "log": "Frequency (Hz, log scale)",
}


def spectrogram(
    S_db,
    *,
    sr,
    hop_length,
    y_axis="mel",
    ax=None,
    title=None,
    fmax=None,
    colorbar=True,
    unit="dB",
    signed=False,
    first_bin=0,
):
    """Plot a spectrogram in dB against time and frequency (``librosa.display.specshow``).

    Parameters
    ----------
    S_db : np.ndarray [shape=(n_bins, n_frames)]
        Values in dB (e.g. :func:`utils.audio.log_mel`).
    sr, hop_length : int
        Sample rate and hop used to compute ``S_db`` (they set the time axis).
    y_axis : {"mel", "linear", "log", None}
        Frequency scale; ``None`` for bins (e.g. MFCC coefficients).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    fmax : float, optional
        Highest mel frequency used (for the mel axis ticks).
    colorbar : bool
        Add a colour bar labelled with ``unit``.
    unit : str
        Label of the colour bar, with the unit (``"dB"``, ``"magnitude (linear)"``).
    signed : bool
        The values are signed around 0 (e.g. MFCC): a diverging colour map
        (:data:`SIGNED_CMAP`) centred on 0; otherwise :data:`MAGNITUDE_CMAP`.
    first_bin : int
        With ``y_axis=None``: the number of the first row, for the tick labels.

    Returns
    -------
    matplotlib.axes.Axes

    Example
    -------
    ::

        spectrogram(audio.log_mel(y, sr=sr), sr=sr, hop_length=512)
    """
    import librosa.display

    ax = _axes(ax, (10, 3.5))
    S_db = np.asarray(S_db)
    kw = {"fmax": fmax} if (fmax is not None and y_axis == "mel") else {}
    if signed:
        limit = float(np.abs(S_db).max()) or 1.0
        kw.update(cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    else:
        kw.update(cmap=MAGNITUDE_CMAP)
    img = librosa.display.specshow(
        S_db, sr=sr, hop_length=hop_length, x_axis="time", y_axis=y_axis, ax=ax, **kw
    )
    ax.set(xlabel="Time (s)", ylabel=_Y_LABELS.get(y_axis, "Bin") if y_axis else "Coefficient")
    if y_axis is None:  # numbered rows (e.g. MFCC 1-19): label them
        rows = np.arange(S_db.shape[0])
        shown = rows[:: max(1, len(rows) // 10)]
        ax.set_yticks(shown, [str(r + first_bin) for r in shown])
    if colorbar:
        cb = ax.figure.colorbar(img, ax=ax, format="%+2.0f" if unit == "dB" else None)
        cb.set_label(unit)
    if title:
        ax.set_title(title)
    return ax


def rhythm_pattern(rp, *, ax=None, title=None, colorbar=True, vmax=None):
    """Plot a rhythm pattern: Bark band against modulation frequency.

    Parameters
    ----------
    rp : np.ndarray [shape=(24, 60)] or [shape=(1440,)]
        From :func:`utils.psychoacoustics.rhythm_patterns`; a flat vector is read in the
        reference's Fortran order (``index = band + 24 * column``).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    colorbar : bool
    vmax : float, optional
        Top of the colour scale; give several patterns the same one to compare them.

    Returns
    -------
    matplotlib.axes.Axes

    Example
    -------
    ::

        rhythm_pattern(psychoacoustics.rhythm_patterns(y, sr=sr), title="classical")
    """
    rp = np.asarray(rp)
    n_bands = len(psychoacoustics.BARK_EDGES) - 1
    if rp.ndim == 1:
        rp = rp.reshape(n_bands, -1, order="F")
    if rp.shape[0] != n_bands:
        raise ValueError(f"expected a rhythm pattern of shape ({n_bands}, n_mod), found {rp.shape}")
    mod = psychoacoustics.modulation_frequencies(rp.shape[1])
    step = mod[0]
    ax = _axes(ax, (6, 3.5))
    img = ax.imshow(
        rp,
        origin="lower",
        aspect="auto",
        interpolation="nearest",
        cmap="magma",
        vmin=0,
        vmax=vmax,
        extent=(mod[0] - step / 2, mod[-1] + step / 2, 0.5, n_bands + 0.5),
    )
    ax.set(xlabel="Modulation frequency (Hz)", ylabel="Bark band (critical band 1-24)")
    if colorbar:
        ax.figure.colorbar(img, ax=ax).set_label("Modulation amplitude (weighted sone)")
    if title:
        ax.set_title(title)
    return ax


def history(hist, *, metric: str = "accuracy", axes=None, title=None):
    """Training curves: loss and one metric per epoch, training vs validation data.

    Parameters
    ----------
    hist : keras.callbacks.History or dict
        What ``model.fit`` returns, or its ``.history`` dict (``loss``, ``val_loss``, ...).
    metric : str
        The second panel's metric; skipped when the history lacks it.
    axes : sequence of two matplotlib.axes.Axes, optional
    title : str, optional
        Put above the figure.

    Returns
    -------
    list of matplotlib.axes.Axes

    Example
    -------
    ::

        history({"loss": [0.7, 0.4], "val_loss": [0.7, 0.5]})
    """
    import matplotlib.pyplot as plt

    h = getattr(hist, "history", hist)
    names = ["loss"] + ([metric] if metric in h else [])
    if axes is None:
        fig, axes = plt.subplots(1, len(names), figsize=(5.5 * len(names), 3.2), squeeze=False)
        axes = list(axes[0])
        if title:
            fig.suptitle(title)
    for ax, name in zip(axes, names):
        epochs = np.arange(1, len(h[name]) + 1)
        ax.plot(epochs, h[name], label="training")
        if f"val_{name}" in h:
            ax.plot(epochs, h[f"val_{name}"], label="validation")
        ax.set(xlabel="epoch", ylabel=name.replace("_", " "))
        ax.legend()
    return list(axes)


def decision_boundary(predict, X, y, *, ax=None, title=None, resolution: int = 200, margin=0.5):
    """A 2-D classifier's output over the plane, its 0.5 contour, and the labelled points.

    Parameters
    ----------
    predict : callable
        Maps an array of shape ``(n, 2)`` to scores of shape ``(n,)`` or ``(n, 1)`` in [0, 1]
        (e.g. ``lambda P: model.predict(P, verbose=0)``).
    X : np.ndarray [shape=(n, 2)]
        The points.
    y : np.ndarray [shape=(n,)]
        Their labels, 0 or 1.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    resolution : int
        Grid points per axis.
    margin : float
        Space around the points.

    Returns
    -------
    matplotlib.axes.Axes
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y).ravel()
    ax = _axes(ax, (4.5, 4))
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    g0, g1 = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = np.column_stack([g0.ravel(), g1.ravel()]).astype(np.float32)
    z = np.asarray(predict(grid), dtype=float).reshape(g0.shape)
    mesh = ax.contourf(g0, g1, z, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    ax.contour(g0, g1, z, levels=[0.5], colors="k", linewidths=1.5)
    for label, marker in ((0, "o"), (1, "s")):
        sel = y == label
        ax.scatter(
            X[sel, 0],
            X[sel, 1],
            marker=marker,
            c="k" if label else "w",
            edgecolors="k",
            s=40,
            label=f"class {label}",
            zorder=3,
        )
    ax.figure.colorbar(mesh, ax=ax, label="P(class 1)")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]))
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def activation_functions(functions, *, x=None, ncols: int = 3):
    """Each activation function (solid) with its derivative (dashed), one panel each.

    Parameters
    ----------
    functions : dict
        Name to ``(f, f_prime)``, NumPy functions, e.g. :data:`utils.models.ACTIVATIONS`.
    x : np.ndarray, optional
        Where to evaluate them; default -4 to 4.
    ncols : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    x = np.linspace(-4, 4, 801) if x is None else np.asarray(x, dtype=float)
    nrows = -(-len(functions) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.6 * nrows), sharex=True)
    axes = np.atleast_1d(axes).ravel()
    for ax, (name, (f, df)) in zip(axes, functions.items()):
        ax.plot(x, f(x), label="f(x)")
        ax.plot(x, df(x), "--", label="f'(x)")
        ax.axhline(0, color="gray", lw=0.8)
        ax.axvline(0, color="gray", lw=0.8)
        ax.set(title=name, ylim=(-1.6, 4.1))
    for ax in axes[len(functions) :]:
        ax.set_visible(False)
    axes[0].legend(loc="upper left")
    return fig


def confusion_matrix(cm, *, labels, ax=None, title=None, normalize: bool = False):
    """A confusion matrix as an image with the counts written in: rows true, columns predicted.

    Parameters
    ----------
    cm : np.ndarray [shape=(n_classes, n_classes)]
        E.g. :func:`utils.evaluation.confusion_matrix`.
    labels : sequence of str
        Class names, in label order.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    normalize : bool
        Divide each row by its total, so a cell reads "the share of true class i predicted
        as j" and the diagonal is each class's recall; rare classes then show as clearly
        as frequent ones. A class with no examples keeps a row of zeros.

    Returns
    -------
    matplotlib.axes.Axes
    """
    cm = np.asarray(cm)
    if normalize:
        totals = cm.sum(axis=1, keepdims=True)
        cm = np.divide(cm, totals, out=np.zeros(cm.shape), where=totals > 0)
    side = min(0.9 * len(labels) + 2, 8.5)
    ax = _axes(ax, (side + 0.5, side))
    ax.imshow(cm, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    big = 0.5 if normalize else cm.max() / 2
    size = 13 if len(labels) <= 6 else 10
    for (i, j), value in np.ndenumerate(cm):
        text = f"{value:.2f}".lstrip("0") if normalize and value > 0 else f"{value:g}"
        color = "white" if value > big else "black"
        ax.text(j, i, text, ha="center", va="center", color=color, fontsize=size)
    ticks = np.arange(len(labels))
    ax.set(
        xticks=ticks,
        yticks=ticks,
        xticklabels=labels,
        yticklabels=labels,
        xlabel="predicted",
        ylabel="true",
    )
    if len(labels) > 4:
        ax.tick_params(axis="x", labelrotation=45)
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


#: The colour of points without a label in :func:`embedding_map`.
UNLABELLED_COLOR = "0.75"


def embedding_map(
    Z, *, labels, ax=None, title=None, method: str = "t-SNE", unlabelled: str = "several or none"
):
    """A 2-D map of embeddings (e.g. t-SNE), one point per clip, coloured by its label.

    Parameters
    ----------
    Z : array_like [shape=(n, 2)]
        The 2-D coordinates, e.g. ``sklearn.manifold.TSNE(...).fit_transform(embeddings)``.
    labels : sequence [shape=(n,)]
        One label per point (e.g. the clip's genre); ``None`` or ``""`` for a point
        without one (several genres or none), drawn in grey below the others.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    method : str
        The projection's name, for the axis labels (``"t-SNE 1"``, ``"t-SNE 2"``).
    unlabelled : str
        The legend entry of the points without a label.

    Returns
    -------
    matplotlib.axes.Axes
        Its legend has one entry per label, in order of first appearance (sorted), then
        the unlabelled points. The axes' units mean nothing in t-SNE, so no ticks are drawn.

    Example
    -------
    ::

        embedding_map([[0, 0], [1, 1], [2, 0]], labels=["rock", "jazz", None])
    """
    import matplotlib.pyplot as plt

    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim != 2 or Z.shape[1] != 2:
        raise ValueError(f"Z must hold 2-D points, shape (n, 2); found shape {Z.shape}")
    labels = ["" if v is None else str(v) for v in labels]
    if len(labels) != len(Z):
        raise ValueError(f"labels has {len(labels)} entries for {len(Z)} points")
    ax = _axes(ax, (6.5, 5.5))
    names = sorted(set(labels) - {""})
    none = np.array([v == "" for v in labels])
    if none.any():
        ax.scatter(*Z[none].T, s=18, c=UNLABELLED_COLOR, label=unlabelled, zorder=1)
    cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    for i, name in enumerate(names):
        sel = np.array([v == name for v in labels])
        ax.scatter(*Z[sel].T, s=30, color=cmap(i % cmap.N), label=name, zorder=2)
    ax.set(xlabel=f"{method} 1", ylabel=f"{method} 2", xticks=[], yticks=[])
    if names or none.any():
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=10)
    if title:
        ax.set_title(title)
    return ax


def model_diagram(model, *, path=None, show_shapes: bool = True):
    """Draw a Keras model as a diagram of its layers (``keras.utils.plot_model``), or say why not.

    The diagram needs pydot and Graphviz's ``dot`` program (Colab has both; elsewhere
    ``apt-get install graphviz`` or ``conda install graphviz``). Without them this prints one
    sentence and the model's summary instead, so a notebook runs everywhere.

    Parameters
    ----------
    model : keras.Model
        The model to draw.
    path : str or pathlib.Path, optional
        Where to write the PNG; default ``build/models/<model name>.png`` in the project.
    show_shapes : bool
        Label each layer with its output shape.

    Returns
    -------
    IPython.display.Image or None
        The diagram (displayed when it is a cell's last value), or None when it could not be
        drawn.
    """
    import shutil
    from pathlib import Path

    import keras

    out = Path(path) if path else config.repo_root() / "build" / "models" / f"{model.name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        import pydot  # noqa: F401

        missing = None if shutil.which("dot") else "Graphviz's dot program"
    except ImportError:
        missing = "the pydot package"
    if missing is None:
        try:
            keras.utils.plot_model(model, to_file=str(out), show_shapes=show_shapes, dpi=72)
        except Exception as err:  # an old Graphviz, a font missing: the summary still teaches
            missing = f"a working Graphviz ({type(err).__name__})"
    if missing is not None:
        print(f"No diagram: {missing} is missing here (Colab has it); the summary instead.")
        model.summary()
        return None
    from IPython.display import Image

    return Image(str(out))


def taggram(scores, *, tags, hop_seconds: float = 3.0, top: int | None = 10, ax=None, title=None):
    """A taggram: how likely each tag is over time, one row per tag, one column per patch.

    Parameters
    ----------
    scores : np.ndarray [shape=(n_patches, n_tags)]
        Tag probabilities per patch, e.g. ``utils.musicnn.predict(path)["taggram"]``.
    tags : sequence of str
        One name per column of ``scores``.
    hop_seconds : float
        Seconds from one patch to the next (musicnn: 3 s, back to back).
    top : int or None
        Show only the ``top`` tags of highest mean score, highest at the top; ``None``
        shows all, in the given order.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Example
    -------
    ::

        out = musicnn.predict("song.mp3")
        taggram(out["taggram"], tags=musicnn.tags("MTT_musicnn"), title="song.mp3")
    """
    scores = np.asarray(scores, dtype=np.float64)
    tags = [str(t) for t in tags]
    if scores.ndim != 2 or scores.shape[1] != len(tags):
        raise ValueError(
            f"expected scores of shape (n_patches, {len(tags)}) for {len(tags)} tags, "
            f"found {scores.shape}"
        )
    order = np.arange(len(tags))
    if top is not None:
        order = np.argsort(-scores.mean(axis=0), kind="stable")[:top]
    shown = scores[:, order].T  # (tags, patches), the first row on top
    ax = _axes(ax, (10, 0.3 * len(order) + 1.5))
    img = ax.imshow(
        shown,
        aspect="auto",
        interpolation="nearest",
        cmap=MAGNITUDE_CMAP,
        vmin=0,
        vmax=1,
        extent=(0, scores.shape[0] * hop_seconds, len(order) - 0.5, -0.5),
    )
    ax.set_yticks(np.arange(len(order)), [tags[i] for i in order])
    ax.set(xlabel="Time (s)", ylabel="Tag")
    ax.grid(False)
    ax.figure.colorbar(img, ax=ax).set_label("Tag probability")
    if title:
        ax.set_title(title)
    return ax


def tag_scores(scores, *, top: int = 10, title=None):
    """The best and the worst tags by ROC-AUC, each with its positive clips, in two panels.

    Fifty rows do not fit a projector; the ``top`` best and ``top`` worst tags do, at the
    style's font size. Left: ROC-AUC (chance 0.5, dotted); right: PR-AUC with each tag's
    chance (a random ranking's expected PR-AUC) as a black mark. Each label gives the tag's
    positive clips, e.g. ``rock (5)``; tags whose scores are undefined ("n/a") are not
    drawn, and the title says how many there are.

    Parameters
    ----------
    scores : pandas.DataFrame
        As :func:`utils.evaluation.per_tag_scores` returns: one row per tag with
        ``positives``, ``roc_auc``, ``pr_auc`` and ``chance_pr_auc``.
    top : int
        Tags shown at each end (all of them when there are at most ``2 * top``).
    title : str, optional
        Put above both panels.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        The two panels.

    Example
    -------
    ::

        tag_scores(evaluation.per_tag_scores(Y_test, S_test, tags=TAGS), top=10)
    """
    import matplotlib.pyplot as plt

    scored = scores.dropna(subset=["roc_auc"]).sort_values("roc_auc", ascending=False)
    if len(scored) > 2 * top:
        scored = scored.iloc[np.r_[0:top, len(scored) - top : len(scored)]]
    labels = [f"{tag} ({int(n)})" for tag, n in zip(scored.index, scored.positives)]
    y = np.arange(len(scored), dtype=float)
    if len(scored) == 2 * top and len(scores.dropna(subset=["roc_auc"])) > 2 * top:
        y[top:] += 1  # a gap between the best and the worst
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.32 * len(y) + 2), sharey=True)
    axes[0].barh(y, scored.roc_auc, color="tab:blue")
    axes[0].axvline(0.5, color="black", ls=":", label="chance")
    axes[1].barh(y, scored.pr_auc.fillna(0), color="tab:blue")
    axes[1].scatter(scored.chance_pr_auc, y, color="black", marker="|", s=200, label="chance")
    for ax, name in zip(axes, ["ROC-AUC", "PR-AUC"]):
        ax.set(xlim=(0, 1), xlabel=name)
        ax.legend(loc="lower right")
    axes[0].set_yticks(y, labels)
    axes[0].invert_yaxis()
    axes[0].set_ylabel("tag (positive clips)")
    undefined = int(scores.roc_auc.isna().sum())
    tags = "tag" if undefined == 1 else "tags"
    note = (
        f"; {undefined} {tags} n/a (no positive, or all positive), not drawn" if undefined else ""
    )
    fig.suptitle((title or "Scores per tag") + note)
    return axes
