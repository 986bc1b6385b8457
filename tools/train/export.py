"""Writes the trained parts as a diffusers Wan model folder (model_index.json, transformer/, vae/,
text_encoder/, tokenizer/, scheduler/), every weight file at most 15 MB, plus zoetrope.json, the
generation defaults the Zoetrope CLI reads from a model folder.

    python tools/train/export.py --vae runs/vae --tokenizer runs/tokenizer --dit runs/dit --out models/zoetrope-tiny
"""
import argparse, json, os, shutil
import torch
from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanTransformer3DModel
from transformers import UMT5Config, UMT5EncoderModel
import configs

SHARD = "15MB"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vae", required=True)
    p.add_argument("--tokenizer", required=True)
    p.add_argument("--dit", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--guidance", type=float, default=5.0)
    args = p.parse_args()
    if os.path.exists(args.out):
        for part in ["transformer", "vae", "text_encoder", "tokenizer", "scheduler"]:
            shutil.rmtree(os.path.join(args.out, part), ignore_errors=True)
    os.makedirs(args.out, exist_ok=True)

    with open(os.path.join(args.dit, "latent_stats.json")) as f:
        stats = json.load(f)
    vae = AutoencoderKLWan.from_pretrained(args.vae)
    vae.register_to_config(latents_mean=[round(v, 5) for v in stats["latents_mean"]],
                           latents_std=[round(v, 5) for v in stats["latents_std"]])
    vae.save_pretrained(os.path.join(args.out, "vae"), max_shard_size=SHARD)

    ema = torch.load(os.path.join(args.dit, "ema.pt"))
    encoder = UMT5EncoderModel(UMT5Config(vocab_size=ema["vocab_size"], **configs.TEXT_ENCODER))
    encoder.load_state_dict(ema["text_encoder"])
    encoder.save_pretrained(os.path.join(args.out, "text_encoder"), max_shard_size=SHARD)
    dit = WanTransformer3DModel(**configs.TRANSFORMER)
    dit.load_state_dict(ema["transformer"])
    dit.save_pretrained(os.path.join(args.out, "transformer"), max_shard_size=SHARD)

    os.makedirs(os.path.join(args.out, "tokenizer"), exist_ok=True)
    for name in ["tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(os.path.join(args.tokenizer, name), os.path.join(args.out, "tokenizer", name))
    UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, num_train_timesteps=1000,
                            flow_shift=configs.FLOW_SHIFT).save_pretrained(os.path.join(args.out, "scheduler"))
    index = {"_class_name": "WanPipeline", "_diffusers_version": "0.42.1", "boundary_ratio": None, "expand_timesteps": False,
             "scheduler": ["diffusers", "UniPCMultistepScheduler"], "text_encoder": ["transformers", "UMT5EncoderModel"],
             "tokenizer": ["transformers", "T5Tokenizer"], "transformer": ["diffusers", "WanTransformer3DModel"],
             "transformer_2": [None, None], "vae": ["diffusers", "AutoencoderKLWan"]}
    with open(os.path.join(args.out, "model_index.json"), "w") as f:
        json.dump(index, f, indent=2)
    defaults = {"width": configs.WIDTH, "height": configs.HEIGHT, "frames": configs.FRAMES, "fps": configs.FPS,
                "steps": args.steps, "guidance": args.guidance, "negative_prompt": ""}
    with open(os.path.join(args.out, "zoetrope.json"), "w") as f:
        json.dump(defaults, f, indent=2)
    print("trained for", ema["step"], "steps; wrote", args.out)


if __name__ == "__main__":
    main()
