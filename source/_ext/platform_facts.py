"""Substitutions for the platform facts of platform.toml, so prose never hard-codes them.

``|partition|`` in a page renders as ``iq-main``; the French catalogs keep the substitution as is.
Code blocks cannot use substitutions: tests/test_platform_facts.py checks them against the same file.
"""

import tomllib
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

PLATFORM_FILE = Path(__file__).resolve().parents[2] / "platform.toml"


def load_platform() -> dict:
    return tomllib.loads(PLATFORM_FILE.read_text(encoding="utf-8"))


def substitutions(platform: dict, language: str) -> dict[str, str]:
    modules = platform["modules"]
    site = platform["site"]
    return {
        "platform": site.get(f"name_{language}", site["name"]),
        "login_host": f"``{platform['login']['host']}``",
        "partition": f"``{platform['slurm']['default_partition']}``",
        "node_cores": str(platform["slurm"]["cpu_node_cores"]),
        "python_default": f"``python/{modules['python_default']}``",
        "scipy_stack_default": f"``scipy-stack/{modules['scipy_stack_default']}``",
    }


def add_substitutions(app: Sphinx, config: Config) -> None:
    lines = [f".. |{name}| replace:: {value}" for name, value in substitutions(load_platform(), config.language).items()]
    config.rst_epilog = (config.rst_epilog or "") + "\n" + "\n".join(lines) + "\n"


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", add_substitutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
