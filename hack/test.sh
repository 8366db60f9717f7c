#!/usr/bin/env bash
# Runs every test on a fresh machine: builds the local control plane binaries (skipped when cached),
# then checks the formatting (`mvn spotless:check`) and runs `mvn -B -ntp verify` from the repository root (unit tests in surefire, *IT against the real
# control plane in failsafe). Extra arguments go to Maven, e.g. ./hack/test.sh -Psoak
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi

# The script exits with a clear message if Go is needed but missing (or too old).
bash hack/build-control-plane.sh >/dev/null
# Formatting first (google-java-format through spotless; fix with `mvn spotless:apply`).
mvn -B -ntp -q spotless:check
exec mvn -B -ntp verify "$@"
