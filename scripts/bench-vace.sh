#!/usr/bin/env bash
# One VACE transformer call (bf16, random weights at the real VACE-1.3B config, a random 96-channel
# control at scale 1, timestep 999, a 512-row text context) in this engine and in diffusers, one after
# the other on the same machine, each in its own process. Prints one Markdown table row: the engine's
# call time and peak RSS, diffusers' warm-up and steady-state call times and peak RSS, and the ratios.
# Usage: bash scripts/bench-vace.sh [--model FOLDER] [--height H] [--width W] [--frames F]
#   defaults: /tmp/wan-vace-1.3b-random, 256x256x17 (the issue also asks for --height 480 --width 832).
#   The folder comes from tools/bench/make_random_wan_vace.py (--tiny for a quick check of this script).
set -euo pipefail
cd "$(dirname "$0")/.."
model=/tmp/wan-vace-1.3b-random height=256 width=256 frames=17
while [ $# -gt 0 ]; do
    case $1 in
        --model) model=$2; shift 2 ;;
        --height) height=$2; shift 2 ;;
        --width) width=$2; shift 2 ;;
        --frames) frames=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -f "$model/transformer/config.json" ] || { echo "no VACE folder at $model (tools/bench/make_random_wan_vace.py)" >&2; exit 1; }
python=${PYTHON:-/work/venv-tools/bin/python}
zoetrope=${ZOETROPE:-.build/release/zoetrope}
[ -x "$zoetrope" ] || swift build -c release --product zoetrope > /dev/null

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%F)"
echo "command: bash scripts/bench-vace.sh --model $model --height $height --width $width --frames $frames"
# The engine: `zoetrope memory transformer` prints a Markdown row | workload | load | run | resident | peak |.
ours=$("$zoetrope" memory transformer --model "$model" --height "$height" --width "$width" --frames "$frames" --dtype bf16 | tail -1)
echo "zoetrope: $ours"
our_s=$(echo "$ours" | awk -F'|' '{ gsub(/[ s]/, "", $4); print $4 }')
our_mib=$(echo "$ours" | awk -F'|' '{ gsub(/[ MiB,]/, "", $6); print $6 }')
# diffusers: "... calls 12.34, 11.98 s, peak RSS 3456 MiB, threads 2".
theirs=$("$python" tools/bench/torch_wan_vace_call.py --model "$model" --height "$height" --width "$width" --frames "$frames" --calls 2)
echo "$theirs"
warm_s=$(echo "$theirs" | sed -n 's/.*calls \([0-9.]*\), \([0-9.]*\) s.*/\1/p')
steady_s=$(echo "$theirs" | sed -n 's/.*calls \([0-9.]*\), \([0-9.]*\) s.*/\2/p')
their_mib=$(echo "$theirs" | sed -n 's/.*peak RSS \([0-9]*\) MiB.*/\1/p')
echo
echo "| VACE transformer call, bf16 | engine: run | engine: peak RSS | diffusers: warm-up, steady | diffusers: peak RSS | time ratio (engine / steady) | memory ratio |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
awk -v size="${height}x${width}x${frames}" -v a="$our_s" -v m="$our_mib" -v w="$warm_s" -v s="$steady_s" -v t="$their_mib" \
    'BEGIN { printf "| %s | %.2f s | %d MiB | %.2f s, %.2f s | %d MiB | %.2fx | %.2fx |\n", size, a, m, w, s, t, a / s, m / t }'
