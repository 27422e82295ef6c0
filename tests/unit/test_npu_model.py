#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The reference (tools/npu_model.py) against the committed files:

- every blob of tests/unit/nmodel_bad_inputs.md, rebuilt from its edits
  column, is refused with the reason listed there (the C parser is checked
  against the same table by test_nmodel.c), and every truncation gives the
  reason test_nmodel.c expects;
- the committed test vectors, digits file and synthetic models with their
  vectors are what the reference computes now (so they are regenerated when
  the model or the generator changes);
- tools/train_digits.py writes models/digits.snm byte for byte.

Run from the source root with /usr/bin/python3.
"""

import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import npu_model as nm  # noqa: E402

MODEL = os.path.join(ROOT, "models", "digits.snm")
ROW = re.compile(r"^\| `([^`]+)` \| `([^`]+)` \| .* \| `([^`]+)` \|$")
EDIT = re.compile(r'len=(\d+)|total=len|name="([^"]{32})"|u(8|16|32)@(\d+)=(\d+)')


def model_bytes():
    with open(MODEL, "rb") as f:
        return f.read()


def apply_edits(blob, edits):
    b = bytearray(blob)
    if edits == "-":
        return bytes(b)
    for tok in edits.split(" "):
        m = EDIT.fullmatch(tok)
        if m is None:
            raise AssertionError("bad edit %r" % tok)
        if m.group(1) is not None:
            n = int(m.group(1))
            b = b[:n] + bytearray(max(0, n - len(b)))
        elif tok == "total=len":
            struct.pack_into("<I", b, 8, len(b))
        elif m.group(2) is not None:
            b[12:44] = m.group(2).encode("ascii")
        else:
            size = int(m.group(3)) // 8
            off, val = int(m.group(4)), int(m.group(5))
            b[off:off + size] = val.to_bytes(size, "little")
    return bytes(b)


class BadBlobs(unittest.TestCase):
    def test_table(self):
        with open(os.path.join(ROOT, "tests", "unit", "nmodel_bad_inputs.md")) as f:
            rows = [ROW.match(l.rstrip("\n")) for l in f if l.startswith("| `")]
        self.assertGreaterEqual(len(rows), 60)
        good = model_bytes()
        for r in rows:
            self.assertIsNotNone(r)
            name, edits, why = r.groups()
            with self.subTest(name=name):
                with self.assertRaises(nm.ModelError) as cm:
                    nm.parse(apply_edits(good, edits))
                self.assertEqual(str(cm.exception), why)

    def test_truncate_every_byte(self):
        good = model_bytes()
        for n in range(len(good)):
            with self.assertRaises(nm.ModelError) as cm:
                nm.parse(good[:n])
            self.assertEqual(str(cm.exception),
                             "blob shorter than the 64-byte header" if n < 64 else
                             "blob length does not match the header's total length")
            if n < 64:
                continue
            cut = bytearray(good[:n])
            struct.pack_into("<I", cut, 8, n)
            with self.assertRaises(nm.ModelError) as cm:
                nm.parse(bytes(cut))
            want = ("layer table runs past the end of the blob" if n < 128 else
                    "weights outside the data area of the blob" if n < 2176 else
                    "biases outside the data area of the blob" if n < 2304 else
                    "weights outside the data area of the blob" if n < 2624 else
                    "biases outside the data area of the blob")
            self.assertEqual(str(cm.exception), want, "cut at %d" % n)


class CommittedFiles(unittest.TestCase):
    def test_describe(self):
        m = nm.load(MODEL)
        self.assertEqual((m.name, m.grid_w, m.grid_h, m.nb_classes, len(m.layers)),
                         ("digits-mlp-64-32-10", 8, 8, 10, 2))
        self.assertEqual((m.macs, m.weight_bytes), (2368, 2536))

    def test_vectors_current(self):
        with open(os.path.join(ROOT, "tests", "unit", "nmodel_vectors.bin"), "rb") as f:
            committed = f.read()
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "v.bin")
            nm.write_vectors(out, nm.make_vectors(nm.load(MODEL), 300))
            with open(out, "rb") as f:
                self.assertEqual(f.read(), committed)

    def test_digits_current(self):
        with open(os.path.join(ROOT, "tests", "unit", "nmodel_digits.bin"), "rb") as f:
            committed = f.read()
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "d.bin")
            correct, n = nm.write_digits(out, nm.load(MODEL))
            with open(out, "rb") as f:
                self.assertEqual(f.read(), committed)
        self.assertEqual((correct, n), (868, 899))

    def test_synth_current(self):
        d = os.path.join(ROOT, "tests", "unit", "nmodel_synth")
        for seed in range(8):
            with open(os.path.join(d, "synth%d.snm" % seed), "rb") as f:
                blob = f.read()
            self.assertEqual(nm.serialise(nm.synth_model(seed)), blob)
            with tempfile.TemporaryDirectory() as t:
                out = os.path.join(t, "v.bin")
                nm.write_vectors(out, nm.synth_vectors(nm.parse(blob), seed, 16))
                with open(out, "rb") as f, open(os.path.join(d, "synth%d.vec" % seed), "rb") as g:
                    self.assertEqual(f.read(), g.read())

    def test_training_reproducible(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "digits.snm")
            r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "train_digits.py"),
                                "--out", out], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("int8 accuracy:  868 / 899", r.stdout)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), model_bytes())


class Arithmetic(unittest.TestCase):
    """Hand-checked cases of the documented arithmetic."""

    def test_gray_and_resize(self):
        # c = 3: (77 R + 150 G + 29 B + 128) >> 8
        g = nm.gray(bytes([255, 255, 255, 10, 20, 30, 0, 0, 1, 1, 2, 3]), 2, 2, 3)
        self.assertEqual(g.tolist(), [[255, (770 + 3000 + 870 + 128) >> 8], [0, (77 + 300 + 87 + 128) >> 8]])
        # 3 x 2 into 2 x 1: columns [0, 1) and [1, 3); (sum + cnt/2) / cnt
        cells = nm.resize(nm.gray(bytes([1, 2, 4, 3, 5, 6]), 3, 2, 1), 2, 1)
        self.assertEqual(cells.tolist(), [[(4 + 1) // 2, (17 + 2) // 4]])

    def test_requant_rounds_and_clamps(self):
        w = [[1], [-1], [1], [1]]
        layers = [nm.Layer(1, 4, nm.ACT_RELU, 3, 2, nm.np.array(w), nm.np.array([0, 0, 0, 5])),
                  nm.Layer(4, 4, nm.ACT_NONE, 0, 0, nm.np.eye(4, dtype=nm.np.int64),
                           nm.np.zeros(4, dtype=nm.np.int64))]
        m = nm.Model("t", 1, 1, 4, 1, 1, 0, layers)
        # input: ((G * 1 + 1) >> 1) = 100 for G = 200
        x = nm.quantise_input(m, nm.np.array([[200]]))
        self.assertEqual(x.tolist(), [100])
        # (100*3 + 2) >> 2 = 75; ReLU(-75) = 0; (105*3+2)>>2 = 79
        self.assertEqual(nm.forward(m, x), [75, 0, 75, 79])

    def test_argmax_ties(self):
        self.assertEqual(nm.argmax([3, 7, 7, -1]), 1)
        self.assertEqual(nm.argmax([-5, -5]), 0)


if __name__ == "__main__":
    unittest.main()
