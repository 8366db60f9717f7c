#!/usr/bin/env bash
# Runs the demo on a fresh machine: builds the local control plane binaries (skipped when cached),
# installs the project, then runs the demo main class.
#
#   ./hack/demo.sh                      # the burst demo (BurstDemo --help lists its flags)
#   DEMO_MAIN=io.kubedirect.examples.smoke.SmokeDemo ./hack/demo.sh 5   # any main class, args passed on
#
# Environment: DEMO_MAIN (main class), KUBEDIRECT_BIN_DIR (binary directory, see docs/control-plane.md).
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_MAIN="${DEMO_MAIN:-io.kubedirect.examples.demo.BurstDemo}"

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi

bash hack/build-control-plane.sh >/dev/null
mvn -B -ntp -q install -DskipTests
if (( $# > 0 )); then
  exec mvn -B -ntp -q -pl examples exec:java -Dexec.mainClass="$DEMO_MAIN" -Dexec.args="$*"
else
  exec mvn -B -ntp -q -pl examples exec:java -Dexec.mainClass="$DEMO_MAIN"
fi
