#!/usr/bin/env bash
# Long videos on the bundled model (docs/performance.md, "Long videos and storyboards"): wall time and
# peak resident memory of one 21-frame window alone (the peer: what each window costs by itself), a
# 10-second and a 60-second clip (memory must not grow with the length), and the 60-second storyboard
# examples/a-day-by-the-sea.json; then the colour drift and seams of the 60-second clip.
# Usage: bash scripts/bench-long.sh   (about 10 minutes on 2 cores; outputs in out/bench-long/)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh > /dev/null
swift build -c release --product zoetrope > /dev/null
z=$PWD/.build/release/zoetrope
out=out/bench-long
mkdir -p "$out"
prompt="a red ball moving left over the sea at night"

measure() {  # measure NAME ARGS...: one run, its wall time and peak memory
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$out/$name.time" "$z" "$@" > "$out/$name.log" 2>&1
    read -r seconds kib < "$out/$name.time"
    local steps; steps=$(grep -Eo '[0-9]+ frames in [0-9]+ steps' "$out/$name.log" || echo "1 window")
    printf '| %s | %s | %.1f s | %.0f MiB |\n' "$name" "$steps" "$seconds" "$((kib / 1024))"
}

echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) threads; $(date -u +%Y-%m-%d)"
echo "| run | plan | wall time | peak memory |"
echo "| --- | --- | ---: | ---: |"
measure one-window generate "$prompt" --frames 21 --seed 1 -o "$out/one-window.mp4"
measure clip-10s generate "$prompt" --seconds 10 --seed 1 -o "$out/clip-10s.mp4"
measure clip-60s generate "$prompt" --seconds 60 --seed 1 -o "$out/clip-60s.mp4"
measure storyboard-60s storyboard examples/a-day-by-the-sea.json -o "$out/storyboard-60s.mp4"
if command -v python3 > /dev/null && python3 -c "import numpy" 2> /dev/null; then
    python3 tools/bench/window_drift.py "$out/clip-60s.mp4" --first 21 --every 12 --reference 5 | tail -6
fi
