"""sphinx_hpc_platform.accessibility: the sidebar's captions get a heading level, code blocks and
tables a place in the keyboard's order, in a Furo site built here."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

PAGE = """\
Home
====

.. toctree::
   :caption: Guides

   other

.. code-block:: console

   $ echo a-line-long-enough-to-scroll-on-a-phone-and-more-and-more-and-more-and-more-and-more

.. list-table::

   * - a
     - b
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    pytest.importorskip("furo")
    root = tmp_path_factory.mktemp("site")
    (root / "conf.py").write_text('extensions = ["sphinx_hpc_platform.accessibility"]\nhtml_theme = "furo"\n')
    (root / "index.rst").write_text(PAGE)
    (root / "other.rst").write_text("Other\n=====\n\nText.\n")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", str(root), str(root / "_build")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return (root / "_build" / "index.html").read_text(encoding="utf-8")


def test_sidebar_captions_have_a_heading_level(built):
    captions = re.findall(r'<p class="caption"[^>]*>', built)
    assert captions and all('role="heading" aria-level="2"' in caption for caption in captions), captions


def test_code_blocks_and_tables_take_the_keyboard_focus(built):
    assert re.findall(r'<div class="highlight"><pre[^>]*>', built) == ['<div class="highlight"><pre tabindex="0">']
    wrappers = re.findall(r'<div class="table-wrapper[^>]*>', built)
    assert wrappers and all('tabindex="0"' in wrapper for wrapper in wrappers), wrappers
