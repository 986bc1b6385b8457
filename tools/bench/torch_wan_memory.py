#!/usr/bin/env python3
"""The PyTorch peer for `zoetrope bench memory`: diffusers' peak resident memory and time for one Wan
transformer call and for one VAE decode, on the CPU, each in a fresh process.

    /work/venv-tools/bin/python tools/bench/torch_wan_memory.py transformer --model /tmp/wan-1.3b-random
    /work/venv-tools/bin/python tools/bench/torch_wan_memory.py vae --model /tmp/wan-1.3b-random --frames 81

The model folder comes from tools/bench/make_random_wan.py. Precision follows the reference
pipeline: transformer in bf16 (diffusers keeps its fp32 modules), VAE in fp32.
"""

import argparse
import resource
import time

import torch
from diffusers import AutoencoderKLWan, WanTransformer3DModel


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@torch.no_grad()
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["transformer", "vae"])
    parser.add_argument("--model", default="/tmp/wan-1.3b-random")
    parser.add_argument("--height", type=int, default=None)
    parser.add_argument("--width", type=int, default=None)
    parser.add_argument("--frames", type=int, default=None)
    args = parser.parse_args()
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    if args.part == "transformer":
        height, width, frames = args.height or 256, args.width or 256, args.frames or 17
        model = WanTransformer3DModel.from_pretrained(f"{args.model}/transformer", torch_dtype=torch.bfloat16).eval()
        loaded = time.perf_counter()
        latents = torch.randn(1, 16, (frames - 1) // 4 + 1, height // 8, width // 8, generator=generator)
        text = torch.randn(1, 512, 4096, generator=generator).to(torch.bfloat16)
        model(hidden_states=latents.to(torch.bfloat16), timestep=torch.tensor([999]), encoder_hidden_states=text)
    else:
        height, width, frames = args.height or 480, args.width or 832, args.frames or 81
        model = AutoencoderKLWan.from_pretrained(f"{args.model}/vae", torch_dtype=torch.float32).eval()
        loaded = time.perf_counter()
        latents = torch.randn(1, 16, (frames - 1) // 4 + 1, height // 8, width // 8, generator=generator)
        model.decode(latents)
    done = time.perf_counter()
    print(f"torch {torch.__version__} {args.part} {height}x{width}x{frames}: load {loaded - start:.1f} s, "
          f"run {done - loaded:.1f} s, peak RSS {peak_mib():.0f} MiB, threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
