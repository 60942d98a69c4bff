"""Substitutions for the facts of the site's platform.toml, so prose never hard-codes them; and
the site's title in each language (html_title), and its languages for the language switcher.

``|partition|`` in a page renders as the platform's default partition (``iq-main``); translated
catalogs keep the substitution as is. The file is the config value ``platform_file`` (relative to
the configuration folder). Code blocks cannot use substitutions: a site checks them against the
same file with its tests. The substitutions, each defined when the platform has the fact:

|platform| the platform's short name in the page's language (|platform_full_name| its full name)
|ssh_address| |login_host| |partition| (the default) |partition_time_days| (its time limit)
|longest_time_days| (the longest of any partition) |preempt_partition| |preempt_grace_seconds|;
the default partition's nodes: |cpu_nodes| |node_cores| |node_memory| |node_threads| (|node_cores|
squared: one BLAS pool per worker on a full node), when one group of them has no GPU; |gpu_node|
|gpu_node_cores| |gpu_type| (Slurm's) |gpu_model| |gpus_per_node| |cores_per_gpu| (its cores shared
out among its GPUs), when one GPU node is in it; |data_dir| |group_data_dir| |compile_flag|;
``|<module>_default|`` for each module with versions (``|python_default|``, ``|scipy_stack_default|``,
``|stdenv_default|``: lower case, ``-`` as ``_``); ``|<package>_version|`` for each of [packages]
(``|qiskit_version|``).

Numbers of four digits or more are grouped in French with a no-break space (9 216).

It also loads sphinx_hpc_platform.tables, the tables of the nodes and partitions, and
sphinx_hpc_platform.links, the role that links to a page of the platform's own documentation.

Its page template (templates/page.html) adds a foot to every page (where to ask for help, which
documentation of the platform the guide follows) and gives Furo's buttons labels in the page's
language. Their words are the package's messages (sphinx_hpc_platform.i18n): translated here, in
Python, and handed to the template ready to write, so the template translates nothing and a site
has none of them to translate.
"""

import weakref
from datetime import date
from pathlib import Path

import hpc_platform
from babel.dates import format_date
from hpc_platform import Platform
from markupsafe import escape
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

from .i18n import N_, _


def number(value: int, language: str) -> str:
    """9216 in English, 9 216 (U+00A0) in French, as French typography groups digits."""
    return f"{value:,}".replace(",", "\u00a0") if language == "fr" else str(value)


UNITS = {"en": {"M": "MB", "G": "GB", "T": "TB"}, "fr": {"M": "Mo", "G": "Go", "T": "To"}}


def size(memory: str, language: str) -> str:
    """A size of platform.toml ("1G") as the page's language writes it: 1 GB, 1 Go."""
    units = UNITS.get(language, UNITS["en"])
    return f"{number(int(memory[:-1]), language)}\u00a0{units[memory[-1]]}"


def literal(text: str) -> str:
    return f"``{text}``"


def node_run(names: list[str]) -> str:
    """A group of nodes as the platform writes a run of them: the first and the last."""
    return literal(names[0]) if len(names) == 1 else f"{literal(names[0])}-{literal(names[-1])}"


def node_facts(platform: Platform, language: str) -> dict[str, str]:
    """The default partition's nodes as the prose names them: "the CPU nodes" (one group) and "the
    GPU node" (one)."""
    groups = platform.groups_of(platform.default_partition.name)
    cpu = [group for group in groups if not group.gpus]
    gpu = [group for group in groups if group.gpus and len(group.names) == 1]
    facts = {}
    if groups:
        # One node as Slurm names it and as its own programs (hostname) do, where they differ.
        first = groups[0].names[0]
        facts.update({"node_example": literal(first), "node_host_example": literal(platform.node_host(first))})
    if len(cpu) == 1:
        facts.update({
            "cpu_nodes": node_run(cpu[0].names),
            "node_cores": number(cpu[0].cores, language),
            "node_threads": number(cpu[0].cores ** 2, language),
            "node_memory": cpu[0].memory,
        })
    if len(gpu) == 1:
        node = gpu[0]
        facts.update({
            "gpu_node": literal(node.names[0]),
            "gpu_node_cores": number(node.cores, language),
            "gpu_type": literal(node.gpus.type),
            "gpu_model": f"{node.gpus.vendor} {node.gpus.model}",
            "gpus_per_node": number(node.gpus.count, language),
            "cores_per_gpu": number(node.cores // node.gpus.count, language),
        })
    return facts


def substitutions(platform: Platform, language: str) -> dict[str, str]:
    site, default = platform.site, platform.default_partition
    facts = {
        "platform": site.names.get(language, next(iter(site.names.values()))),
        "login_host": literal(platform.login.host),
        "partition": literal(default.name),
        "partition_time_days": number(default.time_limit_days, language),
        "longest_time_days": number(max(p.time_limit_days for p in platform.partitions), language),
    }
    if language in site.full_names:
        facts["platform_full_name"] = site.full_names[language]
    if site.ssh_address:
        facts["ssh_address"] = literal(site.ssh_address)
    slurm = platform.slurm
    if slurm.default_memory_per_core:
        facts["default_memory_per_core"] = size(slurm.default_memory_per_core, language)
    if slurm.min_cpu_efficiency:
        facts["min_cpu_efficiency"] = number(slurm.min_cpu_efficiency, language)
    if slurm.min_memory_efficiency:
        facts["min_memory_efficiency"] = number(slurm.min_memory_efficiency, language)
    if platform.preemptible:
        preemptible = platform.preemptible[0]
        facts["preempt_partition"] = literal(preemptible.name)
        facts["preempt_grace_seconds"] = number(preemptible.preemption.grace_seconds, language)
    facts.update(node_facts(platform, language))
    storage, stack = platform.storage, platform.stack
    if storage:
        facts["data_dir"] = literal(storage.data)
        if storage.group_data:
            facts["group_data_dir"] = literal(storage.group_data)
    if stack and stack.compile_flag:
        facts["compile_flag"] = literal(stack.compile_flag)
    for module in platform.modules.values():
        if module.versions:
            facts[f"{module.name.lower().replace('-', '_')}_default"] = literal(module.full_name())
    for package in platform.packages.values():
        facts[f"{package.name.lower().replace('-', '_')}_version"] = package.version
    return facts


HERE = Path(__file__).resolve().parent

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
    titles = platform.guide.titles
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


def footer_context(app: Sphinx, pagename: str, templatename, context: dict, doctree) -> None:
    """What the foot of every page says (templates/page.html): the platform's support page, and the
    documentation of the platform this guide follows, at the commit platform.toml cites.

    ``platform_footer`` is its lines, HTML in the page's language (the values escaped, as Jinja's
    ``|e`` would); the facts they are made of stay in the context too, for a site's own template."""
    platform, language = LOADED[app.config], app.config.language
    site = platform.site
    name = site.names.get(language, next(iter(site.names.values())))
    context["platform_name"] = name
    context["platform_support_url"] = support = site.page_url("support", language)
    lines = []
    if support:
        lines.append(_('Questions about the %(name)s? Write to its <a href="%(url)s">technical support</a>.')
                     % {"name": escape(name), "url": escape(support)})
    documentation = next(iter(platform.sources.values()), None)
    if documentation and site.documentation:
        followed = context["platform_documentation"] = {
            "url": site.documentation.get(language, next(iter(site.documentation.values()))),
            "date": long_date(documentation.date, language), "commit": documentation.commit[:7]}
        lines.append(_("This guide follows the <a href=\"%(url)s\">%(name)s's documentation</a> of %(date)s "
                       "(commit %(commit)s).")
                     % {"name": escape(name), **{key: escape(value) for key, value in followed.items()}})
    context["platform_footer"] = lines


# Furo writes the labels of its sidebar toggles and of its theme button in English, outside any
# block and without gettext (furo/theme/furo/page.html): templates/page.html replaces each with
# its translation (platform_labels). The furo version is pinned by the site.
FURO_LABELS = (
    N_("Toggle site navigation sidebar"),
    N_("Toggle table of contents sidebar"),
    N_("Toggle Light / Dark / Auto color theme"),
)


def label_context(app: Sphinx, pagename: str, templatename, context: dict, doctree) -> None:
    """``platform_labels``: each of Furo's English aria-labels -> its text in the page's language."""
    context["platform_labels"] = {label: _(label) for label in FURO_LABELS}


def long_date(iso: str, language: str) -> str:
    """2026-05-01 as a reader of the language writes it: May 1, 2026; 1er mai 2026 (Babel, Sphinx's,
    whose French writes the first of the month as the others, 1 mai)."""
    day = date.fromisoformat(iso)
    written = format_date(day, format="long", locale=language)
    if language == "fr" and day.day == 1 and written.startswith("1 "):
        written = "1er" + written[1:]
    return written


def add_templates(app: Sphinx, config: Config) -> None:
    """The page template of the footer, after the site's own: a site's page.html wins."""
    folder = str(HERE / "templates")
    if folder not in config.templates_path:
        config.templates_path = [*config.templates_path, folder]


def setup(app: Sphinx) -> dict:
    app.add_config_value("platform_file", "platform.toml", "env", str)
    app.connect("config-inited", apply_platform)
    app.connect("config-inited", add_templates)
    app.setup_extension("sphinx_hpc_platform.i18n")
    app.connect("html-page-context", footer_context)
    app.connect("html-page-context", label_context)
    app.setup_extension("sphinx_hpc_platform.tables")
    app.setup_extension("sphinx_hpc_platform.links")
    app.setup_extension("sphinx_hpc_platform.builder")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
