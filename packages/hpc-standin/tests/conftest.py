"""A small platform of the tests' own: the sections every platform.toml has; a test adds its
partitions, nodes and modules. It names no [sources], so its facts need no citation."""

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


@pytest.fixture
def write_platform(tmp_path):
    """tmp_path/platform.toml of `SECTIONS` and the test's own tables, with `login` lines in
    [login] (`commands = ["sq"]`)."""
    def write(tables: str, *login: str) -> Path:
        path = tmp_path / "platform.toml"
        sections = SECTIONS.replace("[login]\n", "\n".join(["[login]", *login, ""]))
        path.write_text(sections + "\n" + tables, encoding="utf-8")
        return path
    return write


@pytest.fixture
def make_platform(write_platform):
    """The Platform of `SECTIONS` and the test's own tables."""
    return lambda tables: hpc_platform.load(write_platform(tables))
