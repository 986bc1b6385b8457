"""The held-out evaluation set: prompts whose (object, colour) pairs the model never saw in training.

`eval_scenes(n, seed)` is a deterministic list of held-out scenes with a straight motion (left, right,
up, down) and a still or zooming camera, balanced over colours, motions, cameras and times as far as
the held-out pairs allow; `expected(scene)` gives what the scorer should read back from the video.

    python tools/train/eval_set.py --out eval.json   # [{prompt, seed, expected}, ...]; seed = index
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import captions  # noqa: E402
import world  # noqa: E402

MOTIONS = ["left", "right", "up", "down"]
CAMERAS = ["still", "zoom in", "zoom out"]
ZOOM = {"still": "none", "zoom in": "in", "zoom out": "out"}


def expected(scene):
    """The attributes the scorer reads from pixels: colour, motion, time, zoom."""
    return {"colour": scene.colour, "motion": scene.motion, "time": scene.time, "zoom": ZOOM[scene.camera]}


def eval_scenes(n=64, seed=2024):
    """n held-out scenes. Scene i has colour i mod 8, camera i mod 3, motion (i + i // 8) mod 4, time
    (i // 2 + i // 8) mod 4 and background (i // 3) mod 6, so each value of each attribute is about
    equally frequent, each colour meets every motion and time, and (for n = 64) every (motion, time)
    pair occurs 4 times. The object is the next held-out object of that colour (round robin, shifted
    each lap so it meets other motions); size and jitters are random from `seed`."""
    rng = np.random.default_rng(seed)
    objects = {c: [o for o in world.OBJECTS if (o, c) in world.HELD_OUT] for c in world.COLOUR_NAMES}
    used = {c: 0 for c in world.COLOUR_NAMES}
    scenes = []
    for i in range(n):
        colour = world.COLOUR_NAMES[i % 8]
        k, options = used[colour], objects[colour]
        obj = options[(k + k // len(options)) % len(options)]  # round robin, shifted each lap
        used[colour] += 1
        base = world.sample_scene(rng, "heldout", motions=MOTIONS, cameras=CAMERAS)  # the random rest
        base.colour, base.object = colour, obj
        assert (obj, colour) in world.HELD_OUT
        base.motion = MOTIONS[(i + i // 8) % 4]
        base.camera = CAMERAS[i % 3]
        base.time = world.TIMES[(i // 2 + i // 8) % 4]
        base.background = world.BACKGROUNDS[(i // 3) % 6]
        scenes.append(base)
    return scenes


def entry(index, scene):
    """{prompt, seed, expected} of the index-th scene; the seed (the index) drives the generation noise."""
    return {"prompt": captions.canonical(scene), "seed": index, "expected": expected(scene)}


def entries(n=64, seed=2024):
    """The evaluation set as [{prompt, seed, expected}], as the CLI writes it."""
    return [entry(i, s) for i, s in enumerate(eval_scenes(n, seed))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("-n", type=int, default=64, help="number of prompts")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the scene draw")
    args = parser.parse_args()
    with open(args.out, "w") as f:
        json.dump(entries(args.n, args.seed), f, indent=1)
    print(f"wrote {args.n} prompts to {args.out}")


if __name__ == "__main__":
    main()
