"""Draws the training curves of the VAE runs and the transformer run into one picture.

    python tools/train/plot_curves.py --vae runs/vae/log.json runs/vae2/log.json --dit runs/dit/log.json --out models/zoetrope-tiny/training-curves.png
"""
import argparse, json
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vae", nargs="+", required=True)
    p.add_argument("--dit", required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=100)
    offset = 0
    for i, path in enumerate(args.vae):
        log = json.load(open(path))["log"]
        a.plot([offset + r["step"] for r in log], [r["psnr"] for r in log], label=f"VAE stage {i + 1}", lw=1)
        offset += log[-1]["step"] if log else 0
    a.set_xlabel("step (batch 8)")
    a.set_ylabel("reconstruction PSNR of crops (dB)")
    a.set_title("VAE")
    a.legend()
    log = json.load(open(args.dit))["log"]
    b.plot([r["step"] for r in log], [r["loss"] for r in log], lw=1, color="C2")
    b.set_xlabel("step (batch 16)")
    b.set_ylabel("flow-matching loss (mean of 25 steps)")
    b.set_title("text encoder + transformer")
    fig.tight_layout()
    fig.savefig(args.out)


if __name__ == "__main__":
    main()
