"""hpc-standin [--platform FILE] up | down | status | env | shell: a stand-in of the platform that
FILE (default ./platform.toml, or $IQ_PLATFORM) describes, with real Slurm and real Lmod."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

import hpc_platform
from hpc_platform import Platform

from . import accounting, catalog, daemons, software
from .config import PACKAGE, ClusterError, Paths, locked, log, write_if_changed
from .nodes import Layout, layout_path, machine_cpus_path

LMOD_INIT = "/usr/share/lmod/lmod/init/bash"
HOSTS = Path("/etc/hosts")
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
                           f"(`make test` as root installs the site's Debian packages)")
    if os.geteuid() != 0:
        raise ClusterError("the stand-in's daemons run as root (munged as munge): run as root")


def up(paths: Paths, platform: Platform) -> None:
    check_host()
    started = time.monotonic()
    with locked(paths.lock):
        paths.state.mkdir(parents=True, exist_ok=True)
        paths.state.chmod(0o711)  # the daemons' users pass through it, whatever the umask
        hosts_seen = paths.state / "host-etc-hosts.sha256"
        if not hosts_seen.exists():
            hosts_seen.write_text(hosts_digest())
        check_started_from(paths, platform)
        write_module_tree(paths, platform)
        if services_up(paths) and not is_up(paths):
            daemons.start_slurm(paths)  # a node whose slurmd died: it comes back, its jobs as Slurm decided
        elif not is_up(paths):
            daemons.stop_all(paths)  # a half-started instance: start it over from a clean slate
            found = daemons.daemons(paths)
            daemons.write_slurm_config(paths, platform, accounting.write_slurmdbd_config(paths))
            daemons.start_munge(paths)
            accounting.forget_jobs(paths)
            accounting.start_mariadb(paths, found.mariadbd)
            accounting.start_slurmdbd(paths, found.slurmdbd, platform.slurm.cluster_name)
            accounting.register_accounts(paths, platform)
            daemons.start_slurm(paths)
            started_from(paths).write_text(origin(platform))
    log(f"up in {time.monotonic() - started:.1f} s (state {paths.state})")


def started_from(paths: Paths) -> Path:
    return paths.state / "started-from.sha256"


def origin(platform: Platform) -> str:
    """A digest of what an instance's configuration comes from: the platform file and this
    package's code and templates."""
    digest = hashlib.sha256(platform.path.read_bytes())
    for path in sorted(p for p in Path(__file__).parent.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(Path(__file__).parent).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def check_started_from(paths: Paths, platform: Platform) -> None:
    """A running instance keeps the configuration it started with: one started from another
    platform.toml or other code would answer for what they were, not for what they are now."""
    if not services_up(paths):
        return
    recorded = started_from(paths).read_text() if started_from(paths).exists() else ""
    if recorded != origin(platform):
        raise ClusterError(
            f"the instance running in {paths.state} was started from another {platform.path.name} or "
            "another version of the stand-in: stop it with `hpc-standin down` (once the test sessions "
            "using it have ended), then start it again")


def write_module_tree(paths: Paths, platform: Platform) -> None:
    """The software (built once), the module tree over it and the login node's tools."""
    sandboxes = software.build_all(paths, platform)
    catalog.write_catalog(paths, platform, sandboxes)
    write_tools(paths, platform, sandboxes)


# The stand-in's own tools, written from the platform's description of them: the login
# environment has those its platform.toml [login] commands names.
TOOLS = {"avail_wheels", "seff", "susage"}


def write_tools(paths: Paths, platform: Platform, sandboxes: list) -> None:
    """Commands of the platform's login node that Debian lacks: the stand-in's own tools, run by a
    sandbox interpreter, and the command that lists your own jobs, as the platform defines it."""
    # Any interpreter: the tools need only the stdlib. A site without python modules uses this one.
    python = shlex.quote(str(sandboxes[0].python if sandboxes else sys.executable))
    setup = {"avail_wheels": f': "${{WHEELHOUSE:={paths.wheelhouse}}}"; export WHEELHOUSE\n'}
    slurm = platform.slurm
    for tool in platform.login.commands:
        if tool == slurm.own_jobs_command and slurm.own_jobs:
            write_if_changed(paths.bin / tool, mode=0o755, text=(
                f"#!/bin/sh\n# {tool} of the platform: your own jobs.\n{slurm.own_jobs}\n"))
        elif tool in TOOLS:
            script = PACKAGE / f"{tool}.py"
            write_if_changed(paths.bin / tool, mode=0o755, text=(
                f"#!/bin/sh\n# {tool} of the stand-in platform (hpc_standin/{script.name}).\n"
                f"{setup.get(tool, '')}exec {python} -I {shlex.quote(str(script))} \"$@\"\n"))
        else:
            raise ClusterError(f"{platform.path}: [login] commands names {tool!r}, which the stand-in cannot "
                               f"provide (it has {', '.join(sorted(TOOLS))}, and [slurm] own_jobs_command)")


def down(paths: Paths) -> None:
    """Stop the daemons, then remove the instance's state (the built software stays in the cache)."""
    if not paths.state.exists():
        log("down (no instance)")
        return
    with locked(paths.lock):
        daemons.stop_all(paths)
        hosts_seen = paths.state / "host-etc-hosts.sha256"
        changed = hosts_seen.exists() and hosts_seen.read_text() != hosts_digest()
        shutil.rmtree(paths.state)
        paths.lock.unlink()  # nothing of the instance is left; an `up` waiting for it starts afresh
    if changed:
        raise ClusterError(f"{HOSTS} changed while the instance ran: the nodes' names belong in "
                           f"their own copy, bind-mounted in their namespaces (hpc_standin.nodes)")
    log("down")


def hosts_digest() -> str:
    """The host's /etc/hosts, which the nodes' private copy must leave as it was."""
    return hashlib.sha256(HOSTS.read_bytes()).hexdigest()


def is_up(paths: Paths) -> bool:
    return all(daemon.pid() for daemon in daemons.daemons(paths).in_start_order)


def services_up(paths: Paths) -> bool:
    """Everything but the nodes runs: munged, the accounting, the controller."""
    return all(daemon.pid() for daemon in daemons.daemons(paths).services)


def status(paths: Paths) -> int:
    running, found = 0, daemons.daemons(paths).in_start_order
    for daemon in found:
        pid = daemon.pid()
        running += bool(pid)
        print(f"{daemon.name:14} {f'running, pid {pid}' if pid else 'stopped'}")
    if running:
        print(f"{'nodes':14} {daemons.node_state(paths) or 'unreachable'}")
        layout = Layout.load(layout_path(paths))
        if layout:
            shares = json.loads(machine_cpus_path(paths).read_text())
            print(f"{'layout':14} {layout_summary(layout, shares)}")
    return 0 if running == len(found) else 3


def layout_summary(layout: Layout, shares: dict[str, list[int]]) -> str:
    """The nodes as Slurm sees them, then the machine's CPUs their jobs run on (as `up` shared
    them out, which the TaskProlog reads)."""
    nodes = ", ".join(f"{node.name} ({node.cores} cores, {node.memory_mb // 1024} GB)" for node in layout.nodes)
    if not layout.isolated:
        return f"{layout.limitation}; {nodes}"
    cpus = sorted(set().union(*shares.values()))
    if all(share == cpus for share in shares.values()):
        summary = f"{nodes}: their jobs share this machine's {len(cpus)} CPUs (fewer CPUs than nodes)"
    else:
        share = len(shares[layout.nodes[0].name])
        summary = f"{nodes}: each node's jobs run on {share} of this machine's CPUs, its own"
    memory = f"{layout.limitation}" if layout.limitation else "jobs' memory in cgroups, as on the platform"
    return f"{summary}; {memory}"


def env_lines(paths: Paths, platform: Platform) -> str:
    """Shell lines that make a bash shell a login shell of the platform (for `eval`)."""
    q = lambda p: shlex.quote(str(p))  # noqa: E731
    defaults = catalog.login_loads(platform)
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
        f"export MODULEPATH={q(':'.join(map(str, catalog.login_modulepath(paths, platform))))}",
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


def platform_file(given: str | None) -> Path:
    return Path(given or os.environ.get("IQ_PLATFORM") or "platform.toml").resolve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hpc-standin", description=__doc__)
    parser.add_argument("--platform", metavar="FILE", help="the site's platform.toml "
                        "(default: $IQ_PLATFORM, else ./platform.toml)")
    parser.add_argument("command", choices=["up", "down", "status", "env", "shell", "catalog"],
                        help="catalog: write the module tree only (no daemons, no root)")
    args = parser.parse_args(argv)
    try:
        path = platform_file(args.platform)
        platform = hpc_platform.load(path)
        paths = Paths.for_site(path)
        if args.command == "up":
            up(paths, platform)
        elif args.command == "down":
            down(paths)
        elif args.command == "status":
            return status(paths)
        elif args.command == "env":
            sys.stdout.write(env_lines(paths, platform))
        elif args.command == "catalog":
            write_module_tree(paths, platform)
        else:
            shell(paths, platform)
    except (ClusterError, hpc_platform.PlatformError) as error:
        print(f"hpc-standin {args.command}: {error}", file=sys.stderr)
        return 1
    return 0
