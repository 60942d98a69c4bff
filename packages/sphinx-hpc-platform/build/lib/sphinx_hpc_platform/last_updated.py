"""Each page's last change, from git, at the foot of the page in the page's language.

The dates come from sphinx-last-updated-by-git (set up here): the author date of the last commit
that changed the page's source or a file it depends on (a figure), which the theme shows as
"Last updated on ..." (furo's footer; its French is in the site's theme catalog, sphinx.po). This
extension adds what a translated site needs around it:

- on a translated page, the page's catalog (``locale/fr/LC_MESSAGES/howto/venv.po``) is one of
  the files it depends on: a corrected translation dates the French page, not the English one;
- the date is written as the language writes a date in full, Babel's long format, as the rest of
  the footer does (``sphinx_hpc_platform.facts.long_date``): December 5, 2026; 5 décembre 2026.
  A site that sets ``html_last_updated_fmt`` itself keeps its format;
- a shallow clone (``git clone --depth 1``) cannot know when a file older than its one commit
  last changed: such a page shows no date rather than a wrong one, and the build goes on without
  the extension's "Git clone too shallow" warning, which ``-W`` would make an error. A clone with
  its history (CI's) dates every page; a copy of the site outside any repository (an archive, a
  test's scratch copy) has no dates to give, and builds without them, without a warning;
- a commit changes a page's date without changing its file, so an incremental build would keep
  the date it had when the page was last read (before the commit): when HEAD has moved since the
  last build, every page's date is asked of git again and every page written again.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from babel.dates import get_date_format
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.i18n import date_format_mappings, docname_to_domain

# Babel's date fields, as the strftime-like codes Sphinx's format_date knows (sphinx.util.i18n).
STRFTIME_OF_FIELD = {field: code for code, field in date_format_mappings.items()
                     if code in ("%-d", "%d", "%-m", "%m", "%b", "%B", "%a", "%A", "%Y")}
STRFTIME_OF_FIELD["y"] = "%Y"


def long_date_format(language: str) -> str | None:
    """Babel's long date of `language` in Sphinx's codes: ``%B %-d, %Y`` (en), ``%-d %B %Y`` (fr);
    None when the pattern has a field Sphinx cannot write."""
    pattern = get_date_format("long", locale=language)
    fields = {key: STRFTIME_OF_FIELD.get(key) for key in _fields(pattern.format)}
    if None in fields.values():
        return None
    return pattern.format % fields


def _fields(format: str) -> list[str]:  # noqa: A002 - Babel's word
    """The field names of a Babel DateTimePattern format: ``%(MMMM)s %(d)s, %(y)s`` → MMMM, d, y."""
    names, rest = [], format
    while "%(" in rest:
        rest = rest.split("%(", 1)[1]
        name, rest = rest.split(")s", 1)
        names.append(name)
    return names


def configure(app: Sphinx, config: Config) -> None:
    """After sphinx-last-updated-by-git's own (which turns ``None`` into ``""``)."""
    if not config.html_last_updated_fmt:
        config.html_last_updated_fmt = long_date_format(config.language) or ""
    config.suppress_warnings = [*config.suppress_warnings, "git.too_shallow"]
    if head_commit(Path(app.srcdir)) is None:
        config.suppress_warnings.append("git.subprocess_error")


def catalogs(app: Sphinx, docname: str) -> list[Path]:
    """The page's catalogs in the language being built (none in the source language)."""
    domain = docname_to_domain(docname, app.config.gettext_compact)
    found = []
    for folder in app.config.locale_dirs:
        path = Path(app.srcdir, folder, app.config.language, "LC_MESSAGES", f"{domain}.po")
        if path.is_file():
            found.append(path)
    return found


def note_catalogs(app: Sphinx, docname: str, source: list[str]) -> None:
    """A page being read depends on its catalog: its date is the later of the page's and the
    catalog's. (Sphinx notes the compiled .mo, which git does not track, so gives it no date.)"""
    if docname not in app.env.found_docs:  # an included file, not a page
        return
    for path in catalogs(app, docname):
        app.env.note_dependency(path, docname=docname)


def head_commit(folder: Path) -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):  # no git, or not a repository: no dates anyway
        return None


def redate_after_a_commit(app: Sphinx, env) -> list[str]:
    """Before sphinx-last-updated-by-git dates the pages read (it dates no other): all of them when
    HEAD has moved since the environment's last build; the pages are then written again."""
    head, previous = head_commit(app.srcdir), getattr(env, "last_updated_head", None)
    env.last_updated_head = head
    dates = getattr(env, "git_last_updated", {})
    if head is None or previous is None or head == previous:  # a first build reads every page anyway
        return []
    for docname in dates:
        dates[docname] = None
    return sorted(dates)


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_last_updated_by_git")
    app.connect("config-inited", configure, priority=800)
    app.connect("source-read", note_catalogs)
    app.connect("env-updated", redate_after_a_commit, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
