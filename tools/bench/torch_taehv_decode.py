#!/usr/bin/env python3
"""Times the reference TAEHV decoder (`taehv.py`, pinned in tools/fixtures/requirements.txt) on CPU,
f32, the peer of `zoetrope memory tiny-decoder` (docs/tiny-decoder.md): the same decoder file and
latents of the same shape (random normal; values do not change the cost).

    /work/venv-tools/bin/python tools/bench/torch_taehv_decode.py \
        --decoder /tmp/taehv-random/taew2_1-random.safetensors --height 256 --width 256 --frames 17

Prints the load time, the sequential decode (one latent frame at a time, as the engine runs) and the
parallel decode (all frames at once), and the peak resident memory of the process.
"""

import argparse
import resource
import time

import torch
from safetensors.torch import load_file
from taehv import TAEHV


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decoder", required=True)
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--frames", type=int, default=17)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    model = TAEHV(checkpoint_path=None)
    model.load_state_dict(model.patch_tgrow_layers({k: v.float() for k, v in load_file(args.decoder).items()}))
    model.eval()
    loaded = time.perf_counter()
    latent_frames = (args.frames - 1) // 4 + 1
    latents = torch.randn(1, latent_frames, 16, args.height // 8, args.width // 8, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        t0 = time.perf_counter()
        video = model.decode_video(latents, parallel=False, show_progress_bar=False)
        t1 = time.perf_counter()
        model.decode_video(latents, parallel=True, show_progress_bar=False)
        t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch {torch.__version__}, {args.threads} threads: latents {list(latents.shape)} (NTCHW) -> {list(video.shape)}")
    print(f"load {loaded - start:.2f} s, sequential decode {t1 - t0:.2f} s, parallel decode {t2 - t1:.2f} s, peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
