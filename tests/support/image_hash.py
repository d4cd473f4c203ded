"""Perceptual hashes of JPEG thumbnails, decoded with PyAV: are two pictures different?"""

from __future__ import annotations

import io

import av
import numpy as np


def decode_jpeg(data: bytes) -> av.VideoFrame:
    with av.open(io.BytesIO(data), format="image2pipe") as container:
        return next(container.decode(video=0))


def jpeg_size(data: bytes) -> tuple[int, int]:
    frame = decode_jpeg(data)
    return frame.width, frame.height


def difference_hash(data: bytes, width: int = 16, height: int = 9) -> int:
    """dHash: each bit says whether a pixel is brighter than its right neighbour."""
    small = decode_jpeg(data).reformat(width=width + 1, height=height, format="gray")
    pixels = np.asarray(small.to_ndarray(), dtype=np.int16)
    bits = (pixels[:, 1:] > pixels[:, :-1]).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()
