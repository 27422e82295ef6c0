#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Train the digits model the software NPU runs and write it as SNM.

    /usr/bin/python3 tools/train_digits.py [--out models/digits.snm]

sklearn's 8 x 8 digits (pixels 0..16), split 50/50 stratified with
random_state=0 (npu_model.digits_split). A float MLP 64 -> 32 (ReLU) -> 10 is
trained on pixels / 16, then quantised (docs/npu-model.md):

- input: the 8-bit frame value p (0..255) maps to q = round(p * 127 / 255), so
  q / 127 is the float input (p = round(v * 255 / 16) for digit pixel v);
- weights: symmetric per layer, scale max|W| / 127, rounded to nearest;
- biases: int32 in the accumulator's scale (input scale * weight scale);
- the hidden layer's requantisation maps the largest ReLU accumulator seen on
  the training set (through the integer pipeline) to 127.

Prints float and int8 accuracy on the test split. Deterministic: the same
sklearn/numpy give the same bytes.
"""

import argparse
import math
import os
import sys

import numpy as np
from sklearn.neural_network import MLPClassifier

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import npu_model as nm  # noqa: E402

HIDDEN = 32
IN_SHIFT = 16
IN_MULT = round(127 / 255 * (1 << IN_SHIFT))  # 32639


def quant_sym(w):
    scale = float(np.max(np.abs(w))) / 127.0
    return np.clip(np.round(w / scale), -127, 127).astype(np.int64), scale


def mult_shift(m):
    """m as mult * 2^-shift with mult in [2^30, 2^31)."""
    e = math.floor(math.log2(m))
    shift = 30 - e
    mult = int(round(m * (1 << shift)))
    if mult >= 1 << 31:
        mult //= 2
        shift -= 1
    assert 1 <= shift <= 62 and 1 <= mult < 1 << 31
    return mult, shift


def int_inputs(model, xs):
    """Integer input vectors of digits through the documented pipeline (8 x 8 gray frames)."""
    return np.stack([
        nm.quantise_input(model, nm.resize(nm.gray(nm.digit_frame(x, 8, 8, 1), 8, 8, 1), 8, 8))
        for x in xs
    ])


def main(argv):
    ap = argparse.ArgumentParser(description="train the digits SNM model")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "models",
                                                  "digits.snm"))
    a = ap.parse_args(argv)

    xtr, xte, ytr, yte = nm.digits_split()
    clf = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", solver="adam",
                        alpha=1e-3, max_iter=1000,
                        random_state=0)
    clf.fit(xtr / 16.0, ytr)
    float_acc = clf.score(xte / 16.0, yte)

    w1, b1 = clf.coefs_[0].T, clf.intercepts_[0]  # [32, 64], [32]
    w2, b2 = clf.coefs_[1].T, clf.intercepts_[1]  # [10, 32], [10]
    s_x = 1.0 / 127.0
    w1q, s_w1 = quant_sym(w1)
    b1q = np.round(b1 / (s_x * s_w1)).astype(np.int64)

    # Input parameters first: calibration runs the integer input pipeline.
    model = nm.Model("digits-mlp-64-32-10", 8, 8, 10, IN_MULT, IN_SHIFT, 0, [])
    xq = int_inputs(model, xtr)
    acc1 = xq @ w1q.T + b1q
    a_max = int(np.max(acc1))
    mult1, shift1 = mult_shift(127.0 / a_max)
    s_h = s_x * s_w1 * a_max / 127.0

    w2q, s_w2 = quant_sym(w2)
    b2q = np.round(b2 / (s_h * s_w2)).astype(np.int64)
    for b in (b1q, b2q):
        assert np.all(np.abs(b) <= nm.BIAS_MAX)

    model.layers = [
        nm.Layer(64, HIDDEN, nm.ACT_RELU, mult1, shift1, w1q, b1q),
        nm.Layer(HIDDEN, 10, nm.ACT_NONE, 0, 0, w2q, b2q),
    ]
    blob = nm.serialise(model)
    m = nm.parse(blob)  # what the device sees

    correct = sum(nm.argmax(nm.run(m, nm.digit_frame(x, 8, 8, 1), 8, 8, 1)) == y
                  for x, y in zip(xte, yte))
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "wb") as f:
        f.write(blob)
    print("train %d test %d (50/50 stratified, random_state=0)" % (len(xtr), len(xte)))
    print("float accuracy: %d / %d = %.4f" % (round(float_acc * len(xte)), len(xte), float_acc))
    print("int8 accuracy:  %d / %d = %.4f" % (correct, len(xte), correct / len(xte)))
    print("hidden requantisation: mult %d shift %d (training max accumulator %d)" %
          (mult1, shift1, a_max))
    print("wrote %s (%d bytes)" % (a.out, len(blob)))
    return 0 if correct / len(xte) >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
