"""No hidden random state between cells: re-running a cell (or inserting one) repeats its numbers.

Every cell that builds or trains a model reseeds first (``config.set_seed``, which calls
``keras.utils.set_random_seed``, as Hands-On ML 3 does before each model), and every random
draw has its own generator, made in the cell (or function) that draws: a generator kept in
a variable of one cell and drawn from in another would hand each later cell a state that
depends on what ran before. The static checks read the notebooks; the last test runs one.
"""

from __future__ import annotations

import ast
import json
import re

import pytest

from utils import config, runner

NOTEBOOKS = [p for p in runner.notebooks() if p.stem[:2] >= "02"]

#: Calls that make a model's random weights, or train it (shuffling, dropout).
_BUILDERS = re.compile(
    r"^models\.(?!siamese$|setup_device$|distribution_strategy$|load_model$"
    r"|tensorboard$|epoch_estimate$)"  # a log writer and arithmetic: no random weights
)
#: Calls that reseed.
_SEEDS = {"config.set_seed", "keras.utils.set_random_seed"}


def _code_cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            # IPython magics and shell lines are no Python: blank them, keeping line numbers
            lines = ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.split("\n")]
            yield i, "\n".join(lines)


def _name(func) -> str:
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def _is_build_or_fit(call: ast.Call) -> bool:
    name = _name(call.func)
    return bool(_BUILDERS.match(name)) or name == "keras.Sequential" or name.endswith(".fit")


def _unseeded(source: str) -> list[str]:
    """The builds and fits of a cell's code with no reseed before them in their scope (the
    cell, or the function that holds them); builds inside a lambda run where it is called."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def scope(node):
        while node in parents:
            node = parents[node]
            if isinstance(node, (ast.FunctionDef, ast.Lambda)):
                return node
        return tree

    seeds = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n.func) in _SEEDS]
    bad = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _is_build_or_fit(node)):
            continue
        where = scope(node)
        if isinstance(where, ast.Lambda):
            continue
        if not any(scope(s) is where and s.lineno < node.lineno for s in seeds):
            bad.append(f"line {node.lineno}: {_name(node.func)}(...)")
    return bad


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_model_build_and_fit_is_reseeded(path):
    bad = [f"cell {i}, {b}" for i, src in _code_cells(path) for b in _unseeded(src)]
    assert not bad, (
        f"{path.name}: call config.set_seed(42) in the cell (or function) before each model "
        f"build and training, so that re-running the cell repeats its numbers: {bad}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_random_generator_crosses_cells(path):
    cells = dict(_code_cells(path))
    crossing = []
    for i, source in cells.items():
        for node in ast.parse(source).body:  # the cell's own names, not a function's
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            if not _name(node.value.func).endswith("random.default_rng"):
                continue
            for target in [t.id for t in node.targets if isinstance(t, ast.Name)]:
                used = [j for j, s in cells.items() if j != i and re.search(rf"\b{target}\b", s)]
                crossing += [f"{target} (cell {i}) drawn from in cell {j}" for j in used]
    assert not crossing, (
        f"{path.name}: make each draw's generator in the cell that draws: {crossing}"
    )


def test_the_static_check_sees_a_missing_reseed():
    assert _unseeded("m = models.dense((2,))\nm.fit(x, y)") == [
        "line 1: models.dense(...)",
        "line 2: m.fit(...)",
    ]
    assert _unseeded("config.set_seed(42)\nm = models.dense((2,))\nm.fit(x, y)") == []
    # a seed in the cell does not cover a function's build, which may run anywhere later
    assert _unseeded("config.set_seed(1)\ndef f():\n    return keras.Sequential([])") == [
        "line 3: keras.Sequential(...)"
    ]
    assert _unseeded("B = {'a': lambda: models.dense((2,))}") == []
    assert _unseeded("twin = models.siamese(encoder)") == []


@pytest.mark.notebook
def test_a_training_cell_run_twice_gives_the_same_numbers(quick_demo, tmp_path, monkeypatch):
    # Notebook 04 (the quickest that trains): its build and training cells run a second time
    # right after the first; every number of its results file must be the one of a normal run.
    import nbformat

    path = config.repo_root() / "notebooks" / "04_instrumental_vocal.ipynb"
    nb = nbformat.read(path, as_version=4)
    build = next(
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and "models.compact_cnn(" in c.source
    )
    fit = next(i for i in range(build, len(nb.cells)) if ".fit(" in nb.cells[i].source)
    twice = config.repo_root() / "build" / "test-reseed" / path.name  # finds utils/ above it
    twice.parent.mkdir(parents=True, exist_ok=True)
    nb.cells[fit + 1 : fit + 1] = [nbformat.from_dict(c) for c in nb.cells[build : fit + 1]]
    nbformat.write(nb, twice)
    numbers = {}
    for name, notebook in {"normal": path, "twice": twice}.items():
        results = tmp_path / name
        monkeypatch.setenv("MUSICDL_RESULTS", str(results))
        run = runner.execute(notebook, quick=True, out_dir=tmp_path / f"build-{name}", timeout=240)
        assert run.ok, f"{notebook.name} ({name}) failed at {run.error}"
        record = json.loads((results / "quick" / f"{path.stem}.json").read_text())
        numbers[name] = {k: v for k, v in record["metrics"].items() if "second" not in k}
    assert numbers["twice"] == numbers["normal"]
