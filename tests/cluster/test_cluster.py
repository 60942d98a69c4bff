"""What the stand-in platform must show, on the session's instance (the hpc-standin plugin's `cluster_env`)."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path

import hpc_platform
import pytest
from hpc_standin.recipe import Recipe

REPO = Path(__file__).resolve().parents[2]
PLATFORM = hpc_platform.load(REPO / "platform.toml")
RECIPE = Recipe.of(PLATFORM)  # the site's standin.toml
PARTITION = PLATFORM.default_partition.name
MAX_DAYS = PLATFORM.default_partition.time_limit_days
HOST = PLATFORM.login.host
QISKIT = PLATFORM.packages["qiskit"].version
SYMENGINE = PLATFORM.modules["symengine"].default
SEED_AVAIL_PYTHON = """\
------------------------------------- Core Modules --------------------------------------
   ipython-kernel/3.10              python-build-bundle/2024a (D)
   ipython-kernel/3.11       (D)    python/3.10.13            (t,3.10)
   ipython-kernel/3.12              python/3.11.5             (t,D:3.11)
   python-build-bundle/2023b        python/3.12.4             (t)
"""
# qiskit 2.x wheels are abi3 from Python 3.10 up.
SEED_AVAIL_QISKIT = f"""\
name    version    python    arch
------  ---------  --------  -------
qiskit  {QISKIT}      cp310     generic
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def sh(cluster_env, home):
    """Run a bash command on a login shell of the platform; fail with its output if it fails."""
    def run(command: str, ok: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        result = cluster_env.run(command, home, timeout=timeout)
        if ok and result.returncode:
            pytest.fail(f"{command!r} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result
    return run


def write_job(home: Path, name: str, body: str) -> Path:
    script = home / name
    script.write_text("#!/bin/bash\n" + body)
    return script


def test_default_partition_is_up_and_idle(sh):
    """Up, the default (*), and idle when no job runs; other sessions sharing the cluster may have
    jobs running (queued before or after sinfo looked), and then its nodes are in several states,
    a line each."""
    out = sh(f"squeue -h -o %i; echo --; sinfo -h -p {PARTITION} -o '%P %a %T'; echo --; squeue -h -o %i").stdout
    before, states, after = out.split("--\n")
    expected = {"idle"} if not (before + after).split() else {"idle", "mixed", "allocated", "completing"}
    lines = [line.split() for line in states.splitlines()]
    assert lines and all((name, avail) == (f"{PARTITION}*", "up") for name, avail, _ in lines), states
    assert {state for _, _, state in lines} <= expected, states


def test_preemptible_partitions_grace_time_is_the_stand_ins(sh):
    """The grace time is the stand-in's shorter one (standin.toml [slurm]); the pages state the
    platform's. The other partitions give their jobs none: they are not preempted."""
    for partition in PLATFORM.partitions:
        out = sh(f"scontrol show partition {partition.name}").stdout
        stand_ins = RECIPE.data["slurm"]["grace_seconds"]
        grace = min(partition.preemption.grace_seconds, stand_ins) if partition.preemption else 0
        assert f"GraceTime={grace} " in out and "PreemptMode=REQUEUE" in out, out


def test_the_gpu_nodes_gpus_are_scheduled(sh):
    """--gpus-per-node and --gres=gpu get GPUs of the platform's type, CUDA_VISIBLE_DEVICES says
    which; more GPUs than the node has are refused."""
    gpu = next(group for group in PLATFORM.groups_of(PARTITION) if group.gpus)  # the default partition's
    out = sh(f"srun -t 1 --gpus-per-node={gpu.gpus.type}:{gpu.gpus.count} printenv CUDA_VISIBLE_DEVICES; "
             "srun -t 1 --gres=gpu bash -c 'hostname; printenv CUDA_VISIBLE_DEVICES'").stdout.split()
    assert out == [",".join(map(str, range(gpu.gpus.count))), PLATFORM.node_host(gpu.names[0]), "0"], out
    refused = sh(f"srun -t 1 --gpus-per-node={gpu.gpus.count + 1} true 2>&1", ok=False)
    assert refused.returncode and "Requested node configuration is not available" in refused.stdout


def test_prompt_and_hostname_are_the_login_nodes(sh):
    """The machine keeps its own name (Slurm's node); the shell shows the platform's login node."""
    out = sh('cd "$HOME"; echo "${PS1@P}|$HOSTNAME|$(printenv HOSTNAME)|"').stdout
    assert re.fullmatch(rf"\[\w+@{HOST} ~\][$#] \|{HOST}\|\|\n", out), out


def test_login_modules_say_what_stands_in(sh):
    """Each module of the login's `module list` says in its help what stands in for it, and no
    error of a probe (the Slurm commands' without their configuration) is taken for an answer."""
    for entry in PLATFORM.login.modules:
        text = sh(f"module help {entry} 2>&1").stdout
        assert "Stand-in: " in text, f"module help {entry}:\n{text}"
        assert "error" not in text.lower(), f"module help {entry}:\n{text}"


def test_symengine_module_gives_the_pypi_package_to_a_venv(sh):
    out = sh(f"module load python/3.11.5 symengine/{SYMENGINE} && virtualenv -q --no-download "
             "$HOME/venv/sym && . $HOME/venv/sym/bin/activate && "
             "python -c 'import symengine; print(symengine.__version__)'").stdout
    assert out.split() == [SYMENGINE]


def test_module_avail_python_is_the_seeds(sh):
    out = sh("module avail python 2>&1").stdout
    assert out.startswith("\n" + SEED_AVAIL_PYTHON + "\n")


def test_module_avail_scipy_stack_marks_default(sh):
    out = sh("module avail scipy-stack 2>&1").stdout
    labels = re.findall(r"scipy-stack/(\S+) +\(([\w,]+)\)", out)
    scipy_stack = PLATFORM.modules["scipy-stack"]
    assert sorted(labels) == [(v, "math,D" if v == scipy_stack.default else "math") for v in scipy_stack.versions]


def test_python_module_gives_its_own_interpreter(sh, home):
    out = sh("module load python/3.11.5 && command -v python pip virtualenv && "
             "python -c 'import sys; print(sys.prefix)' && echo $PIP_REQUIRE_VIRTUALENV").stdout.split()
    root = out[3]
    assert all(Path(p).parent == Path(root) / "bin" for p in out[:3])
    assert not root.startswith(("/usr", "/root/.pyenv")) and out[4] == "true"


def test_python_modules_have_their_own_c_headers(sh):
    """Build back ends look for Python.h where the interpreter's sysconfig says: in its own prefix."""
    for version in PLATFORM.modules["python"].versions:
        root, include = sh(f"module load python/{version} && echo $EBROOTPYTHON && python -c "
                           "\"import sysconfig; print(sysconfig.get_paths()['include'])\"").stdout.split()
        assert Path(include).parent == Path(root) / "include" and (Path(include) / "Python.h").is_file()


def test_module_help_tells_which_interpreter_stands_in(sh):
    for version in PLATFORM.modules["python"].versions:
        root = sh(f"module load python/{version} && echo $EBROOTPYTHON").stdout.strip()
        host = json.loads((Path(root) / "standin.json").read_text())["host_version"]
        text = sh(f"module help python/{version} 2>&1").stdout
        assert (f"Python {host} " in text and "stands in" in text) if host != version \
            else f"Interpreter: Python {version}." in text


def test_venv_installs_qutip_from_the_wheelhouse(sh, home):
    """Without scipy-stack, as source/howto/compute-node.rst does: pip brings NumPy and SciPy, and
    qutip imports (compiled against NumPy 1, it takes the guide's NumPy 1)."""
    qutip = PLATFORM.packages["qutip"].version
    numpy = next(r for r in RECIPE.requirements if r.startswith("numpy==")).split("==")[1]
    out = sh("module load python/3.11.5 && virtualenv --no-download $HOME/venv/x && "
             f". $HOME/venv/x/bin/activate && pip install --no-index qutip=={qutip} && "
             "python -c 'import qutip, numpy; print(qutip.__version__, numpy.__version__)'").stdout
    assert out.split()[-2:] == [qutip, numpy]


def test_scipy_stack_versions_hold_their_builds_numpy(sh):
    """standin.toml's builds: the versions a build lists get its NumPy, and `module help` says so."""
    for version in PLATFORM.modules["scipy-stack"].versions:
        numpy = next(r for r in RECIPE.package_requirements("scipy-stack", version) if r.startswith("numpy=="))
        out = sh(f"module load python/3.11.5 scipy-stack/{version} && "
                 "python -c 'import numpy; print(numpy.__version__)'").stdout
        assert out.split() == [numpy.split("==")[1]], version
        if RECIPE.build_of("scipy-stack", version)[0]:
            assert "may hold another NumPy" in sh(f"module help scipy-stack/{version} 2>&1").stdout


def test_quspin_installs_over_the_numpy2_scipy_stack(sh, home):
    """The QuSpin page's modules loaded, an unpinned `pip install quspin` takes the page's version
    from the wheelhouse, and its NumPy 2 stays the scipy-stack module's (on PYTHONPATH): no copy
    of it in the virtual environment."""
    quspin = PLATFORM.packages["quspin"]
    stack = next(entry for entry in quspin.modules if entry.startswith("scipy-stack/"))
    numpy = next(r for r in RECIPE.package_requirements("scipy-stack", stack.partition("/")[2])
                 if r.startswith("numpy=="))
    out = sh(f"module load {' '.join(quspin.modules)} && virtualenv -q --no-download $HOME/venv/q && "
             ". $HOME/venv/q/bin/activate && pip install -q --no-index quspin && "
             "python -c 'import importlib.metadata as m, sys, quspin, numpy; "
             "print(m.version(\"quspin\"), numpy.__version__, numpy.__file__.startswith(sys.prefix))'").stdout
    assert out.split()[-3:] == [quspin.version, numpy.split("==")[1], "False"], out


def test_pip_outside_a_venv_fails_as_on_the_platform(sh):
    result = sh("module load python/3.11.5 && pip install --no-index numpy", ok=False)
    assert result.returncode != 0
    assert "ERROR: Could not find an activated virtualenv (required)." in result.stderr


def test_scipy_stack_is_seen_by_a_venv_made_after_loading_it(sh):
    out = sh("module load python/3.12.4 scipy-stack/2024b && virtualenv -q --no-download $HOME/venv/s && "
             ". $HOME/venv/s/bin/activate && python -c 'import numpy, scipy, pandas, matplotlib, dask; "
             "print(numpy.__version__)'").stdout
    assert out.split() == ["1.26.4"]


def test_scipy_stack_needs_a_python_module(sh):
    result = sh("module purge; module load scipy-stack 2>&1", ok=False)
    assert "needs a python module" in result.stdout


def test_avail_wheels_qiskit_is_the_seeds(sh):
    assert sh("module load python/3.11.5 && avail_wheels qiskit").stdout == SEED_AVAIL_QISKIT


def test_avail_wheels_filters_by_python(sh):
    out = sh("avail_wheels numpy qutip -p 3.10").stdout.split("\n")[2:]
    assert [line.split()[2] for line in out if line] == ["cp310", "cp310"]


def test_mpi4py_from_pip_says_to_load_the_module(sh):
    result = sh("module load python/3.11.5 && virtualenv -q --no-download $HOME/venv/m && "
                ". $HOME/venv/m/bin/activate && pip install --no-index mpi4py", ok=False)
    assert result.returncode != 0 and "module load mpi4py" in result.stdout + result.stderr


def test_sbatch_job_sees_one_core_and_its_tmpdir(sh, home):
    write_job(home, "one.sh", "#SBATCH --cpus-per-task=1\n#SBATCH --output=one.out\n"
              "python3 -c 'import os; print(len(os.sched_getaffinity(0)))'\n"
              "test -d \"$SLURM_TMPDIR\" && echo \"TMP $SLURM_TMPDIR\"\n")
    sh("sbatch --wait one.sh")
    cores, tmp = (home / "one.out").read_text().split("\n")[:2]
    assert cores == "1" and tmp.startswith("TMP /")
    assert not Path(tmp.split()[1]).exists(), "SLURM_TMPDIR outlived the job"


def test_sbatch_wait_returns_the_jobs_exit_code(sh, home):
    write_job(home, "fail.sh", "#SBATCH --output=/dev/null\nexit 3\n")
    assert sh("sbatch --wait fail.sh", ok=False).returncode == 3


@pytest.mark.parametrize("request_, message", [
    ("--cpus-per-task=9999", "More processors requested than permitted"),
    ("--mem=100T", "Requested node configuration is not available"),
    (f"--time={MAX_DAYS + 1}-00:00:00", "Requested time limit is invalid"),
    ("--partition=nowhere", "invalid partition specified"),
])
def test_bad_requests_get_slurms_own_error(sh, home, request_, message):
    write_job(home, "bad.sh", "true\n")
    result = sh(f"sbatch {request_} bad.sh", ok=False)
    assert result.returncode != 0 and message in result.stderr


def test_mpi4py_ranks_under_srun(sh, home):
    (home / "hello.py").write_text("from mpi4py import MPI\nc = MPI.COMM_WORLD\n"
                                   "print(f'rank {c.Get_rank()} of {c.Get_size()}')\n")
    out = sh("module load python/3.11.5 mpi4py && "
             "salloc --ntasks=2 --time=00:05:00 srun python hello.py 2>&1").stdout
    assert sorted(re.findall(r"rank \d of \d", out)) == ["rank 0 of 2", "rank 1 of 2"]


def test_salloc_opens_a_shell_in_the_allocation(cluster_env, home):
    """Driven from a pty, as the docs harness does: the shell runs on the allocated core only."""
    pid, fd = pty.fork()
    if pid == 0:
        env = cluster_env.environ(home, PS1="$ ")
        os.chdir(home)
        os.execvpe("salloc", ["salloc", "--cpus-per-task=1", "--time=00:05:00"], env)
    os.write(fd, b"echo CORES=$(nproc) TMP=${SLURM_TMPDIR:+yes} JOB=$SLURM_JOB_ID; exit\n")
    out, deadline = b"", time.monotonic() + 60
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 1)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    os.waitpid(pid, 0)
    assert re.search(rb"CORES=1 TMP=yes JOB=\d+", out), out.decode(errors="replace")


def test_accounting_records_the_job_for_sacct_and_seff(sh, home):
    write_job(home, "acct.sh", "#SBATCH --cpus-per-task=1 --mem=500M --output=/dev/null\nexit 0\n")
    job = sh("sbatch --parsable --wait acct.sh").stdout.strip()
    state = sh(f"{until_accounted(job)}; sacct -n -P -X -j {job} --format=State,ExitCode").stdout
    assert state.split() == ["COMPLETED|0:0"]
    report = sh(f"seff {job}").stdout
    assert f"Job ID: {job}\n" in report and "State: COMPLETED (exit code 0)" in report
    assert "Cores: 1\n" in report and "Memory Efficiency:" in report
    assert report.splitlines()[-1].endswith("of 500.00 MB (500.00 MB/node)"), report


@pytest.mark.parametrize("options, lines", [
    ("-c 2 --mem-per-cpu=256M", ["Nodes: 1", "Cores per node: 2", "of 512.00 MB (256.00 MB/core)"]),
    ("-c 2 --mem=1G", ["Nodes: 1", "Cores per node: 2", "of 1.00 GB (1.00 GB/node)"]),
    ("-c 1", ["Cores: 1", "(estimated maximum)", "(1.00 GB/core)"]),
])
def test_seff_prints_the_lines_of_the_platforms_seff(sh, home, options, lines):
    """As the platform's documentation shows seff (hpc-iq jobs.rst): a job of several cores says
    its nodes and cores per node, and the memory reserved its share per node or per core, as the
    job asked for it (the default memory is per core)."""
    job = sh(f"sbatch --parsable --wait {options} -t 5 -o /dev/null --wrap=true").stdout.strip()
    report = sh(f"{until_accounted(job)}; seff {job}").stdout
    for line in lines:
        assert line in report, report


def until_accounted(job: str) -> str:
    """Shell lines that wait for the accounting's whole record of an ended job. slurmctld hands a
    job's records to slurmdbd asynchronously: for a moment after its end, sacct knows its state but
    not yet what it asked for (ReqMem `16?`, no WorkDir), and seff would report on that."""
    return (f"for i in $(seq 120); do [ -n \"$(sacct -n -X -j {job} -o WorkDir -P)\" ] && "
            f"[ -n \"$(sacct -n -X -j {job} -o End -P | grep -v Unknown)\" ] && break; sleep 0.5; done")


def test_dask_jobqueue_workers_reach_a_scheduler_on_loopback(sh, home):
    (home / "dask_jobs.py").write_text(
        "from dask_jobqueue import SLURMCluster\nfrom dask.distributed import Client\n"
        f"cluster = SLURMCluster(cores=1, processes=1, memory='1GB', walltime='00:05:00', "
        f"queue='{PARTITION}', interface='lo')\n"
        "cluster.scale(jobs=2)\nclient = Client(cluster)\nclient.wait_for_workers(2, timeout=120)\n"
        "print('result', client.submit(sum, [1, 2, 3]).result())\nclient.close()\ncluster.close()\n")
    out = sh("module load python/3.11.5 && virtualenv -q --no-download $HOME/venv/dask && "
             ". $HOME/venv/dask/bin/activate && "
             "pip install -q --no-index dask distributed dask-jobqueue && python dask_jobs.py").stdout
    assert "result 6" in out
