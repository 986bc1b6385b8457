#!/usr/bin/env python3
"""The PyTorch peer for scripts/bench-generate.sh: diffusers' WanPipeline generating one clip with the
bundled model on the CPU, cold start included (Python imports, loading, prompt encoding, denoising,
decoding), at the defaults of models/zoetrope-tiny/zoetrope.json, in the reference precision
(transformer and text encoder in bf16, VAE in fp32).

    /work/venv-tools/bin/python tools/bench/torch_bundled_generate.py "a red ball moving left over the sea at night"

The prompt states are made by train_dit.text_states (the tokenizers library and the UMT5 encoder, as
the pipeline does them; transformers 5's T5Tokenizer would drop the tokenizer.json's lowercasing) and
handed to the pipeline as prompt_embeds. Prints one JSON line.
"""
import time

start = time.perf_counter()
import argparse, json, os, sys
import torch
from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanPipeline, WanTransformer3DModel
from tokenizers import Tokenizer
from transformers import UMT5EncoderModel

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../train"))
from train_dit import text_states  # noqa: E402  the Wan pipeline's prompt states, as training built them


@torch.no_grad()
def main():
    p = argparse.ArgumentParser()
    p.add_argument("prompt")
    p.add_argument("--model", default=os.path.join(os.path.dirname(__file__), "../../models/zoetrope-tiny"))
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    with open(os.path.join(args.model, "zoetrope.json")) as f:
        d = json.load(f)
    tokenizer = Tokenizer.from_file(os.path.join(args.model, "tokenizer/tokenizer.json"))
    encoder = UMT5EncoderModel.from_pretrained(os.path.join(args.model, "text_encoder"), torch_dtype=torch.bfloat16)
    pipe = WanPipeline(tokenizer=None, text_encoder=None,
                       transformer=WanTransformer3DModel.from_pretrained(os.path.join(args.model, "transformer"), torch_dtype=torch.bfloat16),
                       vae=AutoencoderKLWan.from_pretrained(os.path.join(args.model, "vae"), torch_dtype=torch.float32),
                       scheduler=UniPCMultistepScheduler.from_pretrained(os.path.join(args.model, "scheduler")))
    loaded = time.perf_counter()
    video = pipe(prompt_embeds=text_states(encoder, tokenizer, [args.prompt]),
                 negative_prompt_embeds=text_states(encoder, tokenizer, [d["negative_prompt"]]),
                 height=d["height"], width=d["width"], num_frames=d["frames"], num_inference_steps=d["steps"],
                 guidance_scale=d["guidance"], generator=torch.Generator().manual_seed(args.seed), output_type="np").frames
    done = time.perf_counter()
    print(json.dumps(dict(peer="diffusers", torch=torch.__version__, threads=torch.get_num_threads(),
                          frames=int(video.shape[1]), seconds_total=round(done - start, 2),
                          seconds_after_load=round(done - loaded, 2))))


if __name__ == "__main__":
    main()
