"""PyTorch's CPU rates for the shapes `zoetrope bench` measures, as a second peer.

Run: /path/to/venv/bin/python tools/bench/torch_cpu_ops.py  (versions pinned in tools/fixtures/requirements.txt)
Prints a Markdown table; the median of 5 runs after a warm-up, on all cores (torch.get_num_threads()).
"""
import time

import torch
import torch.nn.functional as F


def median_seconds(fn, repeats=5):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def main():
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print("| workload | PyTorch time | PyTorch GFLOP/s |")
    print("| --- | ---: | ---: |")
    for dtype, name in [(torch.float32, "f32"), (torch.bfloat16, "bf16")]:
        for k, n in [(1536, 1536), (1536, 8960), (8960, 1536)]:
            x = torch.randn(1280, k, dtype=dtype)
            w = torch.randn(n, k, dtype=dtype)
            s = median_seconds(lambda: F.linear(x, w))
            print(f"| {name} linear 1280x{k}x{n} | {s * 1e3:.1f} ms | {2 * 1280 * k * n / s / 1e9:.1f} |")
    for dtype, name in [(torch.float32, "f32"), (torch.bfloat16, "bf16")]:
        for n in [1280, 4096]:
            q, k, v = (torch.randn(1, 12, n, 128, dtype=dtype) for _ in range(3))
            s = median_seconds(lambda: F.scaled_dot_product_attention(q, k, v), repeats=3)
            print(f"| {name} attention 12 heads x {n} tokens x d 128 | {s * 1e3:.1f} ms | {4 * 12 * n * n * 128 / s / 1e9:.1f} |")
    for cin, size in [(384, 32), (384, 64), (192, 128), (96, 256)]:
        x = torch.randn(1, cin, 4, size, size)
        conv = torch.nn.Conv3d(cin, cin, 3)
        with torch.no_grad():
            s = median_seconds(lambda: conv(F.pad(x, (1, 1, 1, 1, 2, 0))), repeats=3)
        print(f"| f32 conv3d {cin}->{cin} k3 causal, 4x{size}x{size} | {s * 1e3:.1f} ms | {2 * cin * cin * 27 * 4 * size * size / s / 1e9:.1f} |")


if __name__ == "__main__":
    main()
