#!/usr/bin/env bash
# Makes a fresh clone runnable: Debian's redis-server when missing (and, for `bootstrap.sh test`,
# postgresql and what the original service and its scripts need), the locked npm packages, a
# build. Safe to run again: each step is skipped
# when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# initdb and pg_ctl for the PostgreSQL tests (test/helpers/postgres.ts runs a throwaway cluster of its own).
if [ "${1:-}" = "test" ]; then
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  # The original service and its scripts, for the contract tests (test/helpers/original-service.ts).
  /usr/bin/python3 -c 'import flask' >/dev/null 2>&1 || missing+=(python3-flask)
  /usr/bin/python3 -c 'import redis' >/dev/null 2>&1 || missing+=(python3-redis)
  /usr/bin/python3 -c 'import requests' >/dev/null 2>&1 || missing+=(python3-requests)
  for tool in jq bc curl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  # promtool checks /metrics against the Prometheus naming rules (test/integration/faults/admin-http-exact.test.ts).
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  # tmux drives `watch` in an 80x24 pane (test/e2e/watch-tmux.test.ts) and gives the run's prompts
  # a real terminal (test/e2e/run-position.test.ts: the manual gate, moving traffic back).
  command -v tmux >/dev/null 2>&1 || missing+=(tmux)
  # mariadbd and mariadb-install-db for the MySQL sink tests (test/helpers/mariadb.ts runs a throwaway instance of its own).
  command -v mariadb-install-db >/dev/null 2>&1 || missing+=(mariadb-server)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]} (Debian packages)" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then
    # No system cluster: the package would otherwise create and start "main" on port 5432.
    $sudo mkdir -p /etc/postgresql-common/createcluster.d
    echo 'create_main_cluster = false' | $sudo tee /etc/postgresql-common/createcluster.d/streamctl.conf >/dev/null
  fi
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" mariadb-server "* ]]; then
    # Only the binaries are wanted: the package also starts a system server on :3306.
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      $sudo systemctl disable --now mariadb.service >/dev/null 2>&1 || true
    else
      $sudo service mariadb stop >/dev/null 2>&1 || true
    fi
  fi
  if [[ " ${missing[*]} " == *" prometheus "* ]]; then
    # Only promtool is wanted: the package also starts a Prometheus server on :9090.
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      $sudo systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    else
      $sudo service prometheus stop >/dev/null 2>&1 || true
    fi
  fi
fi

# npm ci when node_modules is absent or older than the lock file (better-sqlite3 builds from source: ~1 min).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

node_modules/.bin/tsc -p tsconfig.json
