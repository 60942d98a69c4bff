"""Controller side of the harness: what ran per page, and whether every block the pages render ran."""
from __future__ import annotations

import json
import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .coverage import blocks_in_pages

PROPERTY = "harness_block"  # the user property a block's report carries to the controller


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
            self.parsed = self.reader.submit(blocks_in_pages, self.scope[0], Path(self.config.rootpath))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session):
        parsed = getattr(self, "parsed", None)
        if parsed is not None:
            self.reader.shutdown(wait=False)
        if not self.records:
            return
        if self.config.getini("harness_record"):
            keep_record(Path(self.config.rootpath) / self.config.getini("harness_record"),
                        Path(self.config.rootpath) / self.config.getini("harness_pages"), self.records)
        if parsed is None or session.shouldfail or session.shouldstop:
            self.coverage_note = "block coverage not checked: only part of the suite ran"
            return
        srcdir, pages = self.scope
        try:
            rendered = parsed.result()
        except Exception as error:  # noqa: BLE001 - whatever a site's conf.py or Sphinx raises
            # The blocks ran and are reported; only the check that none was missed is not made.
            self.coverage_note = f"block coverage not checked: Sphinx could not read {srcdir}: {error}"
            return
        # A block that needs a GPU did not run, and is accounted for: listed apart.
        ran = {(record["page"], record["line"]) for record in self.records
               if record["outcome"] != "skipped" or "needs_gpu" in record}
        for page, line in rendered:
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
        needs_gpu = defaultdict(int)  # page -> its blocks listed apart, not among its outcomes
        pythons = defaultdict(dict)  # page -> what ran its python blocks, in order, once each
        for record in self.records:
            if "needs_gpu" in record:
                needs_gpu[record["page"]] += 1
            else:
                per_page[record["page"]][record["outcome"]] += 1
            if "python" in record:
                pythons[record["page"]][record["python"]] = None
        root = Path(self.config.rootpath)
        for page in sorted(per_page.keys() | needs_gpu.keys()):
            counts, gpu = per_page[page], needs_gpu[page]
            ran = counts["passed"] + counts["failed"]
            parts = [f"{counts[o]} {o}" for o in ("failed", "skipped") if counts[o]]
            parts += [f"{gpu} {'needs' if gpu == 1 else 'need'} a GPU"] if gpu else []
            extra = ", ".join(parts)
            ran_with = f"; python blocks run by {', '.join(pythons[page])}" if pythons[page] else ""
            write(f"{_relative(page, root)}: {ran} ran" + (f" ({extra})" if extra else "") + ran_with)
        self.write_needs_gpu(terminalreporter, root)
        self.write_preemptions(terminalreporter, root)
        if self.coverage_note:
            write(self.coverage_note)
        elif self.uncovered:
            terminalreporter.section("blocks no test executed", red=True)
            for where in self.uncovered:
                write(_relative(where, root))
        else:
            write("every code block of the pages ran")

    def write_needs_gpu(self, terminalreporter, root: Path) -> None:
        apart = [record for record in self.records if "needs_gpu" in record]
        if not apart:
            return
        count = "1 block needs" if len(apart) == 1 else f"{len(apart)} blocks need"
        terminalreporter.section(f"{count} a GPU: not run here, not counted as run")
        for record in sorted(apart, key=lambda r: (r["page"], r["line"])):
            terminalreporter.write_line(
                f"{_relative(record['page'], root)}:{record['line']}: {record['needs_gpu']}")

    def write_preemptions(self, terminalreporter, root: Path) -> None:
        played = [record for record in self.records if "preemption" in record]
        if not played:
            return
        terminalreporter.section("jobs preempted by the harness, as a node's owner would")
        for record in played:
            terminalreporter.write_line(f"{_relative(record['page'], root)}:{record['line']}: "
                                        + record["preemption"].rstrip().replace("\n", "\n    "))


def keep_record(record: Path, pages: Path, records: list[dict]) -> None:
    """Note in `record` (JSON) when each page of this run ran, where, and its blocks' outcomes,
    keeping the other pages' last runs: what a site shows its readers about its examples. A page
    is named as Sphinx names it (howto/dask), its blocks counted as the summary counts them."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    runs: dict[str, dict] = {}
    for block in records:
        path = Path(block["page"])
        if not path.is_relative_to(pages.resolve()):
            continue
        run = runs.setdefault(path.relative_to(pages.resolve()).with_suffix("").as_posix(),
                              {"ran_at": now, "where": block.get("where", ""),
                               "passed": 0, "failed": 0, "needs_gpu": 0})
        if "needs_gpu" in block:
            run["needs_gpu"] += 1
        elif block["outcome"] in ("passed", "failed"):
            run[block["outcome"]] += 1
    if not runs:
        return
    try:
        kept = json.loads(record.read_text())["pages"]
    except (OSError, ValueError, KeyError):
        kept = {}  # none yet, or not one of ours: this run's pages start it again
    kept.update(runs)
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_suffix(".partial")
    partial.write_text(json.dumps({"pages": dict(sorted(kept.items()))}, indent=1) + "\n")
    partial.replace(record)


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
