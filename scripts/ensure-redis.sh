#!/usr/bin/env bash
# Make sure Debian's redis-server is installed: distributed crawls (docs/distributed.md),
# `make crawl-distributed` and its tests start one on a free loopback port.
set -euo pipefail
if command -v redis-server > /dev/null; then
  exit 0
fi
echo "redis-server missing: installing it with apt-get" >&2
sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
$sudo_cmd apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends redis-server
# The package starts a system-wide server on port 6379; the crawl starts its own.
$sudo_cmd systemctl disable --now redis-server 2> /dev/null || true
