"""Every tunable number of Digit Locker, named, with its unit or the reason it has its value.

Image-processing thresholds are relative (to the frame or to the characters found) wherever a
fixed pixel count would break between a 320x240 webcam and a 4032x3024 phone photo.
"""

from __future__ import annotations

from pathlib import Path

# --- Classes and model files -------------------------------------------------------------
CLASSES: tuple[str, ...] = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "K")
K_INDEX = 10
NUM_CLASSES = len(CLASSES)
# The model has one more output: "not a character" (paper clutter, fingers, letters other than K),
# trained on what the segmenter finds in cluttered scenes. Readings never report it.
REJECT_INDEX = NUM_CLASSES
NUM_OUTPUTS = NUM_CLASSES + 1
REJECT_LETTERS = "AEFHMNPRWX"  # letters no digit or K resembles: safe examples of "not a PIN character"
REJECT_CHAR = "?"  # shown for a character the classifier is not confident about

PACKAGE_DIR = Path(__file__).resolve().parent
MODELS_DIR = PACKAGE_DIR.parent / "models"
MODEL_KERAS = MODELS_DIR / "digit_locker.keras"
MODEL_TFLITE = MODELS_DIR / "digit_locker.tflite"
MODEL_CARD = MODELS_DIR / "model_card.json"
PERSONAL_MODELS_DIR_NAME = "models"  # the fine-tuned model's folder, in the user data folder beside the lock file

# --- Patch layout (the model's input contract) -----------------------------------------
PATCH_SIZE = 28  # MNIST side, pixels
FIT_SIZE = 20  # MNIST digits were fitted in 20x20 keeping aspect, then centred by mass
PREPROCESS_VERSION = 1  # bump when to_mnist changes; recorded in the model card

# --- Classifier (vision/classifier.py) ----------------------------------------------------
MAX_BATCH = 64  # patches per model call; larger batches are split, one interpreter kept per size up to this
CLASSIFIER_THREADS = 2  # LiteRT threads: the reference machine's two cores
MODEL_ERROR_MAX_CHARS = 200  # a model-loading error is cut to this: TensorFlow's messages run to a dozen lines

# --- Training ---------------------------------------------------------------------------
SEED = 1234
K_HOLDOUT_FRACTION = 0.2  # fixed share of real K images never trained on
MNIST_FILENAME = "mnist.npz"
# vision/training (fit.py, model.py) and train_model.py
MNIST_VAL_SIZE = 5000  # MNIST train digits held back for early stopping
K_SHARE = 0.055  # K is oversampled (fresh augmentation each time) to about half a digit class
SYNTH_K_WITH_LETTERS = 300  # a few synthetic K widen the style range beside the ~100 real ones
SYNTH_K_ALONE = 3000  # synthetic K when no letter data is given
CLUTTER_EXAMPLES = 2500  # "not a character" drawn procedurally (wedges, fingertips, smudges, dashes)
OPERATOR_EXAMPLES = 2000  # handwritten + - x / ( ) = : # *, 200 of each
STRUCTURE_EXAMPLES = 1633  # printed box and table pieces: corners, tees, crossings, cells, outlines, rules, dice
PAIR_EXAMPLES = 2000  # two or three MNIST training digits run together (vision.synth.pairs)
OPERATOR_SEED, STRUCTURE_SEED, PAIR_SEED = 1, 2, 3  # offsets from --seed, so each synthesizer draws its own stream
EVAL_MARK_SEED = 1000  # offset from --seed for the fresh marks the evaluation uses (never trained on)
EVAL_MARKS_PER_KIND = 200  # fresh marks drawn per kind for the evaluation table
MARK_TILT = 0.25  # share of the rotation/shear augmentation for marks: their angle sets / apart from 1
# Loss weight of a mark: a bent 1 and a ")" or a crossed 4 and a "+" overlap, and then the digit should win.
MARK_WEIGHT = 0.15
# Rejects per training digit, at most: ~9700 of 64000 examples, so the reject class is under two
# digit classes and never crowds the digits out.
REJECT_SHARE = 0.18
BATCH_SIZE = 128  # --batch-size default
VAL_BATCH_SIZE = 512  # validation batches: no gradients, so larger is only faster
EPOCHS = 22  # from scratch: the shipped model's run
EARLY_STOP_PATIENCE = 5  # epochs without a lower validation loss before stopping (from scratch, --init)
LR_START, LR_PEAK, LR_ALPHA, LR_WARMUP = 1e-4, 2e-3, 0.02, 1 / 20  # warm-up, then cosine down to alpha
# --init: a few epochs on top of trained weights; a small peak so MNIST accuracy is kept, not relearned.
INIT_EPOCHS = 4
INIT_LR_START, INIT_LR_PEAK, INIT_LR_ALPHA, INIT_LR_WARMUP = 2e-5, 3e-4, 0.03, 1 / 10
# --fine-tune: the --init schedule on a small epoch, so a few hundred samples take about 2 minutes.
FT_REPLAY_DIGITS = 8000  # MNIST digits replayed each epoch (K and rejects follow train's shares)
FT_USER_SHARE = 0.25  # share of the owner's samples in an epoch after oversampling, per class equal
FT_HOLDOUT = 0.2  # of each class's samples held out for early stopping (at least one per class)
FT_EPOCHS = 6  # at most: early stopping (FT_PATIENCE) may end it sooner
FT_PATIENCE = 2  # epochs without a better held-out loss before stopping
# The network (vision/training/model.py)
BN_MOMENTUM = 0.9  # Keras' default 0.99 leaves the moving statistics near their initial values after a short run
DROPOUT = 0.25  # before and after the dense layer

# --- Sources and overlay ----------------------------------------------------------------
# Frame sources (vision/sources.py)
IMAGE_EXTENSIONS: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif")
DEFAULT_FPS = 30.0  # frames/s assumed when a camera or video does not report a usable rate
IMAGE_FPS = 1.0  # nominal frames/s of still images, so a viewer paces them slowly
MIN_IMAGE_SIDE = 8  # pixels; a smaller image or frame cannot hold a readable character (decode and segment)
CAMERA_RETRY_S = 3.0  # seconds a camera may deliver nothing before it counts as lost
CAMERA_RETRY_INTERVAL_S = 0.02  # pause between failed reads, so a dead device does not spin a core
CAMERA_POLL_S = 0.05  # consumer wake-up period to notice a stopped or failed reader
CAMERA_JOIN_TIMEOUT_S = 2.0  # a read() stuck in the driver must not hang shutdown
# Input limits (vision/imaging.py, vision/sources.py). Dimensions are read from the file header
# before decoding: a 1.2 MB PNG can declare 30000x30000 pixels and take 3.6 GB to decode.
MAX_IMAGE_PIXELS = 50_000_000  # default limit per image or video frame: a 48 MP phone photo fits
MAX_PIXELS_CEILING = 1 << 30  # --max-pixels may not exceed OpenCV's own default limit
MIN_PIXELS_LIMIT = MIN_IMAGE_SIDE * MIN_IMAGE_SIDE  # a smaller limit would refuse every image
MAX_BAD_FRAMES_IN_A_ROW = 30  # a video or camera stops after this many unusable frames in a row
CAMERA_STALL_S = 5.0  # a camera read() that has not returned for this long counts as hung
MAX_CAMERA_INDEX = 255  # video4linux numbers devices 0-255; a bigger number is a path or a typo
# Bounds of the numeric command-line options (recognize_live.py)
MAX_HOLD_S = 60.0  # --hold: a character held longer than a minute is no PIN entry
MAX_FRAMES_OPTION = 10**9  # --max-frames: about a year of 30 fps video

# Overlay (vision/overlay.py); colours are BGR
OVERLAY_REF_HEIGHT = 480  # frame height at which text uses OVERLAY_FONT_SCALE
OVERLAY_FONT_SCALE = 0.6  # Hershey scale at the reference height
OVERLAY_MIN_FONT_SCALE = 0.38  # below this Hershey text is unreadable on a 320x240 frame
OVERLAY_BAR_ALPHA = 0.55  # darkening of the bars behind text: legible yet the video shows through
OVERLAY_PAD_FRAC = 0.35  # padding around text, as a fraction of the text height
COLOR_LOW_CONF = (0, 0, 255)  # red
COLOR_MID_CONF = (0, 215, 255)  # yellow
COLOR_HIGH_CONF = (0, 230, 0)  # green; green channel rises low -> mid -> high
COLOR_REJECT = (160, 160, 160)  # grey box for a rejected ("?") character
COLOR_REJECT_TEXT = (60, 60, 255)  # its "?" label in light red
COLOR_CANDIDATE = (255, 255, 0)  # cyan: the character being accepted
COLOR_TEXT = (240, 240, 240)
COLOR_LOCKED = (0, 200, 255)  # amber
COLOR_GRANTED = (0, 220, 0)
COLOR_DENIED = (0, 0, 255)
DEBUG_TILE_PX = 84  # 28x28 patches upscaled 3x in the debug view
DEBUG_SEPARATOR_PX = 4  # gap between the mask and the patch grid
OVERLAY_MIN_FIT_SCALE = 0.3  # smallest scale a long line may shrink to so it fits the width
OVERLAY_PANEL_ALPHA = 0.8  # the help panel hides more of the video: it is read, not glanced at
OVERLAY_TEXT_ASPECT = 3 / 4  # text scales with the height of a 4:3 frame at most: lines must fit a wide frame too
OVERLAY_THICKNESS_PER_SCALE = 1.7  # stroke px per unit of Hershey scale: 1 px up to about 700 px high, then 2
OVERLAY_MIN_PAD_PX = 2  # padding around text at least, however small the text
OVERLAY_COLOR_MID_AT = 0.5  # confidence drawn in COLOR_MID_CONF: below it fades to red, above to green
OVERLAY_FIT_STEP = 0.02  # a line shrinking to fit loses at least this much scale per try (glyph widths are quantised)
MASK_SLOT_CHAR = "_"  # the HUD's mark for a PIN character still to type (MASK_CHAR for a typed one)
CANDIDATE_GROW = 3  # x line thickness: the accepted character's frame sits outside its detection box, both visible
CANDIDATE_THICKNESS = 2  # x line thickness: that frame is bolder than a detection box
PROGRESS_BAR_MIN_PX = 4  # the acceptance progress bar is at least this tall...
PROGRESS_BAR_LINE_DIV = 3  # ...or a third of a text line
PROGRESS_BAR_MIN_LINES = 2  # ...and at least this many line heights wide, under a narrow "1" too
DEBUG_MIN_HEIGHT_PX = 16  # a smaller debug view could not hold one patch and its label
DEBUG_SEPARATOR_GREY = 64  # the gap between mask and patches: neither ink (255) nor background (0)
DEBUG_TILE_SHARE = 3 / 4  # a patch tile is at most this share of a short debug view's height, the rest its label
DEBUG_LABEL_TILE_PX = 120  # tile side whose label is drawn at Hershey scale 1: labels scale with tiles...
DEBUG_MIN_LABEL_SCALE = 0.3  # ...down to this, still readable
DEBUG_GRID_GREY = 32  # the patch grid's background: darker than the separator, lighter than a patch's black
DEBUG_TILE_BORDER = (90, 90, 90)  # grey frame around each patch tile, so black patches keep their edges
# lru_cache sizes of the overlay's font helpers: every entry is small, misses cost a getTextSize.
OVERLAY_METRICS_CACHE = 64  # font metrics per (scale, thickness): one per frame size and shrink step met
OVERLAY_COLOR_CACHE = 128  # colours per confidence rounded to hundredths: all 101 fit
OVERLAY_WIDTH_CACHE = 4096  # text widths: the HUD's strings and "7 0.98"-style labels repeat frame after frame

# Snapshots (vision/snapshots.py): they show the card and the typed characters, kept like the PIN.
SNAPSHOT_DIR_MODE = 0o700  # the folder: owner only
SNAPSHOT_FILE_MODE = 0o600  # each image: owner read/write
SNAPSHOT_NAME_TRIES = 100  # snapshots of one frame within one second before giving up
SNAPSHOT_NOTICE_S = 4.0  # seconds "snapshot saved to ..." stays on screen
# Qt, behind OpenCV's window, warns per window about fonts its wheel does not ship; our overlay
# draws its own text. Its warnings are off unless --verbose; critical and fatal messages stay on.
QT_QUIET_LOGGING_RULES = "*.debug=false;*.info=false;*.warning=false"

# Live session (vision/session.py)
FPS_SMOOTHING = 0.1  # weight of the newest frame in the HUD's FPS estimate: steady yet follows a slowdown

# --- PIN entry and lock (vision/entry.py) ---------------------------------------------------
PIN_ALPHABET = "".join(CLASSES)  # what the recognizer can type: "0123456789K"
PIN_MIN_LENGTH = 4  # shorter PINs are guessed too easily even with the lockout below
PIN_MAX_LENGTH = 8  # more is tedious to hold up card by card
SET_PIN_COMMAND = "python recognize_live.py --set-pin"  # shown to the user when no PIN is set
MASK_CHAR = "*"  # what live output shows for a typed or read character: that one is there, never which

# scrypt work factors for new PINs: 64 MiB and about 0.22 s per check on one core of the reference
# machine (n=2**14 was 39 ms): slow for a brute force of a stolen lock file, unnoticed at a door.
# A file keeps the parameters it was hashed with, so older files still open (and are re-hashed at
# this cost on the next right PIN).
SCRYPT_N = 2**16
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 32  # bytes of derived hash
PIN_SALT_BYTES = 16  # random salt per PIN, so equal PINs never share a hash
LOCK_FILE_VERSION = 1  # bump when the lock file's fields change
LOCK_DIR_NAME = "digit-locker"  # under $XDG_CONFIG_HOME, else ~/.config
LOCK_FILE_NAME = "lock.json"

# Throttling of consecutive wrong PINs: the 3rd starts a 30 s lockout, each further one doubles it
# (60, 120, ... 1920 s at the 9th); the 10th disables the lock until a new PIN is set.
LOCKOUT_AFTER_FAILURES = 3
LOCKOUT_BASE_S = 30.0
DISABLE_AFTER_FAILURES = 10

# Entry by holding characters up to the camera.
PIN_HOLD_S = 0.4  # a character must stay this long to be typed: longer than a misread burst
PIN_HOLD_FRAMES = 3  # ...and over this many frames, so a stalled camera cannot type
HELD_CARD_DOMINANCE = 1.5  # sequential entry: the held card's box is at least this x the next one's
PIN_MIN_CONFIDENCE = 0.85  # typing needs more certainty than merely showing a reading
REARM_GAP_S = 0.15  # the card must be gone this long before the same character types again
REARM_GAP_FRAMES = 2  # ...and for this many frames, so a one-frame dropout never re-arms
RESULT_SHOW_S = 3.0  # how long "granted" / "denied" stays on screen before "locked"

# --- Synthetic scenes and demo ---------------------------------------------------------
# The demo video a newcomer with no camera sees.
DEMO_PIN = "27K4"  # mixed, not a run, includes K
DEMO_FPS = 30.0

# --- Segmentation (vision/segment.py) and row layout (vision/layout.py) ------------------
# Sizes are shares of the processed frame's shorter side, or multiples of the median
# character height found, never fixed pixel counts: the same rules serve 320x240 and 4032x3024.
MAX_PROCESS_SIDE = 1280  # photos are read at most this large: a 10x10 sheet still has 20 px digits
SMALL_CHAR_PX = 14  # ...unless their writing comes out shorter than this (px) at that size:
SMALL_TARGET_PX = 24  # ...then they are read again at the size that makes it this tall,
SMALL_MAX_SIDE = 2560  # ...up to this long side (twice the usual: a quarter second at most here)
LIVE_PROCESS_SIDE = 960  # live frames: a card held up to the camera is never that small
LIVE_CHAR_HEIGHT = 32  # live frames are read smaller while characters stay at least this tall (px)
LIVE_MIN_SIDE = 320  # ...and never below this long side
BACKGROUND_KERNEL_FRACTION = 0.1  # closing kernel for the paper/board estimate: wider than where
# two pen or marker strokes cross, narrower than a shadow band (wider and a band becomes "ink")
BACKGROUND_DOWNSCALE = 2  # the background is smooth: estimate it at half size, 4x cheaper
INK_STRONG = 0.18  # relative contrast (ink darkness / local background) that surely is ink
INK_WEAK = 0.09  # weaker pixels count only when connected to strong ones (hysteresis: faint pencil)
INK_NOISE_FACTOR = 6.0  # ...and both stay this many robust noise levels above the paper texture
INK_STRONG_MAX = 0.3  # cap of the texture-raised threshold: clearly visible ink is ink
INK_WEAK_SHARE = 0.5  # the weak threshold is also at least this share of the strong one, as texture raised it
INK_BLUR_PX = 3  # Gaussian kernel on the contrast map, px: sensor noise would break faint strokes apart
INK_NOISE_STRIDE = 8  # px: the paper texture is measured on every 8th pixel each way (64x fewer, same median)
INK_PEAK_PERCENTILE = 90  # a crop's ink is scaled so this percentile saturates, like MNIST's stroke cores
MIN_KERNEL_PX = 3  # smallest odd morphology kernel: a 1 px kernel changes nothing
POLARITY_BRIGHT = 150  # median grey at or above: paper or whiteboard, dark ink
POLARITY_DARK = 105  # median grey at or below: black or green board, light ink
POLARITY_PROBE_WIDTH = 320  # in between, thin strokes decide, looked for on a frame this wide
POLARITY_STROKE_SIZES = (5, 11, 21)  # probe sizes in pixels of that frame: fine pen to bold marker
PAPER_MIN_SHARE = 0.12  # a dark frame with a bright area this large may be a card held over a desk
POLARITY_CARD_VOTE = 1.0  # ...and is one when its dark strokes outweigh the dark area's bright ones
# by this log ratio (measured: cards on wood +2.7 or more, the inverted shadowed pages below +0.1)
POLARITY_MIN_CONTRAST = 20  # grey levels; weaker top-hat responses are texture
COLOUR_INK_GAIN = 1.6  # ink this much further from the paper in the darkest colour channel than
# in gray: coloured ink (orange or red pen); blue ballpoint and black ink stay on gray (less noisy)
COLOUR_INK_SHARE = 0.01  # the darkest share of a thumbnail's pixels taken for its ink
CHANNEL_STRUCTURE_FADE = 0.8  # printed lines this much fainter (against the writing) in a colour channel...
CHANNEL_INK_KEPT = 0.6  # ...where the writing keeps this share of its contrast: read in that channel
CHANNEL_MIN_INK_PX = 50  # fewer writing pixels than this tell no colour
MIN_CHAR_FRACTION = 0.012  # smallest character height / shorter side (specks below)
MAX_CHAR_FRACTION = 0.95  # taller components are shadows or paper edges
SPECK_SHARE = 0.4  # x the smallest character height: components shorter on their long side are specks,
SPECK_MIN_PX = 3  # ...as are those under this many px; dropped before any sizing (longer parts wait for merging)
CHAR_HEIGHT_PERCENTILE = 90  # the character height is the median of components near this percentile of
CHAR_HEIGHT_SHARE = 0.5  # ...heights, at least this share of it tall (specks and parts left out)
HEIGHT_OUTLIER = 2.0  # ...the tallest left out when this many times the next (a finger),
HEIGHT_OUTLIER_AMONG = 4  # ...among this many components or more (of two, the taller may be the one character)
HEIGHT_OUTLIER_UPRIGHT = 1.75  # ...and this many times as tall as wide (a table hiding the characters is squarer)
HEIGHT_OUTLIER_REST = 0.05  # ...and the next this share of the frame's shorter side (not a 1 among specks)
LINE_ASPECT = 5.0  # longer/shorter side above this, and long: a ruled or printed line
LINE_MIN_LENGTH = 2.0  # ...where "long" is this many median character heights
LINE_FILL = 0.05  # ink filling less of its box: a thin line at a slant, left out of size and angle estimates
BLOB_SOLIDITY = 0.8  # ink filling this much of its box, thicker than a stroke: finger or shadow
BLOB_MIN_SHORT = 0.5  # ...where "thicker" is a shorter side of at least this x char height
BLOB_MIN_HEIGHT_PX = 18  # ...in writing this tall or taller (px): smaller bold digits fill their boxes as blobs do
SKIN_NON_INK = 0.3  # share of a box that is not ink, at least (ink covers at most 70%): the quick test of
# _on_skin needs the box's mean saturation at this x SKIN_SHARE x SKIN_LEAST_SATURATION (the Skin block below)
STROKE_RIM_PX = 5  # px: the anti-aliased rim dilated around strokes, left out of a box's "inside"
# A printed box (checkbox, empty cell, a die) is no character (segment._unbox):
BOX_MIN_SIDE = 0.5  # x char height: its shorter side at least this...
BOX_MAX_ASPECT = 2.5  # ...its longer side at most this x the shorter...
BOX_MAX_INK = 0.6  # ...its ink at most this share of its box and of its outline (a frame, not a blob)...
BOX_RECT_FILL = 0.92  # ...and its outer contour filling this share of its turned bounding rectangle
BOX_HELD = 0.4  # x its shorter side: what it held stays if this tall or wide (a die's dots go)...
BOX_SEPARATOR_SPAN = 0.8  # ...unless it is straight, reaching this x across the box's inside...
BOX_SEPARATOR_SLACK_PX = 2  # ...and no thicker than the box's rule plus this: a wall of a strip of boxes
# A thin straight candidate that goes on, fainter, past both its ends is a printed line, not a 1
# (segment._on_a_faint_line): looked at when this elongated (long over short side)...
FAINT_LINE_ASPECT = 4.0
FAINT_LINE_REACH = 1.5  # x char height: ...along its axis this far past each end...
FAINT_LINE_OFFSET = 0.3  # x char height: ...against lines this far beside it...
FAINT_LINE_SAMPLES = 16  # ...at this many points each side...
FAINT_LINE_MARGIN = 8  # ...where the axis is this much darker (contrast levels)...
FAINT_LINE_SHARE = 0.5  # ...at this share of the points, past both ends
SMALL_PART = 0.4  # components shorter than this x median height are parts or specks
SPARSE_FILL = 0.12  # ...as does ink filling less than this of its box (a sparse L or frame)
SPARSE_SIZE = 3.0  # ...when it is this many times the median component height
LINE_ELONGATION = 20.0  # ...or long for its thickness (box diagonal / (area / diagonal)): a
# slanted edge is 30 and more, a 1 about 10, a 7 or a 0 under 9
MERGE_GAP = 0.35  # fragments this close (x median height) that overlap across rows merge
MERGE_MAX_HEIGHT = 1.25  # ...unless the merged box grows taller than this x median height
MERGE_OVERLAP = 0.4  # ...and "overlap" is along the text, by this share of the narrower fragment
MAX_CHAR_TALL = 2.2  # x char height: taller is a shadow edge or a finger (a 7 with a long descender is 2.1)
EDGE_GRAZE = 0.2  # x its longer side: a component meeting the frame's edge in one run this short is in view...
EDGE_GRAZE_ASPECT = 2.0  # ...when its box is no longer than this x its width (not a streak of grain)...
EDGE_GRAZE_HEIGHT = (0.7, 1.5)  # ...and it stands this x the character height measured without it
MAX_ASPECT_WIDE = 2.3  # a character wider than this x its height is rejected (dash, scribble, line)
ROW_TOLERANCE = 0.6  # a character joins a row if within this x median height of the row's line
SPACE_GAP = 1.1  # a gap wider than this x median height inside a row is kept as a space
NEIGHBOUR_MAX_ANGLE_DEG = 55  # text direction: a nearest neighbour steeper than this belongs to another row
NEIGHBOUR_MAX_DIST = 4.0  # x median height: farther characters say little about the direction
DIRECTION_WIDE = 1.5  # x its height (or the char height): a component this wide is characters run together
NEIGHBOUR_MIN_DIST = 0.25  # x median height: closer centres (a digit in its box, one character's pieces) say nothing
ROW_MIN_ADVANCE = 0.2  # x the narrower width: a character centred less far past a row's last one overlaps
# it and joins another row
ROW_SLOPE_CHARS = 4  # a row's line is continued with the slope over its last this many characters...
ROW_MAX_SLOPE = 0.35  # ...at most this steep: the local bend of a row between neighbouring characters
ROW_SLOPE_SPAN = 1.5  # x median height: a slope measured over this long a stretch counts half
CONFIDENCE_THRESHOLD = 0.5  # below: reported as "?" (REJECT_CHAR); typing a PIN needs PIN_MIN_CONFIDENCE
LONE_MIN_HEIGHT = 0.65  # a row of one character shorter than this x median height is dropped
DROP_CONFIDENCE = 0.35  # below this, small or oddly shaped components are not characters at all
BRACKET_TALL = 1.05  # x char height: a bracket spans the digits it encloses; a 1 is about as tall as they are
BRACKET_ELONGATION = 3.3  # long over short axis of a bracket's one thin stroke...
BRACKET_BOW = 0.12  # ...and its bend, sagitta over length (under 1% of MNIST 1s and 7s reach both)
BRACKET_BENT = 0.18  # a bracket bent this far (0.2% of MNIST 1s and 7s) needs only...
BRACKET_TALL_BENT = 0.9  # ...this x char height: drawn as tall as the digits it encloses
SLASH_TILT_DEG = 38.0  # a 1 leaning further right is a slash ("/"), when the rest agrees (2% of MNIST 1s lean so far)
SLASH_ELONGATION = 6.0  # ...one thin stroke, long over short axis...
SLASH_BOW = 0.06  # ...and straight, sagitta over length
SLASH_LEANS_APART_DEG = 28.0  # ...or this far, when it also leans SLASH_APART_DEG further than the writing beside it
SLASH_APART_DEG = 22.0
SLASH_TALL = 1.15  # x char height: a straight 1 this much taller than the digits beside it...
SLASH_TALL_TILT_DEG = 12.0  # ...and leaning this far is a slash: the digits it divides stand inside its span
SLANT_ELONGATION = 1.5  # long over short axis: a character's ink this elongated shows the writing's lean
# Median tilt (vision.marks.stroke_shape, degrees) of MNIST test digits 0-9 with that elongation.
MNIST_TILT_DEG = (-21.4, -5.0, -6.3, 4.5, 7.8, -9.2, -0.7, 3.4, -4.9, 10.2)
SLASH_SAME_WRITER_DEG = 12.0  # another 1 in view leaning within this of it: the writer slants every 1
SLASH_NEIGHBOUR_REACH = 3.0  # x char height: a slash has characters both sides within this on its line
BRACKET_LOOKALIKES = "17"  # what the model reads a bracket as
# A writer who crosses 7s flags 1s (pipeline._flagged_ones): a 7 read this surely...
CROSSED_SEVEN_SURE = 0.9
CROSSED_SEVEN_ENDS = 3  # ...whose skeleton has this many ends or more is crossed (6.2% of MNIST test 7s, 0.4% of 1s)
SKELETON_SPUR_PX = 3  # skeleton branches this short are thinning noise, not stroke ends
FLAGGED_ONE_MIN_P = 0.05  # ...and an uncrossed 7 in view that the model gives this much as a 1 is a flagged 1
# With no crossed 7 in view (marks.flag_droop): the top of the left FLAG_DROOP_WIDTH of a 7's ink...
FLAG_DROOP_WIDTH = 0.4
FLAG_DROOP_INK = 100  # ...(patch pixels above this are ink)...
FLAG_DROOP = 0.25  # ...standing this x its height below its top is a flag (0.5% of MNIST test 7s)...
FLAG_DROOP_MIN_P = 0.01  # ...on a 7 the model gives this much as a 1 (1 MNIST test 7, 1 MNIST test 1)
FLAG_DROOP_BESIDE = 0.16  # ...or this, beside a 7 of the same hand whose top runs level (0.2% of MNIST test 7s so):
FLAG_LEVEL = 0.06  # ...its droop at most this, read FLAG_LEVEL_SURE or surer (the writer's 7s have a level bar)
FLAG_LEVEL_SURE = 0.99
ZERO_FILLED_CORE = 0.8  # a 0 whose hole is inked this much (marks.core_ink) is a symbol ("®") or a blot...
ZERO_FILLED_MIN_PX = 20  # ...where it stands this tall (frame px) or more: a smaller one's hole blurs shut
# A printed word (pipeline._printed_words): this many marks or more...
WORD_MIN_LETTERS = 3
WORD_MIN_REJECTED = 2  # ...this many of them no character (digits on a ruled line beside one operator are no word)...
WORD_GAP = 0.35  # ...gaps under this x the smaller one's height, as letters are set...
WORD_LETTER_HEIGHT = 0.5  # ...and those at least this share of the tallest (not "." or ":")...
WORD_BASELINE = 0.03  # ...standing on one baseline (along the writing's angle) within this x the tallest's height,
# where that is a pixel or more: below it, pixel rounding alone sets small handwriting on one line
LABEL_HEIGHT = 0.65  # printed label letters ("ID:") are under this x the characters' height...
LABEL_ALIGN = 0.06  # ...two side by side agree at top and bottom within this x their height...
LABEL_STOP_GAP = 0.6  # ...and a colon or full stop follows within this x their height
PRINT_MAX_SIZE = 0.6  # x char height: a candidate smaller both ways is a form's print, not handwriting
# An arrow (marks.is_arrow): a patch's ink this much wider than tall...
ARROW_FLAT = 1.2
ARROW_SHAFT = 0.4  # ...with a shaft along this share of its width from one end: one run per column...
ARROW_SHAFT_THICK = 0.4  # ...no thicker than this x the ink's height...
ARROW_CENTRED = 0.15  # ...centred on the ink's middle within this x its height...
ARROW_HEAD = 0.6  # ...and, toward the other end, a head this x its height tall, ending in a centred point
ARROW_SLOPE = 0.35  # ...its sides sloping there: halfway to the point still this x the head's height
ARROW_INK = 40  # patch level (0-255) that counts as ink for these measures
ARROW_MIRROR = 0.82  # ...and this share of its ink mirrored about its middle row (arrows 0.85-1, a flat 4 0.78)
ARROW_LEVEL_DEG = 2.0  # text this far off level: the patch is turned level before these measures
# Dots (marks.is_dots): a patch whose ink is this many pieces or more...
DOTS_MIN_COUNT = 2
DOTS_MAX_SIZE = 0.4  # ...each no bigger than this x the ink's height...
DOTS_ROUND = 1.6  # ...round: its longer side at most this x its shorter...
DOTS_FILL = 0.6  # ...and solid: this share of its box inked (a disc fills 0.79)
DOTS_INK = 0.5  # x the patch's brightest level: what counts as ink for these measures
# An i or j (pipeline._dotted_stems): a stem read as 1 with a mark straight above it this small...
DOT_MAX_SIZE = 0.45  # ...x the stem's height, both ways (a handwritten 1 has nothing above it)...
DOT_MAX_GAP = 0.4  # ...at most this x its height above the stem's top...
DOT_MAX_OVERLAP = 0.05  # ...or this x its height into it (blur joins their boxes)...
DOT_MAX_SHIFT = 0.25  # ...and centred over it within this x its height (a slanted i's dot drifts)
DOT_JOINED = 0.3  # a 1's patch whose top part, this share of its height or less, stands apart: a dot joined
DOT_PATCH_INK = 40  # patch level (0-255) that counts as ink for that gap (1 MNIST test 1 in 1135 has one)
SPECK_MIN = 0.06  # x char height: marks from this size up to SMALL_PART are specks (a colon's dot), not noise

# --- Printed structure (vision/structure.py): rules, grids, box borders, table lines ---------
STRUCTURE_PROBE_SIDE = 320  # the lines' direction is measured on a max-pooled copy this long
STRUCTURE_HOUGH_SHARE = 0.3  # a line must run over this share of that copy's long side
STRUCTURE_HOUGH_STEP_DEG = 0.5  # angular resolution: a 1 px rule leaves a 40 px kernel at 1.4 deg
STRUCTURE_HOUGH_PEAKS = 20  # strongest Hough lines looked at for the two families
STRUCTURE_FAMILY_DEG = 30.0  # a line within this of the text direction (or its normal) is of its family
STRUCTURE_SHARED_DEG = 1.0  # lines this close in direction count as parallel (one printed family)
STRUCTURE_MAX_KERNEL = 41  # px; longer line kernels run on a max-pooled copy (cost grows with length)
TEXT_OFF_RULES_DEG = 20.0  # text measured this far off the printed rules runs along them instead
STRUCTURE_REPAIR = 0.15  # x char height: gap across a removed rule that a crossing stroke bridges
STRUCTURE_REPAIR_MIN_PX = 5  # ...at least: a 2-3 px rule plus its anti-aliased rim
RULED_GAP = 2.0  # x a rule's width: parallel runs closer than this are one ragged band, not two rules
RULED_PART = 0.3  # x the kernel: shorter runs (strokes between a box strip's rules) do not join them
RULE_THICKER_PX = 3  # a straight run this much thicker than the median rule is a stroke lying on it
STRUCTURE_TOUCH = 0.08  # x char height: a stroke ending this close to a removed rule touches it
EDGE_MAX_THINNESS = 0.4  # marks at most this wide for their height may be an edge, not a "1" (a card's rim: 0.31)
EDGE_BAND = 0.2  # x the mark's height: the strips beside it (the ring around it) it lies on
EDGE_BAND_MIN_PX = 3  # ...at least this wide
EDGE_ONE_SIDED = 0.35  # darker than one side by less than this share of the other: an edge
EDGE_TWO_TONE = 0.7  # ...or by less than this share when the two sides' colours differ by
EDGE_CHROMA = 3.0  # ...this much (percent, chromaticity L1; paper beside a pen's 1: 98% under 1.6)
OUTLINE_ONE_SIDED = 0.6  # the same for a wider mark, inside its box against around it: a
# fingertip's outline is half as dark against the nail as against the paper, a 0 as dark against both
OUTLINE_SATURATION_GAIN = 10.0  # ...and its inside this much more saturated (of 255) than the ring: skin, not a shadow
OUTLINE_MIN_INSIDE = 0.3  # ...judged only when what the box holds besides its ink is this share of it
EDGE_MIN_SAMPLE = 12  # pixels each side needs for the comparison to mean anything
TEXTURE_BAND = 0.3  # x the candidate's height: the strips around it, one of which must be clean paper
TEXTURE_RING_INK = 0.1  # ...ink covering more of a strip: that side is crowded
TEXTURE_SIDES = 2  # crowded on this many of the 4 sides: a mark of a texture (wood grain), not writing
DESK_SHARE = 0.6  # ...and lying on something darker than this share of the paper: not the page
OFF_PAGE_SHARE = 0.4  # a candidate on something this much darker than the paper is off the page, crowded or not
PAPER_PERCENTILE = 90  # the paper's level in a frame: this percentile of its ink image
STRUCTURE_HEIGHT_DROP = 0.8  # characters this much shorter once structure is out: look again at their height
CELL_EDGE_MIN = 0.6  # x char height: a straight run across the rules this long may be a box's side edge
CELL_EDGE_REACH_PX = 2  # ...and both its ends within this of a removed rule (it was joined to them)
CELL_EDGE_THICKER_PX = 1.0  # ...unless its core is this much deeper than the rules' (a pen stroke)
CELL_BESIDE = 0.5  # x char height: a run this near a box's side edge already out, with paper between, is a stroke
CELL_BESIDE_MIN_PX = 2.5  # ...(apart by more than this: nearer, it is what is left of that same edge)
CELL_BORDER_THINNESS = 0.25  # a cell border is at most this wide for its length (plus 2 px)
PAGE_LINE_FRACTION = 0.4  # a sparse component this share of the frame's side long: page-wide rules
PAGE_LINE_FILL = 0.15  # ...filling less than this of its box (rules joined with the writing on them)
PAGE_KERNEL_ALONG = 0.6  # x frame long side: rules removed before characters can be measured; a
# big 2 held up close has a base of half the frame, a page rule spans most of it
PAGE_KERNEL_ACROSS = 0.8  # ...and across (a margin line); a held-up 1 is never this tall
GRID_MAX_FILL = 0.4  # a frame-long component filling less of its box may be a table in thick lines...
GRID_LINE_SHARE = 0.6  # ...if it holds lines this share of its box long, 2+ each way or 3+ one way
GRID_LINE_THINNESS = 0.08  # ...its ink this thick at most, x its box's shorter side (tables 0.03-0.05, a digit 0.15)

# --- Touching characters (vision/split.py) ------------------------------------------------
SPLIT_MIN_WIDTH = 1.0  # x char height along the text: wider crops are also tried cut in parts
SPLIT_MAX_WIDTH = 4.0  # ...up to this wide (wider is a scribble or a word, never a PIN)
SPLIT_MAX_TILT_DEG = 15.0  # cuts are image columns: only for text within this of horizontal
SPLIT_MIN_PART = 0.25  # x char height: a part is at least this wide (a 1 is about this narrow)
SPLIT_MIN_PART_HEIGHT = 0.45  # ...and this tall: a sliver cut off a bar is no character
SPLIT_MIN_INK = 0.1  # ...and holds this share of the crop's ink
SPLIT_SPAN_WEIGHT = 0.5  # cost of a cut per pixel of ink span it crosses, beside each ink pixel
SPLIT_MAX_CUTS = 4  # thinnest column minima tried per crop, at least...
SPLIT_CUTS_PER_HEIGHT = 2.5  # ...and this many per char height of a long crop (a chain of digits)
SPLIT_CHAR_WIDTH = 0.4  # x char height: a crop holds at most one character per this width (two at least; a 191 is 1.3)
SPLIT_MIN_STRENGTH = 0.5  # x the median crop's contrast: fainter crops are never cut (paper grain)
SPLIT_SEAM_BAND = 0.2  # x char height: a cut may wind this far either side of its column...
SPLIT_SEAM_DRIFT = 0.02  # ...each column away costing this share of an ink pixel crossed
SPLIT_MARK_PART = 0.0  # a cut's part, or a whole crop, read as no character scores this share of its verdict
SPLIT_PART_MAX_WIDTH = 1.4  # x char height: no part of a cut is wider (a wide 0 or 4 is about 1.1)
SPLIT_MARGIN = 0.1  # a cut must read this much surer than the whole (product of part confidences)
SPLIT_BLOB_ERODE = 0.24  # x char height: an erosion this wide leaves nothing of pen strokes...
SPLIT_BLOB_CORE = 0.3  # ...a shadow or smudge keeps more than this share (bold digits run together 0.1-0.2): not cut
SPLIT_PART_CONFIDENCE = 0.9  # every character a cut gives must be read at least this surely...
SPLIT_PART_CONFIDENCE_UNREAD = 0.7  # ...this, when the whole reads as no character (overlapping digits)
SPLIT_NARROW_MARGIN = 0.5  # per char height below SPLIT_WIDE, a cut must read this much surer
SPLIT_WIDE = 1.3  # x char height: a crop this wide is two characters or more, not one mark
SPLIT_SURE_WHOLE = 0.99  # ...unless the model reads it this surely as one character (a 5 with a long bar)
SPLIT_GUESS_WIDTH = 1.6  # x char height: a crop this wide is cut at its best cut, even an unsure one,
SPLIT_GUESS_COVER = 0.65  # ...when the characters it reads fill this share of the crop's width
SPLIT_SURER = 0.999  # a crop SPLIT_SURER_WIDTH or wider is cut when every part of a cut reads this surely...
SPLIT_SURER_WIDTH = 1.15  # ...(x char height) and surer than the whole: probabilities saturate near 1
SPLIT_MIN_ACROSS = 0.6  # x char height: a wide crop this tall is a split candidate, not a dash

# Skin (vision/segment.py::_on_skin): the median colour of a candidate's box, OpenCV's full-range
# HSV (hue 0-255 for 0-360 degrees). Skin is orange-red and clearly saturated under any light.
SKIN_HUE_MAX = 36  # about 50 degrees: red through orange
SKIN_HUE_WRAP = 10  # ...and the reds just below 360 degrees
SKIN_MIN_SATURATION = 80  # of 255: skin is this saturated anywhere (paper under lamp light reaches 70)
SKIN_OVER_PAPER = 30  # ...or this much more than the frame's median (its paper), when that is less...
SKIN_LEAST_SATURATION = 56  # ...but never less than this (pale skin over white paper: 74)
SKIN_MIN_VALUE = 60  # darker than this is shadow, whatever its hue
SKIN_SHARE = 0.3  # a candidate whose box is this much skin lies on a finger (a fingertip over a
# card's edge fills about half its box; orange ink strokes fill far less of theirs)

# --- Lock file bounds and locking (vision/lockstore.py) ----------------------------------
# Every number in a lock file is checked against these at load, so a tampered or damaged file is
# refused with one line (exit 2) instead of overflowing or freezing a check after the PIN is typed.
LOCK_FILE_MAX_BYTES = 4096  # ours is about 350 bytes; a bigger file is not read, let alone parsed
LOCK_MAX_EPOCH_S = 4_102_444_800  # 2100-01-01 UTC: a lockout_until beyond it is corrupt
SCRYPT_N_MIN = 2**10  # below this scrypt is no slow hash at all (tests use it, explicitly)
SCRYPT_N_MAX = 2**20
SCRYPT_R_MAX = 32
SCRYPT_P_MAX = 16
SCRYPT_MAX_MEMORY_BYTES = 2**28  # 256 MiB (4x the default's 64 MiB): 128 * n * r must fit
SCRYPT_MAX_WORK = 2**21  # n * r * p, 4x the default: about 0.9 s a check on the reference machine
SCRYPT_DKLEN_MIN = 16  # bytes of derived hash
SCRYPT_DKLEN_MAX = 64
PIN_SALT_MIN_BYTES = 8
PIN_SALT_MAX_BYTES = 64
LOCK_SUFFIX = ".lock"  # sibling file held under flock: the lock file itself is replaced by rename
LOCK_WAIT_S = 10.0  # a check waits this long for another process's check (at most ~2 s at the cap)
LOCK_POLL_S = 0.01  # retry interval while another process holds the lock

# Headless feedback while locked out: the time left is announced when the lockout starts and
# again as it drops to each of these many seconds, not every frame.
LOCKOUT_NOTICE_AT_S: tuple[int, ...] = (1800, 900, 600, 300, 120, 60, 30, 10)

# --- Teaching the personal model (vision/teach.py) -----------------------------------------
TEACH_PER_CLASS = 3  # samples asked for per character: 33 in all, about two minutes of holding up cards
TEACH_HOLD_S = 0.8  # a card must stay still this long to be taken: longer than PIN entry, a sample must be sharp
TEACH_HOLD_FRAMES = 4  # ...and over this many frames, so a stalled camera cannot take one
TEACH_STILL_IOU = 0.5  # the held card's box must overlap its previous frame's this much to count as still
TEACH_GONE_S = 0.3  # no card for this long before the next one can be taken
TEACH_GONE_FRAMES = 2  # ...and for this many frames
TEACH_CONFIRM_S = 1.5  # "got it" stays on screen this long

# --- Evaluation on labelled photos and generated scenes (vision/evaluate.py) ---------------
ROI_MARGIN = 0.04  # of an ROI box's smaller side: a glyph touching the box edge keeps its stroke ends
ROI_MIN_MARGIN = 3  # px, at least
BOX_MATCH_IOU = 0.5  # a true box counts as found when a detection overlaps it this much
FAILURE_SIDE = 1280  # px, long side of a saved failure picture
FAILURE_HEADER_PX = 44  # height of the failure picture's header bar (two text lines)
FAILURE_DETECTION_COLOR = (0, 200, 0)  # BGR: the reader's boxes and characters
FAILURE_ROI_COLOR = (255, 128, 0)  # BGR: the label's ROI boxes

# --- Web app (vision/web, recognize_live.py --web) -----------------------------------------
WEB_HOST = "127.0.0.1"  # --host default: loopback only, the browser allows the webcam there without HTTPS
LOOPBACK_HOSTS: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")  # --host values that serve this machine only
WEB_PORT = 8000  # --port default
WEB_MAX_BODY_BYTES = 10 * 1024 * 1024  # a request body (photo upload) larger than this is refused (413)
WEB_MAX_SESSIONS = 32  # live sessions kept at once; the longest idle one makes room for a new one
WEB_IDLE_S = 600.0  # 10 minutes without a frame or an action and a live session is dropped
WEB_ACTION_WAIT_S = 5.0  # a key press waits for the frame in flight (a frame is dropped, never waits)
WEB_CSRF_TOKEN_BYTES = 32  # random bytes of the per-start CSRF token
WEB_SESSION_ID_BYTES = 16  # random bytes of a live session's id: unguessable, it is the session's only key
