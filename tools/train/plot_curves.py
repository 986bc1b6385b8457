"""Draws the training curves of the VAE stages and the transformer stages into one picture; each stage
continues the step count of the one before.

    python tools/train/plot_curves.py --vae runs/vae/log.json runs/vae2/log.json --dit runs/dit/log.json --out models/zoetrope-tiny/training-curves.png
"""
import argparse, json
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vae", nargs="+", required=True)
    p.add_argument("--dit", nargs="+", required=True)
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
    offset = 0
    for i, path in enumerate(args.dit):
        run = json.load(open(path))
        log = run["log"]
        weighted = run["args"].get("object_weight") or 0
        note = f", object x{1 + weighted:g}" if weighted else ""
        b.plot([offset + r["step"] for r in log], [r["loss"] for r in log], lw=1, color=f"C{i + 2}",
               label=f"stage {i + 1} (batch {run['args']['batch']}{note})")
        offset += log[-1]["step"] if log else 0
    b.set_xlabel("step")
    b.set_ylabel("flow-matching loss (mean of 25 steps)")
    b.set_title("text encoder + transformer")
    b.legend()
    fig.tight_layout()
    fig.savefig(args.out)


if __name__ == "__main__":
    main()
