#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL for the store's test suite:
#
#   scripts/with-postgres.sh npm test
#
# Starts a cluster on a loopback port in a temporary directory (scripts/pg-cluster.sh: as the
# `postgres` user when run as root), exports TEST_DATABASE_URL, runs the command, and stops and
# removes the cluster when it exits, whatever its outcome. With TEST_DATABASE_URL already set the
# command runs against that server instead. (Without this script, `npm test` starts a cluster of its
# own when the server binaries are installed: see test/utils/PostgresGlobalSetup.ts.)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  exec "$@"
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/emodal-pg-ci-XXXXXX")"
cleanup() {
  bash "$here/pg-cluster.sh" stop "$dir" || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

env_lines="$(bash "$here/pg-cluster.sh" start "$dir")"
TEST_DATABASE_URL="$(printf '%s\n' "$env_lines" | sed -n 's/^TEST_DATABASE_URL=//p')"
export TEST_DATABASE_URL
echo "with-postgres: throw-away PostgreSQL at ${TEST_DATABASE_URL}" >&2
"$@"
