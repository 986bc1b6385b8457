#!/usr/bin/env bash
# The main job: build, then generate a 2-second 256x256 clip from a prompt with the bundled model
# (models/zoetrope-tiny, the default when --model is not given), on the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product zoetrope
zoetrope=.build/release/zoetrope
"$zoetrope" --version
mkdir -p out
"$zoetrope" generate "a red ball moving left over the sea at night" -o out/demo.mp4 --seed 1
if command -v ffprobe > /dev/null; then
    ffprobe -v error -show_entries stream=codec_name,width,height,nb_frames,r_frame_rate -of compact out/demo.mp4
fi
