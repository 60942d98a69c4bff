"""``.. job-script-builder::``: a form that writes a job script, with the limits of platform.toml.

The directive's content is, first, the paragraphs a reader sees when the browser runs no
JavaScript (written in a ``<noscript>``), then a bullet list of the form's messages, ``key``: text,
parsed as the page's own text: they are translated in the page's catalog like any paragraph, and
the literal key tells the script (static/builder.js) which message is which. The list is data for
the script, hidden from the reader (``hidden``, with or without CSS). The platform's facts the
rules need (static/jobscript.js) are written beside them as JSON, from platform.toml at each build.

The modules a job script loads are those platform.toml gives a role (``role`` of a
``[modules.<name>]``: ``interpreter``, ``scientific-stack``, ``mpi``): the form offers the versions
of the first two, and MPI jobs only where a module gives Python MPI. A platform without such
modules gets a form without those fields, whose scripts load no module.

The extension adds the package's static folder itself, and its script and style go on the pages
that have a form only.
"""
from __future__ import annotations

import json

from docutils import nodes
from hpc_platform import Platform
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from .assets import add_static_folder
from .facts import LOADED

SCRIPTS = ("jobscript.js", "builder.js")
STYLE = "builder.css"
# The roles of the modules a job script loads (hpc_platform.records.ModuleRole), in the order it
# loads them.
ROLES = ("interpreter", "scientific-stack", "mpi")


class job_script_builder(nodes.General, nodes.Element):
    """The form's place: <div class="job-script-builder" data-facts="..."> around its messages."""


class builder_noscript(nodes.General, nodes.Element):
    """What the page says instead of the form when the browser runs no JavaScript."""


class builder_messages(nodes.General, nodes.Element):
    """The form's messages, data for its script: hidden."""


def builder_facts(platform: Platform) -> dict:
    """The facts the form's rules need: every partition, the default first (the form offers them in
    this order), each with its own time limit, who may use it (platform.toml's access, and the
    owners of its nodes), whether its jobs are preempted (and the option that requeues them), and
    its groups of nodes: how many nodes, their names, the cores, memory (MB, as Slurm counts it)
    and GPUs (with their Slurm type) of each. A job of the partition asks at most what one of its
    nodes has; its tasks, at most what all of them have. And the modules a job script loads, by
    role (builder_modules)."""
    partitions = []
    for partition in sorted(platform.partitions, key=lambda p: not p.default):
        groups = platform.groups_of(partition.name)
        owners = list(dict.fromkeys(owner for group in groups for owner in group.owners))
        partitions.append({
            "name": partition.name,
            "time_limit_days": partition.time_limit_days,
            "access": partition.access,
            "owners": owners,
            "preemptible": partition.preemption is not None,
            "requeue_option": partition.preemption.requeue_option if partition.preemption else "",
            "nodes": [{"name": node_run_text(group.names), "count": len(group.names), "cores": group.cores,
                       "memory_mb": group.memory_mb,
                       "gpus": group.gpus.count if group.gpus else 0,
                       "gpu_type": group.gpus.type if group.gpus else ""}
                      for group in groups],
        })
    return {"partitions": partitions, "modules": builder_modules(platform)}


def builder_modules(platform: Platform) -> dict[str, dict]:
    """The modules a job script loads, by role, for the roles a module of the platform plays: its
    name, its versions a reader may load (not Lmod's hidden ones), its default, and for each version
    the versions of the modules it needs that it was built for (`needs_versions`)."""
    found = {}
    for role in ROLES:
        module = platform.module_of_role(role)
        if module is not None:
            found[role] = {"name": module.name, "default": module.default,
                           "versions": [version for version in module.versions if not version.startswith(".")],
                           "needs_versions": {version: {name: list(versions) for name, versions in needed.items()}
                                              for version, needed in module.needs_versions.items()}}
    return found


def node_run_text(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{names[0]}-{names[-1]}"


class JobScriptBuilder(SphinxDirective):
    has_content = True

    def run(self) -> list[nodes.Node]:
        platform = LOADED[self.config]
        self.env.note_dependency(str(platform.path))  # the form's facts change with the file
        node = job_script_builder(facts=json.dumps(builder_facts(platform)))
        parsed = nodes.Element()
        self.state.nested_parse(self.content, self.content_offset, parsed)
        lists = [child for child in parsed.children if isinstance(child, nodes.bullet_list)]
        if len(lists) != 1 or parsed.children[-1] is not lists[0]:
            raise self.error("job-script-builder: write the paragraphs shown without JavaScript, "
                             "then one bullet list of the form's messages, last")
        noscript, messages = builder_noscript(), builder_messages()
        noscript += parsed.children[:-1]
        messages += lists[0]
        if len(noscript.children):
            node += noscript
        node += messages
        return [node]


def visit_builder(self, node: job_script_builder) -> None:
    self.body.append(self.starttag(node, "div", CLASS="job-script-builder", **{"data-facts": node["facts"]}))


def depart_div(self, node) -> None:
    self.body.append("</div>\n")


def visit_noscript(self, node: builder_noscript) -> None:
    self.body.append('<noscript><div class="builder-noscript">\n')


def depart_noscript(self, node: builder_noscript) -> None:
    self.body.append("</div></noscript>\n")


def visit_messages(self, node: builder_messages) -> None:
    self.body.append('<div class="builder-messages" hidden>\n')


def add_files_to_its_page(app: Sphinx, pagename: str, templatename, context: dict, doctree) -> None:
    """The form's script and style on the pages that have one, not on every page."""
    if doctree is not None and any(doctree.findall(job_script_builder)):
        for script in SCRIPTS:
            app.add_js_file(script)
        app.add_css_file(STYLE)


def skip(self, node) -> None:
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict:
    others = {"latex": (skip, None), "text": (skip, None), "man": (skip, None), "texinfo": (skip, None)}
    app.add_node(job_script_builder, html=(visit_builder, depart_div), **others)
    app.add_node(builder_noscript, html=(visit_noscript, depart_noscript), **others)
    app.add_node(builder_messages, html=(visit_messages, depart_div), **others)
    app.add_directive("job-script-builder", JobScriptBuilder)
    app.connect("config-inited", add_static_folder)
    app.connect("html-page-context", add_files_to_its_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
