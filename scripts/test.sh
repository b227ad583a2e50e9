#!/usr/bin/env bash
# Builds everything and runs every test with Bazel (offline; see WORKSPACE).
# Extra arguments go to `bazel test`, e.g. `bash scripts/test.sh --config=asan`.
# Exits non-zero if the build or any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install_deps.sh

BAZEL_FLAGS=(--test_output=errors --test_summary=short)
if [[ -n "${CI:-}" ]]; then
  # Plain, non-interactive progress output in CI logs.
  BAZEL_FLAGS+=(--color=no --curses=no --show_progress_rate_limit=30)
fi

log="$(mktemp)"
trap 'rm -f "${log}"' EXIT
set +e
bazel test "${BAZEL_FLAGS[@]}" "$@" //... 2>&1 | tee "${log}"
rc=${PIPESTATUS[0]}
set -e

# One closing line, "N passed, N failed", from Bazel's per-target summary.
passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "${log}" || true)
failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|FLAKY|NO STATUS|INCOMPLETE|REMOTE FAILURE|FAILED TO BUILD)' "${log}" || true)
echo "bazel: ${passed} passed, ${failed} failed"
if [[ ${rc} -eq 4 ]]; then
  # Bazel's "build OK, but no test targets": not a failure while the test
  # folders are still being written.
  echo "test.sh: WARNING: the build succeeded but no test targets exist under //..." >&2
  exit 0
fi
exit "${rc}"
