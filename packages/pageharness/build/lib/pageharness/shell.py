"""One persistent bash per page, on a pseudo-terminal, like a reader's terminal.

A pty (not pipes) because `salloc` starts an interactive shell in the allocation and `srun --pty`
needs a terminal. The end of a command is found through PROMPT_COMMAND, which bash runs before every
prompt: it prints a marker with the exit status, the active venv and the working directory. It is
exported, so the shell that `salloc` opens prints the same marker, and it resets PS1/PS2, echo and
line editing there too (that shell reads the system bashrc, which sets its own prompt).
"""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from dataclasses import dataclass

from .transcript import clean

# The marker is built by printf from octal escapes, so the text of PROMPT_COMMAND (visible in
# `env` or `set` output) never contains the marker itself.
PROMPT_COMMAND = (
    "_harness_status=$?; PS1=; PS2=; set +o emacs +o vi 2>/dev/null; stty -echo -onlcr 2>/dev/null; "
    "printf '\\036\\037%s\\037%s\\037%s\\037\\036\\n' \"$_harness_status\" \"${VIRTUAL_ENV:-}\" \"$PWD\""
)
MARKER = re.compile(rb"\x1e\x1f(\d+)\x1f([^\x1f]*)\x1f([^\x1f]*)\x1f\x1e\r?\n")
# A shell that still uses readline (the one salloc opens) wraps each accepted line in bracketed-paste
# switches and ends it with its own newline before the command's output starts.
READLINE_ACCEPT = re.compile(rb"^(?:(?:\x1b\[\?2004[hl])+\r?\n)+")


class ShellError(RuntimeError):
    """The page's shell died or a command did not finish in time."""


@dataclass
class Result:
    output: str  # as a reader sees it (ANSI and CR removed)
    status: int
    venv: str  # $VIRTUAL_ENV after the command, "" if none
    cwd: str  # $PWD after the command


class PageShell:
    """An interactive bash: `run` one command at a time, state carries over between commands."""

    def __init__(self, home: str, env: dict[str, str], timeout: float = 60, *, columns: int = 100,
                 rows: int = 50):
        self.home = home
        # no pager: `module avail` and friends would wait for a key press on a terminal
        env = dict(env, HOME=home, PROMPT_COMMAND=PROMPT_COMMAND, HISTFILE="", TERM="xterm",
                   PAGER="cat", LMOD_PAGER="None")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: become the reader's shell
            try:
                os.chdir(home)
                os.execvpe("bash", ["bash", "--noprofile", "--norc", "--noediting", "-i"], env)
            finally:
                os._exit(127)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self._buffer = b""
        self.state = self._wait(timeout, "starting bash")

    def run(self, command: str, timeout: float = 300) -> Result:
        """Type `command` (may span lines) and wait for the next prompt."""
        if self.pid is None:
            raise ShellError("the page's shell is gone (an earlier command ended it)")
        os.write(self.fd, command.encode() + b"\n")
        self.state = self._wait(timeout, command)
        return self.state

    def _wait(self, timeout: float, command: str) -> Result:
        deadline = time.monotonic() + timeout
        while True:
            match = MARKER.search(self._buffer)
            if match:
                raw, self._buffer = self._buffer[: match.start()], self._buffer[match.end() :]
                status, venv, cwd = (group.decode(errors="replace") for group in match.groups())
                text = clean(READLINE_ACCEPT.sub(b"", raw).decode(errors="replace"))
                return Result(text, int(status), venv, cwd)
            left = deadline - time.monotonic()
            if left <= 0:
                partial = clean(self._buffer.decode(errors="replace"))
                self._interrupt()
                raise ShellError(f"no prompt after {timeout:.0f} s; output so far:\n{partial}")
            ready, _, _ = select.select([self.fd], [], [], min(left, 1.0))
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    partial = clean(self._buffer.decode(errors="replace"))
                    self._reap()
                    raise ShellError(f"the page's shell exited during {command!r}; output:\n{partial}")
                self._buffer += chunk

    def _interrupt(self) -> None:
        """Ctrl-C as a reader would; if the shell does not come back, end it."""
        os.write(self.fd, b"\x03")
        try:
            # Generous: on a machine whose cores the stand-in's nodes share, bash may wait its turn.
            self._wait(30, "Ctrl-C")
        except ShellError:
            self.kill()

    def _reap(self) -> None:
        if self.pid is not None:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = None
            os.close(self.fd)

    def close(self) -> None:
        """End the shell and everything it started (an open salloc relinquishes its allocation)."""
        if self.pid is None:
            return
        exited = False
        try:
            os.write(self.fd, b"\x03")
            # exit nested shells (salloc) one by one so each gives back its allocation
            for _ in range(4):
                os.write(self.fd, b"exit\n")
                # A process the page left holds the terminal open: the shell's end, not the
                # terminal's, says when to stop.
                if exited := self._exits_within(2):
                    break
        except OSError:
            pass
        if not exited and not self._exits_within(10):
            self.kill()
            return
        self.pid = None
        os.close(self.fd)

    def _exits_within(self, seconds: float) -> bool:
        """Wait up to `seconds` for the shell to exit, reading what it prints meanwhile; True once
        it has (and is reaped); False as soon as a nested shell answers, to exit the next one."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return True
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    if os.read(self.fd, 65536):
                        return False
                except OSError:
                    pass
        return False

    def kill(self) -> None:
        """The shell and its foreground commands, at once (it leads its own session: pty.fork)."""
        if self.pid is None:
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        self.pid = None
        os.close(self.fd)
