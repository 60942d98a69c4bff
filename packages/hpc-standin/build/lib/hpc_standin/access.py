"""Who may use which partition on the stand-in: a Slurm account per group, as Slurm enforces it.

platform.toml says who may use a partition (everyone; the groups that own its nodes; the groups
that share one of its nodes) and who owns each node. The platform does not publish its accounts,
so the stand-in names one per owner from the site's recipe, [slurm] `owner_account` ("def-{surname}":
A. Blais's group is def-blais), and gives each restricted partition the accounts of its groups
(AllowAccounts). The reader's own account is platform.toml's [login] account, which no group's is:
the guide's reader is a member of no owner's group, and Slurm refuses their jobs on the others'
partitions with its own message. The user who runs the pages is associated with every account, so
that a page may show a member's job by submitting with that member's account (`member_account`).
"""
from __future__ import annotations

import re
import unicodedata

from hpc_platform import Partition, Platform

from .recipe import Recipe


def owner_account(platform: Platform, owner: str) -> str:
    """The account of an owner's group: "D. Sénéchal" -> def-senechal (with "def-{surname}")."""
    plain = unicodedata.normalize("NFKD", owner).encode("ascii", "ignore").decode()
    surname = re.sub(r"[^a-z0-9]", "", plain.split()[-1].lower())
    return Recipe.of(platform).owner_account.format(surname=surname)


def allowed_accounts(platform: Platform, partition: Partition) -> list[str] | None:
    """The accounts whose jobs may run in the partition; None: everyone's."""
    if partition.access == "everyone":
        return None
    owners = {owner for group in platform.groups_of(partition.name) for owner in group.owners}
    return sorted({owner_account(platform, owner) for owner in owners})


def accounts(platform: Platform) -> list[str]:
    """Every account of the stand-in: the reader's, then each restricted partition's."""
    found = [platform.login.account] if platform.login.account else []
    for partition in platform.partitions:
        found += [a for a in allowed_accounts(platform, partition) or () if a not in found]
    return found


def member_account(platform: Platform, partition: str) -> str | None:
    """An account that may use the partition: a member's, for a page that shows one's jobs."""
    allowed = allowed_accounts(platform, platform.partition(partition))
    return platform.login.account if allowed is None else allowed[0]


def owner_of(platform: Platform, node: str, preemptible: str) -> tuple[str, str] | None:
    """(partition, account) of a node's owner: the partition besides the preemptible one that holds
    the node, and an account it allows; what the harness submits as, to play the owner."""
    for partition in platform.owner_partitions(preemptible):
        if any(node in group.names for group in platform.groups_of(partition.name)):
            return partition.name, member_account(platform, partition.name)
    return None
