#!/usr/bin/env bash
# Installs the Debian 12 packages that cwalarm's Bazel and CMake builds need.
# Idempotent and quick when everything is present (checks with dpkg-query
# first); installs with apt-get only what is missing, and only as root.
#
# Optional: `--with-promtool` also installs Debian's `prometheus` package
# (promtool), used only by benchmarks/promtool_compare.sh; CI does not need it.
# Optional: `--with-fuzzers` also installs clang and libclang-rt-14-dev
# (libFuzzer), used by scripts/fuzz.sh; CI passes it.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap default-jdk-headless  # Bazel 4.2.3 (needs a JDK: pulled in anyway)
  g++ cmake make pkg-config git ca-certificates
  libabsl-dev
  libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev googletest
  libbenchmark-dev
  nlohmann-json3-dev
  libcurl4-openssl-dev libssl-dev
)
for arg in "$@"; do
  case "${arg}" in
    --with-promtool)
      PACKAGES+=(prometheus)  # promtool, for benchmarks/promtool_compare.sh only
      ;;
    --with-fuzzers)
      # clang + libFuzzer/sanitizer runtimes, for scripts/fuzz.sh (issue 8).
      PACKAGES+=(clang libclang-rt-14-dev)
      ;;
  esac
done

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "${pkg}" 2>/dev/null || true)"
  if [[ "${status}" != "installed" ]]; then
    missing+=("${pkg}")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install_deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install_deps: missing: ${missing[*]}"
if [[ "$(id -u)" -ne 0 ]]; then
  echo "install_deps: not root; run: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install_deps: done"
