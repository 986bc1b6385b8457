"""Prompt-adherence evaluation of the Swift engine on the held-out evaluation set (eval_set.py).

For each prompt it runs `zoetrope generate "<prompt>" --seed <index> -o <out-dir>/<index>.mp4`,
decodes the video with ffmpeg, reads colour, motion, time and zoom back with scorer.py, and prints
the accuracy per attribute, the total share right and the time per clip; --report writes the JSON
(summary, and per prompt: prompt, seed, expected, predicted).

    python tools/train/evaluate.py --report out/eval.json                 # the bundled model
    python tools/train/evaluate.py --model DIR --report out/eval.json -- --steps 30 --guidance 4
    python tools/train/evaluate.py --ground-truth --report out/eval-gt.json   # renders, no model

Arguments it does not know (after `--` or not) go to `zoetrope generate` unchanged, e.g. --steps,
--width, --height, --frames, --guidance; without --model the CLI uses its bundled model.
--ground-truth scores world.py renders instead (with --via-mp4 they go through an H.264 file and the
same decoding path), to test the driver and the scorer before a model exists.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_set  # noqa: E402
import scorer  # noqa: E402
import world  # noqa: E402

ATTRIBUTES = ["colour", "motion", "time", "zoom"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/zoetrope", help="the zoetrope CLI")
    parser.add_argument("--model", help="model folder, passed to zoetrope generate --model")
    parser.add_argument("--out-dir", default="out/eval", help="where the generated videos go")
    parser.add_argument("--report", help="JSON report to write")
    parser.add_argument("-n", type=int, default=64, help="number of evaluation prompts")
    parser.add_argument("--set-seed", type=int, default=2024, help="seed of the evaluation-set draw")
    parser.add_argument("--reuse", action="store_true", help="score existing <out-dir>/<i>.mp4, generate the rest")
    parser.add_argument("--keep-going", action="store_true", help="count a failed generation as wrong and go on")
    parser.add_argument("--size", help="frame size to decode at, WxH or N (default: from ffprobe)")
    parser.add_argument("--ground-truth", action="store_true", help="score world.py renders instead of generating")
    parser.add_argument("--render-size", type=int, default=256, help="render size for --ground-truth")
    parser.add_argument("--via-mp4", action="store_true", help="with --ground-truth: encode and decode the renders")
    args, passthrough = parser.parse_known_args(argv)
    args.passthrough = [a for a in passthrough if a != "--"]
    if args.size:
        width, _, height = args.size.partition("x")
        args.size = (int(width), int(height or width))
    if not args.ground_truth and not shutil.which(args.binary):
        parser.error(f"no zoetrope binary at {args.binary} (build it with swift build -c release, or pass --binary)")
    return args


def generate(args, prompt, seed, path):
    """Runs zoetrope generate for one prompt; raises CalledProcessError on failure."""
    command = [args.binary, "generate", prompt, "--seed", str(seed), "-o", path]
    if args.model:
        command += ["--model", args.model]
    command += args.passthrough
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def video_size(path):
    """(width, height) of the first video stream, by ffprobe."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                          "-of", "csv=p=0", path], check=True, capture_output=True, text=True).stdout
    width, height = out.strip().split(",")[:2]
    return int(width), int(height)


def decode(path, size=None):
    """uint8 frames [F, H, W, 3] of a video file; size (w, h) from ffprobe unless given."""
    width, height = size or video_size(path)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def encode(frames, path, fps=16):
    """Writes uint8 frames [F, H, W, 3] as an H.264 mp4 (for --via-mp4)."""
    f, h, w, _ = frames.shape
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
                    "-r", str(fps), "-i", "-", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18", path],
                   input=frames.tobytes(), check=True)


def clip_frames(args, index, scene, prompt):
    """The frames to score for one prompt: generated (or reused) and decoded, or rendered."""
    path = os.path.join(args.out_dir, f"{index}.mp4")
    size = args.size
    if args.ground_truth:
        frames = world.render(scene, size=args.render_size)
        if not args.via_mp4:
            return frames
        encode(frames, path)
        return decode(path, size)
    if not (args.reuse and os.path.exists(path)):
        generate(args, prompt, index, path)
    return decode(path, size)


def evaluate_one(args, index, scene):
    """{prompt, seed, expected, predicted, seconds: {video, score}} for one evaluation scene."""
    entry = eval_set.entry(index, scene)
    start = time.perf_counter()
    frames = clip_frames(args, index, scene, entry["prompt"])
    middle = time.perf_counter()
    entry["predicted"] = scorer.score(frames)
    entry["seconds"] = {"video": middle - start, "score": time.perf_counter() - middle}
    return entry


def summarise(results):
    """{attribute: accuracy, total: share of all attributes right, clips, seconds_per_clip}."""
    summary = {a: float(np.mean([r["predicted"].get(a) == r["expected"][a] for r in results])) for a in ATTRIBUTES}
    summary["total"] = float(np.mean([summary[a] for a in ATTRIBUTES]))
    summary["clips"] = len(results)
    timed = [r["seconds"] for r in results if "seconds" in r] or [{"video": 0.0, "score": 0.0}]
    summary["seconds_per_clip"] = {k: float(np.mean([t[k] for t in timed])) for k in ("video", "score")}
    return summary


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    results = []
    for index, scene in enumerate(eval_set.eval_scenes(args.n, args.set_seed)):
        try:
            entry = evaluate_one(args, index, scene)
        except subprocess.CalledProcessError as error:  # with --keep-going: wrong in every attribute
            if not args.keep_going:
                sys.exit(f"#{index}: {error}")
            print(f"#{index}: {error}", file=sys.stderr)
            results.append({**eval_set.entry(index, scene), "predicted": {}, "error": str(error)})
            continue
        wrong = [f"{a}: {entry['predicted'][a]}" for a in ATTRIBUTES if entry["predicted"][a] != entry["expected"][a]]
        print(f"#{index:3d} {entry['seconds']['video']:7.2f} s  {entry['prompt']}"
              + ("  | " + ", ".join(wrong) if wrong else ""))
        results.append(entry)
    summary = summarise(results)
    summary["mode"] = "ground truth" if args.ground_truth else " ".join(
        [args.binary] + (["--model", args.model] if args.model else []) + args.passthrough)
    seconds = summary["seconds_per_clip"]
    print("  ".join(f"{a} {summary[a]:.1%}" for a in ATTRIBUTES) + f"  total {summary['total']:.1%}  ({len(results)} "
          f"clips; {seconds['video']:.2f} s/clip to make, {seconds['score']:.3f} s/clip to score)")
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"summary": summary, "clips": results}, f, indent=1)


if __name__ == "__main__":
    main()
