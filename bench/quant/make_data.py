#!/usr/bin/python3
"""Deterministic calibration / evaluation data for quantizing the models in shared/models.

  make_data.py --model ppocr_cls|imagenet --split calib|eval --count N --seed S -o DIR

writes DIR/0000/<input>.npy, DIR/0001/<input>.npy, ... as float32 in the model's exact input
layout, plus DIR/labels.json (ppocr_cls only: a list, entry i is the true orientation of sample
i: 0 = upright, 1 = rotated 180 degrees; the classifier's output index means the same).

  ppocr_cls: input `x`, 1x3x48x192, RGB, (pixel/255 - 0.5) / 0.5. Rendered text lines that look
             like detector crops, preprocessed like PaddleOCR's cls (resize to h=48 keeping the
             aspect ratio, width capped at 192, zero padding on the right after normalization).
  imagenet:  input `input`, 1x3x224x224, RGB, ImageNet mean/std. Synthetic natural-looking
             photos, resized so the short side is 256 and center-cropped to 224 (torchvision).

Every sample has its own random stream, seeded from (seed, model, split, sample index): the same
arguments give byte-identical files, a sample does not depend on --count, and calib and eval
never share a stream, so no evaluation sample is a calibration sample.

Run with /usr/bin/python3 (Debian's python3-numpy and python3-pil).
"""

import argparse
import json
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
# Stream keys: part of every sample's seed so models and splits never share a stream.
MODEL_KEYS = {"ppocr_cls": 1, "imagenet": 2}
SPLIT_KEYS = {"calib": 11, "eval": 23}

WORDS = """
the of and to in is that for it as was with be by on not he this are or his from at which but
have an they you were her she there been one all we their has would when if so no will more out
up into do any your what some can only other new time could these two may first then than like
over such make our after also most made many before must through back years where much way well
down should because each just those people how too little state good very world still own see
men work long get here between both life being under never day same another know while last
might us great old year off come since against go came right used take three himself few house
use during without again place around however home small found thought went say part once high
general upon school every better does told nothing end why called didn public later city water
market street order invoice total price amount date number page account customer service office
station north south east west river bank hotel coffee bread paper table window light green blue
red black white yellow summer winter monday friday january march april october december london
paris berlin madrid rome vienna oslo tokyo delivery address phone email receipt quantity item
discount payment balance credit card cash change thank welcome open closed exit entrance floor
room parking ticket train platform gate flight departure arrival local express limited edition
model version report annual quarter revenue profit loss growth value index chapter section figure
""".split()

TLDS = ["com", "org", "net", "de", "fr", "io"]


def sample_rng(seed, model, split, index):
    """A generator for one sample, independent of every other sample, model and split."""
    ss = np.random.SeedSequence([seed & 0xFFFFFFFF, seed >> 32, MODEL_KEYS[model],
                                 SPLIT_KEYS[split], index])
    return np.random.Generator(np.random.PCG64(ss))


def choice(rng, items):
    return items[int(rng.integers(len(items)))]


# ---------------------------------------------------------------- ppocr_cls: text lines


def font_paths():
    """DejaVu Sans/Serif/Mono faces (regular, bold, italic), sorted so the order is stable."""
    names = sorted(f for f in os.listdir(FONT_DIR)
                   if f.endswith(".ttf") and ("Sans" in f or "Serif" in f)
                   and "ExtraLight" not in f and "MathTeX" not in f)
    if not names:
        sys.exit(f"make_data: no DejaVu fonts in {FONT_DIR}; install fonts-dejavu-core")
    return [os.path.join(FONT_DIR, n) for n in names]


def cap(word, rng):
    r = rng.random()
    if r < 0.15:
        return word.upper()
    if r < 0.45:
        return word.capitalize()
    return word


def random_text(rng):
    """A line like the ones OCR meets: words, sentences, numbers, prices, dates, codes."""
    kind = rng.random()
    if kind < 0.35:  # a sentence fragment
        n = int(rng.integers(2, 7))
        words = [choice(rng, WORDS) for _ in range(n)]
        words[0] = words[0].capitalize()
        text = " ".join(cap(w, rng) if i else w for i, w in enumerate(words))
        if rng.random() < 0.4:
            text += choice(rng, [".", ",", ":", "!", "?", ";"])
        return text
    if kind < 0.50:  # one or two words
        n = int(rng.integers(1, 3))
        return " ".join(cap(choice(rng, WORDS), rng) for _ in range(n))
    if kind < 0.62:  # label: value
        return f"{cap(choice(rng, WORDS), rng)}: {int(rng.integers(1, 100000))}"
    if kind < 0.72:  # price
        cur = choice(rng, ["$", "EUR ", "", "USD "])
        return f"{cap(choice(rng, WORDS), rng)} {cur}{rng.integers(0, 2000)}.{rng.integers(0, 100):02d}"
    if kind < 0.80:  # date / time
        d, m, y = rng.integers(1, 29), rng.integers(1, 13), rng.integers(1950, 2030)
        fmt = int(rng.integers(3))
        if fmt == 0:
            return f"{d:02d}/{m:02d}/{y}"
        if fmt == 1:
            return f"{y}-{m:02d}-{d:02d} {rng.integers(0, 24):02d}:{rng.integers(0, 60):02d}"
        return f"{d} {choice(rng, WORDS[-60:]).capitalize()} {y}"
    if kind < 0.87:  # phone / long number
        return " ".join(str(int(rng.integers(10, 10000))) for _ in range(int(rng.integers(2, 5))))
    if kind < 0.93:  # code like AB-1234
        letters = "".join(chr(65 + int(rng.integers(26))) for _ in range(int(rng.integers(2, 4))))
        return f"{letters}-{int(rng.integers(100, 100000))}"
    # email / web address
    return (f"{choice(rng, WORDS)}{choice(rng, ['.', '_', ''])}{choice(rng, WORDS)}"
            f"@{choice(rng, WORDS)}.{choice(rng, TLDS)}")


def ink_and_paper(rng):
    """(ink, paper) RGB colours: mostly dark on light, some light on dark, varied contrast."""
    hue = rng.uniform(0, 1, 3)
    if rng.random() < 0.8:
        paper = 255 - rng.uniform(0, 70) * hue - rng.uniform(0, 40)
        ink = rng.uniform(0, 90) * (0.5 + 0.5 * rng.uniform(0, 1, 3))
    else:
        paper = rng.uniform(0, 90) * (0.5 + 0.5 * hue)
        ink = 255 - rng.uniform(0, 70) * rng.uniform(0, 1, 3)
    # Occasionally a faded, low-contrast print: pull the ink towards the paper.
    if rng.random() < 0.15:
        ink = ink + (paper - ink) * rng.uniform(0.2, 0.5)
    return (tuple(int(v) for v in np.clip(ink, 0, 255)),
            tuple(int(v) for v in np.clip(paper, 0, 255)))


def render_line(rng, fonts):
    """An RGB uint8 crop of one text line with the small margins of a detector box."""
    text = random_text(rng)
    font = ImageFont.truetype(choice(rng, fonts), int(rng.integers(16, 57)))
    ink, paper = ink_and_paper(rng)
    left, top, right, bottom = font.getbbox(text)
    tw, th = right - left, bottom - top
    size = font.size
    # Detector boxes are expanded around the text (DB unclip): margins of ~5-40% of the size.
    mx = int(size * rng.uniform(0.05, 0.5))
    my_top = int(size * rng.uniform(0.05, 0.35))
    my_bot = int(size * rng.uniform(0.05, 0.35))
    pad = size  # room for the skew; cropped away below
    w, h = tw + 2 * mx + 2 * pad, th + my_top + my_bot + 2 * pad
    img = Image.new("RGB", (w, h), paper)
    # Paper texture: a smooth brightness gradient across the line.
    grad = np.linspace(rng.uniform(-20, 20), rng.uniform(-20, 20), w, dtype=np.float32)
    arr = np.asarray(img, dtype=np.float32) + grad[None, :, None]
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    draw.text((pad + mx - left, pad + my_top - top), text, font=font, fill=ink)
    if rng.random() < 0.15:  # underline or a table rule
        y = pad + my_top + th + max(1, my_bot // 2)
        draw.line([(pad, y), (w - pad, y)], fill=ink, width=max(1, size // 16))
    angle = rng.normal(0, 1.2)
    img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=paper)
    img = img.crop((pad, pad, w - pad, h - pad))
    if rng.random() < 0.7:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 1.3)))
    arr = np.asarray(img, dtype=np.float32)
    arr = arr + rng.normal(0, rng.uniform(0, 8), arr.shape)
    return np.clip(arr + 0.5, 0, 255).astype(np.uint8)


def ppocr_preprocess(rgb):
    """PaddleOCR cls: resize to h=48, w=ceil(48*w/h) capped at 192, normalize, pad right with 0."""
    h, w = rgb.shape[:2]
    rw = min(192, int(math.ceil(48 * w / h)))
    resized = np.asarray(Image.fromarray(rgb).resize((rw, 48), Image.BILINEAR), dtype=np.float32)
    x = np.zeros((1, 3, 48, 192), dtype=np.float32)
    x[0, :, :, :rw] = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
    return x


def make_ppocr(rng, index, fonts):
    rgb = render_line(rng, fonts)
    label = index % 2  # exactly half rotated, independent of --count
    if label:
        rgb = rgb[::-1, ::-1].copy()
    return {"x": ppocr_preprocess(rgb)}, label


# ---------------------------------------------------------------- imagenet: synthetic photos


def smooth_noise(rng, h, w, octaves=5, base=4):
    """Perlin-like value noise: sum of bicubically upsampled random grids, range about [-1, 1]."""
    out = np.zeros((h, w), dtype=np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        cells = base * (2 ** o)
        grid = rng.uniform(0, 255, (cells + 1, cells + 1)).astype(np.float32)
        up = Image.fromarray(grid, mode="F").resize((w, h), Image.BICUBIC)
        out += amp * (np.asarray(up, dtype=np.float32) / 127.5 - 1.0)
        total += amp
        amp *= rng.uniform(0.4, 0.65)
    return out / total


def random_colour(rng):
    return rng.uniform(0, 255, 3).astype(np.float32)


def background(rng, h, w):
    """Sky-to-ground gradient with smooth noise (clouds, grass, walls)."""
    top, bottom = random_colour(rng), random_colour(rng)
    if rng.random() < 0.5:  # a blue-ish sky
        top = np.array([rng.uniform(60, 160), rng.uniform(120, 200), rng.uniform(190, 255)],
                       dtype=np.float32)
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    horizon = rng.uniform(0.3, 0.8)
    t = 1.0 / (1.0 + np.exp(-(t - horizon) * rng.uniform(3, 20)))
    img = top * (1 - t) + bottom * t
    img = img * np.ones((1, w, 1), dtype=np.float32)
    img += smooth_noise(rng, h, w)[:, :, None] * rng.uniform(10, 50)
    return img


def texture(rng, h, w):
    """A per-pixel texture in about [-1, 1]: stripes, checker, or noise."""
    kind = int(rng.integers(4))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == 0:
        theta = rng.uniform(0, math.pi)
        period = rng.uniform(4, 40)
        return np.sin((xx * math.cos(theta) + yy * math.sin(theta)) * 2 * math.pi / period)
    if kind == 1:
        cell = rng.uniform(6, 40)
        return ((np.floor(xx / cell) + np.floor(yy / cell)) % 2) * 2 - 1
    if kind == 2:
        return smooth_noise(rng, h, w, octaves=4, base=int(rng.integers(8, 32)))
    return np.zeros((h, w), dtype=np.float32)


def shape_mask(rng, h, w):
    """A filled ellipse, rectangle or polygon as a float mask (antialiased by supersampling)."""
    s = 2
    m = Image.new("L", (w * s, h * s), 0)
    d = ImageDraw.Draw(m)
    cx, cy = rng.uniform(-0.1, 1.1) * w * s, rng.uniform(0, 1.1) * h * s
    rx, ry = rng.uniform(0.05, 0.45) * w * s, rng.uniform(0.05, 0.45) * h * s
    kind = int(rng.integers(3))
    if kind == 0:
        d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=255)
    elif kind == 1:
        d.rectangle([cx - rx, cy - ry, cx + rx, cy + ry], fill=255)
    else:
        n = int(rng.integers(3, 9))
        ang = np.sort(rng.uniform(0, 2 * math.pi, n))
        rad = rng.uniform(0.4, 1.0, n)
        d.polygon([(cx + rx * r * math.cos(a), cy + ry * r * math.sin(a))
                   for a, r in zip(ang, rad)], fill=255)
    m = m.resize((w, h), Image.BILINEAR)
    return np.asarray(m, dtype=np.float32)[:, :, None] / 255.0, (cx / s, cy / s, rx / s, ry / s)


def add_shapes(rng, img):
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = rng.uniform(0, 2 * math.pi)  # one light direction for the whole scene
    for _ in range(int(rng.integers(2, 9))):
        mask, (cx, cy, rx, ry) = shape_mask(rng, h, w)
        colour = random_colour(rng)
        # Shading: brighter towards the light, darker away, like a lit curved surface.
        proj = ((xx - cx) * math.cos(light) + (yy - cy) * math.sin(light)) / max(rx, ry, 1.0)
        shade = 1.0 + np.clip(proj, -1.5, 1.5)[:, :, None] * rng.uniform(0.1, 0.4)
        tex = texture(rng, h, w)[:, :, None] * rng.uniform(0, 40)
        fill = colour * shade + tex
        # A soft shadow to the dark side grounds the object in the scene.
        if rng.random() < 0.5:
            dx, dy = -math.cos(light) * rng.uniform(3, 15), -math.sin(light) * rng.uniform(3, 15)
            sh = np.roll(mask, (int(dy), int(dx)), axis=(0, 1))
            img = img * (1 - 0.35 * sh * (1 - mask))
        img = img * (1 - mask) + fill * mask
    return img


def synthetic_photo(rng):
    """An RGB uint8 image of random size with background, shaded objects, blur and noise."""
    w, h = int(rng.integers(280, 480)), int(rng.integers(280, 420))
    img = add_shapes(rng, background(rng, h, w))
    # Camera: colour cast, exposure, sensor noise.
    img = img * rng.uniform(0.85, 1.15, 3).astype(np.float32) * rng.uniform(0.7, 1.2)
    img += rng.normal(0, rng.uniform(0, 6), img.shape).astype(np.float32)
    pil = Image.fromarray(np.clip(img + 0.5, 0, 255).astype(np.uint8))
    # A random crop (framing) and a little defocus.
    cw, ch = int(w * rng.uniform(0.7, 1.0)), int(h * rng.uniform(0.7, 1.0))
    x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    pil = pil.crop((x0, y0, x0 + cw, y0 + ch))
    if rng.random() < 0.7:
        pil = pil.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 2.0)))
    return pil


def imagenet_preprocess(pil):
    """torchvision: Resize(256) on the short side, CenterCrop(224), ToTensor, Normalize."""
    w, h = pil.size
    if w <= h:
        nw, nh = 256, int(256 * h / w)
    else:
        nw, nh = int(256 * w / h), 256
    pil = pil.resize((nw, nh), Image.BILINEAR)
    left, top = int(round((nw - 224) / 2.0)), int(round((nh - 224) / 2.0))
    pil = pil.crop((left, top, left + 224, top + 224))
    x = np.asarray(pil, dtype=np.float32) / 255.0
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)
    std = np.array([0.229, 0.224, 0.225], dtype=np.float32)
    x = (x - mean) / std
    return x.transpose(2, 0, 1)[None].astype(np.float32)


def make_imagenet(rng):
    return {"input": imagenet_preprocess(synthetic_photo(rng))}


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, choices=sorted(MODEL_KEYS))
    ap.add_argument("--split", required=True, choices=sorted(SPLIT_KEYS))
    ap.add_argument("--count", required=True, type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--output", required=True, help="output directory")
    args = ap.parse_args()
    if not 1 <= args.count <= 10000:
        sys.exit(f"make_data: --count {args.count} out of range, expected 1..10000")
    if args.seed < 0 or args.seed >= 2 ** 64:
        sys.exit(f"make_data: --seed {args.seed} out of range, expected 0..2^64-1")

    fonts = font_paths() if args.model == "ppocr_cls" else None
    labels = []
    for i in range(args.count):
        rng = sample_rng(args.seed, args.model, args.split, i)
        if args.model == "ppocr_cls":
            tensors, label = make_ppocr(rng, i, fonts)
            labels.append(label)
        else:
            tensors = make_imagenet(rng)
        d = os.path.join(args.output, f"{i:04d}")
        os.makedirs(d, exist_ok=True)
        for name, arr in tensors.items():
            np.save(os.path.join(d, f"{name}.npy"), arr)
    if labels:
        with open(os.path.join(args.output, "labels.json"), "w") as f:
            json.dump(labels, f)
            f.write("\n")
    print(f"make_data: wrote {args.count} {args.model} {args.split} samples to {args.output}")


if __name__ == "__main__":
    main()
