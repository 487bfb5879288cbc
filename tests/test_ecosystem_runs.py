"""The notebooks under the ecosystem's own tools, as a user runs them: papermill with ``-p``
(what ran, what was saved and what was printed agree), and nbconvert ``--execute`` of the
live-widget notebooks without ``MUSICDL_HEADLESS``, in bounded time, several times.

Each run gets private data and results folders (the quick GTZAN demo linked in) and the
environment of a user's shell: no ``MUSICDL_*`` variable, no Jupyter session.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import nbformat
import pytest

from utils import config

NOTEBOOKS = config.repo_root() / "notebooks"


@pytest.fixture()
def user_env(quick_gtzan, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "demo-quick").symlink_to(quick_gtzan, target_is_directory=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MUSICDL_") and k not in ("JPY_SESSION_NAME", "MPLBACKEND")
    }
    env.update(
        MUSICDL_DATA=str(data), MUSICDL_RESULTS=str(tmp_path / "results"), TF_CPP_MIN_LOG_LEVEL="2"
    )
    return env


def _printed(nb) -> str:
    return "\n".join(
        "".join(out.get("text", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream"
    )


@pytest.mark.notebook
def test_papermill_p_quick_true_is_quick_in_what_runs_saves_and_prints(user_env, tmp_path):
    pytest.importorskip("papermill")
    out = tmp_path / "02.ipynb"
    command = [
        sys.executable, "-m", "papermill", str(NOTEBOOKS / "02_deep_learning_basics.ipynb"),
        str(out), "-p", "QUICK", "True", "-k", "python3", "--cwd", str(NOTEBOOKS),
        "--execution-timeout", "600", "--no-progress-bar",
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, env=user_env, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-3000:]
    nb = nbformat.read(out, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "QUICK = True" in injected[0].source
    printed = _printed(nb)
    data = tmp_path / "data"
    # what ran: the quick demo and the quick epochs
    assert "mode=quick, dataset=auto" in printed, printed[:2000]
    ran = re.search(r"ran (\d+) of (\d+) epochs", printed)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    quick_epochs, full_epochs = map(
        int, re.search(r"(?m)^EPOCHS = (\d+) if QUICK else (\d+)", code).groups()
    )
    assert quick_epochs < full_epochs
    assert ran and int(ran.group(2)) == quick_epochs, f"quick mode trains for {quick_epochs} epochs"
    clips = re.search(r"(\d+) clips from demo data", printed)
    assert clips, printed[:2000]
    assert not (data / "demo").exists(), "the full demo was made for a quick run"
    # what was saved: quick results only, with the numbers printed
    results = tmp_path / "results"
    assert not (results / "02_deep_learning_basics.json").exists(), "quick numbers saved as full"
    saved = json.loads((results / "quick" / "02_deep_learning_basics.json").read_text())
    assert saved["quick"] is True and saved["source"] == "demo"
    assert saved["metrics"]["epochs_run"] == int(ran.group(1))
    assert all(saved["lessons"].values()), saved["lessons"]
    assert seconds < 600, f"a quick run took {seconds:.0f} s"


#: Wall-time bounds of one nbconvert run in quick mode (kernel start included): a few times
#: what they take on a 2-core CPU (01: about 60 s, 03: about 70 s), far below a stalled
#: widget's cell timeout.
NBCONVERT_BOUNDS = {"01_audio_basics": 300, "03_cnn_music_speech": 300}


@pytest.mark.notebook
@pytest.mark.parametrize("attempt", [1, 2])
@pytest.mark.parametrize("stem", sorted(NBCONVERT_BOUNDS))
def test_nbconvert_executes_the_live_widget_notebooks_in_bounded_time(
    stem, attempt, user_env, tmp_path
):
    env = dict(user_env, MUSICDL_QUICK="1")  # no MUSICDL_HEADLESS: no front end decides
    bound = NBCONVERT_BOUNDS[stem]
    command = [
        sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
        f"--ExecutePreprocessor.timeout={bound}", "--output-dir", str(tmp_path),
        str(NOTEBOOKS / f"{stem}.ipynb"),
    ]  # fmt: skip
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, env=env, cwd=NOTEBOOKS, capture_output=True, text=True, timeout=bound
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"nbconvert --execute of {stem} ran past {bound} s (attempt {attempt})")
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-3000:]
    nb = nbformat.read(tmp_path / f"{stem}.ipynb", as_version=4)
    widgets = [
        cell.source.splitlines()[0]
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in out.get("data", {})
        and "interactive" in out.get("data", {}).get("text/plain", "")
    ]
    assert widgets == [], f"widgets waited on without a front end: {widgets}"
    assert (tmp_path / "results" / "quick" / f"{stem}.json").is_file()
    print(f"{stem} attempt {attempt}: {seconds:.0f} s")
