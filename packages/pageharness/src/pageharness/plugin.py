"""pytest side of the harness: collecting the pages, one Page per page, its end, the report.

Registered by the `pytest11` entry point `pageharness`, so a pytest run in this environment has it,
pytester's runs of fixture pages too. Configured by ini options:

- ``harness_pages``: the Sphinx source folder whose ``*.rst`` pages are collected, every code
  block a test (unset: no page is collected);
- ``harness_job_grace``: seconds a page's jobs may run on after the page (default 120);
- ``harness_process_grace``: seconds a process the page started may outlive its shell (default 10);
- the site's ``platform_file`` (read by hpc_platform's plugin): the prompt and the terminal.

Where the shells run is hpc_platform's `target_of` (``--platform``): ``plain`` (plain bash),
``real`` (the login environment as it is), else what a plugin's `pytest_pageharness_login` hook
returns (the stand-in's does), else plain bash; ``standin`` with no plugin to answer is an error.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import psutil
import pytest
from hpc_platform.pytest_plugin import platform_of, target_of
from sybil import Sybil

from . import hookspecs
from .blocks import PageParser
from .evaluators import PAGE_FIXTURE, evaluate
from .login import ShellSetup
from .page import Page
from .processes import leaked_processes, subreaper
from .tally import PROPERTY, Tally
from .transcript import Prompt

COLLECT = pytest.StashKey["Callable"]()  # sybil's pytest_collect_file for the pages
LOGIN = pytest.StashKey[ShellSetup]()
PAGE_PATTERNS = ["*.rst"]
PAGE_EXCLUDES = ["_build/*", "_templates/*"]


def pytest_addhooks(pluginmanager):
    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser):
    group = parser.getgroup("pageharness", "executable pages")
    group.addoption(
        "--update-transcripts", action="store_true",
        help="rewrite the expected output of console transcripts and job outputs in the .rst pages "
             "from the real output, keeping `...` elisions",
    )
    parser.addini("harness_pages", "folder of the .rst pages whose code blocks are tests (none if empty)",
                  type="string", default="")
    parser.addini("harness_job_grace", "seconds a page's jobs may run on after the page",
                  type="float", default=120.0)
    parser.addini("harness_record", "JSON file that keeps when each page's examples last ran, "
                  "where and with what outcome, for the site to show (none if empty)",
                  type="string", default="")
    parser.addini("harness_process_grace", "seconds a process the page started may outlive its shell",
                  type="float", default=10.0)


def pytest_configure(config):
    platform = platform_of(config)
    prompt = Prompt(platform.login.prompt, platform.prompt()) if platform else Prompt()
    if config.getini("harness_pages"):
        folder = Path(config.rootpath) / config.getini("harness_pages")
        config.stash[COLLECT] = Sybil(
            parsers=[PageParser(evaluate, prompt)], path=str(folder.resolve()),
            patterns=PAGE_PATTERNS, excludes=PAGE_EXCLUDES, fixtures=[PAGE_FIXTURE],
            teardown=end_of_page,
        ).pytest()
        if not hasattr(config, "workerinput"):  # xdist workers send reports; the controller tallies
            config.pluginmanager.register(Tally(config), "pageharness-tally")


def pytest_collect_file(file_path: Path, parent):
    collect = parent.config.stash.get(COLLECT, None)
    return collect(file_path, parent) if collect is not None else None


def login_of(config) -> ShellSetup:
    """How this process's page shells start: asked once, then kept."""
    if LOGIN not in config.stash:
        platform = platform_of(config)
        terminal = {"columns": platform.guide.columns, "rows": platform.guide.rows} if platform else {}
        target = target_of(config)
        if target == "plain":
            login = None
        elif target == "real":
            login = ShellSetup(inherit_environment=True, gpus=bool(platform) and platform.has_gpus,
                               name="platform")
        else:
            login = config.hook.pytest_pageharness_login(config=config)
            if login is None and target == "standin":
                raise pytest.UsageError("--platform=standin: no plugin gives a stand-in's shells "
                                        "(the hpc-standin plugin and ini platform_file do)")
        if login is None:
            login = ShellSetup(test_venv=sys.prefix if sys.prefix != sys.base_prefix else None)
        config.stash[LOGIN] = dataclasses.replace(login, **terminal)
    return config.stash[LOGIN]


@pytest.fixture(scope="module")
def harness_page(request, tmp_path_factory) -> Page:
    """One per .rst page (sybil makes the page the module): its folders and its shell's login.
    The page's end is `end_of_page`, sybil's teardown."""
    path = str(request.node.path)
    base = tmp_path_factory.mktemp(Path(path).stem)
    (base / "home").mkdir()
    (base / "scratch").mkdir()
    platform = platform_of(request.config)
    page = Page(path, base / "home", base / "scratch", login_of(request.config),
                update=request.config.getoption("--update-transcripts"),
                hosts=frozenset(platform.node_names + platform.node_hosts) if platform else frozenset(),
                job_grace=request.config.getini("harness_job_grace"),
                process_grace=request.config.getini("harness_process_grace"),
                processes_before={child.pid for child in psutil.Process().children(recursive=True)})
    # While the page runs, a process its shell started that outlives its parent (a daemon, a
    # `nohup ... &` left when the shell ends, a Pool worker of a killed program) is reparented to
    # this process instead of init, so that the end of the page still finds it among its children.
    subreaper(True)
    return page


def end_of_page(namespace: dict) -> None:
    """Sybil's teardown of a page: the shell ends, then no job and no process may be left."""
    page: Page | None = namespace.get(PAGE_FIXTURE)
    if page is None:  # no block of the page ran
        return
    problems = []
    try:
        left = page.close_and_cancel_jobs(page.job_grace)
        if left:
            problems.append(f"jobs still queued or running after the page: {', '.join(left)} (cancelled)")
        leaked = leaked_processes(psutil.Process(), page.processes_before, page.process_grace)
    finally:
        subreaper(False)
    if leaked:
        problems.append("processes still running after the page (killed): " + "; ".join(leaked))
    if page.apply_updates():
        print(f"\nupdated expected output in {page.path}")
    if problems:
        pytest.fail(f"{page.path}: " + "\n".join(problems), pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    block = getattr(getattr(item, "example", None), "parsed", None)
    if call.when != "call" or not hasattr(block, "kind"):
        return
    report = outcome.get_result()
    record = {"page": str(item.example.path), "line": block.line, "kind": block.kind,
              "outcome": report.outcome, "where": login_of(item.config).name}
    page = item.example.namespace.get(PAGE_FIXTURE)
    if block.kind == "python" and page is not None and block.line in page.pythons:
        record["python"] = page.pythons[block.line]  # which `python` ran it, for the summary
    if block.options.needs_gpu and report.outcome == "skipped":
        record["needs_gpu"] = block.options.needs_gpu  # listed apart, never counted as run
    if page is not None and block.line in page.preemptions:
        record["preemption"] = page.preemptions[block.line]
    report.user_properties.append((PROPERTY, json.dumps(record)))
