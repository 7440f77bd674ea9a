#!/bin/sh
# Entry point of the lab's exporter containers (agentic-redis-exporter, agentic-postgres-exporter).
# Usage: run-exporter.sh redis|postgres 127.0.0.1:PORT WWW_DIR
#
# busybox httpd can only run CGI under /cgi-bin/, so /metrics is a file that a background loop rewrites every
# LAB_EXPORTER_INTERVAL seconds (default 15) with real values; /cgi-bin/metrics gives the same values live.
# `lab.sh break fail-health NAME` creates WWW_DIR/.disabled and removes metrics: the loop then stops writing it.
set -u
kind=$1 addr=$2 dir=$3
here=$(dirname "$0")
interval=${LAB_EXPORTER_INTERVAL:-15}
# The postgres exporter also bounds the lab's WAL archive (prune-wal.sh) every WAL_PRUNE_INTERVAL seconds.
WAL_ARCHIVE=""
[ "$kind" = postgres ] && [ -f "$here/exporter.env" ] && . "$here/exporter.env"
pruned=0
(
  while :; do
    now=$(date +%s)
    if [ -n "$WAL_ARCHIVE" ] && [ -d "$WAL_ARCHIVE" ] && [ $((now - pruned)) -ge "${WAL_PRUNE_INTERVAL:-120}" ]; then
      sh "$here/prune-wal.sh" "$WAL_ARCHIVE" "$WAL_BACKUPS" "${WAL_KEEP_MINUTES:-60}" "${WAL_MAX_MB:-2048}" > "$dir/.prune-wal.log" 2>&1
      pruned=$now
    fi
    if [ ! -e "$dir/.disabled" ]; then
      if "$here/collect-$kind.sh" > "$dir/.metrics.tmp" 2>/dev/null; then
        mv -f "$dir/.metrics.tmp" "$dir/metrics"
      fi
    fi
    sleep "$interval"
  done
) &
exec /bin/busybox httpd -f -p "$addr" -h "$dir"
