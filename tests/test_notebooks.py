"""Every notebook runs top to bottom in quick mode, and its results file meets its thresholds.

A new notebook joins by adding a row to THRESHOLDS; a notebook without one fails.
"""

from __future__ import annotations

import json

import pytest

from utils import config, runner

#: Per notebook: the most seconds it may take in quick mode on a 2-core CPU, and for each
#: headline metric in its results file the range (low, high) it must fall in.
THRESHOLDS = {
    "00_setup_check": {
        "max_seconds": 120,
        "metrics": {
            "tone_peak_hz": (439.5, 440.5),
            "mp3_peak_hz": (439.5, 440.5),
            "wav_max_error": (0.0, 1e-4),
        },
    },
    "01_audio_basics": {
        "max_seconds": 240,
        "metrics": {
            "song2_exact_match": (4, 4),  # song 1 starts 4 numbers into song 2
            "song3_matches": (2, 2),  # song 3 holds song 1's tail and most of its head
            "song3_last_match": (45, 45),
            "logmel_vs_librosa_max_db": (0.0, 1e-4),
            "keras_mel_max_db": (0.0, 0.1),
            "beat_strength_ratio": (1.3, 100.0),  # drum and bass has a steadier beat than Brahms
            "clips": (16, 10_000),
            "segments": (15 * 16, 15 * 10_000),
        },
    },
    "02_deep_learning_basics": {
        "max_seconds": 90,
        "metrics": {
            "test_accuracy": (0.75, 1.0),  # segments of held-out clips; chance is 0.5
            "clip_accuracy": (0.75, 1.0),
            "xor_accuracy": (1.0, 1.0),  # two layers solve XOR
            "perceptron_toy_mistakes": (0, 0),  # separable: the perceptron converges
            "perceptron_xor_mistakes": (1, 4),  # XOR: it cannot
            "approx_mse_1": (0.2, 1.0),  # one tanh unit cannot follow the curve
            "approx_mse_32": (0.0, 0.05),  # 32 can
            "sigmoid_gradient_ratio": (0.0, 1e-3),  # layer 1 / layer 10: vanishing
            "relu_gradient_ratio": (0.05, 20.0),  # comparable across layers
            "segments": (15 * 16, 15 * 10_000),
        },
    },
    "03_cnn_music_speech": {
        "max_seconds": 90,
        "metrics": {
            "conv_by_hand_equal": (1, 1),  # the slides' 5 x 5 result, exactly
            "conv_keras_equal": (1, 1),
            "clip_accuracy": (0.75, 1.0),  # mean over the folds, by clip
            "clip_accuracy_std": (0.0, 0.3),
            "segment_accuracy": (0.7, 1.0),
            "single_segment_accuracy": (0.5, 1.0),  # the 2018 protocol: 8 test clips in quick mode
            "folds": (3, 5),
            "segments": (15 * 16, 40 * 10_000),
        },
    },
}

NOTEBOOKS = runner.notebooks()


def test_every_notebook_has_thresholds():
    stems = {p.stem for p in NOTEBOOKS}
    assert stems, "no notebooks found in notebooks/"
    assert not stems - set(THRESHOLDS), (
        f"add a THRESHOLDS row for: {sorted(stems - set(THRESHOLDS))}"
    )
    assert not set(THRESHOLDS) - stems, (
        f"THRESHOLDS names missing notebooks: {sorted(set(THRESHOLDS) - stems)}"
    )


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_quick_mode(path):
    spec = THRESHOLDS.get(path.stem)
    if spec is None:
        pytest.fail(f"{path.name} has no THRESHOLDS row in {__file__}")
    results_file = config.results_dir(quick=True) / f"{path.stem}.json"
    results_file.unlink(missing_ok=True)

    run = runner.execute(
        path, quick=True, out_dir=config.repo_root() / "build" / "test", timeout=spec["max_seconds"]
    )

    if not run.ok:
        pytest.fail(f"{path.name} failed in {run.seconds:.0f} s at {run.error}", pytrace=False)
    assert run.seconds <= spec["max_seconds"], (
        f"{path.name} took {run.seconds:.0f} s (limit {spec['max_seconds']} s)"
    )
    assert results_file.exists(), f"{path.name} did not write {results_file}"
    results = json.loads(results_file.read_text())
    assert results["notebook"] == path.stem
    assert results["quick"] is True, "the notebook ignored MUSICDL_QUICK=1"
    assert results["source"] in ("real", "demo", "none")
    for name, (low, high) in spec["metrics"].items():
        assert name in results["metrics"], (
            f"{path.name}: metric {name!r} missing from {results_file}"
        )
        value = results["metrics"][name]
        assert low <= value <= high, (
            f"{path.name}: {name} = {value:.4g}, expected within [{low}, {high}]"
        )
