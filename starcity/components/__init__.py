"""The Scrapy components that join the steps, the items and the database.

Each is a thin class built by ``from_crawler`` from the crawl's settings: it loads what
its step needs (topic, knowledge base, model), hands it the step's inputs and the time,
counts in the crawl's stats, and writes through ``db/``. The steps themselves
(``pipelines/``) take values and return values.

Item pipelines, in ITEM_PIPELINES order: analysis (100: extraction, relevance,
fingerprints, people and dates, in worker processes), duplicates (300), store (900).
Extensions: grouping (duplicate groups and stories after the crawl), runrecord (the
run's record), progress (counts on the console).
"""
