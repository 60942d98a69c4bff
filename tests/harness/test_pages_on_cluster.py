"""Fixture pages with job scripts and salloc, run through pytest on the stand-in cluster.

They prove that a bad #SBATCH option and a failing job are reported at their .rst lines, that
`.. test: output` checks a job's output file, that commands after `salloc` run in the allocation,
and that python blocks run with the `python` of the loaded module or of the active environment.
"""
import re
import shutil
from pathlib import Path

import hpc_platform
import pytest
from hpc_standin.config import Paths
from hpc_standin.software.modules import environment_tree

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PLATFORM_FILE = ROOT / "platform.toml"
PYTHON = re.search(r"module load python/(\S+)", (FIXTURES / "pythons.rst").read_text())[1]  # what it loads


@pytest.fixture
def run_on_cluster(pytester, monkeypatch):
    pytester.makeini(f"[pytest]\naddopts = -p no:doctest\nharness_pages = .\nharness_job_grace = 3\n"
                     f"platform_file = {PLATFORM_FILE}\n")

    def run(*names):
        for name in names:
            shutil.copy(FIXTURES / name, pytester.path / name)
        return pytester.runpytest_subprocess("--platform=standin", "-p", "no:cacheprovider")

    return run


def test_job_scripts_run_and_their_output_is_checked(run_on_cluster):
    result = run_on_cluster("jobs.rst", "salloc.rst")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["jobs.rst: 4 ran", "salloc.rst: 2 ran", "every code block of the pages ran"])


def test_bad_sbatch_option_and_failing_job_name_their_lines(run_on_cluster, pytester):
    result = run_on_cluster("badjob.rst")
    result.assert_outcomes(failed=2)
    page = pytester.path / "badjob.rst"
    result.stdout.fnmatch_lines([
        f"{page}:8: #SBATCH --cpus-per-tassk=2",
        "sbatch: unrecognized option '--cpus-per-tassk=2'",
    ])
    result.stdout.fnmatch_lines([f"{page}:12: job * (job-line12.sh) ended with exit status 1, expected 0",
                                 "*slurm-*.out:", "  this job fails"])


def test_a_job_left_running_fails_the_page_and_is_cancelled(run_on_cluster, pytester):
    result = run_on_cluster("leftjob.rst")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*leftjob.rst: jobs still queued or running after the page: * (cancelled)"])


def test_the_harness_waits_for_a_job_to_run_or_for_the_pages_jobs_to_end(run_on_cluster):
    """`.. test: wait=running` and `wait=ended`: the block after a submission sees the job running,
    and the accounting of every task of an array that has ended, with no loop on the page."""
    result = run_on_cluster("waits.rst")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["waits.rst: 4 ran"])


def test_a_member_block_submits_as_a_member_and_the_next_is_the_readers_again(run_on_cluster):
    """`.. test: member=PARTITION`: the stand-in's member account for that block only."""
    result = run_on_cluster("member.rst")
    result.assert_outcomes(passed=3)


def test_python_blocks_run_with_the_modules_then_the_environments_python(run_on_cluster, pytester):
    result = run_on_cluster("pythons.rst")
    result.assert_outcomes(passed=5, failed=1)
    # The stand-in's python/X is played by the host's closest interpreter; its modulefile says which.
    platform = hpc_platform.load(PLATFORM_FILE)
    tree = environment_tree(Paths.for_site(PLATFORM_FILE), platform.default_environment)
    modulefile = (tree / "python" / f"{PYTHON}.lua").read_text()
    version = re.search(r"stand-in interpreter: Python ([\d.]+)", modulefile)
    version = version[1] if version else PYTHON
    result.stdout.fnmatch_lines([
        f"pythons.rst: 6 ran (1 failed); python blocks run by python {version} "
        f"(*/python/{PYTHON}/bin/python), python {version} "
        f"(*/home/venv/probe/bin/python, an environment of */python/{PYTHON}/bin/python3*)"
    ])
    page = pytester.path / "pythons.rst"
    result.stdout.fnmatch_lines([f"{page}:39: job * (job-line39.sh) ended with exit status 1, expected 0",
                                 "*FileNotFoundError: *'missing.txt'",
                                 f'{page}:36: is File "*/fails_in_job.py", line 1 '
                                 "(saved from this page as fails_in_job.py)"])


def test_a_block_that_needs_a_gpu_is_listed_apart_and_ci_accepts_it(run_on_cluster, pytester, monkeypatch):
    """The stand-in schedules the GPU job (CUDA_VISIBLE_DEVICES is set); nvidia-smi needs a device."""
    monkeypatch.setenv("CI", "true")
    result = run_on_cluster("gpu.rst")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["gpu.rst: 2 ran (1 needs a GPU)*",
                                 "*1 block needs a GPU: not run here, not counted as run*",
                                 "gpu.rst:19: nvidia-smi reads the device",
                                 "every code block of the pages ran"])


def test_a_job_that_was_not_preempted_fails_with_its_line(run_on_cluster, pytester):
    result = run_on_cluster("notpreempted.rst")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"{pytester.path / 'notpreempted.rst'}:9: job * ended with exit status 1, expected 0",
                                 "*job * runs on *, which has no owner to play (nodes with one: *)*"])
