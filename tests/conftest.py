"""The run summary's count of the job scripts the builder wrote and Slurm ran
(tests/browser/test_builder_matrix.py). Here, at the top of tests/, so that the xdist controller,
which prints the summary, loads it too."""
from __future__ import annotations

import pytest

# The user property a test of a generated script records: "submitted" when sbatch took the script.
GENERATED_SCRIPT = "generated_job_script"


class GeneratedScripts:
    def __init__(self):
        self.ran = self.passed = 0
        self.failed: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = dict(report.user_properties)
        if report.when != "call" or GENERATED_SCRIPT not in properties:
            return
        self.ran += properties[GENERATED_SCRIPT] == "submitted"
        if report.passed:
            self.passed += 1
        else:
            self.failed.append(report.nodeid)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not (self.passed or self.failed):
            return
        terminalreporter.section("job scripts of the job-script builder")
        terminalreporter.write_line(f"generated job scripts: {self.ran} ran, {self.passed} passed")
        for nodeid in self.failed:
            terminalreporter.write_line(f"failed: {nodeid}", red=True)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(GeneratedScripts(), "generated-job-scripts")
