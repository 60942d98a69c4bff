"""avail_wheels' selection rules and table format, on a wheelhouse of empty files made here."""

from __future__ import annotations

import pytest
from hpc_standin.tools import avail_wheels

NAMES = ["qiskit-2.3.1-cp310-abi3-manylinux_2_17_x86_64.whl",
         "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl",
         "numpy-1.25.2-cp311-cp311-manylinux_2_17_x86_64.whl",
         "numpy-1.26.4-cp310-cp310-manylinux_2_17_x86_64.whl",
         "dask_jobqueue-0.9.0-py2.py3-none-any.whl"]


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "gentoo2023" / "generic"
    folder.mkdir(parents=True)
    for name in NAMES:
        (folder / name).touch()
    monkeypatch.setenv("WHEELHOUSE", str(tmp_path))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.setenv("EBVERSIONPYTHON", "3.11.5")

    def run(*args: str) -> list[list[str]]:
        status = avail_wheels.main(list(args))
        rows = [line.split() for line in capsys.readouterr().out.splitlines()[2:]]
        return rows if status == 0 else None
    return run


def test_abi3_wheel_shows_its_minimum_tag_for_a_newer_python(run):
    assert run("qiskit") == [["qiskit", "2.3.1", "cp310", "generic"]]


def test_latest_version_for_the_loaded_python_by_default(run):
    assert run("numpy") == [["numpy", "1.26.4", "cp311", "generic"]]


def test_all_versions_and_other_pythons(run):
    assert [r[1] for r in run("numpy", "--all-versions")] == ["1.26.4", "1.25.2"]
    assert run("numpy", "-p", "3.10") == [["numpy", "1.26.4", "cp310", "generic"]]
    assert len(run("numpy", "--all")) == 3


def test_version_patterns_and_globs(run):
    assert run("numpy<1.26", "--all-versions") == [["numpy", "1.25.2", "cp311", "generic"]]
    assert run("numpy==1.25") == [["numpy", "1.25.2", "cp311", "generic"]]
    assert run("dask*") == [["dask_jobqueue", "0.9.0", "py2,py3", "generic"]]
    assert run("nothing") is None


def test_requirement_file_and_columns(run, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pinned\nqiskit==2.3.1\n")
    assert run("-r", str(requirements), "--column", "name", "abi") == [["qiskit", "abi3"]]


def test_table_is_tabulate_simple():
    assert avail_wheels.table([["qiskit", "2.3.1"]], ["name", "version"]) == \
        "name    version\n------  ---------\nqiskit  2.3.1"
