#!/usr/bin/env bash
# Command-line checks of every mode on the tiny random Wan fixture model (fast), and of the one-line
# errors for bad input: each bad command must exit non-zero, print exactly one line on stderr, and
# leave no output file. Run by scripts/test.sh after the Swift tests; prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
zoetrope=${ZOETROPE:-.build/release/zoetrope}
model=Tests/Fixtures/wan_pipeline/tiny-wan
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
small=(--model "$model" --width 48 --height 32 --steps 2 --seed 1)

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# frames FILE: the number of video frames ffprobe counts.
frames() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1"; }
# tag FILE KEY: a metadata tag of the file.
tag() { ffprobe -v error -show_entries format_tags="$2" -of csv=p=0 "$1"; }

# ok NAME EXPECTED_FRAMES EXPECTED_MODE -- ARGS...: the command succeeds and writes that many frames.
ok() {
    local name=$1 want=$2 mode=$3; shift 4
    local out="$work/$name.mp4"
    if ! "$zoetrope" "$@" -o "$out" > "$work/$name.log" 2>&1; then fail "$name: exit $? ($(tail -n 1 "$work/$name.log"))"; return; fi
    local got; got=$(frames "$out")
    [ "$got" = "$want" ] || { fail "$name: $got frames, expected $want"; return; }
    local tagged; tagged=$(tag "$out" mode)
    [ "$tagged" = "$mode" ] || { fail "$name: mode tag '$tagged', expected '$mode'"; return; }
    pass
}

# refused NAME EXPECTED_TEXT -- ARGS...: the command fails with one stderr line containing the text
# (status 0), or a failure is counted (status 1).
refused() {
    local name=$1 want=$2; shift 3
    "$zoetrope" "$@" > /dev/null 2> "$work/bad-$name.err"
    local status=$?
    local lines; lines=$(wc -l < "$work/bad-$name.err")
    if [ "$status" -eq 0 ]; then fail "$name: exit 0"; return 1; fi
    if [ "$lines" -ne 1 ]; then fail "$name: $lines lines on stderr: $(cat "$work/bad-$name.err")"; return 1; fi
    grep -qF -- "$want" "$work/bad-$name.err" || { fail "$name: '$(cat "$work/bad-$name.err")' lacks '$want'"; return 1; }
}

# bad NAME EXPECTED_TEXT -- ARGS...: refused with an output path, and no output file is left.
bad() {
    local name=$1 want=$2; shift 3
    refused "$name" "$want" -- "$@" -o "$work/bad-$name.mp4" || return
    ls -A "$work" | grep -q "bad-$name.mp4" && { fail "$name: left an output file"; return; }
    pass
}

# Inputs: a generated 9-frame clip, a still, a smaller clip, masks, a file that is no image.
"$zoetrope" generate "a red fox in the snow" "${small[@]}" --frames 9 -o "$work/clip.mp4" > /dev/null 2>&1 || fail "making the input clip"
ffmpeg -v error -i "$work/clip.mp4" -frames:v 1 "$work/still.png"
ffmpeg -v error -i "$work/clip.mp4" -vf scale=32:16 "$work/small.mp4"
ffmpeg -v error -f lavfi -i "color=white:s=48x32,drawbox=x=0:y=0:w=24:h=32:color=black:t=fill" -frames:v 1 "$work/mask.png"
ffmpeg -v error -f lavfi -i "color=white:s=64x64" -frames:v 1 "$work/mask-64.png"
ffmpeg -v error -f lavfi -i "color=white:s=48x32" -frames:v 5 "$work/mask-5.mp4"
echo "not an image" > "$work/text.png"

ok text 9 "text to video" -- generate "a fox" "${small[@]}" --frames 9
ok image 9 "image to video" -- generate "a fox" "${small[@]}" --frames 9 --image "$work/still.png"
ok remix 9 remix -- generate "a fox" "${small[@]}" --video "$work/clip.mp4" --strength 0.5
ok edit 9 edit -- generate "a fox" "${small[@]}" --video "$work/clip.mp4" --mask "$work/mask.png"
ok outpaint 9 outpaint -- generate "a fox" "${small[@]}" --video "$work/small.mp4"
ok loop 12 loop -- generate "a fox" "${small[@]}" --frames 12 --loop
ok extend 13 extend -- extend "$work/clip.mp4" "a fox" "${small[@]}" --frames 4
ok backward 17 "extend backward" -- extend "$work/clip.mp4" "a fox" "${small[@]}" --frames 8 --backward
ok connect 22 connect -- connect "$work/clip.mp4" "$work/clip.mp4" "a fox" "${small[@]}" --frames 4

# A PyTorch checkpoint as the transformer (Self-Forcing's layout) and in inspect; the refused ones
# are in test-hostile.sh.
pt=Tests/Fixtures/pytorch
ok pytorch-transformer 9 "text to video" -- generate "a fox" "${small[@]}" --frames 9 --transformer "$pt/transformer-self-forcing.pt"
"$zoetrope" inspect "$pt/self_forcing.pt" 2>&1 | grep -q "blocks.0.self_attn.q.weight  F32    \[4, 4\]" && pass || fail "inspect of a .pt"
refused pytorch-inspect-truncated "has no end-of-central-directory record" -- inspect "$pt/hostile/truncated.pt" && pass

# The trained families (tiny random models): I2V, FLF2V, and every mode and input through VACE.
cond=Tests/Fixtures/wan_conditioned
i2v=(--model "$cond/tiny-wan-i2v" --width 48 --height 32 --steps 2 --seed 1)
flf=(--model "$cond/tiny-wan-flf2v" --width 48 --height 32 --steps 2 --seed 1)
vace=(--model "$cond/tiny-wan-vace" --width 48 --height 32 --steps 2 --seed 1)
ffmpeg -v error -i "$work/clip.mp4" -vf "select=eq(n\,8)" -frames:v 1 "$work/last.png"
ffmpeg -v error -f lavfi -i "color=orange:s=27x45" -frames:v 1 "$work/reference.png"
ok i2v 9 "image to video" -- generate "a fox" "${i2v[@]}" --frames 9 --image "$work/still.png"
ok flf2v 9 "image to video" -- generate "a fox" "${flf[@]}" --frames 9 --image "$work/still.png" --last-image "$work/last.png"
ok vace-text 9 "text to video" -- generate "a fox" "${vace[@]}" --frames 9 --reference "$work/reference.png"
ok vace-first-last 9 "image to video" -- generate "a fox" "${vace[@]}" --frames 9 --image "$work/still.png" --last-image "$work/last.png" --control-scale 0.8
ok vace-keyframes 9 keyframes -- generate "a fox" "${vace[@]}" --frames 9 --keyframe "0:$work/still.png" --keyframe "6:$work/last.png"
ok vace-edit 9 edit -- generate "a fox" "${vace[@]}" --video "$work/clip.mp4" --mask "$work/mask.png" --reference "$work/reference.png"
ok vace-outpaint 9 outpaint -- generate "a fox" "${vace[@]}" --video "$work/small.mp4"
ok vace-loop 12 loop -- generate "a fox" "${vace[@]}" --frames 12 --loop
ok vace-backward 17 "extend backward" -- extend "$work/clip.mp4" "a fox" "${vace[@]}" --frames 8 --backward
ok vace-connect 22 connect -- connect "$work/clip.mp4" "$work/clip.mp4" "a fox" "${vace[@]}" --frames 4
"$zoetrope" inspect "$cond/tiny-wan-vace" > "$work/inspect-vace.txt" 2>&1
grep -q "^family: VACE (video creation and editing); modes: text to video, image to video" "$work/inspect-vace.txt" && pass || fail "inspect names the VACE family"
"$zoetrope" inspect "$cond/tiny-wan-flf2v" > "$work/inspect-flf2v.txt" 2>&1
grep -q "^family: first-last-frame to video (FLF2V)" "$work/inspect-flf2v.txt" && pass || fail "inspect names the FLF2V family"
bad t2v-last-image "this text-to-video model cannot take a last image" -- generate "a fox" "${small[@]}" --frames 9 --image "$work/still.png" --last-image "$work/last.png"
bad t2v-reference "reference images need a VACE model" -- generate "a fox" "${small[@]}" --frames 9 --reference "$work/reference.png"
bad t2v-keyframe "keyframes at chosen frames need a VACE model" -- generate "a fox" "${small[@]}" --frames 9 --keyframe "4:$work/still.png"
bad i2v-text "it cannot do text to video" -- generate "a fox" "${i2v[@]}" --frames 9
bad flf2v-one-image "needs a last image as well as the first" -- generate "a fox" "${flf[@]}" --frames 9 --image "$work/still.png"
bad keyframe-format "--keyframe must be FRAME:FILE" -- generate "a fox" "${vace[@]}" --frames 9 --keyframe "$work/still.png"
bad keyframe-outside "a keyframe at frame 9 is outside" -- generate "a fox" "${vace[@]}" --frames 9 --keyframe "9:$work/still.png"
bad control-scales "3 control scales, but this VACE model has 2 VACE layers" -- generate "a fox" "${vace[@]}" --frames 9 --control-scale 1,1,1
bad last-image-alone "a last image needs the first image too" -- generate "a fox" "${vace[@]}" --frames 9 --last-image "$work/last.png"

bad missing-image "does not exist" -- generate "a fox" "${small[@]}" --image "$work/nothing.png"
bad not-an-image "not an image or video" -- generate "a fox" "${small[@]}" --image "$work/text.png"
bad strength-0 "strength 0.0 must be above 0" -- generate "a fox" "${small[@]}" --video "$work/clip.mp4" --strength 0
bad strength-1.5 "strength 1.5 must be above 0 and at most 1" -- generate "a fox" "${small[@]}" --video "$work/clip.mp4" --strength 1.5
bad mask-size "they must match" -- generate "a fox" "${small[@]}" --video "$work/clip.mp4" --mask "$work/mask-64.png"
bad mask-length "the mask has 5 frames" -- generate "a fox" "${small[@]}" --video "$work/clip.mp4" --mask "$work/mask-5.mp4"
bad mask-alone "needs the --video" -- generate "a fox" "${small[@]}" --mask "$work/mask.png"
bad extend-0 "seconds 0.0 must be positive" -- extend "$work/clip.mp4" "a fox" "${small[@]}" --seconds 0
bad extend-odd "multiple of 4" -- extend "$work/clip.mp4" "a fox" "${small[@]}" --frames 3
bad connect-missing "does not exist" -- connect "$work/clip.mp4" "$work/nothing.mp4" "a fox" "${small[@]}" --frames 4
bad loop-short "at least 12" -- generate "a fox" "${small[@]}" --frames 8 --loop
bad image-and-video "not both" -- generate "a fox" "${small[@]}" --image "$work/still.png" --video "$work/clip.mp4" --strength 0.5

# Beats: a 20-second test song at 120 BPM reads as librosa's nearest tempo (117.45), with a beat
# about every half second, each printed with 3 decimals; bad songs fail in one line.
bash scripts/make-test-song.sh "$work/song.wav" 20 120
if "$zoetrope" beats "$work/song.wav" > "$work/beats.txt" 2> "$work/beats.err"; then
    tempo=$(head -n 1 "$work/beats.txt")
    count=$(tail -n +2 "$work/beats.txt" | grep -cE '^[0-9]+\.[0-9]{3}$')
    if [ "$tempo" = "117.45" ] && [ "$count" -ge 36 ] && [ "$count" -le 41 ] && [ "$count" -eq "$(($(wc -l < "$work/beats.txt") - 1))" ]; then
        pass
    else
        fail "beats: tempo $tempo, $count beats"
    fi
else
    fail "beats: exit $? ($(tail -n 1 "$work/beats.err"))"
fi
echo "not a song" > "$work/notes.mp3"
refused beats-unreadable "is not an audio or video file ffmpeg can read" -- beats "$work/notes.mp3" && pass
refused beats-missing "does not exist" -- beats "$work/nothing.wav" && pass
refused beats-silent-video "holds no audio stream" -- beats "$work/clip.mp4" && pass
refused beats-start-bpm "--start-bpm 0.00 must be a positive number" -- beats "$work/song.wav" --start-bpm 0 && pass

# Storyboards, long clips and zooms, with windows of 9 frames so that every plan has several.
# board NAME JSON: writes $work/NAME.json.
board() { printf '%s\n' "$2" > "$work/$1.json"; }
windows=(--window 9 --context 5)
board story '{"fps": 8, "seed": 3, "cards": [{"prompt": "a fox", "seconds": 2}, {"prompt": "a cat", "seconds": 2, "image": "still.png"}]}'
ok storyboard 33 storyboard -- storyboard "$work/story.json" "${small[@]}" "${windows[@]}"
ok long-clip 25 "text to video in windows" -- generate "a fox" "${small[@]}" "${windows[@]}" --seconds 3 --fps 8
board zoom '{"fps": 8, "zoom": {"factor": 2, "every": 2}, "cards": [{"prompt": "a fox", "seconds": 2}, {"prompt": "a cat", "seconds": 2, "factor": 3}]}'
ok zoom 33 "zoom in" -- zoom "$work/zoom.json" "${small[@]}" "${windows[@]}" --strength 0.5
# With a 5-second song the zoom lasts 5 s (41 frames) and carries the song as AAC.
bash scripts/make-test-song.sh "$work/short-song.wav" 5 120
ok zoom-song 41 "zoom in" -- zoom "$work/zoom.json" "${small[@]}" "${windows[@]}" --strength 0 --audio "$work/short-song.wav"
codecs=$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$work/zoom-song.mp4" | tr '\n' ' ')
[ "$codecs" = "h264 aac " ] && pass || fail "zoom-song: streams '$codecs', expected h264 and aac"

board empty '{"cards": []}'
board zero '{"cards": [{"prompt": "a fox", "seconds": 2}, {"prompt": "a cat", "seconds": 0}]}'
board factor '{"zoom": {"factor": 1}, "cards": [{"prompt": "a fox", "seconds": 2}]}'
board long '{"fps": 8, "cards": [{"prompt": "a fox", "seconds": 4}, {"prompt": "a cat", "seconds": 4}]}'
board video-zoom '{"cards": [{"prompt": "a fox", "seconds": 2, "video": "clip.mp4"}]}'
board missing-image '{"cards": [{"prompt": "a fox", "seconds": 2, "image": "nothing.png"}]}'
bad board-empty "the board has no cards" -- storyboard "$work/empty.json" "${small[@]}"
bad board-zero "card 2: \"seconds\" must be above 0, not 0" -- storyboard "$work/zero.json" "${small[@]}"
bad board-missing "nothing.json: does not exist" -- storyboard "$work/nothing.json" "${small[@]}"
bad board-image "card 1:" -- storyboard "$work/missing-image.json" "${small[@]}"
bad zoom-factor "zoom: \"factor\" must be above 1" -- zoom "$work/factor.json" "${small[@]}"
bad zoom-song-unreadable "is not an audio or video file ffmpeg can read" -- zoom "$work/zoom.json" "${small[@]}" --audio "$work/notes.mp3"
bad zoom-longer-than-song "the cards last 8 s, longer than the 5 s song" -- zoom "$work/long.json" "${small[@]}" --audio "$work/short-song.wav"
bad zoom-video-card "a zoom's card takes an \"image\"" -- zoom "$work/video-zoom.json" "${small[@]}"
refused zoom-gif-song "--audio needs an output that carries sound" -- zoom "$work/zoom.json" "${small[@]}" --audio "$work/short-song.wav" -o "$work/bad-zoom-gif-song.gif" && pass
bad long-noise "--noise applies to one window" -- generate "a fox" "${small[@]}" "${windows[@]}" --seconds 3 --fps 8 --noise "$work/nothing.safetensors"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
