"""Encoding an exported animation's frames (no Qt): animated GIF, WebP and APNG with
Pillow, MP4 (H.264) with PyAV when it is installed (``pip install 'hmipviz[mp4]'``).

Why these: Pillow is the maintained imaging library of the Python world, with wheels
for every platform that bundle the GIF, WebP and PNG encoders, and it writes animated
files from a list of frames with one call; it needs nothing outside the wheel. PyAV
binds FFmpeg's libraries in-process (its wheels bundle them, libx264 included), so MP4
needs no ``ffmpeg`` program on the PATH and no subprocess; it is large, so it is an
optional extra.

Frames arrive as packed RGB bytes (``width * 3`` bytes a row). Every format is written
to a temporary name and renamed when complete (:func:`hmipviz.fileio.atomic_path`), so
a cancelled or failed export leaves no half file. The same frames give the same bytes:
nothing time- or machine-dependent is written (GIF uses one palette for the whole
animation, computed from sample frames, without dithering).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from hmipviz.fileio import atomic_path

FORMATS = ("gif", "webp", "apng", "mp4")
SUFFIXES = {".gif": "gif", ".webp": "webp", ".png": "apng", ".apng": "apng", ".mp4": "mp4"}
DESCRIPTIONS = {"gif": "Animated GIF (*.gif)", "webp": "Animated WebP (*.webp)",
                "apng": "Animated PNG (*.png *.apng)", "mp4": "MP4 video, H.264 (*.mp4)"}
MP4_HINT = "MP4 needs PyAV: pip install 'hmipviz[mp4]' (or pip install av)"
GIF_COLOURS = 255  # one palette index left free


class EncodeError(ValueError):
    """A format or size that cannot be written; the message says why."""


def format_for(path: str | os.PathLike[str]) -> str:
    """The format a file name asks for by its suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise EncodeError(f"{os.fspath(path)}: unknown animation suffix {suffix or '(none)'!r}; "
                          "use .gif, .webp, .png (APNG) or .mp4")
    return SUFFIXES[suffix]


def unavailable(fmt: str) -> str | None:
    """Why ``fmt`` cannot be written here (None: it can)."""
    if fmt == "mp4":
        return None if importlib.util.find_spec("av") is not None else MP4_HINT
    if importlib.util.find_spec("PIL") is None:
        return "GIF, WebP and APNG need Pillow: pip install pillow"
    if fmt == "webp":
        from PIL import features
        if not features.check("webp"):
            return "this Pillow was built without WebP"
    return None


def unit_ms(fmt: str) -> int:
    """The smallest frame duration step of the format (GIF counts in centiseconds)."""
    return 10 if fmt == "gif" else 1


def check_size(fmt: str, width: int, height: int) -> None:
    if not (16 <= width <= 7680 and 16 <= height <= 4320):
        raise EncodeError(f"--size {width}x{height}: width and height must be 16 to "
                          "7680 and 16 to 4320 pixels")
    if fmt == "mp4" and (width % 2 or height % 2):
        raise EncodeError(f"--size {width}x{height}: MP4 (H.264) needs an even width and "
                          "height")


def _image(rgb: bytes, size: tuple[int, int]) -> Any:
    from PIL import Image
    return Image.frombytes("RGB", size, rgb)


def gif_palette(samples: Sequence[bytes], size: tuple[int, int]) -> Any:
    """One palette for every frame: the median cut of a few frames stacked together
    (so colours that appear only mid-way, a token's, are in it)."""
    from PIL import Image
    w, h = size
    sheet = Image.new("RGB", (w, h * max(1, len(samples))), "white")
    for k, rgb in enumerate(samples):
        sheet.paste(_image(rgb, size), (0, h * k))
    return sheet.quantize(GIF_COLOURS, method=Image.Quantize.MEDIANCUT,
                          dither=Image.Dither.NONE)


def encode(path: str | os.PathLike[str], fmt: str, frames: Iterable[bytes],
           size: tuple[int, int], durations_ms: Sequence[int],
           palette_samples: Sequence[bytes] = ()) -> int:
    """Write ``frames`` (packed RGB, ``size``) shown for ``durations_ms`` each as
    ``fmt`` to ``path``, atomically; the number of frames written. An exception from
    the frames' iterator (a cancel) leaves nothing behind."""
    if fmt not in FORMATS:
        raise EncodeError(f"unknown animation format {fmt!r} (one of {', '.join(FORMATS)})")
    why = unavailable(fmt)
    if why:
        raise EncodeError(why)
    check_size(fmt, *size)
    with atomic_path(path) as tmp:
        if fmt == "mp4":
            return _write_mp4(tmp, frames, size, durations_ms)
        return _write_pillow(tmp, fmt, frames, size, durations_ms, palette_samples)


def _write_pillow(tmp: Path, fmt: str, frames: Iterable[bytes], size: tuple[int, int],
                  durations_ms: Sequence[int], palette_samples: Sequence[bytes]) -> int:
    from PIL import Image
    palette = gif_palette(palette_samples, size) if fmt == "gif" and palette_samples else None
    images = []
    for rgb in frames:
        im = _image(rgb, size)
        if fmt == "gif":
            if palette is None:  # no samples given: the first frame's colours
                palette = gif_palette([rgb], size)
            im = im.quantize(palette=palette, dither=Image.Dither.NONE)
        images.append(im)
    if not images:
        raise EncodeError("no frames to write")
    durations = list(durations_ms[:len(images)])
    first, rest = images[0], images[1:]
    if fmt == "gif":
        first.save(tmp, format="GIF", save_all=True, append_images=rest, duration=durations,
                   loop=0, optimize=False, disposal=1)
    elif fmt == "webp":
        first.save(tmp, format="WEBP", save_all=True, append_images=rest, duration=durations,
                   loop=0, quality=85, method=4, minimize_size=False)
    else:
        first.save(tmp, format="PNG", save_all=True, append_images=rest, duration=durations,
                   loop=0, default_image=False, disposal=0, blend=0)
    return len(images)


def _write_mp4(tmp: Path, frames: Iterable[bytes], size: tuple[int, int],
               durations_ms: Sequence[int]) -> int:
    """H.264 in MP4, each frame at its own time (milliseconds), so the held first and
    last frames last as long as in the GIF."""
    import av
    w, h = size
    count = 0
    with av.open(str(tmp), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.options = {"crf": "20", "preset": "medium", "threads": "1"}
        pts, last = 0, b""
        for rgb in frames:
            _mux(container, stream, rgb, w, h, pts)
            pts += int(durations_ms[count]) if count < len(durations_ms) else 1
            last = rgb
            count += 1
        if count:  # the last frame again where its hold ends: MP4 frames have no length
            _mux(container, stream, last, w, h, pts - 1)
        for packet in stream.encode():
            container.mux(packet)
    if not count:
        raise EncodeError("no frames to write")
    return count


def _mux(container: Any, stream: Any, rgb: bytes, w: int, h: int, pts: int) -> None:
    """One RGB frame into the H.264 stream at ``pts`` milliseconds."""
    import av
    frame = av.VideoFrame(w, h, "rgb24")
    plane = frame.planes[0]
    row = w * 3
    if plane.line_size == row:
        plane.update(rgb)
    else:  # FFmpeg pads its rows: copy row by row
        pad = b"\0" * (plane.line_size - row)
        plane.update(b"".join(rgb[y * row:(y + 1) * row] + pad for y in range(h)))
    frame.pts = pts
    frame.time_base = Fraction(1, 1000)
    for packet in stream.encode(frame):
        container.mux(packet)


__all__ = ["EncodeError", "FORMATS", "SUFFIXES", "DESCRIPTIONS", "MP4_HINT", "encode",
           "format_for", "unavailable", "unit_ms", "check_size", "gif_palette"]
