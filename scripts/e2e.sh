#!/usr/bin/env bash
# The end-to-end suite: installs chromium and code-server if needed, packages the extension
# as a .vsix, then runs each scenario in real VS Code. Screenshots land in test-results/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/e2e-setup.sh
npm run package
rm -rf test-results/e2e
# The timeout is per file (its scenarios run one after the other); a loaded machine takes 100 s a scenario.
node --import tsx --test --test-concurrency=1 --test-timeout=900000 test/e2e/*.e2e.ts
echo "e2e: screenshots in test-results/e2e/: $(ls test-results/e2e 2>/dev/null | tr '\n' ' ')"
