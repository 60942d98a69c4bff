"""What joins the editions besides the switcher's link, in the built HTML: the same section ids in
every language (so the switcher keeps a reader's #section), the alternates of each page in its
<head> (hreflang), and the theme's button labels in the page's language."""

import pytest

from tests.site.builtsite import LANGUAGES, PLATFORM, ROOT, article, html_path, page_names, soup

PAGES = page_names()
# Sphinx's own pages have the theme's head and buttons too.
ALL_PAGES = PAGES + ["search", "genindex"]
SOURCE_LANGUAGE = PLATFORM.source_language
TRANSLATIONS = [language for language in LANGUAGES if language != SOURCE_LANGUAGE]
TEMPLATES = "packages/sphinx-hpc-platform/src/sphinx_hpc_platform/templates/page.html"


def ids(language: str, page: str) -> list[str]:
    """The article's ids, sorted: a translated glossary lists its terms in another order."""
    return sorted(element["id"] for element in article(language, page).find_all(id=True))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("language", TRANSLATIONS)
def test_sections_have_the_same_ids_in_every_language(language, page):
    """The switcher keeps the fragment as it is (#memory): it must name the same section in the
    other edition. Ids come from the English labels and titles, never from a translated title."""
    source, translated = ids(SOURCE_LANGUAGE, page), ids(language, page)
    assert translated == source, (
        f"{html_path(language, page).relative_to(ROOT)}: the ids differ from the {SOURCE_LANGUAGE} page's: "
        f"only in {language}: {sorted(set(translated) - set(source))}, "
        f"only in {SOURCE_LANGUAGE}: {sorted(set(source) - set(translated))}"
    )


@pytest.mark.parametrize("page", ALL_PAGES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_head_links_the_page_in_every_language(language, page):
    """<link rel="alternate" hreflang> for each language, the page's own included, and x-default
    (the source language's page), each leading to the twin page."""
    links = soup(language, page).head.select('link[rel="alternate"][hreflang]')
    where = html_path(language, page).relative_to(ROOT)
    found = {link["hreflang"]: link["href"] for link in links}
    expected = {**{code: code for code in LANGUAGES}, "x-default": SOURCE_LANGUAGE}
    assert sorted(found) == sorted(expected), (
        f"{where}: <head> has hreflang alternates for {sorted(found)}, not {sorted(expected)} ({TEMPLATES})")
    for hreflang, edition in expected.items():
        target = (html_path(language, page).parent / found[hreflang]).resolve()
        assert target == html_path(edition, page).resolve(), (
            f"{where}: the hreflang={hreflang} alternate leads to {found[hreflang]}, "
            f"not to {edition}/{page}.html")


def aria_labels(language: str, page: str) -> list[str]:
    return [element["aria-label"] for element in soup(language, page).find_all(attrs={"aria-label": True})]


# furo's labels that it writes in English without gettext (furo/theme/furo/page.html): the package
# translates them in its own catalog (sphinx_hpc_platform.facts.FURO_LABELS, PACKAGE_CATALOG).
PACKAGE_CATALOG = ("packages/sphinx-hpc-platform/src/sphinx_hpc_platform/locale/{language}/LC_MESSAGES/"
                   "sphinx_hpc_platform.po")
FURO_LABELS = ("Toggle site navigation sidebar", "Toggle table of contents sidebar",
               "Toggle Light / Dark / Auto color theme")


@pytest.mark.parametrize("page", ALL_PAGES)
@pytest.mark.parametrize("language", TRANSLATIONS)
def test_button_labels_are_in_the_page_language(language, page):
    """Every aria-label of the page is translated: the same labels in the same places as on the
    source language's page, none of them left as it is there."""
    source, translated = aria_labels(SOURCE_LANGUAGE, page), aria_labels(language, page)
    where = html_path(language, page).relative_to(ROOT)
    assert len(translated) == len(source), f"{where}: {translated} against {source}"
    untranslated = [label for label, original in zip(translated, source) if label == original]
    catalog = PACKAGE_CATALOG.format(language=language)
    assert not untranslated, (
        f"{where}: aria-labels in {SOURCE_LANGUAGE}: {untranslated}: translate furo's {FURO_LABELS} in "
        f"{catalog} ({TEMPLATES}), the others in locale/{language}/LC_MESSAGES/sphinx.po")
    assert not set(FURO_LABELS) & set(translated), f"{where}: furo's labels are left in English ({catalog})"
