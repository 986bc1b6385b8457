"""The procedural video world the bundled model learns from.

A scene is a background (sky over some ground) at a time of day, one coloured object that moves,
and a camera that stays, pans or zooms. `render(scene)` draws it analytically (signed distances with
one-pixel soft edges, so any resolution looks the same); `sample_scene(rng, split)` draws a scene
from the training or the held-out split, which differ in their (object, colour) pairs: the held-out
pairs never occur in training, though each object and each colour does.

Coordinates: the world is the unit square seen at zoom 1 with x to the right and y down; the camera
looks at (cx, cy) with zoom z, so screen point (u, v) in [0, 1]² shows world point
(cx + (u - 0.5)/z, cy + (v - 0.5)/z). Time t runs from 0 (first frame) to 1 (last frame).
"""
from dataclasses import dataclass, asdict
import numpy as np

BACKGROUNDS = ["grass", "sea", "lake", "road", "snow", "desert"]
TIMES = ["morning", "noon", "sunset", "night"]
OBJECTS = ["ball", "cube", "star", "car", "boat", "bird", "fish", "tree", "house", "balloon", "sun", "moon"]
COLOURS = {
    "red": (225, 35, 35), "orange": (250, 140, 10), "yellow": (250, 225, 30), "green": (30, 200, 60),
    "blue": (35, 75, 235), "purple": (150, 50, 210), "pink": (250, 110, 190), "white": (250, 250, 250),
}
COLOUR_NAMES = list(COLOURS)
MOTIONS = ["left", "right", "up", "down", "bouncing", "spinning", "growing", "shrinking"]
CAMERAS = ["still", "pan left", "pan right", "zoom in", "zoom out"]
SIZES = ["small", "medium", "large"]

# Sky colour at the top and at the horizon, and how the ground is lit, for each time of day.
SKY = {
    "morning": ((125, 170, 215), (250, 205, 175)),
    "noon": ((35, 115, 225), (150, 200, 245)),
    "sunset": ((85, 45, 115), (250, 125, 45)),
    "night": ((4, 8, 30), (22, 32, 75)),
}
LIGHT = {"morning": (0.95, 0.9, 0.85), "noon": (1.0, 1.0, 1.0), "sunset": (0.75, 0.55, 0.45), "night": (0.25, 0.28, 0.4)}
GROUND = {  # base colour and texture colour
    "grass": ((70, 125, 45), (50, 100, 35)),
    "sea": ((30, 90, 130), (70, 140, 170)),
    "lake": ((60, 120, 140), (90, 150, 165)),
    "road": ((95, 95, 100), (230, 230, 225)),
    "snow": ((215, 222, 232), (185, 196, 215)),
    "desert": ((205, 170, 110), (180, 145, 90)),
}


def held_out_pairs():
    """The (object, colour) pairs of the held-out split: two colours per object, 24 of the 96."""
    pairs = set()
    for i, obj in enumerate(OBJECTS):
        pairs.add((obj, COLOUR_NAMES[(3 * i) % 8]))
        pairs.add((obj, COLOUR_NAMES[(3 * i + 5) % 8]))
    return pairs


HELD_OUT = held_out_pairs()


@dataclass
class Scene:
    background: str
    time: str
    object: str
    colour: str
    motion: str
    camera: str
    size: str
    horizon: float  # world y of the horizon
    start: float  # where the motion starts along its axis (a jitter)
    offset: float  # the other coordinate
    phase: float  # texture phase, so backgrounds differ

    def to_dict(self):
        return asdict(self)


def sample_scene(rng, split="train", motions=MOTIONS, cameras=CAMERAS):
    """A random scene of `split` ("train" or "heldout")."""
    while True:
        obj = OBJECTS[rng.integers(len(OBJECTS))]
        colour = COLOUR_NAMES[rng.integers(len(COLOUR_NAMES))]
        if ((obj, colour) in HELD_OUT) == (split == "heldout"):
            break
    return Scene(
        background=BACKGROUNDS[rng.integers(len(BACKGROUNDS))], time=TIMES[rng.integers(len(TIMES))],
        object=obj, colour=colour, motion=motions[rng.integers(len(motions))],
        camera=cameras[rng.integers(len(cameras))], size=SIZES[rng.integers(len(SIZES))],
        horizon=float(rng.uniform(0.42, 0.55)), start=float(rng.uniform(-0.04, 0.04)),
        offset=float(rng.uniform(-0.08, 0.08)), phase=float(rng.uniform(0, 2 * np.pi)))


def camera_at(scene, t):
    """(cx, cy, zoom) at time t."""
    cx, cy, z = 0.5, 0.5, 1.0
    if scene.camera == "pan left":
        cx = 0.6 - 0.2 * t
    elif scene.camera == "pan right":
        cx = 0.4 + 0.2 * t
    elif scene.camera == "zoom in":
        z = 1.6 ** t
    elif scene.camera == "zoom out":
        z = 1.6 ** (1 - t)
    return cx, cy, z


def object_at(scene, t):
    """(x, y, scale, angle) of the object in world coordinates at time t."""
    base = {"small": 0.8, "medium": 1.0, "large": 1.2}[scene.size]
    x, y, s, a = 0.5 + scene.offset, 0.5 + scene.offset * 0.5, base, 0.0
    travel = 0.45
    if scene.motion == "left":
        x = 0.5 + scene.start + travel * (0.5 - t)
    elif scene.motion == "right":
        x = 0.5 + scene.start + travel * (t - 0.5)
    elif scene.motion == "up":
        y = 0.5 + scene.start + travel * (0.5 - t)
    elif scene.motion == "down":
        y = 0.5 + scene.start + travel * (t - 0.5)
    elif scene.motion == "bouncing":
        y = 0.68 - 0.36 * abs(np.sin(np.pi * 2 * t))
    elif scene.motion == "spinning":
        a = 2 * np.pi * t
    elif scene.motion == "growing":
        s = base * 0.55 * (2.0 ** (1.6 * t))
    elif scene.motion == "shrinking":
        s = base * 0.55 * (2.0 ** (1.6 * (1 - t)))
    return x, y, s, a


def _mix(a, b, w):
    return a + (b - a) * w[..., None]


def _background(scene, x, y):
    """RGB float [H, W, 3] of the background at world points (x, y)."""
    top, horizon = (np.array(c, np.float32) for c in SKY[scene.time])
    sky_w = np.clip((y - (scene.horizon - 0.6)) / 0.6, 0, 1)
    sky = _mix(top, horizon, sky_w)
    p = scene.phase
    if scene.time == "night":  # stars
        sx, sy = np.floor(x * 40), np.floor(y * 40)
        h = np.sin(sx * 12.9898 + sy * 78.233 + p) * 43758.5453
        star = ((h - np.floor(h)) > 0.985) & (np.hypot(x * 40 - sx - 0.5, y * 40 - sy - 0.5) < 0.3)
        sky = np.where(star[..., None], np.float32(200), sky)
    else:  # clouds: soft bands of bumps
        cloud = np.sin(x * 9 + p) * np.sin(x * 4.3 - p * 0.7) + np.cos((y - scene.horizon) * 30)
        w = np.clip((cloud - 1.35) * 3, 0, 1) * (y < scene.horizon - 0.12) * 0.6
        cloud_colour = np.array((250, 200, 200) if scene.time == "sunset" else (250, 250, 250), np.float32)
        sky = _mix(sky, cloud_colour, w.astype(np.float32))
    base, tex = (np.array(c, np.float32) for c in GROUND[scene.background])
    d = y - scene.horizon  # depth below the horizon
    if scene.background in ("sea", "lake"):
        t = np.clip(np.sin(x * 40 / (0.3 + d * 4) + p) * np.sin(d * 120 / (0.3 + d * 3)) - 0.6, 0, 1) * 2
    elif scene.background == "road":
        lane = (np.abs(d - 0.22) < 0.02) & (np.sin(x * 30 + p) > 0)
        edge = np.abs(d - 0.1) < 0.008
        t = (lane | edge).astype(np.float32)
        base = np.where((np.abs(d - 0.22) < 0.16)[..., None], base, np.array((80, 120, 50), np.float32))
    elif scene.background == "snow":
        t = np.clip(np.sin(x * 25 + p) * np.sin(d * 60 + x * 7) - 0.3, 0, 1)
    elif scene.background == "desert":
        t = np.clip(np.sin(x * 10 + p + np.sin(d * 25) * 2) * 0.5 + 0.5 - 0.2, 0, 1) * np.clip(d * 10, 0, 1)
    else:  # grass: tufts
        t = np.clip(np.sin(x * 70 + np.sin(y * 50 + p) * 3) * np.sin(y * 90) - 0.2, 0, 1)
    if scene.background == "lake":  # far shore
        shore = (d > 0) & (d < 0.03 + 0.01 * np.sin(x * 20 + p))
        base = np.where(shore[..., None], np.array((40, 80, 45), np.float32), base)
    ground = _mix(base, tex, t.astype(np.float32)) * np.array(LIGHT[scene.time], np.float32)
    return np.where((d > 0)[..., None], ground, sky)


def _sd_box(px, py, hx, hy, r=0.0):
    qx, qy = np.abs(px) - hx + r, np.abs(py) - hy + r
    return np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0) - r


def _sd_circle(px, py, r):
    return np.hypot(px, py) - r


def _sd_triangle(px, py, a, b, c):
    """Signed distance to the triangle with corners a, b, c (each (x, y)): negative inside."""
    corners = [a, b, c]
    dist, positive, negative = None, None, None
    for i in range(3):
        (ax, ay), (bx, by) = corners[i], corners[(i + 1) % 3]
        ex, ey, wx, wy = bx - ax, by - ay, px - ax, py - ay
        h = np.clip((wx * ex + wy * ey) / (ex * ex + ey * ey), 0, 1)
        d = np.hypot(wx - ex * h, wy - ey * h)
        cross = ex * wy - ey * wx
        dist = d if dist is None else np.minimum(dist, d)
        positive = cross > 0 if positive is None else positive & (cross > 0)
        negative = cross < 0 if negative is None else negative & (cross < 0)
    return np.where(positive | negative, -dist, dist)


def _sd_star(px, py, r):
    a = np.arctan2(py, px) + np.pi / 2
    k = np.pi / 5
    m = np.abs(((a % (2 * k)) - k)) / k  # 0 at points, 1 between
    radius = r * (1 - 0.55 * m)
    return (np.hypot(px, py) - radius) * 0.7


def _parts(kind, px, py):
    """[(signed distance, colour or None for the object's colour)] in object space (unit ~0.1)."""
    black, white, brown = (25, 25, 25), (245, 245, 245), (110, 70, 35)
    if kind == "ball":
        return [(_sd_circle(px, py, 0.1), None), (np.maximum(_sd_box(px, py + 0.0, 0.1, 0.012), _sd_circle(px, py, 0.1)), white)]
    if kind == "cube":
        return [(_sd_box(px, py, 0.09, 0.09, 0.01), None), (_sd_box(px - 0.03, py - 0.03, 0.02, 0.02), white)]
    if kind == "star":
        return [(_sd_star(px, py, 0.12), None)]
    if kind == "car":
        return [(np.minimum(_sd_box(px, py + 0.01, 0.13, 0.035, 0.015), _sd_box(px + 0.01, py - 0.045, 0.07, 0.035, 0.015)), None),
                (_sd_circle(px + 0.07, py + 0.05, 0.028), black), (_sd_circle(px - 0.07, py + 0.05, 0.028), black),
                (_sd_box(px + 0.01, py - 0.05, 0.05, 0.018), (150, 200, 230))]
    if kind == "boat":
        hull = np.minimum(_sd_triangle(px, py, (-0.13, 0.0), (-0.08, -0.06), (0.08, -0.06)),
                          _sd_triangle(px, py, (-0.13, 0.0), (0.13, 0.0), (0.08, -0.06)))
        return [(hull, None), (_sd_triangle(px, py, (0.0, 0.005), (0.0, 0.13), (0.08, 0.005)), white)]
    if kind == "bird":
        body = _sd_box(px * 0.8, py, 0.07, 0.035, 0.03)
        wing = _sd_triangle(px, py, (-0.04, 0.0), (0.04, 0.0), (0.0, 0.09))
        return [(np.minimum(body, wing), None), (_sd_triangle(px, py, (0.09, -0.01), (0.09, 0.015), (0.125, 0.0)), (250, 170, 20)),
                (_sd_circle(px - 0.05, py + 0.01, 0.009), black)]
    if kind == "fish":
        body = _sd_box(px * 0.75, py, 0.075, 0.045, 0.045)
        tail = _sd_triangle(px, py, (0.07, 0.0), (0.14, -0.05), (0.14, 0.05))
        return [(np.minimum(body, tail), None), (_sd_circle(px + 0.05, py + 0.01, 0.01), black)]
    if kind == "tree":
        return [(_sd_box(px, py + 0.07, 0.02, 0.06), brown), (_sd_circle(px, py - 0.03, 0.09), None)]
    if kind == "house":
        wall = _sd_box(px, py + 0.035, 0.085, 0.065)
        roof = _sd_triangle(px, py, (-0.11, 0.03), (0.11, 0.03), (0.0, 0.12))
        return [(np.minimum(wall, roof), None), (_sd_box(px, py + 0.07, 0.02, 0.03), brown)]
    if kind == "balloon":
        return [(_sd_box(px, py + 0.12, 0.003, 0.05), (60, 60, 60)), (_sd_box(px, py - 0.01, 0.075, 0.095, 0.075), None)]
    if kind == "sun":
        rays = _sd_star(px, py, 0.14)
        return [(np.minimum(_sd_circle(px, py, 0.085), rays + 0.02), None)]
    if kind == "moon":
        return [(np.maximum(_sd_circle(px, py, 0.1), -_sd_circle(px - 0.05, py + 0.03, 0.085)), None)]
    raise ValueError(kind)


def _draw_object(image, scene, u, v, cam, t, pixel):
    """Draws the object over `image` (float RGB) in place; returns its coverage [H, W]."""
    cx, cy, z = cam
    ox, oy, s, a = object_at(scene, t)
    # screen position and scale of the object
    sx, sy, ss = (ox - cx) * z + 0.5, (oy - cy) * z + 0.5, s * z
    extent = 0.2 * ss
    h, w = u.shape
    r0, r1 = max(0, int((sy - extent) * h) - 2), min(h, int((sy + extent) * h) + 3)
    c0, c1 = max(0, int((sx - extent) * w) - 2), min(w, int((sx + extent) * w) + 3)
    coverage = np.zeros(u.shape, np.float32)
    if r0 >= r1 or c0 >= c1:
        return coverage
    du, dv = (u[r0:r1, c0:c1] - sx) / ss, (v[r0:r1, c0:c1] - sy) / ss
    ca, sa = np.cos(a), np.sin(a)
    px, py = ca * du + sa * dv, -sa * du + ca * dv
    py = -py  # object space has y up
    colour = np.array(COLOURS[scene.colour], np.float32)
    soft = pixel / ss
    patch = image[r0:r1, c0:c1]
    for sd, part_colour in _parts(scene.object, px, py):
        alpha = np.clip(0.5 - sd / soft, 0, 1).astype(np.float32)
        c = colour if part_colour is None else np.array(part_colour, np.float32)
        edge = np.clip(0.5 - (sd + 1.5 * soft) / soft, 0, 1).astype(np.float32)  # a darker rim
        shaded = _mix(c * 0.55, c, edge)
        patch[:] = _mix(patch, shaded, alpha)
        coverage[r0:r1, c0:c1] = np.maximum(coverage[r0:r1, c0:c1], alpha)
    return coverage


def render(scene, size=256, frames=17, with_mask=False):
    """uint8 video [frames, size, size, 3] (and the object's coverage [frames, size, size] if asked)."""
    v, u = np.mgrid[0:size, 0:size].astype(np.float32)
    u, v = (u + 0.5) / size, (v + 0.5) / size
    out = np.empty((frames, size, size, 3), np.uint8)
    masks = np.empty((frames, size, size), np.float32)
    for f in range(frames):
        t = f / max(1, frames - 1)
        cx, cy, z = camera_at(scene, t)
        x, y = cx + (u - 0.5) / z, cy + (v - 0.5) / z
        image = _background(scene, x, y).astype(np.float32)
        masks[f] = _draw_object(image, scene, u, v, (cx, cy, z), t, 1.0 / size)
        out[f] = np.clip(image + 0.5, 0, 255).astype(np.uint8)
    return (out, masks) if with_mask else out
