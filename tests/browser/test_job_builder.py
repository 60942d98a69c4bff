"""The job-script builder in Chromium: its rules (static/jobscript.js) called directly, its form
as a reader uses it (each partition's limits refused with the limit named, the script rewritten
live), and the guide's own job scripts reviewed by the same rules, so that the pages and the builder
agree. The limits are read from platform.toml (builder_form.limits_of), not from the page."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from sybil import Document
from sybil.parsers.rest.lexers import DirectiveLexer

from tests.browser.browser import open_page, save_screenshot, viewport
from tests.browser.builder_form import (PAGE, PLATFORM, error_of, fill, limits_of, limits_to_check, messages_of,
                                        script_of, set_field)

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "source"
JOBSCRIPT = REPO / "packages/sphinx-hpc-platform/src/sphinx_hpc_platform/static/jobscript.js"
LIMITS = limits_to_check()
FACTS = "JSON.parse(document.querySelector('.job-script-builder').dataset.facts)"


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


def test_the_partition_field_offers_every_partition_the_default_first(builder):
    offered = builder.execute_script(
        "return Array.from(document.getElementById('builder-partition').options).map(function (o) {"
        "  return [o.value, o.selected]; })")
    default = PLATFORM.default_partition.name
    assert offered == [[default, True]] + [[p.name, False] for p in PLATFORM.partitions if p.name != default]


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: limit.id)
def test_a_choice_over_the_partitions_limit_is_refused_naming_it(builder, limit):
    """At its limit the form writes the script; just over it, it says the page's message with the
    limit in it, marks the field and writes no script."""
    fill(builder, limit.form(limit.at))
    assert not builder.find_elements(By.CSS_SELECTOR, "[aria-invalid]"), error_of(builder, limit.field)
    assert limit.line in script_of(builder)
    set_field(builder, limit.field, limit.over)
    messages = messages_of(builder)
    assert limit.key in messages, f"the page has no message {limit.key}: the form says {error_of(builder, limit.field)!r}"
    message = messages[limit.key]
    assert "{limit}" in message, f"{limit.key} does not name the limit: {message}"
    assert error_of(builder, limit.field) == message.replace("{limit}", str(limit.limit))
    assert builder.find_element(By.ID, f"builder-{limit.field}").get_attribute("aria-invalid") == "true"
    assert script_of(builder) == messages["output.refused"]


def test_the_rules_hold_every_partitions_own_limits(builder):
    """JobScript.check on every partition of platform.toml: each limit taken, one over refused
    with that limit alone, named."""
    cases = [limit for partition in PLATFORM.partitions for limit in limits_of(PLATFORM, partition)]
    base = {"kind": "threads", "cores": 1, "tasks": 2, "memory": 4, "time": "01:00", "gpus": 0, "python": "",
            "scipy": "", "environment": "none", "venv": "env"}
    choices = [[{**base, **limit.form(value)} for value in (limit.at, limit.over)] for limit in cases]
    said = builder.execute_script(
        f"var facts = {FACTS};"
        "return arguments[0].map(function (pair) {"
        "  return pair.map(function (choice) { return JobScript.check(choice, facts); }); })", choices)
    wrong = {limit.id: found for limit, found in zip(cases, said)
             if found != [[], [[limit.field, limit.key, limit.limit]]]}
    assert not wrong, f"expected no problem at the limit, the limit alone just over it: {wrong}"


def test_a_gpu_job_names_the_gpu_type_of_its_partitions_gpu_node(builder):
    facts = builder.execute_script(f"return {FACTS}")
    for partition in PLATFORM.partitions:
        types = {group.gpus.type for group in PLATFORM.groups_of(partition.name) if group.gpus}
        lines = builder.execute_script(
            "var choice = {kind: 'threads', cores: 1, tasks: 2, memory: 4, time: '01:00', partition: arguments[1],"
            "  gpus: 1, python: 'p', scipy: 's', environment: 'none', venv: 'x'};"
            "return JobScript.check(choice, arguments[0]).length ? null"
            "  : JobScript.build(choice, arguments[0]).map(function (line) { return line[0]; })", facts, partition.name)
        if not types:
            assert lines is None, f"{partition.name} has no GPU node, yet the form wrote a GPU job"
        else:
            asked = [line for line in lines if line.startswith("#SBATCH --gpus-per-node=")]
            assert asked and asked[0].removeprefix("#SBATCH --gpus-per-node=").split(":")[0] in types, (partition.name, asked)


@pytest.mark.parametrize("language", PLATFORM.languages)
def test_the_page_has_a_message_for_every_refusal_of_the_rules(browser, site_url, language):
    """The refusals the form shows are keys of the page's list, in every language (a key without
    its message would be shown as the key itself)."""
    keys = set(re.findall(r'"(error\.[a-z-]+)"', JOBSCRIPT.read_text()))
    assert keys, f"no error.* key found in {JOBSCRIPT.name}"
    open_page(browser, f"{site_url}/{language}/{PAGE}")
    assert sorted(keys - set(messages_of(browser))) == [], "refusals without a message in the page's list"


def test_the_rules_alone(builder):
    facts = builder.execute_script(f"return {FACTS}")
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
    return driver.execute_script(f"return JobScript.review(arguments[0], {FACTS})", script)


def test_the_review_finds_each_rule_a_script_breaks(builder):
    default = PLATFORM.default_partition
    memory = max(group.memory_mb for group in PLATFORM.groups_of(default.name)) // 1024
    days = default.time_limit_days
    broken = (f"#!/bin/bash\n#SBATCH --cpus-per-task=2 --mem={memory + 1}G\n#SBATCH -t {days + 1}-00:00\n"
              "source ~/venv/x/bin/activate\nmodule load python/3.11.5\n#SBATCH --ntasks=4\n"
              "srun python a.py\nexport OMP_NUM_THREADS=4\npython b.py\n")
    assert review(builder, broken) == [
        [2, "error.memory", memory],                  # more than a node of the default partition has
        [3, "error.time", days],                      # a day more than its time limit
        [4, "review.modules-first", ""],              # an environment before its modules
        [6, "review.sbatch-after-command", ""],
        [7, "review.threads-unset", 2],               # 2 cores, no OMP_NUM_THREADS yet
        [7, "review.srun-cores", 2],                  # srun without --cpus-per-task
        [8, "review.thread-value", "4"],
    ]  # and --ntasks=4 after the first command is ignored, as sbatch does


def test_the_review_holds_a_script_to_the_limits_of_its_own_partition(builder):
    """A script of another partition than the default is held to that partition's limits: a GPU
    where it has none, a GPU type its nodes do not have, more tasks than its nodes hold."""
    longest = max(PLATFORM.partitions, key=lambda p: p.time_limit_days)
    without_gpus = next(p for p in PLATFORM.partitions if not any(g.gpus for g in PLATFORM.groups_of(p.name)))
    gpu_types = {g.gpus.type for g in PLATFORM.nodes if g.gpus}
    with_one_type = next(p for p in PLATFORM.partitions
                         if len({g.gpus.type for g in PLATFORM.groups_of(p.name) if g.gpus}) == 1)
    own_type = next(g.gpus.type for g in PLATFORM.groups_of(with_one_type.name) if g.gpus)
    cores = max(g.cores for g in PLATFORM.groups_of(longest.name))
    nodes = sum(len(g.names) for g in PLATFORM.groups_of(longest.name) if g.cores == cores)
    script = (f"#!/bin/bash\n#SBATCH --partition={longest.name}\n#SBATCH --time={longest.time_limit_days}-00:00:00\n"
              f"#SBATCH --ntasks={nodes + 1} --cpus-per-task={cores}\n"
              "export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK\nsrun --cpus-per-task=$SLURM_CPUS_PER_TASK python a.py\n")
    assert review(builder, script) == [[4, "error.tasks", nodes]]
    assert review(builder, f"#!/bin/bash\n#SBATCH --partition={without_gpus.name}\n#SBATCH --gpus-per-node=1\n"
                           "python a.py\n") == [[3, "error.gpu", without_gpus.name]]
    if len(gpu_types) > 1:
        other = sorted(gpu_types - {own_type})[0]
        assert review(builder, f"#!/bin/bash\n#SBATCH --partition={with_one_type.name}\n"
                               f"#SBATCH --gpus-per-node={other}:1\npython a.py\n") == [[3, "review.gpu-type", other]]


def test_a_script_for_several_tasks_started_without_srun_is_one_process(builder):
    script = "#!/bin/bash\n#SBATCH --ntasks=4\n#SBATCH --time=30\npython a.py\n"
    assert review(builder, script) == [[4, "review.one-process-for-tasks", "4"]]


def test_the_builders_own_scripts_follow_its_rules(builder):
    """Every kind, environment and partition, with and without a GPU where the partition has one:
    the script the form writes passes its own review, the limits of its partition included."""
    problems = builder.execute_script("""
        var facts = JSON.parse(document.querySelector('.job-script-builder').dataset.facts), found = [], built = {};
        facts.partitions.forEach(function (partition) { [0, 1].forEach(function (gpus) {
          JobScript.KINDS.forEach(function (kind) { JobScript.ENVIRONMENTS.forEach(function (environment) {
            [1, 4].forEach(function (cores) {
              var choice = {kind: kind, cores: kind === 'one' ? 1 : cores, tasks: 2, memory: 4, time: '01:00',
                            partition: partition.name, gpus: gpus, python: facts.python.default,
                            scipy: facts.scipy.default, environment: environment, venv: 'env'};
              if (JobScript.check(choice, facts).length) return;  // Dask without its scheduler, a GPU where none is
              built[partition.name + ':' + gpus] = true;
              var script = JobScript.build(choice, facts).map(function (line) { return line[0]; }).join('\\n');
              JobScript.review(script, facts).forEach(function (p) {
                found.push([partition.name, gpus, kind, environment, cores, p]);
              });
            });
          }); });
        }); });
        return {built: Object.keys(built), found: found};""")
    expected = {f"{p.name}:{gpus}" for p in PLATFORM.partitions for gpus in (0, 1)
                if not gpus or any(g.gpus for g in PLATFORM.groups_of(p.name))}
    assert set(problems["built"]) == expected
    assert problems["found"] == []


@pytest.mark.parametrize("script", job_scripts())
def test_the_guides_job_scripts_follow_the_builders_rules(builder, script):
    start, text = job_scripts()[script]
    problems = review(builder, text)
    page = script.split(" ")[0]
    said = "\n".join(f"source/{page}:{start + line - 1}: {key} {value}" for line, key, value in problems)
    assert [key for _, key, _ in problems] == DEMONSTRATIONS.get(script, []), said


def test_each_demonstration_is_one_of_the_guides_job_scripts():
    assert set(DEMONSTRATIONS) <= set(job_scripts())
