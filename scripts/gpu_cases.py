#!/usr/bin/env python3
"""GPU checks and benchmarks that need only a driver on the GPU machine.

  scripts/gpu_cases.py prepare BUILD DIR [--cpu]
                                           (here: needs the build and NumPy;
                                            --cpu compiles the cases for the
                                            CPU instead, to test this script)
  scripts/gpu_cases.py run DIR             (on the GPU machine: NumPy only)
  scripts/gpu_cases.py bench DIR           (on the GPU machine: NumPy, and
                                            PyTorch for the baselines)

`prepare` compiles the kernels and models of test/GPU and of rotq-bench
ahead of time with rotq-compile (sm_90a cubins, host code for x86-64) into
DIR, with their inputs and the CPU path's outputs (rotq-run) as
references, and copies librotq_cuda_runtime.so beside them. `run` calls
each library through python/rotq_lib.py and compares with the references
by the tolerance the case names; it ends with "N passed, N failed". `bench`
times rotq's kernels by CUDA events (the runtime's kernel timing) against
device-to-device copies and bf16 / int8 matrix products of the same shapes
measured in the same process, and prints the tables of bench/RESULTS.md.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
from rotq_lib import Library  # noqa: E402


def hadamard_module(n, rows, dtype="f32", signs=None, block=None, transpose=False):
    attrs = []
    if signs is not None:
        s = np.where(np.random.default_rng(signs).random(n) < 0.5, -1, 1)
        attrs.append("signs = array<i8: %s>" % ", ".join(map(str, s)))
    if block:
        attrs.append("block_size = %d" % block)
    if transpose:
        attrs.append("transpose")
    t = "tensor<%dx%dx%s>" % (rows, n, dtype)
    return ("func.func @f(%%x: %s) -> %s {\n  %%y = rotq.hadamard %%x {%s} : %s\n"
            "  return %%y : %s\n}\n" % (t, t, ", ".join(attrs), t, t))


def prepare(build, out, device="cuda"):
    binp = os.path.join(build, "bin")
    os.makedirs(out, exist_ok=True)
    shutil.copy(os.path.join(build, "lib", "librotq_cuda_runtime.so"), out)
    cases = []
    r = np.random.default_rng(11)

    def add(name, source, func, inputs, tol, mode="rel", chip="sm_90a", extra=()):
        src = os.path.join(out, name + ".mlir")
        with open(src, "w") as f:
            f.write(source if "\n" in source else open(source).read())
        names = []
        for i, a in enumerate(inputs):
            names.append("%s.in%d.npy" % (name, i))
            np.save(os.path.join(out, names[-1]), a)
        lib = os.path.join(out, name + ".so")
        subprocess.run([os.path.join(binp, "rotq-compile"), src, "-e", func, "--device=" + device,
                        "--chip=" + chip, "-o", lib] + list(extra), check=True)
        # The library's signature says how many results the reference has.
        refs = ["%s.ref%d.npy" % (name, i) for i in range(len(Library(lib, func).results))]
        cmd = [os.path.join(binp, "rotq-run"), src, "-e", func]
        for n in names:
            cmd += ["--input", os.path.join(out, n)]
        for r in refs:
            cmd += ["--output", os.path.join(out, r)]
        subprocess.run(cmd, check=True)
        os.remove(src)
        cases.append({"name": name, "func": func, "inputs": names, "refs": refs,
                      "tol": tol, "mode": mode})
        print("prepared", name)

    for n, rows, dt, kw, tol in [(4096, 37, "f32", dict(signs=3), 1e-5),
                                 (896, 5, "f32", dict(signs=4, transpose=True), 1e-5),
                                 (11008, 3, "f32", dict(signs=5), 1e-5),
                                 (20, 9, "f32", dict(transpose=True), 1e-5),
                                 (10, 6, "f32", dict(signs=6), 1e-5),
                                 (640, 4, "f32", dict(block=128, signs=7), 1e-5),
                                 (14336, 3, "f16", {}, 2e-3),
                                 (1216, 11, "bf16", dict(signs=9), 1e-2)]:
        x = r.standard_normal((rows, n)).astype(np.float16 if dt == "f16" else np.float32)
        add("hadamard_%d_%s" % (n, dt), hadamard_module(n, rows, dt, **kw), "f", [x], tol)

    x = (r.standard_normal((45, 1000)) * r.uniform(0.1, 50, (45, 1))).astype(np.float32)
    x[3, 7], x[4, 9], x[5, 11] = np.nan, np.inf, -np.inf
    x[6] = 0
    q = os.path.join(ROOT, "test", "GPU", "quantize.mlir")
    add("quantize_sym4", q, "sym4", [x], 0.0)
    add("quantize_asym8", q, "asym8", [x], 0.0)
    add("quantize_f16", q, "f16", [x.astype(np.float16)], 0.0)

    fz = os.path.join(ROOT, "test", "GPU", "fused.mlir")
    a = r.standard_normal((67, 4096)); a[:, 5] *= 100
    add("fused_4096_f16", fz, "f4096", [a.astype(np.float16)], 1e-3, "codes")
    b = r.standard_normal((9, 11008)); b[0, 77] = 1500
    add("fused_11008_bf16", fz, "f11008", [b.astype(np.float32)], 1e-3, "codes")

    # DuQuant's fused online transform (as test/GPU/duquant.mlir).
    gen = os.path.join(ROOT, "test", "Inputs", "gen_duquant_test.py")
    for name, args, tol, mode in (("duquant_4096_f16", ["4096", "128", "f16", "67", "--quantize", "--seed", "1"], 1e-3, "codes"),
                                  ("duquant_1216_bf16", ["1216", "64", "bf16", "9", "--seed", "2"], 1e-2, "rel")):
        pre = os.path.join(out, name + ".gen")
        subprocess.run([sys.executable, gen] + args[:4] + [pre] + args[4:], check=True)
        ins = [np.load(pre + s_ + ".npy") for s_ in (".x", ".m1", ".m2")]
        src = open(pre + ".mlir").read()
        for s_ in (".mlir", ".x.npy", ".m1.npy", ".m2.npy"):
            os.remove(pre + s_)
        add(name, src, "f", ins, tol, mode)

    qm = os.path.join(ROOT, "test", "GPU", "qmatmul.mlir")
    add("qmatmul_w8a8", qm, "w8a8",
        [r.integers(-128, 128, (300, 256)).astype(np.int8), r.uniform(0.01, 1, (300, 2)).astype(np.float32),
         r.integers(-128, 128, (200, 256)).astype(np.int8), r.uniform(0.01, 1, (200, 2)).astype(np.float32),
         r.standard_normal(200).astype(np.float32)], 1e-6)
    add("qmatmul_w4a8", qm, "w4a8",
        [r.integers(-8, 8, (37, 96)).astype(np.int8), r.uniform(0.01, 1, (37, 1)).astype(np.float32),
         r.integers(-128, 128, (200, 48)).astype(np.int8), r.uniform(0.01, 1, (200, 1)).astype(np.float32)], 1e-6)

    # Hopper's wgmma kernel (single scale group).
    a8 = r.integers(-128, 128, (300, 256)).astype(np.int8)
    w8 = r.integers(-128, 128, (200, 256)).astype(np.int8)
    add("qmatmul_w8a8_wgmma", qm, "w8a8g1",
        [a8, r.uniform(0.01, 1, (300, 1)).astype(np.float32), w8,
         r.uniform(0.01, 1, (200, 1)).astype(np.float32)], 1e-6, extra=["--gpu-mma=wgmma"])
    add("qmatmul_w4a8_wgmma", qm, "w4a8",
        [r.integers(-8, 8, (37, 96)).astype(np.int8), r.uniform(0.01, 1, (37, 1)).astype(np.float32),
         r.integers(-128, 128, (200, 48)).astype(np.int8), r.uniform(0.01, 1, (200, 1)).astype(np.float32)],
        1e-6, extra=["--gpu-mma=wgmma"])

    ck = os.path.join(out, "ckpt")
    shutil.rmtree(ck, ignore_errors=True)
    subprocess.run([os.path.join(binp, "rotq-import"), "--synthesize",
                    os.path.join(ROOT, "test", "Inputs", "models", "llama-mha.json"),
                    "--seed", "3", "--outliers", "realistic", "-o", ck], check=True, capture_output=True)
    fm, qmod = os.path.join(out, "float.mlir"), os.path.join(out, "w4a4kv4.mlir")
    dmod = os.path.join(out, "duquant_w4a4.mlir")
    subprocess.run([os.path.join(binp, "rotq-import"), ck, "-o", fm], check=True)
    subprocess.run([os.path.join(binp, "rotq-opt"), fm, "--rotq-quarot=seed=5",
                    "--rotq-quantize=w-bits=4 a-bits=4 kv-bits=4", "-o", qmod], check=True)
    subprocess.run([os.path.join(binp, "rotq-opt"), fm, "--rotq-duquant=seed=5 block-size=32",
                    "--rotq-quantize=w-bits=4 a-bits=4 preset=duquant", "-o", dmod], check=True)
    tokens = np.concatenate([[1], r.integers(0, 256, 23)]).astype(np.int64)
    # The libraries travel without the checkpoint: weights compiled in.
    add("model_float", fm, "forward", [tokens], 1e-4, extra=["--inline-params"])
    add("model_w4a4kv4", qmod, "forward", [tokens], 1e-3, extra=["--inline-params"])
    add("model_duquant_w4a4", dmod, "forward", [tokens], 1e-3, extra=["--inline-params"])
    for f in (fm, qmod, dmod):
        os.remove(f)
    shutil.rmtree(ck)

    # Benchmark libraries (inputs are made on the GPU machine).
    bench = []
    if device != "cuda":
        with open(os.path.join(out, "cases.json"), "w") as f:
            json.dump({"cases": cases, "bench": bench}, f, indent=1)
        print("%d cases in %s" % (len(cases), out))
        return
    for n in (4096, 11008, 14336):
        t = "tensor<8192x%dx" % n
        for kind, src in (("fwht", "func.func @f(%%x: %sf16>) -> %sf16> {\n  %%y = rotq.hadamard %%x : %sf16>\n"
                                   "  return %%y : %sf16>\n}\n" % (t, t, t, t)),
                          ("fused", "func.func @f(%%x: %sf16>) -> (%si8>, tensor<8192x1xf32>) {\n"
                                    "  %%y = rotq.hadamard %%x : %sf16>\n  %%q, %%s = rotq.quantize %%y {bits = 4, "
                                    "granularity = #rotq.granularity<row>, clip_ratio = 0.9} : %sf16> -> %si8>, "
                                    "tensor<8192x1xf32>\n  return %%q, %%s : %si8>, tensor<8192x1xf32>\n}\n"
                                    % (t, t, t, t, t, t))):
            bench.append(compile_bench(binp, out, "%s_%d" % (kind, n), src))
        perm = ", ".join(map(str, np.random.default_rng(n).permutation(n)))
        mt = "tensor<128x128xf16>"
        st = "tensor<8192x1x"
        src = ("func.func @f(%%x: %sf16>, %%m1: %s, %%m2: %s) -> (%si8>, %sf32>, %si8>) {\n"
               "  %%a = rotq.rotate %%x, %%m1 : %sf16>, %s\n  %%b = rotq.permute %%a [%s] : %sf16>\n"
               "  %%c = rotq.rotate %%b, %%m2 : %sf16>, %s\n  %%q, %%s, %%z = rotq.quantize %%c {bits = 4, "
               "granularity = #rotq.granularity<row>, clip_ratio = 0.9, asymmetric} : %sf16> -> "
               "%si8>, %sf32>, %si8>\n  return %%q, %%s, %%z : %si8>, %sf32>, %si8>\n}\n"
               % (t, mt, mt, t, st, st, t, mt, perm, t, t, mt, t, t, st, st, t, st, st))
        bench.append(compile_bench(binp, out, "duquant_%d" % n, src))
    for (m, nn, k) in ((8192, 8192, 8192), (2048, 11008, 4096), (16, 4096, 4096)):
        for bits in (8, 4):
            sig = ("%%a: tensor<%dx%dxi8>, %%as: tensor<%dx1xf32>, %%ws: tensor<%dx1xf32>, " % (m, k, m, nn))
            mm = ("rotq.qmatmul %%a scale(%%as : tensor<%dx1xf32>), %%w scale(%%ws : tensor<%dx1xf32>) : "
                  "tensor<%dx%dxi8>, tensor<%dx%dxi8> -> tensor<%dx%dxf32>" % (m, nn, m, k, nn, k, m, nn))
            if bits == 8:
                src = ("func.func @f(%s%%w: tensor<%dx%dxi8>) -> tensor<%dx%dxf32> {\n  %%y = %s\n"
                       "  return %%y : tensor<%dx%dxf32>\n}\n" % (sig, nn, k, m, nn, mm, m, nn))
            else:
                src = ("func.func @f(%s%%wp: tensor<%dx%dxi8>) -> tensor<%dx%dxf32> {\n"
                       "  %%w = rotq.unpack %%wp {bits = 4} : tensor<%dx%dxi8> -> tensor<%dx%dxi8>\n  %%y = %s\n"
                       "  return %%y : tensor<%dx%dxf32>\n}\n" % (sig, nn, k // 2, m, nn, nn, k // 2, nn, k, mm, m, nn))
            bench.append(compile_bench(binp, out, "w%da8_%d_%d_%d" % (bits, m, nn, k), src))
            bench.append(compile_bench(binp, out, "w%da8_%d_%d_%d_wgmma" % (bits, m, nn, k), src,
                                       ["--gpu-mma=wgmma"]))
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"cases": cases, "bench": bench}, f, indent=1)
    print("%d cases and %d benchmarks in %s" % (len(cases), len(bench), out))


def compile_bench(binp, out, name, src, extra=()):
    path = os.path.join(out, name + ".mlir")
    with open(path, "w") as f:
        f.write(src)
    subprocess.run([os.path.join(binp, "rotq-compile"), path, "-e", "f", "--device=cuda",
                    "--chip=sm_90a", "-o", os.path.join(out, name + ".so")] + list(extra), check=True)
    os.remove(path)
    print("prepared", name)
    return name


def compare(case, got, refs):
    msgs = []
    ok = True
    if case["mode"] == "codes":
        qg, sg = got[0].astype(np.int32), got[1].astype(np.float64)
        qc, sc = refs[0].astype(np.int32), refs[1].astype(np.float64)
        d = np.abs(qg - qc)
        srel = (np.abs(sg - sc) / np.maximum(np.abs(sc), 1e-30)).max()
        ok = d.max() <= 1 and np.count_nonzero(d) <= case["tol"] * d.size and srel <= 1e-5
        zd = 0
        if len(got) > 2:  # zero points: one step apart at most, as codes
            zd = np.abs(got[2].astype(np.int32) - refs[2].astype(np.int32)).max()
            ok = ok and zd <= 1
        return ok, "codes max diff %d, %d of %d differ; scales rel %.1e; zero points max diff %d" % (
            d.max(), np.count_nonzero(d), d.size, srel, zd)
    for g, c in zip(got, refs):
        g64, c64 = g.astype(np.float64), c.astype(np.float64)
        same_nan = np.isnan(g64) == np.isnan(c64)
        g64, c64 = np.nan_to_num(g64), np.nan_to_num(c64)
        nrm = np.linalg.norm(c64)
        rel = np.linalg.norm(g64 - c64) / nrm if nrm else np.linalg.norm(g64)
        ok &= bool(same_nan.all()) and rel <= case["tol"]
        msgs.append("rel %.2e" % rel)
    return ok, ", ".join(msgs)


def run(d):
    spec = json.load(open(os.path.join(d, "cases.json")))
    passed = failed = 0
    for c in spec["cases"]:
        try:
            lib = Library(os.path.join(d, c["name"] + ".so"), c["func"])
            got = lib(*[np.load(os.path.join(d, f)) for f in c["inputs"]])
            ok, msg = compare(c, got, [np.load(os.path.join(d, f)) for f in c["refs"]])
        except Exception as e:  # a failing case must not hide the others
            ok, msg = False, "error: %s" % e
        print("%-22s %s  %s" % (c["name"], "ok  " if ok else "FAIL", msg))
        passed += ok
        failed += not ok
    print("gpu cases: %d passed, %d failed" % (passed, failed))
    return failed == 0


def bench(d, reps=20):
    import ctypes
    import torch
    spec = json.load(open(os.path.join(d, "cases.json")))
    dev = torch.device("cuda")
    print("device: %s; medians of %d runs (CUDA events)" % (torch.cuda.get_device_name(0), reps))

    def med(v):
        return sorted(v)[len(v) // 2]

    def time_torch(fn):
        for _ in range(3):
            fn()
        ts = []
        for _ in range(reps):
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record(); fn(); b.record(); b.synchronize()
            ts.append(a.elapsed_time(b))
        return med(ts)

    def time_rotq(name, args, kernel):
        lib = Library(os.path.join(d, name + ".so"), "f")
        rt = lib.rt
        for _ in range(2):
            lib(*args)
        rt.rotqGpuSetKernelTiming(1)
        ts = []
        names = ctypes.create_string_buffer(1 << 16)
        ms = (ctypes.c_float * 256)()
        for _ in range(reps):
            rt.rotqGpuTakeKernelTimes(names, len(names), ms, 256)
            lib(*args)
            n = rt.rotqGpuTakeKernelTimes(names, len(names), ms, 256)
            ks = names.value.decode().split("\n")
            hits = [ms[i] for i in range(n) if ks[i].startswith(kernel)]
            if not hits:
                raise SystemExit("%s: no kernel named %s* ran (the case fell back to "
                                 "another lowering)" % (name, kernel))
            ts.append(sum(hits))
        rt.rotqGpuSetKernelTiming(0)
        return med(ts)

    print("\n| hidden | copy GB/s | FWHT us | FWHT / copy | fused us | fused / copy |\n|---:|---:|---:|---:|---:|---:|")
    for n in (4096, 11008, 14336):
        x = np.random.default_rng(n).standard_normal((8192, n)).astype(np.float16)
        xt = torch.from_numpy(x).to(dev)
        yt = torch.empty_like(xt)
        copy = time_torch(lambda: yt.copy_(xt))
        bw = 2 * x.nbytes / (copy * 1e6)
        f = time_rotq("fwht_%d" % n, [x], "rotq_fwht")
        q = time_rotq("fused_%d" % n, [x], "rotq_fwht_quantize")
        print("| %d | %.0f | %.1f | %.2f | %.1f | %.2f |" % (
            n, bw, f * 1e3, 2 * x.nbytes / (f * 1e6) / bw, q * 1e3,
            (x.nbytes * 1.5 + 4 * 8192) / (q * 1e6) / bw))
    print("\nDuQuant's fused online transform + asymmetric 4-bit quantization (block 128)\n"
          "\n| hidden | copy GB/s | fused us | fused / copy |\n|---:|---:|---:|---:|")
    for n in (4096, 11008, 14336):
        rr = np.random.default_rng(n)
        x = rr.standard_normal((8192, n)).astype(np.float16)
        m1, m2 = (np.linalg.qr(rr.standard_normal((128, 128)))[0].astype(np.float16) for _ in range(2))
        xt = torch.from_numpy(x).to(dev)
        yt = torch.empty_like(xt)
        copy = time_torch(lambda: yt.copy_(xt))
        bw = 2 * x.nbytes / (copy * 1e6)
        q = time_rotq("duquant_%d" % n, [x, m1, m2], "rotq_duquant_quantize")
        print("| %d | %.0f | %.1f | %.2f |" % (n, bw, q * 1e3, (x.nbytes * 1.5 + 5 * 8192) / (q * 1e6) / bw))
    print("\n| M | N | K | torch bf16 us | torch int8 us | W8A8 us | W8A8 vs bf16 | W4A8 us | W4A8 vs bf16 "
          "| W8A8 wgmma us | W4A8 wgmma us |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    r = np.random.default_rng(0)
    for (m, nn, k) in ((8192, 8192, 8192), (2048, 11008, 4096), (16, 4096, 4096)):
        a = r.integers(-8, 8, (m, k)).astype(np.int8)
        w = r.integers(-8, 8, (nn, k)).astype(np.int8)
        wp = r.integers(-128, 128, (nn, k // 2)).astype(np.int8)
        as_, ws = np.full((m, 1), 0.01, np.float32), np.full((nn, 1), 0.01, np.float32)
        ab = torch.randn(m, k, device=dev, dtype=torch.bfloat16)
        wb = torch.randn(nn, k, device=dev, dtype=torch.bfloat16)
        bf16 = time_torch(lambda: ab @ wb.t())
        try:
            ai = torch.from_numpy(a).to(dev)
            wi = torch.from_numpy(w).to(dev)
            i8 = time_torch(lambda: torch._int_mm(ai, wi.t()))
        except Exception:
            i8 = float("nan")
        w8 = time_rotq("w8a8_%d_%d_%d" % (m, nn, k), [a, as_, ws, w], "rotq_qmatmul")
        w4 = time_rotq("w4a8_%d_%d_%d" % (m, nn, k), [a, as_, ws, wp], "rotq_qmatmul")
        w8g = time_rotq("w8a8_%d_%d_%d_wgmma" % (m, nn, k), [a, as_, ws, w], "rotq_qmatmul")
        w4g = time_rotq("w4a8_%d_%d_%d_wgmma" % (m, nn, k), [a, as_, ws, wp], "rotq_qmatmul")
        print("| %d | %d | %d | %.1f | %.1f | %.1f | %.2fx | %.1f | %.2fx | %.1f | %.1f |" % (
            m, nn, k, bf16 * 1e3, i8 * 1e3, w8 * 1e3, bf16 / w8, w4 * 1e3, bf16 / w4,
            w8g * 1e3, w4g * 1e3))


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3], "cpu" if sys.argv[4:] == ["--cpu"] else "cuda")
    elif len(sys.argv) == 3 and sys.argv[1] == "run":
        sys.exit(0 if run(sys.argv[2]) else 1)
    elif len(sys.argv) == 3 and sys.argv[1] == "bench":
        bench(sys.argv[2])
    else:
        sys.exit(__doc__)
