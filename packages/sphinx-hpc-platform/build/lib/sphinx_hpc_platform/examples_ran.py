"""When each page's examples last ran, and with what outcome, at the foot of the page.

The harness of the pages (pageharness, ini option ``harness_record``) keeps a JSON record of each
page's last run: when, where ("stand-in" or "platform") and how many blocks passed, failed, or were
not run for want of a GPU. This extension reads it (``examples_record`` in conf.py, relative to
the configuration folder) and adds a line to the page's footer (``platform_footer``, see
sphinx_hpc_platform.facts) in the page's language. A page the record does not name, or a site
without a record (a build before any run), gets no line: the footer never claims a run it has
no record of.

The record is read into a configuration value of the HTML output (``examples_ran``): when a run
changes it, Sphinx finds the configuration changed and writes every page again, so the footers
follow the record without reading the sources again.
"""
from __future__ import annotations

import json
from pathlib import Path

from markupsafe import escape
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

from .facts import LOADED, long_date
from .i18n import _


def read_record(app: Sphinx, config: Config) -> None:
    if not config.examples_record:
        return
    path = Path(app.confdir) / config.examples_record
    try:
        pages = json.loads(path.read_text())["pages"]
    except FileNotFoundError:
        return  # no run yet
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"{path}: not a record of the pages' runs ({error})") from None
    config.examples_ran = pages


def where_it_ran(where: str, name: str) -> str | None:
    if where == "stand-in":
        return _("on a stand-in of the %(name)s") % {"name": name}
    if where == "platform":
        return _("on the %(name)s itself") % {"name": name}
    return None


def footer_line(app: Sphinx, pagename: str, templatename, context: dict, doctree) -> None:
    run = app.config.examples_ran.get(pagename)
    if not run or "platform_footer" not in context:
        return
    language = app.config.language
    site = LOADED[app.config].site
    where = where_it_ran(run.get("where", ""), site.names.get(language, next(iter(site.names.values()))))
    if where is None:
        return  # run on plain bash, not on the platform or its stand-in: nothing a reader can use
    values = {"date": long_date(run["ran_at"][:10], language), "where": where,
              "passed": run.get("passed", 0), "failed": run.get("failed", 0), "gpu": run.get("needs_gpu", 0)}
    if values["gpu"]:
        line = _("This page's examples last ran on %(date)s, %(where)s (passed: %(passed)s, failed: "
                 "%(failed)s, not run for want of a GPU: %(gpu)s).")
    else:
        line = _("This page's examples last ran on %(date)s, %(where)s (passed: %(passed)s, failed: %(failed)s).")
    context["platform_footer"] = [*context["platform_footer"],
                                  line % {key: escape(value) for key, value in values.items()}]


def setup(app: Sphinx) -> dict:
    app.add_config_value("examples_record", "", "html", str)
    app.add_config_value("examples_ran", {}, "html", dict)
    app.setup_extension("sphinx_hpc_platform.facts")
    app.connect("config-inited", read_record)
    app.connect("html-page-context", footer_line, priority=600)  # after facts' footer_context
    return {"parallel_read_safe": True, "parallel_write_safe": True}
