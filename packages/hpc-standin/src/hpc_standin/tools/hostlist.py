"""Slurm's host lists ("cp[3702-3703,3705],gpu1") as names, for the tools that read scontrol's
output: `scontrol show hostnames` would cost a process per list in every task's prolog."""

from __future__ import annotations

import re


def hostnames(expression: str) -> list[str]:
    """Each name of a host list, in its order, with the numbers' leading zeros kept."""
    names = []
    for prefix, inside, plain in re.findall(r"([^,\[]*)\[([^\]]*)\]|([^,\[\]]+)", expression):
        if plain:
            names.append(plain)
            continue
        for part in inside.split(","):
            low, _, high = part.partition("-")
            names.extend(f"{prefix}{number:0{len(low)}d}" for number in range(int(low), int(high or low) + 1))
    return names
