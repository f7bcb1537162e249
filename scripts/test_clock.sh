#!/usr/bin/env bash
# The non-browser suite on SQLite once more with the machine's clock moved (Debian's libfaketime,
# installed by scripts/test_deps.sh), so a test that reads today's date and compares it with a
# date written into the test fails here rather than on the day the calendar passes it.
#
#   bash scripts/test_clock.sh                          # the default moved date (below)
#   bash scripts/test_clock.sh "2028-02-29 23:30 +0800" # any dates `date -d` reads, one pass each
#
# The default is a year ahead AND the last hour of a year in Beijing (TIME_ZONE): a month end and a
# year end, where "now + an hour" is next year, while UTC's date (15:00) is still 31 December. The
# clock keeps running from there (faketime's default), so timeouts and durations behave as usual;
# one pass of the suite takes a few minutes, well inside the hour before midnight.
# The tests marked slow (scale tests; they run in make test-pg) are left out, as in make test.
# SQLite only: libfaketime moves this process's clock (SQLite runs inside it), not PostgreSQL's.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "faketime missing: run scripts/test_deps.sh (Debian package faketime)" >&2; exit 2; }
if [ $# -eq 0 ]; then
  set -- "2027-12-31 23:00:00 +0800"
fi
for moved in "$@"; do
  echo "== the suite with the clock at $(date -d "$moved" -u '+%Y-%m-%d %H:%M UTC') ($moved) =="
  # Unset: the moved pass is SQLite and the in-process ranking backend, whatever the shell exports.
  # Only the wall clock moves: Python's timed waits (threading, queues) count on the monotonic
  # clock, and a faked one sent the scheduler's thread tests into waits that never ended.
  env -u DATABASE_URL -u REDIS_URL FAKETIME_DONT_FAKE_MONOTONIC=1 faketime "$moved" .venv/bin/python -m pytest -m "not e2e and not slow"
done
