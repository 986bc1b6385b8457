#!/usr/bin/env bash
# Makes docs/modes.md's pictures: every mode run by the Swift engine on the bundled model, inputs and
# outputs turned into small GIFs (128 px) under docs/media/modes/. The commands are the ones the page
# shows; their printed output goes to out/modes/*.log.
# Usage: bash scripts/modes-gifs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh > /dev/null
swift build -c release --product zoetrope > /dev/null
z=.build/release/zoetrope
out=out/modes media=docs/media/modes
mkdir -p "$out" "$media"

run() {  # run NAME ARGS...: runs zoetrope, keeps its output
    local name=$1; shift
    echo "\$ zoetrope $*" > "$out/$name.log"
    "$z" "$@" >> "$out/$name.log" 2>/dev/null || { cat "$out/$name.log" >&2; exit 1; }
    cat "$out/$name.log"
}
gif() {  # gif INPUT NAME: a 128 px GIF of a video or image
    ffmpeg -v error -y -i "$1" -vf "scale=128:-1:flags=lanczos,split[a][b];[a]palettegen=max_colors=64[p];[b][p]paletteuse" \
        -loop 0 -f gif "$media/$2.gif.part"
    mv "$media/$2.gif.part" "$media/$2.gif"
}

run ball generate "a red ball moving left on the grass in the morning" --seed 2 -o "$out/ball.mp4"
run boat generate "a white boat moving right over the sea at sunset" --seed 2 -o "$out/boat.mp4"
ffmpeg -v error -y -i "$out/ball.mp4" -vf "select=eq(n\,8)" -frames:v 1 "$out/still.png"
ffmpeg -v error -y -i "$out/ball.mp4" -vf scale=128:128 "$out/small.mp4"
ffmpeg -v error -y -f lavfi -i "color=black:s=256x256,drawbox=x=128:y=0:w=128:h=256:color=white:t=fill" -frames:v 1 "$out/mask.png"

run image generate "a red ball moving left on the grass in the morning" --image "$out/still.png" --seed 3 -o "$out/image.mp4"
run remix generate "a red ball moving left over the sea at night" --video "$out/ball.mp4" --strength 0.7 --seed 3 -o "$out/remix.mp4"
run edit generate "a yellow star bouncing on the grass in the morning" --video "$out/ball.mp4" --mask "$out/mask.png" --seed 3 -o "$out/edit.mp4"
run outpaint generate "a red ball moving left on the grass in the morning" --video "$out/small.mp4" --seed 3 -o "$out/outpaint.mp4"
run extend extend "$out/ball.mp4" "a red ball moving left on the grass in the morning" --seconds 2 --seed 3 -o "$out/extend.mp4"
run backward extend "$out/ball.mp4" "a red ball moving left on the grass in the morning" --seconds 2 --backward --seed 3 -o "$out/backward.mp4"
run connect connect "$out/ball.mp4" "$out/boat.mp4" "a red ball turns into a white boat" --seconds 2 --seed 3 -o "$out/connect.mp4"
run loop generate "a yellow star bouncing in the desert at noon" --loop --seconds 2 --seed 3 -o "$out/loop.mp4"

for name in ball boat image remix edit outpaint extend backward connect loop; do gif "$out/$name.mp4" "$name"; done
gif "$out/still.png" still
gif "$out/small.mp4" small
gif "$out/mask.png" mask
ls -la "$media"
