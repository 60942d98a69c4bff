"""Sphinx extensions for an HPC site's user guide, configured by its platform.toml.

- ``sphinx_hpc_platform.facts``: a substitution for each platform fact (``|partition|``), in every
  language, so that prose never hard-codes one, and the tables of the nodes and partitions
  (``sphinx_hpc_platform.tables``: ``.. platform-nodes::``, ``.. platform-partitions::``);
- ``sphinx_hpc_platform.language_switcher``: on every page, a link to the same page in each of the
  site's other languages (for the Furo theme's "view this page" slot).
"""
