"""The site's rule for copy buttons (copybutton_selector in conf.py): a `text` block without a
caption is a job's output, which readers read and do not copy; a `text` block with a caption is a
file to save (requirements.txt), which they copy. Here: every such output block is one."""
import re

import pytest

from tests.site.builtsite import ROOT, SOURCE, page_names

BLOCK = re.compile(r"^\.\. code-block:: text\n((?:   :\w[\w-]*:.*\n)*)", re.MULTILINE)


@pytest.mark.parametrize("page", page_names())
def test_text_blocks_without_caption_are_outputs(page):
    path = SOURCE / f"{page}.rst"
    text = path.read_text(encoding="utf-8")
    wrong = []
    for block in BLOCK.finditer(text):
        if ":caption:" in block.group(1):
            continue
        before = [line for line in text[:block.start()].splitlines() if line.strip()]
        if not before or before[-1].strip() != ".. test: output":
            line = text.count("\n", 0, block.start()) + 1
            wrong.append(f"{path.relative_to(ROOT)}:{line}: a text block without a caption that is not "
                         "a job's output (`.. test: output` above it): readers get no copy button for it; "
                         "give it a caption (a file to save) or another language")
    assert not wrong, "\n".join(wrong)
