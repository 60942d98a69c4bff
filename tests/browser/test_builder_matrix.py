"""Every kind of script the job-script builder writes runs on Slurm: Chromium fills the form for a
matrix of choices that takes every value of every field at least once, and each script it writes
is submitted, beside the tiny program.py of its kind, as the page tells the reader to.

Each job must end COMPLETED with exit code 0, with the cores (and GPUs) it asked for, and use them
without oversubscription: its program reports, per process, the threads NumPy's BLAS runs, and
processes x threads must be the cores of the task. The run summary counts the scripts
(`generated job scripts: N ran, N passed`, tests/conftest.py).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import hpc_platform
import pytest
from hpc_platform.slurm import FINISHED, SlurmJobs, subprocess_runner

from tests.browser.browser import open_page
from tests.browser.builder_form import PAGE, error_of, fill, script_of
from tests.browser.builder_programs import PROGRAMS, REQUIREMENTS, reports
from tests.conftest import GENERATED_SCRIPT

PLATFORM = hpc_platform.load(Path(__file__).resolve().parents[2] / "platform.toml")
PYTHONS = PLATFORM.modules["python"].versions
STACKS = PLATFORM.modules["scipy-stack"].versions
BIGGEST = max(group["cores"] for group in PLATFORM.nodes)
MOST_GPUS = max(group.get("gpus", 0) for group in PLATFORM.nodes)
GPU_TYPE = next(group["gpu_type"] for group in PLATFORM.nodes if group.get("gpus"))

# The reader's choices, one job each. Together they take every kind, environment, Python,
# scipy-stack, GPU count and core count of the form; the 4-core pool is the issue's own example.
# Dask runs with the scipy-stacks whose dask the wheelhouse's distributed was made for: with another,
# the module's dask (on PYTHONPATH, ahead of the environment) shadows the one distributed needs.
CASES = {
    "one-process-modules-only": dict(
        kind="one", cores=1, memory=1, time="00:10", gpus=0, python=PYTHONS[0], scipy=STACKS[0],
        environment="none"),
    "threads-home-env-one-gpu": dict(
        kind="threads", cores=2, memory=2, time="00:15", gpus=1, python=PYTHONS[1], scipy=STACKS[1],
        environment="home", venv="threads"),
    "pool-of-4-cores-tmpdir-env": dict(
        kind="pool", cores=4, memory=4, time="00:10", gpus=0, python=PYTHONS[2], scipy=STACKS[2],
        environment="tmpdir"),
    "dask-home-env": dict(
        kind="dask", cores=2, memory=4, time="00:20", gpus=0, python=PYTHONS[2], scipy=STACKS[0],
        environment="home", venv="dask"),
    "dask-tmpdir-env-two-gpus": dict(
        kind="dask", cores=2, memory=4, time="00:10", gpus=2, python=PYTHONS[0], scipy=STACKS[2],
        environment="tmpdir"),
    "mpi-ranks-modules-only": dict(
        kind="mpi", tasks=2, cores=1, memory=2, time="00:10", gpus=0, python=PYTHONS[1],
        scipy=STACKS[2], environment="none"),
    "mpi-ranks-with-threads-tmpdir-env": dict(
        kind="mpi", tasks=2, cores=2, memory=4, time="00:10", gpus=0, python=PYTHONS[0],
        scipy=STACKS[1], environment="tmpdir"),
    "array-two-gpus-modules-only": dict(
        kind="array", tasks=2, cores=2, memory=2, time="00:10", gpus=2, python=PYTHONS[2],
        scipy=STACKS[0], environment="none"),
    "array-home-env": dict(
        kind="array", tasks=3, cores=1, memory=1, time="00:10", gpus=0, python=PYTHONS[0],
        scipy=STACKS[3], environment="home", venv="array"),
}
JOB_TIMEOUT = 900  # seconds for the whole matrix, queued at once on the stand-in's nodes


@dataclass
class Job:
    """A generated script, the job it became and what Slurm and its program say of it."""
    case: str
    script: str
    folder: Path
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
    """sacct's lines for the job, `records` of them (one per array task), once slurmdbd has every end."""
    fields = ["JobID", "State", "ExitCode", "AllocCPUS", "AllocTRES"]
    while True:
        _, text = slurm.run(["sacct", "-n", "-X", "-P", "-j", job_id, f"--format={','.join(fields)}"])
        rows = [dict(zip(fields, line.split("|"))) for line in text.splitlines() if line.strip()]
        # a state may say more: "CANCELLED by 0"
        ended = len(rows) >= records and all(row["State"].split(" ")[0] in FINISHED for row in rows)
        if ended or time.monotonic() > deadline:
            return rows
        time.sleep(1)


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
        (folder / "program.py").write_text(PROGRAMS[choice["kind"]])
        (folder / "requirements.txt").write_text("\n".join(requirements_of(choice["kind"])) + "\n")
        slurm = SlurmJobs(subprocess_runner(env, cwd=str(folder)))
        job_id, said = slurm.submit("job.sh")
        submitted[case] = (Job(case, script, folder, job_id, "" if job_id else said), slurm)
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
    for row in rows:
        if (row["State"], row["ExitCode"]) != ("COMPLETED", "0:0"):
            problems.append(f"{row['JobID']} ended {row['State']} with exit code {row['ExitCode']}")
        cpus = choice["cores"] * (choice["tasks"] if choice["kind"] == "mpi" else 1)
        if row["AllocCPUS"] != str(cpus):
            problems.append(f"{row['JobID']} had {row['AllocCPUS']} CPUs, asked {cpus}")
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
    taken = {name: {str(choice.get(name, "")) for choice in CASES.values()} for name in offered}
    taken["partition"] = {PLATFORM.default_partition}  # the form's default: no case sets it
    missing = {name: sorted(set(values) - taken[name]) for name, values in offered.items()
               if set(values) - taken[name]}
    assert not missing, f"values of the form no case of CASES takes: {missing}"
    assert {choice["gpus"] for choice in CASES.values()} == set(range(MOST_GPUS + 1))
    assert {1, 4} <= {choice["cores"] for choice in CASES.values()}


@pytest.mark.parametrize("case", CASES)
def test_each_generated_script_runs_on_slurm_with_the_cores_it_asks(case, jobs, record_property):
    job = jobs[case]
    record_property(GENERATED_SCRIPT, "submitted" if job.job_id else "refused")
    assert not re.search(r"^# *(comment|error|field|kind|output)\.", job.script, re.M), \
        f"a message key left untranslated in the script:\n{job.script}"
    problems = problems_of(job)
    assert not problems, (
        f"{case}: " + "; ".join(problems) + f"\n--- job.sh ---\n{job.script}\n--- output ---\n{job.output}")


DAYS = PLATFORM.max_time_days


@pytest.mark.parametrize("field, value, over, at_limit", [
    ("cores", BIGGEST + 1, f"--cpus-per-task={BIGGEST + 1}", f"--cpus-per-task={BIGGEST}"),
    ("time", f"{DAYS * 24 + 1}:00", f"--time={DAYS}-01:00:00", f"--time={DAYS}-00:00:00"),
    ("gpus", MOST_GPUS + 1, f"--gpus-per-node={GPU_TYPE}:{MOST_GPUS + 1}", f"--gpus-per-node={GPU_TYPE}:{MOST_GPUS}"),
])
def test_what_the_form_refuses_slurm_refuses(browser, site_url, cluster_env, tmp_path, field, value, over, at_limit):
    """The limit the form names is Slurm's: sbatch refuses what the form refuses, and takes the limit."""
    open_page(browser, f"{site_url}/en/{PAGE}")
    fill(browser, {"kind": "threads", field: value})
    assert error_of(browser, field), f"the form took {field} = {value}"
    said = {}
    for option in (over, at_limit):
        result = cluster_env.run(f"sbatch --test-only {option} --wrap=true", tmp_path, timeout=60)
        said[option] = (result.returncode, (result.stdout + result.stderr).strip())
    assert said[over][0] != 0, f"sbatch took {over}: {said[over][1]}"
    assert said[at_limit][0] == 0, f"sbatch refused the limit itself, {at_limit}: {said[at_limit][1]}"
