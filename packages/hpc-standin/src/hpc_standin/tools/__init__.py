"""The stand-in's own commands, run as scripts by path with an interpreter's standard library only
(`python -I`): those of the platform's login node that Debian lacks (avail_wheels, seff, susage)
and the TaskProlog's pinning of a task to the machine's CPUs (bind_task)."""

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
LOGIN_TOOLS = ("avail_wheels", "seff", "susage")
# Those that read a stack's layout, which only the profiles that name them have (recipe.Profile.tools).
STACK_TOOLS = ("avail_wheels",)
BIND_TASK = FOLDER / "bind_task.py"


def script(tool: str) -> Path:
    return FOLDER / f"{tool}.py"
