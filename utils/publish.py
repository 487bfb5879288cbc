"""Publishing what the notebooks made: the results table, slides and a static site.

Usage::

    python -m utils.publish results [--quick]   # build/RESULTS.md and the README's results
    python -m utils.publish slides [--quick]    # build/site/slides/NN_name.slides.html (reveal.js)
    python -m utils.publish site [--quick]      # build/site/: index, notebook pages, slides

``make demo`` runs ``results`` after the notebooks, ``make slides`` and ``make site`` the
others. They read the executed notebooks in ``build/`` (``build/quick/`` with ``--quick``,
the default when ``MUSICDL_QUICK=1``) and the results files
(:func:`utils.results.load_results`). Nothing here downloads anything: the notebook
pages are self-contained (images and sound embedded; MathJax comes from its CDN only on a
page with formulas); the slides load reveal.js from its CDN, as ``jupyter nbconvert --to
slides`` does.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
from pathlib import Path

from . import GITHUB_REPO, config, files, results, runner

__all__ = [
    "README_BEGIN",
    "README_END",
    "REFERENCES",
    "build_site",
    "build_slides",
    "comparison_table",
    "failures",
    "main",
    "results_markdown",
    "update_readme",
    "write_results",
]

#: The README's results section lies between these two lines; :func:`update_readme` rewrites it.
README_BEGIN = (
    "<!-- results: begin (written by make demo from the results files; edits are lost) -->"
)
README_END = "<!-- results: end -->"

#: Published numbers beside ours: task, metric, where they come from and their values, the
#: notebook (and its metric names, the first one present counts) that measures ours, and
#: optionally the baseline (metric name, what it is) that puts ours in proportion.
REFERENCES = (
    {
        "task": "instrumental vs vocal (MTAT)",
        "metric": "accuracy",
        "notebook": "04_instrumental_vocal",
        "keys": ("accuracy", "clip_accuracy", "test_accuracy"),
        "baseline": ("majority_baseline", "always the larger class"),
        "published": (("MLPrague 2018 tutorial", "0.87"),),
    },
    {
        "task": "genre (MTAT)",
        "metric": "accuracy",
        "notebook": "05_genre_recognition",
        "keys": ("accuracy", "clip_accuracy", "test_accuracy"),
        "baseline": ("majority_baseline", "always the most frequent genre"),
        "published": (("MLPrague 2018 tutorial", "0.88"),),
    },
    {
        "task": "mood (MTAT, multi-label)",
        "metric": "exact match",
        "notebook": "06_mood_detection",
        "keys": ("exact_match", "subset_accuracy"),
        "baseline": ("silent_exact_match", "predicting no mood at all"),
        "published": (("MLPrague 2018 tutorial", "0.68"),),
    },
    {
        "task": "top-50 tagging (MTAT)",
        "metric": "ROC-AUC / PR-AUC",
        "notebook": "07_music_auto_tagging",
        "keys": ("roc_auc", "pr_auc"),
        "baseline": ("chance_pr_auc", "a random ranking's PR-AUC"),
        "published": (
            ("FCN (Won et al. 2020)", "0.9005 / 0.4295"),
            ("Musicnn (Won et al. 2020)", "0.9106 / 0.4493"),
            ("Short-chunk ResNet (Won et al. 2020)", "0.9129 / 0.4614"),
        ),
    },
)


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


def _read_notebook(path: Path):
    """An executed notebook; a truncated or garbled one raises a ValueError naming it."""
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception as err:  # nbformat's NotJSONError, a JSON error, a bad structure
        raise ValueError(
            f"{path} is not a complete executed notebook ({files.reason(err)}): it was probably "
            f"cut short by a full disk or an interrupted run. Run it again: "
            f"python -m utils.runner {path.stem[:2]}."
        ) from None


def _error_of(nb) -> str | None:
    """``"cell N: Name: message"`` for the first error output of a notebook, else None."""
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"cell {index}: {out.get('ename', 'Error')}: {out.get('evalue', '')}"
    return None


def failures(source=None, *, quick: bool = False) -> dict:
    """The executed notebooks in ``source`` that hold an error output: the run that failed.

    Parameters
    ----------
    source : str or pathlib.Path, optional
        A folder of executed notebooks; defaults to :func:`utils.runner.build_dir`.
    quick : bool
        The quick-mode folder when ``source`` is not given.

    Returns
    -------
    dict
        Notebook stem -> ``"cell N: ErrorName: message"``; empty when none failed (or the
        folder holds no notebook).

    Raises
    ------
    ValueError
        When an executed notebook is truncated or not JSON (the message names it).
    """
    source = Path(source) if source else runner.build_dir(quick=quick)
    found = {}
    for path in sorted(source.glob("[0-9][0-9]_*.ipynb")):
        error = _error_of(_read_notebook(path))
        if error:
            found[path.stem] = error
    return found


def _ours(row: dict, by_notebook: dict, failed: dict) -> str:
    if row["notebook"] in failed:
        return f"none ({row['notebook'][:2]} FAILED in its last run)"
    res = by_notebook.get(row["notebook"])
    if res is None:
        return f"not yet ({row['notebook'][:2]} not run)"
    metrics = res["metrics"]
    if row["metric"] == "ROC-AUC / PR-AUC":
        found = [metrics.get(k) for k in row["keys"]]
        value = " / ".join("-" if v is None else f"{v:.4f}" for v in found)
        missing = all(v is None for v in found)
    else:
        found = next((metrics[k] for k in row["keys"] if k in metrics), None)
        value, missing = ("-" if found is None else f"{found:.2f}"), found is None
    if missing:
        return f"no {row['metric']} in {row['notebook']}'s results"
    mode = "quick" if res["quick"] else "full"
    key, what = row.get("baseline", (None, None))
    base = f"; {what}: {metrics[key]:.2f}" if key in metrics else ""
    return f"{value} ({res['source']} data, {mode}{base})"


def comparison_table(*, quick: bool = False, failed: dict | None = None) -> str:
    """Our numbers beside the 2018 tutorial's and the literature's, as a Markdown table.

    Parameters
    ----------
    quick : bool
        Take our numbers from the quick-mode results instead of the full-mode ones.
    failed : dict, optional
        Notebooks whose last run failed (:func:`failures`): no number of theirs is shown.

    Returns
    -------
    str
        One row per published number (:data:`REFERENCES`).
    """
    by_notebook = {r["notebook"]: r for r in results.load_results(quick=quick)}
    rows = [
        "| task | metric | published | published value | this series |",
        "|---|---|---|---|---|",
    ]
    for ref in REFERENCES:
        ours = _ours(ref, by_notebook, failed or {})
        for source, value in ref["published"]:
            rows.append(f"| {ref['task']} | {ref['metric']} | {source} | {value} | {ours} |")
    return "\n".join(rows)


def results_markdown(*, quick: bool = False, failed: dict | None = None) -> str:
    """Our results table and the comparison with published numbers, as Markdown.

    Parameters
    ----------
    quick : bool
        Tabulate the quick-mode results instead of the full-mode ones.
    failed : dict, optional
        Notebooks whose last run failed (:func:`failures`): their rows say FAILED and show
        no numbers, even where an older results file is left.

    Returns
    -------
    str
        Two tables: one row per results file (notebook, dataset, real or demo data, quick or
        full, wall time, headline metrics), then :func:`comparison_table`.
    """
    failed = failed or {}
    rows = [
        "| notebook | data | source | mode | seconds | headline metrics |",
        "|---|---|---|---|---|---|",
    ]
    records = [r for r in results.load_results(quick=quick) if r["notebook"] not in failed]
    mode = "quick" if quick else "full"
    for stem, error in failed.items():
        records.append({"notebook": stem, "failed": error})
    for res in sorted(records, key=lambda r: r["notebook"]):
        if "failed" in res:
            rows.append(
                f"| {res['notebook']} | - | - | {mode} | - | **FAILED** in "
                f"{res['failed'].replace('|', '/')[:160]} (no numbers from this run) |"
            )
            continue
        rows.append(
            f"| {res['notebook']} | {res['dataset']} | {res['source']} | "
            f"{'quick' if res['quick'] else 'full'} "
            f"| {res['seconds']:.0f} | {runner.headline(res['metrics'])} |"
        )
    if not records:
        folder = config.results_dir(quick=quick)
        rows.append(f"| (no results files in {folder}: run `make demo`) | | | | | |")
    return (
        "\n".join(rows)
        + "\n\nBeside published numbers (on the demo data ours only show that the code learns;"
        + " comparable numbers need the real datasets and full mode):\n\n"
        + comparison_table(quick=quick, failed=failed)
        + "\n"
    )


def write_results(path=None, *, quick: bool = False, failed: dict | None = None) -> Path:
    """Write ``build/RESULTS.md``: :func:`results_markdown` under a title and a date.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        Where to write; defaults to ``build/RESULTS.md`` (``build/quick/RESULTS.md`` when quick).
    quick : bool
        Use the quick-mode results.
    failed : dict, optional
        Notebooks whose last run failed (:func:`failures`), marked FAILED.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path) if path else runner.build_dir(quick=quick) / "RESULTS.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "quick" if quick else "full"
    title = f"# Results ({mode} mode, {time.strftime('%Y-%m-%d %H:%M')})\n\n"
    return files.write_atomic(path, title + results_markdown(quick=quick, failed=failed))


def update_readme(path=None, *, text: str | None = None) -> bool:
    """Replace the README's results section (between :data:`README_BEGIN` and :data:`README_END`).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The README; defaults to the project's.
    text : str, optional
        The new section; defaults to :func:`results_markdown` of the full-mode results.

    Returns
    -------
    bool
        Whether the file changed.

    Raises
    ------
    ValueError
        When the README lacks the two marker lines (or has them in the wrong order).
    """
    path = Path(path) if path else config.repo_root() / "README.md"
    readme = path.read_text(encoding="utf-8")
    begin, end = readme.find(README_BEGIN), readme.find(README_END)
    if begin < 0 or end < begin:
        raise ValueError(
            f"{path} needs the two lines\n{README_BEGIN}\n{README_END}\n"
            "around its results section (in this order); add them where the table belongs."
        )
    text = results_markdown(quick=False) if text is None else text
    fresh = readme[: begin + len(README_BEGIN)] + "\n" + text.strip() + "\n" + readme[end:]
    if fresh == readme:
        return False
    path.write_text(fresh, encoding="utf-8")
    return True


# --------------------------------------------------------------------------------------
# Pages and slides
# --------------------------------------------------------------------------------------

_ATTR = re.compile(r'(href|src)="([^"]*)"')
_BADGE = re.compile(r"<img[^>]*colab-badge\.svg[^>]*>")
_REQUIRE = re.compile(r'<script src="[^"]*require\.min\.js"></script>\s*')
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)


def _site_link(target: str, *, pages: set) -> str:
    """Where a relative link of a notebook (``notebooks/`` in the project) points on the site.

    Pages and slides both sit one folder below the site's root: the README becomes the
    index, an executed notebook its page, any other file of the project its GitHub page.
    """
    if re.match(r"^([a-z][a-z0-9+.-]*:|#|//)", target, re.I) or not target:
        return target
    path, _, fragment = target.partition("#")
    anchor = f"#{fragment}" if fragment else ""
    repo_path = Path("notebooks", path)
    parts = []
    for part in repo_path.parts:
        if part == ".." and parts:
            parts.pop()
        elif part != ".":
            parts.append(part)
    resolved = "/".join(parts)
    up = "../"
    if resolved == "README.md":
        return f"{up}index.html{anchor}"
    stem = Path(resolved).stem
    if resolved.startswith("notebooks/") and resolved.endswith(".ipynb") and stem in pages:
        return f"{up}notebooks/{stem}.html{anchor}"
    return f"https://github.com/{GITHUB_REPO}/blob/main/{resolved}{anchor}"


def _rewrite(body: str, *, pages: set) -> str:
    def attr(m):
        return f'{m.group(1)}="{_site_link(html.unescape(m.group(2)), pages=pages)}"'

    body = _ATTR.sub(attr, body)
    return _BADGE.sub("Open in Colab", body)


def _has_math(nb) -> bool:
    return any(
        c.cell_type == "markdown" and re.search(r"\$[^$\n]+\$|\\\(|\\\[", c.source)
        for c in nb.cells
    )


def _without_widget_state(nb):
    """The notebook without saved ipywidgets state: its widgets (progress bars) show their text.

    Saved state would make a page load the widget manager from a CDN, and a static page
    cannot move a widget anyway.
    """
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            out.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
    return nb


def _executed(source) -> list[Path]:
    source = Path(source)
    found = sorted(source.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise FileNotFoundError(
            f"No executed notebooks in {source}. Run `make demo` first "
            "(or `MUSICDL_QUICK=1 make demo` and then `MUSICDL_QUICK=1 make site`)."
        )
    return found


def build_slides(source, out) -> list[Path]:
    """Render each executed notebook in ``source`` as reveal.js slides into ``out``.

    The same as ``jupyter nbconvert --to slides`` (cells' ``slideshow`` metadata, from
    ``make notebooks-meta``), with long slides scrolling and links pointing at the site.

    Parameters
    ----------
    source : str or pathlib.Path
        A folder of executed notebooks (``build/`` or ``build/quick/``).
    out : str or pathlib.Path
        Where the ``NN_name.slides.html`` files go.

    Returns
    -------
    list of pathlib.Path
        The slide decks written.
    """
    from nbconvert import SlidesExporter

    paths = _executed(source)
    pages = {p.stem for p in paths}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    exporter = SlidesExporter(reveal_scroll=True, reveal_number="c/t")
    written = []
    for path in paths:
        nb = _without_widget_state(_read_notebook(path))
        body, _ = exporter.from_notebook_node(nb)
        target = out / f"{path.stem}.slides.html"
        written.append(files.write_atomic(target, _rewrite(body, pages=pages)))
    return written


def _notebook_pages(source, out) -> list[Path]:
    from nbconvert import HTMLExporter

    paths = _executed(source)
    pages = {p.stem for p in paths}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    written = []
    for path in paths:
        nb = _without_widget_state(_read_notebook(path))
        body, _ = exporter.from_notebook_node(nb)
        body = _REQUIRE.sub("", body)  # no widget state or plotly here: require.js is unused
        if not _has_math(nb):
            body = _MATHJAX.sub("", body)
        error = _error_of(nb)
        if error:
            banner = _failed_banner(error)
            body = re.sub(r"(<body[^>]*>)", lambda m, b=banner: m.group(1) + b, body, count=1)
        target = out / f"{path.stem}.html"
        written.append(files.write_atomic(target, _rewrite(body, pages=pages)))
    return written


def _failed_banner(error: str) -> str:
    return (
        '<div class="musicdl-failed" style="background:#fdd;border:2px solid #c00;'
        'padding:0.8em 1em;margin:1em;font-family:system-ui,sans-serif">'
        f"<strong>This run FAILED</strong> in {html.escape(error[:300])}. The cells after it "
        "did not run, and no numbers of this page are results. Fix it and run the notebook "
        "again (<code>make demo</code>).</div>"
    )


_INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em;
       line-height: 1.5; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top; text-align: left; }}
th {{ background: #f0f0f0; }}
code {{ background: #f4f4f4; padding: 0 0.2em; }}
</style></head>
<body>
{body}
<p><small>Built {date} by <code>make site</code> from the executed notebooks in
<code>{source}</code>.</small></p>
</body></html>
"""


def _readme_section(readme: str, heading: str) -> str:
    found = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    return found.group(1).strip() if found else ""


def _index_markdown(readme: str, *, pages: set, quick: bool, failed: dict) -> str:
    title = readme.splitlines()[0]
    intro = readme.split("\n\n")[1]
    table = _readme_section(readme, "The notebooks")

    def notebook_link(m):
        text, stem = m.group(1), Path(m.group(2)).stem
        if stem not in pages:
            return f"{text} *(not executed)*"
        mark = " **(FAILED: see its page)**" if stem in failed else ""
        return f"[{text}](notebooks/{stem}.html){mark} · [slides](slides/{stem}.slides.html)"

    table = re.sub(r"\[([^\]]+)\]\(notebooks/([^)]+\.ipynb)\)", notebook_link, table)
    table = re.sub(r"\[!\[Open In Colab\]\([^)]*\)\]\(([^)]+)\)", r"[Open in Colab](\1)", table)
    table = re.sub(r"\]\((?!https?:|#|notebooks/|slides/)([^)]+)\)", _github_link, table)
    mode = "quick" if quick else "full"
    return (
        f"{title}\n\n{intro}\n\n## The notebooks\n\n{table}\n\n"
        f"## Results ({mode} mode)\n\n{results_markdown(quick=quick, failed=failed)}"
    )


def _github_link(m) -> str:
    return f"](https://github.com/{GITHUB_REPO}/blob/main/{m.group(1)})"


def build_site(source=None, out=None, *, quick: bool | None = None) -> dict:
    """Build a static site: an index, every executed notebook as a page, and its slides.

    Parameters
    ----------
    source : str or pathlib.Path, optional
        Folder of executed notebooks; defaults to :func:`utils.runner.build_dir`.
    out : str or pathlib.Path, optional
        Where the site goes; defaults to ``build/site/`` (``build/quick/site/`` when quick).
    quick : bool, optional
        Quick-mode notebooks and results; defaults to ``$MUSICDL_QUICK``.

    Returns
    -------
    dict
        ``index`` (path), ``pages`` and ``slides`` (lists of paths), ``seconds``, and
        ``failed`` (:func:`failures`: the notebooks marked FAILED on the index and their page).

    Raises
    ------
    FileNotFoundError
        When ``source`` holds no executed notebook (the message says to run ``make demo``).
    """
    import mistune

    start = time.perf_counter()
    quick = config.run_parameters().quick if quick is None else bool(quick)
    source = Path(source) if source else runner.build_dir(quick=quick)
    out = Path(out) if out else source / "site"
    failed = failures(source)
    pages = _notebook_pages(source, out / "notebooks")
    slides = build_slides(source, out / "slides")
    readme = (config.repo_root() / "README.md").read_text(encoding="utf-8")
    markdown = _index_markdown(readme, pages={p.stem for p in pages}, quick=quick, failed=failed)
    title = readme.splitlines()[0].lstrip("# ")
    index = files.write_atomic(
        out / "index.html",
        _INDEX.format(
            title=html.escape(title),
            body=mistune.html(markdown),
            date=time.strftime("%Y-%m-%d %H:%M"),
            source=html.escape(str(source)),
        ),
    )
    return {
        "index": index,
        "pages": pages,
        "slides": slides,
        "seconds": time.perf_counter() - start,
        "failed": failed,
    }


def main(argv=None) -> int:
    """Command line: ``results``, ``slides`` or ``site`` (see the module's docstring).

    Returns 1 when an executed notebook holds an error (its run failed: it is marked FAILED
    on the index, its page and in the results tables) unless ``--allow-failed``, and 1 with
    one ``error:`` line when something cannot be read.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["results", "slides", "site"])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=None,
        help="quick-mode notebooks and results (the default when MUSICDL_QUICK=1)",
    )
    parser.add_argument("--source", default=None, help="folder of executed notebooks")
    parser.add_argument("--out", default=None, help="output folder")
    parser.add_argument(
        "--allow-failed",
        action="store_true",
        help="exit 0 even when a notebook's last run failed (it is still marked FAILED)",
    )
    args = parser.parse_args(argv)
    if args.quick is None:
        try:
            args.quick = config.run_parameters().quick
        except ValueError as err:
            parser.error(str(err))
    source = Path(args.source) if args.source else runner.build_dir(quick=args.quick)
    failed = {}
    try:
        if args.what == "results":
            failed = failures(source)
            path = write_results(args.out, quick=args.quick, failed=failed)
            print(path.read_text(encoding="utf-8"))
            print(f"Wrote {path}")
            if not args.quick:
                changed = update_readme(text=results_markdown(quick=False, failed=failed))
                print(f"README.md results: {'updated' if changed else 'already up to date'}")
        elif args.what == "slides":
            decks = build_slides(source, Path(args.out) if args.out else source / "site" / "slides")
            print(f"Wrote {len(decks)} slide deck(s) into {decks[0].parent}")
        else:
            site = build_site(source, args.out, quick=args.quick)
            failed = site["failed"]
            count = 1 + len(site["pages"]) + len(site["slides"])
            print(
                f"Wrote {count} pages ({len(site['pages'])} notebooks, {len(site['slides'])} "
                f"slide decks, the index) in {site['seconds']:.1f} s: open {site['index']}"
            )
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if failed:
        listed = "; ".join(f"{stem} ({error[:120]})" for stem, error in failed.items())
        print(
            f"{'warning' if args.allow_failed else 'error'}: {len(failed)} notebook(s) in "
            f"{source} failed in their last run and are marked FAILED: {listed}. Fix them and "
            "run them again (python -m utils.runner NN), or pass --allow-failed.",
            file=sys.stderr,
        )
        return 0 if args.allow_failed else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
