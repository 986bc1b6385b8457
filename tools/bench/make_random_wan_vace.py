#!/usr/bin/env python3
"""Writes a diffusers folder with the real Wan2.1-VACE-1.3B transformer config and random bf16 weights.

For time and memory measurements of the VACE transformer at its real size without the real checkpoint
(which cannot be downloaded here). Only the transformer is written (model_index.json and
transformer/, bf16, 5 GB shards): about 4.3 GB on disk. `--tiny` writes a small VACE model of the same
shape of config (4 layers, vace_layers [0, 2]) for a quick check of the scripts.

    /work/venv-tools/bin/python tools/bench/make_random_wan_vace.py --out /tmp/wan-vace-1.3b-random

Then `scripts/bench-vace.sh --model /tmp/wan-vace-1.3b-random` (zoetrope memory transformer and
tools/bench/torch_wan_vace_call.py on the same folder).
"""

import argparse
import json
import os

import torch
from diffusers import WanVACETransformer3DModel

# Wan-AI/Wan2.1-VACE-1.3B-diffusers transformer/config.json: the T2V-1.3B dimensions plus 15 VACE
# blocks after layers 0, 2, ..., 28 and a 96-channel control.
VACE_1_3B = dict(
    patch_size=(1, 2, 2), num_attention_heads=12, attention_head_dim=128, in_channels=16, out_channels=16,
    text_dim=4096, freq_dim=256, ffn_dim=8960, num_layers=30, cross_attn_norm=True,
    qk_norm="rms_norm_across_heads", eps=1e-6, image_dim=None, added_kv_proj_dim=None, rope_max_seq_len=1024,
    vace_layers=list(range(0, 30, 2)), vace_in_channels=96,
)
TINY = dict(VACE_1_3B, num_attention_heads=2, ffn_dim=512, num_layers=4, vace_layers=[0, 2])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/wan-vace-1.3b-random")
    parser.add_argument("--tiny", action="store_true", help="a small VACE model for checking the scripts")
    args = parser.parse_args()
    torch.manual_seed(0)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "model_index.json"), "w") as f:
        json.dump({"_class_name": "WanVACEPipeline", "_diffusers_version": "0.42.1",
                   "transformer": ["diffusers", "WanVACETransformer3DModel"]}, f, indent=2)
    model = WanVACETransformer3DModel(**(TINY if args.tiny else VACE_1_3B))
    # bf16 except diffusers' fp32-kept modules (a bf16 load keeps those in fp32 anyway). The VACE
    # projections are diffusers' random init: like trained ones, and unlike zeros, they make the hints count.
    keep = set(model._keep_in_fp32_modules)
    with torch.no_grad():
        for key, p in model.named_parameters():
            if not keep.intersection(key.split(".")):
                p.data = p.data.to(torch.bfloat16)
    model.save_pretrained(os.path.join(args.out, "transformer"), max_shard_size="5GB")


if __name__ == "__main__":
    main()
