"""Checks scorer.py against ground truth: renders the evaluation set and further random held-out
scenes (straight motions, still or zooming camera), scores them and prints per-attribute accuracy,
clean at 256 px, at 128 px, and degraded (Gaussian blur, softened colours, noise) at 256 px; also
"harsh" on request (stronger blur, softening and noise, plus a colour cast). Clean must reach 98%.

    python tools/train/check_scorer.py            # eval set + 200 random scenes, the three conditions
    python tools/train/check_scorer.py -n 50 --conditions clean,harsh --show-errors
    python tools/train/check_scorer.py --centroids  # re-derives scorer.SKY_CENTROIDS from training renders
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_set  # noqa: E402
import scorer  # noqa: E402
import world  # noqa: E402

ATTRIBUTES = ["colour", "motion", "time", "zoom"]


def gaussian_blur(video, sigma):
    """Separable Gaussian blur of float [F, H, W, 3] along H and W (edges repeated)."""
    radius = int(3 * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float32)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    kernel /= kernel.sum()
    for axis in (1, 2):
        padded = np.pad(video, [(radius, radius) if a == axis else (0, 0) for a in range(4)], mode="edge")
        video = sum(k * np.take(padded, np.arange(i, i + video.shape[axis]), axis=axis) for i, k in enumerate(kernel))
    return video


def degrade(frames, rng, sigma=2.0, soften=0.2, noise=8.0, cast=0.0):
    """A stand-in for a generator's output: blurred, colours pulled `soften` of the way towards their
    grey (luma) level, a random colour cast of up to `cast` levels per channel (and gain up to
    cast/100), Gaussian noise of `noise` levels."""
    video = gaussian_blur(frames.astype(np.float32), sigma)
    luma = video @ np.array([0.299, 0.587, 0.114], np.float32)
    video = video + soften * (luma[..., None] - video)
    video = video * (1 + rng.uniform(-cast, cast) / 100) + rng.uniform(-cast, cast, 3).astype(np.float32)
    video = video + rng.normal(0, noise, video.shape).astype(np.float32)
    return np.clip(video + 0.5, 0, 255).astype(np.uint8)


CONDITIONS = {  # name: (render size, degradation settings or None)
    "clean": (256, None),
    "128": (128, None),
    "degraded": (256, dict(sigma=2.0, soften=0.2, noise=8.0)),
    "harsh": (256, dict(sigma=3.5, soften=0.4, noise=16.0, cast=12.0)),
}


def test_scenes(n_random, seed=7):
    """The evaluation set followed by n_random further held-out scenes of the same motions/cameras."""
    rng = np.random.default_rng(seed)
    extra = [world.sample_scene(rng, "heldout", motions=eval_set.MOTIONS, cameras=eval_set.CAMERAS)
             for _ in range(n_random)]
    return eval_set.eval_scenes() + extra


def run(scenes, condition, show_errors):
    """Scores every scene under `condition` (see CONDITIONS); prints accuracy; returns the share right."""
    rng = np.random.default_rng(0)
    size, degradation = CONDITIONS[condition]
    right = {a: 0 for a in ATTRIBUTES}
    seconds = 0.0
    for i, scene in enumerate(scenes):
        frames = world.render(scene, size=size)
        if degradation:
            frames = degrade(frames, rng, **degradation)
        start = time.perf_counter()
        predicted = scorer.score(frames)
        seconds += time.perf_counter() - start
        expected = eval_set.expected(scene)
        wrong = [a for a in ATTRIBUTES if predicted[a] != expected[a]]
        for a in ATTRIBUTES:
            right[a] += a not in wrong
        if wrong and show_errors:
            print(f"  {condition} #{i}: {scene.object} {scene.size} on {scene.background}, {scene.camera}: "
                  + ", ".join(f"{a} {expected[a]} -> {predicted[a]}" for a in wrong))
    total = sum(right.values()) / (len(ATTRIBUTES) * len(scenes))
    parts = "  ".join(f"{a} {right[a] / len(scenes):6.1%}" for a in ATTRIBUTES)
    print(f"{condition:9s} {parts}  total {total:6.1%}  ({len(scenes)} clips, {seconds / len(scenes):.3f} s/clip)")
    return total


def derive_centroids(per_time=400, seed=1):
    """The mean over training renders of the top-band sky colour the scorer reads, per time of day."""
    rng = np.random.default_rng(seed)
    sums = {t: np.zeros(3) for t in world.TIMES}
    counts = {t: 0 for t in world.TIMES}
    while min(counts.values()) < per_time:
        scene = world.sample_scene(rng, "train", cameras=["still"])
        if counts[scene.time] < per_time:
            video = scorer.downsample(world.render(scene, size=64, frames=1))
            sums[scene.time] += scorer.sky_colour(video[0])
            counts[scene.time] += 1
    print({t: tuple(int(round(v)) for v in sums[t] / counts[t]) for t in world.TIMES})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="random held-out scenes besides the eval set")
    parser.add_argument("--conditions", default="clean,128,degraded")
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--centroids", action="store_true", help="print the sky centroids and stop")
    args = parser.parse_args()
    assert scorer.TIMES == world.TIMES and scorer.COLOURS == world.COLOURS, "scorer.py's palette is stale"
    if args.centroids:
        return derive_centroids()
    scenes = test_scenes(args.n)
    results = {c: run(scenes, c, args.show_errors) for c in args.conditions.split(",")}
    if "clean" in results and results["clean"] < 0.98:
        sys.exit(f"clean accuracy {results['clean']:.1%} is below 98%")


if __name__ == "__main__":
    main()
