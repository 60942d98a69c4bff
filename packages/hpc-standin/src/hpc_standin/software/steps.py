"""What the build steps share: the commands they run, the stamps that let a later `up` skip a
step whose inputs have not changed, and where the wheels go."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from ..config import ClusterError, Paths
from ..recipe import Recipe

MODULE_WHEELS = "wheels-modules"  # under build/software: the wheels of stack modules, not pip's to find


def wheel_folder(paths: Paths, recipe: Recipe) -> Path:
    """Where `pip install --no-index` finds the wheelhouse's wheels, laid out as the recipe says."""
    return paths.wheelhouse / recipe.wheel_dir


def minor_of(version: str) -> str:
    return ".".join(version.split(".")[:2])


def run(command: list, **kwargs) -> None:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    if result.returncode:
        raise ClusterError(f"{' '.join(map(str, command))} failed ({result.returncode}):\n"
                           f"{result.stdout[-3000:]}{result.stderr[-3000:]}")


def stamp_matches(stamp: Path, inputs: object) -> bool:
    return stamp.exists() and stamp.read_text() == digest(inputs)


def write_stamp(stamp: Path, inputs: object) -> None:
    stamp.write_text(digest(inputs))


def digest(inputs: object) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
