#!/usr/bin/env bash
# Independent check of cwalarm's SigV4 signer: signs a fixed SNS Publish with
# the AWS SDK for JavaScript v3 (@aws-sdk/client-sns, pinned in package.json;
# time and credentials pinned, endpoint http://127.0.0.1:PORT, request
# captured instead of sent) and runs tests/sigv4_test against that fresh
# capture: our Authorization header and form body must equal the SDK's.
# Usage: bash tests/sigv4/check.sh [path/to/sigv4_test binary]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
test_bin="${1:-${root}/bazel-bin/tests/sigv4_test}"

cd "${here}"
if [[ ! -d node_modules/@aws-sdk/client-sns ]]; then
  npm install --no-audit --no-fund --loglevel=error
fi
capture="$(mktemp)"
trap 'rm -f "${capture}"' EXIT
node sign_publish.mjs 4566 2>/dev/null >"${capture}"
echo "sigv4 check: SDK $(node -p 'require("./node_modules/@aws-sdk/client-sns/package.json").version') signed:"
grep '"authorization"' "${capture}"
cd "${root}"
CWALARM_SIGV4_CAPTURE="${capture}" "${test_bin}" \
  --gtest_filter='SigV4Test.AgreesWithAwsSdkForJavaScriptOnSnsPublish:SnsPublishBodyTest.*'
