#!/usr/bin/env bash
# Counts the instructions one iteration of a Go benchmark costs, with
# valgrind's callgrind: unlike timings, the count is the same whatever else
# the machine is doing, so two builds compare exactly.
#
#   scripts/count-instructions.sh BENCH TEST_BINARY [MORE...]
#
# TEST_BINARY comes from `go test -c -o FILE ./internal/web/` (in a worktree
# of an older commit for the old side). Each binary runs BENCH (a -test.bench
# pattern, say 'Threads/4-comments-uncached') for LOW and for HIGH
# iterations on one core (200 and 2200 unless set in the environment); the
# difference over HIGH-LOW leaves the setup out. The garbage collector runs
# in whole cycles, so the difference must span many of them: over 500
# iterations the demo article's count came out 50% high.
# Asynchronous preemption is off: callgrind stops at Go's preemption signal.
# Each run takes minutes (the setup runs under valgrind too).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 BENCH TEST_BINARY [TEST_BINARY...]" >&2
  exit 2
fi
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
bench=$1
shift
low=${LOW:-200}
high=${HIGH:-2200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count() { # binary iterations -> total instructions
  GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file="$work/out.$$.$2" \
    "$1" -test.run '^$' -test.bench "$bench" -test.benchtime "$2x" -test.cpu 1 >"$work/log.$2" 2>&1
  grep -o 'I *refs: *[0-9,]*' "$work/log.$2" | tr -d ', ' | cut -d: -f2
}
for bin in "$@"; do
  a=$(count "$bin" "$low")
  b=$(count "$bin" "$high")
  printf '%-40s %s: %d instructions an iteration\n' "$bin" "$bench" $(((b - a) / (high - low)))
done
