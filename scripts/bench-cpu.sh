#!/usr/bin/env bash
# Zoetrope against PyTorch on the CPU, in one run: the Wan transformer call, the VAE decode and the
# UMT5 text encoder, each at the given sizes, the engine (`zoetrope memory PART --calls N`) and then its
# peer (tools/bench/torch_cpu_peer.py: diffusers / transformers with the same --calls), each call
# series in its own process so each peak RSS is its own. Prints a Markdown block for
# docs/performance.md: machine, date, versions, threads and this command, then one table with the
# first (cold) call, the steady state (median of calls 2..N), the peak RSS of both, the speed ratio
# (peer steady / engine steady: above 1 the engine is faster) and the memory ratio (peer peak /
# engine peak: above 1 the engine uses less).
#
# Usage: bash scripts/bench-cpu.sh [--model FOLDER] [--text-encoder FOLDER] [--parts transformer,vae,text-encoder]
#            [--sizes 256x256x17,480x832x17] [--tokens 16,226] [--prompt-tokens 512] [--calls 2]
#            [--vae-dtype f32|bf16] [--out FILE]
#   --model: a Wan diffusers folder with transformer/ and vae/ (tools/bench/make_random_wan.py);
#            default /work/scratch-gguf/wan-1.3b-random.
#   --text-encoder: a folder with model_index.json and text_encoder/ (tools/bench/make_random_umt5.py);
#            default /work/scratch-gguf/umt5-xxl-random.
#   --prompt-tokens: the transformer's text context, random rows then zero rows to 512 as WanPipeline
#            pads a prompt (the engine folds the zero rows into one; 512: no padding); a list runs each;
#   --sizes: HxWxF videos for the transformer and the VAE; --tokens: prompt lengths for the text
#            encoder (the engine runs the real tokens; the peer twice: padded to 512 with the mask as
#            diffusers' WanPipeline calls it, and on the real tokens only).
#   --out: also write the block to FILE. Progress and the commands' own output go to stderr.
# Env: PYTHON (default /work/venv-tools/bin/python), ZOETROPE (default .build/release/zoetrope),
#      ZOETROPE_THREADS / OMP_NUM_THREADS as the engine and torch read them.
# A quick check of the script: --sizes 64x64x5 --tokens 5 --text-encoder Tests/Fixtures/umt5/a
set -uo pipefail
cd "$(dirname "$0")/.."
command_line="bash scripts/bench-cpu.sh $*"
model=/work/scratch-gguf/wan-1.3b-random text_encoder=/work/scratch-gguf/umt5-xxl-random
parts=transformer,vae,text-encoder sizes=256x256x17,480x832x17 tokens=16,226 prompt_tokens=512 calls=2 vae_dtype=f32 out=
die() { echo "bench-cpu.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || die "$1 needs a value"
    case $1 in
        --model) model=$2 ;;
        --text-encoder) text_encoder=$2 ;;
        --parts) parts=$2 ;;
        --sizes) sizes=$2 ;;
        --tokens) tokens=$2 ;;
        --prompt-tokens) prompt_tokens=$2 ;;
        --calls) calls=$2 ;;
        --vae-dtype) vae_dtype=$2 ;;
        --out) out=$2 ;;
        *) die "unknown argument $1 (see the header of scripts/bench-cpu.sh)" ;;
    esac
    shift 2
done
python=${PYTHON:-/work/venv-tools/bin/python}
zoetrope=${ZOETROPE:-.build/release/zoetrope}
[[ $calls =~ ^[1-9][0-9]*$ ]] || die "--calls must be a positive integer, got $calls"
[[ $vae_dtype == f32 || $vae_dtype == bf16 ]] || die "--vae-dtype must be f32 or bf16, got $vae_dtype"
for part in ${parts//,/ }; do
    case $part in
        transformer | vae) [ -f "$model/$part/config.json" ] || die "no $part/config.json in $model (tools/bench/make_random_wan.py)" ;;
        text-encoder) [ -f "$text_encoder/text_encoder/config.json" ] || die "no text_encoder/config.json in $text_encoder (tools/bench/make_random_umt5.py)" ;;
        *) die "unknown part $part (transformer, vae, text-encoder)" ;;
    esac
done
for size in ${sizes//,/ }; do [[ $size =~ ^[0-9]+x[0-9]+x[0-9]+$ ]] || die "size $size is not HxWxF"; done
for n in ${tokens//,/ } ${prompt_tokens//,/ }; do [[ $n =~ ^[0-9]+$ ]] || die "token count $n is not a number"; done
[ -x "$python" ] || die "no python at $python (set PYTHON)"
versions=$("$python" -c 'import torch, diffusers, transformers; print(f"torch {torch.__version__}, diffusers {diffusers.__version__}, transformers {transformers.__version__}")' 2>/dev/null) \
    || die "$python cannot import torch, diffusers and transformers (tools/requirements*.txt)"
if [ ! -x "$zoetrope" ]; then
    echo "building $zoetrope" >&2
    swift build -c release --product zoetrope >&2 || die "swift build failed"
fi

engine_line= rows=()
# engine PART ARGS...: runs `zoetrope memory`, sets e_cold, e_steady, e_peak (MiB) or "failed".
engine() {
    local output row
    echo "+ $zoetrope memory $* --calls $calls" >&2
    if output=$("$zoetrope" memory "$@" --calls "$calls"); then
        echo "$output" >&2
        [ -n "$engine_line" ] || engine_line=$(echo "$output" | head -1)
        row=$(echo "$output" | tail -1)
        # --calls 1: | workload | load | run | resident | peak |; more: | ... | load | cold | steady | resident | peak |.
        read -r e_cold e_steady e_peak < <(echo "$row" | awk -F'|' '{
            for (i = 2; i < NF; i++) gsub(/[ s,]|MiB/, "", $i)
            if (NF == 8) print $4, $5, $7; else print $4, $4, $6 }')
    else
        e_cold=failed e_steady=failed e_peak=failed
    fi
}
# peer PART ARGS...: runs the torch peer, sets p_cold, p_steady, p_peak (MiB), p_threads or "failed".
peer() {
    local output
    echo "+ $python tools/bench/torch_cpu_peer.py $* --calls $calls" >&2
    if output=$("$python" tools/bench/torch_cpu_peer.py "$@" --calls "$calls" 2> >(grep -v 'Loading weights' >&2)); then
        echo "$output" >&2
        output=$(echo "$output" | tail -1)
        p_cold=$(echo "$output" | sed -n 's/.* cold \([0-9.]*\) s.*/\1/p')
        p_steady=$(echo "$output" | sed -n 's/.* steady \([0-9.]*\) s.*/\1/p')
        p_peak=$(echo "$output" | sed -n 's/.*peak RSS \([0-9]*\) MiB.*/\1/p')
        p_threads=$(echo "$output" | sed -n 's/.*threads \([0-9]*\).*/\1/p')
    else
        p_cold=failed p_steady=failed p_peak=failed
    fi
}
# row PART SIZE: appends the table row from the last engine and peer runs.
row() {
    rows+=("$(awk -v part="$1" -v size="$2" -v ec="$e_cold" -v es="$e_steady" -v em="$e_peak" \
        -v pc="$p_cold" -v ps="$p_steady" -v pm="$p_peak" 'function s(x) { return x ~ /^[0-9.]+$/ ? sprintf("%.2f s", x) : x }
        function m(x) { return x ~ /^[0-9.]+$/ ? sprintf("%d MiB", x) : x }
        function r(a, b) { return (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) ? sprintf("%.2fx", a / b) : "—" }
        BEGIN { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", part, size, s(ec), s(es), m(em), s(pc), s(ps), m(pm), r(ps, es), r(pm, em) }')")
}

for part in ${parts//,/ }; do
    case $part in
        transformer)
            for size in ${sizes//,/ }; do
                IFS=x read -r h w f <<< "$size"
                for n in ${prompt_tokens//,/ }; do
                    engine transformer --model "$model" --height "$h" --width "$w" --frames "$f" --dtype bf16 --prompt-tokens "$n"
                    peer transformer --model "$model" --height "$h" --width "$w" --frames "$f" --prompt-tokens "$n"
                    label="transformer call, bf16"; [ "$n" = 512 ] || label="transformer call, bf16, prompt of $n tokens padded to 512"
                    row "$label" "$size"
                done
            done ;;
        vae)
            for size in ${sizes//,/ }; do
                IFS=x read -r h w f <<< "$size"
                engine vae --model "$model" --height "$h" --width "$w" --frames "$f" --dtype "$vae_dtype"
                peer vae --model "$model" --height "$h" --width "$w" --frames "$f" --dtype "$vae_dtype"
                row "VAE decode, $vae_dtype" "$size"
            done ;;
        text-encoder)
            for n in ${tokens//,/ }; do
                engine text-encoder --model "$text_encoder" --tokens "$n" --dtype bf16
                peer text-encoder --model "$text_encoder" --tokens "$n"
                row "UMT5 text encoder, bf16; peer padded to 512 (as WanPipeline)" "$n tokens"
                peer text-encoder --model "$text_encoder" --tokens "$n" --real-tokens-only
                row "UMT5 text encoder, bf16; peer on the real tokens only" "$n tokens"
            done ;;
    esac
done

engine_threads=$(echo "$engine_line" | sed -n 's/.*, \([0-9]*\) threads.*/\1/p')
isa=$(echo "$engine_line" | sed -n 's/.*ISA \([^;]*\);.*/\1/p')
block=$(
    echo "- Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB;" \
        "engine ISA ${isa:-unknown} (oneDNN), ${engine_threads:-?} threads; peer ${p_threads:-?} threads."
    echo "- Date: $(date -u +%F). Peer: $versions."
    echo "- Command: \`$command_line\` (engine: \`zoetrope memory PART --calls $calls\`; peer: \`tools/bench/torch_cpu_peer.py PART --calls $calls\`)."
    echo "- Cold: the first call in the process; steady: the median of calls 2..$calls. Speed ratio: peer steady / engine steady;"
    echo "  memory ratio: peer peak RSS / engine peak RSS (above 1 the engine is faster / smaller)."
    echo
    echo "| part | size | engine cold | engine steady | engine peak RSS | peer cold | peer steady | peer peak RSS | speed ratio | memory ratio |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${rows[@]}"
)
echo
echo "$block"
[ -z "$out" ] || echo "$block" > "$out"
