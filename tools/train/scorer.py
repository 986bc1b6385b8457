"""Scores a video's prompt adherence from its pixels alone: time of day, object colour, motion, zoom.

`score(frames)` takes uint8 frames [F, H, W, 3] (F >= 5, H, W >= 64) of a world.py-style scene and
returns {"time", "colour", "motion", "zoom"}. Everything works on a coarse copy (at most 17 evenly
spaced frames, area-averaged to 64x64), so blur, noise and soft colours from a generator matter little.

Method:
1. Zoom. A brute-force search (coordinate descent at 32x32) for the scale about the centre and
   small shift that map the first frame onto the last with the least truncated-L1 colour error,
   over pixels the object does not cover (those far from their row's median colour are left out,
   so the object's own growth is not read as zoom). |log scale| > 0.2 gives "in" or "out" (the
   world zooms by 1.6: log 0.47), else "none". Frames in between get the scale and shift spread
   geometrically over the clip, as the world's camera moves.
2. Object. A pixel is salient by the smaller of its distances to (a) its row's median colour in
   that frame (the background is mostly horizontal bands) and (b) the per-pixel median of the frames
   warped into its view by the camera of step 1 (this removes clouds, road lines and other static
   texture). The object is the connected component in (x, y, time), on the dilated mask, of salient
   pixels with the largest total saliency. If that is tiny next to what (a) alone finds, the object
   does not move and (a) alone is used, so its colour is still read.
3. Colour. Each object pixel is explained as a blend of its background and a candidate colour
   (palette colour, its darker rim or washed-out shade, or a neutral part such as a wheel); the best
   candidate gets a vote weighted by its blend fraction. Most votes wins; white votes count less,
   as sails, stripes, highlights, clouds and snow are white too.
4. Motion. A line fitted to the object's per-frame centroids: the larger axis and its sign.
5. Time. The median colour of the top rows of the least zoomed frame (the top of the sky), nearest
   of four centroids (or their washed-out shades).
Colour or motion is "none" when no object (or no travel) is found; those never count as right.
"""
import numpy as np

# world.py's times of day and object palette (check_scorer.py checks they still agree).
TIMES = ["morning", "noon", "sunset", "night"]
COLOURS = {
    "red": (225, 35, 35), "orange": (250, 140, 10), "yellow": (250, 225, 30), "green": (30, 200, 60),
    "blue": (35, 75, 235), "purple": (150, 50, 210), "pink": (250, 110, 190), "white": (250, 250, 250),
}
# Median RGB of the top 5 of 64 rows at zoom 1, averaged over 400 training-split renders per time of
# day (world.sample_scene(rng, "train", cameras=["still"]), first frame), see check_scorer.py --centroids.
SKY_CENTROIDS = {"morning": (158, 179, 205), "noon": (65, 137, 230), "sunset": (128, 66, 98), "night": (9, 14, 42)}
# Secondary part colours that are no evidence of the object's colour (wheels, trunks, strings).
NEUTRAL = [(25, 25, 25), (110, 70, 35), (60, 60, 60)]
RIM = 0.55  # objects have a darker rim: their colour times this
# Generated colours tend to be washed out, so palette colours and sky centroids are also offered
# pulled this far towards their grey level (luma), which keeps their hue.
SOFT = 0.35
# White is also the colour of secondary parts (sails, stripes, highlights) and of clouds, snow and road
# lines that leak into the mask, so its votes count less (white objects still win by over 3 to 1).
WHITE_WEIGHT = 0.4
N = 64  # working resolution
MAX_FRAMES = 17
ZOOM_THRESHOLD = 0.2  # |log scale| over the clip


def soften(colours, amount=SOFT):
    """[K, 3] colours moved `amount` of the way towards their own luma grey."""
    colours = np.asarray(colours, np.float32)
    luma = colours @ np.array([0.299, 0.587, 0.114], np.float32)
    return colours + amount * (luma[:, None] - colours)


def downsample(frames, n=N, max_frames=MAX_FRAMES):
    """Float [F', n, n, 3]: evenly chosen frames, each area-averaged to n x n."""
    frames = np.asarray(frames)
    idx = np.unique(np.round(np.linspace(0, len(frames) - 1, min(len(frames), max_frames))).astype(int))
    video = frames[idx].astype(np.float32)
    for axis in (1, 2):
        size = video.shape[axis]
        starts = (np.arange(n) * size) // n
        counts = np.diff(np.append(starts, size))
        video = np.add.reduceat(video, starts, axis=axis)
        video /= counts.reshape([-1 if a == axis else 1 for a in range(4)])
    return video


def warp(img, scale, shift):
    """img (H, W, C) resampled so that output pixel p shows img at centre + scale (p - centre) + shift.

    Bilinear; returns (out, valid) where valid marks samples inside the image."""
    h, w = img.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    y = h / 2 + scale * (ys + 0.5 - h / 2) + shift[0] - 0.5
    x = w / 2 + scale * (xs + 0.5 - w / 2) + shift[1] - 0.5
    valid = (y >= -0.5) & (y <= h - 0.5) & (x >= -0.5) & (x <= w - 0.5)
    y, x = np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)
    y0, x0 = np.minimum(y.astype(int), h - 2), np.minimum(x.astype(int), w - 2)
    fy, fx = (y - y0)[..., None], (x - x0)[..., None]
    top = img[y0, x0] * (1 - fx) + img[y0, x0 + 1] * fx
    bottom = img[y0 + 1, x0] * (1 - fx) + img[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy, valid


def row_residual(video):
    """[F, n, n]: largest channel difference to the row's median colour."""
    return np.abs(video - np.median(video, axis=2, keepdims=True)).max(axis=-1)


def estimate_zoom(video, busy):
    """(log scale, shift) mapping the first frame onto the last; busy [F, n, n] marks object pixels.

    Coordinate descent at 32x32: scale with no shift, the shift at that scale, the scale again."""
    small = downsample(video[[0, -1]], 32, 2)
    keep = downsample(np.repeat((busy[[0, -1]] < 0.5)[..., None], 3, -1).astype(np.float32), 32, 2)[..., :1]
    a, b = np.concatenate([small[0], keep[0]], -1), np.concatenate([small[1], keep[1]], -1)
    scales = sorted(np.linspace(-0.7, 0.7, 29), key=abs)  # ties (a blank video) go to no zoom
    shifts = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)]
    log_s = min(scales, key=lambda ls: pair_error(a, b, ls, (0, 0)))
    shift = min(shifts, key=lambda t: pair_error(a, b, log_s, t))
    log_s = min(scales, key=lambda ls: pair_error(a, b, ls, shift))
    return float(log_s), (shift[0] * video.shape[1] / 32, shift[1] * video.shape[2] / 32)  # in video pixels


def pair_error(a, b, log_s, shift):
    """Symmetric truncated-L1 error of mapping a onto b (last channel of each: a 0/1 keep weight)."""
    total, weight = 0.0, 0.0
    s, t = np.exp(log_s), np.array(shift, np.float32)
    for src, dst, scale, move in ((b, a, s, t), (a, b, 1 / s, -t / s)):  # the map and its inverse
        warped, valid = warp(src, scale, move)
        w = valid * warped[..., -1] * dst[..., -1]
        diff = np.minimum(np.abs(warped[..., :3] - dst[..., :3]).max(-1), 60.0)
        total, weight = total + (w * diff).sum(), weight + w.sum()
    return total / max(weight, 1.0)


def aligned_background(video, log_s, shift, step=2):
    """[F, n, n, 3]: per frame, the median over every `step`-th frame warped into its view by the
    camera model (samples falling outside a frame are left out)."""
    f = len(video)
    rates = np.arange(f) / max(1, f - 1)
    sources = range(0, f, step)
    stack = np.empty((f, len(sources)) + video.shape[1:], np.float32)
    for i in range(f):
        for k, j in enumerate(sources):
            d = rates[j] - rates[i]
            warped, valid = warp(video[j], np.exp(log_s * d), np.array(shift, np.float32) * d)
            stack[i, k] = np.where(valid[..., None], warped, np.nan)
    stack.sort(axis=1)  # NaNs last
    count = np.maximum((~np.isnan(stack)).sum(axis=1, keepdims=True), 1)
    lo = np.take_along_axis(stack, (count - 1) // 2, axis=1)
    hi = np.take_along_axis(stack, count // 2, axis=1)
    return np.nan_to_num((lo[:, 0] + hi[:, 0]) / 2)


def components_3d(mask):
    """Labels [F, n, n] of the 6-connected components of a boolean mask (-1 off it), by propagation."""
    big = np.iinfo(np.int32).max
    labels = np.where(mask, np.arange(mask.size, dtype=np.int32).reshape(mask.shape), big)
    while True:
        p = np.pad(labels, 1, constant_values=big)
        inner = (slice(1, -1),) * 3
        neighbours = [p[inner]]
        for axis in range(3):
            for part in (slice(None, -2), slice(2, None)):  # the previous and the next along axis
                neighbours.append(p[inner[:axis] + (part,) + inner[axis + 1:]])
        m = np.where(mask, np.minimum.reduce(neighbours), big)
        if np.array_equal(m, labels):
            return np.where(mask, labels, -1)
        labels = m


def dilate(mask):
    """3x3 spatial dilation of a boolean [F, n, n] mask."""
    p = np.pad(mask, ((0, 0), (1, 1), (1, 1)))
    n0, n1 = mask.shape[1:]
    return np.logical_or.reduce([p[:, dy:dy + n0, dx:dx + n1] for dy in range(3) for dx in range(3)])


def largest_component(sal):
    """sal where it is above threshold and in the component of largest total saliency, else 0.

    Components are found on the dilated mask, so parts split by a faint seam (a boat's hull and
    sail) stay one object."""
    mask = sal > max(25.0, 0.3 * np.percentile(sal, 99.5))
    if not mask.any():
        return np.zeros_like(sal)
    labels = components_3d(dilate(mask))
    ids, inv = np.unique(labels[mask], return_inverse=True)
    best = ids[np.argmax(np.bincount(inv, weights=sal[mask]))]
    return np.where(mask & (labels == best), sal, 0.0)


def object_mask(video, log_s, shift):
    """([F, n, n] saliency of the object, 0 off it; [F, n, n, 3] the background it is seen against).

    An object that does not move vanishes into the temporal background; then (its component weighs
    under a tenth of the row-residual one) the row residual alone finds it, against the row median."""
    bg = aligned_background(video, log_s, shift)
    row = row_residual(video)
    sal = largest_component(np.minimum(np.abs(video - bg).max(-1), row))
    fallback = largest_component(row)
    if sal.sum() < 0.1 * fallback.sum():
        return fallback, np.broadcast_to(np.median(video, axis=2, keepdims=True), video.shape)
    return sal, bg


def colour_votes(video, sal, bg):
    """{colour: votes} from the object's pixels (saliency sal > 0) seen against background bg.

    Each pixel p is explained as a blend p = a c + (1 - a) b of its background b and a candidate
    colour c (a palette colour, its dark rim shade, its washed-out shade, or a neutral part colour),
    a in [0, 1] fitted by least squares; the best-fitting candidate gets a vote of weight a, so
    blended edges count little. White votes are scaled by WHITE_WEIGHT."""
    names = list(COLOURS)
    base = np.array([COLOURS[c] for c in names], np.float32)
    shades = [base, RIM * base, soften(base)]
    candidates = np.concatenate(shades + [np.array(NEUTRAL, np.float32)])
    on = sal > 0
    p, b = video[on][:, None], bg[on][:, None]  # [P, 1, 3]
    direction = candidates[None] - b  # [P, K, 3]
    a = np.clip(((p - b) * direction).sum(-1) / np.maximum((direction ** 2).sum(-1), 1.0), 0, 1)
    misfit = ((p - b - a[..., None] * direction) ** 2).sum(-1)
    best = misfit.argmin(1)
    votes = np.bincount(best, weights=a[np.arange(len(best)), best], minlength=len(candidates))
    votes = votes[: len(shades) * len(names)].reshape(len(shades), len(names)).sum(0)
    votes[names.index("white")] *= WHITE_WEIGHT
    return dict(zip(names, votes.tolist()))


def classify_colour(video, sal, bg):
    """The colour with the most votes, or "none" without an object."""
    if not (sal > 0).any():
        return "none"
    votes = colour_votes(video, sal, bg)
    return max(votes, key=votes.get)


def classify_motion(sal, min_travel=0.1):
    """Direction of the least-squares line through the object's per-frame centroids, or "none" when
    it travels less than `min_travel` of the frame (the world's motions travel over 0.4)."""
    f, n = sal.shape[:2]
    ys, xs = np.mgrid[0:n, 0:n].astype(np.float32) / n
    mass = sal.sum(axis=(1, 2))
    seen = mass > 0
    if seen.sum() < 2:
        return "none"
    ts = np.arange(f)[seen] / max(1, f - 1)
    cx = (sal * xs).sum(axis=(1, 2))[seen] / mass[seen]
    cy = (sal * ys).sum(axis=(1, 2))[seen] / mass[seen]
    vx, vy = np.polyfit(ts, cx, 1)[0], np.polyfit(ts, cy, 1)[0]
    if max(abs(vx), abs(vy)) < min_travel:
        return "none"
    if abs(vx) >= abs(vy):
        return "right" if vx > 0 else "left"
    return "down" if vy > 0 else "up"


def sky_colour(frame):
    """Median colour of the top 5/64 of a frame's rows (the top of the sky)."""
    return np.median(frame[: max(2, len(frame) * 5 // 64)].reshape(-1, 3), axis=0)


def classify_time(video, log_s):
    """Nearest centroid (or washed-out centroid) to the sky colour of the least zoomed frame."""
    top = sky_colour(video[0] if log_s >= 0 else video[-1])
    centroids = np.array([SKY_CENTROIDS[t] for t in TIMES], np.float32)
    distances = np.linalg.norm(np.concatenate([centroids, soften(centroids)]) - top, axis=1)
    return TIMES[int(np.argmin(distances)) % len(TIMES)]


def score(frames):
    """{"time", "colour", "motion", "zoom"} predicted from uint8 frames [F, H, W, 3]."""
    video = downsample(frames)
    log_s, shift = estimate_zoom(video, row_residual(video) > 40)
    sal, bg = object_mask(video, log_s, shift)
    zoom = "in" if log_s > ZOOM_THRESHOLD else "out" if log_s < -ZOOM_THRESHOLD else "none"
    return {"time": classify_time(video, log_s), "colour": classify_colour(video, sal, bg),
            "motion": classify_motion(sal), "zoom": zoom}
