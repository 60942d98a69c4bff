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
            "Installez la version qu'``avail_wheels`` a affichée.",
            ["straight apostrophe in \"a version qu'``…`` a affichée\": use ’ (U+2019)"],
            id="straight-apostrophe-before-a-literal",
        ),
        pytest.param(
            "Une matrice d’ordre 12\u00a0000, soit 4\u202f096 fils, en 2026, avec Python 3.12 et x86-64, "
            "à 10:30, une efficacité de 0,96, le 1er décembre\u00a0: ``sleep 12000``, |node_threads|.",
            [],
            id="grouped-numbers-years-versions-and-literals",
        ),
        pytest.param(
            "Une matrice d’ordre 12000, 4096 fils, moins de 10 000 éléments, mesuré le 2026-12-01.",
            ["ungrouped number '12000': write 12⍽000 (⍽ = U+00A0)",
             "ungrouped number '4096': write 4⍽096 (⍽ = U+00A0)",
             "a plain space in the number '10 000': write 10⍽000 (⍽ = U+00A0), so that no line breaks inside it",
             "date '2026-12-01' in prose: write it out, as in « le 1er décembre 2026 »"],
            id="ungrouped-numbers-and-a-date",
        ),
        pytest.param(
            "Les paquets (NumPy, SciPy…), puis ``print(..., flush=True)``.", [], id="ellipsis-and-dots-in-code",
        ),
        pytest.param(
            "Les paquets (NumPy, SciPy...), puis ``mpi4py``...",
            ["three dots in 's (NumPy, SciPy...': French prose uses the ellipsis … (U+2026)",
             "three dots in 'iPy...), puis ``…``...': French prose uses the ellipsis … (U+2026)"],
            id="three-dots",
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
