#!/usr/bin/env bash
# The test command: installs missing system packages, then builds and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# Release mode: the numerical tests run real kernels, which a debug build makes ~20x slower.
swift build -c release --build-tests
swift test -c release --skip-build
# Every mode and the one-line errors, through the command line.
bash scripts/test-cli.sh
