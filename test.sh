#!/usr/bin/env bash
# Installs what the tests need, runs every test, and ends with a line "N passed, N failed[, N skipped]".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
mkdir -p .cache
log=".cache/test-output.txt"

echo "Restoring NuGet packages..." >&2
dotnet restore Sleeper.slnx --nologo -v q >&2 || { echo "0 passed, 1 failed"; exit 1; }

echo "Building..." >&2
dotnet build Sleeper.slnx -c Debug --no-restore --nologo -v q -clp:NoSummary >&2 || { echo "0 passed, 1 failed"; exit 1; }

# Real servers for the distributed mode's tests: PostgreSQL and s3rver on 127.0.0.1, started with the command line
# just built (./sleeper would build it a second time, in Release), in a services home of the test run's own so that a
# developer's own `./sleeper services start` servers are left alone, and stopped however the run ends.
# If they cannot start, the tests that need them fail (they never skip) and the run counts one failure more.
cli=(env SLEEPER_SERVICES_HOME="$root/.cache/test-services" dotnet "$root/src/Sleeper.Cli/bin/Debug/net10.0/sleeper.dll")
stop_services() {
  "${cli[@]}" services stop >&2 \
    || echo "Could not stop the test servers; see: SLEEPER_SERVICES_HOME=$root/.cache/test-services ./sleeper services status" >&2
}
trap stop_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "Starting PostgreSQL and s3rver..." >&2
services_failed=0
if settings=$("${cli[@]}" services start --format env); then
  set -a
  eval "$settings"
  set +a
else
  services_failed=1
  unset SLEEPER_S3_ENDPOINT SLEEPER_POSTGRES
  echo "Could not start the local servers (see above): the tests that need them will fail." >&2
fi

# The dashboard's browser test drives Debian's Chromium through Playwright (LOCAL-SERVERS.md): install it when it is
# missing (as root, as CI runs; about 23 s). Playwright itself never downloads a browser: the test names this one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing Chromium for the dashboard's browser test..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium >&2 || { apt-get update -q >&2 && apt-get install -y -q chromium >&2; } \
      || echo "Could not install Chromium (see above): the dashboard's browser test will fail." >&2
  else
    echo "/usr/bin/chromium is missing and this is not root, so it cannot be installed here: run 'sudo apt-get install -y chromium'. The dashboard's browser test fails without it." >&2
  fi
fi

echo "Running tests..." >&2
dotnet test Sleeper.slnx --no-build --nologo -v q "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12, ...").
read -r passed failed skipped < <(grep -E '(Passed|Failed)! +- +Failed: +[0-9]+' "$log" | awk '
  { for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1));
      if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
  END { printf "%d %d %d\n", p, f, s }')
assemblies=$(grep -cE '(Passed|Failed)! +- +Failed:' "$log")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # the run itself failed (a crash, a build problem): count it
fi
if [ "$assemblies" -eq 0 ]; then
  failed=$((failed + 1))
fi
failed=$((failed + services_failed))
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
