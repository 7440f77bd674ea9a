#!/bin/sh
# Prints Redis metrics in Prometheus text format (a small subset of oliver006/redis_exporter's names).
# Settings come from exporter.env next to this script (written by lab.sh). The password is read from a file
# into REDISCLI_AUTH, never passed as an argument.
set -u
. "$(dirname "$0")/exporter.env"
REDISCLI_AUTH=$(cat "$REDIS_PASSWORD_FILE")
export REDISCLI_AUTH
info=$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" INFO 2>/dev/null | tr -d '\r')
up=0
case "$info" in *redis_version:*) up=1 ;; esac
echo "# HELP redis_up Information about the Redis instance"
echo "# TYPE redis_up gauge"
echo "redis_up $up"
[ "$up" = 1 ] || exit 0
printf '%s\n' "$info" | awk -F: '
  function g(name, help, v) { print "# HELP " name " " help; print "# TYPE " name " gauge"; print name " " v }
  function c(name, help, v) { print "# HELP " name " " help; print "# TYPE " name " counter"; print name " " v }
  $1 == "uptime_in_seconds"            { g("redis_uptime_in_seconds", "Redis uptime", $2) }
  $1 == "connected_clients"            { g("redis_connected_clients", "Connected clients", $2) }
  $1 == "blocked_clients"              { g("redis_blocked_clients", "Blocked clients", $2) }
  $1 == "used_memory"                  { g("redis_memory_used_bytes", "Used memory", $2) }
  $1 == "maxmemory"                    { g("redis_memory_max_bytes", "maxmemory setting", $2) }
  $1 == "rdb_changes_since_last_save"  { g("redis_rdb_changes_since_last_save", "Changes since last RDB save", $2) }
  $1 == "rdb_last_save_time"           { g("redis_rdb_last_save_timestamp_seconds", "Last RDB save", $2) }
  $1 == "rdb_last_bgsave_status"       { g("redis_rdb_last_bgsave_status", "1 if the last BGSAVE succeeded", ($2 == "ok") ? 1 : 0) }
  $1 == "aof_enabled"                  { g("redis_aof_enabled", "1 if appendonly is on", $2) }
  $1 == "total_commands_processed"     { c("redis_commands_processed_total", "Commands processed", $2) }
  $1 == "total_connections_received"   { c("redis_connections_received_total", "Connections received", $2) }
  $1 == "role"                         { g("redis_instance_info{role=\"" $2 "\"}", "Instance info", 1) }
  $1 ~ /^db[0-9]+$/ { split($2, kv, ","); split(kv[1], k, "=");
                      keys = keys "redis_db_keys{db=\"" $1 "\"} " k[2] "\n" }
  END { print "# HELP redis_db_keys Keys per database"; print "# TYPE redis_db_keys gauge"; printf "%s", keys }
'
