"""Trains the bundled model's VAE (diffusers' AutoencoderKLWan at a tiny width) on random crops of world
clips: 5 frames (one latent frame for the first, one for the next four) of 64x64 pixels, which the
fully convolutional, causal network then applies to whole 256x256 clips.

    python tools/train/train_vae.py --out runs/vae --minutes 12 --threads 1 --clamped-decode
    python tools/train/train_vae.py --out runs/vae2 --init runs/vae --minutes 13 --frames 9 --crop 80 --object-crops 0.5 --seed 3 --threads 1 --clamped-decode
    python tools/train/train_vae.py --out runs/vae3 --init runs/vae2 --minutes 8 --clips 300 --frames 9 --crop 64 --object-crops 0.5 --object-weight 4 --seed 4

--freeze-encoder --first-frame-weight W fine-tunes the decoder side alone with each crop's first frame
weighted W times: the first frame goes through the causal VAE alone (the "image" latent, the decoder's
first chunk with no temporal context), gets 1/frames of a uniform loss, and came out of stages 1-4 with a
colour cast (the frame-0 flash). The encoder, and so the latent space the transformer learned, stay as
they are (models/zoetrope-tiny/README.md has the two runs that made the bundled decoder, vae5 and vae6):

    python tools/train/train_vae.py --out runs/vae5 --init models/zoetrope-tiny/vae --freeze-encoder --first-frame-weight 6 --lr 3e-4 --minutes 22 --clips 200 --batch 8 --frames 9 --crop 48 --object-crops 0.5 --object-weight 4 --seed 6 --threads 2
"""
import argparse, json, math, time
import numpy as np
import torch
from diffusers import AutoencoderKLWan
import configs, data, world


def decode_unclamped(model, z):
    """AutoencoderKLWan's decode without its final clamp to [-1, 1], which passes no gradient to pixels
    beyond it: white and saturated colours then stay wrong for good."""
    model.clear_cache()
    x = model.post_quant_conv(z)
    frames = []
    for i in range(z.shape[2]):
        model._conv_idx = [0]
        frames.append(model.decoder(x[:, :, i:i + 1], feat_cache=model._feat_map, feat_idx=model._conv_idx,
                                    first_chunk=i == 0))
    model.clear_cache()
    return torch.cat(frames, 2)


def object_on_screen(scene, t):
    """The object's centre in screen coordinates [0, 1]² at time t."""
    cx, cy, z = world.camera_at(scene, t)
    ox, oy, _, _ = world.object_at(scene, t)
    return (ox - cx) * z + 0.5, (oy - cy) * z + 0.5


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--minutes", type=float, default=12)
    p.add_argument("--clips", type=int, default=500)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--crop", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--kl", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--init", help="continue from this saved VAE folder")
    p.add_argument("--frames", type=int, default=5, help="frames per crop, 4k+1 (more chunks of the causal cache)")
    p.add_argument("--object-crops", type=float, default=0.0, help="share of crops centred on the object")
    p.add_argument("--object-weight", type=float, default=0.0, help="extra loss weight on the object's pixels")
    p.add_argument("--clamped-decode", action="store_true",
                   help="train through diffusers' clamped decode (how stages 1 and 2 of the bundled VAE ran)")
    p.add_argument("--freeze-encoder", action="store_true",
                   help="train only post_quant_conv and the decoder: the latents (and a transformer trained on them) stay valid")
    p.add_argument("--first-frame-weight", type=float, default=1.0,
                   help="loss weight of each crop's first frame (the causal VAE's image-type first chunk)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)  # denormal activations otherwise slow CPU kernels many times over
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    scenes = data.scene_pool(args.clips, seed=100 + args.seed)
    clips, masks = data.render_pool(scenes, with_masks=True)
    model = AutoencoderKLWan.from_pretrained(args.init) if args.init else AutoencoderKLWan(**configs.VAE)
    if args.freeze_encoder:
        model.encoder.requires_grad_(False)
        model.quant_conv.requires_grad_(False)
    opt = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=args.lr, weight_decay=0.0)
    budget, start, step, log = args.minutes * 60, time.time(), 0, []
    while time.time() - start < budget:
        frac = (time.time() - start) / budget
        for g in opt.param_groups:  # warm-up, then cosine to a tenth
            g["lr"] = args.lr * min(1.0, (step + 1) / 100) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        idx = rng.integers(len(clips), size=args.batch)
        t0 = rng.integers(0, configs.FRAMES - args.frames + 1, size=args.batch)
        ys = rng.integers(0, configs.HEIGHT - args.crop + 1, size=args.batch)
        xs = rng.integers(0, configs.WIDTH - args.crop + 1, size=args.batch)
        for k in range(args.batch):  # half the crops around the object, which is small but matters most
            if rng.random() < args.object_crops:
                cx, cy = object_on_screen(scenes[idx[k]], t0[k] / (configs.FRAMES - 1))
                ys[k] = np.clip(int(cy * configs.HEIGHT) - args.crop // 2, 0, configs.HEIGHT - args.crop)
                xs[k] = np.clip(int(cx * configs.WIDTH) - args.crop // 2, 0, configs.WIDTH - args.crop)
        windows = list(zip(idx, t0, ys, xs))
        batch = np.stack([clips[i, t:t + args.frames, y:y + args.crop, x:x + args.crop] for i, t, y, x in windows])
        cover = np.stack([masks[i, t:t + args.frames, y:y + args.crop, x:x + args.crop] for i, t, y, x in windows])
        x = data.to_model(batch)
        weight = 1 + args.object_weight * torch.from_numpy(cover).float()[:, None] / 255  # [B, 1, F, h, w]
        weight[:, :, 0] *= args.first_frame_weight
        weight = weight / weight.mean()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            with torch.set_grad_enabled(not args.freeze_encoder):
                posterior = model.encode(x).latent_dist
            z = posterior.sample()
            rec = model.decode(z).sample if args.clamped_decode else decode_unclamped(model, z)
        rec = rec.float()
        l1 = ((rec - x).abs() * weight).mean()
        mse = ((rec - x).pow(2) * weight).mean()
        kl = posterior.kl().mean() / z[0].numel()
        loss = l1 + mse + args.kl * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 20 == 0 or step <= 3:
            psnr = 10 * math.log10(4.0 / max((rec - x).pow(2).mean().item(), 1e-10))
            log.append(dict(step=step, seconds=round(time.time() - start, 1), l1=l1.item(), mse=mse.item(), kl=kl.item(), psnr=psnr))
            print(json.dumps(log[-1]), flush=True)
    model.save_pretrained(args.out)
    with open(f"{args.out}/log.json", "w") as f:
        json.dump(dict(args=vars(args), log=log), f)


if __name__ == "__main__":
    main()
