"""Trains the bundled model's text encoder (a tiny UMT5) and transformer (a tiny WanTransformer3DModel)
together with flow matching, on VAE latents of world clips with freshly phrased captions each step.

    python tools/train/train_dit.py --vae runs/vae --tokenizer runs/tokenizer --out runs/dit --minutes 50

The VAE latents of the clips are computed once and cached in OUT/latents.pt, with the object's
coverage on the latent grid in OUT/masks.pt (for --object-weight); a cache copied from an earlier run
with fewer --clips is extended, not recomputed. --init continues from an earlier
run's ema.pt. Every --save-every minutes
(and at the end) the exponential moving averages of both networks are written to OUT/ema.pt, which
export.py turns into the model folder.
"""
import argparse, copy, json, math, os, time
import numpy as np
import torch
from diffusers import AutoencoderKLWan, WanTransformer3DModel
from tokenizers import Tokenizer
from transformers import UMT5Config, UMT5EncoderModel
import captions, configs, data


def latent_coverage(cover):
    """Object coverage uint8 [N, F, H, W] → [N, 1, latent frames, H/8, W/8] in [0, 1]: the largest
    coverage over the pixels (and, after the first, the 4 frames) each latent element stands for."""
    c = torch.from_numpy(cover).float()[:, None] / 255
    c = torch.nn.functional.max_pool3d(c, (1, 8, 8))
    first, rest = c[:, :, :1], c[:, :, 1:]
    rest = torch.nn.functional.max_pool3d(rest, (4, 1, 1))
    return torch.cat([first, rest], 2).half()


def encode_clips(vae, scenes, batch=2):
    """Posterior means [N, 16, 5, 32, 32] (bf16 autocast, stored fp16) and the object's coverage of
    the same grid [N, 1, 5, 32, 32]."""
    out, masks = [], []
    start = time.time()
    for i in range(0, len(scenes), batch):
        video, cover = data.render_pool(scenes[i:i + batch], log_every=0, with_masks=True)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            z = vae.encode(data.to_model(video)).latent_dist.mode()
        out.append(z.float().half())
        masks.append(latent_coverage(cover))
        if (i // batch) % 50 == 0:
            print(f"encoded {i + len(video)}/{len(scenes)} in {time.time() - start:.0f} s", flush=True)
    return torch.cat(out), torch.cat(masks)


def text_states(encoder, tokenizer, texts):
    """Prompt states as the Wan pipeline makes them: UMT5 over the real tokens, rows past each prompt
    zeroed, padded to 512 rows."""
    ids = [tokenizer.encode(t).ids[:configs.MAX_TEXT_TOKENS] for t in texts]
    length = max(len(i) for i in ids)
    tokens = torch.zeros(len(ids), length, dtype=torch.long)
    mask = torch.zeros(len(ids), length, dtype=torch.long)
    for row, i in enumerate(ids):
        tokens[row, :len(i)] = torch.tensor(i)
        mask[row, :len(i)] = 1
    states = encoder(input_ids=tokens, attention_mask=mask).last_hidden_state * mask[..., None]
    padded = states.new_zeros(len(ids), configs.MAX_TEXT_TOKENS, states.shape[-1])
    padded[:, :length] = states
    return padded


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vae", required=True)
    p.add_argument("--tokenizer", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--clips", type=int, default=1200)
    p.add_argument("--minutes", type=float, default=50)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=4e-4)
    p.add_argument("--ema", type=float, default=0.998)
    p.add_argument("--drop-text", type=float, default=0.1)
    p.add_argument("--save-every", type=float, default=10)
    p.add_argument("--seed", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--init", help="an earlier run's ema.pt to start both networks from")
    p.add_argument("--object-weight", type=float, default=0.0,
                   help="extra loss weight on latent elements the object covers")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)  # denormal activations otherwise slow CPU kernels many times over
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)

    cache, mask_cache = os.path.join(args.out, "latents.pt"), os.path.join(args.out, "masks.pt")
    scenes = data.scene_pool(args.clips, seed=200 + args.seed)
    latents = masks = None
    if os.path.exists(cache) and os.path.exists(mask_cache):
        latents, masks = torch.load(cache)[:len(scenes)], torch.load(mask_cache)[:len(scenes)]
    have = 0 if latents is None else len(latents)
    if have < len(scenes):  # pools are prefixes of each other: encode only the rest
        vae = AutoencoderKLWan.from_pretrained(args.vae).eval()
        more, more_masks = encode_clips(vae, scenes[have:])
        latents = torch.cat([latents, more]) if have else more
        masks = torch.cat([masks, more_masks]) if have else more_masks
        torch.save(latents, cache)
        torch.save(masks, mask_cache)
        del vae
    mean = latents.float().mean(dim=(0, 2, 3, 4))
    std = latents.float().std(dim=(0, 2, 3, 4))
    with open(os.path.join(args.out, "latent_stats.json"), "w") as f:
        json.dump(dict(latents_mean=mean.tolist(), latents_std=std.tolist()), f)
    shape = (1, -1, 1, 1, 1)
    latents = (latents.float() - mean.view(shape)) / std.view(shape)

    tokenizer = Tokenizer.from_file(os.path.join(args.tokenizer, "tokenizer.json"))
    encoder = UMT5EncoderModel(UMT5Config(vocab_size=tokenizer.get_vocab_size(), **configs.TEXT_ENCODER))
    dit = WanTransformer3DModel(**configs.TRANSFORMER)
    if args.init:
        start_from = torch.load(args.init)
        encoder.load_state_dict(start_from["text_encoder"])
        dit.load_state_dict(start_from["transformer"])
    params = list(encoder.parameters()) + list(dit.parameters())
    print(f"text encoder {sum(p.numel() for p in encoder.parameters()) / 1e6:.2f} M, "
          f"transformer {sum(p.numel() for p in dit.parameters()) / 1e6:.2f} M parameters", flush=True)
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.99), weight_decay=0.01)
    ema_encoder, ema_dit = copy.deepcopy(encoder).eval(), copy.deepcopy(dit).eval()
    ema_params = list(ema_encoder.parameters()) + list(ema_dit.parameters())

    def save():
        torch.save(dict(text_encoder=ema_encoder.state_dict(), transformer=ema_dit.state_dict(), step=step,
                        vocab_size=tokenizer.get_vocab_size()), os.path.join(args.out, "ema.pt"))
        with open(os.path.join(args.out, "log.json"), "w") as f:
            json.dump(dict(args=vars(args), log=log), f)

    budget, start, step, log, last_save, running = args.minutes * 60, time.time(), 0, [], time.time(), []
    while time.time() - start < budget:
        frac = (time.time() - start) / budget
        for g in opt.param_groups:  # warm-up, flat, then cosine down over the last 30 %
            decay = 1.0 if frac < 0.7 else 0.5 * (1 + math.cos(math.pi * (frac - 0.7) / 0.3))
            g["lr"] = args.lr * min(1.0, (step + 1) / 200) * (0.05 + 0.95 * decay)
        idx = rng.integers(len(scenes), size=args.batch)
        texts = ["" if rng.random() < args.drop_text else captions.caption(scenes[i], rng) for i in idx]
        pick = torch.from_numpy(idx)
        x0 = latents[pick]
        weight = 1 + args.object_weight * masks[pick].float()  # all ones without --object-weight
        weight = weight / weight.mean()
        noise = torch.randn_like(x0)
        u = torch.rand(args.batch)
        sigma = configs.FLOW_SHIFT * u / (1 + (configs.FLOW_SHIFT - 1) * u)
        s = sigma.view(-1, 1, 1, 1, 1)
        xt = (1 - s) * x0 + s * noise
        with torch.autocast("cpu", dtype=torch.bfloat16):
            context = text_states(encoder, tokenizer, texts)
            pred = dit(xt, sigma * 1000, context, return_dict=False)[0]
        loss = ((pred.float() - (noise - x0)).pow(2) * weight).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        decay = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for e, q in zip(ema_params, params):
                e.lerp_(q, 1 - decay)
        running.append(loss.item())
        if step % 25 == 0:
            log.append(dict(step=step, seconds=round(time.time() - start, 1), loss=float(np.mean(running)),
                            lr=opt.param_groups[0]["lr"]))
            running = []
            print(json.dumps(log[-1]), flush=True)
        if time.time() - last_save > args.save_every * 60:
            save()
            last_save = time.time()
    save()
    print("done", step, "steps", flush=True)


if __name__ == "__main__":
    main()
