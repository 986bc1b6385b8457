"""The ceiling a VAE sets on prompt adherence: the held-out evaluation scenes (eval_set.py) rendered,
encoded and decoded by the VAE, and scored from the pixels by scorer.py. A transformer that made
perfect latents could score no better than this.

    python tools/train/vae_ceiling.py --vae models/zoetrope-tiny/vae -n 32

Prints the reconstruction PSNR per frame and over the clip, and the share of attributes right.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
from diffusers import AutoencoderKLWan

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import configs, data, eval_set, scorer, world  # noqa: E402
from evaluate import ATTRIBUTES, summarise  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vae", required=True, help="a diffusers AutoencoderKLWan folder")
    parser.add_argument("-n", type=int, default=32, help="number of evaluation scenes")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    vae = AutoencoderKLWan.from_pretrained(args.vae).eval()
    results, psnrs, start = [], [], time.time()
    for index, scene in enumerate(eval_set.eval_scenes(args.n)):
        clip = world.render(scene, configs.WIDTH, configs.FRAMES)
        x = data.to_model(clip[None])
        with torch.no_grad():
            rec = vae.decode(vae.encode(x).latent_dist.mode()).sample.clamp(-1, 1)
        psnrs.append(10 * np.log10(4 / (rec - x).pow(2).mean(dim=(0, 1, 3, 4)).numpy()))
        frames = ((rec[0].permute(1, 2, 3, 0).numpy() + 1) * 127.5).round().clip(0, 255).astype(np.uint8)
        results.append({**eval_set.entry(index, scene), "predicted": scorer.score(frames)})
    per_frame = np.mean(psnrs, 0)
    print("PSNR per frame (dB):", " ".join(f"{v:.1f}" for v in per_frame))
    print(f"PSNR of the clips: {per_frame.mean():.1f} dB")
    summary = summarise(results)
    print("  ".join(f"{a} {summary[a]:.1%}" for a in ATTRIBUTES),
          f" all {summary['total']:.1%}  ({args.n} scenes, {time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
