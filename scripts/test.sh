#!/usr/bin/env bash
# The whole test suite on a fresh Debian/Ubuntu machine: installs what the tests need (influxd, the
# influx CLI, Debian's Chromium, mosquitto_pub, redis-server, haproxy, the mosquitto broker, postgresql) through apt when missing, the npm packages from the
# lock file, then type-checks, builds the web app and the server (dist/server) and runs every test against real parts.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v influxd >/dev/null 2>&1 || need+=(influxdb)
command -v influx >/dev/null 2>&1 || need+=(influxdb-client)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/sbin/haproxy ] || need+=(haproxy)
[ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
# PostgreSQL for the shared configuration (tests/support/postgres.ts runs its own initdb + postgres)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  echo "test: installing ${need[*]} with apt-get"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q -o DPkg::Lock::Timeout=600 "${need[@]}"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "test: npm ci"
  npm ci --no-audit --no-fund
fi

echo "test: type-check"
npx tsc --noEmit -p tsconfig.json
echo "test: build the web app and the server"
npx vite build --logLevel warn
node scripts/build-server.mjs
# Browser tests copy this build instead of each building their own.
export SE_TEST_WEB_DIR="$PWD/dist/web"
echo "test: vitest"
mkdir -p .vitest-tmp
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.vitest-tmp/results.json "$@" || status=$?
# One plain closing line, "N passed, N failed", for tools that read the end of the log.
node -e '
  const r = JSON.parse(require("fs").readFileSync(".vitest-tmp/results.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' 2>/dev/null || true
exit $status
