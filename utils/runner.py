"""Execute the notebooks headless and print their results.

``make demo`` runs ``python -m utils.runner``; the notebook tests call :func:`execute`.
Each notebook runs in a fresh ``python3`` kernel with ``notebooks/`` as its working
folder, exactly as a person running it top to bottom in JupyterLab would.

Usage::

    python -m utils.runner                  # every notebook, full mode, into build/
    python -m utils.runner --quick 00 01    # some notebooks, quick mode, into build/quick/
    python -m utils.runner --quick --dataset folder:~/my_music 03 11   # your own collection
    python -m utils.runner --sync-setup     # notebooks' setup cells, badges, slide types

Each notebook declares the datasets it reads in its metadata
(``{"musicdl": {"datasets": ["gtzan_music_speech"]}}``); the runner prepares those, and
only those, before it starts (generating the demo copy when no real data is present).
A notebook that reads a collection of your own (``--dataset folder:PATH``, a folder per
class) says so with ``"folder": true`` there (:func:`accepts_folder`); the runner checks
the folder before it starts, and the other notebooks use the project's data as with ``auto``.
Quick and full runs keep their executed notebooks (``build/quick/`` vs ``build/``) and
their results files (:func:`utils.config.results_dir`) apart.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import GITHUB_REPO, collection, config, datasets, demo, files, layouts, results

__all__ = [
    "COLAB_BADGE",
    "COLAB_URL",
    "NotebookRun",
    "SETUP_CELLS",
    "accepts_folder",
    "build_dir",
    "colab_url",
    "declared_datasets",
    "execute",
    "headline",
    "main",
    "notebooks",
    "results_table",
    "setup_cells",
    "slide_types",
    "solution_cells",
    "sync_notebook",
    "sync_readme",
]

#: The setup every notebook opens with, right after its title cell: (cell type, source)
#: pairs, a template in which ``@GITHUB_REPO@`` stands for :data:`utils.GITHUB_REPO` and
#: ``@DATASETS@`` for the datasets the notebook declares (:func:`setup_cells` fills them in).
#: ``python -m utils.runner --sync-setup`` (``make notebooks-meta``) writes them into every
#: notebook, and a test checks that no notebook has drifted from them. Notebook-specific
#: imports follow them, before the ``## Parameters`` section.
SETUP_CELLS = (
    ("markdown", "## Setup\n\nPython 3.11.5 or newer is required:"),
    (
        "code",
        """import sys

assert sys.version_info >= (3, 11, 5), f"Python 3.11.5+ is required, found {sys.version.split()[0]}"
print("Python", sys.version.split()[0])""",
    ),
    (
        "markdown",
        "On Colab (and only there) this cell gets the project: it clones it from GitHub when "
        "the project's `utils` package is not in this folder or above it, updates the clone "
        "made in an earlier session, and names the GPU:",
    ),
    (
        "code",
        """import subprocess
from pathlib import Path

IS_COLAB = "google.colab" in sys.modules
GITHUB_REPO = "@GITHUB_REPO@"  # utils.GITHUB_REPO (make notebooks-meta)
CLONE = Path.cwd() / GITHUB_REPO.split("/")[-1]
HERE = [Path.cwd(), *Path.cwd().parents]


def run(*command):
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except OSError as err:  # the program is not installed
        return 127, str(err)
    return done.returncode, (done.stdout + done.stderr).strip()


if IS_COLAB and (CLONE / ".git").exists():
    rc, said = run("git", "-C", str(CLONE), "pull", "--ff-only", "--quiet")
    print(f"Updated {CLONE}" if rc == 0 else f"Kept {CLONE} as it is (git pull: {said})")
elif IS_COLAB and not any((p / "utils" / "__init__.py").exists() for p in HERE):
    url = f"https://github.com/{GITHUB_REPO}"
    rc, said = run("git", "clone", "--quiet", "--depth=1", url, str(CLONE))
    if rc != 0:
        message = f"Could not clone {url}: {said}. Check that this runtime is online, then run "
        raise RuntimeError(message + f"this cell again; or upload the project as {CLONE}.")
if IS_COLAB:
    rc, gpus = run("nvidia-smi", "-L")
    print("GPU:", gpus if rc == 0 else "none (Runtime > Change runtime type > T4 GPU gives one)")""",
    ),
    (
        "markdown",
        "The shared package `utils` sits at the project's root; "
        "this cell makes it importable from wherever the notebook runs:",
    ),
    (
        "code",
        """candidates = [*HERE, CLONE]
ROOT = next((p for p in candidates if (p / "utils" / "__init__.py").exists()), None)
assert ROOT is not None, "Start Jupyter in the project folder (it holds utils/), or use Colab."
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from utils import config

print("Project folder:", ROOT)""",
    ),
    (
        "markdown",
        "On Colab, `pip` installs only what Colab lacks: the packages of "
        "`requirements-colab.txt` that are missing or older than their floors, so Colab's own "
        "TensorFlow and Keras stay when they are new enough, and those of "
        "`requirements-nodeps.txt` (the pretrained musicnn weights) without their outdated "
        "dependencies. Then it offers the data this notebook reads (elsewhere this cell does "
        "nothing):",
    ),
    (
        "code",
        """import shlex

NEEDS = @DATASETS@  # this notebook's datasets (make notebooks-meta)
if IS_COLAB:
    MISSING = config.missing_requirements(ROOT / "requirements-colab.txt")
    NO_DEPS = config.missing_requirements(ROOT / "requirements-nodeps.txt")
    print("Installing:", ", ".join(MISSING + NO_DEPS) or "nothing, Colab has it all")
    if MISSING:
        PIP_ARGS = " ".join(shlex.quote(r) for r in MISSING)
        %pip install -q {PIP_ARGS}
    if NO_DEPS:
        PIP_ARGS = " ".join(shlex.quote(r) for r in NO_DEPS)
        %pip install -q --no-deps {PIP_ARGS}
    from utils import catalog

    for line in catalog.offer(NEEDS):
        print(line)""",
    ),
    ("markdown", "The installed packages, against the oldest versions the notebooks work with:"),
    (
        "code",
        """from utils import evaluation, models, results

TIMER = evaluation.Timer()  # the notebook's wall time, for its results file
versions = config.package_report()
too_old = [f"{r['package']} {r['installed']} < {r['minimum']}" for r in versions if not r["ok"]]
assert not too_old, f"Too old or missing: {', '.join(too_old)}. Run: make setup"
print(", ".join(f"{r['package']} {r['installed']}" for r in versions))""",
    ),
    (
        "markdown",
        "A fixed seed makes runs repeatable (`config.set_seed` calls "
        "`keras.utils.set_random_seed`, which seeds Python, NumPy and TensorFlow): "
        "on a CPU every run gives the same numbers; on a GPU some operations are not "
        "deterministic, so the last digits may differ unless "
        "`tf.config.experimental.enable_op_determinism()` is called, at some cost in speed. "
        "Every cell that builds or trains a model calls it again first, so that running that "
        "cell a second time, or a new cell before it, leaves its numbers as they were:",
    ),
    ("code", "config.set_seed(42)"),
    (
        "markdown",
        "Keras finds a GPU on its own; `models.setup_device` reports it, "
        "lets TensorFlow take GPU memory only as needed, and warns when there is none:",
    ),
    ("code", "DEVICE = models.setup_device()"),
)

#: Where a notebook opens on Colab; ``{repo}`` is :data:`utils.GITHUB_REPO`.
COLAB_URL = "https://colab.research.google.com/github/{repo}/blob/main/notebooks/{name}"
#: The badge image every title cell and the README's notebook table show.
COLAB_BADGE = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


@dataclass
class NotebookRun:
    """What happened when a notebook ran.

    Attributes
    ----------
    path : pathlib.Path
        The notebook executed.
    seconds : float
        Wall time, kernel start included.
    error : str or None
        ``None`` on success; else the failing cell's source and its traceback.
    output : pathlib.Path or None
        The executed notebook written, if an output folder was given.
    """

    path: Path
    seconds: float
    error: str | None = None
    output: Path | None = None
    html: Path | None = field(default=None)

    @property
    def ok(self) -> bool:
        """Whether the notebook ran to its end without an error."""
        return self.error is None


def notebooks(selection=None) -> list[Path]:
    """The numbered notebooks ``notebooks/NN_*.ipynb`` in order, optionally filtered.

    Parameters
    ----------
    selection : list of str, optional
        Prefixes or stems, e.g. ``["00", "01_audio_basics"]``.
    """
    found = sorted((config.repo_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not selection:
        return found
    chosen = [p for p in found if any(p.stem.startswith(s) or p.name == s for s in selection)]
    missing = [s for s in selection if not any(p.stem.startswith(s) or p.name == s for p in found)]
    if missing:
        raise FileNotFoundError(
            f"No notebook matches {', '.join(missing)}; found: {', '.join(p.name for p in found)}"
        )
    return chosen


def declared_datasets(path) -> list[str]:
    """The datasets a notebook says it reads (its ``metadata.musicdl.datasets``).

    Parameters
    ----------
    path : str or pathlib.Path
        The notebook.

    Returns
    -------
    list of str
        Keys of :data:`utils.layouts.DATASETS`; empty when the notebook reads none.

    Raises
    ------
    ValueError
        When the metadata names a dataset that does not exist.
    """
    import nbformat

    nb = nbformat.read(Path(path), as_version=4)
    names = list(nb.metadata.get("musicdl", {}).get("datasets", []))
    unknown = [n for n in names if n not in layouts.DATASETS]
    if unknown:
        raise ValueError(
            f"{Path(path).name} declares unknown dataset(s) {unknown} in metadata.musicdl.datasets; "
            f"known: {', '.join(layouts.DATASETS)}"
        )
    return names


def accepts_folder(path) -> bool:
    """Whether a notebook reads a collection of your own (its ``metadata.musicdl.folder``).

    Such a notebook uses ``DATASET = "folder:/path/to/my_music"`` for its data (through
    :func:`utils.collection.clip_table` or :func:`utils.collection.folder_of`); any other
    notebook, given a folder choice, uses the project's datasets as with ``"auto"``.

    Example
    -------
    >>> accepts_folder(config.repo_root() / "notebooks" / "11_pretrained_models.ipynb")
    True
    """
    import nbformat

    nb = nbformat.read(Path(path), as_version=4)
    return bool(nb.metadata.get("musicdl", {}).get("folder", False))


def _dataset_option(value: str) -> str:
    """``--dataset``: a mode of :data:`utils.config.DATASET_MODES` or ``folder:PATH``."""
    try:
        return config.run_parameters(dataset=value).dataset
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _absolute_folder(params: config.RunParameters) -> config.RunParameters:
    """``params`` with a folder choice made absolute from the current folder: the kernels
    start in ``notebooks/``, where a relative path would name another folder.
    """
    folder = collection.folder_of(params.dataset)
    if folder is None:
        return params
    return replace(params, dataset=f"{config.FOLDER_PREFIX}{folder}")


def setup_cells(datasets=(), *, repo: str | None = None) -> list[tuple[str, str]]:
    """:data:`SETUP_CELLS` filled in for one notebook.

    Parameters
    ----------
    datasets : list of str
        The datasets the notebook reads (:func:`declared_datasets`); the Colab cell offers them.
    repo : str, optional
        ``owner/name`` on GitHub; defaults to :data:`utils.GITHUB_REPO`.

    Returns
    -------
    list of (str, str)
        (cell type, source) pairs.

    Example
    -------
    >>> any('NEEDS = ["magnatagatune"]' in s for _, s in setup_cells(["magnatagatune"]))
    True
    """
    repo = GITHUB_REPO if repo is None else repo
    needs = "[" + ", ".join(f'"{name}"' for name in datasets) + "]"
    return [
        (kind, source.replace("@GITHUB_REPO@", repo).replace("@DATASETS@", needs))
        for kind, source in SETUP_CELLS
    ]


def colab_url(name: str, *, repo: str | None = None) -> str:
    """The address that opens notebook ``name`` (a file name) on Colab.

    Example
    -------
    >>> colab_url("00_setup_check.ipynb", repo="me/repo")
    'https://colab.research.google.com/github/me/repo/blob/main/notebooks/00_setup_check.ipynb'
    """
    return COLAB_URL.format(repo=GITHUB_REPO if repo is None else repo, name=name)


def slide_types(cells, *, setup: int = len(SETUP_CELLS)) -> list[str]:
    """The reveal.js slide type of each cell (``metadata.slideshow.slide_type``).

    The rules, so that each slide shows one idea: the title and every ``## `` section open a
    slide; a ``### `` heading and every sentence that introduces a code cell (ending in ':')
    open a sub-slide, with the code and its output on it (``-``); other prose after an output
    appears on click (``fragment``); the ``setup`` cells after the title are skipped.

    Parameters
    ----------
    cells : list of nbformat cells
    setup : int
        How many cells after the title are the setup block.

    Returns
    -------
    list of str
        One of ``"slide"``, ``"subslide"``, ``"fragment"``, ``"-"``, ``"skip"`` per cell.
    """
    types = []
    for i, cell in enumerate(cells):
        text = cell.source.lstrip()
        if i == 0:
            kind = "slide"
        elif i <= setup:
            kind = "skip"
        elif cell.cell_type != "markdown":
            kind = "-"
        elif text.startswith("## "):
            kind = "slide"
        elif text.startswith("### ") or text.rstrip().endswith(":"):
            kind = "subslide"
        else:
            kind = "fragment"
        types.append(kind)
    return types


def _title_with_badge(source: str, url: str) -> str:
    """The title cell's text with its Colab badge pointing at ``url`` (added when missing)."""
    found = re.search(r"\(https://colab\.research\.google\.com/github/[^)\s]*\)", source)
    if found:
        return source[: found.start()] + f"({url})" + source[found.end() :]
    return source.rstrip() + "\n\n" + COLAB_BADGE.format(url=url)


def sync_notebook(path) -> bool:
    """Write what a notebook derives from the project: setup cells, Colab badge, slide types.

    The setup block (the cells right after the title, up to the one that calls
    ``models.setup_device``, or failing that to the next ``## `` section) becomes
    :func:`setup_cells` for the notebook's declared datasets; the title cell's Colab badge
    points at :func:`colab_url`; every cell gets the slide type of :func:`slide_types`.
    Cells after the setup block (a notebook's own imports) are kept.

    Parameters
    ----------
    path : str or pathlib.Path
        The notebook, rewritten in place when it changes.

    Returns
    -------
    bool
        Whether the notebook changed.
    """
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    canonical = setup_cells(declared_datasets(path))
    if [(c.cell_type, c.source) for c in nb.cells[1 : 1 + len(canonical)]] != canonical:
        ends = [
            i
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and "models.setup_device(" in c.source
        ]
        sections = [
            i
            for i, c in enumerate(nb.cells)
            if i > 1 and c.cell_type == "markdown" and c.source.startswith("## ")
        ]
        end = ends[0] + 1 if ends else (sections or [len(nb.cells)])[0]
        make = {"markdown": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
        fresh = [make[kind](source) for kind, source in canonical]
        for k, cell in enumerate(fresh):
            cell["id"] = f"setup-{k:02d}"  # stable ids keep the notebooks' diffs small
        nb.cells[1:end] = fresh
    nb.cells[0].source = _title_with_badge(nb.cells[0].source, colab_url(path.name))
    for cell, kind in zip(nb.cells, slide_types(nb.cells)):
        cell.metadata["slideshow"] = {"slide_type": kind}
    if nbformat.writes(nb) == before:
        return False
    nbformat.write(nb, path)
    return True


def sync_readme(path=None) -> bool:
    """Point the Colab badges of the README's notebook table at :data:`utils.GITHUB_REPO`.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The README; defaults to the project's.

    Returns
    -------
    bool
        Whether the file changed.
    """
    path = Path(path) if path else config.repo_root() / "README.md"
    text = path.read_text(encoding="utf-8")
    fresh = re.sub(
        r"https://colab\.research\.google\.com/github/[^)\s]*/blob/main/notebooks/([^)\s]+)",
        lambda m: colab_url(m.group(1)),
        text,
    )
    if fresh == text:
        return False
    path.write_text(fresh, encoding="utf-8")
    return True


def build_dir(*, quick: bool) -> Path:
    """Where executed notebooks go: ``build/`` for full runs, ``build/quick/`` for quick ones."""
    root = config.repo_root() / "build"
    return root / "quick" if quick else root


def _kernel_env() -> dict:
    # The kernels start in notebooks/: hand them absolute data and results folders, so that
    # they read exactly what the runner prepared. Inline figures even when the calling shell
    # sets another backend (e.g. MPLBACKEND=Agg). The run parameters are not here: they are
    # injected after the parameters cell (:func:`inject_parameters`), as papermill does.
    env = dict(os.environ)
    for name in PARAMETER_VARIABLES.values():
        env.pop(name, None)  # the kernel gets them only through its parameters cell
    env.update(
        {
            "MUSICDL_DATA": str(config.data_dir()),
            "MUSICDL_RESULTS": str(config.results_dir()),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "MUSICDL_HEADLESS": "1",  # no one moves a widget: plots.live draws a static figure
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        }
    )
    return env


#: The parameters-cell names the runner sets, and the environment variables they default to.
PARAMETER_VARIABLES = {"QUICK": "MUSICDL_QUICK", "DATASET": "MUSICDL_DATASET"}


_SOLUTION = re.compile(r"<details><summary>Solution</summary>(.*?)</details>", re.S)
_PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def solution_cells(nb) -> list[str]:
    r"""The code of every hidden exercise solution: the ```python blocks inside each
    ``<details><summary>Solution</summary>...</details>`` of the notebook's markdown, in order.

    ``execute(..., solutions=True)`` runs them after the notebook, in its namespace, so a
    solution that no longer runs fails a test.

    Example
    -------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
    ...     "1. *Add.*\n\n<details><summary>Solution</summary>\n\n```python\nprint(1 + 1)\n```\n</details>")])
    >>> solution_cells(nb)
    ['print(1 + 1)\n']
    """
    code = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for hidden in _SOLUTION.findall(cell.source):
                code += _PYTHON_BLOCK.findall(hidden)
    return code


def inject_parameters(nb, params: config.RunParameters, extra: dict | None = None):
    """Insert a cell that sets the run parameters right after the ``parameters`` cell.

    The cell is tagged ``injected-parameters`` and holds ``QUICK = ...`` and
    ``DATASET = ...``, as ``papermill -p QUICK True`` would write it, so the cells after it
    see the values of this run whatever the environment says.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook, changed in place.
    params : utils.config.RunParameters
        The run's parameters.
    extra : dict, optional
        More names to set in the same cell, e.g. ``{"PROTOCOL": "2018"}`` (as
        ``papermill -p PROTOCOL 2018``); each value is written with ``repr``.

    Returns
    -------
    nbformat.NotebookNode
        ``nb``.

    Notes
    -----
    A notebook without a ``parameters`` cell gets the cell first, as papermill does.
    """
    import nbformat

    index = next(
        (i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), -1
    )
    source = (
        f"# Parameters set by the runner\nQUICK = {params.quick!r}\nDATASET = {params.dataset!r}"
    )
    source += "".join(f"\n{name} = {value!r}" for name, value in (extra or {}).items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(index + 1, cell)
    return nb


def _failure_text(nb, exc) -> str:
    """The source of the first cell with an error output, then the error itself."""
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"cell {index}:\n{cell.source}\n\n{exc}"
    return str(exc)


def execute(
    path,
    *,
    quick: bool,
    dataset: str | None = None,
    out_dir=None,
    timeout: int = 900,
    html: bool = False,
    solutions: bool = False,
    parameters: dict | None = None,
) -> NotebookRun:
    """Run one notebook top to bottom in a fresh ``python3`` kernel.

    Parameters
    ----------
    path : str or pathlib.Path
        The notebook.
    quick : bool
        Quick mode, injected after the notebook's parameters cell (:func:`inject_parameters`).
    dataset : {"auto", "real", "demo"} or str, optional
        Which copy of each dataset; default ``$MUSICDL_DATASET`` (else ``"auto"``).
        ``"folder:PATH"`` hands the notebook a collection of your own (a relative path is
        taken from the current folder, not from ``notebooks/``).
    out_dir : str or pathlib.Path, optional
        Where to write the executed notebook (and its HTML when ``html=True``).
    timeout : int
        Seconds any one cell may take.
    html : bool
        Also export the executed notebook to HTML.
    solutions : bool
        Append the exercises' hidden solutions (:func:`solution_cells`) as code cells, run
        after everything else in the notebook's namespace.
    parameters : dict, optional
        More run parameters for the injected cell (:func:`inject_parameters`), e.g.
        ``{"PROTOCOL": "2018"}``.

    Returns
    -------
    NotebookRun

    Notes
    -----
    The notebook's results file of this mode is removed first, so a failed run leaves none
    behind (rather than the last good run's numbers, which would be published as this
    run's). The executed notebook and its HTML are written atomically
    (:func:`utils.files.write_atomic`): a reader never sees half of one.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    params = _absolute_folder(config.run_parameters(quick=quick, dataset=dataset))
    inject_parameters(nb, params, parameters)
    if solutions:
        nb.cells += [nbformat.v4.new_code_cell(code) for code in solution_cells(nb)]
    (config.results_dir(quick=params.quick) / f"{path.stem}.json").unlink(missing_ok=True)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    error = None
    # The kernel's own stderr (transport warnings, native library chatter) goes to a log
    # that is shown only when the notebook fails.
    with tempfile.TemporaryFile(mode="w+") as kernel_log:
        try:
            client.execute(stderr=kernel_log, env=_kernel_env())
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            error = _failure_text(nb, exc)
            kernel_log.seek(0)
            tail = kernel_log.read()[-3000:].strip()
            if tail:
                error += f"\n\nkernel stderr (last lines):\n{tail}"
    run = NotebookRun(path=path, seconds=time.perf_counter() - start, error=error)
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        run.output = files.write_atomic(out_dir / path.name, nbformat.writes(nb) + "\n")
        if html:
            from nbconvert import HTMLExporter

            body, _ = HTMLExporter().from_notebook_node(nb)
            run.html = files.write_atomic(run.output.with_suffix(".html"), body)
    return run


def headline(metrics: dict, *, limit: int = 4) -> str:
    """The first ``limit`` metrics as ``name=value`` pairs, for a results table.

    Example
    -------
    >>> headline({"accuracy": 0.98765, "clips": 128.0})
    'accuracy=0.988, clips=128'
    """

    def number(v):
        return f"{int(v):,}" if float(v).is_integer() else f"{v:.3g}"

    return ", ".join(f"{k}={number(v)}" for k, v in list(metrics.items())[:limit])


def results_table(runs=None, *, quick: bool = False) -> str:
    """A Markdown table of one mode's results files (and, when given, the runs' wall times and status).

    Parameters
    ----------
    runs : list of NotebookRun, optional
        Runs of this invocation; their status and wall time join the table.
    quick : bool
        Tabulate the quick-mode results instead of the full-mode ones.
    """
    by_stem = {r.path.stem: r for r in (runs or [])}
    rows = [
        "| notebook | status | data | mode | seconds | headline metrics |",
        "|---|---|---|---|---|---|",
    ]
    records = {r["notebook"]: r for r in results.load_results(quick=quick)}
    for stem in sorted(set(records) | set(by_stem)):
        run, res = by_stem.get(stem), records.get(stem)
        status = "-" if run is None else ("ok" if run.ok else "FAILED")
        if res is None:
            rows.append(f"| {stem} | {status} | - | - | {run.seconds:.0f} | no results file |")
            continue
        data = f"{res['dataset']} ({res['source']})"
        mode = "quick" if res["quick"] else "full"
        seconds = run.seconds if run is not None else res["seconds"]
        rows.append(
            f"| {stem} | {status} | {data} | {mode} | {seconds:.0f} | {headline(res['metrics'])} |"
        )
    return "\n".join(rows)


def _check_folder(parser, params, selected) -> bool:
    """With a folder choice: read the folder before any notebook starts, and say which of
    the selected notebooks read it. False (after the message) when none does.
    """
    folder = collection.folder_of(params.dataset)
    if folder is None:
        return True
    try:
        mine = collection.load_folder(folder)
    except (FileNotFoundError, ValueError) as err:
        parser.error(str(err))
    takers = [p.name for p in selected if accepts_folder(p)]
    counts = ", ".join(
        f"{label} {n}" for label, n in mine.label.value_counts().sort_index().items()
    )
    print(f"Your collection {folder}: {len(mine)} clips ({counts})")
    if not takers:
        accepting = [p.name[:2] for p in notebooks() if accepts_folder(p)]
        print(
            f"None of the selected notebooks reads a folder of your own; those that do: "
            f"{', '.join(accepting)}. Nothing was run.",
            file=sys.stderr,
        )
        return False
    others = [p.name for p in selected if not accepts_folder(p)]
    print(f"  read by {', '.join(takers)}")
    if others:
        print(f"  not by {', '.join(others)}: they use the project's datasets, as with auto")
    return True


def main(argv=None) -> int:
    """Command line: run the selected notebooks and print the results table; 1 when one failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="prefixes such as 00 01 (default: all)")
    parser.add_argument(
        "--quick",
        action="store_true",
        default=None,
        help="quick mode (the default when MUSICDL_QUICK=1)",
    )
    parser.add_argument(
        "--dataset",
        type=_dataset_option,
        default=None,
        metavar="{auto,real,demo,folder:PATH}",
        help="which copy of each dataset (default $MUSICDL_DATASET, else auto); folder:PATH "
        "hands the notebooks that accept one (03, 11) your own collection, a folder per class",
    )
    parser.add_argument(
        "--out", default=None, help="output folder (default build/, or build/quick/ with --quick)"
    )
    parser.add_argument("--no-html", action="store_true", help="skip the HTML export")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds a single cell may take")
    parser.add_argument(
        "--sync-setup",
        action="store_true",
        help="write the notebooks' setup cells, Colab badges and slide types, and the README's "
        "badges, from SETUP_CELLS and utils.GITHUB_REPO, then exit (make notebooks-meta)",
    )
    args = parser.parse_args(argv)

    if args.sync_setup:
        for path in notebooks(args.notebooks):
            print(f"{path.name}: {'updated' if sync_notebook(path) else 'already in sync'}")
        print(f"README.md: {'updated' if sync_readme() else 'already in sync'}")
        return 0

    try:
        params = config.run_parameters(quick=args.quick or None, dataset=args.dataset)
    except ValueError as err:
        parser.error(str(err))
    out = Path(args.out) if args.out else build_dir(quick=params.quick)
    params = _absolute_folder(params)

    selected = notebooks(args.notebooks)
    if not _check_folder(parser, params, selected):
        return 2
    needed = sorted({name for path in selected for name in declared_datasets(path)})
    if needed:
        print("Data (real where downloaded, else the offline demo, made on first use):")
    demo.prepare([n for n in needed if not layouts.dataset(n).optional], params)
    for name in needed:
        try:
            root, source = datasets.locate(name, params)
        except FileNotFoundError:
            if not layouts.dataset(name).optional:
                raise
            # no demo copy: the notebook skips the part that needs it
            print(
                f"  {name}: not used (optional; get it with {layouts.dataset(name).fetch_command})"
            )
            continue
        print(f"  {name}: {source} ({root})")
    mode = "quick" if params.quick else "full"
    print(f"Running {len(selected)} notebook(s) in {mode} mode into {out}")
    runs = []
    for path in selected:
        print(f"- {path.name} ...", end=" ", flush=True)
        run = execute(
            path,
            quick=params.quick,
            dataset=params.dataset,
            out_dir=out,
            timeout=args.timeout,
            html=not args.no_html,
        )
        runs.append(run)
        print(f"{'ok' if run.ok else 'FAILED'} in {run.seconds:.0f} s")
        if not run.ok:
            print(run.error, file=sys.stderr)
    print()
    print(results_table(runs, quick=params.quick))
    failed = [r.path.name for r in runs if not r.ok]
    if failed:
        print(
            f"\n{len(failed)} notebook(s) failed: {', '.join(failed)} (executed copies are in {out})"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
