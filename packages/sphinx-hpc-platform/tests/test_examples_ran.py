"""The footer line that says when a page's examples last ran (sphinx_hpc_platform.examples_ran),
from the record the harness keeps: said in the page's language, only for the pages the record
names, never without a record, and a record that is not one stops the build naming its file."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

PLATFORM = """\
[guide]
languages = { en = "English", fr = "Français" }
titles = { en = "Lab guide", fr = "Guide du labo" }
columns = 100
rows = 50

[site]
names = { en = "Lab Cluster", fr = "grappe Lab" }

[login]
host = "hpc1"
user = "bob"
prompt = "{user}@{host}:{dir}$ "
module_avail_columns = 80

[slurm]
cluster_name = "lab"

[[partitions]]
name = "batch"
default = true
access = "everyone"
time_limit_days = 2

[[nodes]]
names = ["n001"]
partitions = ["batch"]
cores = 8
memory = "16G"
"""

CONF = """\
extensions = ["sphinx_hpc_platform.examples_ran"]
html_theme = "furo"
examples_record = "runs.json"
"""

RECORD = {"pages": {
    "index": {"ran_at": "2026-12-01T10:00:00+00:00", "where": "stand-in", "passed": 7, "failed": 1, "needs_gpu": 0},
    "gpu": {"ran_at": "2026-11-30T10:00:00+00:00", "where": "platform", "passed": 2, "failed": 0, "needs_gpu": 3},
}}

EXPECTED = {
    ("en", "index"): "This page's examples last ran on December 1, 2026, on a stand-in of the Lab Cluster "
                     "(passed: 7, failed: 1).",
    ("fr", "index"): "Les exemples de cette page ont été exécutés pour la dernière fois le 1er décembre 2026, "
                     "sur une réplique de la grappe Lab (réussis\u00a0: 7, échoués\u00a0: 1).",
    ("en", "gpu"): "This page's examples last ran on November 30, 2026, on the Lab Cluster itself "
                   "(passed: 2, failed: 0, not run for want of a GPU: 3).",
}


def build(root: Path, language: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", "-d", str(root / "_doctrees" / language),
         "-D", f"language={language}", str(root), str(root / "_build" / language)],
        capture_output=True, text=True)


def footer_lines(root: Path, language: str, page: str) -> list[str]:
    html = (root / "_build" / language / f"{page}.html").read_text(encoding="utf-8")
    footer = re.search(r'<div class="platform-footer">(.*?)</div>', html, re.DOTALL)
    return re.findall(r"<p>(.*?)</p>", footer[1], re.DOTALL) if footer else []


@pytest.fixture
def site(tmp_path) -> Path:
    pytest.importorskip("furo")
    (tmp_path / "platform.toml").write_text(PLATFORM, encoding="utf-8")
    (tmp_path / "conf.py").write_text(CONF, encoding="utf-8")
    (tmp_path / "index.rst").write_text("Lab\n===\n\n.. toctree::\n\n   gpu\n   other\n", encoding="utf-8")
    (tmp_path / "gpu.rst").write_text("GPU\n===\n\nText.\n", encoding="utf-8")
    (tmp_path / "other.rst").write_text("Other\n=====\n\nText.\n", encoding="utf-8")
    return tmp_path


def test_each_page_the_record_names_says_when_and_where_its_examples_ran(site):
    (site / "runs.json").write_text(json.dumps(RECORD))
    for language in ("en", "fr"):
        result = build(site, language)
        assert result.returncode == 0, result.stdout + result.stderr
    for (language, page), line in EXPECTED.items():
        assert line in footer_lines(site, language, page), footer_lines(site, language, page)
    assert not any("examples" in line for line in footer_lines(site, "en", "other")), "a page never run is dated"


def test_no_record_no_line_and_a_new_record_rewrites_the_pages(site):
    assert build(site, "en").returncode == 0
    assert not any("examples" in line for line in footer_lines(site, "en", "index"))
    (site / "runs.json").write_text(json.dumps(RECORD))
    assert build(site, "en").returncode == 0  # incremental: no source changed, the record did
    assert EXPECTED["en", "index"] in footer_lines(site, "en", "index")


def test_a_record_that_is_not_one_stops_the_build_naming_it(site):
    (site / "runs.json").write_text("{not json")
    result = build(site, "en")
    assert result.returncode != 0
    assert f"{site / 'runs.json'}: not a record of the pages' runs" in result.stderr
