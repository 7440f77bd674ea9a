#!/bin/sh
# Keeps the lab's WAL archive bounded (a busy lab archived 21 GB in an hour). Run by `lab.sh up`, `lab.sh prune-wal`
# and every LAB_WAL_PRUNE_INTERVAL seconds by the postgres exporter's loop.
#
#   prune-wal.sh ARCHIVE BACKUPS [KEEP_MINUTES] [MAX_MB]
#
# Never removes a segment at or after the start of the newest base backup in BACKUPS (the one the lab's tests restore
# from), nor .history files, nor files it does not recognise (a .tmp being copied). Below that start it removes the
# WAL files (segments, .partial, .backup) older than KEEP_MINUTES (default 60), then, while the archive is still over
# MAX_MB (default 2048), the oldest of them; the newest 64 of them are never removed by the size rule.
# Prints one line: what it removed. The real platform's expiry is Remove-PlatformWalArchive / Remove-PlatformBackup.
set -u
archive=$1 backups=$2 keep_min=${3:-60} max_mb=${4:-2048}
[ -d "$archive" ] || { echo "prune-wal: no archive at $archive"; exit 0; }

# The newest base backup's start position (segment name without its timeline), from the sets' manifests.
floor=$(for m in "$backups"/*/manifest.json; do
          [ -f "$m" ] || continue
          grep -q '"kind": *"base"' "$m" || continue
          sed -n 's/.*"startWal": *"\([0-9A-F]\{24\}\)".*/\1/p' "$m" | head -1
        done | cut -c9-24 | sort | tail -1)

# WAL file names below the floor (all WAL files when there is no base backup), oldest position first.
below() {
  awk -v floor="$floor" '
    length($0) >= 24 && substr($0, 1, 24) ~ /^[0-9A-F]+$/ && $0 !~ /\.(history|tmp)$/ &&
    (floor == "" || ("x" substr($0, 9, 16)) < ("x" floor)) { print substr($0, 9, 16) " " $0 }' | sort | cut -d' ' -f2
}

removed=0
for f in $(find "$archive" -maxdepth 1 -type f -mmin +"$keep_min" -printf '%f\n' | below); do
  rm -f "$archive/$f" && removed=$((removed + 1))
done

max_kb=$((max_mb * 1024))
excess=$(( $(du -sk "$archive" | cut -f1) - max_kb ))
if [ "$excess" -gt 0 ]; then
  names=$(find "$archive" -maxdepth 1 -type f -printf '%f\n' | below)
  count=$(printf '%s\n' "$names" | grep -c . || true)
  for f in $(printf '%s\n' "$names" | head -n $((count > 64 ? count - 64 : 0))); do
    [ "$excess" -gt 0 ] || break
    kb=$(( ($(stat -c %s "$archive/$f") + 1023) / 1024 ))
    rm -f "$archive/$f" && { removed=$((removed + 1)); excess=$((excess - kb)); }
  done
fi
echo "prune-wal: removed $removed file(s) from $archive (kept from ${floor:-<no base backup>}); now $(du -sm "$archive" | cut -f1) MB"
