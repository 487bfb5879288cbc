"""Run parameters, seeds, the results writer and the runner's table."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np
import pytest

from utils import config, datasets, demo, results, runner


def test_run_parameters_read_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MUSICDL_QUICK", "1")
    monkeypatch.setenv("MUSICDL_DATASET", "demo")
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path))
    params = config.run_parameters()
    assert params.quick is True and params.dataset == "demo"
    assert config.env_quick() is True and config.env_dataset() == "demo"
    assert config.data_dir() == tmp_path.resolve()


def test_arguments_win_over_the_environment(monkeypatch):
    # What a notebook's parameters cell says is what runs, whatever the environment says.
    monkeypatch.setenv("MUSICDL_QUICK", "0")
    monkeypatch.setenv("MUSICDL_DATASET", "real")
    params = config.run_parameters(quick=True, dataset="demo")
    assert params == config.RunParameters(quick=True, dataset="demo")
    with pytest.raises(ValueError, match="quick must be True or False"):
        config.run_parameters(quick="yes")
    with pytest.raises(ValueError, match="dataset must be one of"):
        config.run_parameters(dataset="mp3")


def test_defaults(monkeypatch):
    for name in ("MUSICDL_QUICK", "MUSICDL_DATASET", "MUSICDL_DATA"):
        monkeypatch.delenv(name, raising=False)
    params = config.run_parameters()
    assert params.quick is False and params.dataset == "auto"
    assert config.data_dir() == config.repo_root() / "data"


@pytest.mark.parametrize("name,value", [("MUSICDL_QUICK", "maybe"), ("MUSICDL_DATASET", "mp3")])
def test_bad_parameters_say_what_is_accepted(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        config.run_parameters()


def test_data_dir_is_found_from_any_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("MUSICDL_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    assert config.data_dir() == config.repo_root() / "data"


def test_set_seed_repeats_numbers():
    config.set_seed(7)
    # the legacy global generator on purpose: set_seed must seed it for old code
    first = (random.random(), np.random.rand())  # noqa: NPY002
    config.set_seed(7)
    assert (random.random(), np.random.rand()) == first  # noqa: NPY002


def test_package_report_flags_old_and_missing():
    rows = {
        r["package"]: r
        for r in config.package_report(
            {"numpy": "999.0", "no-such-package-xyz": "1.0", "python": "3.0"}
        )
    }
    assert rows["numpy"]["ok"] is False and rows["numpy"]["installed"]
    assert rows["no-such-package-xyz"] == {
        "package": "no-such-package-xyz",
        "minimum": "1.0",
        "installed": None,
        "ok": False,
    }
    assert rows["python"]["ok"] is True


@pytest.fixture
def results_in(monkeypatch, tmp_path):
    monkeypatch.setenv("MUSICDL_RESULTS", str(tmp_path))
    return tmp_path


def test_save_results_writes_the_documented_fields(results_in):
    path = results.save_results(
        "99_example",
        dataset="gtzan_music_speech",
        source="demo",
        quick=True,
        metrics={"accuracy": np.float32(0.9)},
        seconds=12.345,
    )
    record = json.loads(path.read_text())
    assert path == results_in / "quick" / "99_example.json"
    assert record["metrics"] == {"accuracy": pytest.approx(0.9)} and isinstance(
        record["metrics"]["accuracy"], float
    )
    assert {"notebook", "dataset", "source", "quick", "metrics", "seconds", "versions"} <= set(
        record
    )
    assert record["versions"]["keras"] and record["seconds"] == 12.35
    assert results.load_results("99_example", quick=True) == record
    assert "99_example" in runner.results_table(quick=True)
    assert "99_example" not in runner.results_table(quick=False), (
        "quick results leak into the full table"
    )


def test_quick_and_full_results_live_apart(results_in):
    common = dict(dataset="demo", source="demo", seconds=1)
    quick = results.save_results("99_example", quick=True, metrics={"accuracy": 0.5}, **common)
    full = results.save_results("99_example", quick=False, metrics={"accuracy": 0.9}, **common)
    assert quick != full
    assert results.load_results("99_example", quick=True)["metrics"]["accuracy"] == 0.5
    assert results.load_results("99_example", quick=False)["metrics"]["accuracy"] == 0.9


def test_relative_results_and_data_folders_are_taken_from_the_repository(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MUSICDL_RESULTS", "some/results")
    monkeypatch.setenv("MUSICDL_DATA", "some/data")
    assert config.results_dir() == config.repo_root() / "some" / "results"
    assert config.data_dir() == config.repo_root() / "some" / "data"


@pytest.mark.parametrize("metrics", [{"accuracy": float("nan")}, {"accuracy": "high"}])
def test_save_results_refuses_non_numbers(results_in, metrics):
    with pytest.raises((ValueError, TypeError), match="accuracy"):
        results.save_results(
            "99_example", dataset="x", source="demo", quick=True, metrics=metrics, seconds=1
        )


def test_save_results_keeps_a_mapping_of_numbers(results_in):
    metrics = {"test_clips": 30, "test_positives_per_tag": {"rock": np.int64(5), "piano": 0}}
    path = results.save_results(
        "99_example", dataset="x", source="demo", quick=True, metrics=metrics, seconds=1
    )
    saved = json.loads(path.read_text())["metrics"]
    assert saved["test_positives_per_tag"] == {"rock": 5.0, "piano": 0.0}
    with pytest.raises(ValueError, match="'rock'"):
        results.save_results(
            "99_example",
            dataset="x",
            source="demo",
            quick=True,
            metrics={"test_positives_per_tag": {"rock": float("nan")}},
            seconds=1,
        )


def test_missing_results_file_says_what_to_run(results_in):
    with pytest.raises(FileNotFoundError, match="Run the notebook"):
        results.load_results("98_missing")


def test_locate_real_when_missing_names_the_command(monkeypatch, tmp_path):
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="download_datasets.sh gtzan_music_speech"):
        datasets.locate("gtzan_music_speech", config.run_parameters(dataset="real"))


def test_setup_device_reports_cpu_or_gpu(capsys):
    import keras
    import tensorflow as tf

    from utils import models

    found = tf.config.list_physical_devices("GPU")
    try:
        info = models.setup_device()
        assert info["gpus"] == len(found) and info["device"] == ("GPU" if found else "CPU")
        assert info["policy"] == ("mixed_float16" if found else "float32")
        assert keras.mixed_precision.global_policy().name == info["policy"]
        if not found:
            assert "no GPU" in capsys.readouterr().out
        assert models.setup_device(mixed_precision=False, verbose=False)["policy"] == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_runner_reports_the_failing_cell_and_its_traceback(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("ratio = x / 0  # the broken cell"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, path)
    run = runner.execute(path, quick=True, out_dir=tmp_path / "out", timeout=60)
    assert not run.ok
    assert "ratio = x / 0  # the broken cell" in run.error and "ZeroDivisionError" in run.error
    assert (tmp_path / "out" / "99_broken.ipynb").exists(), (
        "the executed copy is kept for inspection"
    )


def test_runner_prepares_only_the_datasets_the_notebooks_declare(monkeypatch, tmp_path, capsys):
    prepared, ran = [], []

    def fake_prepare(names, params):
        prepared.extend(names)
        return list(names)

    def fake_execute(path, *, quick, out_dir, **kwargs):
        ran.append((path.stem, Path(out_dir)))
        return runner.NotebookRun(path=path, seconds=0.0)

    monkeypatch.setattr(demo, "prepare", fake_prepare)
    monkeypatch.setattr(datasets, "locate", lambda name, params: (tmp_path / name, "demo"))
    monkeypatch.setattr(runner, "execute", fake_execute)
    monkeypatch.setenv("MUSICDL_RESULTS", str(tmp_path / "results"))
    assert runner.main(["--quick", "00"]) == 0
    assert prepared == [], "notebook 00 reads no dataset"
    assert runner.main(["--quick", "01"]) == 0
    assert prepared == ["gtzan_music_speech"]
    assert ran[-1] == ("01_audio_basics", config.repo_root() / "build" / "quick")


def test_runner_hands_kernels_absolute_folders_and_parameters_in_a_cell(monkeypatch):
    import nbformat

    monkeypatch.setenv("MUSICDL_DATA", "relative/data")
    monkeypatch.setenv("MUSICDL_QUICK", "0")
    env = runner._kernel_env()
    assert Path(env["MUSICDL_DATA"]) == config.repo_root() / "relative" / "data"
    assert Path(env["MUSICDL_RESULTS"]).is_absolute()
    assert "MUSICDL_QUICK" not in env, "the parameters reach the kernel through its cell only"
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell("QUICK = False", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("y = 2"),
        ]
    )
    runner.inject_parameters(nb, config.run_parameters(quick=True, dataset="demo"))
    injected = nb.cells[2]
    assert injected.metadata["tags"] == ["injected-parameters"]
    assert "QUICK = True" in injected.source and "DATASET = 'demo'" in injected.source
    assert os.environ["MUSICDL_QUICK"] == "0", "the runner must not change its own environment"


def test_runner_goes_on_without_an_optional_dataset(monkeypatch, tmp_path, capsys):
    # A notebook may declare the optional GTZAN genre collection for a section it runs only
    # when the data is there: the runner neither stops nor generates a demo for it.
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("MUSICDL_RESULTS", str(tmp_path / "results"))
    monkeypatch.setattr(runner, "declared_datasets", lambda path: ["gtzan_genre"])
    monkeypatch.setattr(
        runner, "execute", lambda path, **kwargs: runner.NotebookRun(path=path, seconds=0.0)
    )
    assert runner.main(["--quick", "00"]) == 0
    out = capsys.readouterr().out
    assert (
        "gtzan_genre: not used (optional; get it with bash download_datasets.sh gtzan_genre)" in out
    )
    data = tmp_path / "data"  # demo.prepare may make the (writable) data folder, nothing in it
    assert not data.exists() or not any(data.iterdir()), "no demo was made for it"


def test_missing_requirements_names_the_missing_and_the_too_old(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text(
        "# a comment\nnumpy>=1.0\nnumpy>=999  # too old here\nno-such-package-xyz>=1\n\n"
        'other-package-xyz>=1; python_version < "3.0"\n'  # not for this Python
    )
    assert config.missing_requirements(req) == ["numpy>=999", "no-such-package-xyz>=1"]


def test_the_project_installs_what_colab_would_need():
    # make setup installs everything of requirements-colab.txt: nothing would be missing here
    assert config.missing_requirements(config.repo_root() / "requirements-colab.txt") == []
    assert config.missing_requirements(config.repo_root() / "requirements-nodeps.txt") == []


def test_headless_reads_its_variable(monkeypatch):
    monkeypatch.setenv("MUSICDL_HEADLESS", "1")
    assert config.headless()
    monkeypatch.setenv("MUSICDL_HEADLESS", "0")
    assert not config.headless()
    assert runner._kernel_env()["MUSICDL_HEADLESS"] == "1", "the runner's kernels are headless"


def test_without_a_front_end_no_widget_is_waited_on(monkeypatch):
    # nbconvert, papermill and nbclient start kernels with none of a front end's marks
    monkeypatch.delenv("MUSICDL_HEADLESS", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert config.front_end() is None and config.headless()
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/notebooks/01_audio_basics.ipynb")
    assert config.front_end() == "Jupyter" and not config.headless()
    monkeypatch.setenv("MUSICDL_HEADLESS", "1")
    assert config.headless(), "MUSICDL_HEADLESS=1 wins"
    monkeypatch.setenv("MUSICDL_HEADLESS", "2")
    with pytest.raises(ValueError, match="MUSICDL_HEADLESS must be 0 or 1, found '2'"):
        config.headless()


def test_save_results_keeps_lessons_as_booleans(results_in):
    path = results.save_results(
        "99_example",
        dataset="x",
        source="demo",
        quick=True,
        metrics={"a": 0.9, "b": 0.5},
        lessons={"a_beats_b": np.float64(0.9) > 0.5, "b_beats_a": False},
        seconds=1,
    )
    record = json.loads(path.read_text())
    assert record["lessons"] == {"a_beats_b": True, "b_beats_a": False}
    with pytest.raises(TypeError, match="a_beats_b"):
        results.save_results(
            "99_example",
            dataset="x",
            source="demo",
            quick=True,
            metrics={},
            lessons={"a_beats_b": 0.9},
            seconds=1,
        )


def test_save_results_keeps_a_table_of_searches_by_name(results_in):
    common = dict(dataset="x", source="demo", quick=True, metrics={"map": 0.5}, seconds=1)
    table = {
        "Siamese dense": {"map": np.float64(0.7), "precision_at_10": 0.6},
        "random": {"map": 0.2},
    }
    path = results.save_results("99_example", searches=table, **common)
    assert json.loads(path.read_text())["searches"] == {
        "Siamese dense": {"map": 0.7, "precision_at_10": 0.6},
        "random": {"map": 0.2},
    }
    assert "searches" not in json.loads(results.save_results("99_example", **common).read_text())
    with pytest.raises(ValueError, match="finite"):
        results.save_results("99_example", searches={"bad": {"map": float("nan")}}, **common)
