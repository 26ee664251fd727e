#!/usr/bin/env bash
# Create .venv with Python 3.11+ and install a lock's dependencies into it:
#   scripts/bootstrap-venv.sh VENV [LOCK]   (LOCK: requirements.lock, the production one)
# On a fresh Debian/Ubuntu machine, installs python3-venv with apt when venv is missing.
set -euo pipefail
venv=${1:-.venv}
lock=${2:-requirements.lock}
python=${PYTHON:-python3}

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: Python 3.11 or newer is needed ($python is $("$python" --version 2>&1))" >&2
  exit 1
fi

if [[ ! -x "$venv/bin/python" ]]; then
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    echo "python venv module missing: installing it with apt-get" >&2
    sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
    pyver=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    $sudo_cmd apt-get update -q
    $sudo_cmd apt-get install -y -q "python${pyver}-venv" || $sudo_cmd apt-get install -y -q python3-venv
    "$python" -m venv "$venv"
  fi
fi

"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet --require-hashes -r "$lock"
