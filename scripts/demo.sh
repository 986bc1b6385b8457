#!/usr/bin/env bash
# The main job, for now a smoke run of the CLI: build, list the tensors of a weight file, and time the
# engine's GEMMs against oneDNN called directly. (It becomes "generate a video" once the bundled model exists.)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product zoetrope
zoetrope=.build/release/zoetrope
"$zoetrope" --version
"$zoetrope" inspect Tests/Fixtures/ops/matmul.safetensors | tail -n 4
"$zoetrope" bench matmul --repeats 3
