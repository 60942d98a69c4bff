"""Every kind of script the job-script builder writes runs on Slurm: Chromium fills the form for a
matrix of choices that takes every value of every field at least once, every partition included,
and each script it writes is submitted, beside the tiny program.py of its kind, as the page tells
the reader to; in a partition of research groups, as a member of one of them (SBATCH_ACCOUNT).

Each job must end COMPLETED with exit code 0, in its partition, on a node of it (with the GPU type
its script names), with the cores (and GPUs) it asked for, and use them without oversubscription:
its program reports, per process, the threads NumPy's BLAS runs, and processes x threads must be
the cores of the task, with its name, and the memory its form's label says (per node, per task of
an array, per core or per node of an MPI job). The first script is the form untouched: a first job,
with the modules and its program only. The run summary counts the scripts (`generated job scripts:
N ran, N passed`, tests/conftest.py). Beside the matrix, the limits the form refuses in each
partition are Slurm's: sbatch refuses the values over them and takes the script the form writes at
them; the whole numbers and the time formats the form takes are Slurm's too.
"""
from __future__ import annotations

import re
import shlex
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hpc_platform.slurm import FINISHED, SlurmJobs, subprocess_runner
from hpc_standin.access import member_account

from tests.browser.browser import open_page
from tests.browser.builder_form import (
    BAD_TIMES,
    PAGE,
    PLATFORM,
    TIMES,
    error_of,
    fill,
    gpu_groups,
    limits_to_check,
    script_of,
)
from tests.browser.builder_programs import PROGRAMS, REQUIREMENTS, reports
from tests.conftest import GENERATED_SCRIPT

PYTHONS = PLATFORM.modules["python"].versions
STACKS = PLATFORM.modules["scipy-stack"].versions
MOST_GPUS = max(group.gpus.count for group in PLATFORM.nodes if group.gpus)

# The reader's choices, one job each. Together they take every kind, environment, Python,
# scipy-stack, GPU count, core count, memory unit, MPI memory (per core, per node) and time format of
# the form, a job name and a program file of their own; the 4-core pool is the issue's own example.
# Each pairs a Python with a scipy-stack built for it (the form refuses the others). Dask runs with
# the scipy-stacks whose dask the wheelhouse's distributed was made for: with another,
# the module's dask (on PYTHONPATH, ahead of the environment) shadows the one distributed needs.
# Their partitions are given by `in_partitions`, below, so that together they take every partition.
# The first, the form as it opens, untouched: a first job, with the modules only and its program.
DEFAULT_CASE = "default-form-first-job"
CHOICES = {
    DEFAULT_CASE: dict(
        kind="one", cores=1, memory=4, unit="G", time="1:00:00", gpus=0, python=PLATFORM.modules["python"].default,
        scipy=PLATFORM.modules["scipy-stack"].default, environment="none", jobname="python-job", program="program.py"),
    "one-process-modules-only": dict(
        kind="one", cores=1, memory=1, time="10", gpus=0, python=PYTHONS[0], scipy=STACKS[0],
        environment="none", jobname="first.run_1", program="my-analysis_2.py"),
    "threads-home-env-one-gpu": dict(
        kind="threads", cores=2, memory=2, time="15:00", gpus=1, python=PYTHONS[1], scipy=STACKS[1],
        environment="home", venv="threads"),
    "pool-of-4-cores-tmpdir-env": dict(
        kind="pool", cores=4, memory=4, time="00:10:00", gpus=0, python=PYTHONS[2], scipy=STACKS[2],
        environment="tmpdir"),
    "dask-home-env": dict(
        kind="dask", cores=2, memory=4, time="0-1", gpus=0, python=PYTHONS[1], scipy=STACKS[0],
        environment="home", venv="dask"),
    "dask-tmpdir-env-two-gpus": dict(
        kind="dask", cores=2, memory=4, time="0-00:10", gpus=2, python=PYTHONS[0], scipy=STACKS[2],
        environment="tmpdir"),
    "mpi-ranks-modules-only-memory-per-node": dict(
        kind="mpi", tasks=2, cores=1, per="node", memory=2, time="0-00:10:00", gpus=0, python=PYTHONS[1],
        scipy=STACKS[2], environment="none"),
    "mpi-ranks-with-threads-tmpdir-env-memory-per-core": dict(
        kind="mpi", tasks=2, cores=2, per="cpu", unit="M", memory=1536, time="10:00", gpus=0, python=PYTHONS[0],
        scipy=STACKS[1], environment="tmpdir"),
    "array-two-gpus-modules-only": dict(
        kind="array", tasks=2, cores=2, memory=2, time="10", gpus=2, python=PYTHONS[2],
        scipy=STACKS[3], environment="none"),
    "array-home-env-memory-in-mb": dict(
        kind="array", tasks=3, cores=1, unit="M", memory=1024, time="10", gpus=0, python=PYTHONS[0],
        scipy=STACKS[3], environment="home", venv="array"),
}
# The time formats of Slurm the guide teaches, as the form takes them (test_job_builder.py TIMES).
TIME_FORMATS = {"MM": r"\d+", "MM:SS": r"\d+:\d\d", "HH:MM:SS": r"\d+:\d\d:\d\d", "D-HH": r"\d+-\d+",
                "D-HH:MM": r"\d+-\d+:\d\d", "D-HH:MM:SS": r"\d+-\d+:\d\d:\d\d"}


def most_gpus(partition: str) -> int:
    return max((group.gpus.count for group in gpu_groups(PLATFORM, partition)), default=0)


def near_preemption(partition: str) -> bool:
    """Whether the partition's nodes are a preemptible partition's (or it is one). The guide's
    preemption example (`.. test: preempt`) has a node's owner take the whole node its job runs on:
    a job of the matrix there, when the pages run on the same stand-in at the same time (as `make
    test` runs them), would be preempted with it, or, in the owner's partition, hold the node and
    keep the example's job from being preempted at all."""
    shared = {name for preemptible in PLATFORM.preemptible
              for group in PLATFORM.groups_of(preemptible.name) for name in group.names}
    return any(name in shared for group in PLATFORM.groups_of(partition) for name in group.names)


# Every partition, as the form offers them; the matrix's jobs run in those away from preemption, the
# others' scripts are checked by Slurm without running (test_the_forms_script_is_taken_near_preemption).
PARTITIONS = [PLATFORM.default_partition.name] + [p.name for p in PLATFORM.partitions if not p.default]
RUN_IN = [name for name in PARTITIONS if not near_preemption(name)]
NOT_RUN_IN = [name for name in PARTITIONS if near_preemption(name)]


def in_partitions(choices: dict[str, dict]) -> dict[str, dict]:
    """Each choice in a partition, so that the choices take every partition of RUN_IN: a job with
    GPUs in a partition whose GPU nodes have as many, one no job has taken yet if there is one, else
    the default (the most GPUs first, so that each finds its place); a job without, in the next
    partition no job has taken, then the default. The default is left as the form has it."""
    default = PLATFORM.default_partition.name
    taken: set[str] = {default} if DEFAULT_CASE in choices else set()
    placed = {DEFAULT_CASE: choices[DEFAULT_CASE]} if DEFAULT_CASE in choices else {}  # as the form opens
    for case, choice in sorted(choices.items(), key=lambda item: -item[1]["gpus"]):
        if case == DEFAULT_CASE:
            continue
        fitting = [name for name in RUN_IN if most_gpus(name) >= choice["gpus"]]
        otherwise = default if default in fitting else fitting[0]
        partition = next((name for name in fitting if name not in taken), otherwise)
        taken.add(partition)
        placed[case] = choice if partition == default else {**choice, "partition": partition}
    return {case: placed[case] for case in choices}


CASES = in_partitions(CHOICES)
# The script the form writes in a partition whose jobs the matrix does not run.
NOT_RUN_CHOICE = dict(kind="threads", cores=2, memory=2, time="10:00", gpus=0, environment="none")


def partition_of(choice: dict) -> str:
    return choice.get("partition", PLATFORM.default_partition.name)


def account_of(cluster_env, partition: str) -> dict[str, str]:
    """The environment that makes sbatch submit as a member of the partition (on the stand-in, whose
    accounts hpc_standin.access names); on the real platform, the user's own account."""
    return {"SBATCH_ACCOUNT": member_account(PLATFORM, partition)} if cluster_env.standin else {}


# What the form shows in the fields a choice leaves as they are (jobscript.js DEFAULTS).
FORM_DEFAULTS = {"unit": "G", "per": "cpu"}

JOB_TIMEOUT = 900  # seconds for the whole matrix, queued at once on the stand-in's nodes


@dataclass
class Job:
    """A generated script, the job it became and what Slurm and its program say of it."""
    case: str
    script: str
    folder: Path
    account: str = ""
    job_id: str | None = None
    refused: str = ""
    accounting: list[dict] | None = None
    output: str = ""


def requirements_of(kind: str) -> list[str]:
    # threadpoolctl for every kind: an environment the job builds installs something real.
    return REQUIREMENTS.get(kind, ["threadpoolctl"])


@pytest.fixture(scope="module")
def scripts(browser, site_url) -> dict[str, str]:
    """What the form writes for each case, read as the copy button copies it."""
    written = {}
    for case, choice in CASES.items():
        open_page(browser, f"{site_url}/en/{PAGE}")
        if case != DEFAULT_CASE:  # the default: the form untouched
            fill(browser, choice)
        written[case] = script_of(browser)
    return written


def make_home_env(cluster_env, home: Path, choice: dict) -> None:
    """The environment a reader made once, on the login node, with the job's modules."""
    env = f"~/venv/{choice['venv']}"
    result = cluster_env.run(
        f"module load python/{choice['python']} scipy-stack/{choice['scipy']} && "
        f"virtualenv --no-download -q {env} && source {env}/bin/activate && "
        f"pip install --no-index -q {' '.join(requirements_of(choice['kind']))}", home, timeout=600)
    if result.returncode:
        pytest.fail(f"making {env} for the matrix failed:\n{result.stdout}{result.stderr}")


def accounting_of(slurm: SlurmJobs, job_id: str, records: int, deadline: float) -> list[dict]:
    """sacct's lines for the job, `records` of them (one per array task), once slurmdbd has every end
    and every start: the partition and nodes of a job that ended within a second or two of starting
    may reach it after the end (sacct then shows an empty Partition). Each with its nodes by name
    ("Nodes")."""
    fields = ["JobID", "State", "ExitCode", "AllocCPUS", "AllocTRES", "Partition", "Account", "NodeList", "JobName"]
    while True:
        _, text = slurm.run(["sacct", "-n", "-X", "-P", "-j", job_id, f"--format={','.join(fields)}"])
        rows = [dict(zip(fields, line.split("|"))) for line in text.splitlines() if line.strip()]
        # a state may say more: "CANCELLED by 0"
        ended = len(rows) >= records and all(row["State"].split(" ")[0] in FINISHED and row["Partition"]
                                             and row["NodeList"] != "" for row in rows)
        if ended or time.monotonic() > deadline:
            break
        time.sleep(1)
    for row in rows:
        assigned = row["NodeList"] not in ("", "None assigned")
        row["Nodes"] = slurm.run(["scontrol", "show", "hostnames", row["NodeList"]])[1].split() if assigned else []
    return rows


@pytest.fixture(scope="module")
def jobs(scripts, cluster_env, tmp_path_factory) -> dict[str, Job]:
    """Every script submitted at once, from a folder of its own with its program.py (and the
    requirements.txt its environment reads); then each waited for, with its accounting."""
    home = tmp_path_factory.mktemp("builder-home")
    for choice in CASES.values():
        if choice["environment"] == "home":
            make_home_env(cluster_env, home, choice)
    env = cluster_env.environ(home)
    submitted = {}
    for case, script in scripts.items():
        choice = CASES[case]
        folder = home / case
        folder.mkdir()
        (folder / "job.sh").write_text(script)
        (folder / choice.get("program", "program.py")).write_text(PROGRAMS[choice["kind"]])
        (folder / "requirements.txt").write_text("\n".join(requirements_of(choice["kind"])) + "\n")
        account = account_of(cluster_env, partition_of(choice))
        slurm = SlurmJobs(subprocess_runner({**env, **account}, cwd=str(folder)))
        job_id, said = slurm.submit("job.sh")
        submitted[case] = (Job(case, script, folder, account.get("SBATCH_ACCOUNT", ""), job_id,
                               "" if job_id else said), slurm)
    deadline = time.monotonic() + JOB_TIMEOUT
    for job, slurm in submitted.values():
        if job.job_id:
            slurm.wait(job.job_id, timeout=max(1.0, deadline - time.monotonic()))
            job.accounting = accounting_of(slurm, job.job_id, array_tasks(CASES[job.case]), time.monotonic() + 60)
            job.output = "".join(path.read_text(errors="replace") for path in sorted(job.folder.glob("*.out")))
    return {case: job for case, (job, _) in submitted.items()}


def array_tasks(choice: dict) -> int:
    """The jobs sacct lists for the choice: one per task of an array, else one."""
    return choice["tasks"] if choice["kind"] == "array" else 1


def expected_processes(choice: dict) -> tuple[str, int, int]:
    """The role of the processes that do the work, how many per task, and the threads of each."""
    return {
        "one": ("process", 1, choice["cores"]),
        "threads": ("process", 1, choice["cores"]),
        "pool": ("pool worker", choice["cores"], 1),
        "dask": ("dask worker", choice["cores"], 1),
        "mpi": ("rank", 1, choice["cores"]),
        "array": ("array task", 1, choice["cores"]),
    }[choice["kind"]]


MB = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}


def expected_memory_mb(choice: dict, nodes: int) -> int:
    """The memory Slurm gives the job (sacct's AllocTRES, of the job or each task of an array), as
    the form's label says it applies: per node for a job of one node or each task of an array, per
    core or per node of an MPI job."""
    asked = choice["memory"] * MB[choice.get("unit", "G")]
    if choice["kind"] != "mpi":
        return asked
    if choice.get("per", "cpu") == "cpu":
        return asked * choice["cores"] * choice["tasks"]
    return asked * nodes


def problems_of(job: Job) -> list[str]:
    """What is wrong with the job, as sentences; none when it ran as the builder promised."""
    choice = CASES[job.case]
    if not job.job_id:
        return [f"sbatch refused the script: {job.refused}"]
    rows = job.accounting or []
    tasks = array_tasks(choice)
    problems = []
    if len(rows) != tasks:
        problems.append(f"sacct lists {len(rows)} jobs, expected {tasks}")
    partition = partition_of(choice)
    asked_type = re.search(r"^#SBATCH --gpus-per-node=(\w+):", job.script, re.M)
    for row in rows:
        if (row["State"], row["ExitCode"]) != ("COMPLETED", "0:0"):
            problems.append(f"{row['JobID']} ended {row['State']} with exit code {row['ExitCode']}")
        if row["Partition"] != partition:
            problems.append(f"{row['JobID']} ran in {row['Partition']}, not {partition}")
        if row["JobName"] != choice.get("jobname", "python-job"):
            problems.append(f"{row['JobID']} was named {row['JobName']}, not {choice.get('jobname', 'python-job')}")
        if job.account and row["Account"] != job.account:
            problems.append(f"{row['JobID']} ran as {row['Account']}, not {job.account}")
        groups = [group for group in PLATFORM.groups_of(partition) if not choice["gpus"]
                  or (group.gpus and asked_type and group.gpus.type == asked_type[1])]
        outside = set(row["Nodes"]) - {name for group in groups for name in group.names}
        if outside or not row["Nodes"]:
            kind = f"{asked_type[1] if asked_type else 'typed'} GPU nodes" if choice["gpus"] else "nodes"
            problems.append(f"{row['JobID']} ran on {row['NodeList'] or 'no node'}, not on the {kind} of {partition}")
        cpus = choice["cores"] * (choice["tasks"] if choice["kind"] == "mpi" else 1)
        if row["AllocCPUS"] != str(cpus):
            problems.append(f"{row['JobID']} had {row['AllocCPUS']} CPUs, asked {cpus}")
        memory = re.search(r"\bmem=([\d.]+)([KMGT])", row["AllocTRES"])
        expected = expected_memory_mb(choice, len(row["Nodes"]))
        if not memory or round(float(memory[1]) * MB[memory[2]]) != expected:
            problems.append(f"{row['JobID']} had {row['AllocTRES']}, expected mem={expected}M")
        gpus = re.search(r"gres/gpu=(\d+)", row["AllocTRES"])
        if int(gpus[1] if gpus else 0) != choice["gpus"]:
            problems.append(f"{row['JobID']} had GPUs {row['AllocTRES']}, asked {choice['gpus']}")
    role, per_task, threads = expected_processes(choice)
    workers = [r for r in reports(job.output) if r["role"] == role]
    instances = choice["tasks"] if choice["kind"] in ("mpi", "array") else 1
    if len(workers) != per_task * instances:
        problems.append(f"{len(workers)} reports of a {role}, expected {per_task * instances}")
    for worker in workers:
        if worker["threads"] != threads:
            problems.append(f"a {role} ran {worker['threads']} BLAS threads, expected {threads}")
        if worker["cpus_per_task"] != str(choice["cores"]):
            problems.append(f"a {role} saw SLURM_CPUS_PER_TASK={worker['cpus_per_task']}")
        if len([g for g in worker["gpus"].split(",") if g]) != choice["gpus"]:
            problems.append(f"a {role} saw CUDA_VISIBLE_DEVICES={worker['gpus']!r}")
    # Processes x threads = the cores of a task: more would be oversubscription, fewer idle cores.
    if workers and per_task * threads != choice["cores"]:
        problems.append(f"{per_task} x {threads} threads for {choice['cores']} cores")
    summary = [r for r in reports(job.output) if r["role"] in ("pool", "dask")]
    for pool in summary:
        if pool["workers"] != choice["cores"]:
            problems.append(f"the {pool['role']} had {pool['workers']} workers for {choice['cores']} cores")
    return problems


def test_the_matrix_takes_every_value_of_every_field(browser, site_url):
    open_page(browser, f"{site_url}/en/{PAGE}")
    offered = browser.execute_script(
        "var fields = {};"
        "document.querySelectorAll('.builder-form select').forEach(function (s) {"
        "  fields[s.name.replace('builder-', '')] = Array.from(s.options).map(function (o) { return o.value; });"
        "});"
        "return fields;")
    taken = {name: {str(choice.get(name, FORM_DEFAULTS.get(name, ""))) for choice in CASES.values()}
             for name in offered}
    taken["partition"] = {partition_of(choice) for choice in CASES.values()} | set(NOT_RUN_IN)
    missing = {name: sorted(set(values) - taken[name]) for name, values in offered.items()
               if set(values) - taken[name]}
    assert not missing, f"values of the form no case of CASES takes: {missing}"
    assert offered["partition"] == PARTITIONS
    assert {choice["gpus"] for choice in CASES.values()} == set(range(MOST_GPUS + 1))
    assert {1, 4} <= {choice["cores"] for choice in CASES.values()}
    assert {"cpu", "node"} == {choice["per"] for choice in CASES.values() if choice["kind"] == "mpi"}
    formats = {name for name, pattern in TIME_FORMATS.items() for choice in CASES.values()
               if re.fullmatch(pattern, choice["time"])}
    assert formats == set(TIME_FORMATS), f"time formats no case takes: {set(TIME_FORMATS) - formats}"
    assert any(choice.get("program", "program.py") != "program.py" for choice in CASES.values())
    # Jobs of the default partition and of others, some of which only their groups' members may use.
    ran_in = {partition_of(choice) for choice in CASES.values()}
    assert PLATFORM.default_partition.name in ran_in
    assert any(PLATFORM.partition(name).access != "everyone" for name in ran_in)


@pytest.mark.parametrize("case", CASES)
def test_each_generated_script_runs_on_slurm_with_the_cores_it_asks(case, jobs, record_property):
    job = jobs[case]
    record_property(GENERATED_SCRIPT, "submitted" if job.job_id else "refused")
    assert not re.search(r"^# *(comment|error|field|kind|output)\.", job.script, re.M), \
        f"a message key left untranslated in the script:\n{job.script}"
    problems = problems_of(job)
    assert not problems, (
        f"{case} (partition {partition_of(CASES[case])}, account {job.account or 'of the user'}): "
        + "; ".join(problems) + f"\n--- job.sh ---\n{job.script}\n--- output ---\n{job.output}")


def sbatch_test_only(cluster_env, folder: Path, partition: str, script: str, *options: str) -> tuple[int, str]:
    """`sbatch --test-only [options] job.sh` as a member of the partition: (exit status, what it said)."""
    (folder / "job.sh").write_text(script)
    account = " ".join(f"{name}={shlex.quote(value)}" for name, value in account_of(cluster_env, partition).items())
    result = cluster_env.run(f"{account} sbatch --test-only {' '.join(options)} job.sh", folder, timeout=120)
    return result.returncode, (result.stdout + result.stderr).strip()


@pytest.mark.parametrize("partition", NOT_RUN_IN)
def test_the_forms_script_is_taken_near_preemption(browser, site_url, cluster_env, tmp_path, partition):
    """In a partition whose nodes the preemptible partition shares, the form's script is taken by
    Slurm, submitted as a member (its job is not run: see near_preemption)."""
    open_page(browser, f"{site_url}/en/{PAGE}")
    fill(browser, {**NOT_RUN_CHOICE, "partition": partition})
    script = script_of(browser)
    assert f"#SBATCH --partition={partition}\n" in script, script
    preemption = PLATFORM.partition(partition).preemption
    if preemption:  # requeued when preempted, as the guide's preemptible-jobs page explains
        assert f"#SBATCH {preemption.requeue_option}\n" in script, script
    else:
        assert "--requeue" not in script, script
    status, said = sbatch_test_only(cluster_env, tmp_path, partition, script)
    assert status == 0 and f"in partition {partition}" in said, f"sbatch refused the form's script: {said}\n{script}"


@pytest.mark.parametrize("limit", limits_to_check(), ids=lambda limit: limit.id)
def test_what_the_form_refuses_slurm_refuses(browser, site_url, cluster_env, tmp_path, limit):
    """The limit the form names is Slurm's, partition by partition: sbatch, as a member of the
    partition, takes the script the form writes at the limit, and refuses it with the value the form
    refuses (the same option on its command line, which wins over the script's)."""
    open_page(browser, f"{site_url}/en/{PAGE}")
    fill(browser, limit.form(limit.at))
    script = script_of(browser)
    assert limit.line in script, f"the form did not write {limit.line.strip()} at the limit:\n{script}"
    fill(browser, {limit.field: limit.over})
    assert error_of(browser, limit.field), f"the form took {limit.field} = {limit.over} in {limit.partition}"
    at_limit = sbatch_test_only(cluster_env, tmp_path, limit.partition, script)
    over = sbatch_test_only(cluster_env, tmp_path, limit.partition, script, limit.option)
    assert at_limit[0] == 0 and f"in partition {limit.partition}" in at_limit[1], \
        f"sbatch refused the form's script at the limit ({limit.line.strip()}): {at_limit[1]}"
    assert over[0] != 0, f"sbatch took {limit.option} in {limit.partition}: {over[1]}"


# The counts the form takes whole only, and the same count with a fraction on sbatch's command line.
DEFAULT_GPU_TYPE = next(g.gpus.type for g in PLATFORM.groups_of(PLATFORM.default_partition.name) if g.gpus)
FRACTIONS = {
    "cores": ({"kind": "threads", "cores": "1.5"}, "--cpus-per-task=1.5"),
    "memory": ({"memory": "1.5"}, "--mem=1.5G"),
    "memory-per-core": ({"kind": "mpi", "per": "cpu", "memory": "1.5"}, "--mem-per-cpu=1.5G"),
    "mpi-tasks": ({"kind": "mpi", "tasks": "2.5"}, "--ntasks=2.5"),
    "array-tasks": ({"kind": "array", "tasks": "2.5"}, "--array=0-1.5"),
    "gpus": ({"gpus": "1.5"}, f"--gpus-per-node={DEFAULT_GPU_TYPE}:1.5"),
}


@pytest.mark.parametrize("name", FRACTIONS)
def test_what_slurm_takes_whole_the_form_takes_whole(browser, site_url, cluster_env, tmp_path, name):
    """A fraction where Slurm counts whole (1.5 cores, 1.5 GB, 2.5 tasks, 1.5 GPUs): the form
    refuses it and writes no script; sbatch refuses the same value, and takes the form's script
    of whole numbers."""
    choice, option = FRACTIONS[name]
    field = next(iter(k for k in choice if k not in ("kind", "per")))
    open_page(browser, f"{site_url}/en/{PAGE}")
    fill(browser, {**choice, field: "2"})
    script = script_of(browser)
    assert script.startswith("#!/bin/bash"), script
    fill(browser, choice)
    assert error_of(browser, field), f"the form took {field} = {choice[field]}"
    assert not script_of(browser).startswith("#!/bin/bash")
    partition = PLATFORM.default_partition.name
    taken = sbatch_test_only(cluster_env, tmp_path, partition, script)
    over = sbatch_test_only(cluster_env, tmp_path, partition, script, option)
    assert taken[0] == 0, f"sbatch refused the form's script: {taken[1]}\n{script}"
    assert over[0] != 0, f"sbatch took {option}: {over[1]}"


@pytest.mark.parametrize("typed", TIMES)
def test_each_time_format_the_form_takes_slurm_takes(browser, site_url, cluster_env, tmp_path, typed):
    """The form writes each of Slurm's formats as [D-]HH:MM:SS; sbatch takes the script it writes,
    and the time as the reader typed it."""
    open_page(browser, f"{site_url}/en/{PAGE}")
    fill(browser, {"time": typed})
    script = script_of(browser)
    assert f"#SBATCH --time={TIMES[typed]}\n" in script, script
    partition = PLATFORM.default_partition.name
    for options in ((), (f"--time={typed}",)):
        status, said = sbatch_test_only(cluster_env, tmp_path, partition, script, *options)
        assert status == 0, f"sbatch refused {options or 'the form script'}: {said}\n{script}"


@pytest.mark.parametrize("typed", [typed for typed, key in BAD_TIMES.items() if key != "error.time-range" and typed])
def test_a_time_the_form_refuses_slurm_refuses(browser, site_url, cluster_env, tmp_path, typed):
    """Not a time (1.5, 1h, 1:2:3:4) or none (0): refused by both. (A part out of its range, 2:61,
    the form refuses too, though Slurm would read it as 3:01: a slip of the keyboard, more likely.)"""
    open_page(browser, f"{site_url}/en/{PAGE}")
    script = script_of(browser)
    fill(browser, {"time": typed})
    assert error_of(browser, "time"), f"the form took the time {typed!r}"
    status, said = sbatch_test_only(cluster_env, tmp_path, PLATFORM.default_partition.name, script, f"--time={typed}")
    assert status != 0, f"sbatch took --time={typed}: {said}"
