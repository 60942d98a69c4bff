"""A third site, unlike the other two: Fjord's guide (tests/sites/fjord).

Fjord runs a plain Lmod (its stand-in's recipe names no profile of the Alliance), Sphinx's own
theme rather than Furo and no copy button, a python module
whose small wheelhouse is its own recipe's, a GPU partition apart from its CPU partition, no
preemption, and a prompt of a third shape. Like lab_checks.py, run by test_from_wheels.py with the
packages installed from their wheels: its site built in both languages, its French complete, its
pages run on a stand-in instance of its own, which builds its python module and its wheelhouse.
"""

from pathlib import Path

import pytest

from .sitekit import (
    assert_instance_gone,
    assert_pages_ran,
    build,
    main_of,
    own_instance,
    run_pages,
    soup,
    text_of,
    untranslated,
)

FJORD = Path(__file__).resolve().parent / "fjord"
LANGUAGES = ("en", "fr")
PAGES = ("index", "python")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(FJORD, tmp_path_factory.mktemp("fjord-html"), LANGUAGES)


def test_french_pages_show_fjords_facts(site):
    index = soup(site, "fr", "index")
    assert index.find("h1").get_text().rstrip("¶") == "Guide du calculateur Fjord"
    text = text_of(index)
    for fact in ("connectez à gate", "partition cpu", "3\u00a0jours"):
        assert fact in text, f"{site / 'fr' / 'index.html'}: no {fact!r} in {text!r}"


def test_the_tables_show_the_gpu_partition_apart_and_no_preemption(site):
    """The GPU node is in its own partition, the only one with GPUs; nobody preempts anybody, so
    the partitions' table has no column for it."""
    for language, none in (("en", "none"), ("fr", "aucun")):
        partitions, nodes = main_of(soup(site, language, "index")).select("table")
        headers = [cell.get_text(strip=True) for cell in partitions.select("thead th")]
        assert len(headers) == 4, f"{language}: the partitions' table has columns {headers}"
        rows = {row.select("td")[0].get_text(strip=True): [cell.get_text(strip=True) for cell in row.select("td")]
                for row in nodes.select("tbody tr")}
        assert rows["g01"][1] == "gpu" and rows["g01"][-1] == "2 × NVIDIA L4 (l4)", rows
        assert rows["c01-c02"][1] == "cpu" and rows["c01-c02"][-1] == none, rows


def test_french_catalogs_translate_every_message(tmp_path):
    assert not untranslated(FJORD, "fr", tmp_path)


@pytest.mark.timeout(600)
def test_fjord_pages_run_on_its_own_standin(tmp_path):
    """Its python module is built in the test's own cache, its wheelhouse fetched from the registry."""
    with own_instance(FJORD, tmp_path / "cache") as (env, state):
        assert_pages_ran(FJORD, run_pages(FJORD, env, tmp_path / "basetemp"), PAGES)
        assert_instance_gone(FJORD, env, state)
