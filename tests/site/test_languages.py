"""Both editions exist page for page, the French one is French, and the switcher joins the twins."""

from pathlib import Path

import polib
import pytest
from sphinx_hpc_platform.tables import VALUE_CLASS

from tests.site.builtsite import LANGUAGES, ROOT, SITE, article, html_path, page_names, soup

PAGES = page_names()
CATALOGS = ROOT / "locale" / "fr" / "LC_MESSAGES"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_page_exists_and_declares_its_language(language, page):
    assert soup(language, page).html["lang"] == language


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("language", "other"), [("en", "fr"), ("fr", "en")])
def test_switcher_links_to_the_same_page_in_the_other_language(language, other, page):
    links = soup(language, page).select(f'.language-switcher a[hreflang="{other}"]')
    assert len(links) == 1, f"{html_path(language, page)}: no link to the {other} edition"
    target = (html_path(language, page).parent / links[0]["href"]).resolve()
    assert target == html_path(other, page).resolve(), (
        f"{html_path(language, page).relative_to(ROOT)}:{links[0].sourceline}: the {other} link of "
        f"the switcher leads to {target.relative_to(SITE)}, not to the twin page {other}/{page}.html"
    )


def paragraph_texts(language: str, page: str) -> list[str]:
    """The article's paragraphs but the platform tables' values, the same in every language."""
    return [" ".join(p.get_text().split()) for p in article(language, page).find_all("p")
            if not p.find_parent(class_=VALUE_CLASS)]


@pytest.mark.parametrize("page", PAGES)
def test_french_page_shows_the_translations(page):
    """A silently English "French" site (wrong locale_dirs, fuzzy entries) fails here."""
    catalog = polib.pofile(str(CATALOGS / f"{page}.po"))
    title = catalog.find(soup("en", page).find("h1").get_text().rstrip("#¶ ").strip())
    french_title = soup("fr", page).find("h1").get_text().rstrip("#¶ ").strip()
    if title is not None:
        assert french_title == title.msgstr, f"{page}: French title is {french_title!r}"
    english = paragraph_texts("en", page)
    french = paragraph_texts("fr", page)
    assert len(english) == len(french), f"{page}: the editions have different paragraphs"
    untranslated = [e for e, f in zip(english, french) if e == f and len(e.split()) > 3]
    assert not untranslated, f"{html_path('fr', page)}: paragraphs still in English: {untranslated}"


def test_theme_interface_is_french_on_french_pages():
    page = soup("fr", "index")
    assert page.find(string="Haut de page"), "furo's 'Back to top' is not translated"
    assert page.select_one(".sidebar-search")["placeholder"] == "Recherche"


# The theme's own words around the article: the skip link, the footer, the previous/next links.
THEME_CHROME = (".skip-to-content", ".bottom-of-page", ".related-pages", ".toc-title", ".back-to-top")
ENGLISH_THEME_WORDS = ("Skip to content", "Made with", "Back to top", "On this page", "Next",
                       "Previous", " and ", "'s ")


@pytest.mark.parametrize("page", PAGES)
def test_no_english_theme_words_on_french_pages(page):
    chrome = " ".join(" ".join(element.get_text().split())
                      for selector in THEME_CHROME for element in soup("fr", page).select(selector))
    english = [word.strip() for word in ENGLISH_THEME_WORDS if word in f" {chrome} "]
    assert not english, f"{html_path('fr', page)}: the theme says {english} in English: {chrome!r}"


@pytest.mark.parametrize("page", PAGES)
def test_figures_drawn_in_french_are_the_ones_french_pages_show(page):
    """Sphinx picks `name.fr.svg` for `name.svg` on French pages (figure_language_filename)."""
    for language in LANGUAGES:
        for image in article(language, page).find_all("img"):
            name = Path(image["src"]).name.replace(".fr.", ".")
            french_twin = next((ROOT / "source").rglob(f"{Path(name).stem}.fr{Path(name).suffix}"), None)
            if french_twin is None:
                continue
            expected = french_twin.name if language == "fr" else name
            assert Path(image["src"]).name == expected, (
                f"{html_path(language, page).relative_to(ROOT)}:{image.sourceline}: shows {image['src']}, "
                f"not {expected}")
