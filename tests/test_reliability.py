"""What a workshop user meets when things go wrong: failed runs, races, shared installs,
truncated files. Each test asserts what the user notices (a mark, a message naming the
file and the fix, a file that stays whole), on private folders."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from utils import demo, features, files, publish, results, runner

# --------------------------------------------------------------------------------------
# A failed notebook is never published beside stale numbers (defect 4)
# --------------------------------------------------------------------------------------


def _stale_results(stem: str, *, quick: bool):
    return results.save_results(
        stem,
        dataset="gtzan_music_speech",
        source="demo",
        quick=quick,
        metrics={"clip_accuracy": 0.123456},
        seconds=1.0,
    )


def _failed_copy(folder: Path, stem: str) -> Path:
    """An executed notebook as nbclient leaves a failed run: an error output, then nothing."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {stem}"),
        nbformat.v4.new_code_cell("x = 1", execution_count=1),
        nbformat.v4.new_code_cell("1 / 0", execution_count=2),
        nbformat.v4.new_code_cell("print('never ran')"),
    ]
    nb.cells[2].outputs = [
        nbformat.v4.new_output(
            "error", ename="ZeroDivisionError", evalue="division by zero", traceback=["..."]
        )
    ]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{stem}.ipynb")
    return folder / f"{stem}.ipynb"


@pytest.fixture()
def private_results(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICDL_RESULTS", str(tmp_path / "results"))
    monkeypatch.delenv("MUSICDL_QUICK", raising=False)
    return tmp_path / "results"


@pytest.mark.slow
def test_the_runner_removes_the_results_file_before_running(private_results, tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("raise RuntimeError('this run fails')")]
    path = folder / "03_cnn_music_speech.ipynb"
    nbformat.write(nb, path)
    stale = _stale_results("03_cnn_music_speech", quick=True)
    run = runner.execute(path, quick=True, out_dir=tmp_path / "build", timeout=120)
    assert not run.ok and "this run fails" in run.error
    assert not stale.exists(), "a failed run must not leave the previous run's numbers"
    written = json.loads((tmp_path / "build" / path.name).read_text())
    assert written["cells"][1]["outputs"][0]["output_type"] == "error"


def test_publish_results_marks_a_failed_notebook_and_exits_non_zero(
    private_results, tmp_path, capsys
):
    build = tmp_path / "build"
    _failed_copy(build, "03_cnn_music_speech")
    _stale_results("03_cnn_music_speech", quick=True)  # left by an older runner, say
    out = tmp_path / "RESULTS.md"
    code = publish.main(["results", "--quick", "--source", str(build), "--out", str(out)])
    said = capsys.readouterr().err
    assert code == 1
    text = out.read_text()
    assert "| 03_cnn_music_speech |" in text and "**FAILED** in cell 2: ZeroDivisionError" in text
    assert "0.123" not in text, "the stale number is not shown beside the failure"
    assert "03_cnn_music_speech (cell 2: ZeroDivisionError: division by zero)" in said
    assert "--allow-failed" in said
    flags = ["results", "--quick", "--source", str(build), "--out", str(out), "--allow-failed"]
    assert publish.main(flags) == 0


@pytest.mark.slow
def test_the_site_marks_a_failed_notebook_on_the_index_and_its_page(
    private_results, tmp_path, capsys
):
    build = tmp_path / "build"
    _failed_copy(build, "03_cnn_music_speech")
    _stale_results("03_cnn_music_speech", quick=True)
    site = tmp_path / "site"
    code = publish.main(["site", "--quick", "--source", str(build), "--out", str(site)])
    assert code == 1, capsys.readouterr()
    index = (site / "index.html").read_text()
    assert "FAILED: see its page" in index
    assert "0.123" not in index
    page = (site / "notebooks" / "03_cnn_music_speech.html").read_text()
    assert "This run FAILED</strong> in cell 2: ZeroDivisionError: division by zero" in page


# --------------------------------------------------------------------------------------
# Two writers never leave a half-written file (defect 5), and a shared install stays
# readable (umask)
# --------------------------------------------------------------------------------------


def _write_results_for(seconds: float, results_dir: str, errors) -> None:
    os.environ["MUSICDL_RESULTS"] = results_dir
    end = time.monotonic() + seconds
    failures = 0
    while time.monotonic() < end:
        try:
            results.save_results(
                "02_deep_learning_basics",
                dataset="none",
                source="none",
                quick=False,
                metrics={f"m{i}": float(i) for i in range(300)},
                seconds=1.0,
            )
        except OSError:
            failures += 1
    errors.put(failures)


@pytest.mark.slow
def test_two_writers_of_one_results_file_never_leave_it_partial(private_results):
    ctx = multiprocessing.get_context("spawn")
    errors = ctx.Queue()
    seconds = 4.0
    writers = [
        ctx.Process(target=_write_results_for, args=(seconds, str(private_results), errors))
        for _ in range(2)
    ]
    for w in writers:
        w.start()
    path = private_results / "02_deep_learning_basics.json"
    reads, bad = 0, 0
    deadline = time.monotonic() + seconds + 20
    while any(w.is_alive() for w in writers) and time.monotonic() < deadline:
        try:
            text = path.read_text()
        except FileNotFoundError:
            continue
        reads += 1
        try:
            assert len(json.loads(text)["metrics"]) == 300
        except (ValueError, KeyError, AssertionError):
            bad += 1
    for w in writers:
        w.join(timeout=30)
    write_errors = [errors.get(timeout=10) for _ in writers]
    assert reads > 100, f"only {reads} reads: the race did not run"
    assert bad == 0, f"{bad} of {reads} reads saw a partial file"
    assert write_errors == [0, 0], f"writes that raised: {write_errors}"
    leftovers = [p.name for p in private_results.iterdir() if p.name != path.name]
    assert leftovers == [], f"temporary files left behind: {leftovers}"


def test_write_atomic_leaves_one_whole_copy_and_no_temporary_file(tmp_path):
    target = tmp_path / "build" / "01_audio_basics.ipynb"
    files.write_atomic(target, "x" * 1_000_000)
    files.write_atomic(target, "y" * 10)
    assert target.read_text() == "y" * 10
    assert [p.name for p in target.parent.iterdir()] == [target.name]


@pytest.fixture()
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_files_written_atomically_follow_the_umask(tmp_path, umask_022, private_results):
    cached = tmp_path / "cache" / "x.npy"
    features.save_atomic(cached, np.arange(3))
    npz = features.save_npz(tmp_path / "f.npz", np.zeros((2, 3)), ["a.wav", "b.wav"])
    made = results.save_results(
        "00_setup_check", dataset="none", source="none", quick=False, metrics={}, seconds=1
    )
    page = files.write_atomic(tmp_path / "page.html", "<p>")
    for path in (cached, npz, made, page):
        assert _mode(path) == 0o644, f"{path} is {oct(_mode(path))}: other users cannot read it"


@pytest.mark.slow
def test_a_generated_demo_folder_is_readable_by_other_users(tmp_path, umask_022):
    size = {"gtzan_per_class": 2}
    out = demo.generate(
        tmp_path, quick=True, datasets=["gtzan_music_speech"], n_jobs=1, verbose=False, size=size
    )
    folder = out["gtzan_music_speech"]
    assert _mode(folder) == 0o755, f"{folder} is {oct(_mode(folder))}"


# --------------------------------------------------------------------------------------
# A truncated results file or executed notebook is named, with the fix
# --------------------------------------------------------------------------------------


def test_a_truncated_results_file_is_named_with_the_fix(private_results, tmp_path, capsys):
    good = _stale_results("03_cnn_music_speech", quick=False)
    good.write_text(good.read_text()[:40])
    with pytest.raises(ValueError, match="03_cnn_music_speech.json is not a complete results"):
        results.load_results()
    code = publish.main(["results", "--source", str(tmp_path), "--out", str(tmp_path / "R.md")])
    said = capsys.readouterr().err
    assert code == 1
    assert str(good) in said and "Delete it and run 03_cnn_music_speech again" in said
    assert "Traceback" not in said


def test_a_truncated_executed_notebook_is_named_with_the_fix(private_results, tmp_path, capsys):
    build = tmp_path / "build"
    path = _failed_copy(build, "01_audio_basics")
    path.write_text(path.read_text()[:100])
    code = publish.main(["site", "--quick", "--source", str(build), "--out", str(tmp_path / "s")])
    said = capsys.readouterr().err
    assert code == 1
    assert f"{path} is not a complete executed notebook" in said
    assert "python -m utils.runner 01" in said


# --------------------------------------------------------------------------------------
# Environment values and folders are checked before anything runs; a full disk is named
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("MUSICDL_QUICK", "2", "$MUSICDL_QUICK must be 0 or 1, found '2'"),
        ("MUSICDL_DATASET", "foo", "MUSICDL_DATASET must be one of auto, real, demo, found 'foo'"),
    ],
)
def test_a_bad_environment_value_is_one_error_line_and_exit_2(
    variable, value, said, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv(variable, value)
    for command in (runner.main, publish.main):
        args = ["99"] if command is runner.main else ["results", "--out", str(tmp_path / "R.md")]
        with pytest.raises(SystemExit) as exit_:
            command(args)
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert f"error: {said}" in err and "Traceback" not in err


def test_a_data_folder_that_is_a_file_stops_the_first_cell(tmp_path, monkeypatch, private_results):
    from utils import config

    not_a_folder = tmp_path / "data.txt"
    not_a_folder.write_text("oops")
    monkeypatch.setenv("MUSICDL_DATA", str(not_a_folder))
    params = config.run_parameters(quick=True, dataset="demo")
    with pytest.raises(
        NotADirectoryError, match=r"\$MUSICDL_DATA points at .*data.txt, which is a"
    ):
        demo.prepare([], params)  # notebook 00's NEEDS: none, and it is still checked


def test_a_results_folder_that_cannot_be_written_is_found_before_running(
    tmp_path, monkeypatch, quick_gtzan
):
    from utils import config

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "demo-quick").symlink_to(quick_gtzan, target_is_directory=True)
    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    locked = tmp_path / "results"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, m: False if Path(p) == locked else real_access(p, m)
    )
    monkeypatch.setenv("MUSICDL_RESULTS", str(locked / "mine"))
    params = config.run_parameters(quick=True, dataset="demo")
    with pytest.raises(
        PermissionError, match=r"results is not writable by this user.*MUSICDL_RESULTS"
    ):
        demo.prepare(["gtzan_music_speech"], params)


def test_a_full_disk_is_found_before_generating_and_named(tmp_path, monkeypatch, private_results):
    from utils import config

    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(demo, "_free_bytes", lambda folder: 3_000_000)
    params = config.run_parameters(quick=True, dataset="demo")
    with pytest.raises(OSError, match=r"it needs 46 MB and .* has 3 MB free") as err:
        demo.prepare(["gtzan_music_speech"], params)
    assert "demo-quick/gtzan_music_speech" in str(err.value)
    assert not (tmp_path / "data" / "demo-quick" / "gtzan_music_speech").exists()


def test_a_write_failure_while_generating_names_the_folder_and_the_room(
    tmp_path, monkeypatch, private_results
):
    from utils import config

    def disk_full(*args, **kwargs):
        raise RuntimeError("Error opening 'music_003.wav': System error.")  # libsndfile's words

    monkeypatch.setenv("MUSICDL_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(demo, "generate", disk_full)
    with pytest.raises(OSError, match=r"Could not write the demo data into .*gtzan_music_speech"):
        demo.prepare(["gtzan_music_speech"], config.run_parameters(quick=True, dataset="demo"))


def test_save_npz_into_a_full_disk_names_the_file_and_the_room(tmp_path, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    with pytest.raises(OSError, match=r"Could not write the feature set .*f.npz \(No space left"):
        features.save_npz(tmp_path / "f.npz", np.zeros((1000, 10)), ["a.wav"] * 1000)
    assert list(tmp_path.iterdir()) == [], "no temporary file stays"


def test_the_manual_route_for_gtzan_music_speech_names_the_hear_copy_and_what_to_do():
    from utils import catalog, download

    text = download._manual("gtzan_music_speech")
    assert (
        catalog.HEAR_ZENODO == "https://zenodo.org/record/5887964" and catalog.HEAR_ZENODO in text
    )
    for step in ("22,050 Hz mono 16-bit wav", "music_wav/ or speech_wav/ by its label", "64 + 64"):
        assert step in text
    assert "not fetched for you" in text


def _ones(path):
    return np.ones(3, np.float32)


@pytest.mark.parametrize(
    ("code", "fix"),
    [("EACCES", "belongs to another user"), ("ENOSPC", "Check the free disk space there")],
)
def test_a_cache_that_cannot_be_written_says_why(code, fix, tmp_path, monkeypatch):
    import errno

    clip = tmp_path / "a.wav"
    clip.write_bytes(b"RIFF")

    def refuse(target, array):
        raise OSError(getattr(errno, code), os.strerror(getattr(errno, code)))

    monkeypatch.setattr(features, "save_atomic", refuse)
    with pytest.warns(UserWarning, match=fix):
        features.extract([clip], _ones, n_jobs=1, cache_dir=tmp_path / "cache", progress=False)
