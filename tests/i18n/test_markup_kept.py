"""Every msgstr keeps its msgid's markup: cross-references, links, inline literals, substitutions.

Sphinx warns about some lost references (i18n.inconsistent_references) but not about literals,
substitutions or links, and a :term: translated without its English target silently points nowhere.
"""

import pytest

from tests.i18n.catalogs import ROOT, catalog_files, entry_problems
from tests.i18n.markup import differences


@pytest.mark.parametrize("po_path", catalog_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_translation_keeps_the_markup_of_the_english(po_path):
    problems = entry_problems(po_path, lambda entry: differences(entry.msgid, entry.msgstr))
    assert not problems, "the translation must keep the English markup as is:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("msgid", "msgstr", "expected"),
    [
        pytest.param(
            "See :ref:`python-modules` and :term:`cores <core>`.",
            "Voir :ref:`les modules <python-modules>` et les :term:`cœurs <Core>`.",
            [], id="titles-translated-targets-kept",
        ),
        pytest.param(
            "Read the `Python page <https://docs.alliancecan.ca/wiki/Python/en>`_.",
            "Lisez la `page Python <https://docs.alliancecan.ca/wiki/Python/fr>`_.",
            [], id="alliance-wiki-in-french",
        ),
        pytest.param(
            "Load it with ``module load`` on |login_host|: :doc:`/howto/modules`.",
            "Chargez-le avec ``module charge`` sur |login_host| :",
            ["drops the inline literal ``module load``",
             "adds the inline literal ``module charge``, not in the English",
             "drops the cross-reference :doc:`/howto/modules`"],
            id="literal-changed-reference-dropped",
        ),
        pytest.param(
            "See `Dask <https://www.dask.org/>`_ on the |platform|.",
            "Voir `Dask <https://www.dask.org/fr/>`_ sur la plateforme.",
            ["drops the substitution |platform|",
             "drops the link to https://www.dask.org/",
             "adds the link to https://www.dask.org/fr/, not in the English"],
            id="link-changed-substitution-dropped",
        ),
        pytest.param(
            "Running (``R``). On the platform, ``sq`` lists them (``q`` quits, ``exit`` closes).",
            "En cours (``R``). Sur la plateforme, ``sq`` les liste (``q`` en sort, ``exit`` ferme).",
            [], id="one-letter-literals-end-at-their-own-backquotes",
        ),
    ],
)
def test_markup_differences_are_named(msgid, msgstr, expected):
    assert differences(msgid, msgstr) == expected
