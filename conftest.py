"""pytest wiring for the whole repository.

The pages' examples are collected by source/conftest.py; the harness behind it lives in tests/harness/.
The cluster plugin brings the stand-in platform up for the session (or uses the real one); the home
guard fails a run that writes in the real HOME.
"""

pytest_plugins = ["tests.plugins.cluster", "tests.plugins.home_guard"]
