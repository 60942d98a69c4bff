"""Every code block of the pages in this folder is a test: see tests/harness/__init__.py."""
from tests.harness import pages_sybil

pytest_collect_file = pages_sybil(__file__).pytest()
