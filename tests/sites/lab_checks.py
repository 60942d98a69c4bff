"""Another HPC site reuses the packages with its own data: the lab's guide (tests/sites/lab).

Not collected by the suite directly: test_from_wheels.py runs these checks with the packages
installed from their wheels into a fresh virtual environment, as another site would have them
(`pytest tests/sites/lab_checks.py` runs them with the packages of the environment at hand).

The lab has its own platform.toml (another login host, prompt shape, partition, catalog; no python
module, no preemption), conf.py, pages and French catalogs. It is built in both languages with the
packages' Sphinx extensions, and its pages run on a stand-in instance of its own, which the inner
pytest run starts and stops.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib
import pytest
from bs4 import BeautifulSoup

LAB = Path(__file__).resolve().parent / "lab"
LANGUAGES = ("en", "fr")
PAGES = ("index", "compilers")
HPC_STANDIN = Path(sys.executable).with_name("hpc-standin")


def sphinx_build(builder: str, out: Path, *options: str) -> None:
    command = [sys.executable, "-m", "sphinx", "-b", builder, "-c", ".", "-d", str(out / ".doctrees"),
               "-W", "-n", "--keep-going", "-q", *options, "source", str(out)]
    result = subprocess.run(command, cwd=LAB, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)} (in {LAB}):\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The lab's site, built side by side as <site>/<language>/."""
    root = tmp_path_factory.mktemp("lab-html")
    for language in LANGUAGES:
        sphinx_build("html", root / language, "-D", f"language={language}")
    return root


def soup(site: Path, language: str, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / language / f"{page}.html").read_text(encoding="utf-8"), "html.parser")


def text_of(document: BeautifulSoup) -> str:
    """The article's text, runs of ASCII white space as one space (no-break spaces are kept)."""
    return re.sub(r"[ \t\n]+", " ", document.find("article").get_text())


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
    sphinx_build("gettext", tmp_path)
    for template in sorted(tmp_path.glob("*.pot")):
        catalog = polib.pofile(str(LAB / "locale" / "fr" / "LC_MESSAGES" / f"{template.stem}.po"))
        translated = {entry.msgid for entry in catalog.translated_entries()}
        missing = [entry.msgid for entry in polib.pofile(str(template)) if entry.msgid not in translated]
        assert not missing, f"{catalog.fpath}: no French for {missing}"


@pytest.fixture
def lab_instance(tmp_path):
    """The environment of a run on the lab's own stand-in instance, and its state folder.

    The state lives under /tmp in a folder of its own, traversable by the munge user (pytest's
    tmp_path is not); the cache is the test's own (no python module: nothing gets built)."""
    top = Path(tempfile.mkdtemp(prefix="lab-standin-"))
    top.chmod(0o711)
    state = top / "state"
    # Nothing of another platform's login shell or of the outer pytest run: the inner run decides
    # alone that it runs on the lab's stand-in.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("HPC_STANDIN", "LMOD_", "SLURM_", "PYTEST_"))}
    env.update(HPC_STANDIN_STATE=str(state), HPC_STANDIN_CACHE=str(tmp_path / "cache"))
    yield env, state
    if state.exists():  # the run failed to stop it: no daemon may outlive the test
        subprocess.run([HPC_STANDIN, "--platform", LAB / "platform.toml", "down"], env=env)
    shutil.rmtree(top)


@pytest.mark.timeout(600)
def test_lab_pages_run_on_the_labs_own_standin(lab_instance, tmp_path):
    env, state = lab_instance
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-c", LAB / "pytest.ini", "--rootdir", LAB,
         "--basetemp", tmp_path / "basetemp"],
        cwd=LAB, env=env, capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "every code block of the pages ran" in result.stdout, output
    blocks = (LAB / "source" / "compilers.rst").read_text().count(".. code-block::")
    assert re.search(rf"^source/compilers\.rst: {blocks} ran$", result.stdout, re.MULTILINE), output

    # The inner run started the instance, so it stopped it at its end.
    status = subprocess.run([HPC_STANDIN, "--platform", LAB / "platform.toml", "status"],
                            env=env, capture_output=True, text=True)
    assert status.returncode != 0, f"the lab's stand-in is still up after the run:\n{status.stdout}"
    assert not state.exists(), f"{state} is left after the run"
    left = sorted(path.name for path in state.parent.iterdir())
    assert not left, f"the instance's lock files are left beside its state: {left}"
