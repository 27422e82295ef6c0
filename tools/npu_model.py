#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Reference implementation of the SNM int8 model format (docs/npu-model.md).

The same checks, the same refusal reasons and the same integer arithmetic as
npu-bridge/model/nmodel.c, written for clarity with numpy; tests compare the
C executor against it bit for bit.

Library use:
    m = npu_model.load("models/digits.snm")     # or parse(bytes)
    scores = npu_model.run(m, frame_bytes, w, h, c)
    cls = npu_model.argmax(scores)

Command line (run with /usr/bin/python3):
    npu_model.py describe MODEL
    npu_model.py run MODEL FRAME W H C          scores of one raw frame
    npu_model.py vectors MODEL OUT [--count N]  test vectors (format below)
    npu_model.py digits MODEL OUT               the digits test split, labels
                                                and this reference's predictions
    npu_model.py synth SEED MODEL VECTORS       a random valid model, and
                                                vectors of random frames
"""

import argparse
import struct
import sys

import numpy as np

MAGIC = b"SNM\0"
VERSION = 1
HEADER_LEN = 64
LAYER_LEN = 32
WIDTH_MAX = 1024
LAYERS_MAX = 8
FRAME_MAX = 4096
BIAS_MAX = 1 << 30
KIND_FC = 1
ACT_NONE = 0
ACT_RELU = 1

# magic, version, header_len, total_len, name, grid_w, grid_h, nb_classes,
# nb_layers, in_mult, in_shift, reserved0, in_zero, reserved1, reserved2
HEADER_FMT = "<4sHHI32sHHHHHBBhHI"
# in, out, kind, act, shift, reserved0, mult, w_off, w_len, b_off, b_len, reserved1
LAYER_FMT = "<HHBBBBiIIIII"
assert struct.calcsize(HEADER_FMT) == HEADER_LEN
assert struct.calcsize(LAYER_FMT) == LAYER_LEN


class ModelError(ValueError):
    """A blob the parser refuses; str() is the exact reason nmodel.c gives."""


class Layer:
    def __init__(self, n_in, n_out, act, mult, shift, weights, biases):
        self.n_in = n_in
        self.n_out = n_out
        self.act = act
        self.mult = mult
        self.shift = shift
        self.weights = weights  # int8 [n_out, n_in]
        self.biases = biases  # int32 [n_out]


class Model:
    def __init__(self, name, grid_w, grid_h, nb_classes, in_mult, in_shift, in_zero, layers):
        self.name = name
        self.grid_w = grid_w
        self.grid_h = grid_h
        self.nb_classes = nb_classes
        self.in_mult = in_mult
        self.in_shift = in_shift
        self.in_zero = in_zero
        self.layers = layers

    @property
    def macs(self):
        return sum(l.n_in * l.n_out for l in self.layers)

    @property
    def weight_bytes(self):
        return sum(l.n_in * l.n_out + 4 * l.n_out for l in self.layers)


def _in_data(off, n, data_start, total):
    return data_start <= off <= total and n <= total - off


def parse(blob):
    """Validate and decode a blob; raises ModelError with the C parser's reason."""
    blob = bytes(blob)
    if len(blob) < HEADER_LEN:
        raise ModelError("blob shorter than the 64-byte header")
    (magic, version, header_len, total_len, name, grid_w, grid_h, nb_classes, nb_layers,
     in_mult, in_shift, res0, in_zero, res1, res2) = struct.unpack_from(HEADER_FMT, blob, 0)
    if magic != MAGIC:
        raise ModelError("bad magic (not an SNM model)")
    if version != VERSION:
        raise ModelError("unsupported version")
    if header_len != HEADER_LEN:
        raise ModelError("header length is not 64")
    if total_len != len(blob):
        raise ModelError("blob length does not match the header's total length")
    if 0 not in name:
        raise ModelError("name is not NUL-terminated")
    nul = name.index(0)
    if nul == 0:
        raise ModelError("name is empty")
    if any(b < 0x20 or b > 0x7E for b in name[:nul]):
        raise ModelError("name has a character outside printable ASCII")
    if any(name[nul:]):
        raise ModelError("name padding after the NUL is not zero")
    if res0 or res1 or res2:
        raise ModelError("reserved header field is not zero")
    if not 1 <= nb_layers <= LAYERS_MAX:
        raise ModelError("layer count out of range (1..8)")
    if not 1 <= nb_classes <= WIDTH_MAX:
        raise ModelError("class count out of range (1..1024)")
    if grid_w == 0 or grid_h == 0:
        raise ModelError("grid side is zero")
    if grid_w * grid_h > WIDTH_MAX:
        raise ModelError("grid has more than 1024 cells")
    if not 1 <= in_shift <= 24:
        raise ModelError("input shift out of range (1..24)")
    if not -128 <= in_zero <= 127:
        raise ModelError("input zero point out of range (-128..127)")
    data_start = HEADER_LEN + LAYER_LEN * nb_layers
    if data_start > len(blob):
        raise ModelError("layer table runs past the end of the blob")

    layers = []
    prev_out = grid_w * grid_h
    for k in range(nb_layers):
        (n_in, n_out, kind, act, shift, lres0, mult, w_off, w_len, b_off, b_len,
         lres1) = struct.unpack_from(LAYER_FMT, blob, HEADER_LEN + LAYER_LEN * k)
        last = k == nb_layers - 1
        if kind != KIND_FC:
            raise ModelError("layer kind is not fully connected")
        if lres0 or lres1:
            raise ModelError("reserved layer field is not zero")
        if not (1 <= n_in <= WIDTH_MAX and 1 <= n_out <= WIDTH_MAX):
            raise ModelError("layer width out of range (1..1024)")
        if n_in != prev_out:
            raise ModelError("first layer input is not grid_w * grid_h" if k == 0
                             else "layer input is not the previous layer's output")
        if last and n_out != nb_classes:
            raise ModelError("last layer output is not nb_classes")
        if act not in (ACT_NONE, ACT_RELU):
            raise ModelError("activation unknown")
        if last:
            if act != ACT_NONE or mult != 0 or shift != 0:
                raise ModelError("last layer has an activation or requantisation")
        else:
            if mult <= 0:
                raise ModelError("hidden layer multiplier not positive")
            if not 1 <= shift <= 62:
                raise ModelError("hidden layer shift out of range (1..62)")
        if w_len != n_in * n_out:
            raise ModelError("weights length is not in * out")
        if not _in_data(w_off, w_len, data_start, len(blob)):
            raise ModelError("weights outside the data area of the blob")
        if b_len != 4 * n_out:
            raise ModelError("biases length is not 4 * out")
        if not _in_data(b_off, b_len, data_start, len(blob)):
            raise ModelError("biases outside the data area of the blob")
        w = np.frombuffer(blob, dtype=np.int8, count=w_len, offset=w_off).reshape(n_out, n_in)
        b = np.frombuffer(blob, dtype="<i4", count=n_out, offset=b_off)
        layers.append(Layer(n_in, n_out, act, mult, shift, w.astype(np.int64),
                            b.astype(np.int64)))
        prev_out = n_out
    # Biases are checked once every layer's structure is.
    for l in layers:
        if np.any(l.biases < -BIAS_MAX) or np.any(l.biases > BIAS_MAX):
            raise ModelError("bias out of range (-2^30..2^30)")

    return Model(name[:nul].decode("ascii"), grid_w, grid_h, nb_classes, in_mult, in_shift,
                 in_zero, layers)


def load(path):
    with open(path, "rb") as f:
        return parse(f.read())


def serialise(model):
    """Bytes of a model: header, layer table, then each layer's weights and
    biases, each region starting on a 4-byte boundary."""
    nl = len(model.layers)
    off = HEADER_LEN + LAYER_LEN * nl
    table = b""
    data = b""
    for k, l in enumerate(model.layers):
        w = np.asarray(l.weights, dtype=np.int8).reshape(l.n_out, l.n_in).tobytes()
        b = np.asarray(l.biases, dtype="<i4").reshape(l.n_out).tobytes()
        w_off = off + len(data)
        data += w + b"\0" * (-len(w) % 4)
        b_off = off + len(data)
        data += b
        table += struct.pack(LAYER_FMT, l.n_in, l.n_out, KIND_FC, l.act, l.shift, 0,
                             l.mult, w_off, len(w), b_off, len(b), 0)
    total = off + len(data)
    name = model.name.encode("ascii")
    header = struct.pack(HEADER_FMT, MAGIC, VERSION, HEADER_LEN, total, name, model.grid_w,
                         model.grid_h, model.nb_classes, nl, model.in_mult, model.in_shift,
                         0, model.in_zero, 0, 0)
    return header + table + data


def gray(frame, w, h, c):
    """8-bit gray image [h, w] (int64) of a raw frame."""
    a = np.frombuffer(bytes(frame), dtype=np.uint8, count=w * h * c).astype(np.int64)
    if c == 1:
        return a.reshape(h, w)
    a = a.reshape(h, w, 3)
    return (77 * a[:, :, 0] + 150 * a[:, :, 1] + 29 * a[:, :, 2] + 128) >> 8


def resize(g, grid_w, grid_h):
    """Area resize of a gray image to [grid_h, grid_w], rounded half up."""
    h, w = g.shape
    out = np.zeros((grid_h, grid_w), dtype=np.int64)
    for i in range(grid_h):
        y0, y1 = i * h // grid_h, (i + 1) * h // grid_h
        for j in range(grid_w):
            x0, x1 = j * w // grid_w, (j + 1) * w // grid_w
            cnt = (y1 - y0) * (x1 - x0)
            out[i, j] = (int(g[y0:y1, x0:x1].sum()) + cnt // 2) // cnt
    return out


def quantise_input(model, cells):
    """int8 input vector (int64 array) from resized 8-bit cells."""
    rnd = 1 << (model.in_shift - 1)
    q = ((cells.reshape(-1) * model.in_mult + rnd) >> model.in_shift) + model.in_zero
    return np.clip(q, -128, 127)


def forward(model, x):
    """The layer stack on an int8 input vector; returns int32 scores as a list."""
    for k, l in enumerate(model.layers):
        acc = l.weights @ x + l.biases
        if k == len(model.layers) - 1:
            return [int(v) for v in acc]
        v = (acc * l.mult + (1 << (l.shift - 1))) >> l.shift
        x = np.clip(v, 0 if l.act == ACT_RELU else -128, 127)
    raise AssertionError("no layers")


def check_geometry(model, w, h, c):
    if c not in (1, 3):
        raise ValueError("c must be 1 or 3")
    if not (model.grid_w <= w <= FRAME_MAX and model.grid_h <= h <= FRAME_MAX):
        raise ValueError("frame size outside grid..4096")


def run(model, frame, w, h, c):
    """Scores (list of int) for one raw frame of w x h x c bytes."""
    check_geometry(model, w, h, c)
    cells = resize(gray(frame, w, h, c), model.grid_w, model.grid_h)
    return forward(model, quantise_input(model, cells))


def argmax(scores):
    """Index of the highest score; the lowest index wins a tie."""
    best = 0
    for i, s in enumerate(scores):
        if s > scores[best]:
            best = i
    return best


# ---------------------------------------------------------------------------
# Digits frames and test vectors

def digit_to_8bit(img8x8):
    """sklearn digits pixels 0..16 -> 0..255, v * 255 / 16 rounded half up."""
    v = np.asarray(img8x8, dtype=np.int64).reshape(8, 8)
    return (v * 255 + 8) // 16


def digit_frame(img8x8, w, h, c, tint=(256, 256, 256)):
    """A w x h frame of a digit: frame pixel (y, x) takes digit pixel
    (y * 8 // h, x * 8 // w), so for w = h = 8k each digit pixel is a k x k
    block. RGB frames scale each channel by tint/256 (256 = unchanged)."""
    p = digit_to_8bit(img8x8)
    ys = np.arange(h) * 8 // h
    xs = np.arange(w) * 8 // w
    g = p[ys][:, xs]
    if c == 1:
        return g.astype(np.uint8).tobytes()
    rgb = np.stack([(g * t) >> 8 for t in tint], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8).tobytes()


def digits_split():
    """The fixed digits split: (X_train, X_test, y_train, y_test), pixels 0..16."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    return train_test_split(d.data.astype(np.int64), d.target.astype(np.int64),
                            test_size=0.5, random_state=0, stratify=d.target)


def synth_model(seed):
    """A random valid model that reaches every part of the arithmetic: 1 to
    4 layers, odd grids, any input parameters, full-range weights, biases up
    to +-2^30, hidden layers with and without ReLU, requantisation that
    saturates both ways."""
    rng = np.random.RandomState(1000 + seed)
    gw = int(rng.randint(1, 9))
    gh = int(rng.randint(1, 9))
    nl = 1 + seed % 4
    widths = [gw * gh] + [int(rng.randint(1, 40)) for _ in range(nl)]
    layers = []
    for k in range(nl):
        n_in, n_out = widths[k], widths[k + 1]
        w = rng.randint(-128, 128, (n_out, n_in))
        if seed % 3 == 0:
            w[0, :] = -128  # most negative products
        b = rng.randint(-(1 << 14), 1 << 14, n_out)
        if seed % 2 == 0:
            b[0] = BIAS_MAX
            b[-1] = -BIAS_MAX
        last = k == nl - 1
        if last:
            layers.append(Layer(n_in, n_out, ACT_NONE, 0, 0, w, b))
        else:
            mult = int(rng.randint(1, 1 << 31))
            # scale a typical accumulator (~2^(7+7+log2(in)/2)) to about +-128
            shift = int(np.clip(np.floor(np.log2(mult)) + 7 + np.log2(n_in) / 2 +
                                rng.randint(-2, 3), 1, 62))
            layers.append(Layer(n_in, n_out, int(rng.randint(0, 2)), mult, shift, w, b))
    if seed % 4 == 3:  # extremes: every input saturates
        in_mult, in_shift, in_zero = 65535, 1, int(rng.choice([-128, 127]))
    else:  # G * (1/8 .. 1) - (0 .. 128)
        in_shift = int(rng.randint(8, 17))
        in_mult = min(65535, int((1 << in_shift) * rng.uniform(0.125, 1.0)))
        in_zero = -int(rng.randint(0, 129))
    return Model("synth-%d" % seed, gw, gh, widths[-1], in_mult, in_shift, in_zero, layers)


def synth_vectors(model, seed, count):
    """Random frames, sizes from the grid to grid + 11, gray and RGB."""
    rng = np.random.RandomState(2000 + seed)
    out = []
    for n in range(count):
        c = 1 if n % 2 == 0 else 3
        w = model.grid_w + int(rng.randint(0, 12))
        h = model.grid_h + int(rng.randint(0, 12))
        frame = rng.randint(0, 256, w * h * c).astype(np.uint8).tobytes()
        out.append((w, h, c, frame, run(model, frame, w, h, c)))
    return out


VEC_MAGIC = b"SNV1"


def make_vectors(model, count):
    """Deterministic test vectors: digit frames of several sizes in gray and
    RGB (tinted), frames with noise, and random frames."""
    _, xte, _, _ = digits_split()
    rng = np.random.RandomState(1)
    fixed = [(8, 8), (32, 32), (64, 48), (8, 8)]
    odd = [(8, 8), (16, 16), (13, 9), (9, 13), (40, 24), (24, 40), (11, 8), (8, 11)]
    out = []
    for n in range(count):
        kind = n % 10
        img = xte[rng.randint(len(xte))]
        c = 1 if n % 2 == 0 else 3
        if kind < 8:
            w, h = fixed[kind] if kind < 4 else odd[rng.randint(len(odd))]
            tint = (256, 256, 256) if n % 4 == 1 else tuple(int(t) for t in rng.randint(64, 400, 3))
            frame = digit_frame(img, w, h, c, tint)
            if kind >= 6:
                a = np.frombuffer(frame, dtype=np.uint8).astype(np.int64)
                a = np.clip(a + rng.randint(-60, 61, a.size), 0, 255)
                frame = a.astype(np.uint8).tobytes()
        else:
            w = int(rng.randint(model.grid_w, 48))
            h = int(rng.randint(model.grid_h, 48))
            frame = rng.randint(0, 256, w * h * c).astype(np.uint8).tobytes()
        out.append((w, h, c, frame, run(model, frame, w, h, c)))
    return out


def write_vectors(path, vecs):
    """File: "SNV1", u32 count; per vector u16 w, u16 h, u8 c, u8 0,
    u16 nb_scores, w*h*c frame bytes, nb_scores int32 scores (little-endian)."""
    with open(path, "wb") as f:
        f.write(VEC_MAGIC + struct.pack("<I", len(vecs)))
        for w, h, c, frame, scores in vecs:
            f.write(struct.pack("<HHBBH", w, h, c, 0, len(scores)))
            f.write(frame)
            f.write(struct.pack("<%di" % len(scores), *scores))


DIG_MAGIC = b"SND1"


def write_digits(path, model):
    """File: "SND1", u32 count, u32 reference-correct count; per sample 64
    pixel bytes (0..16, row-major), u8 label, u8 reference prediction (on the
    8 x 8 gray frame)."""
    _, xte, _, yte = digits_split()
    recs = b""
    correct = 0
    for img, label in zip(xte, yte):
        pred = argmax(run(model, digit_frame(img, 8, 8, 1), 8, 8, 1))
        correct += pred == label
        recs += bytes(int(v) for v in img) + bytes([int(label), pred])
    with open(path, "wb") as f:
        f.write(DIG_MAGIC + struct.pack("<II", len(xte), correct) + recs)
    return correct, len(xte)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("describe")
    p.add_argument("model")
    p = sub.add_parser("run")
    p.add_argument("model")
    p.add_argument("frame")
    p.add_argument("w", type=int)
    p.add_argument("h", type=int)
    p.add_argument("c", type=int)
    p = sub.add_parser("vectors")
    p.add_argument("model")
    p.add_argument("out")
    p.add_argument("--count", type=int, default=300)
    p = sub.add_parser("digits")
    p.add_argument("model")
    p.add_argument("out")
    p = sub.add_parser("synth")
    p.add_argument("seed", type=int)
    p.add_argument("out_model")
    p.add_argument("out_vectors")
    p.add_argument("--count", type=int, default=16)
    a = ap.parse_args(argv)

    if a.cmd == "synth":
        blob = serialise(synth_model(a.seed))
        with open(a.out_model, "wb") as f:
            f.write(blob)
        m = parse(blob)
        write_vectors(a.out_vectors, synth_vectors(m, a.seed, a.count))
        return 0

    try:
        m = load(a.model)
    except ModelError as e:
        print("%s: %s" % (a.model, e), file=sys.stderr)
        return 1
    if a.cmd == "describe":
        print("name %s grid %dx%d classes %d layers %d macs %d weight_bytes %d" %
              (m.name, m.grid_w, m.grid_h, m.nb_classes, len(m.layers), m.macs, m.weight_bytes))
        print("input q = clamp(((g * %d + %d) >> %d) + %d, -128, 127)" %
              (m.in_mult, 1 << (m.in_shift - 1), m.in_shift, m.in_zero))
        for k, l in enumerate(m.layers):
            print("layer %d: %d -> %d act %d mult %d shift %d" %
                  (k, l.n_in, l.n_out, l.act, l.mult, l.shift))
    elif a.cmd == "run":
        with open(a.frame, "rb") as f:
            frame = f.read()
        if len(frame) != a.w * a.h * a.c:
            print("frame is %d bytes, not w*h*c" % len(frame), file=sys.stderr)
            return 1
        s = run(m, frame, a.w, a.h, a.c)
        print(" ".join(str(v) for v in s))
        print("argmax", argmax(s))
    elif a.cmd == "vectors":
        write_vectors(a.out, make_vectors(m, a.count))
    elif a.cmd == "digits":
        correct, n = write_digits(a.out, m)
        print("reference: %d / %d correct" % (correct, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
