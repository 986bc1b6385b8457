#!/usr/bin/env python3
"""Writes a diffusers folder with the real Wan 2.1 T2V-1.3B transformer and VAE configs and random weights.

For memory and speed measurements of the real sizes without the real checkpoints (which cannot be
downloaded here). The transformer is saved in fp32 with 5 GB shards, as the conversion script saves
the published repo; the VAE in fp32, one file. About 6.2 GB on disk.

    /work/venv-tools/bin/python tools/bench/make_random_wan.py --out /tmp/wan-1.3b-random

Then `zoetrope bench memory --model /tmp/wan-1.3b-random` (docs/performance.md).
"""

import argparse
import json
import os

import torch
from diffusers import AutoencoderKLWan, WanTransformer3DModel

# Wan-AI/Wan2.1-T2V-1.3B-Diffusers transformer/config.json (docs/wan-reference.md §1.1).
TRANSFORMER_1_3B = dict(
    patch_size=(1, 2, 2), num_attention_heads=12, attention_head_dim=128, in_channels=16, out_channels=16,
    text_dim=4096, freq_dim=256, ffn_dim=8960, num_layers=30, cross_attn_norm=True,
    qk_norm="rms_norm_across_heads", eps=1e-6, image_dim=None, added_kv_proj_dim=None, rope_max_seq_len=1024,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/wan-1.3b-random")
    args = parser.parse_args()
    torch.manual_seed(0)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "model_index.json"), "w") as f:
        json.dump({"_class_name": "WanPipeline", "_diffusers_version": "0.42.1",
                   "transformer": ["diffusers", "WanTransformer3DModel"],
                   "vae": ["diffusers", "AutoencoderKLWan"]}, f, indent=2)
    AutoencoderKLWan().save_pretrained(os.path.join(args.out, "vae"))
    WanTransformer3DModel(**TRANSFORMER_1_3B).save_pretrained(
        os.path.join(args.out, "transformer"), max_shard_size="5GB")


if __name__ == "__main__":
    main()
