"""hpc-standin [--platform FILE] up | down | status | env | shell | catalog: a stand-in of the
platform that FILE (default $HPC_STANDIN_PLATFORM, else ./platform.toml) describes, with real Slurm
and real Lmod."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import hpc_platform

from . import login
from .config import ClusterError, Paths
from .instance import Instance


def platform_file(given: str | None) -> Path:
    return Path(given or os.environ.get("HPC_STANDIN_PLATFORM") or "platform.toml").resolve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hpc-standin", description=__doc__)
    parser.add_argument("--platform", metavar="FILE", help="the site's platform.toml "
                        "(default: $HPC_STANDIN_PLATFORM, else ./platform.toml)")
    parser.add_argument("command", choices=["up", "down", "status", "env", "shell", "catalog"],
                        help="catalog: write the module tree only (no daemons, no root)")
    args = parser.parse_args(argv)
    try:
        path = platform_file(args.platform)
        platform = hpc_platform.load(path)
        paths = Paths.for_site(path)
        instance = Instance(paths, platform)
        if args.command == "up":
            instance.up()
        elif args.command == "down":
            instance.down()
        elif args.command == "status":
            return instance.status()
        elif args.command == "env":
            sys.stdout.write(login.env_lines(paths, platform))
        elif args.command == "catalog":
            instance.write_software()
        else:
            login.shell(paths, platform)
    except (ClusterError, hpc_platform.PlatformError) as error:
        print(f"hpc-standin {args.command}: {error}", file=sys.stderr)
        return 1
    return 0
