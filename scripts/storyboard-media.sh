#!/usr/bin/env bash
# Makes docs/storyboard.md's pictures: the seed's infinite zoom (examples/the-hardest-part.json) on the
# bundled model with a generated 26-second test song, as a 128 px GIF of its first 12 seconds, a strip
# of every 8th frame and its keyframes, under docs/media/storyboard/. The full video, with the song,
# stays in out/storyboard/the-hardest-part.mp4; the command's output in out/storyboard/the-hardest-part.log.
# Usage: bash scripts/storyboard-media.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh > /dev/null
swift build -c release --product zoetrope > /dev/null
z=.build/release/zoetrope
out=out/storyboard media=docs/media/storyboard
mkdir -p "$out" "$media"

bash scripts/make-test-song.sh "$out/song.wav" 26 120
echo "\$ zoetrope zoom examples/the-hardest-part.json --audio $out/song.wav --keyframes $out/keyframes/ -o $out/the-hardest-part.mp4" \
    > "$out/the-hardest-part.log"
/usr/bin/time -f "%e s wall, %M KiB peak" "$z" zoom examples/the-hardest-part.json --audio "$out/song.wav" \
    --keyframes "$out/keyframes/" -o "$out/the-hardest-part.mp4" 2>&1 | grep -v '^keyframe [0-9]*/\|^window [0-9]*/' \
    >> "$out/the-hardest-part.log"
cat "$out/the-hardest-part.log"
ffmpeg -v error -y -i "$out/the-hardest-part.mp4" -t 12 \
    -vf "scale=128:-1:flags=lanczos,split[a][b];[a]palettegen=max_colors=64[p];[b][p]paletteuse" -loop 0 -f gif \
    "$media/the-hardest-part.gif.part"
mv "$media/the-hardest-part.gif.part" "$media/the-hardest-part.gif"
ffmpeg -v error -y -i "$out/the-hardest-part.mp4" -vf "select='not(mod(n\,8))',scale=96:96:flags=lanczos,tile=9x3" \
    -frames:v 1 -update 1 -q:v 4 "$media/the-hardest-part.jpg"
ffmpeg -v error -y -i "$out/keyframes/frame_%05d.png" -vf "scale=128:128:flags=lanczos,tile=7x1" -frames:v 1 -update 1 -q:v 4 \
    "$media/the-hardest-part-keyframes.jpg"
ls -la "$media"
