#!/usr/bin/env bash
# Debian packages the benchmark harness (`make bench`, `python -m bench`) runs besides Python:
# wrk (the HTTP load), pgbench and psql (the SQL ceiling, the machine line), redis-cli (the Redis
# version), PgBouncer (--pgbouncer), and the PostgreSQL and Redis servers it measures against
# (scripts/services.sh starts them). Installed only when missing, as scripts/test_deps.sh does for the tests.
set -u
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
# Debian ships pgbench with the server package (postgresql-15 on bookworm), not with the client.
{ command -v pgbench >/dev/null 2>&1 && pgbench --version >/dev/null 2>&1; } || need+=(postgresql)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# PgBouncer for `python -m bench … --pgbouncer POOL` (the platform through a pooler of its own).
[ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || need+=(pgbouncer)
if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  echo "installing: ${need[*]}"
  apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
missing=()
for tool in wrk psql pgbench redis-cli; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "the benchmarks need: ${missing[*]} (install failed?)" >&2
  exit 1
fi
