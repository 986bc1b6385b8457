#!/usr/bin/env bash
# Speed of the README's main job on this machine: `zoetrope generate` with the bundled model at its
# defaults (256x256, 17 frames = 2.1 s at 8 fps), each run a fresh process (cold start: loading the
# model included), then the same clip by diffusers on the same CPU as the peer when the tools venv is
# there. Usage: bash scripts/bench-generate.sh [runs] [python-with-diffusers]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
python=${2:-/work/venv-tools/bin/python}
source scripts/setup.sh > /dev/null
swift build -c release --product zoetrope > /dev/null
prompt="a red ball moving left over the sea at night"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
echo "command: .build/release/zoetrope generate \"$prompt\" --seed 1 -o out/bench.mp4"
mkdir -p out
for i in $(seq "$runs"); do
    start=$(date +%s%N)
    .build/release/zoetrope generate "$prompt" --seed 1 -o out/bench.mp4 > /dev/null 2>&1
    end=$(date +%s%N)
    ms=$(( (end - start) / 1000000 ))
    printf 'zoetrope run %d: %d.%03d s\n' "$i" $((ms / 1000)) $((ms % 1000))
done
if [ -x "$python" ] && "$python" -c "import diffusers" 2> /dev/null; then
    for i in $(seq "$runs"); do
        echo "diffusers run $i: $("$python" tools/bench/torch_bundled_generate.py "$prompt" 2> /dev/null)"
    done
else
    echo "diffusers peer skipped: no python with diffusers at $python"
fi
