"""Substitutions for the facts of the site's platform.toml, so prose never hard-codes them; and
the site's title in each language (html_title), and its languages for the language switcher.

``|partition|`` in a page renders as the platform's default partition (``iq-main``); translated
catalogs keep the substitution as is. The file is the config value ``platform_file`` (relative to
the configuration folder). Code blocks cannot use substitutions: a site checks them against the
same file with its tests. The substitutions, each defined when the platform has the fact:

|platform| the platform's name (as [site].sentence_names gives it where a language needs another form)
|login_host| |partition| (the default) |max_time_days| |preempt_partition| |preempt_grace_seconds|
|cpu_nodes| |node_cores| |node_memory| |node_threads| (|node_cores| squared: one BLAS pool per
worker on a full node), when one group of [[nodes]] has no GPU; |gpu_node| |gpu_node_cores|
|gpu_type| (Slurm's) |gpu_model| |gpus_per_node| |cores_per_gpu| (its cores shared out among its
GPUs), when one GPU node exists; |data_dir| |group_data_dir| |compile_flag|; ``|<module>_default|``
for each module (``|python_default|``, ``|scipy_stack_default|``, ``|stdenv_default|``: lower case,
``-`` as ``_``); ``|<package>_version|`` for each of [packages] (``|qiskit_version|``).

Numbers of four digits or more are grouped in French with a no-break space (9 216).

It also loads sphinx_hpc_platform.tables, the tables of the nodes and partitions.
"""

import weakref
from pathlib import Path

import hpc_platform
from hpc_platform import Platform
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError


def number(value: int, language: str) -> str:
    """9216 in English, 9 216 (U+00A0) in French, as French typography groups digits."""
    return f"{value:,}".replace(",", "\u00a0") if language == "fr" else str(value)


def literal(text: str) -> str:
    return f"``{text}``"


def node_run(names: list[str]) -> str:
    """A group of nodes as the platform writes a run of them: the first and the last."""
    return literal(names[0]) if len(names) == 1 else f"{literal(names[0])}-{literal(names[-1])}"


def node_facts(platform: Platform, language: str) -> dict[str, str]:
    """The nodes as the prose names them: "the CPU nodes" (one group) and "the GPU node" (one)."""
    cpu = [group for group in platform.nodes if not group.get("gpus")]
    gpu = [group for group in platform.nodes if group.get("gpus") and len(group["names"]) == 1]
    facts = {}
    if len(cpu) == 1:
        facts.update({
            "cpu_nodes": node_run(cpu[0]["names"]),
            "node_cores": number(cpu[0]["cores"], language),
            "node_threads": number(cpu[0]["cores"] ** 2, language),
            "node_memory": cpu[0]["memory"],
        })
    if len(gpu) == 1:
        facts.update({
            "gpu_node": literal(gpu[0]["names"][0]),
            "gpu_node_cores": number(gpu[0]["cores"], language),
            "gpu_type": literal(gpu[0]["gpu_type"]),
            "gpu_model": gpu[0]["gpu_model"],
            "gpus_per_node": number(gpu[0]["gpus"], language),
            "cores_per_gpu": number(gpu[0]["cores"] // gpu[0]["gpus"], language),
        })
    return facts


def substitutions(platform: Platform, language: str) -> dict[str, str]:
    data = platform.data
    site = data["site"]
    facts = {
        "platform": site.get("sentence_names", {}).get(language, site["name"]),
        "login_host": literal(platform.login_host),
        "partition": literal(platform.default_partition),
        "max_time_days": number(platform.max_time_days, language),
    }
    if platform.preemption:
        facts["preempt_partition"] = literal(platform.preemption["partition"])
        facts["preempt_grace_seconds"] = number(platform.preemption["grace_seconds"], language)
    facts.update(node_facts(platform, language))
    storage, stack = data.get("storage", {}), data["stack"]
    for name, key in (("data_dir", "data"), ("group_data_dir", "group_data")):
        if key in storage:
            facts[name] = literal(storage[key])
    if "compile_flag" in stack:
        facts["compile_flag"] = literal(stack["compile_flag"])
    for module in platform.modules.values():
        facts[f"{module.name.lower().replace('-', '_')}_default"] = literal(f"{module.name}/{module.default}")
    for package, version in platform.packages.items():
        facts[f"{package.lower().replace('-', '_')}_version"] = version
    return facts


# The platform file as each build's configuration read it, for the directives that need more of it.
LOADED: weakref.WeakKeyDictionary[Config, Platform] = weakref.WeakKeyDictionary()


def apply_platform(app: Sphinx, config: Config) -> None:
    """The substitutions, the site's title in the language being built, and its languages for the
    switcher (sphinx_hpc_platform.language_switcher), all from the platform file."""
    path = Path(app.confdir) / config.platform_file
    try:
        platform = hpc_platform.load(path)
    except hpc_platform.PlatformError as error:
        raise ConfigError(str(error)) from None
    LOADED[config] = platform
    add_substitutions(config, substitutions(platform, config.language))
    titles = platform.data["site"]["titles"]
    if config.language in titles:
        config.html_title = titles[config.language]
    if "site_languages" in config:
        config.site_languages = platform.languages


def add_substitutions(config: Config, facts: dict[str, str]) -> None:
    """In rst_prolog, not rst_epilog: Sphinx parses each translated message without the prolog but
    with the epilog, so an epilog of definitions is parsed again for every French message. The
    substitutions in a message still resolve against the page's definitions."""
    lines = [f".. |{name}| replace:: {value}" for name, value in facts.items()]
    config.rst_prolog = "\n".join(lines) + "\n" + (config.rst_prolog or "")


def setup(app: Sphinx) -> dict:
    app.add_config_value("platform_file", "platform.toml", "env", str)
    app.connect("config-inited", apply_platform)
    app.setup_extension("sphinx_hpc_platform.tables")
    app.setup_extension("sphinx_hpc_platform.builder")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
