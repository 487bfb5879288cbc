"""The imports of ``utils`` run one way: no cycle, and the leaf modules import only ``config``.

The layers and what each module may import are in CONTRIBUTING.md ("Architecture"); a
failure here names the rule it breaks there.
"""

from __future__ import annotations

import ast

import pytest

from utils import config

PACKAGE = config.repo_root() / "utils"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")

#: Modules that may import nothing of ``utils`` but ``config``.
LEAVES = ("audio", "files", "layers", "layouts", "psychoacoustics", "synth")
#: Modules each module must never import (the lower layer must not know the upper one).
FORBIDDEN = {
    "demo": {"datasets", "features", "download", "models", "runner", "evaluation", "plots"},
    # the loaders choose and read data: they never make it (demo) nor fetch it (download)
    "datasets": {"demo", "features", "models", "runner", "plots", "download", "similarity"},
    "vocabulary": set(MODULES) - {"layouts", "config"},
    "features": {"datasets", "models", "runner", "plots", "download", "demo", "similarity"},
    # a task module of NumPy functions: it knows no model builder, no pipeline, no notebook,
    # and nothing of the Siamese training (siamese) or the recipe (search) built on it
    "similarity": {
        *("models", "pipelines", "runner", "plots", "publish", "tag", "download", "demo"),
        *("siamese", "search", "datasets", "features"),
    },
    "siamese": {"models", "pipelines", "runner", "plots", "publish", "tag", "download", "demo"},
    # notebook 08's recipe: data, features and retrieval, but no model and no notebook machinery
    "search": {
        "models",
        "pipelines",
        "runner",
        "plots",
        "publish",
        "tag",
        "download",
        "demo",
        "siamese",
    },
    "config": set(MODULES) - {"config"},
}


def _imports(module: str) -> dict[str, set[str]]:
    """The ``utils`` modules a module imports (anywhere in it, functions included), and the
    names it takes from each."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module is None:  # from . import a, b
                for alias in node.names:
                    found.setdefault(alias.name, set())
            elif node.level == 1 or (node.module or "").startswith("utils"):
                name = (node.module or "").removeprefix("utils.").removeprefix("utils")
                found.setdefault(name, set()).update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("utils."):
                    found.setdefault(alias.name.removeprefix("utils."), set())
    found.pop(module, None)
    return found


GRAPH = {m: set(_imports(m)) for m in MODULES}


def test_the_graph_was_read():
    assert {"audio", "config", "datasets", "demo", "layouts"} <= set(MODULES)
    assert "config" in GRAPH["audio"] and "layouts" in GRAPH["datasets"]


def test_no_import_cycle():
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(m):
        state[m] = "open"
        path.append(m)
        for n in sorted(GRAPH.get(m, ())):
            if state.get(n) == "open":
                cycle = path[path.index(n) :] + [n]
                pytest.fail(f"import cycle in utils: {' -> '.join(cycle)}")
            if n not in state:
                visit(n)
        path.pop()
        state[m] = "done"

    for m in MODULES:
        if m not in state:
            visit(m)


@pytest.mark.parametrize("module", LEAVES)
def test_leaf_modules_import_only_config(module):
    assert GRAPH[module] <= {"config"}, (
        f"utils.{module} imports {sorted(GRAPH[module] - {'config'})}; a leaf module imports only "
        'config (CONTRIBUTING.md, "Architecture")'
    )


@pytest.mark.parametrize("module", sorted(FORBIDDEN))
def test_lower_layers_do_not_import_upper_ones(module):
    bad = GRAPH[module] & FORBIDDEN[module]
    assert not bad, (
        f'utils.{module} must not import {sorted(bad)}: see CONTRIBUTING.md, "Architecture"'
    )


@pytest.mark.parametrize("module", MODULES)
def test_no_module_uses_anothers_private_names(module):
    private = {
        f"{m}.{n}" for m, names in _imports(module).items() for n in names if n.startswith("_")
    }
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in MODULES
            and node.value.id != module
        ):
            private.add(f"{node.value.id}.{node.attr}")
    assert not private, f"utils.{module} uses private names of other modules: {sorted(private)}"


def test_the_checker_sees_a_cycle(tmp_path, monkeypatch):
    # The cycle test must be able to fail: give it a made-up graph with a circle.
    monkeypatch.setitem(GRAPH, "audio", {"config", "datasets"})
    monkeypatch.setitem(GRAPH, "datasets", {"audio"})
    with pytest.raises(pytest.fail.Exception, match="import cycle"):
        test_no_import_cycle()


def test_the_package_map_names_every_module():
    # utils/__init__.py's docstring is the map a new maintainer reads first: it must be whole.
    import utils

    listed = {line.split()[0] for line in utils.__doc__.splitlines() if line[:1].isalpha()}
    missing = sorted(set(MODULES) - listed)
    assert not missing, (
        f"utils/__init__.py's map lacks: {missing} (CONTRIBUTING.md, 'Architecture')"
    )


def test_contributing_names_every_module_in_its_layer_table():
    text = (config.repo_root() / "CONTRIBUTING.md").read_text(encoding="utf-8")
    table = text[text.index("| layer | modules |") : text.index("The rules the test checks")]
    missing = sorted(m for m in MODULES if f"`{m}`" not in table)
    assert not missing, f"CONTRIBUTING.md's layer table lacks: {missing}"
