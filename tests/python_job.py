"""Run a bash body as a Slurm job on the platform, with Python, the scientific stack and
threadpoolctl, the way the guide's jobs get them: modules, then a venv in $SLURM_TMPDIR."""
from __future__ import annotations

from pathlib import Path

import pytest

PYTHON_SETUP = """\
module load python/3.11.5 scipy-stack/2024b
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
    result = cluster_env.run(f"sbatch --wait {script}", home, timeout=minutes * 60 + 60)
    text = output.read_text() if output.exists() else ""
    if result.returncode:
        pytest.fail(f"job {name} failed ({result.returncode}): {result.stdout}{result.stderr}\n"
                    f"its output:\n{text}")
    return text
