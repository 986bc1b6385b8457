#!/usr/bin/env python3
"""Writes a TAEHV decoder with the published Wan 2.1 shapes (`taew2_1`) and random weights, and a
diffusers folder holding only the real Wan 2.1 VAE with random weights, to time the tiny decoder
against the VAE on the same latents without the real checkpoints (which cannot be downloaded here).

    /work/venv-tools/bin/python tools/bench/make_random_taehv.py --out /tmp/taehv-random

writes `/tmp/taehv-random/taew2_1-random.safetensors` (every tensor of the reference's model, encoder
included, in f16 as published: about 22 MB) and `/tmp/taehv-random/wan-vae/` (`model_index.json`,
`vae/`: about 500 MB). Then (docs/tiny-decoder.md):

    zoetrope memory tiny-decoder --decoder /tmp/taehv-random/taew2_1-random.safetensors --height 256 --width 256 --frames 17
    zoetrope memory vae --model /tmp/taehv-random/wan-vae --height 256 --width 256 --frames 17

Random weights cost what trained ones do: both models are convolutions and activations only, with no
data-dependent work.
"""

import argparse
import json
import os

import torch
from diffusers import AutoencoderKLWan
from safetensors.torch import save_file
from taehv import TAEHV


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/taehv-random")
    args = parser.parse_args()
    torch.manual_seed(0)
    os.makedirs(args.out, exist_ok=True)
    model = TAEHV(checkpoint_path=None)  # Wan 2.1's defaults: 16 latent channels, time upscale (False, True, True)
    state = {k: v.to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(args.out, "taew2_1-random.safetensors"))
    folder = os.path.join(args.out, "wan-vae")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model_index.json"), "w") as f:
        json.dump({"_class_name": "WanPipeline", "_diffusers_version": "0.42.1",
                   "vae": ["diffusers", "AutoencoderKLWan"]}, f, indent=2)
    AutoencoderKLWan().save_pretrained(os.path.join(folder, "vae"))


if __name__ == "__main__":
    main()
