"""Shared fixtures: paths to ../shared/data (skipped with a reason when absent), a private
results folder for the whole session, and the quick demo datasets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from utils import config

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: Real audio and dataset facts beside the project (for developers and CI, never for users).
SHARED_DATA = config.repo_root().parent / "shared" / "data"

if (SHARED_DATA / "librosa" / "audio").is_dir():
    # librosa.ex(...) then loads its example recordings offline (set before librosa is imported).
    os.environ.setdefault("LIBROSA_DATA_DIR", str(SHARED_DATA / "librosa" / "audio"))


@pytest.fixture(scope="session", autouse=True)
def private_results(tmp_path_factory) -> Path:
    """Point ``$MUSICDL_RESULTS`` at a temporary folder, so tests never read or overwrite
    the results of ``make demo`` (or of an earlier test run) in ``results/``."""
    saved = os.environ.get("MUSICDL_RESULTS")
    folder = tmp_path_factory.mktemp("results")
    os.environ["MUSICDL_RESULTS"] = str(folder)
    yield folder
    if saved is None:
        os.environ.pop("MUSICDL_RESULTS", None)
    else:
        os.environ["MUSICDL_RESULTS"] = saved


#: Seconds this project's reference machine (2 cores, Python 3.11) takes for
#: :func:`_reference_work`, the best of five: measured 0.078-0.094 s over a day.
REFERENCE_WORK_SECONDS = 0.085

#: The most a slow machine may stretch a time limit (:func:`slowdown`).
MAX_SLOWDOWN = 2.5


def _reference_work() -> float:
    """Seconds for a fixed single-threaded job (sorting and a Python loop), like the mix of
    NumPy and interpreter work a quick notebook does between its TensorFlow steps."""
    import time

    import numpy as np

    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(3):
        np.sort(rng.random(1_000_000))
    total = 0
    for i in range(300_000):
        total += i % 7
    return time.perf_counter() - start


@pytest.fixture(scope="session")
def slowdown() -> float:
    """How much slower this machine is than the reference one, between 1 and MAX_SLOWDOWN.

    The notebooks' quick-mode limits are seconds on the reference machine; a shared CI
    runner can be several times slower for a whole run (the same suite took 17 and 41 min
    on two CI runs a day apart). Measured once per test process, before its notebooks run,
    as the best of five runs of :func:`_reference_work`; never below 1, so a fast machine
    keeps the reference limits.
    """
    best = min(_reference_work() for _ in range(5))
    return min(MAX_SLOWDOWN, max(1.0, best / REFERENCE_WORK_SECONDS))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; the test is skipped when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA} (only developers and CI have it)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def quick_gtzan() -> Path:
    """``<data>/demo-quick`` with (at least) its GTZAN Music/Speech demo, generated when missing.

    Tests that read only GTZAN use this one: they need not wait for the MagnaTagATune demo.
    """
    from utils import demo

    root = config.data_dir() / "demo-quick"
    demo.generate(root, quick=True, datasets=("gtzan_music_speech",), verbose=False)
    return root


@pytest.fixture(scope="session")
def quick_demo() -> Path:
    """The quick demo datasets in ``<data>/demo-quick``, the folder the notebooks use.

    Generated on first use and reused afterwards while its markers say it is complete and
    of the current generator version (the output is byte-identical between runs, which
    ``test_demo`` checks on a tiny set of its own).
    """
    from utils import demo

    root = config.data_dir() / "demo-quick"
    demo.generate(root, quick=True, verbose=False)
    return root


def pytest_collection_modifyitems(config, items):
    """Start the slow notebook runs first, so that the parallel workers (pytest-xdist) share
    the many short tests at the end instead of waiting on one long notebook; the other
    ``slow`` tests (a kernel, a browser) come last, so that they do not compete with the
    timed notebook runs for the CPU."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("notebook") is None,
            item.get_closest_marker("slow") is not None,
        )
    )
