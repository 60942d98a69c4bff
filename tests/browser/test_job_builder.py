"""The job-script builder in Chromium: its rules (static/jobscript.js) called directly, and its
form as a reader uses it: limits refused with the limit named, the script rewritten live."""
from __future__ import annotations

from pathlib import Path

import hpc_platform
import pytest
from selenium.webdriver.common.by import By

from tests.browser.browser import open_page, save_screenshot, viewport
from tests.browser.builder_form import PAGE, error_of, script_of, set_field

PLATFORM = hpc_platform.load(Path(__file__).resolve().parents[2] / "platform.toml")
BIGGEST = max(group["cores"] for group in PLATFORM.nodes)


@pytest.fixture
def builder(browser, site_url):
    open_page(browser, f"{site_url}/en/{PAGE}")
    return browser


def test_a_pool_of_four_cores_gets_its_cores_and_one_blas_thread(builder):
    set_field(builder, "kind", "pool")
    set_field(builder, "cores", "4")
    script = script_of(builder)
    assert "#SBATCH --cpus-per-task=4" in script and "export OMP_NUM_THREADS=1" in script
    assert 'Pool(int(os.environ["SLURM_CPUS_PER_TASK"]))' in script


@pytest.mark.parametrize("name, value, limit", [
    ("cores", str(BIGGEST + 1), f"at most {BIGGEST} cores"),
    ("time", f"{PLATFORM.max_time_days * 24 + 1}:00", f"at most {PLATFORM.max_time_days} days"),
    ("gpus", "3", "at most 2 GPUs"),
])
def test_a_choice_over_the_platforms_limit_is_refused_naming_it(builder, name, value, limit):
    set_field(builder, name, value)
    error = error_of(builder, name)
    assert limit in error, error
    assert builder.find_element(By.ID, f"builder-{name}").get_attribute("aria-invalid") == "true"
    assert "refuse" in script_of(builder)


def test_the_rules_alone(builder):
    facts = builder.execute_script(
        "return JSON.parse(document.querySelector('.job-script-builder').dataset.facts)")
    lines = builder.execute_script(
        "return JobScript.build({kind: 'mpi', cores: 1, tasks: 4, memory: 4, time: '00:30', "
        "partition: arguments[0].partitions[0].name, gpus: 0, python: arguments[0].python.default, "
        "scipy: arguments[0].scipy.default, environment: 'tmpdir', venv: 'x'}, arguments[0])"
        ".map(function (line) { return line[0]; })", facts)
    assert "#SBATCH --ntasks=4" in lines and "srun python -u program.py" in lines
    assert f"module load python/{facts['python']['default']} scipy-stack/{facts['scipy']['default']} " \
           f"mpi4py/{facts['mpi4py']}" in lines


@pytest.mark.parametrize("width, height, mobile", [(1280, 900, False), (375, 812, True)])
def test_screenshots(browser, site_url, width, height, mobile):
    for language in ("en", "fr"):
        with viewport(browser, width, height, mobile):
            open_page(browser, f"{site_url}/{language}/{PAGE}")
            save_screenshot(browser, f"job-script-builder-{language}-{'phone' if mobile else 'desktop'}")
