"""The python-packages modules (scipy-stack, mpi4py...): their packages installed, for each python
module, in a prefix of their own that the module puts on PYTHONPATH."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..config import Paths, log
from ..recipe import Recipe
from .interpreters import Sandbox, pip_install
from .steps import stamp_matches, write_stamp


def stack_prefix(paths: Paths, name: str, module_version: str) -> Path:
    """Where a stack (scipy-stack, symengine-0.13.0) keeps its packages for one python module."""
    return paths.software / name / f"python-{module_version}"


def build_stack(paths: Paths, recipe: Recipe, sandbox: Sandbox, name: str, requirements: list) -> None:
    prefix = stack_prefix(paths, name, sandbox.module_version)
    stamp = prefix / ".stamp"
    inputs = {"requirements": requirements, "host": sandbox.host.version}
    if stamp_matches(stamp, inputs):
        return
    log(f"{name}: installing {' '.join(requirements)} for python/{sandbox.module_version}")
    shutil.rmtree(prefix, ignore_errors=True)
    pip_install(paths, recipe, sandbox, requirements, "--ignore-installed", "--prefix", prefix)
    write_stamp(stamp, inputs)
