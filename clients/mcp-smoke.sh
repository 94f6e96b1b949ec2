#!/usr/bin/env bash
# Drives Capsule's MCP server with the MCP Inspector's command-line mode (npm, pinned) over both transports:
# stdio (bin/capsule mcp) and streamable HTTP (/mcp of bin/capsule serve, with a token; without one it must be refused).
# Needs the built jar (mvn package) and npx. Exits non-zero on the first wrong answer.
set -euo pipefail
INSPECTOR="@modelcontextprotocol/inspector@2.12.0"
root="$(cd "$(dirname "$0")/.." && pwd)"
capsule="${CAPSULE_BIN:-$root/bin/capsule}"
work="$(mktemp -d -t capsule-mcp-smoke-XXXXXX)"
serve_pid=""
cleanup() {
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" && wait "$serve_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

inspector() {
  npx -y "$INSPECTOR" --cli "$@" 2>>"$work/inspector.log"
}

expect() { # expect NAME TEXT PATTERN
  if ! grep -q -- "$3" <<<"$2"; then
    echo "mcp-smoke: $1: expected /$3/ in:" >&2
    echo "$2" >&2
    exit 1
  fi
  echo "mcp-smoke: ok: $1"
}

# stdio: the Inspector starts capsule mcp itself, in a project directory of its own
mkdir -p "$work/stdio"
out="$(inspector --cwd "$work/stdio" "$capsule" mcp --method tools/list)"
expect "stdio tools/list" "$out" '"run_python"'
expect "stdio tools/list readOnlyHint" "$out" '"readOnlyHint": true'
out="$(inspector --cwd "$work/stdio" "$capsule" mcp --method tools/call --tool-name run_python --tool-arg 'code=print("hi"); result = 6 * 7')"
expect "stdio run_python result" "$out" '"result": 42'
expect "stdio run_python stdout" "$out" '"stdout": "hi'
out="$(inspector --cwd "$work/stdio" "$capsule" mcp --method tools/call --tool-name run_javascript --tool-arg 'code=throw new Error("smoke 5")')"
expect "stdio failing task is an envelope" "$out" '"success": false'
expect "stdio failing task says why" "$out" 'task_error'
# a tool error makes the Inspector exit non-zero: the answer is checked instead
out="$(inspector --cwd "$work/stdio" "$capsule" mcp --method tools/call --tool-name run_python --tool-arg 'code=result = 1' 'ram=2GB' || true)"
expect "stdio bound refused" "$out" '"isError": true'
expect "stdio bound named" "$out" 'max_ram'

# HTTP: /mcp of capsule serve with a token
mkdir -p "$work/http"
token="smoke-token-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
echo "$token" >"$work/http/tokens"
chmod 600 "$work/http/tokens"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
(cd "$work/http" && exec "$capsule" serve --port "$port" --token-file tokens --runners 1 >"$work/serve.log" 2>&1) &
serve_pid=$!
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
url="http://127.0.0.1:$port/mcp"
out="$(inspector "$url" --transport http --header "Authorization: Bearer $token" --method tools/list)"
expect "http tools/list" "$out" '"submit_task"'
out="$(inspector "$url" --transport http --header "Authorization: Bearer $token" --method tools/call --tool-name submit_task \
  --tool-arg language=python 'code=result = "durable"')"
expect "http submit_task" "$out" '"id"'
id="$(grep -o '"id": "[^"]*"' <<<"$out" | head -1 | cut -d'"' -f4)"
out="$(inspector "$url" --transport http --header "Authorization: Bearer $token" --method tools/call --tool-name wait_task \
  --tool-arg "id=$id" timeout=60)"
expect "http wait_task" "$out" '"result": "durable"'
out="$(inspector "$url" --transport http --header "Authorization: Bearer $token" --method resources/read --uri "capsule://tasks/$id")"
expect "http resources/read" "$out" 'SUCCEEDED'
if out="$(inspector "$url" --transport http --method tools/list 2>&1)"; then
  echo "mcp-smoke: http without a token was answered: $out" >&2
  exit 1
fi
echo "mcp-smoke: ok: http without a token refused"
echo "mcp-smoke: all checks passed"
