"""Pages of the tests' own (pages/) run through pytest with the harness, on plain bash.

These prove what a maintainer sees: failures that name page and line, update mode, coverage, skips.
"""
import platform
import shutil
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "pages"
# The fixture pages that need a `python` with Dask activate the suite's environment ($TEST_VENV).
VENV_PYTHON = Path(sys.prefix) / "bin" / "python"
PYTHON = platform.python_version()


@pytest.fixture
def run_pages(pytester, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    # A leftover process's grace is short here: the fixture's `sleep 300` would never end on its own.
    pytester.makeini("[pytest]\naddopts = -p no:doctest\nharness_pages = .\nharness_process_grace = 1\n")

    def run(*names, args=()):
        for name in names:
            if not (pytester.path / name).exists():  # a rerun sees what update mode wrote
                shutil.copy(FIXTURES / name, pytester.path / name)
        return pytester.runpytest_subprocess("--platform=plain", "-p", "no:cacheprovider", *args)

    return run


def test_good_page_runs_every_block(run_pages):
    result = run_pages("good.rst")
    result.assert_outcomes(passed=9)
    result.stdout.fnmatch_lines([
        f"good.rst: 9 ran; python blocks run by python {PYTHON} ({VENV_PYTHON}, an environment of *)",
        "every code block of the pages ran",
    ])


def test_broken_examples_name_page_and_line(run_pages, pytester):
    result = run_pages("broken.rst")
    result.assert_outcomes(passed=1, failed=3)
    page = pytester.path / "broken.rst"
    result.stdout.fnmatch_lines([
        f"{page}:6: $ echo \"Loaded python/3.12.4\"",
        f"--- expected ({page}:7)",
        "-Loaded python/3.11.5",
        "+Loaded python/3.12.4",
    ])
    result.stdout.fnmatch_lines([f"{page}:17: ValueError: a Python example that raises",
                                 f'  File "{page}", line 17, in <module>'])
    result.stdout.fnmatch_lines([
        f"{page}:21: $ echo \"all good\"",
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
    result.stdout.fnmatch_lines(
        [f"*{pytester.path / 'stray.rst'}:4: `.. test:` comment not directly above a code block*"])


def test_each_python_block_is_a_program_of_its_own(run_pages, pytester):
    """A name imported by an earlier block is unknown, unless the page marks the block as the
    continuation of that program; a saved file's traceback names the page's line too."""
    result = run_pages("programs.rst")
    result.assert_outcomes(passed=4, failed=2)
    page = pytester.path / "programs.rst"
    result.stdout.fnmatch_lines([f"{page}:26: NameError: name 'math' is not defined",
                                 f'  File "{page}", line 26, in <module>'])
    result.stdout.fnmatch_lines([f"{page}:40: $ python faulty.py", "exit status 1, expected 0",
                                 "*ZeroDivisionError: division by zero",
                                 f'{page}:34: is File "*/faulty.py", line 2 '
                                 "(saved from this page as faulty.py)"])


def test_a_dask_cluster_without_main_guard_fails_with_dasks_error(run_pages, pytester):
    """Run as a file, the workers (started by spawn) import the main file, which starts a cluster
    again: multiprocessing's own bootstrapping error, then Dask's."""
    result = run_pages("unguarded.rst")
    result.assert_outcomes(passed=1, failed=1)
    page = pytester.path / "unguarded.rst"
    result.stdout.fnmatch_lines([f"{page}:12: RuntimeError: *"])
    result.stdout.fnmatch_lines(["*An attempt has been made to start a new process before the",
                                 "*current process has finished its bootstrapping phase.",
                                 "*if __name__ == '__main__':"])


def test_a_process_a_program_leaves_behind_fails_the_page(run_pages):
    """Orphaned when its program ends, it comes to the test process (the subreaper), not to init."""
    result = run_pages("leftover.rst")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*leftover.rst: processes still running after the page (killed): * sleep 300"])


def test_pages_of_a_project_without_an_index_run_and_report(pytester, monkeypatch):
    """The harness pointed at a folder of another project's pages (a conf.py above them, no
    index.rst in the folder): the blocks run, and every block is accounted for."""
    monkeypatch.delenv("CI", raising=False)
    pytester.makeini("[pytest]\naddopts = -p no:doctest\nharness_pages = guide/part\n")
    (pytester.path / "conf.py").write_text('project = "another"\nroot_doc = "index"\n')
    (pytester.path / "guide" / "part").mkdir(parents=True)
    shutil.copy(FIXTURES / "good.rst", pytester.path / "guide" / "part" / "good.rst")
    result = pytester.runpytest_subprocess("--platform=plain", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=9)
    result.stdout.fnmatch_lines(["every code block of the pages ran"])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_run_without_pages_has_no_page_report(pytester):
    """Without harness_pages the harness collects nothing and reads nothing: its summary is absent."""
    pytester.makeini("[pytest]\naddopts = -p no:doctest\n")
    pytester.makepyfile(test_it="def test_it():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*code blocks run per page*")
    result.stdout.no_fnmatch_line("*block coverage*")


def test_platform_standin_without_a_stand_in_is_refused(run_pages, pytester):
    """--platform=standin where no plugin gives a stand-in (no platform_file): an error that says
    so, not plain bash in its place."""
    shutil.copy(FIXTURES / "good.rst", pytester.path / "good.rst")
    result = pytester.runpytest_subprocess("--platform=standin", "-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*--platform=standin: no plugin gives a stand-in's shells*"])


def test_hpc_platform_variable_chooses_when_the_option_does_not(pytester, monkeypatch):
    pytester.makeini("[pytest]\naddopts = -p no:doctest\n")
    pytester.makepyfile(test_it=(
        "from hpc_platform.pytest_plugin import target_of\n\n"
        "def test_it(pytestconfig):\n    assert target_of(pytestconfig) == 'plain'\n"))
    monkeypatch.setenv("HPC_PLATFORM", "plain")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    monkeypatch.setenv("HPC_PLATFORM", "elsewhere")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*HPC_PLATFORM=elsewhere: not one of plain, real, standin*"])
