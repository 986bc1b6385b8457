#!/usr/bin/env python3
"""The PyTorch peer of `zoetrope memory --calls N` (scripts/bench-cpu.sh runs both): diffusers' /
transformers' time and peak resident memory for N calls of one Wan component on the CPU, in one
process. The first call is the cold one, the median of calls 2..N the steady state.

    python tools/bench/torch_cpu_peer.py transformer --model /work/scratch-gguf/wan-1.3b-random --height 256 --width 256 --frames 17 --calls 2
    python tools/bench/torch_cpu_peer.py vae --model /work/scratch-gguf/wan-1.3b-random --height 256 --width 256 --frames 17 [--dtype bf16]
    python tools/bench/torch_cpu_peer.py text-encoder --model /work/scratch-gguf/umt5-xxl-random --tokens 16 [--real-tokens-only]

- transformer: WanTransformer3DModel in bf16 (diffusers keeps its fp32 modules), timestep 999, a 512-row
  text context of --prompt-tokens random rows and zero rows after them (WanPipeline's padding), as the
  engine's call.
- vae: AutoencoderKLWan.decode of random latents, f32 (the reference pipeline's) or bf16 weights and input.
- text-encoder: transformers' UMT5EncoderModel in bf16 called as diffusers' WanPipeline calls it: the
  prompt padded to max_length 512 with its attention mask, then the rows past the prompt zeroed. With
  --real-tokens-only it runs on the prompt's tokens alone (what the engine does; exact, since the
  reference masks the padding). The ids are those of the engine's BenchmarkPrompt
  (Sources/Bench/TextEncoderMemory.swift), no tokenizer needed.

Prints one line: "peer <part> <what>: load L s, cold C s, steady S s, calls c1, c2, ... s, peak RSS M MiB, threads T".
"""

import argparse
import resource
import statistics
import time

import torch

PADDED_LENGTH = 512


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prompt_ids(tokens, vocab_size):
    """The engine's BenchmarkPrompt: pseudo-random ids ending with the end id 1, padded with 0 to 512."""
    words = [2 + (i * 7919 + 17) % (vocab_size - 2) for i in range(tokens - 1)] + [1]
    padding = PADDED_LENGTH - tokens
    ids = torch.tensor([words + [0] * padding])
    mask = torch.tensor([[1] * tokens + [0] * padding])
    return ids, mask


def load(args):
    """The model and a zero-argument call, and a description of the workload."""
    generator = torch.Generator().manual_seed(0)
    if args.part == "text-encoder":
        from transformers import UMT5EncoderModel

        model = UMT5EncoderModel.from_pretrained(f"{args.model}/text_encoder", dtype=torch.bfloat16).eval()
        ids, mask = prompt_ids(args.tokens, model.config.vocab_size)
        if args.real_tokens_only:
            ids, mask = ids[:, :args.tokens], mask[:, :args.tokens]

        def call():
            # diffusers' WanPipeline._get_t5_prompt_embeds: encode, keep each prompt's rows, zero-pad to 512.
            hidden = model(ids, mask).last_hidden_state
            lengths = mask.gt(0).sum(dim=1).long()
            rows = [u[:v] for u, v in zip(hidden, lengths)]
            return torch.stack([torch.cat([u, u.new_zeros(PADDED_LENGTH - u.size(0), u.size(1))]) for u in rows])

        what = "bf16, %d tokens %s" % (args.tokens, "only (real tokens)" if args.real_tokens_only else "padded to 512 (as WanPipeline)")
        return call, what
    height, width, frames = args.height, args.width, args.frames
    grid = ((frames - 1) // 4 + 1, height // 8, width // 8)
    if args.part == "transformer":
        from diffusers import WanTransformer3DModel

        model = WanTransformer3DModel.from_pretrained(f"{args.model}/transformer", torch_dtype=torch.bfloat16).eval()
        latents = torch.randn(1, model.config.in_channels, *grid, generator=generator).to(torch.bfloat16)
        text = torch.randn(1, PADDED_LENGTH, model.config.text_dim, generator=generator).to(torch.bfloat16)
        text[:, args.prompt_tokens:] = 0
        call = lambda: model(hidden_states=latents, timestep=torch.tensor([999]), encoder_hidden_states=text, return_dict=False)
        return call, f"bf16, {height}x{width}x{frames}, {args.prompt_tokens} prompt rows"
    from diffusers import AutoencoderKLWan

    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    model = AutoencoderKLWan.from_pretrained(f"{args.model}/vae", torch_dtype=dtype).eval()
    latents = torch.randn(1, model.config.z_dim, *grid, generator=generator).to(dtype)
    return lambda: model.decode(latents, return_dict=False), f"{args.dtype}, {height}x{width}x{frames}"


@torch.no_grad()
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["transformer", "vae", "text-encoder"])
    parser.add_argument("--model", required=True, help="a diffusers folder (text_encoder/ for text-encoder)")
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--frames", type=int, default=17)
    parser.add_argument("--dtype", choices=["f32", "bf16"], default="f32", help="the VAE's precision")
    parser.add_argument("--tokens", type=int, default=16, help="prompt tokens for text-encoder (1..512)")
    parser.add_argument("--prompt-tokens", type=int, default=PADDED_LENGTH,
                        help="transformer: random context rows, zero rows after them to 512 (1..512)")
    parser.add_argument("--real-tokens-only", action="store_true", help="text-encoder: run the prompt's tokens, no padding")
    parser.add_argument("--calls", type=int, default=2, help="calls in all; the first is the cold one")
    args = parser.parse_args()
    if not 1 <= args.prompt_tokens <= PADDED_LENGTH:
        parser.error(f"--prompt-tokens must be between 1 and {PADDED_LENGTH}, got {args.prompt_tokens}")
    if not 1 <= args.tokens <= PADDED_LENGTH:
        parser.error(f"--tokens must be between 1 and {PADDED_LENGTH}, got {args.tokens}")
    start = time.perf_counter()
    call, what = load(args)
    loaded = time.perf_counter()
    times = []
    for _ in range(max(1, args.calls)):
        before = time.perf_counter()
        call()
        times.append(time.perf_counter() - before)
    steady = statistics.median(times[1:]) if len(times) > 1 else times[0]
    print(f"peer {args.part} {what}: load {loaded - start:.1f} s, cold {times[0]:.2f} s, steady {steady:.2f} s, "
          f"calls {', '.join(f'{t:.2f}' for t in times)} s, peak RSS {peak_mib():.0f} MiB, threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
