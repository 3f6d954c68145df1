"""A product catalog landing zone with the quirks of the real Back Market extract.

Same header and quirks as the real file: no product id, an inline base64 PNG or an empty
field for the image, comments holding quoted commas, Male/Female/empty descriptions, a bare
release year, obsolete currency codes, and one file without a trailing newline. On top, a few
rows per day that a real feed sends sooner or later: a duplicate from the previous day, a
line with an extra field, a missing brand, a year that is not a number and one that is absurd.
"""

from __future__ import annotations

import base64
import csv
import random
import struct
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

__all__ = ["HEADER", "CatalogStats", "generate_catalog"]

HEADER = ("brand", "category_id", "comment", "currency", "description", "image", "year_release")
_BRANDS = ("HP", "Samsung", "Dell", "Toshiba", "Acer", "Lenovo")
_CURRENCIES = (
    "CNY",
    "IDR",
    "EUR",
    "RUB",
    "PHP",
    "BRL",
    "PLN",
    "USD",
    "BYR",
    "VEF",
    "HRK",
    "SLL",
    "ZWL",
)
_LOREM = (
    "Suspendisse accumsan tortor quis turpis. Donec dapibus, duis at velit eu est congue "
    "elementum. In hac habitasse platea dictumst, morbi vestibulum. Nulla justo, aliquam quis "
    "turpis eget elit sodales scelerisque. Mauris sit amet eros, vivamus tortor."
)
_WORDS = _LOREM.split(" ")


@dataclass(frozen=True)
class CatalogStats:
    """What was written, so callers can check a run against it."""

    files: tuple[Path, ...]
    rows: int
    repeated_rows: int
    bad_rows: int


def _png(rng: random.Random) -> str:
    """A real 16x16 PNG of 24 random colours (about the size of the real thumbnails)."""
    colours = [bytes(rng.randrange(256) for _ in range(3)) for _ in range(24)]
    rows = b"".join(b"\x00" + b"".join(rng.choice(colours) for _ in range(16)) for _ in range(16))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()  # fmt: skip


def _comment(rng: random.Random) -> str:
    if rng.random() < 0.35:
        return ""
    start = rng.randrange(len(_WORDS) - 8)
    return " ".join(_WORDS[start : start + rng.randrange(4, 30)]).capitalize()


def _row(rng: random.Random, images: list[str]) -> list[str]:
    return [
        rng.choice(_BRANDS),
        str(rng.randrange(1, 100)),
        _comment(rng),
        rng.choice(_CURRENCIES),
        rng.choice(("Male", "Female", "Female", "Male", "")),
        rng.choice(images) if rng.random() < 0.74 else "",
        str(rng.randrange(1955, 2014)),
    ]


def _bad_rows(rng: random.Random, images: list[str]) -> list[list[str]]:
    extra = [*_row(rng, images), "unexpected extra field"]
    no_brand, not_a_year, absurd = _row(rng, images), _row(rng, images), _row(rng, images)
    no_brand[0], not_a_year[6], absurd[6] = "", "nineteen-ninety", "2999"
    return [extra, no_brand, not_a_year, absurd]


def generate_catalog(
    out_dir: Path,
    *,
    rows_per_day: int = 400,
    days: int = 3,
    start: date = date(2021, 4, 3),
    seed: int = 7,
    with_bad_rows: bool = True,
) -> CatalogStats:
    """Write ``product_catalog_YYYYMMDD.csv`` files, one per day, into ``out_dir``.

    Each day repeats ~1% of the previous day's rows (overlapping extracts). The first file has
    no trailing newline, like the real 2021-04-03 extract.
    """
    rng = random.Random(seed)
    images = [_png(rng) for _ in range(64)]
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    previous: list[list[str]] = []
    total = repeated = bad = 0
    for day in range(days):
        rows = [_row(rng, images) for _ in range(rows_per_day)]
        overlap = previous[: max(1, rows_per_day // 100)] if previous else []
        extra = _bad_rows(rng, images) if with_bad_rows else []
        lines = rows + overlap + extra
        rng.shuffle(lines)
        path = out_dir / f"product_catalog_{(start + timedelta(days=day)):%Y%m%d}.csv"
        _write(path, lines, trailing_newline=day != 0)
        files.append(path)
        previous, total = rows, total + len(lines)
        repeated, bad = repeated + len(overlap), bad + len(extra)
    return CatalogStats(tuple(files), total, repeated, bad)


def _write(path: Path, rows: list[list[str]], *, trailing_newline: bool) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    if not trailing_newline:
        data = path.read_bytes()
        path.write_bytes(data.rstrip(b"\n"))
