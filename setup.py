"""A shim for `scrapyd-deploy`, which builds the Scrapyd egg by running `setup.py bdist_egg`;
everything it builds from is declared in pyproject.toml."""

from setuptools import setup

setup()
