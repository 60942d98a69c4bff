"""The platform's login node on this machine: the shell lines that make a bash shell a login shell
of the platform (its module path and login modules, its prompt, its Slurm), and the commands its
[login] names."""

from __future__ import annotations

import os
import shlex
import sys

from hpc_platform import Platform

from . import tools
from .config import ClusterError, Paths, write_if_changed
from .recipe import Recipe
from .software import modules

LMOD_INIT = "/usr/share/lmod/lmod/init/bash"


def write_tools(paths: Paths, platform: Platform, sandboxes: list) -> None:
    """Commands of the platform's login node that Debian lacks: the stand-in's own tools, run by a
    sandbox interpreter, and the command that lists your own jobs, as the platform defines it."""
    # Any interpreter: the tools need only the stdlib. A site without python modules uses this one.
    python = shlex.quote(str(sandboxes[0].python if sandboxes else sys.executable))
    setup = {"avail_wheels": f': "${{WHEELHOUSE:={paths.wheelhouse}}}"; export WHEELHOUSE\n'}
    slurm, profile = platform.slurm, Recipe.of(platform).profile
    for tool in platform.login.commands:
        if tool == slurm.own_jobs_command and slurm.own_jobs:
            write_if_changed(paths.bin / tool, mode=0o755, text=(
                f"#!/bin/sh\n# {tool} of the platform: your own jobs.\n{slurm.own_jobs}\n"))
        elif tool in tools.STACK_TOOLS and tool not in profile.tools:
            raise ClusterError(f"{platform.path}: [login] commands names {tool!r}, which the stand-in has "
                               f"for a stack whose profile names it, not for profile {profile.name!r}")
        elif tool in tools.LOGIN_TOOLS:
            script = tools.script(tool)
            write_if_changed(paths.bin / tool, mode=0o755, text=(
                f"#!/bin/sh\n# {tool} of the stand-in platform (hpc_standin/tools/{script.name}).\n"
                f"{setup.get(tool, '')}exec {python} -I {shlex.quote(str(script))} \"$@\"\n"))
        else:
            raise ClusterError(f"{platform.path}: [login] commands names {tool!r}, which the stand-in cannot "
                               f"provide (it has {', '.join(tools.LOGIN_TOOLS)}, and [slurm] own_jobs_command)")


def env_lines(paths: Paths, platform: Platform) -> str:
    """Shell lines that make a bash shell a login shell of the platform (for `eval`)."""
    q = lambda p: shlex.quote(str(p))  # noqa: E731
    defaults = modules.login_loads(platform)
    return "\n".join([
        "# The host's pip settings (PIP_*, /etc/xdg/pip) are not the platform's.",
        "for _v in $(compgen -e PIP_); do unset \"$_v\"; done; unset _v",
        f"export XDG_CONFIG_DIRS={q(paths.state / 'xdg')}",
        f"export SLURM_CONF={q(paths.slurm_conf)}",
        f"export LMOD_RC={q(paths.lmod / 'lmodrc.lua')}",
        f"export LMOD_PACKAGE_PATH={q(paths.lmod)}",
        "# What `module reset` goes back to: the platform's login modules.",
        f"export LMOD_SYSTEM_DEFAULT_MODULES={q(':'.join(defaults))}",
        "# The platform's `module avail` layout: titled module trees, as wide as its pages show them.",
        f"export LMOD_AVAIL_STYLE=grouped:system LMOD_TERM_WIDTH={platform.login.module_avail_columns}",
        "# login(1) exports SHELL; bash only sets it. salloc's interactive step runs $SHELL and",
        "# fails with 'srun: fatal: No command given to execute' where it is missing (as under CI).",
        "export SHELL",
        "# login(1) and sshd set USER too; a shell started without it (a container, CI) would give",
        "# CCconfig's SCRATCH=/scratch/ and `sq` (squeue -u $USER) an empty user. Before the modules load.",
        "export USER=\"${USER:-$(id -un)}\"",
        "unset LOADEDMODULES _LMFILES_ __LMOD_REF_COUNT_MODULEPATH",
        f". {LMOD_INIT}",
        f"export MODULEPATH={q(':'.join(map(str, modules.login_modulepath(paths, platform))))}",
        f"export PATH={q(paths.bin)}:\"$PATH\"",
        *([f"module -q load {' '.join(map(q, defaults))}"] if defaults else []),
        "# The prompt and $HOSTNAME of the platform's login node, not this machine's name (which",
        "# Slurm, `hostname` and jobs still show). Shell variables, as bash sets them: not exported,",
        "# so that a shell on a node (salloc, a job) sets its own.",
        f"export -n HOSTNAME; HOSTNAME={q(platform.login.host)}",
        f"PS1={q(bash_prompt(platform))}",
        "# The stand-in's nodes reach each other on the machine's loopback only: dask-jobqueue's",
        "# scheduler and workers must not listen on the host's network.",
        "export DASK_JOBQUEUE__SLURM__INTERFACE=lo",
    ]) + "\n"


def bash_prompt(platform: Platform) -> str:
    """PS1 for the platform's prompt: bash fills in the user and the folder, the host is the
    platform's login node (\\u and \\W, as the platform's own PS1)."""
    return platform.login.prompt.replace("$", "\\$").format(user="\\u", host=platform.login.host, dir="\\W")


def shell(paths: Paths, platform: Platform) -> None:
    rc = paths.state / "etc" / "bashrc"
    rc.parent.mkdir(parents=True, exist_ok=True)
    rc.write_text(env_lines(paths, platform))
    os.execvp("bash", ["bash", "--noprofile", "--rcfile", str(rc), "-i"])
