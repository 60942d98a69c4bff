"""The home guard (pageharness.home_guard, entry point `home-guard`) fails a run that leaves something in HOME."""


import pytest

pytest_plugins = ["pytester"]


@pytest.fixture
def fake_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    return home


def run(pytester, body: str, guarded: bool = True):
    pytester.makepyfile(test_it=f"from pathlib import Path\n\ndef test_it():\n    {body}\n")
    pytester.makeini(f"[pytest]\nhome_guard = {str(guarded).lower()}\n")
    return pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                         "-n0", "-o", "addopts=")


def test_a_new_cache_folder_fails_the_run_and_is_named(pytester, fake_home):
    result = run(pytester, '(Path.home() / ".cache" / "sometool").mkdir()')
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*the tests wrote in the real HOME*~/.cache/sometool*"])


def test_a_run_that_keeps_out_of_home_passes(pytester, fake_home):
    assert run(pytester, "pass").ret == 0


def test_a_run_that_did_not_ask_for_the_guard_is_left_alone(pytester, fake_home):
    result = run(pytester, '(Path.home() / ".cache" / "sometool").mkdir()', guarded=False)
    assert result.ret == 0, result.stdout.str()
