"""Committed notebooks are clean and follow CONTRIBUTING.md ("Style"): no outputs, python3 kernel, one
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
COLAB = runner.COLAB_URL
MAX_CODE_LINES = 30


def _read(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_clean(path):
    nb = _read(path)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", "kernelspec must be python3"
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count)
    ]
    assert not dirty, (
        f"cells {dirty} have outputs or execution counts; strip them before committing"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_has_one_parameters_cell(path):
    tagged = [
        i for i, c in enumerate(_read(path).cells) if "parameters" in c.metadata.get("tags", [])
    ]
    assert len(tagged) == 1, f"expected exactly one cell tagged 'parameters', found cells {tagged}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_title_cell_and_colab_badge(path):
    first = _read(path).cells[0]
    assert first.cell_type == "markdown"
    title = first.source.splitlines()[0]
    assert re.fullmatch(rf"# {path.stem[:2]} · \S.*", title), (
        f"title must read '# {path.stem[:2]} · Title', found {title!r}"
    )
    assert re.search(r"^\*[^*].*\*$", first.source, re.M), (
        "the title cell needs one italic sentence of goals"
    )
    badge = COLAB.format(repo=utils.GITHUB_REPO, name=path.name)
    assert f"({badge})" in first.source, f"the Colab badge must link to {badge}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_colab_setup_clones_this_repository(path):
    source = "\n".join(c.source for c in _read(path).cells if c.cell_type == "code")
    assert f'GITHUB_REPO = "{utils.GITHUB_REPO}"' in source, (
        "the setup cell must clone utils.GITHUB_REPO on Colab; run: make notebooks-meta"
    )
    assert 'f"https://github.com/{GITHUB_REPO}"' in source
    assert "!pip" not in source, "use %pip, not !pip"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_cells_are_short(path):
    long = {
        i: len(c.source.splitlines())
        for i, c in enumerate(_read(path).cells)
        if c.cell_type == "code"
    }
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
    assert expected <= set(links), (
        f"the last cell must link to the previous and next notebooks: {sorted(expected)}"
    )
    for link in links:
        if not link.startswith("http"):
            assert (path.parent / link).exists(), f"navigation link {link} does not resolve"


def test_readme_lists_every_notebook():
    readme = (config.repo_root() / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in readme, f"README's notebook table misses {path.name}"
        assert COLAB.format(repo=utils.GITHUB_REPO, name=path.name) in readme, (
            f"README misses the badge of {path.name}"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_each_code_cell_is_introduced_by_a_sentence_ending_in_a_colon(path):
    cells = _read(path).cells
    bare = [
        i
        for i, c in enumerate(cells)
        if c.cell_type == "code"
        and (cells[i - 1].cell_type != "markdown" or not cells[i - 1].source.rstrip().endswith(":"))
    ]
    assert not bare, (
        f"code cells {bare} lack a markdown sentence ending in ':' just before them "
        "(CONTRIBUTING.md, 'Style')"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_setup_cells_are_the_canonical_ones(path):
    canonical = runner.setup_cells(runner.declared_datasets(path))
    cells = _read(path).cells[1 : 1 + len(canonical)]
    found = [(c.cell_type, c.source) for c in cells]
    assert found == canonical, (
        "the setup cells differ from utils.runner.SETUP_CELLS; run: make notebooks-meta"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_what_the_generator_writes(path, tmp_path):
    # Setup cells, Colab badge and slide types all come from `make notebooks-meta`: running
    # it again on a copy must change nothing.
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    assert not runner.sync_notebook(copy), (
        f"{path.name} differs from what `make notebooks-meta` writes (setup cells, Colab badge "
        "or slide types); run: make notebooks-meta"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_cell_has_a_slide_type_and_setup_is_skipped(path):
    cells = _read(path).cells
    types = [c.metadata.get("slideshow", {}).get("slide_type") for c in cells]
    missing = [i for i, t in enumerate(types) if t is None]
    assert not missing, f"cells {missing} have no slide type; run: make notebooks-meta"
    assert set(types) <= {"slide", "subslide", "fragment", "-", "skip"}
    assert types[0] == "slide", "the title cell opens the first slide"
    setup = range(1, 1 + len(runner.SETUP_CELLS))
    assert [types[i] for i in setup] == ["skip"] * len(setup), "setup cells are skipped"
    assert "skip" not in types[1 + len(setup) :], "only the setup cells are skipped"
    sections = [i for i, c in enumerate(cells) if c.source.startswith("## ") and i > len(setup)]
    assert all(types[i] == "slide" for i in sections), "every ## section opens a slide"


def test_the_generator_follows_utils_github_repo(tmp_path, monkeypatch):
    path = NOTEBOOKS[-1]
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    monkeypatch.setattr(runner, "GITHUB_REPO", "someone-else/fork")
    assert runner.sync_notebook(copy)
    nb = _read(copy)
    assert f"({COLAB.format(repo='someone-else/fork', name=path.name)})" in nb.cells[0].source
    setup = "\n".join(c.source for c in nb.cells[1 : 1 + len(runner.SETUP_CELLS)])
    assert 'GITHUB_REPO = "someone-else/fork"' in setup
    assert utils.GITHUB_REPO not in setup
    readme = tmp_path / "README.md"
    readme.write_text((config.repo_root() / "README.md").read_text(encoding="utf-8"))
    assert runner.sync_readme(readme)
    assert COLAB.format(repo="someone-else/fork", name=path.name) in readme.read_text()
    assert utils.GITHUB_REPO not in readme.read_text().split("## The notebooks")[1].split("##")[0]


def test_the_slide_rules():
    import nbformat.v4 as v4

    cells = [
        v4.new_markdown_cell("# 09 · Title"),
        v4.new_markdown_cell("## Setup\n\nSetup:"),
        v4.new_code_cell("x = 1"),
        v4.new_markdown_cell("## A section\n\nIt starts:"),
        v4.new_code_cell("x"),
        v4.new_markdown_cell("A remark after the output."),
        v4.new_markdown_cell("### A sub-section"),
        v4.new_markdown_cell("The next idea:"),
        v4.new_code_cell("y"),
    ]
    assert runner.slide_types(cells, setup=2) == [
        "slide", "skip", "skip", "slide", "-", "fragment", "subslide", "subslide", "-"
    ]  # fmt: skip


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_parameters_cell_holds_raw_values_and_params_follow_from_it(path):
    # Papermill and the runner inject values after the parameters cell: the cell may hold
    # only values (nothing derived from another parameter), and the cell after the next
    # builds PARAMS from QUICK and DATASET, once.
    nb = _read(path)
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    cell = nb.cells[index]
    assert cell.source.startswith("QUICK = config.env_quick()\nDATASET = config.env_dataset()") or (
        cell.source.splitlines()[0].startswith("QUICK = config.env_quick()")
        and cell.source.splitlines()[1].startswith("DATASET = config.env_dataset()")
    ), "the parameters cell starts with QUICK = config.env_quick() and DATASET = ..."
    assert not re.search(r"\b(QUICK|DATASET|PARAMS)\b", "\n".join(cell.source.splitlines()[2:])), (
        "the parameters cell holds raw values only: derive from QUICK in the next code cell"
    )
    derived = next(c for c in nb.cells[index + 1 :] if c.cell_type == "code")
    assert derived.source.startswith(
        "PARAMS = config.run_parameters(quick=QUICK, dataset=DATASET)"
    ), "the code cell after the parameters cell builds PARAMS from them"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert code.count("config.run_parameters(") == 1, "build the run parameters once, as PARAMS"
    assert "env_quick" not in code.replace(cell.source, ""), "read the environment only there"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_declares_the_datasets_it_reads(path):
    declared = set(runner.declared_datasets(path))
    code = "\n".join(c.source for c in _read(path).cells if c.cell_type == "code")
    used = set(re.findall(r"datasets\.locate\(\s*\"(\w+)\"", code))
    assert used <= declared, (
        f"add {sorted(used - declared)} to the notebook's metadata.musicdl.datasets"
    )


def _floors(path: Path) -> dict:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][^,;\s]*)", line)
        if m:
            out[m.group(1).lower()] = m.group(2)
    return out


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-colab.txt"])
def test_requirement_floors_are_the_minimum_versions(name):
    floors = _floors(config.repo_root() / name)
    expected = {k: v for k, v in config.MINIMUM_VERSIONS.items() if k != "python"}
    assert {k: floors.get(k) for k in expected} == expected, (
        f"{name} floors != config.MINIMUM_VERSIONS"
    )


def test_constraints_pin_every_requirement_within_its_range():
    from packaging.requirements import Requirement

    pins = {}
    for line in (config.repo_root() / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    for line in (config.repo_root() / "requirements.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        req = Requirement(line)
        key = req.name.lower().replace("_", "-")
        assert key in pins, f"constraints.txt has no exact pin for {req.name}"
        assert req.specifier.contains(pins[key]), (
            f"{req.name}=={pins[key]} is outside {req.specifier}"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_exercises_have_numbered_prompts_each_with_a_hidden_solution(path):
    text = "\n".join(c.source for c in _read(path).cells if c.cell_type == "markdown")
    section = re.search(r"^## Exercises\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert section, "the notebook needs an '## Exercises' section (CONTRIBUTING.md, 'Style')"
    body = section.group(1)
    prompts = re.findall(r"^(\d+)\. \*[^*]", body, re.M)
    solutions = body.count("<details><summary>Solution</summary>")
    assert len(prompts) >= 3, f"at least three exercises, found {len(prompts)}"
    assert [int(n) for n in prompts] == list(range(1, len(prompts) + 1)), f"numbering: {prompts}"
    assert solutions == len(prompts), f"{len(prompts)} prompts but {solutions} hidden solutions"
    assert body.count("<details>") == body.count("</details>"), "an unclosed <details> block"


def test_maintainer_docs_live_in_the_repository():
    # The tests and docs cite CONTRIBUTING.md; no file of the project points outside it.
    root = config.repo_root()
    assert (root / "CONTRIBUTING.md").is_file()
    for path in [*root.glob("tests/*.py"), *root.glob("utils/*.py"), root / "README.md"]:
        text = path.read_text(encoding="utf-8")
        for name in ("DESIGN" + ".md", "STYLE" + ".md"):
            assert name not in text, f"{path.name} cites {name}, which is not in the repository"


def test_constraints_floors_pin_the_floors_of_requirements():
    # make test-floors installs constraints-floors.txt: each line must be its requirement's floor
    root = config.repo_root()

    def entries(name, op):
        out = {}
        for line in (root / name).read_text(encoding="utf-8").splitlines():
            line = line.split("#")[0].strip()
            if line:
                package, version = re.split(op, line)[:2]
                out[package.strip().lower()] = version.strip().removesuffix(".*")
        return out

    floors = entries("requirements.txt", r">=|,")
    pinned = entries("constraints-floors.txt", r"==")
    assert pinned == floors


def test_github_workflows_run_the_ci_script():
    # .ci/run is the one definition of CI: the workflow runs it, with each of its jobs.
    import yaml

    folder = config.repo_root() / ".github" / "workflows"
    ci = yaml.safe_load((folder / "ci.yml").read_text(encoding="utf-8"))
    runs = [s.get("run", "") for job in ci["jobs"].values() for s in job["steps"]]
    assert "bash .ci/run test" in runs and "bash .ci/run floors" in runs
    site = yaml.safe_load((folder / "site.yml").read_text(encoding="utf-8"))
    steps = [s.get("run", s.get("uses", "")) for j in site["jobs"].values() for s in j["steps"]]
    assert "make demo" in steps and "make site" in steps
    assert any(s.startswith("actions/deploy-pages@") for s in steps)
    script = (config.repo_root() / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test\n" in script and "make test-floors" in script


def test_no_doctest_is_skipped():
    # An example either runs as a doctest (on small inputs) or is a plain example (a literal
    # block without prompts): a skipped doctest is a test that cannot fail.
    skipped = [
        f"{p.name}:{i}"
        for p in sorted((config.repo_root() / "utils").glob("*.py"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "doctest: +" + "SKIP" in line
    ]
    assert not skipped, f"doctests marked +SKIP: {skipped}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebooks_name_only_utils_functions_that_exist(path):
    # Prose, exercises and hidden solutions name utils functions too: after a function moves
    # between modules, a stale name there is a broken instruction for the learner.
    import importlib

    modules = {p.stem for p in (config.repo_root() / "utils").glob("*.py")} - {"__init__"}
    text = "\n".join(c.source for c in _read(path).cells)
    stale = set()
    for module, name in re.findall(r"(?<![\w.])([a-z_]+)\.([A-Za-z_][A-Za-z0-9_]*)", text):
        if module in modules and not hasattr(importlib.import_module(f"utils.{module}"), name):
            stale.add(f"{module}.{name}")
    assert not stale, f"{path.name} names what utils does not have: {sorted(stale)}"
