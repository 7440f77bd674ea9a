#!/bin/sh
# Prints PostgreSQL metrics in Prometheus text format (a small subset of postgres_exporter's names).
# Settings come from exporter.env next to this script (written by lab.sh); the password comes from PGPASSFILE.
set -u
. "$(dirname "$0")/exporter.env"
export PGPASSFILE="$PG_PASSFILE" PGCONNECT_TIMEOUT=3
sql="
SELECT 'pg_database_size_bytes{datname=\"' || datname || '\"} ' || pg_database_size(datname)
  FROM pg_database WHERE datallowconn
UNION ALL SELECT 'pg_stat_activity_count ' || count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'
UNION ALL SELECT 'pg_stat_archiver_archived_count ' || archived_count FROM pg_stat_archiver
UNION ALL SELECT 'pg_stat_archiver_failed_count ' || failed_count FROM pg_stat_archiver
UNION ALL SELECT 'pg_settings_archive_mode ' || CASE WHEN current_setting('archive_mode') = 'off' THEN 0 ELSE 1 END
UNION ALL SELECT 'pg_settings_max_connections ' || current_setting('max_connections')
UNION ALL SELECT 'pg_postmaster_start_time_seconds ' || extract(epoch FROM pg_postmaster_start_time())::bigint
UNION ALL SELECT 'pg_is_in_recovery ' || CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END
"
if out=$("$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "$sql" 2>/dev/null); then
  up=1
else
  up=0
fi
echo "# HELP pg_up Whether the last scrape of PostgreSQL was able to connect"
echo "# TYPE pg_up gauge"
echo "pg_up $up"
[ "$up" = 1 ] && printf '%s\n' "$out"
exit 0
