#!/usr/bin/env bash
# Hostile input, as issue 20 listed it: every case must end within its time limit, exit non-zero
# (not by a crash), end stderr with one "Error: ..." line holding the expected words, and leave
# nothing behind in its folder (no output, no partial file) and nothing replaced. Run by
# scripts/test.sh after the other CLI checks; prints "hostile: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
zoetrope=$(realpath "${ZOETROPE:-.build/release/zoetrope}")
fixture=$(realpath Tests/Fixtures/wan_pipeline/tiny-wan)
loras=$(realpath Tests/Fixtures/lora)
gguf=$(realpath Tests/Fixtures/gguf)
pt=$(realpath Tests/Fixtures/pytorch)
taehv_fixture=$(realpath Tests/Fixtures/taehv/decoder.safetensors)
taehv_vae=$(realpath Tests/Fixtures/wan_vae/a/diffusion_pytorch_model.safetensors)
work=$(mktemp -d)
mounted=()
cleanup() {
    for folder in "${mounted[@]}"; do umount "$folder" 2> /dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
launcher=()  # what runs zoetrope, e.g. under a ulimit
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

cd "$work"
cp -r "$fixture" model
small=(--model model --width 48 --height 32 --steps 2 --seed 1 --frames 5)
# The names in the work folder; a case passes only if they are the same afterwards.
listing() { find . -path ./model -prune -o -path ./bad -prune -o -print | sort; }

# refused NAME TEXT [SECONDS] -- ARGS...: zoetrope ARGS exits 1 within SECONDS (default 60),
# its stderr's last line is one "Error:" line holding TEXT, and the folder is as it was.
refused() {
    local name=$1 want=$2 limit=60
    shift 2
    if [ "$1" != "--" ]; then limit=$1; shift; fi
    shift
    local before; before=$(listing)
    timeout -s KILL "$limit" "${launcher[@]}" "$zoetrope" "$@" > "$name.out" 2> "$name.err" < /dev/null
    local status=$?
    local last; last=$(tail -n 1 "$name.err")
    local errors; errors=$(grep -c '^Error:' "$name.err")
    rm -f "$name.out" "$name.err"
    local after; after=$(listing)
    if [ "$status" -eq 137 ]; then fail "$name: still running after $limit s"; return; fi
    if [ "$status" -ne 1 ]; then fail "$name: exit $status ($last)"; return; fi
    if [ "$errors" -ne 1 ]; then fail "$name: $errors error lines"; return; fi
    case "$last" in *"$want"*) ;; *) fail "$name: '$last' lacks '$want'"; return ;; esac
    [ "$before" = "$after" ] || { fail "$name: left or removed files: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ' ')"; return; }
    pass
}

# copy NAME: a copy of the model at bad/NAME.
copy() { rm -rf "bad/$1"; mkdir -p bad; cp -r model "bad/$1"; }

# variant NAME FILE KEY JSON: a copy of the model at bad/NAME whose FILE has KEY set to JSON.
variant() {
    copy "$1"
    python3 - "bad/$1/$2" "$3" "$4" <<'EOF'
import json, sys
path, key, value = sys.argv[1:]
data = json.load(open(path))
data[key] = json.loads(value)
json.dump(data, open(path, "w"))
EOF
}

# noise NAME VALUE: a safetensors file holding one [1, 16, 2, 4, 6] float32 tensor of VALUE (nan, inf, 0).
noise() {
    python3 - "$1" "$2" <<'EOF'
import json, struct, sys
path, value = sys.argv[1], float(sys.argv[2])
count = 1 * 16 * 2 * 4 * 6
header = json.dumps({"noise": {"dtype": "F32", "shape": [1, 16, 2, 4, 6], "data_offsets": [0, 4 * count]}}).encode()
header += b" " * (-len(header) % 8)
open(path, "wb").write(struct.pack("<Q", len(header)) + header + struct.pack("<%df" % count, *[value] * count))
EOF
}

# 1. Sizes that overflow a product.
refused frames-int-max "frames 9223372036854775807 must be between 1 and 100000" -- generate x -o v.mp4 "${small[@]:0:8}" --frames=9223372036854775807
refused seconds-1e300 "more than the 100000 frames" -- generate x -o v.mp4 "${small[@]:0:8}" --seconds=1e300
refused seconds-1e17 "more than the 100000 frames" -- generate x -o v.mp4 --model model --width 32 --height 32 --seconds=1e17
variant patch transformer/config.json patch_size '[1, 4611686018427387904, 2]'
refused config-patch "patch_size" -- generate x -o v.mp4 --model bad/patch
variant heads transformer/config.json num_attention_heads 4611686018427387904
refused config-heads "num_attention_heads" -- generate x -o v.mp4 --model bad/heads
variant text-heads text_encoder/config.json num_heads 4611686018427387904
refused config-text-heads "num_heads" -- generate x -o v.mp4 --model bad/text-heads
variant dim-mult vae/config.json dim_mult '[1, 4611686018427387904, 1, 1]'
refused config-dim-mult "dim_mult" -- generate x -o v.mp4 --model bad/dim-mult
refused bench-tokens "--tokens" -- bench matmul --tokens 4611686018427387904

# 2. A flow shift so small that the schedule collapses.
refused shift-unipc "shift" -- generate x -o v.mp4 "${small[@]}" --shift 1e-17
refused shift-euler "shift" -- generate x -o v.mp4 "${small[@]}" --shift 1e-17 --sampler euler
variant tiny-shift scheduler/scheduler_config.json flow_shift 1e-17
refused shift-config "flow_shift" -- generate x -o v.mp4 --model bad/tiny-shift --width 48 --height 32 --steps 2 --frames 5

# 3. Requests and configs too big for memory are refused up front.
refused frames-4e9 "frames 4000000001 must be between 1 and 100000" -- generate x -o v.mp4 --model model --frames 4000000001 --width 64 --height 64
variant layers transformer/config.json num_layers 1000000000
refused config-layers "num_layers" -- generate x -o v.mp4 --model bad/layers
# The bundled model at 2048x2048 under a 4 GiB address-space limit, as in the issue, and a request
# no machine has the memory for.
launcher=(bash -c 'ulimit -v 4194304; exec "$@"' limited)
refused memory-ulimit "available (the process's address-space limit, ulimit -v); " 60 -- generate x -o v.mp4 --width 2048 --height 2048
launcher=()
refused memory-huge "at its peak (transformer), more than the" 60 -- generate x -o v.mp4 --model model --width 4096 --height 4096 --frames 4001 --window 4001 --steps 1
copy replace
python3 - model/tokenizer/tokenizer.json bad/replace/tokenizer/tokenizer.json <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))
rule = {"type": "Replace", "pattern": {"String": " "}, "content": "x" * 65536}
data["normalizer"] = {"type": "Sequence", "normalizers": [rule, data["normalizer"]] if data.get("normalizer") else [rule]}
json.dump(data, open(sys.argv[2], "w"))
EOF
refused tokenizer-replace "tokenizer.json" -- generate "$(printf 'a %.0s' {1..400})" -o v.mp4 --model bad/replace --width 48 --height 32 --steps 2 --frames 5

# 4 and 7. Signals: the first SIGTERM, SIGHUP or SIGINT stops at the next step and removes the partial
# output. A second one stops at once: here ffmpeg never reads (a stand-in that sleeps), so the run is
# stuck writing frames as if in a step that never ends, and only the second signal can end it.
mkdir -p stuck
printf '#!/bin/sh\nexec sleep 600\n' > stuck/ffmpeg
chmod +x stuck/ffmpeg
signalled() {
    local name=$1 signal=$2 twice=$3 want=$4
    local before; before=$(listing)
    if [ "$twice" = yes ]; then
        PATH="$work/stuck:$PATH" "$zoetrope" generate x -o v.mp4 --model model --width 256 --height 256 --steps 2 --frames 41 > /dev/null 2>&1 &
    else
        "$zoetrope" generate x -o v.mp4 --model model --width 256 --height 256 --steps 200 --frames 41 --window 9 > /dev/null 2>&1 &
    fi
    local pid=$!
    # Wait for the first frames, so that a partial output exists when the signal comes.
    for _ in $(seq 1 600); do ls -A | grep -q partial && break; sleep 0.1; done
    kill "-$signal" "$pid"
    if [ "$twice" = yes ]; then sleep 1; kill "-$signal" "$pid"; fi
    local waited=0
    while kill -0 "$pid" 2> /dev/null && [ "$waited" -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
    if kill -0 "$pid" 2> /dev/null; then kill -KILL "$pid"; fail "$name: still running 30 s after the signal"; return; fi
    wait "$pid"
    local status=$?
    local after; after=$(listing)
    [ "$status" -eq "$want" ] || { fail "$name: exit $status, expected $want"; return; }
    [ "$before" = "$after" ] || { fail "$name: left $(diff <(echo "$before") <(echo "$after") | grep '^>' | tr '\n' ' ')"; return; }
    pgrep -f "partial-$pid" > /dev/null && { fail "$name: an ffmpeg outlived it"; return; }
    if pgrep -fx "sleep 600" > /dev/null; then pkill -fx "sleep 600"; fail "$name: the stuck ffmpeg outlived it"; return; fi
    pass
}
signalled sigterm TERM no 1
signalled sighup HUP no 1
signalled sigint-twice INT yes 130
signalled sigterm-twice TERM yes 143
refused huge-size "larger than the 4096 pixels" -- generate x -o v.mp4 --model model --width 16384 --height 16384

# 5. FIFOs are refused, never waited on.
mkfifo fifo.safetensors
refused fifo-inspect "is a FIFO" 20 -- inspect fifo.safetensors
refused fifo-noise "is a FIFO" 20 -- generate x -o v.mp4 "${small[@]}" --noise fifo.safetensors
refused fifo-transformer "is a FIFO" 20 -- generate x -o v.mp4 "${small[@]}" --transformer fifo.safetensors
refused fifo-decoder "is a FIFO" 20 -- generate x -o v.mp4 "${small[@]}" --decoder fifo.safetensors
# A tiny decoder that is not one: a Wan VAE, a truncated file; refused before any denoising.
refused vae-as-decoder "not a TAEHV decoder" -- generate x -o v.mp4 "${small[@]}" --decoder "$taehv_vae"
head -c 20000 "$taehv_fixture" > cut-decoder.safetensors
refused truncated-decoder "run past the end" -- generate x -o v.mp4 "${small[@]}" --decoder cut-decoder.safetensors
rm -f cut-decoder.safetensors
for file in transformer/config.json tokenizer/tokenizer.json zoetrope.json vae/diffusion_pytorch_model-00001-of-00002.safetensors; do
    name=fifo-$(basename "$file" .json)
    copy "$name"; rm -f "bad/$name/$file"; mkfifo "bad/$name/$file"
    refused "$name" "is a FIFO" 20 -- generate x -o v.mp4 --model "bad/$name" --width 48 --height 32 --steps 2 --frames 5
done

# 6. A full disk is an error, never success: a fake ffmpeg that says what ffmpeg 5 says (and exits 0),
# and, where this user may mount one, a real tmpfs of 8 KiB.
mkdir -p fake
cat > fake/ffmpeg <<'EOF'
#!/bin/sh
cat > /dev/null
echo "[mp4 @ 0x1] Error writing trailer of out.mp4: No space left on device" >&2
exit 0
EOF
chmod +x fake/ffmpeg
for format in mp4 webm gif; do
    PATH="$work/fake:$PATH" refused "full-fake-$format" "the disk is full" -- generate x -o "v.$format" "${small[@]}"
done
mkdir -p tiny
if mount -t tmpfs -o size=8k tmpfs tiny 2> /dev/null; then
    mounted+=("$work/tiny")
    for format in mp4 webm gif; do
        refused "full-$format" "the disk is full" 300 -- generate x -o "tiny/v.$format" --model model --width 128 --height 128 --steps 2 --frames 17
    done
    refused full-latents "No space left on device" 300 -- generate x -o v.mp4 --model model --width 128 --height 128 --steps 2 --frames 17 --save-latents tiny/latents.safetensors
else
    echo "hostile: no tmpfs could be mounted (not root); the fake ffmpeg covers the full disk" >&2
fi

# 8. A component name that leaves the model folder.
variant escape model_index.json "../../../../../../etc" '["diffusers", "WanTransformer3DModel"]'
refused traversal "is not a plain folder name" -- inspect bad/escape

# 9. Outputs replace only regular files (and PNG folders).
mkfifo out.mp4
refused output-fifo "it is a FIFO" -- generate x -o out.mp4 "${small[@]}"
[ -p out.mp4 ] && pass || fail "output-fifo: the FIFO was replaced"
if [ "$(id -u)" = 0 ]; then
    mknod device c 1 3  # what /dev/null is
    refused latents-device "is a character device" -- generate x -o v.mp4 "${small[@]}" --save-latents device
    [ -c device ] && pass || fail "latents-device: the device node was replaced"
fi
mkfifo latents.safetensors
refused latents-fifo "is a FIFO" -- generate x -o v.mp4 "${small[@]}" --save-latents latents.safetensors

# 10. --save-latents is checked before any work.
refused latents-folder "nowhere does not exist" -- generate x -o v.mp4 "${small[@]}" --save-latents nowhere/latents.safetensors
refused latents-is-output "is the output video's path" -- generate x -o v.mp4 "${small[@]}" --save-latents v.mp4

# 11. NaN and inf never make a black video.
noise nan.safetensors nan
noise inf.safetensors inf
refused noise-nan "holds nan at element 0; noise must be finite numbers" -- generate x -o v.mp4 --model model --width 48 --height 32 --steps 2 --frames 5 --noise nan.safetensors
refused noise-inf "holds inf at element 0; noise must be finite numbers" -- generate x -o v.mp4 --model model --width 48 --height 32 --steps 2 --frames 5 --noise inf.safetensors
refused guidance-huge "guidance" -- generate x -o v.mp4 "${small[@]}" --guidance 1e308

# 12. Messages that say what is wrong.
ln -s loop-b loop-a; ln -s loop-a loop-b
refused symlink-loop "loop of symbolic links" -- inspect loop-a
for kind in folder fifo; do
    copy "shard-$kind"
    shard="bad/shard-$kind/transformer/diffusion_pytorch_model-00002-of-00003.safetensors"
    rm "$shard"
    if [ "$kind" = folder ]; then mkdir "$shard"; else mkfifo "$shard"; fi
    refused "shard-$kind" "is a $([ "$kind" = folder ] && echo folder || echo FIFO)" 20 -- inspect "bad/shard-$kind/transformer"
done
copy pad
python3 - model/tokenizer/tokenizer.json bad/pad/tokenizer/tokenizer.json <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))
data["padding"] = dict(data.get("padding") or {}, pad_id=123456789)
json.dump(data, open(sys.argv[2], "w"))
EOF
refused tokenizer-pad "tokenizer.json" -- generate x -o v.mp4 --model bad/pad --width 48 --height 32 --steps 2 --frames 5
copy defaults
printf '{"steps": 5000}\n' > bad/defaults/zoetrope.json
refused defaults-file "zoetrope.json" -- generate x -o v.mp4 --model bad/defaults --width 48 --height 32 --frames 5
long=$(printf 'a%.0s' {1..247}).mp4
timeout -s KILL 120 "$zoetrope" generate x -o "$long" "${small[@]}" > /dev/null 2> long.err
if [ $? -eq 0 ] && [ -s "$long" ]; then pass; else fail "long-name: $(tail -n 1 long.err)"; fi
rm -f "$long" long.err
refused name-too-long "more than the 255" -- generate x -o "$(printf 'a%.0s' {1..256}).mp4" "${small[@]}"

# 13. GGUF files of another family, truncated, or for another model size.
mkdir -p bad
python3 - "$gguf/tiny_q8/model-Q8_0.gguf" bad/sd3.gguf <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
at = data.index(b"wan")  # general.architecture's value, the first "wan" in the file
open(sys.argv[2], "wb").write(data[:at] + b"sd3" + data[at + 3:])
EOF
head -c 1000 "$gguf/tiny_q8/model-Q8_0.gguf" > bad/cut.gguf
refused gguf-architecture 'general.architecture is "sd3", not a Wan transformer' -- generate x -o v.mp4 "${small[@]}" --transformer bad/sd3.gguf
refused gguf-truncated "the rest of the file could hold" -- generate x -o v.mp4 "${small[@]}" --transformer bad/cut.gguf
refused gguf-encoder-as-transformer 'is "t5encoder", not a Wan transformer' -- generate x -o v.mp4 "${small[@]}" --transformer "$gguf/umt5_a-Q8_0.gguf"
refused gguf-transformer-as-encoder 'is "wan", not a UMT5 text encoder' -- generate x -o v.mp4 "${small[@]}" --text-encoder "$gguf/tiny_q8/model-Q8_0.gguf"
refused gguf-other-size 'has shape [32, 4, 1, 2, 2], expected [24, 16, 1, 2, 2]' -- generate x -o v.mp4 "${small[@]}" --transformer "$gguf/tiny_q8/model-Q8_0.gguf"

# 14. PyTorch checkpoints with code in them, in the old format, or of another model.
refused pytorch-os-system "refuses the global os.system" -- generate x -o v.mp4 "${small[@]}" --transformer "$pt/hostile/os_system.pt"
refused pytorch-eval "refuses the global builtins.eval" -- generate x -o v.mp4 "${small[@]}" --transformer "$pt/hostile/builtins_eval.pt"
refused pytorch-legacy "old non-zip torch.save file" -- generate x -o v.mp4 "${small[@]}" --transformer "$pt/hostile/legacy.pt"
refused pytorch-not-wan "not a Wan transformer checkpoint" -- generate x -o v.mp4 "${small[@]}" --transformer "$pt/dtypes.pt"
refused pytorch-inspect-opcode "refuses the pickle opcode 0xFF" -- inspect "$pt/hostile/unknown_opcode.pt"

# 15. LoRA files: one made for another model (tiny_a's text width on this model), a truncated one, a FIFO,
# a PyTorch one with code in it.
refused lora-other-model "a LoRA for another model" -- generate x -o v.mp4 "${small[@]}" --lora "$loras/peft.safetensors:0.5"
head -c 3000 "$loras/peft.safetensors" > truncated.safetensors
refused lora-truncated "truncated.safetensors" -- generate x -o v.mp4 "${small[@]}" --lora truncated.safetensors
rm -f truncated.safetensors
refused lora-fifo "is a FIFO" 20 -- generate x -o v.mp4 "${small[@]}" --lora fifo.safetensors
refused lora-pytorch-os-system "refuses the global os.system" -- generate x -o v.mp4 "${small[@]}" --lora "$pt/hostile/os_system.pt"

echo "hostile: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
