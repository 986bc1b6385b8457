#!/usr/bin/env bash
# The main job: build, then generate a video from a prompt. Until the bundled model lands, the model
# is the tiny random Wan pipeline of the test fixtures, so the frames are noise, but every stage is
# the real one (tokenizer, UMT5, transformer with UniPC and guidance, VAE, ffmpeg).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product zoetrope
zoetrope=.build/release/zoetrope
"$zoetrope" --version
mkdir -p out
"$zoetrope" generate "a red fox runs through fresh snow at dawn" \
    --model Tests/Fixtures/wan_pipeline/tiny-wan -o out/demo.mp4 \
    --width 48 --height 32 --frames 17 --steps 8 --seed 1
if command -v ffprobe > /dev/null; then
    ffprobe -v error -show_entries stream=codec_name,width,height,nb_frames,r_frame_rate -of compact out/demo.mp4
fi
