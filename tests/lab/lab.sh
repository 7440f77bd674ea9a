#!/usr/bin/env bash
# PlatformOps lab platform: a small but real self-hosted "agentic" Docker Compose platform on 127.0.0.1,
# for the PlatformOps module's integration tests. See tests/lab/README.md.
#
#   lab.sh install [--test-tools]  apt-get install what is missing (Debian/Ubuntu, root); else say what is missing
#                                  (--test-tools: also chromium, prometheus's promtool and systemd's systemd-analyze,
#                                  which the tests use)
#   lab.sh up [--no-docker]        Docker mode: dockerd (if needed) + 19 containers; --no-docker: plain pg + redis
#   lab.sh plain-up                same as `up --no-docker`
#   lab.sh down [--no-docker] [--purge]   stop what the lab started (--purge also deletes the lab root)
#   lab.sh status                  what is up
#   lab.sh profile [--no-docker]   print the profile path
#   lab.sh prune-wal [--no-docker]  bound the lab's WAL archive now (also done by `up` and, in Docker mode, every
#                                  LAB_WAL_PRUNE_INTERVAL seconds by the postgres exporter): see exporters/prune-wal.sh
#   lab.sh break|fix FAULT [TARGET]
#       stop-container NAME | start-container NAME | fail-health NAME | redis-persistence-off [plain]
#       stop-redis | start-redis | fast-health NAME
#
# Environment: PLATFORMOPS_LAB_ROOT (default /tmp/platformops-lab), LAB_HEALTH_INTERVAL (default 10s),
#   LAB_FAST_HEALTH_INTERVAL (default 1s), LAB_UP_TIMEOUT (seconds, default 90), LAB_EXPORTER_INTERVAL (default 15),
#   LAB_WAL_KEEP_MINUTES (default 60), LAB_WAL_MAX_MB (default 2048), LAB_WAL_PRUNE_INTERVAL (seconds, default 120).
#
# Rules this script keeps: every server listens on 127.0.0.1 only; no password is ever printed or passed as a
# command-line argument (files, PGPASSFILE and REDISCLI_AUTH only); it only stops processes it started itself.
set -euo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_ROOT="${PLATFORMOPS_LAB_ROOT:-/tmp/platformops-lab}"
COMPOSE_FILE="$LAB_DIR/compose.yml"
PROJECT=agentic
DOCKER_SOCK=/var/run/docker.sock
HEALTH_INTERVAL="${LAB_HEALTH_INTERVAL:-10s}"
FAST_HEALTH_INTERVAL="${LAB_FAST_HEALTH_INTERVAL:-1s}"
UP_TIMEOUT="${LAB_UP_TIMEOUT:-90}"
EXPORTER_INTERVAL="${LAB_EXPORTER_INTERVAL:-15}"
# The lab's WAL archive is bounded: WAL below the newest base backup's start goes after WAL_KEEP_MINUTES, or sooner
# (oldest first) while the archive is over WAL_MAX_MB. Nothing else expires it, and a busy lab archived 21 GB an hour.
WAL_KEEP_MINUTES="${LAB_WAL_KEEP_MINUTES:-60}"
WAL_MAX_MB="${LAB_WAL_MAX_MB:-2048}"
WAL_PRUNE_INTERVAL="${LAB_WAL_PRUNE_INTERVAL:-120}"

# Ports (Docker mode / plain mode).
PG_PORT=55432
REDIS_PORT=56379
PLAIN_PG_PORT=55433
PLAIN_REDIS_PORT=56380

# Folders and files under the lab root.
SECRETS="$LAB_ROOT/secrets"
PGPASS="$SECRETS/pgpass"
PG_PASSWORD_FILE="$SECRETS/postgres.password"
REDIS_PASSWORD_FILE="$SECRETS/redis.password"
TLS="$LAB_ROOT/tls"
STATE="$LAB_ROOT/state"
DOCKER_STATE="$LAB_ROOT/docker"
DOCKERD_PIDFILE="$DOCKER_STATE/dockerd.pid"
DOCKERD_OURS="$DOCKER_STATE/started-by-lab"   # exists (holding the pid) only if this lab started dockerd
PLAIN="$LAB_ROOT/plain"

# The web services. Port = 58000 + layer number (l01 -> 58001 ... l12 -> 58012; there is no l08, so 58008 is
# unused), platform-ui 58013.
SERVICES=(l01-data-layer l02-runtime l03-tool-execution l04-model-gateway l05-planning l06-evaluation
          l07-learning l09-api-gateway l10-human-interface l11-integration l12-service-hub platform-ui)
# Monitoring containers: name, port, health path.
MONITORING=("agentic-prometheus 59090 /-/healthy" "agentic-grafana 53000 /api/health"
            "agentic-redis-exporter 59121 /metrics" "agentic-postgres-exporter 59187 /metrics")
ALL_CONTAINERS=(agentic-postgres agentic-redis "${SERVICES[@]}" agentic-prometheus agentic-grafana
                agentic-redis-exporter agentic-postgres-exporter agentic-db-tools)
# Image tags (one tiny imported rootfs, several names so `docker ps` looks like a real platform).
IMAGES=(platformops-lab/base:1 platformops-lab/postgres:15 platformops-lab/redis:7 platformops-lab/service:1
        platformops-lab/prometheus:2 platformops-lab/grafana:10 platformops-lab/redis-exporter:1
        platformops-lab/postgres-exporter:1 platformops-lab/db-tools:15)

# ---------------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------------
log()  { printf '[lab] %s\n' "$*" >&2; }
die()  { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }
need_root() { [[ $(id -u) -eq 0 ]] || die "run as root (the lab creates users' files, runs dockerd and PostgreSQL as postgres)"; }

# Newest installed PostgreSQL server (Debian layout /usr/lib/postgresql/N/bin).
find_pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    [[ -x $d/postgres ]] && { echo "$d"; return 0; }
  done
  return 1
}

# Run a command as a system user with a clean environment (postgres/initdb/pg_ctl refuse root).
as_user() { local u=$1; shift; (cd "$LAB_ROOT" && setpriv --reuid="$u" --regid="$u" --init-groups --reset-env -- "$@"); }

# Is PID alive and is its command name NAME? (guards against killing a reused pid)
pid_is() { local pid=$1 name=$2; [[ -n $pid && -d /proc/$pid ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]]; }

# redis-cli with the password in REDISCLI_AUTH (read from the 0600 file, never an argument).
rcli() { local port=$1; shift; REDISCLI_AUTH="$(<"$REDIS_PASSWORD_FILE")" redis-cli -h 127.0.0.1 -p "$port" "$@"; }

# psql with the pass file.
pcli() { local port=$1; shift; PGPASSFILE="$PGPASS" "$PG_BIN/psql" -X -h 127.0.0.1 -p "$port" -U postgres "$@"; }

# Run docker-compose with its progress on stderr, prefixed, without the "... " half-lines.
compose_logged() {
  compose "$@" 2>&1 | tr -d '\r' | { grep -v -- '\.\.\. *$' || true; } | sed 's/^/[compose] /' >&2
}

docker_answers() { timeout 5 docker -H "unix://$DOCKER_SOCK" version >/dev/null 2>&1; }

compose() {
  export LAB_ROOT PG_BIN PG_UID PG_GID REDIS_UID REDIS_GID LAB_EXPORTER_INTERVAL="$EXPORTER_INTERVAL"
  DOCKER_HOST="unix://$DOCKER_SOCK" docker-compose -p "$PROJECT" --env-file "$LAB_ROOT/lab.env" -f "$COMPOSE_FILE" "$@"
}

# ---------------------------------------------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------------------------------------------
cmd_install() {
  local with_test_tools=${1:-} ; local -a missing=()
  find_pg_bin >/dev/null || missing+=(postgresql)
  command -v psql >/dev/null           || missing+=(postgresql-client)
  command -v redis-server >/dev/null   || missing+=(redis-server)
  command -v redis-cli >/dev/null      || missing+=(redis-tools)
  command -v dockerd >/dev/null        || missing+=(docker.io)
  command -v docker >/dev/null         || missing+=(docker.io)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  busybox --list 2>/dev/null | grep -qx httpd || missing+=(busybox-static)
  command -v openssl >/dev/null        || missing+=(openssl)
  command -v curl >/dev/null           || missing+=(curl)
  command -v setpriv >/dev/null        || missing+=(util-linux)
  command -v zstd >/dev/null           || missing+=(zstd)
  command -v lz4 >/dev/null            || missing+=(lz4)
  if [[ $with_test_tools == --test-tools ]]; then
    # What the test suite itself uses: Chromium opens the readiness report, promtool parses its Prometheus output.
    command -v chromium >/dev/null     || missing+=(chromium)
    command -v promtool >/dev/null     || missing+=(prometheus)
    # systemd-analyze verify judges the maintenance units (systemd need not be PID 1); busybox's crond (above) runs
    # the maintenance crontab in the tests, with a spool folder of its own.
    command -v systemd-analyze >/dev/null || missing+=(systemd)
  fi
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "install: everything is present (PostgreSQL $(basename "$(dirname "$(find_pg_bin)")"), redis, docker, docker-compose, busybox, openssl, curl)"
    return 0
  fi
  # Deduplicate; on Debian 12 "postgresql" is PostgreSQL 15.
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null && [[ -r /etc/debian_version ]]; then
    log "install: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
      apt-get update
      apt-get install -y --no-install-recommends "${missing[@]}"
    fi
    return 0
  fi
  log "install: missing packages: ${missing[*]}"
  log "  On Debian/Ubuntu, as root:  apt-get install ${missing[*]}"
  log "  Elsewhere: install PostgreSQL 15 server+client (with initdb/pg_ctl), redis-server 7, Docker engine (dockerd),"
  log "  docker-compose 1.29 (format 2.4), a busybox with the httpd applet, openssl, curl and util-linux (setpriv)."
  exit 1
}

require_tools() {
  local docker_mode=$1 c
  for c in openssl setpriv redis-server redis-cli curl; do
    command -v "$c" >/dev/null || die "$c is missing: run 'lab.sh install'"
  done
  PG_BIN="$(find_pg_bin)" || die "PostgreSQL server is missing: run 'lab.sh install'"
  if [[ $docker_mode == yes ]]; then
    for c in docker dockerd docker-compose busybox; do
      command -v "$c" >/dev/null || die "$c is missing: run 'lab.sh install'"
    done
  fi
  id postgres >/dev/null 2>&1 || die "user 'postgres' does not exist (install the postgresql package)"
  id redis >/dev/null 2>&1 || die "user 'redis' does not exist (install the redis-server package)"
  PG_UID=$(id -u postgres); PG_GID=$(id -g postgres)
  REDIS_UID=$(id -u redis); REDIS_GID=$(id -g redis)
}
PG_BIN="$(find_pg_bin || true)"

# ---------------------------------------------------------------------------------------------------------------
# Shared preparation: lab root, secrets, TLS certificate
# ---------------------------------------------------------------------------------------------------------------
prepare_common() {
  install -d -m 0755 "$LAB_ROOT" "$STATE"
  install -d -m 0700 "$SECRETS"
  # Random passwords, generated once; openssl writes them straight into 0600 files.
  local f
  for f in "$PG_PASSWORD_FILE" "$REDIS_PASSWORD_FILE"; do
    if [[ ! -s $f ]]; then
      (umask 077; openssl rand -hex 24 > "$f")
    fi
    chmod 0600 "$f"
  done
  # libpq pass file (Docker mode, plain mode, and "localhost" for unix-socket connections).
  local pw; pw="$(<"$PG_PASSWORD_FILE")"
  (umask 077; {
    printf '127.0.0.1:%s:*:postgres:%s\n' "$PG_PORT" "$pw"
    printf '127.0.0.1:%s:*:postgres:%s\n' "$PLAIN_PG_PORT" "$pw"
    printf 'localhost:%s:*:postgres:%s\n' "$PG_PORT" "$pw"
    printf 'localhost:%s:*:postgres:%s\n' "$PLAIN_PG_PORT" "$pw"
  } > "$PGPASS.tmp")
  mv -f "$PGPASS.tmp" "$PGPASS"
  # The lab's TLS: a lab CA (ca.crt, key 0600 for root only) and the PostgreSQL certificate it issues (key 0600, owned
  # by postgres). The profiles name the CA (Readiness.CertificateAuthorityPaths), so the issuer chain is judged against
  # it. A lab made before it had a CA keeps its self-signed certificate (PostgreSQL already serves it), which the
  # profiles then name as its own trust anchor; 'lab.sh down' and a fresh root give it a CA.
  install -d -m 0755 "$TLS"
  if [[ ! -s $TLS/server.crt || ! -s $TLS/server.key ]]; then
    if [[ ! -s $TLS/ca.crt || ! -s $TLS/ca.key ]]; then
      log "creating the lab CA"
      (umask 077; openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=platformops-lab CA" \
          -keyout "$TLS/ca.key" -out "$TLS/ca.crt" >/dev/null 2>&1) || die "openssl could not create the lab CA"
      chmod 0600 "$TLS/ca.key"; chmod 0644 "$TLS/ca.crt"
    fi
    log "creating the lab TLS certificate (issued by the lab CA)"
    (umask 077
     openssl req -new -newkey rsa:2048 -nodes -subj "/CN=platformops-lab" -keyout "$TLS/server.key" -out "$TLS/server.csr" >/dev/null 2>&1 &&
     printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
         'extendedKeyUsage=serverAuth' 'subjectAltName=IP:127.0.0.1,DNS:localhost' > "$TLS/server.ext" &&
     openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
         -days 3650 -sha256 -extfile "$TLS/server.ext" -out "$TLS/server.crt" >/dev/null 2>&1) || die "openssl could not create the lab certificate"
    rm -f "$TLS/server.csr" "$TLS/server.ext"
  fi
  chown postgres:postgres "$TLS/server.key" "$TLS/server.crt"
  chmod 0600 "$TLS/server.key"; chmod 0644 "$TLS/server.crt"
}

# ---------------------------------------------------------------------------------------------------------------
# PostgreSQL cluster (shared by both modes): initdb on the host as postgres, settings in lab.conf
# ---------------------------------------------------------------------------------------------------------------
# prepare_pg BASE PORT WAL_ARCHIVE BACKUPS  -> cluster in BASE/data, sockets in BASE/run
prepare_pg() {
  local base=$1 port=$2 archive=$3 backups=$4
  local data="$base/data" run="$base/run"
  install -d -m 0755 -o postgres -g postgres "$base"
  install -d -m 0775 -o postgres -g postgres "$run"
  install -d -m 0750 -o postgres -g postgres "$archive" "$backups"
  if [[ ! -s $data/PG_VERSION ]]; then
    log "initdb $data (PostgreSQL $(basename "$(dirname "$PG_BIN")"))"
    rm -rf "$data"
    install -d -m 0700 -o postgres -g postgres "$data" "$base/.init"
    # initdb reads the password from a file postgres can read; the copy is removed right after.
    install -m 0600 -o postgres -g postgres "$PG_PASSWORD_FILE" "$base/.init/pw"
    if ! as_user postgres "$PG_BIN/initdb" -D "$data" --no-sync -E UTF8 --locale=C -U postgres \
          --auth=scram-sha-256 --pwfile="$base/.init/pw" > "$base/initdb.log" 2>&1; then
      rm -rf "$base/.init"; die "initdb failed, see $base/initdb.log"
    fi
    rm -rf "$base/.init"
    # Create the application database in single-user mode (no server, no network needed).
    echo "CREATE DATABASE agentic;" | as_user postgres "$PG_BIN/postgres" --single -D "$data" postgres \
        >> "$base/initdb.log" 2>&1 || die "creating database agentic failed, see $base/initdb.log"
    echo "include_if_exists = 'lab.conf'" >> "$data/postgresql.conf"
  fi
  # Lab settings, rewritten on every up (later cmdlets use ALTER SYSTEM, i.e. postgresql.auto.conf, which wins).
  cat > "$data/lab.conf" <<EOF
# Written by tests/lab/lab.sh on every 'up'. Use ALTER SYSTEM (postgresql.auto.conf) to change settings.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$run'
max_connections = 50
shared_buffers = 32MB
password_encryption = 'scram-sha-256'
ssl = on
ssl_cert_file = '$TLS/server.crt'
ssl_key_file = '$TLS/server.key'
wal_level = replica
archive_mode = off            # later cmdlets enable archiving into $archive
max_wal_senders = 4
log_destination = 'stderr'
logging_collector = off
EOF
  cat > "$data/pg_hba.conf" <<EOF
# Written by tests/lab/lab.sh: password (SCRAM) everywhere, loopback only.
# TYPE  DATABASE     USER  ADDRESS        METHOD
local   all          all                  scram-sha-256
host    all          all   127.0.0.1/32   scram-sha-256
local   replication  all                  scram-sha-256
host    replication  all   127.0.0.1/32   scram-sha-256
EOF
  chown postgres:postgres "$data/lab.conf" "$data/pg_hba.conf"
  chmod 0600 "$data/lab.conf" "$data/pg_hba.conf"
}

# prune_wal ARCHIVE BACKUPS -> bounds a lab WAL archive (never what the newest base backup in BACKUPS needs)
prune_wal() {
  local archive=$1 backups=$2
  [[ -d $archive ]] || return 0
  sh "$LAB_DIR/exporters/prune-wal.sh" "$archive" "$backups" "$WAL_KEEP_MINUTES" "$WAL_MAX_MB" | sed 's/^/[lab] /' >&2
}

# prepare_redis_conf FILE PORT DIR DAEMON(yes|no) -> 0600 config owned by redis, with requirepass.
write_redis_conf() {
  local conf=$1 port=$2 dir=$3 daemon=$4
  local pw; pw="$(<"$REDIS_PASSWORD_FILE")"
  install -d -m 0750 -o redis -g redis "$(dirname "$conf")" "$dir"
  # Keep a policy changed at runtime and written back with CONFIG REWRITE; otherwise (re)write ours.
  # (the comparison runs in bash, so the password never becomes a command-line argument)
  if [[ -s $conf ]]; then
    local current; current="$(<"$conf")"
    if [[ $current == "# platformops-lab"* && $current == *$'\n'"port $port"$'\n'* && $current == *"requirepass $pw"* ]]; then
      return 0
    fi
  fi
  (umask 077; {
    echo "# platformops-lab redis config (written by tests/lab/lab.sh). Contains the password: keep 0600."
    echo "bind 127.0.0.1"
    echo "port $port"
    echo "protected-mode yes"
    echo "dir $dir"
    echo "dbfilename dump.rdb"
    echo 'save "60 1"'
    echo "appendonly no"
    echo "repl-diskless-sync-delay 0"
    echo "daemonize $daemon"
    if [[ $daemon == yes ]]; then
      echo "pidfile $(dirname "$conf")/redis.pid"
      echo "logfile $(dirname "$conf")/redis.log"
    else
      echo 'logfile ""'
    fi
    printf 'requirepass %s\n' "$pw"
  } > "$conf.tmp")
  chown redis:redis "$conf.tmp"; mv -f "$conf.tmp" "$conf"
}

# ---------------------------------------------------------------------------------------------------------------
# Docker mode: web content, exporters, engine, images, compose
# ---------------------------------------------------------------------------------------------------------------
# Write (or restore) the health content of one web container.
write_health() {
  local name=$1 dir="$LAB_ROOT/www/$1"
  install -d -m 0755 "$dir"
  case $name in
    agentic-prometheus)
      install -d -m 0755 "$dir/-"
      echo "Prometheus Server is Healthy." > "$dir/-/healthy"
      echo "Prometheus Server is Ready." > "$dir/-/ready"
      cat > "$dir/metrics" <<'EOF'
# HELP prometheus_build_info A metric with a constant '1' value labeled by version.
# TYPE prometheus_build_info gauge
prometheus_build_info{version="2.45.3",goversion="go1.21"} 1
# HELP prometheus_ready Whether Prometheus startup was fully completed and the server is ready for normal operation.
# TYPE prometheus_ready gauge
prometheus_ready 1
EOF
      ;;
    agentic-grafana)
      install -d -m 0755 "$dir/api"
      echo '{"commit":"platformops-lab","database":"ok","version":"10.4.2"}' > "$dir/api/health"
      ;;
    agentic-redis-exporter|agentic-postgres-exporter)
      local kind=${name#agentic-}; kind=${kind%-exporter}
      rm -f "$dir/.disabled"
      install -d -m 0755 "$dir/cgi-bin"
      printf '#!/bin/sh\necho "Content-Type: text/plain; version=0.0.4"\necho\nexec %s\n' \
        "$LAB_ROOT/exporters/collect-$kind.sh" > "$dir/cgi-bin/metrics"
      chmod 0755 "$dir/cgi-bin/metrics"
      # Same collector as the container loop (same paths on the host), so "fix" is immediate.
      "$LAB_ROOT/exporters/collect-$kind.sh" > "$dir/.metrics.tmp" 2>/dev/null || true
      mv -f "$dir/.metrics.tmp" "$dir/metrics"
      ;;
    *)
      printf '{"status":"ok","service":"%s"}\n' "$name" > "$dir/health"
      ;;
  esac
}

# Path of the file whose absence makes NAME's health check fail.
health_file() {
  case $1 in
    agentic-prometheus) echo "$LAB_ROOT/www/$1/-/healthy" ;;
    agentic-grafana) echo "$LAB_ROOT/www/$1/api/health" ;;
    agentic-redis-exporter|agentic-postgres-exporter) echo "$LAB_ROOT/www/$1/metrics" ;;
    *) is_service "$1" && echo "$LAB_ROOT/www/$1/health" || return 1 ;;
  esac
}
service_port() {
  case $1 in
    platform-ui) echo 58013 ;;
    l[0-9][0-9]-*) local n=${1:1:2}; echo $((58000 + 10#$n)) ;;
    *) return 1 ;;
  esac
}
is_service() { local s; for s in "${SERVICES[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1; }
is_container() { local s; for s in "${ALL_CONTAINERS[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1; }

prepare_docker_content() {
  # Exporter scripts and their settings (no password in here: the scripts read the secret files).
  install -d -m 0755 "$LAB_ROOT/exporters"
  install -m 0755 "$LAB_DIR"/exporters/*.sh "$LAB_ROOT/exporters/"
  cat > "$LAB_ROOT/exporters/exporter.env" <<EOF
# Written by tests/lab/lab.sh
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
PG_BIN=$PG_BIN
PG_PORT=$PG_PORT
PG_PASSFILE=$PGPASS
REDIS_PORT=$REDIS_PORT
REDIS_PASSWORD_FILE=$REDIS_PASSWORD_FILE
WAL_ARCHIVE=$LAB_ROOT/wal-archive
WAL_BACKUPS=$LAB_ROOT/backups
WAL_KEEP_MINUTES=$WAL_KEEP_MINUTES
WAL_MAX_MB=$WAL_MAX_MB
WAL_PRUNE_INTERVAL=$WAL_PRUNE_INTERVAL
EOF
  local n
  for n in "${SERVICES[@]}" agentic-prometheus agentic-grafana agentic-redis-exporter agentic-postgres-exporter; do
    [[ -e $STATE/fail-health.$n ]] || write_health "$n"
  done
}

# Health-check intervals: LAB_HEALTH_INTERVAL for all, LAB_FAST_HEALTH_INTERVAL for the "fast-health" ones.
write_lab_env() {
  local n v
  {
    echo "# Written by tests/lab/lab.sh; read by docker-compose --env-file"
    echo "LAB_ROOT=$LAB_ROOT"
    echo "PG_BIN=$PG_BIN"
    echo "PG_UID=$PG_UID"; echo "PG_GID=$PG_GID"
    echo "REDIS_UID=$REDIS_UID"; echo "REDIS_GID=$REDIS_GID"
    echo "LAB_EXPORTER_INTERVAL=$EXPORTER_INTERVAL"
    for n in "${ALL_CONTAINERS[@]}"; do
      v=$HEALTH_INTERVAL
      [[ -e $STATE/fast-health.$n ]] && v=$FAST_HEALTH_INTERVAL
      n=${n^^}; echo "HI_${n//-/_}=$v"
    done
  } > "$LAB_ROOT/lab.env"
  # The shell environment wins over --env-file in docker-compose: export the same values.
  set -a; # shellcheck disable=SC1091
  . "$LAB_ROOT/lab.env"; set +a
}

ensure_docker() {
  install -d -m 0755 "$DOCKER_STATE"
  if docker_answers; then
    if [[ -e $DOCKERD_OURS ]] && pid_is "$(<"$DOCKERD_OURS")" dockerd; then
      log "docker: engine answers on $DOCKER_SOCK (started by the lab, pid $(<"$DOCKERD_OURS"))"
    else
      rm -f "$DOCKERD_OURS"
      log "docker: using the running engine on $DOCKER_SOCK"
    fi
    return 0
  fi
  [[ -S $DOCKER_SOCK ]] && ! pgrep -x dockerd >/dev/null && rm -f "$DOCKER_SOCK"   # stale socket of a dead engine
  pgrep -x dockerd >/dev/null && die "a dockerd is running but does not answer on $DOCKER_SOCK; not touching it"
  log "docker: starting dockerd (no bridge, no iptables), log $DOCKER_STATE/dockerd.log"
  # setsid + nohup: the engine outlives this script; its output goes to the log, not to our caller.
  setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false \
      -H "unix://$DOCKER_SOCK" --pidfile "$DOCKERD_PIDFILE" \
      >> "$DOCKER_STATE/dockerd.log" 2>&1 < /dev/null &
  local pid=$!
  echo "$pid" > "$DOCKERD_OURS"
  local i
  for ((i = 0; i < 60; i++)); do
    docker_answers && { log "docker: dockerd (pid $pid) answers after ~$((i / 2)) s"; return 0; }
    kill -0 "$pid" 2>/dev/null || { rm -f "$DOCKERD_OURS"; tail -20 "$DOCKER_STATE/dockerd.log" >&2; die "dockerd exited, see $DOCKER_STATE/dockerd.log"; }
    sleep 0.5
  done
  tail -20 "$DOCKER_STATE/dockerd.log" >&2
  die "dockerd (pid $pid) did not answer within 30 s, see $DOCKER_STATE/dockerd.log"
}

# One tiny rootfs (symlinks into the host's /usr, which every container bind-mounts read-only), several tags.
ensure_images() {
  local img missing=0
  for img in "${IMAGES[@]}"; do docker image inspect "$img" >/dev/null 2>&1 || missing=1; done
  [[ $missing -eq 0 ]] && { log "images: present"; return 0; }
  local rootfs="$LAB_ROOT/image/rootfs"
  rm -rf "$LAB_ROOT/image"; install -d "$rootfs"
  (
    cd "$rootfs"
    mkdir -p usr etc tmp var/run var/tmp proc sys dev root home run
    chmod 1777 tmp var/tmp
    ln -s usr/bin bin; ln -s usr/lib lib; ln -s usr/lib64 lib64; ln -s usr/sbin sbin
    cp /etc/passwd /etc/group etc/          # so the host's postgres/redis uids resolve inside
    [[ -r /etc/nsswitch.conf ]] && cp /etc/nsswitch.conf etc/
    chmod 0644 etc/passwd etc/group
  )
  log "images: docker import (base rootfs) and tag ${#IMAGES[@]} names"
  tar -C "$rootfs" -c . | docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/sh"]' - "${IMAGES[0]}" >/dev/null
  for img in "${IMAGES[@]:1}"; do docker tag "${IMAGES[0]}" "$img"; done
  rm -rf "$LAB_ROOT/image"
}

# Wait until all 19 containers report healthy (bounded).
wait_healthy() {
  local start=$SECONDS deadline=$((SECONDS + UP_TIMEOUT)) line healthy total bad last=""
  while :; do
    healthy=0; total=0; bad=()
    while read -r name status; do
      total=$((total + 1))
      if [[ $status == healthy ]]; then healthy=$((healthy + 1)); else bad+=("${name#/}=$status"); fi
    done < <(docker inspect -f '{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' \
               "${ALL_CONTAINERS[@]}" 2>/dev/null || true)
    line="healthy $healthy/${#ALL_CONTAINERS[@]}"
    [[ ${#bad[@]} -gt 0 && ${#bad[@]} -le 6 ]] && line+=" (waiting: ${bad[*]})"
    [[ $line != "$last" ]] && log "$line after $((SECONDS - start)) s"
    last=$line
    [[ $healthy -eq ${#ALL_CONTAINERS[@]} ]] && { log "all ${#ALL_CONTAINERS[@]} containers healthy after $((SECONDS - start)) s"; return 0; }
    if [[ $SECONDS -ge $deadline ]]; then
      log "not healthy after $UP_TIMEOUT s: ${bad[*]}"
      compose ps >&2 || true
      die "lab did not become healthy (see 'docker logs NAME' / 'docker inspect NAME')"
    fi
    sleep 2
  done
}

json_str() { local s=$1; s=${s//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }

# The CA the profiles name: the lab CA, or the self-signed certificate of a lab made before it had one.
lab_ca() { if [[ -s $TLS/ca.crt ]]; then echo "$TLS/ca.crt"; else echo "$TLS/server.crt"; fi; }

write_docker_profile() {
  local f="$LAB_ROOT/lab.profile.json" i n first=1
  {
    echo '{'
    echo '  "Name": "agentic-lab",'
    echo "  \"Docker\": { \"Endpoint\": $(json_str "unix://$DOCKER_SOCK"), \"ComposeProject\": \"$PROJECT\" },"
    echo "  \"Postgres\": { \"Host\": \"127.0.0.1\", \"Port\": $PG_PORT, \"Database\": \"agentic\", \"Username\": \"postgres\","
    echo "                \"PassFile\": $(json_str "$PGPASS"), \"Container\": \"agentic-postgres\","
    echo "                \"DataDirectory\": $(json_str "$LAB_ROOT/postgres/data"), \"WalArchive\": $(json_str "$LAB_ROOT/wal-archive") },"
    echo "  \"Redis\": { \"Host\": \"127.0.0.1\", \"Port\": $REDIS_PORT, \"PasswordFile\": $(json_str "$REDIS_PASSWORD_FILE"),"
    echo "             \"Container\": \"agentic-redis\", \"DataDirectory\": $(json_str "$LAB_ROOT/redis/data") },"
    echo '  "Services": ['
    for i in "${!SERVICES[@]}"; do
      n=${SERVICES[$i]}
      [[ $first -eq 1 ]] || echo ','
      first=0
      printf '    { "Name": "%s", "Url": "http://127.0.0.1:%d/health", "Container": "%s" }' "$n" "$(service_port "$n")" "$n"
    done
    echo; echo '  ],'
    echo '  "Monitoring": ['
    first=1
    for i in "${MONITORING[@]}"; do
      read -r n port path <<<"$i"
      [[ $first -eq 1 ]] || echo ','
      first=0
      printf '    { "Name": "%s", "Url": "http://127.0.0.1:%d%s", "Container": "%s" }' "$n" "$port" "$path" "$n"
    done
    echo; echo '  ],'
    # The reference platform's least-privilege model: one login per service, each in exactly the group it needs.
    echo '  "Roles": { "ReadRole": "app_read", "WriteRole": "app_write", "AdminRole": "app_admin",'
    echo '    "Services": { "l01_data_layer": "admin", "l02_runtime": "write", "l03_tool_execution": "write",'
    echo '      "l04_model_gateway": "read", "l05_planning": "write", "l06_evaluation": "read", "l07_learning": "write",'
    echo '      "l09_api_gateway": "read", "l10_human_interface": "read", "l11_integration": "write",'
    echo '      "l12_service_hub": "write", "platform_ui": "read" } },'
    echo "  \"Backup\": { \"Path\": $(json_str "$LAB_ROOT/backups") },"
    echo "  \"Readiness\": { \"CertificateAuthorityPaths\": [ $(json_str "$(lab_ca)") ] }"
    echo '}'
  } > "$f.tmp"
  mv -f "$f.tmp" "$f"
}

cmd_up_docker() {
  need_root
  require_tools yes
  local t0=$SECONDS
  prepare_common
  prepare_pg "$LAB_ROOT/postgres" "$PG_PORT" "$LAB_ROOT/wal-archive" "$LAB_ROOT/backups"
  prune_wal "$LAB_ROOT/wal-archive" "$LAB_ROOT/backups"
  write_redis_conf "$LAB_ROOT/redis/redis.conf" "$REDIS_PORT" "$LAB_ROOT/redis/data" no
  prepare_docker_content
  ensure_docker
  ensure_images
  write_lab_env
  log "docker-compose -p $PROJECT up -d (${#ALL_CONTAINERS[@]} containers)"
  if ! compose_logged up -d --remove-orphans; then
    die "docker-compose up failed"
  fi
  wait_healthy
  write_docker_profile
  log "up (Docker mode) took $((SECONDS - t0)) s"
  echo "$LAB_ROOT/lab.profile.json"
}

# ---------------------------------------------------------------------------------------------------------------
# Plain mode (no Docker): PostgreSQL via pg_ctl and redis-server as a daemon, both as their own users
# ---------------------------------------------------------------------------------------------------------------
plain_pg_pid()    { [[ -s $PLAIN/postgres/data/postmaster.pid ]] && head -1 "$PLAIN/postgres/data/postmaster.pid" || true; }
plain_redis_pid() { [[ -s $PLAIN/redis/redis.pid ]] && cat "$PLAIN/redis/redis.pid" || true; }

write_plain_profile() {
  local f="$LAB_ROOT/plain.profile.json"
  {
    echo '{'
    echo '  "Name": "agentic-lab-plain",'
    echo "  \"Postgres\": { \"Host\": \"127.0.0.1\", \"Port\": $PLAIN_PG_PORT, \"Database\": \"agentic\", \"Username\": \"postgres\","
    echo "                \"PassFile\": $(json_str "$PGPASS"), \"Container\": null,"
    echo "                \"DataDirectory\": $(json_str "$PLAIN/postgres/data"), \"WalArchive\": $(json_str "$PLAIN/wal-archive") },"
    echo "  \"Redis\": { \"Host\": \"127.0.0.1\", \"Port\": $PLAIN_REDIS_PORT, \"PasswordFile\": $(json_str "$REDIS_PASSWORD_FILE"),"
    echo "             \"Container\": null, \"DataDirectory\": $(json_str "$PLAIN/redis/data") },"
    echo "  \"Backup\": { \"Path\": $(json_str "$PLAIN/backups") },"
    echo "  \"Readiness\": { \"CertificateAuthorityPaths\": [ $(json_str "$(lab_ca)") ] }"
    echo '}'
  } > "$f.tmp"
  mv -f "$f.tmp" "$f"
}

cmd_up_plain() {
  need_root
  require_tools no
  local t0=$SECONDS pid i
  prepare_common
  install -d -m 0755 "$PLAIN"
  prepare_pg "$PLAIN/postgres" "$PLAIN_PG_PORT" "$PLAIN/wal-archive" "$PLAIN/backups"
  prune_wal "$PLAIN/wal-archive" "$PLAIN/backups"
  pid=$(plain_pg_pid)
  if pid_is "$pid" postgres; then
    log "plain postgres: running (pid $pid)"
  else
    log "plain postgres: pg_ctl start (127.0.0.1:$PLAIN_PG_PORT)"
    as_user postgres "$PG_BIN/pg_ctl" -D "$PLAIN/postgres/data" -l "$PLAIN/postgres/postgres.log" -w -t 60 start >/dev/null \
      || { tail -20 "$PLAIN/postgres/postgres.log" >&2; die "plain postgres did not start"; }
  fi
  write_redis_conf "$PLAIN/redis/redis.conf" "$PLAIN_REDIS_PORT" "$PLAIN/redis/data" yes
  pid=$(plain_redis_pid)
  if pid_is "$pid" redis-server; then
    log "plain redis: running (pid $pid)"
  else
    log "plain redis: redis-server daemon (127.0.0.1:$PLAIN_REDIS_PORT)"
    as_user redis /usr/bin/redis-server "$PLAIN/redis/redis.conf"
  fi
  for ((i = 0; i < 50; i++)); do
    [[ $(rcli "$PLAIN_REDIS_PORT" ping 2>/dev/null) == PONG ]] && break
    sleep 0.2
  done
  [[ $(rcli "$PLAIN_REDIS_PORT" ping 2>/dev/null) == PONG ]] || die "plain redis does not answer, see $PLAIN/redis/redis.log"
  pcli "$PLAIN_PG_PORT" -d agentic -qAt -c 'select 1' >/dev/null || die "plain postgres does not accept the lab password"
  write_plain_profile
  log "up (plain mode) took $((SECONDS - t0)) s"
  echo "$LAB_ROOT/plain.profile.json"
}

# ---------------------------------------------------------------------------------------------------------------
# down
# ---------------------------------------------------------------------------------------------------------------
cmd_down_plain() {
  local pid i
  pid=$(plain_pg_pid)
  if pid_is "$pid" postgres; then
    log "plain postgres: stopping pid $pid"
    as_user postgres "$PG_BIN/pg_ctl" -D "$PLAIN/postgres/data" -m fast -w -t 30 stop >/dev/null || kill -TERM "$pid"
  fi
  pid=$(plain_redis_pid)
  if pid_is "$pid" redis-server; then
    log "plain redis: stopping pid $pid"
    kill -TERM "$pid"
    for ((i = 0; i < 50; i++)); do pid_is "$pid" redis-server || break; sleep 0.2; done
    pid_is "$pid" redis-server && die "plain redis (pid $pid) did not stop"
  fi
  rm -f "$PLAIN/redis/redis.pid"
  log "plain mode: down"
}

cmd_down_docker() {
  if docker_answers; then
    if [[ -s $LAB_ROOT/lab.env ]]; then
      require_tools yes; write_lab_env
      log "docker-compose -p $PROJECT down"
      compose_logged down -t 3 -v --remove-orphans || true
    fi
    # Fallback (e.g. lab.env lost): remove the project's containers by label.
    local ids; ids=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.platformops.lab=true")
    [[ -n $ids ]] && docker rm -f $ids >/dev/null
  fi
  rm -f "$STATE"/fast-health.* "$STATE"/fail-health.* 2>/dev/null || true
  # Stop dockerd only if this lab started it (pid recorded at start, checked to still be a dockerd).
  if [[ -e $DOCKERD_OURS ]]; then
    local pid; pid=$(<"$DOCKERD_OURS")
    if pid_is "$pid" dockerd; then
      log "docker: stopping the dockerd the lab started (pid $pid)"
      kill -TERM "$pid"
      local i
      for ((i = 0; i < 60; i++)); do pid_is "$pid" dockerd || break; sleep 0.5; done
      pid_is "$pid" dockerd && die "dockerd (pid $pid) did not stop within 30 s"
    fi
    rm -f "$DOCKERD_OURS"
    # Leftover mounts of the stopped engine (as in MACHINE-NOTES: netns/default), only if no dockerd is left.
    if ! pgrep -x dockerd >/dev/null; then
      local m
      awk '{print $2}' /proc/mounts | grep -E '^(/var/run/docker|/run/docker|/var/lib/docker)(/|$)' | sort -r | while read -r m; do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
      done
      rm -f "$DOCKER_SOCK"
    fi
  fi
  log "Docker mode: down"
}

# ---------------------------------------------------------------------------------------------------------------
# status
# ---------------------------------------------------------------------------------------------------------------
cmd_status() {
  echo "lab root: $LAB_ROOT"
  if docker_answers; then
    local who="external"
    [[ -e $DOCKERD_OURS ]] && pid_is "$(<"$DOCKERD_OURS")" dockerd && who="started by the lab, pid $(<"$DOCKERD_OURS")"
    echo "docker: answers on $DOCKER_SOCK ($who)"
    docker ps -a --filter "label=com.docker.compose.project=$PROJECT" --format '  {{.Names}}\t{{.Status}}' | sort
  else
    echo "docker: no engine answers on $DOCKER_SOCK"
  fi
  local pid
  pid=$(plain_pg_pid)
  if pid_is "$pid" postgres; then echo "plain postgres: up, pid $pid, 127.0.0.1:$PLAIN_PG_PORT"; else echo "plain postgres: down"; fi
  pid=$(plain_redis_pid)
  if pid_is "$pid" redis-server; then echo "plain redis: up, pid $pid, 127.0.0.1:$PLAIN_REDIS_PORT"; else echo "plain redis: down"; fi
  [[ -s $LAB_ROOT/lab.profile.json ]] && echo "profile: $LAB_ROOT/lab.profile.json"
  [[ -s $LAB_ROOT/plain.profile.json ]] && echo "plain profile: $LAB_ROOT/plain.profile.json"
  return 0
}

# ---------------------------------------------------------------------------------------------------------------
# break / fix
# ---------------------------------------------------------------------------------------------------------------
# redis-persistence-off: CONFIG SET save "" (the original policy is kept in state/ for fix).
redis_persistence() {
  local action=$1 target=${2:-docker} port=$REDIS_PORT
  [[ $target == plain || $target == --no-docker ]] && { port=$PLAIN_REDIS_PORT; target=plain; }
  local orig="$STATE/redis-save.$target"
  if [[ $action == break ]]; then
    if [[ ! -s $orig ]]; then
      rcli "$port" CONFIG GET save | sed -n 2p > "$orig"
    fi
    [[ $(rcli "$port" CONFIG SET save "") == OK ]] || die "CONFIG SET save failed on 127.0.0.1:$port"
    echo "redis 127.0.0.1:$port: persistence off (CONFIG SET save \"\"; was \"$(<"$orig")\")"
  else
    local policy="3600 1 300 100 60 10000"
    [[ -s $orig ]] && policy=$(<"$orig")
    [[ -z $policy ]] && policy="60 1"
    [[ $(rcli "$port" CONFIG SET save "$policy") == OK ]] || die "CONFIG SET save failed on 127.0.0.1:$port"
    rm -f "$orig"
    echo "redis 127.0.0.1:$port: persistence restored (save \"$policy\")"
  fi
}

cmd_break_fix() {
  local action=$1 fault=${2:-} target=${3:-}
  install -d -m 0755 "$STATE"
  case "$action:$fault" in
    break:stop-container|fix:start-container|break:start-container|fix:stop-container)
      [[ -n $target ]] && is_container "$target" || die "$fault needs one of: ${ALL_CONTAINERS[*]}"
      if [[ $action == break && $fault == stop-container ]]; then
        docker stop -t 3 "$target" >/dev/null; echo "stopped container $target"
      else
        docker start "$target" >/dev/null; echo "started container $target"
      fi ;;
    break:stop-redis)  docker stop -t 3 agentic-redis >/dev/null; echo "stopped container agentic-redis" ;;
    fix:stop-redis|fix:start-redis|break:start-redis) docker start agentic-redis >/dev/null; echo "started container agentic-redis" ;;
    break:fail-health|fix:fail-health)
      local f; f=$(health_file "$target") || die "fail-health needs a web container: ${SERVICES[*]} agentic-prometheus agentic-grafana agentic-redis-exporter agentic-postgres-exporter"
      if [[ $action == break ]]; then
        touch "$STATE/fail-health.$target"
        [[ $target == *-exporter ]] && touch "$LAB_ROOT/www/$target/.disabled"
        rm -f "$f"
        echo "removed $f: $target's health URL now answers 404 and its health check fails"
      else
        PG_BIN=${PG_BIN:-$(find_pg_bin)}
        rm -f "$STATE/fail-health.$target"
        write_health "$target"
        echo "restored $f: $target's health URL answers 200 again"
      fi ;;
    break:redis-persistence-off|fix:redis-persistence-off)
      redis_persistence "$action" "$target" ;;
    break:fast-health|fix:fast-health)
      [[ -n $target ]] && is_container "$target" || die "fast-health needs one of: ${ALL_CONTAINERS[*]}"
      require_tools yes
      if [[ $action == break ]]; then touch "$STATE/fast-health.$target"; else rm -f "$STATE/fast-health.$target"; fi
      write_lab_env
      compose_logged up -d --no-deps "$target"
      local iv; iv=$(docker inspect -f '{{.Config.Healthcheck.Interval}}' "$target")
      echo "recreated $target with health-check interval $iv" ;;
    *)
      die "unknown: $action $fault (faults: stop-container NAME, start-container NAME, fail-health NAME, redis-persistence-off [plain], stop-redis, start-redis, fast-health NAME)" ;;
  esac
}

# ---------------------------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------------------------
usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

main() {
  local cmd=${1:-help}; shift || true
  local plain=no purge=no a
  local -a rest=()
  for a in "$@"; do
    case $a in
      --no-docker|--plain) plain=yes ;;
      --purge) purge=yes ;;
      *) rest+=("$a") ;;
    esac
  done
  case $cmd in
    install)  cmd_install "${1:-}" ;;
    up)       if [[ $plain == yes ]]; then cmd_up_plain; else cmd_up_docker; fi ;;
    plain-up) cmd_up_plain ;;
    down)
      need_root
      if [[ $plain == yes ]]; then cmd_down_plain; else cmd_down_docker; fi
      if [[ $purge == yes ]]; then
        cmd_down_plain; cmd_down_docker
        log "purging $LAB_ROOT"; rm -rf "$LAB_ROOT"
      fi ;;
    plain-down) need_root; cmd_down_plain ;;
    prune-wal)
      need_root
      if [[ $plain == yes ]]; then prune_wal "$PLAIN/wal-archive" "$PLAIN/backups"
      else prune_wal "$LAB_ROOT/wal-archive" "$LAB_ROOT/backups"; fi ;;
    status)   cmd_status ;;
    profile)
      if [[ $plain == yes ]]; then echo "$LAB_ROOT/plain.profile.json"; else echo "$LAB_ROOT/lab.profile.json"; fi ;;
    break|fix) need_root; cmd_break_fix "$cmd" "${rest[@]}" ;;
    help|-h|--help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
