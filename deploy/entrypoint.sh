#!/bin/sh
# $1: the service's Python package; $2: "serve" (the default) or "migrate".
# Migrations are a step of their own: a Kubernetes Job runs `IMAGE <pkg> migrate` once per release. A one-host
# set-up (docker-compose.yml) sets DVC_MIGRATE_ON_START=1 to migrate before serving; runs started at once
# (several replicas) wait for each other on a PostgreSQL advisory lock.
set -e
pkg="${1:-gateway}"
cmd="${2:-serve}"
if [ "$cmd" = migrate ]; then
  exec python -m "$pkg" migrate
fi
if [ "${DVC_MIGRATE_ON_START:-0}" = 1 ]; then
  python -m "$pkg" migrate
fi
exec python -m "$pkg" serve
