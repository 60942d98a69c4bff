"""A small platform of the tests' own: the sections every platform.toml has; a test adds its
partitions, nodes and modules. Every fact is marked as the test's own (platform.toml asks each fact
for its source), so that the tests' tables say only what they are about."""

import re
from pathlib import Path

import hpc_platform
import pytest

SECTIONS = """\
[guide]
languages = { en = "English" }
titles = { en = "A lab's guide" }
columns = 100
rows = 50

[site]
names = { en = "Lab" }

[login]
host = "login1"
user = "alice"
prompt = "[{user}@{host} {dir}]$ "
module_avail_columns = 80

[slurm]
cluster_name = "lab"
"""


FACT = re.compile(r"^([A-Za-z_][\w-]*) = ")
# [guide] holds the guide's settings, not facts of the platform.
NOT_FACTS = {"[guide]"}


def assumed(tables: str) -> str:
    """`tables` with an `assumed.<key>` line after each table for each of its keys."""
    lines, table, keys = [], None, []

    def close() -> None:
        if table not in NOT_FACTS:
            lines.extend(f'assumed.{key} = "the test\'s own"' for key in keys)

    for line in tables.splitlines():
        if line.startswith("["):
            close()
            table, keys = line, []
            lines.append(line)
            continue
        if lines and not line.strip() and keys:
            close()
            keys = []
        fact = FACT.match(line)
        if fact:
            keys.append(fact.group(1))
        lines.append(line)
    close()
    return "\n".join(lines) + "\n"


@pytest.fixture
def write_platform(tmp_path):
    """tmp_path/platform.toml of `SECTIONS` and the test's own tables."""
    def write(tables: str) -> Path:
        path = tmp_path / "platform.toml"
        path.write_text(assumed(SECTIONS + "\n" + tables), encoding="utf-8")
        return path
    return write


@pytest.fixture
def make_platform(write_platform):
    """The Platform of `SECTIONS` and the test's own tables."""
    return lambda tables: hpc_platform.load(write_platform(tables))
