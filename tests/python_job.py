"""Run a bash body as a Slurm job on the platform, with Python, the scientific stack and
threadpoolctl, the way the guide's jobs get them: the default modules, then a venv in $SLURM_TMPDIR."""
from __future__ import annotations

from pathlib import Path

import hpc_platform
import pytest
from hpc_platform.slurm import SlurmJobs, subprocess_runner

MODULES = hpc_platform.load(Path(__file__).resolve().parents[1] / "platform.toml").modules
PYTHON_SETUP = f"""\
module load python/{MODULES["python"].default} scipy-stack/{MODULES["scipy-stack"].default}
virtualenv --no-download -q $SLURM_TMPDIR/env
source $SLURM_TMPDIR/env/bin/activate
pip install --no-index -q threadpoolctl
"""


def run_python_job(cluster_env, home: Path, name: str, cpus: int, body: str,
                   minutes: int = 10) -> str:
    """Submit `body` after the Python setup with `--cpus-per-task=cpus`, wait, return its output
    file; fail the test with that output if the job fails."""
    script = home / f"{name}.sh"
    output = home / f"{name}.out"
    script.write_text(
        "#!/bin/bash\n"
        f"#SBATCH --job-name={name}\n"
        f"#SBATCH --cpus-per-task={cpus}\n"
        "#SBATCH --mem=2G\n"
        f"#SBATCH --time=00:{minutes:02d}:00\n"
        f"#SBATCH --output={output}\n"
        "set -e\n" + PYTHON_SETUP + body
    )
    slurm = SlurmJobs(subprocess_runner(cluster_env.environ(home), cwd=str(home)))
    job, sbatch = slurm.submit(str(script))
    if job is None:
        pytest.fail(f"sbatch refused job {name}: {sbatch}")
    end = slurm.wait(job, timeout=minutes * 60 + 60)
    text = output.read_text() if output.exists() else ""
    if end.status or end.timed_out:
        pytest.fail(f"job {name} ({job}) ended {end.state or 'unknown to Slurm'}, exit status {end.status}\n"
                    f"its output:\n{text}")
    return text
