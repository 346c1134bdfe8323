"""Independent NumPy float64 reference for rotq's DuQuant numerics.

    duquant_ref.py data DIR            writes the test inputs into DIR
    duquant_ref.py smooth DIR ALPHA    checks DIR/smooth.npy
    duquant_ref.py base B DIR          checks DIR/base_*.npy
    duquant_ref.py greedy DIR STEPS KEPT  checks rotq-test-duquant greedy's outputs
    duquant_ref.py rotated-max DIR B   writes max |x R| per channel
    duquant_ref.py zigzag DIR B NAME   checks DIR/perm_NAME.npy
"""
import sys

import numpy as np


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def data(d):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((48, 256))
    x[:, 3] *= 40.0          # normal outlier channels
    x[:, 130] *= -25.0
    x[:, 77] += 12.0
    x[0, 200] = 900.0        # massive outliers on a few tokens
    x[1, 17] = -600.0
    x[2, 140] = 700.0
    np.save(d + "/x.npy", x)
    act = np.abs(x).max(axis=0)
    w = np.abs(rng.standard_normal((96, 256))).max(axis=0)
    act[5] = 0.0             # clamps
    w[6] = 0.0
    np.save(d + "/act.npy", act)
    np.save(d + "/w.npy", w)
    np.save(d + "/max.npy", np.abs(x).max(axis=0))
    # Ties: equal maxima must keep index order.
    np.save(d + "/ties.npy", np.array([3.0, 1.0, 3.0, 1.0, 2.0, 2.0, 5.0, 0.5]))


def smooth(d, alpha):
    act, w = np.load(d + "/act.npy"), np.load(d + "/w.npy")
    eps = 1e-5
    ref = np.maximum(np.maximum(act, eps) ** alpha /
                     np.maximum(w, eps) ** (1 - alpha), eps)
    got = np.load(d + "/smooth.npy")
    err = np.max(np.abs(got - ref) / ref)
    if err > 1e-14:
        fail("smoothing differs by %g" % err)
    print("smooth ok")


def base(b, d):
    r = np.load(d + "/base_1.npy")
    if r.shape != (b, b):
        fail("shape %s" % (r.shape,))
    e_row = np.max(np.abs(r[0] - 1 / np.sqrt(b)))
    e_orth = np.max(np.abs(r @ r.T - np.eye(b)))
    print("first row %.1e orthogonality %.1e" % (e_row, e_orth))
    if e_row > 1e-12 or e_orth > 1e-12:
        fail("not orthogonal with a uniform first row")
    again, other = np.load(d + "/base_1b.npy"), np.load(d + "/base_2.npy")
    if not np.array_equal(r, again):
        fail("the same seed gave another matrix")
    if np.max(np.abs(r[1:] - other[1:])) < 1e-3:
        fail("another seed gave the same random factor")
    print("base ok")


def greedy_ref(x, base, steps):
    b = base.shape[0]
    x = x.reshape(-1, b).copy()
    peaks, cols = [x.max() - x.min()], []
    for _ in range(steps):
        c = int(np.argmax(np.abs(x))) % b   # the outlier's column
        e = np.eye(b)
        e[[0, c]] = e[[c, 0]]
        x = x @ (e @ base @ e)
        cols.append(c)
        peaks.append(x.max() - x.min())
    kept = int(np.argmin(peaks))
    rot = np.eye(b)
    for c in cols[:kept]:
        e = np.eye(b)
        e[[0, c]] = e[[c, 0]]
        rot = rot @ (e @ base @ e)
    return np.array(peaks), np.array(cols), kept, rot


def greedy(d, steps, kept):
    x, base = np.load(d + "/x.npy"), np.load(d + "/base.npy")
    peaks, cols, ref_kept, rot = greedy_ref(x, base, steps)
    got_cols = np.load(d + "/columns.npy")
    if not np.array_equal(got_cols, cols):
        fail("columns differ: %s vs %s" % (got_cols[:10], cols[:10]))
    got_peaks = np.load(d + "/peaks.npy")
    err = np.max(np.abs(got_peaks - peaks) / peaks)
    if err > 1e-12:
        fail("peaks differ by %g" % err)
    if kept != ref_kept or kept != int(np.argmin(got_peaks)):
        fail("kept %d, reference %d" % (kept, ref_kept))
    got_rot = np.load(d + "/rotation.npy")
    if np.max(np.abs(got_rot - rot)) > 1e-12:
        fail("rotation differs by %g" % np.max(np.abs(got_rot - rot)))
    if np.max(np.abs(got_rot @ got_rot.T - np.eye(len(rot)))) > 1e-12:
        fail("rotation not orthogonal")
    print("peak %.3f -> %.3f after %d of %d steps" %
          (peaks[0], peaks[kept], kept, steps))
    if not peaks[kept] < 0.5 * peaks[0]:
        fail("the rotation did not spread the outliers")
    print("greedy ok")


def zigzag_ref(m, b):
    k = len(m) // b
    order = np.argsort(-m, kind="stable")
    buckets = [[] for _ in range(k)]
    seq = list(range(k)) + list(range(k - 1, -1, -1))
    for i, ch in enumerate(order):
        buckets[seq[i % (2 * k)]].append(ch)
    perm = []
    for bk in buckets:
        bk = np.array(bk)
        perm.extend(bk[np.argsort(-m[bk], kind="stable")])
    return np.array(perm)


def block_var(v, b):
    return np.var(v.reshape(-1, b).mean(axis=1))


def rotated_max(d, b):
    """max |x| per channel after the (checked) greedy rotation."""
    x, rot = np.load(d + "/x.npy"), np.load(d + "/rotation.npy")
    m = np.abs((x.reshape(-1, b) @ rot).reshape(x.shape)).max(axis=0)
    np.save(d + "/rotmax.npy", m)


def zigzag(d, b, name):
    m = np.load(d + "/" + name + ".npy")
    got = np.load(d + "/perm_" + name + ".npy")
    ref = zigzag_ref(m, b)
    if not np.array_equal(got, ref):
        fail("permutation differs: %s vs %s" % (got[:16], ref[:16]))
    if sorted(got.tolist()) != list(range(len(m))):
        fail("not a permutation")
    before, after = block_var(m, b), block_var(m[got], b)
    print("variance %.6g -> %.6g" % (before, after))
    if name == "rotmax" and not after < 0.01 * before:
        fail("the permutation did not even out the blocks")
    print("zigzag ok")


cmd = sys.argv[1]
if cmd == "data":
    data(sys.argv[2])
elif cmd == "smooth":
    smooth(sys.argv[2], float(sys.argv[3]))
elif cmd == "base":
    base(int(sys.argv[2]), sys.argv[3])
elif cmd == "greedy":
    greedy(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
elif cmd == "rotated-max":
    rotated_max(sys.argv[2], int(sys.argv[3]))
elif cmd == "zigzag":
    zigzag(sys.argv[2], int(sys.argv[3]), sys.argv[4])
else:
    fail("unknown command " + cmd)
