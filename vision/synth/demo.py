"""The built-in demo video: a PIN held up to a camera one card at a time, then written in a row.

``demo_frames`` is the "demo" video source, for a newcomer with no camera; ``demo_schedule`` says
which text is in view on which frame, so tests and the benchmark know what the reader should type.
Every card is drawn once, up front, through ``render_scene``; a frame is then a copy, a paste and
pre-drawn sensor noise (about a millisecond).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from vision import config
from vision.synth import tuning
from vision.synth.glyphs import hershey_glyph
from vision.synth.paint import SKIN_BGR, clip_to_uint8, finish, pt, sensor_noise, skin_shade, smooth_noise
from vision.synth.scene import POLARITIES, random_perspective, render_scene

_HOLD_AT = {False: (0.5,), True: (0.12, 0.88)}  # where hands hold a card: one char, a row


@dataclass(frozen=True)
class _Sprite:
    """A held card drawn once, with the hand holding it and its drop shadow baked in."""

    image: np.ndarray  # uint8 HxWx4, premultiplied: B*a, G*a, R*a, a
    anchor: tuple[float, float]  # card centre in sprite pixels: the hand turns the card about it
    card_size: tuple[int, int]  # (width, height) of the card itself, pixels


@dataclass(frozen=True)
class _Shot:
    """One card on screen: fully in view for loop frames [start, end), moving in and out around."""

    start: int
    end: int
    sprite: _Sprite
    home: tuple[float, float]  # card centre mid-hold, frame pixels
    drift: tuple[float, float]  # pixels per second
    phases: tuple[float, float, float]
    tilt: float  # degrees, counter-clockwise
    exit_dy: float  # downward shift that takes the card fully out of view


@dataclass(frozen=True)
class _Stage:
    """Everything the demo draws, made once; a frame is then a copy, a paste and noise."""

    background: np.ndarray  # uint8 HxWx3
    shots: tuple[_Shot, ...]
    owner: np.ndarray  # int32 per loop frame: index of the shot on screen, -1 for none
    noise: tuple[tuple[np.ndarray, np.ndarray], ...]  # (+, -) uint8 HxWx3 noise fields
    fps: float
    move: int  # frames a card takes to enter or leave


def _n_frames(seconds: float, fps: float) -> int:
    return max(1, round(seconds * fps))


def _check_pin(pin: str, fps: float) -> None:
    if not pin or any(ch not in config.CLASSES for ch in pin):
        raise ValueError(f"demo PIN {pin!r} must be made of {''.join(config.CLASSES)}")
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")


def demo_schedule(pin: str = config.DEMO_PIN, fps: float = config.DEMO_FPS) -> list[tuple[int, int, str]]:
    """One loop of the demo as (start_frame, end_frame, text), end exclusive, back to back.

    text is a PIN char while its card is fully in view, the whole PIN while the row is, and ""
    otherwise. A "" segment holds the previous card leaving and the next one entering (DEMO_MOVE_S
    at each end) around frames with nothing in view, which re-arms a repeated char.
    """
    _check_pin(pin, fps)
    move = _n_frames(tuning.DEMO_MOVE_S, fps)
    gap = max(_n_frames(tuning.DEMO_GAP_S, fps), 2 * move + 2)
    parts = [p for ch in pin for p in (("", gap), (ch, _n_frames(tuning.DEMO_CARD_HOLD_S, fps)))]
    parts += [("", gap), (pin, _n_frames(tuning.DEMO_ROW_HOLD_S, fps))]
    parts.append(("", max(_n_frames(tuning.DEMO_PAUSE_S, fps), move + 2)))
    schedule, start = [], 0
    for text, n in parts:
        schedule.append((start, start + n, text))
        start += n
    return schedule


def demo_frames(
    pin: str = config.DEMO_PIN,
    size: tuple[int, int] = (640, 480),
    fps: float = config.DEMO_FPS,
    seed: int = 0,
    polarity: str = "dark",
    loop: bool = True,
) -> Iterator[np.ndarray]:
    """The "demo" source: BGR uint8 frames, size (width, height), of a PIN held up to a camera.

    Each PIN char comes on its own card held by a hand, then the whole PIN written in one row, as
    ``demo_schedule`` says; polarity "dark" is ink on paper cards, "light" chalk on slates. All
    drawing happens here, eagerly (bad arguments fail now), so a frame costs about a millisecond.
    The same seed gives the same frames. With loop=False the stream ends after one loop.
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, got {polarity!r}")
    stage = _build_stage(pin, size, fps, polarity, np.random.default_rng(seed))
    return _play(stage, loop)


def _play(stage: _Stage, loop: bool) -> Iterator[np.ndarray]:
    while True:
        for i in range(len(stage.owner)):
            yield _demo_frame(stage, i)
        if not loop:
            return


def _build_stage(pin: str, size: tuple[int, int], fps: float, polarity: str, rng) -> _Stage:
    """Draw the background, one card per PIN char and the row card, and the noise fields."""
    schedule = demo_schedule(pin, fps)
    move = _n_frames(tuning.DEMO_MOVE_S, fps)
    background = _demo_background(size, polarity, rng)
    shown = [(start, end, text) for start, end, text in schedule if text]
    shots = []
    for k, (start, end, text) in enumerate(shown):
        row = k == len(shown) - 1
        fraction = tuning.DEMO_ROW_CHAR_FRACTION if row else tuning.DEMO_CARD_CHAR_FRACTION
        sprite = _card_sprite(text, fraction * size[1], size, polarity, rng)
        shots.append(_make_shot(sprite, start, end, size, fps, rng))
    owner = np.full(schedule[-1][1], -1, np.int32)
    for k, shot in enumerate(shots):
        owner[max(shot.start - move, 0) : shot.end + move] = k
    noise = tuple(_noise_pair(size, rng) for _ in range(tuning.DEMO_NOISE_FRAMES))
    return _Stage(background, tuple(shots), owner, noise, fps, move)


def _demo_background(size: tuple[int, int], polarity: str, rng) -> np.ndarray:
    """uint8 HxWx3 backdrop: a wooden desk behind paper cards, a grey wall behind slates."""
    w, h = size
    streaks = cv2.resize(
        rng.standard_normal((max(2, h // 3), max(2, w // 80))).astype(np.float32),
        (w, h),
        interpolation=cv2.INTER_CUBIC,
    )
    if polarity == "dark":
        colour = np.float32([80, 120, 160]) * rng.uniform(0.85, 1.1)
        texture = 4 * streaks + 5 * smooth_noise((h, w), h / 3, rng)
        texture += 1.5 * smooth_noise((h, w), 2.5, rng)
    else:
        colour = np.float32([128, 132, 130]) * rng.uniform(0.85, 1.1)
        texture = 5 * smooth_noise((h, w), h / 3, rng) + 2 * smooth_noise((h, w), 3, rng)
    frame = colour[None, None, :] + texture[:, :, None]
    frame = cv2.warpPerspective(frame, random_perspective(size, 0.6, rng), size, borderMode=cv2.BORDER_REFLECT)
    finish(frame, gradient=0.45, blur=0.8, noise=0.0, rng=rng)
    return clip_to_uint8(frame)


def _card_sprite(text: str, char_h: float, size: tuple[int, int], polarity: str, rng) -> _Sprite:
    """A paper card (or slate) with ``text`` in one row, held from below by one or two hands."""
    glyphs = [hershey_glyph(ch, rng, max(16, round(1.2 * char_h))) for ch in text]
    card_w, card_h = _card_size(glyphs, char_h, size)
    scene = render_scene(
        glyphs, list(text), rng, (card_w, card_h), rows=1, polarity=polarity,
        char_height=round(char_h), gradient=0.2, blur=0.6,
    )  # fmt: skip
    pad, hand = round(0.15 * card_h), 0.5 * size[1]  # a hand is about half the view this close
    canvas = np.zeros((card_h + pad + round(1.2 * hand), card_w + 2 * pad, 4), np.float32)
    edge, ink_bottom = pad + card_h, pad + max(c.box.y2 for c in scene.chars)
    holds = [
        (pad + card_w * (at + rng.uniform(-0.1, 0.1)), rng.uniform(-0.3, 0.3) * hand) for at in _HOLD_AT[len(text) > 1]
    ]
    for x, lean in holds:  # palms behind the card
        palm = np.zeros(canvas.shape[:2], np.uint8)
        axes = (round(0.24 * hand), round(0.45 * hand))
        cv2.ellipse(palm, pt((x + lean / 2, edge + 0.4 * hand)), axes, 0, 0, 360, 255, -1)
        _over_skin(canvas, palm, hand, rng)
    _over(canvas, pad, pad, scene.frame.astype(np.float32), _rounded_rect(card_w, card_h))
    for x, lean in holds:  # thumbs in front, clear of the ink
        thumb, width = np.zeros(canvas.shape[:2], np.uint8), 0.14 * hand
        tip = (x, max(edge - 0.22 * hand, ink_bottom + 0.22 * hand) + width / 2)  # far from the ink
        cv2.line(thumb, pt(tip), pt((x + lean, edge + 0.5 * hand)), 255, round(width), cv2.LINE_AA)
        _over_skin(canvas, thumb, hand, rng)
    _under_shadow(canvas, card_h)
    image = np.clip(np.rint(canvas * (1, 1, 1, 255)), 0, 255).astype(np.uint8)
    return _Sprite(image, (pad + card_w / 2, pad + card_h / 2), (card_w, card_h))


def _rounded_rect(w: int, h: int) -> np.ndarray:
    """float32 h x w alpha of a card with slightly rounded, anti-aliased corners."""
    mask = np.zeros((h, w), np.uint8)
    r = max(2, round(0.04 * h))
    cv2.rectangle(mask, (r, r), (w - 1 - r, h - 1 - r), 255, -1)
    cv2.rectangle(mask, (r, r), (w - 1 - r, h - 1 - r), 255, 2 * r, cv2.LINE_AA)
    return mask.astype(np.float32) / 255


def _over(canvas: np.ndarray, x: int, y: int, colour: np.ndarray, alpha: np.ndarray) -> None:
    """Composite a layer (straight colour HxWx3, alpha HxW) over premultiplied BGRA ``canvas``."""
    h, w = alpha.shape
    roi = canvas[y : y + h, x : x + w]
    roi *= 1 - alpha[:, :, None]
    roi[:, :, :3] += colour * alpha[:, :, None]
    roi[:, :, 3] += alpha


def _over_skin(canvas: np.ndarray, mask: np.ndarray, hand: float, rng) -> None:
    """Composite skin where uint8 ``mask`` is set, shaded to look round, over ``canvas``."""
    x, y, w, h = cv2.boundingRect(mask)
    m = mask[y : y + h, x : x + w].astype(np.float32) / 255
    shade = skin_shade(m, 0.04 * hand, cv2.BORDER_CONSTANT)
    skin = np.float32(SKIN_BGR) * rng.uniform(0.85, 1.1)
    _over(canvas, x, y, shade[:, :, None] * skin, m)


def _under_shadow(canvas: np.ndarray, card_h: int) -> None:
    """Add a soft drop shadow (black, so only alpha grows) under premultiplied ``canvas``."""
    shift = np.float32([[1, 0, 0.04 * card_h], [0, 1, 0.06 * card_h]])
    shadow = cv2.warpAffine(canvas[:, :, 3].copy(), shift, canvas.shape[1::-1])
    shadow = cv2.GaussianBlur(shadow, (0, 0), 0.03 * card_h)
    canvas[:, :, 3] += (1 - canvas[:, :, 3]) * (tuning.DEMO_SHADOW_OPACITY * shadow)


def _card_size(glyphs: Sequence[np.ndarray], char_h: float, size: tuple[int, int]) -> tuple[int, int]:
    """(width, height) of a card that holds the glyphs in one row at char_h, within the frame."""
    aspects = sum(g.shape[1] / g.shape[0] for g in glyphs) * (1 + tuning.SCENE_SIZE_JITTER)
    text_w = char_h * (aspects + tuning.SCENE_GAP_RANGE[1] * (len(glyphs) - 1))
    card_h = char_h / 0.62 if len(glyphs) == 1 else 1.9 * char_h
    card_w = max(text_w / (1 - 2 * tuning.SCENE_MARGIN_FRACTION) + 0.3 * char_h, 0.78 * card_h)
    return round(min(card_w, 0.9 * size[0])), round(min(card_h, 0.85 * size[1]))


def _make_shot(sprite: _Sprite, start: int, end: int, size, fps: float, rng) -> _Shot:
    """Where and how a card is held: a home that keeps it in view through drift and sway."""
    _w, h = size
    hold_s = (end - start) / fps
    tilt = rng.uniform(-3, 3)
    angle = math.radians(abs(tilt) + tuning.DEMO_SWAY_DEG)
    cw, ch = sprite.card_size
    ext = np.array([cw * math.cos(angle) + ch * math.sin(angle), cw * math.sin(angle) + ch * math.cos(angle)])
    room = np.maximum((np.array(size) - ext) / 2 - tuning.DEMO_TREMOR * h - 2, 0)
    drift = rng.uniform(-1, 1, 2) * np.minimum(tuning.DEMO_DRIFT * h, room / max(hold_s / 2, 1e-6))
    slack = np.maximum(room - np.abs(drift) * hold_s / 2, 0)
    home = np.array(size) / 2 + rng.uniform(-0.6, 0.6, 2) * slack
    exit_dy = h - (home[1] - ext[1] / 2) + 0.1 * ch
    phases = tuple(rng.uniform(0, 2 * math.pi, 3))
    return _Shot(start, end, sprite, tuple(home), tuple(drift), phases, tilt, exit_dy)


def _pose(shot: _Shot, i: int, stage: _Stage) -> np.ndarray:
    """2x3 affine, sprite -> frame pixels, of the card at loop frame ``i``: drift, tremor, sway."""
    t = (i - shot.start) / stage.fps
    hold_mid = (shot.end - shot.start) / stage.fps / 2
    amp = tuning.DEMO_TREMOR * stage.background.shape[0]
    p1, p2, p3 = shot.phases
    x = shot.home[0] + shot.drift[0] * (t - hold_mid) + amp * math.sin(2 * math.pi * 1.3 * t + p1)
    y = shot.home[1] + shot.drift[1] * (t - hold_mid) + amp * math.sin(2 * math.pi * 2.1 * t + p2)
    angle = shot.tilt + tuning.DEMO_SWAY_DEG * math.sin(2 * math.pi * 0.45 * t + p3)
    if i < shot.start:
        out = (shot.start - i) / stage.move
    else:
        out = (i - shot.end + 1) / stage.move if i >= shot.end else 0.0
    out = min(max(out, 0.0), 1.0)
    eased = out * out * (3 - 2 * out)
    matrix = cv2.getRotationMatrix2D(shot.sprite.anchor, angle + 8 * eased, 1.0)
    matrix[:, 2] += np.array([x, y + eased * shot.exit_dy]) - shot.sprite.anchor
    return matrix


def _paste(frame: np.ndarray, sprite: _Sprite, matrix: np.ndarray) -> None:
    """Composite the sprite, warped by 2x3 ``matrix``, onto uint8 ``frame`` in place."""
    fh, fw = frame.shape[:2]
    sh, sw = sprite.image.shape[:2]
    pts = np.float32([[0, 0], [sw, 0], [sw, sh], [0, sh]]) @ matrix[:, :2].T + matrix[:, 2]
    x0, y0 = (max(math.floor(v), 0) for v in pts.min(axis=0))
    x1, y1 = min(math.ceil(pts[:, 0].max()), fw), min(math.ceil(pts[:, 1].max()), fh)
    if x1 <= x0 or y1 <= y0:
        return
    local = matrix.copy()
    local[:, 2] -= (x0, y0)
    card = cv2.warpAffine(sprite.image, local, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR)
    # uint8 OpenCV arithmetic, not float numpy: this is most of a frame's cost.
    keep = cv2.cvtColor(cv2.bitwise_not(cv2.extractChannel(card, 3)), cv2.COLOR_GRAY2BGR)
    roi = cv2.multiply(frame[y0:y1, x0:x1], keep, scale=1 / 255)
    frame[y0:y1, x0:x1] = cv2.add(roi, cv2.cvtColor(card, cv2.COLOR_BGRA2BGR))


def _noise_pair(size: tuple[int, int], rng) -> tuple[np.ndarray, np.ndarray]:
    """Sensor noise split into its positive and negative parts, uint8 HxWx3 each, for cv2.add."""
    noise = sensor_noise((size[1], size[0]), tuning.DEMO_NOISE_STD, rng)
    positive = np.clip(np.rint(noise), 0, 255).astype(np.uint8)
    negative = np.clip(np.rint(-noise), 0, 255).astype(np.uint8)
    return positive, negative


def _demo_frame(stage: _Stage, i: int) -> np.ndarray:
    """Loop frame ``i`` of the demo: BGR uint8 HxWx3, a new array."""
    frame = stage.background.copy()
    k = int(stage.owner[i])
    if k >= 0:
        shot = stage.shots[k]
        _paste(frame, shot.sprite, _pose(shot, i, stage))
    positive, negative = stage.noise[i % len(stage.noise)]
    cv2.add(frame, positive, dst=frame)
    cv2.subtract(frame, negative, dst=frame)
    return frame
