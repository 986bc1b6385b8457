"""Colour and brightness drift, and seams, across the windows of a long clip (docs/performance.md,
"Long videos and storyboards").

Reads the video through ffmpeg (rgb24) and cuts it into windows like the engine's: the opening
window's frames, then windows of `--every` frames, the remainder joining the last. Prints, per
window, the mean R, G, B, the brightness (Rec. 601 luma of the mean colour) and the contrast (the
standard deviation of luma over the window's pixels). Then it checks the last window against the
spread (min..max) of the first windows, and compares the change at each seam with the change between
other consecutive frames. Needs only numpy and ffmpeg.

    python tools/bench/window_drift.py out/bench-long/clip-60s.mp4 --first 21 --every 12 --reference 5
"""
import argparse
import json
import subprocess

import numpy as np


def frames(path):
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                            "-of", "json", path], check=True, capture_output=True, text=True)
    stream = json.loads(probe.stdout)["streams"][0]
    w, h = stream["width"], stream["height"]
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3).astype(np.float64)


def statistics(clip):
    mean = clip.reshape(-1, 3).mean(0)
    luma = clip @ np.array([0.299, 0.587, 0.114])
    return {"r": mean[0], "g": mean[1], "b": mean[2], "brightness": float(luma.mean()), "contrast": float(luma.std())}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video")
    parser.add_argument("--first", type=int, default=17, help="frames of the opening window")
    parser.add_argument("--every", type=int, default=12, help="new frames of each later window")
    parser.add_argument("--reference", type=int, default=5, help="how many first windows set the spread")
    args = parser.parse_args()
    video = frames(args.video)
    bounds = [0, args.first]
    while bounds[-1] + args.every <= len(video):
        bounds.append(bounds[-1] + args.every)
    if bounds[-1] < len(video):  # a short remainder joins the last window, which stays whole
        bounds[-1] = len(video)
    windows = [statistics(video[a:b]) for a, b in zip(bounds, bounds[1:])]
    keys = ["r", "g", "b", "brightness", "contrast"]
    print(f"{args.video}: {len(video)} frames, {len(windows)} windows")
    print("| window | frames | " + " | ".join(keys) + " |")
    print("| ---: | --- | " + " | ".join("---:" for _ in keys) + " |")
    for i, (stats, a, b) in enumerate(zip(windows, bounds, bounds[1:])):
        print(f"| {i + 1} | {a}-{b - 1} | " + " | ".join(f"{stats[k]:.1f}" for k in keys) + " |")
    reference = windows[:args.reference]
    last = windows[-1]
    inside = True
    for k in keys:
        low, high = min(s[k] for s in reference), max(s[k] for s in reference)
        ok = low <= last[k] <= high
        inside &= ok
        everything = [s[k] for s in windows]
        print(f"{k}: first {args.reference} windows {low:.1f}..{high:.1f}, last {last[k]:.1f} "
              f"({'inside' if ok else 'OUTSIDE'}); all windows {min(everything):.1f}..{max(everything):.1f}")
    print("last window within the first windows' spread:", "yes" if inside else "no")
    seams(video, bounds[1:-1])


def seams(video, starts):
    """The change at each window seam against the change between consecutive frames inside windows,
    in docs/modes.md's measure: mean absolute difference of 8x8-pixel block averages, 0-255 units."""
    n, h, w, _ = video.shape
    blocks = video[:, :h // 8 * 8, :w // 8 * 8].reshape(n, h // 8, 8, w // 8, 8, 3).mean((2, 4))
    change = np.abs(blocks[1:] - blocks[:-1]).mean((1, 2, 3))  # change[i]: frame i to i + 1
    at_seam = np.array([change[s - 1] for s in starts])
    inside = np.delete(change, [s - 1 for s in starts])
    bounds = [0] + list(starts) + [n]
    below = sum(change[s - 1] <= max(change[a:s - 1].max(initial=0), change[s:b - 1].max(initial=0))
                for a, s, b in zip(bounds, bounds[1:], bounds[2:]))
    print(f"seams: mean change {at_seam.mean():.2f} at {len(starts)} seams, {inside.mean():.2f} between other frames "
          f"(median {np.median(inside):.2f}, 95th percentile {np.percentile(inside, 95):.2f}); "
          f"{below} of {len(starts)} seams below the largest change inside the windows they join")


if __name__ == "__main__":
    main()
