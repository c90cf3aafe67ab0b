"""A picture for Chromium's fake camera: ``--use-file-for-fake-video-capture=FILE.y4m`` plays a
YUV4MPEG2 file (4:2:0, ``C420``) in a loop. ``write_y4m`` centres an image (a QR code drawn by
the test) on a white frame and writes a few identical frames; ``qr_image`` draws a link's QR
code with the ``qrcode`` package (error correction M, as the cards and tokens are printed)."""

from __future__ import annotations

from pathlib import Path

import qrcode
from PIL import Image

WIDTH, HEIGHT = 640, 480


def qr_image(text: str, box_size: int = 4) -> Image.Image:
    """The QR code of ``text`` (black on white, a quiet zone of 4 modules)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size,
                         border=4)
    code.add_data(text)
    code.make(fit=True)
    drawn: Image.Image = code.make_image(fill_color="black", back_color="white").get_image()
    return drawn.convert("RGB")


def frame_of(image: Image.Image, width: int = WIDTH, height: int = HEIGHT) -> Image.Image:
    """``image`` scaled to fit (nearest neighbour: sharp modules) and centred on white."""
    if width % 2 or height % 2:
        raise ValueError("a 4:2:0 frame has an even width and height")
    scale = min(width / image.width, height / image.height) * 0.9
    size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(image.convert("RGB").resize(size, Image.Resampling.NEAREST),
                ((width - size[0]) // 2, (height - size[1]) // 2))
    return frame


def y4m_bytes(image: Image.Image, frames: int = 5, width: int = WIDTH,
              height: int = HEIGHT) -> bytes:
    """A YUV4MPEG2 stream (C420, 30 fps) of ``frames`` identical frames showing ``image``."""
    if frames < 1:
        raise ValueError("at least one frame")
    y, u, v = frame_of(image, width, height).convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = (y.tobytes() + u.resize(half, Image.Resampling.BILINEAR).tobytes()
              + v.resize(half, Image.Resampling.BILINEAR).tobytes())
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420\n".encode("ascii")
    return header + b"".join(b"FRAME\n" + planes for _ in range(frames))


def write_y4m(path: Path, image: Image.Image, frames: int = 5) -> Path:
    path.write_bytes(y4m_bytes(image, frames))
    return path
