"""Spiders discover and fetch pages; they never parse articles or write the database."""
