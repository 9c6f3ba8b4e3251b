"""Named convolution kernels, the checks an edited kernel must pass, and greyscale patches to convolve."""

from __future__ import annotations

import math

import numpy as np

from dlcore import images


def _gaussian(size: int, sigma: float) -> np.ndarray:
    axis = np.arange(size) - (size - 1) / 2
    bell = np.exp(-(axis**2) / (2 * sigma**2))
    kernel = np.outer(bell, bell)
    return kernel / kernel.sum()


PRESETS = {  # name -> (label, kernel); every value a plain float
    "identity": ("Identity", np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], float)),
    "box_blur": ("Box blur 3×3", np.full((3, 3), 1 / 9)),
    "gaussian_blur": ("Gaussian blur 3×3", np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], float) / 16),
    "sharpen": ("Sharpen", np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], float)),
    "sobel_x": ("Sobel x (vertical edges)", np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float)),
    "sobel_y": ("Sobel y (horizontal edges)", np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], float)),
    "laplacian": ("Laplacian (all edges)", np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], float)),
    "emboss": ("Emboss", np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], float)),
    "box_blur_5": ("Box blur 5×5", np.full((5, 5), 1 / 25)),
    "gaussian_blur_5": ("Gaussian blur 5×5 (σ = 1)", _gaussian(5, 1.0)),
}
PRESET_LABELS = {name: label for name, (label, _) in PRESETS.items()}
MAX_KERNEL_VALUE = 100.0


def preset_kernel(name: str, size: int | None = None) -> np.ndarray:
    """A preset at its own size, or centred in (or cropped to) size x size."""
    kernel = PRESETS[name][1]
    if size is None or size == len(kernel):
        return kernel.copy()
    if size > len(kernel):
        pad = (size - len(kernel)) // 2
        return np.pad(kernel, pad)
    cut = (len(kernel) - size) // 2
    return kernel[cut : cut + size, cut : cut + size].copy()


def kernel_problems(cells) -> list[str]:
    """What is wrong with an edited kernel, cell by cell (empty, not a number, NaN, infinite or huge); [] if it is fine."""
    rows = [list(row) for row in cells]
    if not rows or any(len(row) != len(rows) for row in rows):
        return [f"the kernel must be square (got {len(rows)} rows of lengths {sorted({len(r) for r in rows})})"]
    problems = []
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            where = f"kernel cell (row {r}, column {c})"
            if value is None or (isinstance(value, str) and not value.strip()):
                problems.append(f"{where} is empty")
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                problems.append(f"{where} is not a number")
                continue
            if math.isnan(number):
                problems.append(f"{where} is empty (NaN)")
            elif not math.isfinite(number) or abs(number) > MAX_KERNEL_VALUE:
                problems.append(f"{where} is {number:g}; keep every cell between −{MAX_KERNEL_VALUE:g} and {MAX_KERNEL_VALUE:g}")
    return problems


def as_kernel(cells) -> tuple[tuple[float, ...], ...]:
    """A checked kernel as a hashable tuple of rows (ValueError naming the first bad cell)."""
    problems = kernel_problems(cells)
    if problems:
        raise ValueError("; ".join(problems))
    return tuple(tuple(float(v) for v in row) for row in cells)


def grey(image: np.ndarray) -> np.ndarray:
    """(h, w) luminance of an (h, w, 1 or 3) image in [0, 1]."""
    if image.shape[-1] == 1:
        return image[..., 0]
    return image @ np.array([0.299, 0.587, 0.114], np.float32)


def resized(image: np.ndarray, size: int) -> np.ndarray:
    """A (h, w) image resized to size x size by bilinear interpolation."""
    from dlcore.device import tf

    return tf.image.resize(image[None, ..., None], (size, size), method="bilinear").numpy()[0, ..., 0].astype(np.float32)


SOURCES = {"digits": "a bundled 8×8 digit", "china": "the temple photo", "flower": "the flower photo"}


def source_patch(source: str, index: int, size: int) -> tuple[np.ndarray, str]:
    """(size x size grey patch in [0, 1], caption): a bundled digit, or the middle square of a photo, resized."""
    if source == "digits":
        digit_set = images.digits()
        position = index % len(digit_set.images)
        return resized(digit_set.images[position, ..., 0], size), f"digit #{position} (a {digit_set.labels[position]}), resized to {size}×{size}"
    photo = grey(images.sample_photo(source))
    side = min(photo.shape)
    top, left = (photo.shape[0] - side) // 2, (photo.shape[1] - side) // 2
    return resized(photo[top : top + side, left : left + side], size), f"{images.PHOTOS[source].split(' (')[0].lower()}, middle square resized to {size}×{size}"
