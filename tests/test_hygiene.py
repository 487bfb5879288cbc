"""Committed notebooks are clean and follow STYLE.md: no outputs, python3 kernel, one
``parameters`` cell, a title cell with its own Colab badge, short code cells, and
navigation links that resolve. The README lists every notebook."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

import utils
from utils import config, runner

NOTEBOOKS = runner.notebooks()
IDS = [p.stem for p in NOTEBOOKS]
COLAB = "https://colab.research.google.com/github/{repo}/blob/main/notebooks/{name}"
MAX_CODE_LINES = 30


def _read(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_clean(path):
    nb = _read(path)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", "kernelspec must be python3"
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells {dirty} have outputs or execution counts; strip them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_has_one_parameters_cell(path):
    tagged = [i for i, c in enumerate(_read(path).cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"expected exactly one cell tagged 'parameters', found cells {tagged}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_title_cell_and_colab_badge(path):
    first = _read(path).cells[0]
    assert first.cell_type == "markdown"
    title = first.source.splitlines()[0]
    assert re.fullmatch(rf"# {path.stem[:2]} · \S.*", title), f"title must read '# {path.stem[:2]} · Title', found {title!r}"
    assert re.search(r"^\*[^*].*\*$", first.source, re.M), "the title cell needs one italic sentence of goals"
    badge = COLAB.format(repo=utils.GITHUB_REPO, name=path.name)
    assert f"({badge})" in first.source, f"the Colab badge must link to {badge}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_colab_setup_clones_this_repository(path):
    source = "\n".join(c.source for c in _read(path).cells if c.cell_type == "code")
    assert f"https://github.com/{utils.GITHUB_REPO}" in source, "the setup cell must clone utils.GITHUB_REPO on Colab"
    assert "!pip" not in source, "use %pip, not !pip"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_cells_are_short(path):
    long = {i: len(c.source.splitlines()) for i, c in enumerate(_read(path).cells) if c.cell_type == "code"}
    long = {i: n for i, n in long.items() if n > MAX_CODE_LINES}
    assert not long, f"code cells over {MAX_CODE_LINES} lines (move the code to utils): {long}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_navigation_links_resolve(path):
    last = _read(path).cells[-1]
    assert last.cell_type == "markdown"
    links = re.findall(r"\]\(([^)#]+)\)", last.source)
    assert "../README.md" in links, "the last cell must link to the index (../README.md)"
    index = [p.name for p in NOTEBOOKS].index(path.name)
    expected = {p.name for p in NOTEBOOKS[max(index - 1, 0) : index + 2]} - {path.name}
    assert expected <= set(links), f"the last cell must link to the previous and next notebooks: {sorted(expected)}"
    for link in links:
        if not link.startswith("http"):
            assert (path.parent / link).exists(), f"navigation link {link} does not resolve"


def test_readme_lists_every_notebook():
    readme = (config.repo_root() / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in readme, f"README's notebook table misses {path.name}"
        assert COLAB.format(repo=utils.GITHUB_REPO, name=path.name) in readme, f"README misses the badge of {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_each_code_cell_is_introduced_by_a_sentence_ending_in_a_colon(path):
    cells = _read(path).cells
    bare = [
        i
        for i, c in enumerate(cells)
        if c.cell_type == "code" and (cells[i - 1].cell_type != "markdown" or not cells[i - 1].source.rstrip().endswith(":"))
    ]
    assert not bare, f"code cells {bare} lack a markdown sentence ending in ':' just before them (STYLE.md, item 3)"
