"""The Colab branch of every notebook's setup cells runs, with Colab detection forced on.

One kernel runs each notebook's setup cells in a fresh folder (as ``/content`` on Colab) where
``google.colab`` is importable, ``git`` and ``nvidia-smi`` are replaced by fakes that record
what they were asked (a "clone" copies the project's files), ``%pip`` records its arguments,
and two requirements look missing or too old. So the branch that only Colab takes cannot rot.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

import utils
from utils import config, layouts, runner

NOTEBOOKS = runner.notebooks()
CLONE_NAME = utils.GITHUB_REPO.split("/")[-1]

#: Runs once in the kernel: the fakes. ``reset(folder, fail_clone)`` starts a scenario.
PRELUDE = r"""
import json, os, shutil, subprocess, sys, types
from importlib import metadata
from pathlib import Path

sys.modules["google.colab"] = types.ModuleType("google.colab")
PROJECT = Path(os.environ["FAKE_PROJECT"])
CALLS, STATE = [], {}
_real_run, _real_version = subprocess.run, metadata.version


def _fake_run(command, *args, **kwargs):
    command = [str(c) for c in command]
    if command[0] not in ("git", "nvidia-smi"):
        return _real_run(command, *args, **kwargs)
    CALLS.append(command)
    if command[:2] == ["git", "clone"] and STATE["fail_clone"]:
        said = "fatal: unable to access: Could not resolve host: github.com"
        return subprocess.CompletedProcess(command, 128, "", said)
    if command[:2] == ["git", "clone"]:
        dest = Path(command[-1])
        shutil.copytree(PROJECT / "utils", dest / "utils", ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("requirements-colab.txt", "requirements-nodeps.txt", "download_datasets.sh"):
            shutil.copy(PROJECT / name, dest / name)
        (dest / ".git").mkdir()
    out = "GPU 0: Tesla T4 (UUID: GPU-fake)\n" if command[0] == "nvidia-smi" else ""
    return subprocess.CompletedProcess(command, 0, out, "")


def _fake_version(name):
    key = name.lower()
    if key in STATE["missing"]:
        raise metadata.PackageNotFoundError(name)
    return STATE["old"].get(key) or _real_version(name)


def _fake_pip(line):
    CALLS.append(["%pip", line])
    STATE["missing"], STATE["old"] = set(), {}  # "installed"


subprocess.run, metadata.version = _fake_run, _fake_version
get_ipython().register_magic_function(_fake_pip, "line", "pip")


def reset(folder, fail_clone=False):
    os.chdir(folder)
    for name in [m for m in sys.modules if m == "utils" or m.startswith("utils.")]:
        del sys.modules[name]
    sys.path[:] = [p for p in sys.path if "colab-" not in p]
    CALLS.clear()
    STATE.update(fail_clone=fail_clone, missing={"librosa", "musicnn"}, old={"tensorflow": "2.12.0"})
"""


class Kernel:
    """A Python kernel that runs code and returns what it printed, or its error."""

    def __init__(self, env):
        from jupyter_client.manager import start_new_kernel

        self.km, self.kc = start_new_kernel(kernel_name="python3", env=env)

    def run(self, code: str) -> tuple[str, dict | None]:
        printed = []

        def hook(msg):
            if msg["msg_type"] == "stream":
                printed.append(msg["content"]["text"])

        reply = self.kc.execute_interactive(code, output_hook=hook, timeout=120)
        content = reply["content"]
        error = content if content["status"] == "error" else None
        return "".join(printed), error

    def calls(self) -> list:
        text, error = self.run("print(json.dumps(CALLS))")
        assert error is None, error
        return json.loads(text)

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MUSICDL_DATASET")}
    env.update(
        FAKE_PROJECT=str(config.repo_root()),
        MUSICDL_DATA=str(tmp_path_factory.mktemp("no-data")),  # no real dataset downloaded
        MUSICDL_RESULTS=str(tmp_path_factory.mktemp("results")),
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    k = Kernel(env)
    _, error = k.run(PRELUDE)
    assert error is None, error
    yield k
    k.close()


def _setup_code(path: Path) -> list[str]:
    cells = nbformat.read(path, as_version=4).cells[1 : 1 + len(runner.SETUP_CELLS)]
    return [c.source for c in cells if c.cell_type == "code"]


def _colab_cell(code: list[str]) -> str:
    return next(c for c in code if "IS_COLAB =" in c)


@pytest.mark.slow
def test_setup_cells_on_colab_clone_install_and_offer_data(kernel, tmp_path):
    requirements = (config.repo_root() / "requirements-colab.txt").read_text().splitlines()
    expected_pip = [r for r in requirements if r.startswith(("tensorflow>=", "librosa>="))]
    nodeps = (config.repo_root() / "requirements-nodeps.txt").read_text().splitlines()
    (expected_nodeps,) = [r for r in nodeps if r.startswith("musicnn==")]
    for path in NOTEBOOKS:
        folder = tmp_path / f"colab-{path.stem}"
        folder.mkdir()
        clone = folder / CLONE_NAME
        _, error = kernel.run(f"reset({str(folder)!r})")
        assert error is None, error
        printed = []
        for code in _setup_code(path):
            text, error = kernel.run(code)
            assert error is None, f"{path.name}: a setup cell failed on Colab: {error}\n{code}"
            printed.append(text)
        text = "".join(printed)
        calls = kernel.calls()
        url = f"https://github.com/{utils.GITHUB_REPO}"
        assert calls[0] == ["git", "clone", "--quiet", "--depth=1", url, str(clone)], calls
        assert ["nvidia-smi", "-L"] in calls and "GPU: GPU 0: Tesla T4" in text
        pip = [c[1] for c in calls if c[0] == "%pip"]
        # only what "Colab lacks": the missing librosa and the too old tensorflow, and the
        # missing musicnn weights without their dependencies
        assert pip == [
            "install -q " + " ".join(f"'{r}'" for r in expected_pip),
            f"install -q --no-deps {expected_nodeps}",  # shlex.quote leaves it bare
        ], pip
        assert f"Project folder: {clone}" in text
        for name in runner.declared_datasets(path):
            command = f"!bash {CLONE_NAME}/download_datasets.sh {name}"
            assert command in text, f"{path.name}: the data offer misses {command!r}:\n{text}"
            assert (folder / CLONE_NAME / "download_datasets.sh").is_file()
            assert name in layouts.DATASETS

        # The same cell in a later session: the clone exists, so it is updated, not cloned.
        kernel.run("CALLS.clear()")
        _, error = kernel.run(_colab_cell(_setup_code(path)))
        assert error is None, error
        git = [c for c in kernel.calls() if c[0] == "git"]
        assert git == [["git", "-C", str(clone), "pull", "--ff-only", "--quiet"]], git


@pytest.mark.slow
def test_a_failed_clone_says_what_to_do(kernel, tmp_path):
    for path in NOTEBOOKS:
        folder = tmp_path / f"colab-{path.stem}"
        folder.mkdir()
        kernel.run(f"reset({str(folder)!r}, fail_clone=True)")
        _, error = kernel.run(_colab_cell(_setup_code(path)))
        assert error is not None, f"{path.name}: a failed clone went unnoticed"
        assert error["ename"] == "RuntimeError", error["ename"]
        message = error["evalue"]
        assert "Could not clone https://github.com/" + utils.GITHUB_REPO in message
        assert "Could not resolve host" in message, "the message must say what git said"
        assert "run this cell again" in message and "upload" in message
        assert not (folder / CLONE_NAME).exists()
