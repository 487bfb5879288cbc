"""The training-speed benchmark runs and prints its table (a smoke test: no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys

from utils import config


def test_training_speed_prints_every_tensorflow_mode_and_the_ratio_to_the_configuration_before():
    script = config.repo_root() / "benchmarks" / "training_speed.py"
    command = [sys.executable, str(script), "--seconds", "0.4", "--models", "03 stacked CNN"]
    command += ["--modes", "tensorflow", "tensorflow-before"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| 03 stacked CNN |")]
    assert [row.split("|")[2].strip() for row in rows] == ["tensorflow", "tensorflow-before"]
    assert all("%" in row for row in rows), rows  # a share of the matmul limit, no error
    assert "the notebooks' configuration" in done.stdout
    assert "(fused batch normalisation and 64 steps per call)" in done.stdout
