"""`make setup` as a workshop user meets it: the Python it needs, a moved .venv, the pins.

These run make on a throwaway VENV, so nothing here touches the project's own .venv.
"""

from __future__ import annotations

import glob
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from utils import config, runner

ROOT = config.repo_root()
FLOOR = config.MINIMUM_VERSIONS["python"]
FLOOR_TUPLE = tuple(int(part) for part in FLOOR.split("."))


def _make(*args, timeout=60):
    start = time.perf_counter()
    done = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done, time.perf_counter() - start


def _old_python(tmp_path) -> str:
    """A Python older than the floor: a real one when installed, else one that says it is 3.10."""
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10*/bin/python3.10")))
    found += [p for p in ("/usr/bin/python3.10", "/usr/local/bin/python3.10") if Path(p).exists()]
    if found:
        return found[0]
    fake = tmp_path / "python3.10"
    fake.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "Python 3.10.13" && exit 0\nexit 1\n')
    fake.chmod(0o755)
    return str(fake)


def test_the_python_floor_is_the_same_everywhere():
    major, minor = FLOOR_TUPLE[:2]
    assert FLOOR_TUPLE >= (3, 11), "constraints.txt pins keras and numpy releases needing 3.11"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"You need Python {FLOOR}+" in readme
    setup = "\n".join(source for _, source in runner.SETUP_CELLS)
    assert f"sys.version_info >= {FLOOR_TUPLE}" in setup
    assert f"Python {FLOOR} or newer is required" in setup
    assert f'target-version = "py{major}{minor}"' in (ROOT / "pyproject.toml").read_text()
    assert f"PYTHON_FLOOR := {FLOOR}" in (ROOT / "Makefile").read_text()


def test_make_setup_stops_at_once_on_a_too_old_python(tmp_path):
    old = _old_python(tmp_path)
    venv = tmp_path / "venv"
    done, seconds = _make("setup", f"PYTHON={old}", f"VENV={venv}")
    said = done.stdout + done.stderr
    assert done.returncode != 0, said
    assert seconds < 10, f"took {seconds:.1f} s: it should stop before creating anything"
    assert not venv.exists(), "no venv is created with a Python the pins cannot install on"
    sentence = next(line for line in said.splitlines() if "needs Python" in line)
    assert f"needs Python {FLOOR} or newer" in sentence
    assert "3.10" in sentence and old in sentence, "it names the Python it found"
    assert "PYTHON=python3" in sentence, "it says how to choose another one"


def _fake_venv(folder: Path, *, made_in: Path) -> Path:
    """A venv's shape as `make` sees it: bin/python, bin/pip whose first line names its home."""
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").symlink_to(sys.executable)
    (folder / "bin" / "pip").write_text(f"#!{made_in}/bin/python3\nimport pip\n")
    stamp = (ROOT / "requirements.txt").read_text() + (ROOT / "constraints.txt").read_text()
    (folder / ".requirements.txt").write_text(stamp)  # up to date: nothing to install
    return folder


def test_a_moved_venv_is_rebuilt_and_one_in_place_is_left_alone(tmp_path):
    here = _fake_venv(tmp_path / "here" / "venv", made_in=tmp_path / "here" / "venv")
    done, _ = _make("-n", "setup", f"VENV={here}")
    assert "rebuilding" not in done.stdout and "pip install" not in done.stdout, done.stdout

    moved = _fake_venv(tmp_path / "moved" / "venv", made_in=tmp_path / "old-place" / "venv")
    done, _ = _make("-n", "setup", f"VENV={moved}")
    assert f"{moved} was made in another folder" in done.stdout, done.stdout
    assert f"rm -rf {moved}" in done.stdout and "pip install" in done.stdout


def test_make_lab_runs_jupyter_through_the_venvs_python():
    done, _ = _make("-n", "lab", "VENV=/nonexistent/venv")
    assert "/nonexistent/venv/bin/python -m jupyterlab notebooks/" in done.stdout, done.stdout


def _index_reachable(host="pypi.org") -> bool:
    try:
        socket.create_connection((host, 443), timeout=3).close()
    except OSError:
        return False
    return True


@pytest.mark.network
@pytest.mark.slow
def test_the_pins_install_on_the_floor_and_newer_pythons_and_not_below():
    """uv resolves requirements.txt with constraints.txt for each Python (needs the index)."""
    uv = subprocess.run([sys.executable, "-m", "uv", "--version"], capture_output=True)
    if uv.returncode:
        pytest.skip("uv is not installed")
    if not _index_reachable():
        pytest.skip("the package index (pypi.org) cannot be reached")

    def resolves(version):
        done = subprocess.run(
            [sys.executable, "-m", "uv", "pip", "compile", "--python-version", version,
             "requirements.txt", "-c", "constraints.txt", "-o", os.devnull],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        return done.returncode == 0, done.stderr

    major, minor, patch = (*FLOOR_TUPLE, 0)[:3]
    older = [f"{major}.{minor - 1}"] + ([f"{major}.{minor}.{patch - 1}"] if patch else [])
    for version in older:  # the floor is tight: just below it, the pins cannot install
        ok, said = resolves(version)
        assert not ok, f"the pins install on Python {version}: lower the floor"
        assert re.search(r"Python>=\d\.\d+", said), said
    for version in (FLOOR, "3.12", "3.13"):  # Colab runs 3.12
        ok, said = resolves(version)
        assert ok, f"the pins do not resolve on Python {version}:\n{said}"
