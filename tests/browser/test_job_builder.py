"""The job-script builder in Chromium: its rules (static/jobscript.js) called directly, its form
as a reader uses it (limits refused with the limit named, the script rewritten live), and the
guide's own job scripts reviewed by the same rules, so that the pages and the builder agree."""
from __future__ import annotations

from pathlib import Path

import hpc_platform
import pytest
from selenium.webdriver.common.by import By
from sybil import Document
from sybil.parsers.rest.lexers import DirectiveLexer

from tests.browser.browser import open_page, save_screenshot, viewport
from tests.browser.builder_form import PAGE, error_of, script_of, set_field

REPO = Path(__file__).resolve().parents[2]
PLATFORM = hpc_platform.load(REPO / "platform.toml")
SOURCE = REPO / "source"
BIGGEST = max(group["cores"] for group in PLATFORM.nodes)
MOST_GPUS = max(group.get("gpus", 0) for group in PLATFORM.nodes)


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
    ("gpus", str(MOST_GPUS + 1), f"at most {MOST_GPUS} GPUs"),
])
def test_a_choice_over_the_platforms_limit_is_refused_naming_it(builder, name, value, limit):
    set_field(builder, "kind", "threads")  # one process without threads has one core
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


# The job scripts that break a rule on purpose, with what the review says of them.
DEMONSTRATIONS = {
    # runs Pool() with BLAS's own threads first, to show the oversubscription the rule prevents
    "explanation/oversubscription.rst check-threads.sh": ["review.threads-unset"],
}


def job_scripts(source: Path = SOURCE) -> dict[str, tuple[int, str]]:
    """The guide's job scripts, the code blocks that sbatch would take, by page and caption (or
    line): where on the page the script starts, and its text."""
    found = {}
    for page in sorted(source.rglob("*.rst")):
        document = Document(page.read_text(encoding="utf-8"), str(page))
        for region in DirectiveLexer(directive=r"code-block")(document):
            text = str(region.lexemes["source"])
            if text.startswith("#!/bin/bash") and "\n#SBATCH " in text:
                start = document.text.index("#!/bin/bash", region.start)
                line = document.text.count("\n", 0, start) + 1
                name = region.lexemes["options"].get("caption") or f"line {line}"
                found[f"{page.relative_to(source)} {name}"] = (line, text)
    return found


def review(driver, script: str) -> list[list]:
    return driver.execute_script(
        "return JobScript.review(arguments[0], "
        "JSON.parse(document.querySelector('.job-script-builder').dataset.facts))", script)


def test_the_review_finds_each_rule_a_script_breaks(builder):
    broken = ("#!/bin/bash\n#SBATCH --cpus-per-task=2 --mem=600G\n#SBATCH -t 8-00:00\n"
              "source ~/venv/x/bin/activate\nmodule load python/3.11.5\n#SBATCH --ntasks=4\n"
              "srun python a.py\nexport OMP_NUM_THREADS=4\npython b.py\n")
    memory = max(hpc_platform.megabytes(group["memory"]) for group in PLATFORM.nodes) // 1024
    assert review(builder, broken) == [
        [2, "error.memory", memory],                  # 600G: more than a node's memory
        [3, "error.time", PLATFORM.max_time_days],    # 8 days
        [4, "review.modules-first", ""],              # an environment before its modules
        [6, "review.sbatch-after-command", ""],
        [7, "review.threads-unset", 2],               # 2 cores, no OMP_NUM_THREADS yet
        [7, "review.srun-cores", 2],                  # srun without --cpus-per-task
        [8, "review.thread-value", "4"],
    ]  # and --ntasks=4 after the first command is ignored, as sbatch does


def test_a_script_for_several_tasks_started_without_srun_is_one_process(builder):
    script = "#!/bin/bash\n#SBATCH --ntasks=4\n#SBATCH --time=30\npython a.py\n"
    assert review(builder, script) == [[4, "review.one-process-for-tasks", "4"]]


def test_the_builders_own_scripts_follow_its_rules(builder):
    problems = builder.execute_script("""
        var facts = JSON.parse(document.querySelector('.job-script-builder').dataset.facts), found = [];
        JobScript.KINDS.forEach(function (kind) { JobScript.ENVIRONMENTS.forEach(function (environment) {
          [1, 4].forEach(function (cores) {
            var choice = {kind: kind, cores: kind === 'one' ? 1 : cores, tasks: 2, memory: 4, time: '01:00',
                          partition: facts.partitions[0].name, gpus: 0, python: facts.python.default,
                          scipy: facts.scipy.default, environment: environment, venv: 'env'};
            var script = JobScript.build(choice, facts).map(function (line) { return line[0]; }).join('\\n');
            JobScript.review(script, facts).forEach(function (p) { found.push([kind, environment, cores, p]); });
          });
        }); });
        return found;""")
    assert problems == []


@pytest.mark.parametrize("script", job_scripts())
def test_the_guides_job_scripts_follow_the_builders_rules(builder, script):
    start, text = job_scripts()[script]
    problems = review(builder, text)
    page = script.split(" ")[0]
    said = "\n".join(f"source/{page}:{start + line - 1}: {key} {value}" for line, key, value in problems)
    assert [key for _, key, _ in problems] == DEMONSTRATIONS.get(script, []), said


def test_each_demonstration_is_one_of_the_guides_job_scripts():
    assert set(DEMONSTRATIONS) <= set(job_scripts())
