#!/usr/bin/env bash
# Prints how many lines the kubedirect retrofit changed in each example controller, comparing the plain
# client-java controller with its retrofitted copy: lines removed (<) and added (>) as `diff` reports them,
# their sum, and "changed" = the lines of the retrofitted file that are new or rewritten (a rewritten line
# counts once: per diff hunk, the larger of its removed and added counts). The package line counts too.
# A plain controller without a retrofitted copy yet is listed as such. Every controller must stay within 40
# changed lines (issue #10); the script exits 1 otherwise.
#
#   hack/retrofit-diff.sh           # table
#   hack/retrofit-diff.sh --diff    # also print the diffs
set -euo pipefail
cd "$(dirname "$0")/.."

BASE=examples/src/main/java/io/kubedirect/examples/faas
total=0
total_sum=0
over=()
printf '%-26s %7s %7s %7s %7s\n' controller removed added sum changed
for c in ReplicaSetController SchedulerController SandboxManager DeploymentController AutoscalerController; do
  plain="$BASE/plain/$c.java"
  direct="$BASE/direct/$c.java"
  [[ -f "$plain" ]] || { echo "missing $plain" >&2; exit 1; }
  if [[ ! -f "$direct" ]]; then
    printf '%-26s %s\n' "$c" "(no retrofitted copy yet)"
    continue
  fi
  d="$(diff "$plain" "$direct" || true)"
  removed=$(grep -c '^<' <<<"$d" || true)
  added=$(grep -c '^>' <<<"$d" || true)
  sum=$((removed + added))
  changed=$(grep -E '^[0-9]' <<<"$d" | awk '
    function span(r,  a) { n = split(r, a, ","); return n == 2 ? a[2] - a[1] + 1 : 1 }
    { match($0, /[acd]/); op = substr($0, RSTART, 1); l = span(substr($0, 1, RSTART - 1)); r = span(substr($0, RSTART + 1))
      if (op == "a") c += r; else if (op == "d") c += l; else c += (l > r ? l : r) }
    END { print c + 0 }')
  total=$((total + changed)); total_sum=$((total_sum + sum))
  (( changed <= 40 )) || over+=("$c")
  printf '%-26s %7d %7d %7d %7d\n' "$c" "$removed" "$added" "$sum" "$changed"
  if [[ "${1:-}" == "--diff" ]]; then
    echo "$d" | sed 's/^/    /'
  fi
done
printf '%-26s %7s %7s %7d %7d\n' total "" "" "$total_sum" "$total"
# The activator is one class in all variants; only its readiness source differs (ApiServerSandboxSource /
# EndpointSliceSandboxSource / DirectSandboxSource, the last wrapping the first over the subscriber's informers).
echo "Activator: one class for plain, K8s+ and direct (the direct chain passes it DirectSandboxSource)"
if (( ${#over[@]} > 0 )); then
  echo "over the budget of 40 changed lines: ${over[*]}" >&2
  exit 1
fi
