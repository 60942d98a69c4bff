"""The processes a page leaves behind: found as the test process's orphans, and killed."""
from __future__ import annotations

import ctypes
import os
import time

import psutil

PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


def subreaper(on: bool) -> None:
    """prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants come to this process, not to init."""
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0):
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def leaked_processes(me: psutil.Process, before: set[int], grace: float = 10) -> list[str]:
    """The page's processes still alive `grace` seconds after its shell ended (killed), once the
    orphans that ended were reaped (they came to this process as their subreaper)."""
    deadline = time.monotonic() + grace
    while True:
        new = [child for child in me.children(recursive=True) if child.pid not in before]
        _reap(child for child in new if not _alive(child))
        new = [child for child in new if _alive(child)]
        if not new or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    described = []
    for child in new:
        described.append(f"{child.pid} {' '.join(_cmdline(child))[:120]}")
        try:
            child.kill()
        except psutil.Error:
            pass
    _reap(new)
    return described


def _reap(processes) -> None:
    """Collect the exit status of orphans of the page (this process's own subprocesses are
    waited for by their Popen)."""
    for process in processes:
        try:
            if process.ppid() == os.getpid():
                os.waitpid(process.pid, os.WNOHANG)
        except (psutil.Error, ChildProcessError):
            pass


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
