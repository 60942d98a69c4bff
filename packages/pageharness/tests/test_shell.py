"""The page shell on plain bash: persistent state, exit status, continuations, nested shells."""
import pytest
from pageharness.login import ShellSetup
from pageharness.shell import PageShell, ShellError


@pytest.fixture
def shell(tmp_path):
    sh = PageShell(str(tmp_path), ShellSetup().environment())
    yield sh
    sh.close()


def test_state_carries_over_and_status_is_reported(shell, tmp_path):
    assert shell.run("export X=1; mkdir d && cd d").status == 0
    result = shell.run("echo $X; false")
    assert (result.output, result.status, result.cwd) == ("1\n", 1, str(tmp_path / "d"))


def test_home_is_the_temporary_folder(shell, tmp_path):
    assert shell.run("echo $HOME; pwd").output == f"{tmp_path}\n{tmp_path}\n"


def test_multiline_commands_print_only_their_output(shell):
    assert shell.run("cat <<EOF\nx\nEOF").output == "x\n"
    assert shell.run("for i in 1 2; do\necho $i\ndone").output == "1\n2\n"


def test_venv_is_reported(shell, tmp_path):
    shell.run("python3 -m venv --without-pip v && source v/bin/activate", timeout=120)
    assert shell.state.venv == str(tmp_path / "v")
    shell.run("deactivate")
    assert shell.state.venv == ""


def test_a_nested_interactive_shell_behaves_like_salloc(shell):
    shell.run("bash -i")  # what salloc opens; it reads the system bashrc and sets its own PS1
    inner = shell.run("echo inner; cat <<EOF\ny\nEOF")
    assert inner.output == "inner\ny\n"
    assert shell.run("exit 3").status == 3  # back in the outer shell, with the inner status
    assert shell.run("echo outer").output == "outer\n"


def test_timeout_interrupts_and_the_shell_survives(shell):
    with pytest.raises(ShellError, match="no prompt after 1 s"):
        shell.run("sleep 30", timeout=1)
    assert shell.run("echo alive").output == "alive\n"


def test_no_pager(shell):
    assert shell.run("echo $PAGER $LMOD_PAGER").output == "cat None\n"
