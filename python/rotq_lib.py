"""Call a function compiled by rotq-compile from Python, with NumPy arrays.

    from rotq_lib import Library
    lib = Library("model.so", "forward")         # device read from the library
    logits, = lib(tokens)                         # NumPy in, NumPy out

The library exports `_mlir_ciface_FUNC` (MLIR's C interface: a pointer to
the result descriptor(s), then one pointer per argument descriptor) and
`rotq_signature_FUNC`, e.g.
"device=cuda args=f16:?x4096 results=i8:?x4096,f32:?x1".
For a CUDA library (one that links librotq_cuda_runtime.so) arguments are
copied to device memory through the runtime's mgpu* functions and results
copied back; nothing else than the driver is needed. bf16 values travel as
float32 arrays (rounded to nearest even on the way in). A CPU library reads
its checkpoint tensors from their .safetensors files at run time
(`rotq_params_FUNC` lists them: "type:shape<TAB>file<TAB>tensor" per
line); they are memory-mapped when the Library is opened.

    python3 rotq_lib.py LIB.so FUNC --input a.npy ... --output out.npy ...
runs it from the command line.
"""
import ctypes
import os
import sys

import numpy as np

_DTYPES = {"f16": np.float16, "f32": np.float32, "f64": np.float64,
           "bf16": np.uint16, "i8": np.int8, "i16": np.int16, "i32": np.int32,
           "i64": np.int64}


def _to_bf16_bits(x):
    b = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)


def _from_bf16_bits(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


_ST_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16,
              "F64": np.float64, "I8": np.int8}


def _map_tensor(path, name, et, shape):
    """Tensor `name` of the .safetensors file `path`, memory-mapped (copied
    when its offset is misaligned for its type), checked against et:shape."""
    import json
    import struct
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    if name not in header:
        raise ValueError("%s has no tensor '%s'" % (path, name))
    info = header[name]
    dt = np.dtype(_ST_DTYPES.get(info["dtype"], np.void))
    if dt != np.dtype(_DTYPES[et]) or list(info["shape"]) != shape:
        raise ValueError("%s: tensor '%s' is %s%s, the library expects %s:%s"
                         % (path, name, info["dtype"], info["shape"], et, shape))
    begin = 8 + n + info["data_offsets"][0]
    a = np.memmap(path, dtype=dt, mode="r", offset=begin, shape=tuple(shape))
    return a if a.ctypes.data % dt.itemsize == 0 else np.array(a)


def _parse(kind):
    et, dims = kind.split(":")
    shape = [None if d == "?" else int(d) for d in dims.split("x")] if dims else []
    return et, shape


class Library:
    def __init__(self, path, func):
        path = os.path.abspath(path)
        # RTLD_LOCAL: several libraries may each export the same function.
        self.lib = ctypes.CDLL(path, mode=os.RTLD_LOCAL | os.RTLD_NOW)
        self.func = func
        sig = ctypes.cast(ctypes.addressof(ctypes.c_char.in_dll(
            self.lib, "rotq_signature_" + func)), ctypes.c_char_p).value.decode()
        parts = dict(p.split("=", 1) for p in sig.split(" "))
        self.args = [_parse(k) for k in parts["args"].split(",") if k]
        self.results = [_parse(k) for k in parts["results"].split(",") if k]
        self.entry = getattr(self.lib, "_mlir_ciface_" + func)
        self.gpu = parts.get("device") == "cuda"
        # Weights the library reads from checkpoint files at run time
        # (trailing arguments), mapped once here.
        self.params = []
        try:
            listing = ctypes.cast(ctypes.addressof(ctypes.c_char.in_dll(
                self.lib, "rotq_params_" + func)), ctypes.c_char_p).value.decode()
        except ValueError:
            listing = ""
        for line in listing.splitlines():
            kind, file, name = line.split("\t")
            self.params.append(_map_tensor(file, name, *_parse(kind)))
        if self.gpu:
            # Loaded with the library (it links it): look it up, not again.
            rt = self.rt = ctypes.CDLL("librotq_cuda_runtime.so",
                                       mode=os.RTLD_NOLOAD | ctypes.RTLD_GLOBAL)
            rt.mgpuMemAlloc.restype = ctypes.c_void_p
            rt.mgpuMemAlloc.argtypes = [ctypes.c_uint64, ctypes.c_void_p, ctypes.c_bool]
            rt.mgpuMemFree.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
            rt.mgpuMemcpy.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
            rt.mgpuStreamSynchronize.argtypes = [ctypes.c_void_p]

    def _error(self):
        msg = ctypes.create_string_buffer(8192)
        if self.rt.rotqGpuTakeError(msg, len(msg)):
            self.last_error = msg.value.decode()
            return True
        return False

    def _raise(self):
        if not getattr(self, "last_error", None):
            self._error()
        raise RuntimeError("running %s on the GPU failed: %s"
                           % (self.func, getattr(self, "last_error", "unknown error")))

    def _descriptor(self, ptr, shape):
        rank = len(shape)
        words = (ctypes.c_int64 * (3 + 2 * rank))()
        words[0] = words[1] = ptr
        words[2] = 0
        stride = 1
        for i in reversed(range(rank)):
            words[3 + i] = shape[i]
            words[3 + rank + i] = stride
            stride *= shape[i]
        return words

    def __call__(self, *arrays):
        if len(arrays) != len(self.args):
            raise ValueError("%s takes %d arguments, %d given"
                             % (self.func, len(self.args), len(arrays)))
        keep, descs, device = [], [], []
        for (et, shape), a in zip(self.args, arrays):
            a = np.asarray(a)
            if len(shape) != a.ndim or any(s is not None and s != d for s, d in zip(shape, a.shape)):
                raise ValueError("argument of shape %s does not fit %s:%s" % (a.shape, et, shape))
            a = _to_bf16_bits(a) if et == "bf16" else np.ascontiguousarray(a, dtype=_DTYPES[et])
            keep.append(a)
            ptr = a.ctypes.data
            if self.gpu:
                d = self.rt.mgpuMemAlloc(max(a.nbytes, 1), None, False)
                if not d:
                    for p in device:
                        self.rt.mgpuMemFree(p, None)
                    self._raise()
                self.rt.mgpuMemcpy(d, ptr, a.nbytes, None)
                device.append(d)
                ptr = d
            descs.append(self._descriptor(ptr, a.shape))
        for a in self.params:  # read only: passed where they are mapped
            descs.append(self._descriptor(a.ctypes.data, a.shape))
        if self.gpu:
            self.rt.mgpuStreamSynchronize(None)
        words = sum(3 + 2 * len(s) for _, s in self.results)
        out = (ctypes.c_int64 * words)()
        args = [ctypes.byref(out)] + [ctypes.byref(d) for d in descs]
        self.entry.restype = None
        self.entry(*args)
        if self.gpu and self._error():
            for d in device:
                self.rt.mgpuMemFree(d, None)
            self._raise()
        results, pos, freed = [], 0, set()
        for et, shape in self.results:
            rank = len(shape)
            w = out[pos:pos + 3 + 2 * rank]
            pos += 3 + 2 * rank
            sizes, strides = w[3:3 + rank], w[3 + rank:]
            dt = np.dtype(_DTYPES[et])
            span = 1 + sum((s - 1) * st for s, st in zip(sizes, strides)) if all(sizes) else 0
            base = w[1] + w[2] * dt.itemsize
            flat = np.empty(span, dtype=dt)
            if span:
                if self.gpu:
                    self.rt.mgpuMemcpy(flat.ctypes.data, base, flat.nbytes, None)
                    self.rt.mgpuStreamSynchronize(None)
                else:
                    ctypes.memmove(flat.ctypes.data, base, flat.nbytes)
            r = np.lib.stride_tricks.as_strided(
                flat, shape=sizes, strides=[st * dt.itemsize for st in strides]).copy()
            if et == "bf16":
                r = _from_bf16_bits(r)
            results.append(r)
            if self.gpu and w[0] not in device and w[0] not in freed:
                self.rt.mgpuMemFree(w[0], None)
                freed.add(w[0])
        for d in device:
            self.rt.mgpuMemFree(d, None)
        return results


def main(argv):
    import argparse
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("library")
    p.add_argument("func")
    p.add_argument("--input", action="append", default=[])
    p.add_argument("--output", action="append", default=[])
    a = p.parse_args(argv)
    lib = Library(a.library, a.func)
    results = lib(*[np.load(f) for f in a.input])
    if a.output and len(a.output) != len(results):
        sys.exit("%s returns %d results; %d --output given" % (a.func, len(results), len(a.output)))
    for i, r in enumerate(results):
        if a.output:
            np.save(a.output[i], r)
        else:
            print("result %d:" % i, r)


if __name__ == "__main__":
    main(sys.argv[1:])
