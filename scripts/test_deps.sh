#!/usr/bin/env bash
# Debian packages the tests need: Chromium + a CJK font (browser journeys), poppler (PDF text),
# zbar (QR decoding of label PDFs), faketime (the suite with the clock moved, scripts/test_clock.sh),
# PgBouncer (the pooler test starts its own, modules/bags/tests/test_pooler.py; the replica test uses
# the PostgreSQL server binaries already there for the database itself).
# Installed only when missing. The benchmarks' own (wrk, pgbench …) are in scripts/bench_deps.sh.
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi" || need+=(fonts-wqy-microhei)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v faketime >/dev/null 2>&1 || need+=(faketime)
[ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || need+=(pgbouncer)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
