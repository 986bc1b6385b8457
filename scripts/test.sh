#!/usr/bin/env bash
# The test command: installs missing system packages, then builds and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# Release mode: the numerical tests run real kernels, which a debug build makes ~20x slower.
swift build -c release --build-tests
# A throwaway PostgreSQL cluster for the job store's tests and the server's several-worker test.
export ZOETROPE_TEST_POSTGRES
ZOETROPE_TEST_POSTGRES=$(bash scripts/start-postgres.sh)
trap 'bash scripts/stop-postgres.sh > /dev/null 2>&1 || true' EXIT
swift test -c release --skip-build
# Every mode and the one-line errors, through the command line.
bash scripts/test-cli.sh
# Hostile input (issue 20): bad sizes, configs, FIFOs, signals, full disks, traversal, NaN.
bash scripts/test-hostile.sh
# A short fuzzing run of every parser (docs/fuzzing.md; about 3 minutes with the build).
bash scripts/fuzz.sh --seconds 15
# The server with real clients: the openai client, Chromium, concurrency, restarts, PostgreSQL workers.
bash scripts/test-server.sh
