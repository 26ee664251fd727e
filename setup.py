"""Packaging for Scrapyd: scrapyd-deploy builds the egg from it (installs use the lock)."""

from setuptools import find_packages, setup

setup(
    name="starcity-monitor",
    version="0.1.0",
    packages=find_packages(include=["spiders*", "pipelines*", "db*", "starcity*"]),
    py_modules=["settings"],
    package_data={"db": ["*.yml"], "pipelines": ["*.txt"]},
    entry_points={"scrapy": ["settings = settings"]},
)
