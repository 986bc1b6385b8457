"""Rendering many world clips at once, reproducibly: clip i of a pool is drawn from its own seed."""
import numpy as np
import world
from configs import WIDTH, FRAMES


def scene_pool(count, seed, split="train"):
    """`count` scenes, scene i drawn from numpy seed (seed, i)."""
    return [world.sample_scene(np.random.default_rng([seed, i]), split) for i in range(count)]


def render_pool(scenes, size=WIDTH, frames=FRAMES, log_every=200, with_masks=False):
    """uint8 [N, frames, size, size, 3] (and the object's coverage, uint8 [N, frames, size, size], if asked)."""
    out = np.empty((len(scenes), frames, size, size, 3), np.uint8)
    masks = np.empty((len(scenes), frames, size, size), np.uint8) if with_masks else None
    for i, scene in enumerate(scenes):
        if with_masks:
            out[i], cover = world.render(scene, size, frames, with_mask=True)
            masks[i] = np.round(cover * 255).astype(np.uint8)
        else:
            out[i] = world.render(scene, size, frames)
        if log_every and (i + 1) % log_every == 0:
            print(f"rendered {i + 1}/{len(scenes)}", flush=True)
    return (out, masks) if with_masks else out


def to_model(video):
    """uint8 [N, F, H, W, 3] → float [N, 3, F, H, W] in [-1, 1] (what the Wan VAE takes)."""
    import torch
    x = torch.from_numpy(video).permute(0, 4, 1, 2, 3).float()
    return x / 127.5 - 1.0
