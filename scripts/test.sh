#!/usr/bin/env bash
# Runs every test: installs what the tests need when it is missing
# (Chromium for the browser test, staticcheck), starts PostgreSQL when it is
# not running, then vets, runs staticcheck, checks formatting and runs the
# whole suite with the race detector. Under CI=true nothing is skipped: a
# missing dependency fails.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v go >/dev/null 2>&1; then
  export PATH="$PATH:/usr/local/go/bin"
fi

# Chromium, for the browser test.
if ! command -v chromium >/dev/null 2>&1; then
  say "installing Chromium (Debian package)"
  apt_install chromium
fi

# PostgreSQL on 127.0.0.1:5432, for the storage tests on the second engine.
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
if ! command -v pg_isready >/dev/null 2>&1; then
  say "installing PostgreSQL (Debian package)"
  apt_install postgresql
fi
if ! pg_up; then
  say "starting PostgreSQL"
  for v in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
  done
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
fi

say "go vet"
go vet ./...

# staticcheck, installed into GOPATH/bin when missing; any finding fails.
gobin="$(go env GOPATH | cut -d: -f1)/bin"
export PATH="$PATH:$gobin"
if ! command -v staticcheck >/dev/null 2>&1; then
  say "installing staticcheck"
  GOBIN="$gobin" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
say "staticcheck"
staticcheck ./...

say "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi

say "go test -race ./..."
go test -race -count=1 -timeout 20m "$@" ./...
