"""Another HPC site reuses the packages with its own data: the lab's guide (tests/sites/lab).

Not collected by the suite directly: test_from_wheels.py runs these checks with the packages
installed from their wheels into a fresh virtual environment, as another site would have them
(`pytest tests/sites/lab_checks.py` runs them with the packages of the environment at hand).

The lab has its own platform.toml (another login host, prompt shape, partition, catalog; no python
module, no preemption), conf.py, pages and French catalogs. It is built in both languages with the
packages' Sphinx extensions, and its pages run on a stand-in instance of its own, which the inner
pytest run starts and stops.
"""

from pathlib import Path

import pytest

from .sitekit import assert_instance_gone, assert_pages_ran, build, own_instance, run_pages, soup, text_of, untranslated

LAB = Path(__file__).resolve().parent / "lab"
LANGUAGES = ("en", "fr")
PAGES = ("index", "compilers")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The lab's site, built side by side as <site>/<language>/."""
    return build(LAB, tmp_path_factory.mktemp("lab-html"), LANGUAGES)


def test_french_pages_show_the_labs_facts_and_titles(site):
    index = soup(site, "fr", "index")
    assert index.html["lang"] == "fr"
    assert index.find("h1").get_text().rstrip("¶") == "Guide de la grappe Lab"
    assert index.title.get_text().startswith("Guide de la grappe Lab")
    text = text_of(index)
    # |platform| in its French form, |login_host|, |partition|, |partition_time_days|, the nodes' facts.
    for fact in ("sur la grappe Lab", "connectez à hpc1", "partition batch", "2\u00a0jours",
                 "n001-n002 ont chacun 32\u00a0cœurs et 192G"):
        assert fact in text, f"{site / 'fr' / 'index.html'}: no {fact!r} in {text!r}"
    compilers = text_of(soup(site, "fr", "compilers"))
    assert "le compilateur par défaut, gcc/13.2, est déjà chargé" in compilers
    assert "openmpi/5.0.3 est celle par défaut" in compilers


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("language", "other"), [("en", "fr"), ("fr", "en")])
def test_switcher_links_to_the_same_page_in_the_other_language(site, language, other, page):
    links = soup(site, language, page).select(f'.language-switcher a[hreflang="{other}"]')
    assert len(links) == 1, f"{language}/{page}.html: no link to the {other} edition"
    target = (site / language / f"{page}.html").parent / links[0]["href"]
    assert target.resolve() == (site / other / f"{page}.html").resolve()


def test_french_catalogs_translate_every_message(tmp_path):
    assert not untranslated(LAB, "fr", tmp_path)


@pytest.mark.timeout(600)
def test_lab_pages_run_on_the_labs_own_standin(tmp_path):
    """On an instance of its own (its cache the test's: no python module, nothing gets built)."""
    with own_instance(LAB, tmp_path / "cache") as (env, state):
        assert_pages_ran(LAB, run_pages(LAB, env, tmp_path / "basetemp"), PAGES)
        assert_instance_gone(LAB, env, state)
