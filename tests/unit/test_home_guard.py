"""The home guard (pageharness.home_guard, entry point `home-guard`) fails a run that leaves something in HOME."""


import pytest

pytest_plugins = ["pytester"]


@pytest.fixture
def fake_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    return home


def run(pytester, body: str):
    pytester.makepyfile(test_it=f"from pathlib import Path\n\ndef test_it():\n    {body}\n")
    return pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                         "-n0", "-o", "addopts=")


def test_a_new_cache_folder_fails_the_run_and_is_named(pytester, fake_home):
    result = run(pytester, '(Path.home() / ".cache" / "sometool").mkdir()')
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*the tests wrote in the real HOME*~/.cache/sometool*"])


def test_a_run_that_keeps_out_of_home_passes(pytester, fake_home):
    assert run(pytester, "pass").ret == 0
