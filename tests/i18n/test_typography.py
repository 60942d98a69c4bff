"""The French catalogs follow French typography (tests/i18n/typography.py has the rules)."""

import pytest

from tests.i18n import typography
from tests.i18n.catalogs import ROOT, catalog_files, entry_problems

FRENCH_CATALOGS = [path for path in catalog_files() if path.relative_to(ROOT / "locale").parts[0] == "fr"]


@pytest.mark.parametrize("po_path", FRENCH_CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_french_typography(po_path):
    problems = entry_problems(po_path, lambda entry: typography.problems(entry.msgstr))
    assert not problems, "French typography:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("msgstr", "expected"),
    [
        pytest.param("Chargez-le\u00a0: ``module load python``\u00a0; voir «\u00a0Python\u00a0»\u00a0!", [], id="good"),
        pytest.param("Créez ``venv`` :: et partez à 10:30.", [], id="literal-block-and-time"),
        pytest.param(
            "Chargez-le : maintenant; vraiment?",
            ["a plain space before ':' in 'Chargez-le :': use U+00A0",
             "no space before ';' in 'le : maintenant;': French puts U+00A0 before : ; ! ?",
             "no space before '?' in 'enant; vraiment?': French puts U+00A0 before : ; ! ?"],
            id="plain-and-missing-spaces",
        ),
        pytest.param(
            'Le « module » et "pip".',
            ["« needs U+00A0 on its inner side, not a plain space",
             "» needs U+00A0 on its inner side, not a plain space",
             "straight double quotes in prose: French quotes are « texte » (U+00A0 inside)"],
            id="quotes",
        ),
        pytest.param(
            "L'environnement de ``print('l'abc')``, l’invite.",
            ["straight apostrophe in \"L'environnemen\": use ’ (U+2019)"],
            id="straight-apostrophe-in-prose-only",
        ),
        pytest.param(
            "Tapez ``module\u00a0load``.",
            ["non-breaking space inside ``module⍽load``: markup keeps plain spaces"],
            id="nbsp-in-literal",
        ),
    ],
)
def test_typography_problems_are_named(msgstr, expected):
    assert typography.problems(msgstr) == expected
