#!/usr/bin/env bash
# Compares the cache-off throughput of several byline binaries (say, two
# commits' builds) side by side, on one machine at one time: machines and
# hours differ too much for figures taken apart to be compared.
#
#   scripts/compare-uncached.sh OLD_BINARY NEW_BINARY [MORE...]
#
# The first binary makes the database (`byline demo --big-thread 10000`);
# each binary serves its own copy of it (newer ones migrate theirs at
# start) with `--cache-mb 0`, and wrk -t2 -c32 -d5s asks for the demo
# article and the 10,000-comment article's first page, in 3 rounds that
# take the binaries in turn. Needs wrk (make bench installs it).
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 BINARY [BINARY...]" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$1" demo --big-thread 10000 --database "$work/base.db" >/dev/null
article=/2012/04/05/infiniti-to-move-production-out-of-japan/
big=/2012/05/30/the-most-discussed-story/
for round in 1 2 3; do
  i=0
  for bin in "$@"; do
    i=$((i + 1))
    db="$work/copy$i.db"
    [ -f "$db" ] || cp "$work/base.db" "$db"
    port=$((18130 + i))
    "$bin" serve --database "$db" --addr "127.0.0.1:$port" --cache-mb 0 >"$work/serve$i.log" 2>&1 &
    pid=$!
    ready=
    for _ in $(seq 1 600); do # up to two minutes: a migration may run first
      if curl -fs -o /dev/null "http://127.0.0.1:$port/"; then ready=1; break; fi
      sleep 0.2
    done
    if [ -z "$ready" ]; then
      echo "$bin did not answer; its log:" >&2
      cat "$work/serve$i.log" >&2
      kill "$pid"
      exit 1
    fi
    a=$(wrk -t2 -c32 -d5s "http://127.0.0.1:$port$article" | awk '/Requests\/sec/{print $2}')
    b=$(wrk -t2 -c32 -d5s "http://127.0.0.1:$port$big" | awk '/Requests\/sec/{print $2}')
    printf 'round %d  %-40s  demo article %9s req/s  10,000-comment page 1 %8s req/s\n' "$round" "$bin" "$a" "$b"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  done
done
