#!/usr/bin/env bash
# Builds the libFuzzer harnesses of Fuzz/ (swiftc -sanitize=fuzzer,address, straight from the
# sources of the modules each needs, into .build-fuzz/, without SwiftPM) and runs each for a while on
# a copy of its corpus. Prints one line per harness and exits 1 if any found a crash, an
# AddressSanitizer report, a leak, a hang over 10 s or memory over 2 GiB; the input that did it is
# kept under .build-fuzz/findings/NAME/ and its path printed. See docs/fuzzing.md.
#
# Usage: scripts/fuzz.sh [--seconds N] [--only NAME[,NAME...]] [--build-only] [--fresh] [--update-corpus]
#   --seconds N       how long each harness runs (default 20: the CI smoke run; 3600 for a long run)
#   --only NAMES      just these harnesses (comma-separated; see HARNESSES below)
#   --build-only      build, run nothing
#   --fresh           start each working corpus from the committed one again (default: keep what
#                     earlier runs found in .build-fuzz/corpus/NAME and add the committed seeds)
#   --update-corpus   after the run, merge the inputs that add coverage into Fuzz/corpus/NAME
#                     (the only way this script writes into the committed corpus)
set -euo pipefail
cd "$(dirname "$0")/.."

# Modules the harnesses link, in dependency order, each built from these sources. CKernels is C
# (clang, with a module map under .build-fuzz so that Swift can import it); Tensor imports it.
MODULE_ORDER=(CKernels Tensor NN WanDiT Sampling Tokenization Media Pipelines CLIPVision)
declare -A MODULE_SOURCES=(
    [CKernels]="Sources/CKernels/*.c Sources/CKernels/include/*.h"
    [Tensor]="Sources/Tensor/*.swift"
    [NN]="Sources/NN/*.swift Sources/NN/LoRA/*.swift"
    [WanDiT]="Sources/Models/WanDiT/*.swift"
    [Sampling]="Sources/Sampling/*.swift"
    [Tokenization]="Sources/Models/Tokenization/*.swift"
    [Media]="Sources/Media/*.swift"
    [CLIPVision]="Sources/Models/CLIPVision/*.swift"
    # Only the part of Pipelines that reads a board before any model loads (the whole module needs
    # every model's module): the board, its timeline and the zoom's schedule and path.
    [Pipelines]="Sources/Pipelines/Storyboard/Storyboard.swift Sources/Pipelines/Storyboard/StoryboardParsing.swift
                 Sources/Pipelines/Storyboard/StoryboardTimeline.swift Sources/Pipelines/Zoom/ZoomPath.swift
                 Sources/Pipelines/Zoom/ZoomSchedule.swift Sources/Pipelines/Zoom/ZoomError.swift"
)

# The harnesses: Fuzz/NAME.swift, then the modules it imports with everything they depend on.
# Adding one is a file in Fuzz/, a seed folder Fuzz/corpus/NAME/ and one line here (a dictionary
# Fuzz/dict/NAME.dict is used when there is one).
HARNESSES=(
    "safetensors        CKernels Tensor"
    "safetensors-index  CKernels Tensor"
    "gguf               CKernels Tensor"
    "pytorch            CKernels Tensor"
    "json               CKernels Tensor NN WanDiT Sampling"
    "tokenizer          CKernels Tensor Tokenization"
    "prompt             CKernels Tensor Tokenization"
    "board              CKernels Tensor Media Pipelines"
    "media              CKernels Tensor Media"
    "clip               CKernels Tensor NN CLIPVision"
)

seconds=20 only="" build_only=0 fresh=0 update_corpus=0
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --build-only) build_only=1; shift ;;
        --fresh) fresh=1; shift ;;
        --update-corpus) update_corpus=1; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "fuzz.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

if ! command -v swiftc > /dev/null 2>&1; then
    for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
        [ -x "$candidate/swiftc" ] && export PATH="$candidate:$PATH" && break
    done
fi
command -v swiftc > /dev/null 2>&1 || { echo "fuzz.sh: no swiftc on PATH: install Swift 6 (swift.org/install)" >&2; exit 2; }
# The toolchain's symbolizer names functions and lines in crash reports.
symbolizer=$(dirname "$(command -v swiftc)")/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH=$symbolizer

ROOT=.build-fuzz
OBJ=$ROOT/obj BIN=$ROOT/bin LOGS=$ROOT/logs
mkdir -p "$OBJ" "$BIN" "$LOGS" "$ROOT/tmp"
FLAGS=(-parse-as-library -O -gline-tables-only -sanitize=fuzzer,address -enable-testing -I "$OBJ/ckernels-module")
# A change of flags or compiler rebuilds everything.
stamp="$(swiftc --version 2>&1 | head -1) ${FLAGS[*]}"
if [ "$(cat "$OBJ/flags" 2> /dev/null)" != "$stamp" ]; then
    rm -rf "${OBJ:?}"/* "${BIN:?}"/*
    echo "$stamp" > "$OBJ/flags"
fi

selected=()
for entry in "${HARNESSES[@]}"; do
    read -r name _ <<< "$entry"
    if [ -z "$only" ] || [[ ",$only," == *",$name,"* ]]; then selected+=("$entry"); fi
done
[ ${#selected[@]} -gt 0 ] || { echo "fuzz.sh: no harness named $only" >&2; exit 2; }

# Modules: rebuilt when a source or a module built before it is newer than its object.
declare -A needed=()
for entry in "${selected[@]}"; do
    read -r _ modules <<< "$entry"
    for module in $modules; do needed[$module]=1; done
done
build_start=$SECONDS
newest=""
for module in "${MODULE_ORDER[@]}"; do
    [ -n "${needed[$module]:-}" ] || continue
    # shellcheck disable=SC2086  # the globs expand here
    sources=(${MODULE_SOURCES[$module]})
    object=$OBJ/$module.o
    stale=0
    # Stale when a source is newer, a module it imports was rebuilt, or the list of sources changed
    # (a file added to or removed from the module).
    if [ ! -f "$object" ] || [ -n "$(find "${sources[@]}" -newer "$object" 2> /dev/null | head -1)" ] \
        || { [ -n "$newest" ] && [ "$newest" -nt "$object" ]; } \
        || [ "$(cat "$object.sources" 2> /dev/null)" != "${sources[*]}" ]; then
        stale=1
    fi
    if [ $stale = 1 ] && [ "$module" = CKernels ]; then
        echo "fuzz.sh: building $module (${#sources[@]} files, C)"
        mkdir -p "$OBJ/ckernels" "$OBJ/ckernels-module"
        printf 'module CKernels {\n    header "%s"\n    export *\n}\n' "$PWD/Sources/CKernels/include/CKernels.h" \
            > "$OBJ/ckernels-module/module.modulemap"
        for source in Sources/CKernels/*.c; do
            clang -O2 -gline-tables-only -fsanitize=fuzzer-no-link,address -I Sources/CKernels/include \
                -c "$source" -o "$OBJ/ckernels/$(basename "$source" .c).o"
        done
        ld.lld -r -o "$object.tmp" "$OBJ"/ckernels/*.o
        mv "$object.tmp" "$object"
        echo "${sources[*]}" > "$object.sources"
    elif [ $stale = 1 ]; then
        echo "fuzz.sh: building $module (${#sources[@]} files)"
        swiftc "${FLAGS[@]}" -wmo -module-name "$module" -I "$OBJ" -emit-module \
            -emit-module-path "$OBJ/$module.swiftmodule" -c -o "$object.tmp" "${sources[@]}"
        mv "$object.tmp" "$object"
        echo "${sources[*]}" > "$object.sources"
    fi
    newest=$object
done
for entry in "${selected[@]}"; do
    read -r name modules <<< "$entry"
    objects=()
    for module in $modules; do objects+=("$OBJ/$module.o"); done
    binary=$BIN/fuzz-$name
    if [ ! -f "$binary" ] || [ -n "$(find "Fuzz/$name.swift" Fuzz/Support/*.swift "${objects[@]}" -newer "$binary" | head -1)" ]; then
        echo "fuzz.sh: building fuzz-$name"
        swiftc "${FLAGS[@]}" -use-ld=lld -I "$OBJ" -o "$binary" "Fuzz/$name.swift" Fuzz/Support/*.swift "${objects[@]}"
    fi
done
echo "fuzz.sh: built in $((SECONDS - build_start)) s"
[ $build_only = 0 ] || exit 0

# Runs: each harness on its working corpus, findings kept apart from it.
# The harnesses that parse files write each input to a scratch file: in memory where /dev/shm is.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; else export TMPDIR=$PWD/$ROOT/tmp; fi
# A trap goes to libFuzzer's handler, which keeps the input; Swift's own backtracer would hold the
# crashed process (and this script) for its interactive timeout.
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS=suppressions=$PWD/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
failed=0
printf '%-18s %-8s %12s %8s %16s\n' harness result runs seconds "corpus in/out"
for entry in "${selected[@]}"; do
    read -r name _ <<< "$entry"
    corpus=$ROOT/corpus/$name findings=$ROOT/findings/$name log=$LOGS/$name.log
    [ $fresh = 0 ] || rm -rf "$corpus"
    mkdir -p "$corpus" "$findings"
    if [ -d "Fuzz/corpus/$name" ]; then cp -n Fuzz/corpus/"$name"/* "$corpus"/ 2> /dev/null || true; fi
    before=$(find "$corpus" -type f | wc -l)
    started=$SECONDS
    dict=()
    [ ! -f "Fuzz/dict/$name.dict" ] || dict=(-dict="Fuzz/dict/$name.dict")
    status=0
    "$BIN/fuzz-$name" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        "${dict[@]}" -artifact_prefix="$findings/" "$corpus" > "$log" 2>&1 || status=$?
    took=$((SECONDS - started))
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    after=$(find "$corpus" -type f | wc -l)
    if [ $status = 0 ]; then
        result=ok
    else
        failed=1
        artifact=$(grep -o "Test unit written to .*" "$log" | tail -1 | sed 's/Test unit written to //' || true)
        kind=$(grep -m1 -o -E "Fatal error: .*|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): .*" "$log" | cut -c1-120 || true)
        # The first frame in the sources (the harness's own frames come after it).
        where=$(grep -o -E "Sources/[^ ]*\.swift:[0-9]+" "$log" | head -1 || true)
        result=FOUND
    fi
    printf '%-18s %-8s %12s %8s %16s\n' "$name" "$result" "${runs:-?}" "$took" "$before/$after"
    if [ $status != 0 ]; then
        echo "    ${kind:-exit status $status}${where:+ at $where}"
        echo "    input: ${artifact:-none written (see the log)}    log: $log"
        echo "    replay: $BIN/fuzz-$name ${artifact:-INPUT}"
    fi
    if [ $update_corpus = 1 ] && [ $status = 0 ]; then
        mkdir -p "Fuzz/corpus/$name"
        "$BIN/fuzz-$name" -merge=1 -rss_limit_mb=2048 -timeout=10 "Fuzz/corpus/$name" "$corpus" >> "$log" 2>&1
        echo "    merged into Fuzz/corpus/$name: $(find "Fuzz/corpus/$name" -type f | wc -l) files"
    fi
done
exit $failed
