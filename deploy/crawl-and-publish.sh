#!/usr/bin/env bash
# Crawl, then publish the database to a public Datasette (run it from cron or a systemd timer).
#
#   deploy/crawl-and-publish.sh cloudrun --service starcity-news
#
# The first argument is the target of `python -m starcity publish` (cloudrun, heroku or
# package); the rest goes to `datasette publish`. The database is published only when the
# crawl read at least one source (exit 0): a failed crawl leaves the last deploy in place.
# Environment: DB (default data/starcity.db), CRAWL_ARGS (extra options of `crawl`, e.g.
# "--sources config/sources.yml"), PYTHON (default .venv/bin/python), PUBLISH_DRY_RUN=1 to
# print the publish command instead of running it.
set -uo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: deploy/crawl-and-publish.sh cloudrun|heroku|package [datasette publish options]}
shift
python=${PYTHON:-.venv/bin/python}
db=${DB:-data/starcity.db}

# shellcheck disable=SC2086  # CRAWL_ARGS holds several options
"$python" -m starcity crawl --db "$db" ${CRAWL_ARGS:-}
status=$?
if [[ $status -ne 0 ]]; then
  echo "crawl exited $status: not publishing" >&2
  exit "$status"
fi
dry_run=()
[[ ${PUBLISH_DRY_RUN:-} == 1 ]] && dry_run=(--dry-run)
exec "$python" -m starcity publish "$target" --db "$db" "${dry_run[@]}" -- "$@"
