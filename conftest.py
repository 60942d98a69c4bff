"""pytest wiring for the whole repository.

The pages' examples are collected by source/conftest.py; the harness behind it lives in tests/harness/.
"""
