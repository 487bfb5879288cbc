"""Keras 3 runs the same model code on other backends: notebooks 02 and 03 under JAX.

The notebooks use ``tf.data`` for input (which Keras feeds to any backend) and ask the
backend's own API for devices and gradients (``models.setup_device``,
``models.gradient_norms``), so ``KERAS_BACKEND=jax`` runs them unchanged. Each run gets
private data and results folders, with the quick GTZAN demo linked in.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from test_notebooks import THRESHOLDS

from utils import config, runner


@pytest.mark.notebook
@pytest.mark.parametrize("stem", ["02_deep_learning_basics", "03_cnn_music_speech"])
def test_notebook_runs_unchanged_under_the_jax_backend(stem, quick_gtzan, tmp_path, monkeypatch):
    pytest.importorskip(
        "jax", reason="JAX is not installed (requirements.txt installs its CPU build)"
    )
    data = tmp_path / "data"
    data.mkdir()
    (data / "demo-quick").symlink_to(quick_gtzan, target_is_directory=True)
    monkeypatch.setenv("MUSICDL_DATA", str(data))
    monkeypatch.setenv("MUSICDL_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    path = config.repo_root() / "notebooks" / f"{stem}.ipynb"

    run = runner.execute(path, quick=True, out_dir=tmp_path / "build", timeout=600)

    if not run.ok:
        pytest.fail(f"{path.name} under JAX failed at {run.error}", pytrace=False)
    results = json.loads((tmp_path / "results" / "quick" / f"{stem}.json").read_text())
    assert results["backend"] == "jax"
    for name, (low, high) in THRESHOLDS[stem]["metrics"].items():
        value = results["metrics"][name]
        assert low <= value <= high, (
            f"{stem} under JAX: {name} = {value:.4g}, not in [{low}, {high}]"
        )
    printed = "\n".join(
        "".join(out.get("text", ""))
        for cell in nbformat.read(tmp_path / "build" / path.name, as_version=4).cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    assert "Keras jax backend" in printed
