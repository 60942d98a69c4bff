"""A small platform of the tests' own: the sections every platform.toml has, each fact assumed;
a test adds its partitions, nodes and modules."""

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
assumed.names = "the test's own"

[login]
host = "login1"
user = "alice"
prompt = "[{user}@{host} {dir}]$ "
module_avail_columns = 80
assumed.host = "the test's own"
assumed.user = "the test's own"
assumed.prompt = "the test's own"
assumed.module_avail_columns = "the test's own"

[slurm]
cluster_name = "lab"
assumed.cluster_name = "the test's own"
"""


@pytest.fixture
def write_platform(tmp_path):
    """tmp_path/platform.toml of `SECTIONS` and the test's own tables."""
    def write(tables: str) -> Path:
        path = tmp_path / "platform.toml"
        path.write_text(SECTIONS + "\n" + tables, encoding="utf-8")
        return path
    return write


@pytest.fixture
def make_platform(write_platform):
    """The Platform of `SECTIONS` and the test's own tables."""
    return lambda tables: hpc_platform.load(write_platform(tables))
