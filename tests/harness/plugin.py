"""pytest side of the harness: the per-page fixture, update mode, per-page counts, block coverage.

Loaded with `-p tests.harness.plugin` (pytest.ini), so fixture pages run through `pytester` get it too.
"""
from __future__ import annotations

import ctypes
import json
from concurrent.futures import ThreadPoolExecutor
import subprocess
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import psutil
import pytest

from .coverage import blocks_in_pages
from .evaluators import PAGE_FIXTURE
from .page import Page, Platform

PROPERTY = "harness_block"
ROOT = Path(__file__).resolve().parents[2]
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


def pytest_addoption(parser):
    group = parser.getgroup("harness", "executable pages")
    group.addoption(
        "--update-transcripts", action="store_true",
        help="rewrite the expected output of console transcripts and job outputs in the .rst pages "
             "from the real output, keeping `...` elisions",
    )
    group.addoption(
        "--platform", choices=("plain", "real", "standin"), default=None,
        help="where page shells run: plain bash (no cluster), the real platform (the login "
             "environment as it is); by default what tests/plugins/cluster.py decides "
             "(IQ_CLUSTER=real|standin), else the stand-in",
    )
    parser.addini("harness_pages", "folder of the Sphinx pages whose blocks must all run",
                  default="source")
    parser.addini("harness_job_grace", "seconds a page's jobs may run on after the page",
                  default="120")


def platform(request) -> Platform:
    """The stand-in (init lines from the `cluster_env` fixture of tests/plugins/cluster.py), the
    real platform (that fixture says so, or --platform=real), or plain bash (--platform=plain)."""
    choice = request.config.getoption("--platform")
    if choice == "plain":
        return Platform(setup=None, test_venv=sys.prefix if sys.prefix != sys.base_prefix else None)
    if choice == "real":
        return Platform(setup=None, inherit_environment=True)
    try:
        cluster = request.getfixturevalue("cluster_env")
    except pytest.FixtureLookupError:  # run without that plugin (fixture pages): `up` is idempotent
        script = ROOT / "scripts" / "cluster"
        subprocess.run([str(script), "up"], check=True)
        return Platform(setup=subprocess.run([str(script), "env"], check=True, text=True,
                                             capture_output=True).stdout)
    if not cluster.standin:
        return Platform(setup=None, inherit_environment=True)
    return Platform(setup=cluster.init)


@pytest.fixture(scope="module")
def harness_page(request, tmp_path_factory):
    """One per .rst page (sybil makes the page the module): shell, HOME, cleanup, update mode."""
    path = str(request.node.path)
    base = tmp_path_factory.mktemp(Path(path).stem)
    (base / "home").mkdir()
    (base / "scratch").mkdir()
    page = Page(path, base / "home", base / "scratch", platform(request),
                update=request.config.getoption("--update-transcripts"))
    me = psutil.Process()
    before = {child.pid for child in me.children(recursive=True)}
    # While the page runs, a process its shell started that outlives its parent (a daemon, a
    # `nohup ... &` left when the shell ends, a Pool worker of a killed program) is reparented to
    # this process instead of init, so that the check below still finds it among its children.
    subreaper(True)
    try:
        yield page
        problems = []
        left = page.close_and_cancel_jobs(float(request.config.getini("harness_job_grace")))
        if left:
            problems.append(f"jobs still queued or running after the page: {', '.join(left)} (cancelled)")
        leaked = leaked_processes(me, before)
    finally:
        subreaper(False)
    if leaked:
        problems.append("processes still running after the page (killed): " + "; ".join(leaked))
    if page.apply_updates():
        print(f"\nupdated expected output in {path}")
    if problems:
        pytest.fail(f"{path}: " + "\n".join(problems), pytrace=False)


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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    block = getattr(getattr(item, "example", None), "parsed", None)
    if call.when != "call" or not hasattr(block, "kind"):
        return
    report = outcome.get_result()
    record = {"page": str(item.example.path), "line": block.line, "kind": block.kind,
              "outcome": report.outcome}
    page = item.example.namespace.get(PAGE_FIXTURE)
    if block.kind == "python" and page is not None and block.line in page.pythons:
        record["python"] = page.pythons[block.line]  # which `python` ran it, for the summary
    report.user_properties.append((PROPERTY, json.dumps(record)))


class Tally:
    """Controller side: what ran, per page, and whether every parsed block ran."""

    def __init__(self, config):
        self.config = config
        self.records: list[dict] = []
        self.uncovered: list[str] = []
        self.coverage_note = ""

    def pytest_runtest_logreport(self, report):
        for name, value in report.user_properties:
            if name == PROPERTY:
                self.records.append(json.loads(value))

    def pytest_sessionstart(self, session):
        """Read the pages with Sphinx while the examples run (it takes seconds on a busy machine),
        and as they were when the examples were collected."""
        self.scope = coverage_scope(self.config)
        if self.scope is not None:
            self.reader = ThreadPoolExecutor(max_workers=1)
            self.parsed = self.reader.submit(blocks_in_pages, self.scope[0], ROOT)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session):
        parsed = getattr(self, "parsed", None)
        if parsed is not None:
            self.reader.shutdown(wait=False)
        if not self.records:
            return
        if parsed is None or session.shouldfail or session.shouldstop:
            self.coverage_note = "block coverage not checked: only part of the suite ran"
            return
        srcdir, pages = self.scope
        ran = {(record["page"], record["line"]) for record in self.records
               if record["outcome"] != "skipped"}
        for page, line in parsed.result():
            if any(Path(page).is_relative_to(p) for p in pages) and (page, line) not in ran:
                self.uncovered.append(f"{page}:{line}")
        if self.uncovered:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        if not self.records:
            return
        write = terminalreporter.write_line
        terminalreporter.section("code blocks run per page")
        per_page = defaultdict(lambda: defaultdict(int))
        pythons = defaultdict(dict)  # page -> what ran its python blocks, in order, once each
        for record in self.records:
            per_page[record["page"]][record["outcome"]] += 1
            if "python" in record:
                pythons[record["page"]][record["python"]] = None
        root = Path(self.config.rootpath)
        for page in sorted(per_page):
            counts = per_page[page]
            ran = counts["passed"] + counts["failed"]
            extra = ", ".join(f"{counts[o]} {o}" for o in ("failed", "skipped") if counts[o])
            ran_with = f"; python blocks run by {', '.join(pythons[page])}" if pythons[page] else ""
            write(f"{_relative(page, root)}: {ran} ran" + (f" ({extra})" if extra else "") + ran_with)
        if self.coverage_note:
            write(self.coverage_note)
        elif self.uncovered:
            terminalreporter.section("blocks no test executed", red=True)
            for where in self.uncovered:
                write(_relative(where, root))
        else:
            write("every code block of the pages ran")


def _relative(path: str, root: Path) -> str:
    return path[len(str(root)) + 1 :] if path.startswith(str(root) + os.sep) else path


def coverage_scope(config) -> tuple[Path, list[Path]] | None:
    """(Sphinx source folder, page paths the run covers), or None for a partial selection."""
    option = config.option
    if option.keyword or option.markexpr or getattr(option, "lf", False) \
            or getattr(option, "deselect", None) or any("::" in arg for arg in config.args):
        return None
    srcdir = (Path(config.rootpath) / config.getini("harness_pages")).resolve()
    invocation = Path(config.invocation_params.dir)
    pages = []
    for arg in config.args or [str(invocation)]:
        path = (invocation / arg).resolve()
        if path == srcdir or srcdir.is_relative_to(path):
            pages.append(srcdir)
        elif path.is_relative_to(srcdir):
            pages.append(path)
    return (srcdir, pages) if pages else None


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # xdist workers send reports; the controller tallies
        config.pluginmanager.register(Tally(config), "harness-tally")
