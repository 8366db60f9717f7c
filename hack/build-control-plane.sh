#!/usr/bin/env bash
# Builds the real Kubernetes control-plane binaries that the integration tests, the demo and the
# benchmarks run against, from the Go module proxy, into a per-version cache directory outside the repo.
#
#   hack/build-control-plane.sh            # etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl
#   hack/build-control-plane.sh --print-dir  # print the binary directory and exit
#
# Environment:
#   KUBEDIRECT_BIN_DIR   where the binaries go (default: ~/.cache/kubedirect/<versions>/bin)
#   KUBEDIRECT_COMPONENTS  space-separated subset to build (default: all five)
#
# Skips every binary that is already present with the right version stamp. Needs Go >= 1.26 (looked up
# on PATH, then in /usr/local/go/bin) only when something has to be compiled.
# The Java launcher (io.kubedirect.testing.controlplane.BinaryLocator) looks in the same default
# directory; keep K8S_VERSION / ETCD_VERSION in sync with it (BinaryLocatorTest checks this).
set -euo pipefail

K8S_VERSION="v1.36.3"
K8S_STAGING_VERSION="v0.36.3"
ETCD_VERSION="v3.6.16"
GO_MIN_MINOR=26

STAGING_MODULES="api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api cri-client
cri-streaming csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator
kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission
sample-apiserver sample-cli-plugin sample-controller streaming"

CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/kubedirect/k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}"
BIN_DIR="${KUBEDIRECT_BIN_DIR:-$CACHE_ROOT/bin}"
WORK_DIR="${CACHE_ROOT}/src"
COMPONENTS="${KUBEDIRECT_COMPONENTS:-etcd kube-apiserver kube-controller-manager kube-scheduler kubectl}"

if [[ "${1:-}" == "--print-dir" ]]; then echo "$BIN_DIR"; exit 0; fi

log() { printf '[build-control-plane] %s\n' "$*" >&2; }
die() { printf '[build-control-plane] ERROR: %s\n' "$*" >&2; exit 1; }

stamp_ok() { # binary name -> 0 if present with the expected version stamp
  local f="$BIN_DIR/$1" want="$2"
  [[ -x "$f" && -f "$f.version" && "$(cat "$f.version")" == "$want" ]]
}

require_go() { # only called when something has to be compiled
  if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null 2>&1 || die "Go is not installed (not on PATH, not in /usr/local/go/bin). Install Go 1.${GO_MIN_MINOR}+ (Debian's 'golang' package is too old; use go.dev/dl or your distribution's backports) and re-run, or point KUBEDIRECT_BIN_DIR at a directory with prebuilt etcd ${ETCD_VERSION} and kube-apiserver/kube-controller-manager/kube-scheduler ${K8S_VERSION}."
  GO_MINOR="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
  [[ "$GO_MINOR" =~ ^[0-9]+$ && "$GO_MINOR" -ge "$GO_MIN_MINOR" ]] || die "Go $(go env GOVERSION) is too old; Kubernetes ${K8S_VERSION} needs Go 1.${GO_MIN_MINOR}+."
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-buildvcs=false"
  mkdir -p "$WORK_DIR"
}

mkdir -p "$BIN_DIR"

need_k8s=()
for c in $COMPONENTS; do
  case "$c" in
    etcd) ;;
    kube-apiserver|kube-controller-manager|kube-scheduler|kubectl)
      stamp_ok "$c" "$K8S_VERSION" && log "$c ${K8S_VERSION}: cached in $BIN_DIR" || need_k8s+=("$c") ;;
    *) die "unknown component '$c' (known: etcd kube-apiserver kube-controller-manager kube-scheduler kubectl)";;
  esac
done

if [[ " $COMPONENTS " == *" etcd "* ]]; then
  if stamp_ok etcd "$ETCD_VERSION"; then
    log "etcd ${ETCD_VERSION}: cached in $BIN_DIR"
  else
    require_go
    log "etcd ${ETCD_VERSION}: resolving modules"
    d="$WORK_DIR/etcd"; mkdir -p "$d"; cd "$d"
    [[ -f go.mod ]] || go mod init local/etcdbin >/dev/null 2>&1
    go mod edit -go=1.25.0
    go get -tool "go.etcd.io/etcd/server/v3@${ETCD_VERSION}" || die "could not fetch etcd ${ETCD_VERSION} from the Go module proxy (check GOPROXY and network)"
    log "etcd ${ETCD_VERSION}: compiling"
    t0=$SECONDS
    go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/etcd" go.etcd.io/etcd/server/v3 || die "etcd build failed (see output above)"
    echo "$ETCD_VERSION" > "$BIN_DIR/etcd.version"
    log "etcd ${ETCD_VERSION}: built in $((SECONDS-t0)) s ($(du -h "$BIN_DIR/etcd" | cut -f1))"
  fi
fi

if (( ${#need_k8s[@]} > 0 )); then
  require_go
  log "kubernetes ${K8S_VERSION}: resolving modules for ${need_k8s[*]}"
  d="$WORK_DIR/k8s"; mkdir -p "$d"; cd "$d"
  if [[ ! -f go.mod ]]; then
    go mod init local/k8sbins >/dev/null 2>&1
    go mod edit -go=1.26.0
    # k8s.io/kubernetes requires its staging modules at v0.0.0; a consumer must pin each one.
    for m in $STAGING_MODULES; do go mod edit -replace="k8s.io/$m=k8s.io/$m@${K8S_STAGING_VERSION}"; done
  fi
  pkgs=(); for c in "${need_k8s[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  tools=(); for p in "${pkgs[@]}"; do tools+=("$p@${K8S_VERSION}"); done
  go get -tool "${tools[@]}" || die "could not resolve k8s.io/kubernetes ${K8S_VERSION}; if the error names a module at v0.0.0, add it to STAGING_MODULES in $0"
  build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  ldflags="-s -w"
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $p.gitVersion=${K8S_VERSION} -X $p.gitMajor=1 -X $p.gitMinor=${minor} -X $p.gitTreeState=clean"
    ldflags+=" -X $p.gitCommit=0000000000000000000000000000000000000000 -X $p.buildDate=${build_date}"
  done
  for c in "${need_k8s[@]}"; do
    log "$c ${K8S_VERSION}: compiling (a cold build takes many minutes on 2 cores)"
    t0=$SECONDS
    go build -trimpath -tags grpcnotrace -ldflags "$ldflags" -o "$BIN_DIR/$c" "k8s.io/kubernetes/cmd/$c" || die "$c build failed (see output above)"
    echo "$K8S_VERSION" > "$BIN_DIR/$c.version"
    log "$c ${K8S_VERSION}: built in $((SECONDS-t0)) s ($(du -h "$BIN_DIR/$c" | cut -f1))"
  done
fi
log "binaries ready in $BIN_DIR"
echo "$BIN_DIR"
