"""A small platform of the tests' own: the sections every platform.toml has, and one partition of
two nodes unless a test gives its own partitions; a test adds what it is about. It names no
[sources], so its facts need no citation."""

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


BATCH = """\
[[partitions]]
name = "batch"
default = true
access = "everyone"
time_limit_days = 2

[[nodes]]
names = ["n01", "n02"]
partitions = ["batch"]
cores = 8
memory = "32G"
"""


@pytest.fixture
def write_platform(tmp_path, monkeypatch):
    """tmp_path/platform.toml of `SECTIONS`, `BATCH` unless `tables` has partitions, and `tables`,
    with `login` lines in [login] (`commands = ["sq"]`). Its recipe is the one beside it, not one
    that the outer run's HPC_STANDIN_RECIPE names."""
    monkeypatch.delenv("HPC_STANDIN_RECIPE", raising=False)

    def write(tables: str = "", *login: str) -> Path:
        path = tmp_path / "platform.toml"
        sections = SECTIONS.replace("[login]\n", "\n".join(["[login]", *login, ""]))
        partitions = "" if "[[partitions]]" in tables else BATCH
        path.write_text("\n".join([sections, partitions, tables]), encoding="utf-8")
        return path
    return write


@pytest.fixture
def make_platform(write_platform):
    """The Platform of `SECTIONS` and the test's own tables."""
    return lambda tables: hpc_platform.load(write_platform(tables))
