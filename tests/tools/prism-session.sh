#!/usr/bin/env bash
# Runs tests/tools/prism-session.mjs through Prism's validating proxy, in open mode and with API keys: the check
# a user's tooling would make of the served OpenAPI document against the running server. Not part of `npm test`
# (Prism is a large download); run it after changing the document or an answer:
#
#   bash tests/tools/prism-session.sh        # installs @stoplight/prism-cli into a scratch folder once
#
# Everything binds to 127.0.0.1 and is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."

tools="${PRISM_DIR:-${TMPDIR:-/tmp}/tabungan-prism}"
if [ ! -x "$tools/node_modules/.bin/prism" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --silent @stoplight/prism-cli@5 >/dev/null
fi
npm run build --silent

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() { # url
  for _ in $(seq 1 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "not answering: $1" >&2
  return 1
}

session() { # mode port proxy-port [env...] -- [session args...]
  local mode="$1" port="$2" proxy="$3"
  shift 3
  local env=()
  while [ "$1" != "--" ]; do env+=("$1"); shift; done
  shift
  env DATA_FILE="$work/$mode.json" PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warn "${env[@]}" node dist/server.js &
  pids+=($!)
  wait_for "http://127.0.0.1:$port/health"
  curl -s "http://127.0.0.1:$port/openapi.json" >"$work/$mode-openapi.json"
  "$tools/node_modules/.bin/prism" proxy "$work/$mode-openapi.json" "http://127.0.0.1:$port" \
    -h 127.0.0.1 -p "$proxy" --errors=false >"$work/$mode-prism.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$proxy/health"
  echo "== $mode mode"
  DATA_FILE="$work/$mode.json" node tests/tools/prism-session.mjs "http://127.0.0.1:$proxy" "$mode" "$@"
}

session open 3911 4911 --

token() { node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))'; }
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
operator="$(token)" reader="$(token)" teller="$(token)"
keys="operator:$(sha "$operator"):reset-pin,audit:$(sha "$reader"):read,kasir:$(sha "$teller")"
session keys 3912 4912 API_KEYS="$keys" DAFTAR_PER_HOUR=3 -- "$operator" "$reader" "$teller"
