"""Natural-language captions for world scenes: several phrasings per attribute, optional adjectives and
three word orders, so the model learns the attributes rather than one sentence."""

PLACES = {
    "grass": ["on the grass", "over a green meadow", "in a grassy field", "above the lawn"],
    "sea": ["over the sea", "above the ocean waves", "on the open sea", "by the sea"],
    "lake": ["over a lake", "by a calm lake", "above the lake", "on a quiet lake"],
    "road": ["on a road", "along the road", "over the street", "above an empty road"],
    "snow": ["in the snow", "over a snowy field", "on the snow", "in a winter landscape"],
    "desert": ["in the desert", "over the sand dunes", "on the desert sand", "above the dunes"],
}
TIMES = {
    "morning": ["in the morning", "at dawn", "early in the morning", "at sunrise"],
    "noon": ["at noon", "at midday", "in the middle of the day", "under the noon sun"],
    "sunset": ["at sunset", "at dusk", "as the sun sets", "in the evening glow"],
    "night": ["at night", "in the night", "under the night sky", "at midnight"],
}
MOTIONS = {
    "left": ["moving left", "moves to the left", "going left", "travels leftward", "drifting to the left"],
    "right": ["moving right", "moves to the right", "going right", "travels rightward", "drifting to the right"],
    "up": ["moving up", "rises upward", "going up", "floats upward", "climbing up"],
    "down": ["moving down", "sinks downward", "going down", "falls down", "descending"],
    "bouncing": ["bouncing", "bounces up and down", "hopping", "bouncing around"],
    "spinning": ["spinning", "spins around", "rotating", "turning in circles"],
    "growing": ["growing", "grows bigger", "getting larger", "expanding"],
    "shrinking": ["shrinking", "shrinks", "getting smaller", "contracting"],
}
CAMERAS = {
    "still": ["", "", "static camera", "the camera is still"],
    "pan left": ["the camera pans left", "camera panning left", "pan left"],
    "pan right": ["the camera pans right", "camera panning right", "pan right"],
    "zoom in": ["the camera zooms in", "zooming in", "slow zoom in", "zoom in"],
    "zoom out": ["the camera zooms out", "zooming out", "slow zoom out", "zoom out"],
}
SIZES = {"small": ["small", "little", "tiny"], "medium": ["", ""], "large": ["big", "large", "huge"]}
EXTRA = ["", "", "", "shiny", "bright", "cheerful"]


def caption(scene, rng):
    """A random phrasing of `scene` (a world.Scene)."""
    pick = lambda options: options[rng.integers(len(options))]
    words = [pick(SIZES[scene.size]), pick(EXTRA), scene.colour, scene.object]
    noun = "a " + " ".join(w for w in words if w)
    noun = ("an " + noun[2:]) if noun[2] in "aeiou" else noun
    motion, place, time = pick(MOTIONS[scene.motion]), pick(PLACES[scene.background]), pick(TIMES[scene.time])
    order = rng.integers(3)
    if order == 0:
        text = f"{noun} {motion} {place} {time}"
    elif order == 1:
        text = f"{time}, {noun} {motion} {place}"
    else:
        text = f"{place} {time}, {noun} {motion}"
    camera = pick(CAMERAS[scene.camera])
    if camera:
        text += f", {camera}"
    return text[0].upper() + text[1:] if rng.random() < 0.5 else text


def canonical(scene):
    """The one plain phrasing used for evaluation prompts."""
    article = "an" if scene.colour[0] in "aeiou" else "a"
    text = f"{article} {scene.colour} {scene.object} {MOTIONS[scene.motion][0]} {PLACES[scene.background][0]} {TIMES[scene.time][0]}"
    if scene.camera != "still":
        text += f", {CAMERAS[scene.camera][0]}"
    return text
