"""The home guard (tests/plugins/home_guard.py) fails a run that leaves something in HOME."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytest_plugins = ["pytester"]


@pytest.fixture
def fake_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return home


def run(pytester, body: str):
    pytester.makepyfile(test_it=f"from pathlib import Path\n\ndef test_it():\n    {body}\n")
    return pytester.runpytest_subprocess("-p", "tests.plugins.home_guard", "-p", "no:cacheprovider",
                                         "-n0", "-o", "addopts=")


def test_a_new_cache_folder_fails_the_run_and_is_named(pytester, fake_home):
    result = run(pytester, '(Path.home() / ".cache" / "sometool").mkdir()')
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*the tests wrote in the real HOME*~/.cache/sometool*"])


def test_a_run_that_keeps_out_of_home_passes(pytester, fake_home):
    assert run(pytester, "pass").ret == 0
