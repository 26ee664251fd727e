"""Pipelines turn fetched pages into stored articles: extract, then store."""
