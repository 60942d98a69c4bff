"""What the checks of another site (lab_checks.py, fjord_checks.py) do to any site folder: build
it in its languages with the packages' extensions, read its pages, compare its French catalogs with
its messages, and run its pages on a stand-in instance of its own, which the inner pytest run starts
and stops. A site folder holds conf.py, platform.toml, pytest.ini, source/ and locale/.

And how the tests of tests/sites get the packages as another site does (test_from_wheels.py,
test_floors.py): built as wheels, installed by a pip that reads nothing of the host's."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polib
from bs4 import BeautifulSoup

HPC_STANDIN = Path(sys.executable).with_name("hpc-standin")
REPO = Path(__file__).resolve().parents[2]
PACKAGES = sorted(path.parent for path in (REPO / "packages").glob("*/pyproject.toml"))


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, command))}:\n{result.stdout}{result.stderr}"
    return result


def pip_env() -> dict:
    """pip without the host's configuration or the outer run's virtual environment."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "PYTEST_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_CACHE_DIR=str(REPO / "build" / "pip-cache"),
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def without_platform(env: dict) -> dict:
    """`env` without what chooses or describes a platform (the outer run's stand-in, Lmod, Slurm,
    pytest's own variables): an inner run decides alone where it runs."""
    return {key: value for key, value in env.items()
            if not key.startswith(("HPC_STANDIN", "HPC_PLATFORM", "LMOD_", "SLURM_", "PYTEST_"))}


def build_wheels(out: Path, sources: Path) -> dict[Path, Path]:
    """Each package's folder -> its wheel in `out`, built from the checkout without network."""
    built = {}
    for package in PACKAGES:
        # From a copy: setuptools writes build/ and *.egg-info beside the sources it builds.
        source = shutil.copytree(package, sources / package.name,
                                 ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
        before = set(out.iterdir())
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
             "-w", out, source], env=pip_env())
        (wheel,) = set(out.iterdir()) - before
        built[package] = wheel
    return built


def sphinx_build(site: Path, builder: str, out: Path, *options: str) -> None:
    command = [sys.executable, "-m", "sphinx", "-b", builder, "-c", ".", "-d", str(out / ".doctrees"),
               "-W", "-n", "--keep-going", "-q", *options, "source", str(out)]
    result = subprocess.run(command, cwd=site, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)} (in {site}):\n{result.stdout}{result.stderr}"


def build(site: Path, root: Path, languages: tuple[str, ...]) -> Path:
    """The site built side by side as <root>/<language>/."""
    for language in languages:
        sphinx_build(site, "html", root / language, "-D", f"language={language}")
    return root


def soup(root: Path, language: str, page: str) -> BeautifulSoup:
    return BeautifulSoup((root / language / f"{page}.html").read_text(encoding="utf-8"), "html.parser")


def main_of(document: BeautifulSoup):
    """The page's own content, whatever the theme: Furo's <article>, Sphinx's role="main"."""
    return document.find("article") or document.find(attrs={"role": "main"})


def text_of(document: BeautifulSoup) -> str:
    """The content's text, runs of ASCII white space as one space (no-break spaces are kept)."""
    return re.sub(r"[ \t\n]+", " ", main_of(document).get_text())


def untranslated(site: Path, language: str, out: Path) -> dict[str, list[str]]:
    """Per catalog of the language, the messages of the pages it does not translate."""
    sphinx_build(site, "gettext", out)
    missing = {}
    for template in sorted(out.glob("*.pot")):
        catalog = polib.pofile(str(site / "locale" / language / "LC_MESSAGES" / f"{template.stem}.po"))
        translated = {entry.msgid for entry in catalog.translated_entries()}
        left = [entry.msgid for entry in polib.pofile(str(template)) if entry.msgid not in translated]
        if left:
            missing[catalog.fpath] = left
    return missing


@contextlib.contextmanager
def own_instance(site: Path, cache: Path) -> Iterator[tuple[dict, Path]]:
    """The environment of a run on the site's own stand-in instance, and its state folder.

    The state lives under /tmp in a folder of its own, traversable by the munge user (pytest's
    tmp_path is not). Nothing of another platform's login shell or of the outer pytest run comes
    in: the inner run decides alone that it runs on the site's stand-in."""
    top = Path(tempfile.mkdtemp(prefix=f"{site.name}-standin-"))
    top.chmod(0o711)
    state = top / "state"
    env = without_platform(dict(os.environ))
    env.update(HPC_STANDIN_STATE=str(state), HPC_STANDIN_CACHE=str(cache))
    try:
        yield env, state
    finally:
        if state.exists():  # the run failed to stop it: no daemon may outlive the test
            subprocess.run([HPC_STANDIN, "--platform", site / "platform.toml", "down"], env=env)
        shutil.rmtree(top)


def run_pages(site: Path, env: dict, basetemp: Path) -> subprocess.CompletedProcess:
    """The site's own pytest run of its pages (its pytest.ini), on its own stand-in."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-c", site / "pytest.ini", "--rootdir", site,
         "--basetemp", basetemp], cwd=site, env=env, capture_output=True, text=True)


def assert_pages_ran(site: Path, result: subprocess.CompletedProcess, pages: tuple[str, ...]) -> None:
    """The run passed, and reported every block of each page that has blocks as run."""
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "every code block of the pages ran" in result.stdout, output
    for page in pages:
        blocks = (site / "source" / f"{page}.rst").read_text().count(".. code-block::")
        assert not blocks or re.search(rf"^source/{page}\.rst: {blocks} ran$", result.stdout, re.MULTILINE), output


def assert_instance_gone(site: Path, env: dict, state: Path) -> None:
    """The inner run started the instance, so it stopped it at its end, locks included."""
    status = subprocess.run([HPC_STANDIN, "--platform", site / "platform.toml", "status"],
                            env=env, capture_output=True, text=True)
    assert status.returncode != 0, f"{site.name}'s stand-in is still up after the run:\n{status.stdout}"
    assert not state.exists(), f"{state} is left after the run"
    left = sorted(path.name for path in state.parent.iterdir())
    assert not left, f"the instance's lock files are left beside its state: {left}"
