#!/usr/bin/env python3
"""The PyTorch peer of `zoetrope memory transformer` for a VACE folder: diffusers' time and peak
resident memory for one `WanVACETransformer3DModel` call on the CPU, in bf16 (diffusers keeps its
fp32 modules), with a random 96-channel control at conditioning scale 1.

    /work/venv-tools/bin/python tools/bench/torch_wan_vace_call.py --model /tmp/wan-vace-1.3b-random \\
        --height 256 --width 256 --frames 17 [--calls 2]

The folder comes from tools/bench/make_random_wan_vace.py. The first call is the warm-up; the later
ones are the steady state. Prints one line: load, each call's time, peak RSS, threads.
"""

import argparse
import resource
import time

import torch
from diffusers import WanVACETransformer3DModel


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@torch.no_grad()
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="/tmp/wan-vace-1.3b-random")
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--frames", type=int, default=17)
    parser.add_argument("--calls", type=int, default=2, help="calls in all, the first being the warm-up")
    args = parser.parse_args()
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    model = WanVACETransformer3DModel.from_pretrained(f"{args.model}/transformer", torch_dtype=torch.bfloat16).eval()
    loaded = time.perf_counter()
    config = model.config
    grid = ((args.frames - 1) // 4 + 1, args.height // 8, args.width // 8)
    latents = torch.randn(1, config.in_channels, *grid, generator=generator).to(torch.bfloat16)
    control = torch.randn(1, config.vace_in_channels, *grid, generator=generator).to(torch.bfloat16)
    text = torch.randn(1, 512, config.text_dim, generator=generator).to(torch.bfloat16)
    scale = torch.ones(len(config.vace_layers), dtype=torch.bfloat16)
    times = []
    for _ in range(max(1, args.calls)):
        before = time.perf_counter()
        model(hidden_states=latents, timestep=torch.tensor([999]), encoder_hidden_states=text,
              control_hidden_states=control, control_hidden_states_scale=scale, return_dict=False)
        times.append(time.perf_counter() - before)
    calls = ", ".join(f"{t:.2f}" for t in times)
    print(f"torch {torch.__version__} vace-transformer {args.height}x{args.width}x{args.frames}: "
          f"load {loaded - start:.1f} s, calls {calls} s, peak RSS {peak_mib():.0f} MiB, threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
