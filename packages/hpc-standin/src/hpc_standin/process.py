"""What the stand-in's parts share about processes: the environment they are given, waiting for a
condition, and whether a process still runs."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path


def scrubbed(prefixes: tuple[str, ...], names: tuple[str, ...] = (), base: Mapping[str, str] | None = None,
             **extra: str) -> dict[str, str]:
    """`base` (this process's environment) without the variables of `prefixes` and `names`, then
    `extra`: the host's settings of a tool (PIP_*, SLURM_*) are not those of the platform's."""
    env = {key: value for key, value in (os.environ if base is None else base).items()
           if not key.startswith(prefixes) and key not in names}
    env.update(extra)
    return env


def hermetic_env(**extra: str) -> dict[str, str]:
    """The environment for pip runs that must ignore the host's pip settings (PIP_*, /etc/xdg/pip)
    and leave the user's HOME alone: pip would cache the wheels it builds in ~/.cache/pip."""
    return scrubbed(("PIP_", "PYTHON", "VIRTUAL_ENV"), PIP_CONFIG_FILE=os.devnull,
                    PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1", **extra)


def wait_until(condition: Callable[[], object], timeout: float, step: float = 0.1) -> bool:
    """Whether `condition` holds within `timeout` seconds, asked every `step`: daemons say they are
    ready by a file, a socket or an answer, not by a signal one could wait for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (a zombie has exited; its parent has yet to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
