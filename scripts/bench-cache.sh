#!/usr/bin/env bash
# Step caching on the bundled model: `zoetrope generate` at its defaults (256x256, 17 frames, guidance
# 5) at each step count, without a cache and with each threshold, each run a fresh process. Prints a
# Markdown table: wall time (median of the runs), transformer calls made, speed-up, and the PSNR of the
# cached run's frames against the uncached run's (lossless PNG frames, `zoetrope compare`).
# Usage: bash scripts/bench-cache.sh [runs] [steps...] -- [thresholds...]
#   e.g. bash scripts/bench-cache.sh 3 20 50 -- 0.05 0.1 0.2
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shift || true
steps=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do steps+=("$1"); shift; done
[ $# -gt 0 ] && shift
thresholds=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(20 50)
[ ${#thresholds[@]} -gt 0 ] || thresholds=(0.05 0.1 0.2)
source scripts/setup.sh > /dev/null
swift build -c release --product zoetrope > /dev/null
zoetrope=.build/release/zoetrope
prompt="a red ball moving left over the sea at night"
out=out/bench-cache
rm -rf "$out" && mkdir -p "$out"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%F)"
echo "command: bash scripts/bench-cache.sh $runs ${steps[*]} -- ${thresholds[*]}"
echo "each run: $zoetrope generate \"$prompt\" --seed 1 --steps N [--cache T] -o DIR/"
echo
echo "| steps | cache | wall time (median of $runs) | transformer calls | speed-up | PSNR vs uncached (lowest frame) |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"

# Runs one setting `runs` times; prints "median_seconds calls_line".
measure() {
    local dir=$1; shift
    local times=() calls=""
    for i in $(seq "$runs"); do
        rm -rf "$dir"
        local start end
        start=$(date +%s%N)
        calls=$("$zoetrope" generate "$prompt" --seed 1 -o "$dir/" "$@" 2> /dev/null | grep '^transformer calls' || true)
        end=$(date +%s%N)
        times+=($(( (end - start) / 1000000 )))
    done
    local median
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
    echo "$median|$calls"
}

seconds() { printf '%d.%02d s' $(($1 / 1000)) $(( ($1 % 1000) / 10 )); }

for n in "${steps[@]}"; do
    base=$(measure "$out/uncached-$n" --steps "$n")
    base_ms=${base%%|*}
    base_calls=$(echo "${base#*|}" | sed 's/transformer calls: //')
    echo "| $n | off | $(seconds "$base_ms") | $base_calls | 1.00x | - |"
    for t in "${thresholds[@]}"; do
        got=$(measure "$out/cache-$t-$n" --steps "$n" --cache "$t")
        ms=${got%%|*}
        calls=$(echo "${got#*|}" | sed 's/transformer calls: //; s/ (.*//')
        speed=$(awk -v a="$base_ms" -v b="$ms" 'BEGIN { printf "%.2fx", a / b }')
        psnr=$("$zoetrope" compare "$out/uncached-$n/" "$out/cache-$t-$n/" | sed 's/^PSNR \([^ ]*\) dB over [0-9]* frames (lowest frame \([^ ]*\) dB)/\1 dB (\2)/')
        echo "| $n | $t | $(seconds "$ms") | $calls | $speed | $psnr |"
    done
done
