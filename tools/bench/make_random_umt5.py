#!/usr/bin/env python3
"""Writes a diffusers-style folder with the real UMT5-XXL encoder config (google/umt5-xxl, the text
encoder of every Wan 2.1 / 2.2 pipeline) and random bf16 weights.

For timing the text encoder at its real size without the real checkpoint (which cannot be
downloaded here). The model is built in bf16 directly (an fp32 build would need ~23 GB), with
transformers' own initialisation (std d_model^-0.5 and the like, so activations stay in range), and
saved with 5 GB shards: about 11.4 GB on disk, ~14 GB of memory while it runs, and 25 minutes on
the shared 2-core build machine (the initialisation runs on one core). The folder holds model_index.json and text_encoder/
only; `zoetrope memory text-encoder` feeds random token ids, so no tokenizer is needed.

    /work/venv-tools/bin/python tools/bench/make_random_umt5.py --out /work/scratch-gguf/umt5-xxl-random

Then `bash scripts/bench-cpu.sh --parts text-encoder --text-encoder /work/scratch-gguf/umt5-xxl-random`.
`--tiny` writes a 2-layer, 16-wide model with the same vocabulary instead, to check the scripts quickly.
"""

import argparse
import json
import os

import torch
from transformers import UMT5Config, UMT5EncoderModel

# google/umt5-xxl config.json: the fields UMT5Encoder.Config reads (Sources/Models/UMT5/UMT5Config.swift).
UMT5_XXL = dict(
    vocab_size=256384, d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_decoder_layers=24, num_heads=64,
    relative_attention_num_buckets=32, relative_attention_max_distance=128, layer_norm_epsilon=1e-6,
    feed_forward_proj="gated-gelu", tie_word_embeddings=False, pad_token_id=0, eos_token_id=1,
    decoder_start_token_id=0,
)
TINY = dict(UMT5_XXL, d_model=16, d_kv=4, d_ff=24, num_layers=2, num_decoder_layers=2, num_heads=4)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/work/scratch-gguf/umt5-xxl-random")
    parser.add_argument("--tiny", action="store_true", help="a 2-layer, 16-wide model, for checking scripts")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_default_dtype(torch.bfloat16)
    config = UMT5Config(**(TINY if args.tiny else UMT5_XXL))
    model = UMT5EncoderModel(config).eval()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "model_index.json"), "w") as f:
        json.dump({"_class_name": "WanPipeline", "_diffusers_version": "0.42.1",
                   "text_encoder": ["transformers", "UMT5EncoderModel"]}, f, indent=2)
    model.save_pretrained(os.path.join(args.out, "text_encoder"), max_shard_size="5GB")
    count = sum(p.numel() for p in model.parameters())
    print(f"wrote {args.out}: {count / 1e9:.2f} B parameters in {model.dtype}")


if __name__ == "__main__":
    main()
