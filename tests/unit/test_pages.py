"""Fixture pages (tests/harness/fixtures) run through pytest with the harness, on plain bash.

These prove what a maintainer sees: failures that name page and line, update mode, coverage, skips.
"""
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "harness" / "fixtures"


@pytest.fixture
def run_pages(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.delenv("CI", raising=False)
    pytester.makeini("[pytest]\naddopts = -p no:doctest -p tests.harness.plugin\nharness_pages = .\n")
    pytester.makeconftest("from tests.harness import pages_sybil\n"
                          "pytest_collect_file = pages_sybil(__file__).pytest()\n")

    def run(*names, args=()):
        for name in names:
            if not (pytester.path / name).exists():  # a rerun sees what update mode wrote
                shutil.copy(FIXTURES / name, pytester.path / name)
        return pytester.runpytest_subprocess("--platform=plain", "-p", "no:cacheprovider", *args)

    return run


def test_good_page_runs_every_block(run_pages):
    result = run_pages("good.rst")
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["good.rst: 8 ran", "every code block of the pages ran"])


def test_broken_examples_name_page_and_line(run_pages, pytester):
    result = run_pages("broken.rst")
    result.assert_outcomes(passed=0, failed=3)
    page = pytester.path / "broken.rst"
    result.stdout.fnmatch_lines([
        f"{page}:6: $ echo \"Loaded python/3.12.4\"",
        f"--- expected ({page}:7)",
        "-Loaded python/3.11.5",
        "+Loaded python/3.12.4",
    ])
    result.stdout.fnmatch_lines([f"{page}:13: ValueError: a Python example that raises"])
    result.stdout.fnmatch_lines([
        f"{page}:17: $ echo \"all good\"",
        "exit status 0, expected non-zero (the transcript shows an error)",
    ])


def test_update_mode_rewrites_keeping_elisions(run_pages, pytester):
    run_pages("update.rst").assert_outcomes(failed=1)
    run_pages("update.rst", args=["--update-transcripts"]).assert_outcomes(passed=1)
    text = (pytester.path / "update.rst").read_text()
    assert "   Submitted batch job ...\n   header\n   ...\n   footer new\n   [alice" in text
    assert "unchanged\n" in text
    run_pages("update.rst").assert_outcomes(passed=1)


def test_coverage_fails_on_blocks_no_test_ran(run_pages, pytester):
    result = run_pages("uncovered.rst")
    assert result.ret != 0
    page = pytester.path / "uncovered.rst"
    result.stdout.fnmatch_lines([f"{page}:8: no test knows how to run a `text` block*"])
    result.stdout.fnmatch_lines(["*blocks no test executed*", "uncovered.rst:6"])


def test_skip_needs_a_reason_and_fails_under_ci(run_pages, monkeypatch):
    result = run_pages("skipped.rst", args=["-rs"])
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*needs the real platform's GPU nodes*"])
    assert result.ret != 0  # a skipped block did not run: coverage fails the run
    monkeypatch.setenv("CI", "true")
    run_pages("skipped.rst").assert_outcomes(failed=1)


def test_misplaced_option_is_a_collection_error(run_pages, pytester):
    result = run_pages("stray.rst")
    assert result.ret != 0
    result.stdout.fnmatch_lines([f"*{pytester.path / 'stray.rst'}:4: `.. test:` comment not directly above a code block*"])
