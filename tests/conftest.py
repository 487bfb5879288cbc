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
