"""`make help` colours the target names on a terminal only: piped into a file or a CI log, it is
plain text."""
import os
import pty
import subprocess
from pathlib import Path

SITE = Path(__file__).resolve().parents[2]


def test_help_is_plain_when_piped_and_coloured_on_a_terminal():
    piped = subprocess.run(["make", "-s", "--no-print-directory", "help"], cwd=SITE, capture_output=True,
                           text=True, check=True).stdout
    assert "check-po" in piped and "\033[" not in piped
    main, secondary = pty.openpty()
    try:
        subprocess.run(["make", "-s", "--no-print-directory", "help"], cwd=SITE, stdout=secondary, check=True)
        os.close(secondary)
        shown = b""
        while chunk := _read(main):
            shown += chunk
    finally:
        os.close(main)
    assert b"\033[36mcheck-po" in shown


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal's other end is closed: all was read
        return b""
