"""The results tables (``make demo``): build/RESULTS.md and the README's results section,
tested on a temporary copy of the README and private results files."""

from __future__ import annotations

import pytest

from utils import config, publish
from utils import results as results_files


@pytest.fixture()
def results(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSICDL_RESULTS", str(tmp_path / "results"))
    results_files.save_results(
        "03_cnn_music_speech",
        dataset="gtzan_music_speech",
        source="demo",
        quick=False,
        metrics={"clip_accuracy": 0.96875, "segments": 1920},
        seconds=225.4,
    )
    results_files.save_results(
        "07_music_auto_tagging",
        dataset="magnatagatune",
        source="real",
        quick=False,
        metrics={"roc_auc": 0.90123, "pr_auc": 0.43456},
        seconds=3600,
    )
    return tmp_path


def test_results_table_has_one_row_per_results_file(results):
    text = publish.results_markdown()
    assert (
        "| 03_cnn_music_speech | gtzan_music_speech | demo | full | 225 "
        "| clip_accuracy=0.969, segments=1,920 |"
    ) in text
    assert "| 07_music_auto_tagging | magnatagatune | real | full | 3600 |" in text


def test_our_numbers_stand_beside_the_published_ones(results):
    text = publish.comparison_table()
    assert (
        "| top-50 tagging (MTAT) | ROC-AUC / PR-AUC | FCN (Won et al. 2020) | 0.9005 / 0.4295 "
        in text
    )
    assert "| 0.9012 / 0.4346 (real data, full) |" in text
    assert "Short-chunk ResNet (Won et al. 2020) | 0.9129 / 0.4614" in text
    assert "Musicnn (Won et al. 2020) | 0.9106 / 0.4493" in text
    assert (
        "| instrumental vs vocal (MTAT) | accuracy | MLPrague 2018 tutorial | 0.87 | not yet"
        in text
    )
    assert "| genre (MTAT) | accuracy | MLPrague 2018 tutorial | 0.88 |" in text
    assert "| mood (MTAT, multi-label) | exact match | MLPrague 2018 tutorial | 0.68 |" in text


def test_a_baseline_stands_beside_our_number_where_the_notebook_measured_one(results):
    results_files.save_results(
        "06_mood_detection",
        dataset="magnatagatune",
        source="demo",
        quick=False,
        metrics={"exact_match": 0.373, "silent_exact_match": 0.46},
        seconds=600,
    )
    text = publish.comparison_table()
    assert "| 0.68 | 0.37 (demo data, full; predicting no mood at all: 0.46) |" in text


def test_quick_results_are_tabulated_apart(results):
    assert "(no results files in" in publish.results_markdown(quick=True)


def test_write_results_writes_build_results_md(results):
    path = publish.write_results(results / "RESULTS.md")
    text = path.read_text()
    assert text.startswith("# Results (full mode, ") and "03_cnn_music_speech" in text


def test_update_readme_rewrites_only_the_marked_section(results):
    readme = results / "README.md"
    original = (config.repo_root() / "README.md").read_text(encoding="utf-8")
    readme.write_text(original, encoding="utf-8")
    assert publish.update_readme(readme)
    text = readme.read_text(encoding="utf-8")
    before, _, rest = original.partition(publish.README_BEGIN)
    _, _, after = rest.partition(publish.README_END)
    assert text.startswith(before + publish.README_BEGIN) and text.endswith(
        publish.README_END + after
    )
    section = text.split(publish.README_BEGIN)[1].split(publish.README_END)[0]
    assert "| 03_cnn_music_speech | gtzan_music_speech | demo | full | 225 " in section
    assert "0.9012 / 0.4346 (real data, full)" in section
    assert not publish.update_readme(readme), "a second run changes nothing"


def test_update_readme_without_markers_says_what_to_add(results):
    readme = results / "README.md"
    readme.write_text("# A README\n\n## Results\n\nno markers\n")
    with pytest.raises(ValueError, match="needs the two lines"):
        publish.update_readme(readme)
    assert readme.read_text() == "# A README\n\n## Results\n\nno markers\n"


def test_the_project_readme_has_the_markers():
    readme = (config.repo_root() / "README.md").read_text(encoding="utf-8")
    assert readme.count(publish.README_BEGIN) == 1 and readme.count(publish.README_END) == 1
    assert readme.index(publish.README_BEGIN) < readme.index(publish.README_END)
