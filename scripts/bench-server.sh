#!/usr/bin/env bash
# What the server adds or saves per clip: N clips with the bundled model's defaults (2 s at 256x256,
# 20 steps) made one after another by `zoetrope generate` (each run loads the models) and through
# `zoetrope serve` (create, then poll every 100 ms until completed; the worker keeps the models loaded
# between jobs), in the same run on the same machine.
# Usage: bash scripts/bench-server.sh [N]   (after swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-3}
ZOETROPE=${ZOETROPE:-.build/release/zoetrope}
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill -TERM $server 2> /dev/null; wait 2> /dev/null; rm -rf "$work"' EXIT
now() { date +%s.%N; }
prompt="a red ball moving left over the sea at night"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(date -u +%Y-%m-%d)"
cli=()
for i in $(seq 1 "$N"); do
    start=$(now)
    "$ZOETROPE" generate "$prompt" --seed "$i" -o "$work/cli-$i.mp4" 2> /dev/null
    cli+=("$(python3 -c "print($(now) - $start)")")
done

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$ZOETROPE" serve --port "$port" --database "sqlite:$work/jobs.db" > "$work/server.log" 2>&1 &
server=$!
until curl -sf "http://127.0.0.1:$port/healthz" > /dev/null; do sleep 0.2; done
# One client process polls every 100 ms, so that the client's own start-up does not load the 2 cores.
mapfile -t api < <(python3 - "$port" "$N" "$prompt" <<'PY'
import json, sys, time, urllib.request
port, count, prompt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = f"http://127.0.0.1:{port}/v1/videos"
for seed in range(1, count + 1):
    start = time.monotonic()
    body = json.dumps({"prompt": prompt, "seed": seed}).encode()
    request = urllib.request.Request(base, data=body, headers={"Content-Type": "application/json"})
    video = json.load(urllib.request.urlopen(request))
    while video["status"] not in ("completed", "failed"):
        time.sleep(0.1)
        video = json.load(urllib.request.urlopen(f"{base}/{video['id']}"))
    if video["status"] == "failed":
        sys.exit(f"job {video['id']} failed: {video['error']}")
    print(time.monotonic() - start)
PY
)
printf '| clip | zoetrope generate (s) | zoetrope serve, create to completed (s) |\n|---|---|---|\n'
for i in $(seq 0 $((N - 1))); do printf '| %d | %.2f | %.2f |\n' $((i + 1)) "${cli[$i]}" "${api[$i]}"; done
