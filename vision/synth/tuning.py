"""The numbers that style generated scenes, glyphs and the demo video, with their unit or reason.

They shape test and benchmark frames, never what the reader does with a frame, so they live with
the generators rather than in ``vision.config``. The demo's PIN and frame rate stay in config: the
session and the sources read them too.
"""

from __future__ import annotations

# Scenes (vision.synth.scene): ground-truth scenes for tests and benchmarks, and the "demo" source.
SCENE_CHAR_HEIGHT_FRACTION = 0.14  # default char height / frame height: a note held at arm's length
SCENE_MARGIN_FRACTION = 0.06  # free border kept around the text block, share of each frame side
SCENE_SIZE_JITTER = 0.08  # +-share of char height: handwriting is never one size
SCENE_GAP_RANGE = (0.35, 0.6)  # gap between chars / char height; >= 0.25 so chars never touch
SCENE_ROW_PITCH = 1.8  # row pitch / char height; >= 1.6 so rows separate cleanly
SCENE_MAX_TILT_DEG = 45.0  # steeper text is read upside-down-ish, out of scope
SCENE_CURVE_MAX_SAG = 0.5  # sag of a row's ends at curve=1, in char heights
SCENE_PERSPECTIVE_MAX_SHIFT = 0.12  # corner shift at perspective=1, share of frame side
SCENE_INK_THRESHOLD = 0.3  # share of full stroke intensity that counts as ink for GT boxes
SCENE_SHADOW_GRADIENT = 0.5  # gradient above this also casts a hard-edged shadow band
SCENE_SHADOW_DEPTH = 0.4  # light a shadow removes at gradient=1; ink stays readable inside
SCENE_DISTRACTOR_CLEARANCE = 0.15  # distractors keep this many char heights away from chars

# Hershey-font glyphs: shapes OpenCV already ships, roughened to look handwritten.
GLYPH_THICKNESS_RANGE = (0.045, 0.085)  # stroke / glyph height: pen to marker; bolder fonts add to it
GLYPH_SHEAR_RANGE = 0.25  # +-horizontal shear (slant) per unit height
GLYPH_ROTATION_DEG = 8.0  # +-rotation; more and a 6 starts to read as a 9 rotated
GLYPH_ELASTIC_ALPHA = 0.035  # displacement std / glyph size of the smooth warp
GLYPH_ELASTIC_GRID = 4  # control points per side of that warp: wobble, not scribble
GLYPH_ZERO_WIDTH = 0.75  # zero drawn as a letter O this much narrower: Hershey zeros are slashed

# The demo video a newcomer with no camera sees.
DEMO_CARD_HOLD_S = 1.2  # one card fully in view
DEMO_GAP_S = 0.7  # card leaves, empty view, next card enters: re-arms a repeated char
DEMO_MOVE_S = 0.15  # entering or leaving, part of the gap either side
DEMO_ROW_HOLD_S = 2.5  # whole PIN in one row
DEMO_PAUSE_S = 1.0  # empty view before the loop restarts
DEMO_CARD_CHAR_FRACTION = 0.32  # char height / frame height on a single-char card
DEMO_ROW_CHAR_FRACTION = 0.17  # char height / frame height when the PIN is written in a row
DEMO_NOISE_STD = 2.5  # sensor noise, grey levels
DEMO_NOISE_FRAMES = 8  # pre-drawn noise fields cycled through, so a frame costs no RNG
DEMO_SHADOW_OPACITY = 0.35  # darkening under a held card's soft drop shadow
DEMO_DRIFT = 0.04  # slow drift of a held card, frame heights per second at most
DEMO_TREMOR = 0.004  # hand tremor amplitude, frame heights
DEMO_SWAY_DEG = 1.5  # slow sway of a held card, degrees
