"""Shared fixtures: paths to ../shared/data (skipped with a reason when absent)."""

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


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; the test is skipped when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA} (only developers and CI have it)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def quick_demo(tmp_path_factory) -> Path:
    """The quick demo datasets, generated once per test session into a temporary folder."""
    from utils import demo

    root = tmp_path_factory.mktemp("demo-quick")
    demo.generate(root, quick=True, verbose=False)
    return root
