"""scripts/cluster: up | down | status | env | shell for the stand-in platform (see issue 3)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time

import accounting
import catalog
import daemons
import software
from config import REPO, STANDIN, ClusterError, Paths, Platform, locked, log, write_if_changed

LMOD_INIT = "/usr/share/lmod/lmod/init/bash"
REQUIRED = {"munged": "munge", "slurmctld": "slurmctld", "slurmd": "slurmd", "sinfo": "slurm-client",
            "slurmdbd": "slurmdbd", "mariadbd": "mariadb-server", "runuser": "util-linux"}


def check_host() -> None:
    missing = sorted({pkg for tool, pkg in REQUIRED.items() if not any(
        os.access(os.path.join(d, tool), os.X_OK) for d in
        os.environ.get("PATH", "").split(":") + ["/usr/sbin", "/sbin"])})
    if not os.path.exists(LMOD_INIT):
        missing.append("lmod")
    if missing:
        raise ClusterError(f"missing Debian packages: {' '.join(missing)} "
                           f"(`make test` as root installs scripts/debian-packages.txt)")
    if os.geteuid() != 0:
        raise ClusterError("the stand-in's daemons run as root (munged as munge): run as root")


def up(paths: Paths) -> None:
    check_host()
    platform = Platform.load()
    started = time.monotonic()
    with locked(paths.state / ".lock"):
        sandboxes = software.build_all(paths, platform)
        catalog.write_catalog(paths, platform, sandboxes)
        write_tools(paths, sandboxes)
        if not all(d.pid() for d in daemons.daemons(paths)):
            daemons.stop_all(paths)  # a half-started instance: start it over from a clean slate
            _, mariadbd, slurmdbd = daemons.daemons(paths)[:3]
            daemons.write_slurm_config(paths, platform, accounting.write_slurmdbd_config(paths))
            daemons.start_munge(paths)
            accounting.forget_jobs(paths)
            accounting.start_mariadb(paths, mariadbd)
            accounting.start_slurmdbd(paths, slurmdbd)
            daemons.start_slurm(paths, platform)
    log(f"up in {time.monotonic() - started:.1f} s (state {paths.state})")


def write_tools(paths: Paths, sandboxes: list) -> None:
    """Commands of the platform's login node that Debian lacks, run by a sandbox interpreter."""
    python = shlex.quote(str(sandboxes[0].python))  # any: the tools need only the stdlib
    setup = {"avail_wheels": f': "${{WHEELHOUSE:={paths.wheelhouse}}}"; export WHEELHOUSE\n',
             "seff": ""}
    for tool, lines in setup.items():
        script = STANDIN / f"{tool}.py"
        write_if_changed(paths.bin / tool, mode=0o755, text=(
            f"#!/bin/sh\n# {tool} of the stand-in platform ({script.relative_to(REPO)}).\n"
            f"{lines}exec {python} -I {shlex.quote(str(script))} \"$@\"\n"))
    # The platform's `sq` lists your own jobs; a plain squeue underneath, as on the platform.
    write_if_changed(paths.bin / "sq", mode=0o755, text=(
        "#!/bin/sh\n# sq of the stand-in platform: your own jobs.\nexec squeue --me \"$@\"\n"))


def down(paths: Paths) -> None:
    with locked(paths.state / ".lock"):
        daemons.stop_all(paths)
    log("down")


def status(paths: Paths) -> int:
    running = 0
    for daemon in daemons.daemons(paths):
        pid = daemon.pid()
        running += bool(pid)
        print(f"{daemon.name:10} {'running, pid %d' % pid if pid else 'stopped'}")
    if running:
        print(f"node       {daemons.node_state(paths) or 'unreachable'}")
    return 0 if running == len(daemons.daemons(paths)) else 3


def env_lines(paths: Paths) -> str:
    """Shell lines that make a bash shell a login shell of the platform (for `eval`)."""
    q = lambda p: shlex.quote(str(p))  # noqa: E731
    platform = Platform.load()
    defaults = platform.default_modules
    return "\n".join([
        "# The host's pip settings (PIP_*, /etc/xdg/pip) are not the platform's.",
        "for _v in $(compgen -e PIP_); do unset \"$_v\"; done; unset _v",
        f"export XDG_CONFIG_DIRS={q(paths.state / 'xdg')}",
        f"export SLURM_CONF={q(paths.slurm_conf)}",
        f"export LMOD_RC={q(STANDIN / 'lmod' / 'lmodrc.lua')}",
        f"export LMOD_PACKAGE_PATH={q(STANDIN / 'lmod')}",
        "# What `module reset` goes back to: the platform's login modules.",
        f"export LMOD_SYSTEM_DEFAULT_MODULES={q(':'.join(defaults))}",
        "# The platform's `module avail` layout: titled module trees, 89 columns as in the seeds.",
        "export LMOD_AVAIL_STYLE=grouped:system LMOD_TERM_WIDTH=89",
        "# login(1) exports SHELL; bash only sets it. salloc's interactive step runs $SHELL and",
        "# fails with 'srun: fatal: No command given to execute' where it is missing (as under CI).",
        "export SHELL",
        "unset LOADEDMODULES _LMFILES_ __LMOD_REF_COUNT_MODULEPATH",
        f". {LMOD_INIT}",
        f"export MODULEPATH={q(paths.modules)}",
        f"export PATH={q(paths.bin)}:\"$PATH\"",
        f"module -q load {' '.join(map(q, defaults))}",
        "# The prompt and $HOSTNAME of the platform's login node, not this machine's name (which",
        "# Slurm, `hostname` and jobs still show). Shell variables, as bash sets them: not exported,",
        "# so that a shell on a node (salloc, a job) sets its own.",
        f"export -n HOSTNAME; HOSTNAME={q(platform.login_host)}",
        f"PS1='[\\u@'{q(platform.login_host)}' \\W]\\$ '",
        "# Where the platform's Dask config names its nodes' network, the stand-in's single node has",
        "# loopback only: dask-jobqueue's scheduler and workers must not listen on the host's network.",
        "export DASK_JOBQUEUE__SLURM__INTERFACE=lo",
    ]) + "\n"


def shell(paths: Paths) -> None:
    rc = paths.state / "etc" / "bashrc"
    rc.parent.mkdir(parents=True, exist_ok=True)
    rc.write_text(env_lines(paths))
    os.execvp("bash", ["bash", "--noprofile", "--rcfile", str(rc), "-i"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/cluster", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "env", "shell"])
    args = parser.parse_args(argv)
    paths = Paths.from_env()
    try:
        if args.command == "up":
            up(paths)
        elif args.command == "down":
            down(paths)
        elif args.command == "status":
            return status(paths)
        elif args.command == "env":
            sys.stdout.write(env_lines(paths))
        else:
            shell(paths)
    except ClusterError as error:
        print(f"scripts/cluster {args.command}: {error}", file=sys.stderr)
        return 1
    return 0
