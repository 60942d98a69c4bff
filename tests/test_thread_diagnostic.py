"""The guide's check_threads.py (source/explanation/oversubscription.rst) warns exactly when a job
would run more threads than it has cores: run directly with a fake allocation, and in Slurm jobs
with --cpus-per-task=1 on the platform."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sybil import Document
from sybil.parsers.rest.lexers import DirectiveLexer

from tests.python_job import run_python_job

PAGE = Path(__file__).resolve().parents[1] / "source" / "explanation" / "oversubscription.rst"
SCRIPT = "check_threads.py"
WARNING = "WARNING:"


def page_script(page: Path = PAGE, caption: str = SCRIPT) -> str:
    """The code block of `page` whose caption is `caption`, as a reader saves it."""
    document = Document(page.read_text(encoding="utf-8"), str(page))
    lexer = DirectiveLexer(directive=r"code-block")
    found = [region.lexemes["source"] for region in lexer(document)
             if region.lexemes["options"].get("caption") == caption]
    if len(found) != 1:
        raise LookupError(f"{page}: {len(found)} code blocks with :caption: {caption}, expected 1")
    return str(found[0])


@pytest.fixture
def script(tmp_path) -> Path:
    path = tmp_path / SCRIPT
    path.write_text(page_script())
    return path


def run_check(script: Path, workers: int, cores: set[int] | None = None, **env: str) -> str:
    """Run the check with the project's Python, on `cores` if given, with `env` added to an
    environment without thread settings of the host."""
    base = {k: v for k, v in os.environ.items()
            if not k.endswith("_NUM_THREADS") and not k.startswith("SLURM_")}
    result = subprocess.run(
        [sys.executable, str(script), "--workers", str(workers)], env={**base, **env},
        capture_output=True, text=True, timeout=120, check=True,
        preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None)
    return result.stdout


def sections(output: str) -> dict[str, str]:
    """`== name` marker lines split a job's output into the runs of the check."""
    found, name = {}, None
    for line in output.splitlines():
        if line.startswith("== "):
            name = line[3:].strip()
            found[name] = ""
        elif name:
            found[name] += line + "\n"
    return found


def test_page_has_the_script_once():
    assert "def allocated_cores" in page_script()


def test_pool_of_two_on_one_requested_core_warns(script):
    out = run_check(script, workers=2, SLURM_CPUS_PER_TASK="1", OMP_NUM_THREADS="1")
    assert "allocated cores:     1" in out and "SLURM_CPUS_PER_TASK: 1" in out, out
    assert "workers x threads:   2 x 1 = 2" in out, out
    assert "WARNING: 2 threads for 1 allocated cores: oversubscribed." in out, out


def test_configured_as_the_guide_says_is_quiet(script):
    out = run_check(script, workers=1, SLURM_CPUS_PER_TASK="1", OMP_NUM_THREADS="1")
    assert "workers x threads:   1 x 1 = 1" in out, out
    assert WARNING not in out, out


def test_reports_each_blas_pool_and_the_node_count(script):
    out = run_check(script, workers=1, OMP_NUM_THREADS="1")
    assert f"os.cpu_count():      {os.cpu_count()}" in out, out
    assert "SLURM_CPUS_PER_TASK: not set" in out, out
    assert "blas pool: " in out and ", 1 threads (" in out, out


@pytest.mark.skipif(os.cpu_count() < 2, reason="one core: os.cpu_count() workers fit it")
def test_workers_from_os_cpu_count_on_one_pinned_core_warn(script):
    # What a job with one bound core sees: the affinity says 1, os.cpu_count() the whole machine.
    core = min(os.sched_getaffinity(0))
    out = run_check(script, workers=os.cpu_count(), cores={core})
    assert "allocated cores:     1" in out, out
    assert f"workers x threads:   {os.cpu_count()} x 1 = {os.cpu_count()}" in out, out
    assert WARNING in out, out


@pytest.mark.skipif(os.cpu_count() < 2, reason="one core: os.cpu_count() workers fit it")
def test_in_a_one_core_slurm_job(cluster_env, tmp_path):
    (tmp_path / SCRIPT).write_text(page_script())
    out = run_python_job(cluster_env, tmp_path, "check-threads", cpus=1, body=f"""\
cd {tmp_path}
echo "== pool of 2, 2 BLAS threads each"
OMP_NUM_THREADS=2 python {SCRIPT} --workers 2
echo "== os.cpu_count() workers"
python {SCRIPT} --workers $(python -c 'import os; print(os.cpu_count())')
echo "== as the guide says"
OMP_NUM_THREADS=1 python {SCRIPT} --workers $SLURM_CPUS_PER_TASK
""")
    runs = sections(out)
    assert list(runs) == ["pool of 2, 2 BLAS threads each", "os.cpu_count() workers",
                          "as the guide says"], out
    for text in runs.values():
        assert "allocated cores:     1" in text and "SLURM_CPUS_PER_TASK: 1" in text, out
    assert WARNING in runs["pool of 2, 2 BLAS threads each"], out
    assert WARNING in runs["os.cpu_count() workers"], out
    assert WARNING not in runs["as the guide says"], out
