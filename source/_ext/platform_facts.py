"""Substitutions for the platform facts of platform.toml, so prose never hard-codes them.

``|partition|`` in a page renders as ``iq-main``; the French catalogs keep the substitution as is.
Code blocks cannot use substitutions: tests/site/test_platform_facts.py checks them against the same
file. The substitutions, each filled from platform.toml:

|platform| the platform's name (as it reads inside a French sentence in French)
|login_host| |partition| (the default) |preempt_partition| |max_time_days| |preempt_grace_seconds|
|node_cores| (a CPU node's) |gpu_node_cores| |node_threads| (|node_cores| squared: one BLAS pool
per worker on a full node) |node_memory| |cpu_nodes| |gpu_node| |gpu_type| (Slurm's) |gpu_model|
|gpus_per_node| |data_dir| |group_data_dir| |compile_flag| |stdenv_default| |python_default|
|scipy_stack_default| |symengine_module| |qiskit_version|

Numbers of four digits or more are grouped in French with a no-break space (9 216).
"""

import tomllib
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

PLATFORM_FILE = Path(__file__).resolve().parents[2] / "platform.toml"


def load_platform() -> dict:
    return tomllib.loads(PLATFORM_FILE.read_text(encoding="utf-8"))


def number(value: int, language: str) -> str:
    """9216 in English, 9 216 (U+00A0) in French, as French typography groups digits."""
    return f"{value:,}".replace(",", "\u00a0") if language == "fr" else str(value)


def literal(text: str) -> str:
    return f"``{text}``"


def substitutions(platform: dict, language: str) -> dict[str, str]:
    modules, site, slurm = platform["modules"], platform["site"], platform["slurm"]
    cpu_nodes = [group for group in platform["nodes"] if not group.get("gpus")]
    gpu_nodes = [group for group in platform["nodes"] if group.get("gpus")]
    if len(cpu_nodes) != 1 or len(gpu_nodes) != 1 or len(gpu_nodes[0]["names"]) != 1:
        # The prose speaks of "the CPU nodes" and "the GPU node": a new kind of node needs new words.
        raise ValueError(f"{PLATFORM_FILE}: expected one group of CPU nodes and one GPU node in [[nodes]]")
    cpu, gpu = cpu_nodes[0], gpu_nodes[0]
    names = cpu["names"]
    return {
        "platform": site.get(f"name_{language}", site["name"]),
        "login_host": literal(platform["login"]["host"]),
        "partition": literal(slurm["default_partition"]),
        "preempt_partition": literal(slurm["preemption"]["partition"]),
        "max_time_days": number(slurm["max_time_days"], language),
        "preempt_grace_seconds": number(slurm["preemption"]["grace_seconds"], language),
        "node_cores": number(cpu["cores"], language),
        "gpu_node_cores": number(gpu["cores"], language),
        "node_threads": number(cpu["cores"] ** 2, language),
        "node_memory": cpu["memory"],
        # As the platform writes a run of nodes: the first and the last.
        "cpu_nodes": literal(names[0]) if len(names) == 1 else f"{literal(names[0])}-{literal(names[-1])}",
        "gpu_node": literal(gpu["names"][0]),
        "gpu_type": literal(gpu["gpu_type"]),
        "gpu_model": gpu["gpu_model"],
        "gpus_per_node": number(gpu["gpus"], language),
        "data_dir": literal(platform["storage"]["data"]),
        "group_data_dir": literal(platform["storage"]["group_data"]),
        "compile_flag": literal(platform["stack"]["compile_flag"]),
        "stdenv_default": literal(f"StdEnv/{modules['StdEnv']['default']}"),
        "python_default": literal(f"python/{modules['python']['default']}"),
        "scipy_stack_default": literal(f"scipy-stack/{modules['scipy-stack']['default']}"),
        "symengine_module": literal(f"symengine/{modules['symengine']['default']}"),
        "qiskit_version": platform["packages"]["qiskit"],
    }


def add_substitutions(app: Sphinx, config: Config) -> None:
    """In rst_prolog, not rst_epilog: Sphinx parses each translated message without the prolog but
    with the epilog, so an epilog of definitions is parsed again for every French message. The
    substitutions in a message still resolve against the page's definitions."""
    lines = [f".. |{name}| replace:: {value}"
             for name, value in substitutions(load_platform(), config.language).items()]
    config.rst_prolog = "\n".join(lines) + "\n" + (config.rst_prolog or "")


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", add_substitutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
