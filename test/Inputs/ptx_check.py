"""ptx_check.py MODULE.mlir PTXAS ARCH [--print-ptx]

Takes a module lowered with rotq-lower-to-nvvm format=isa, extracts the PTX
of every gpu.binary, assembles each with `ptxas -arch=ARCH -v` and prints a
summary that tests FileCheck:

  modules: N               (gpu.binary ops)
  assembled: N
  kernels: K               (entry functions)
  spill bytes: S           (stores + loads over all kernels)
  kernel NAME: R registers, S spill bytes, L bytes local memory

With --print-ptx the PTX follows, for instruction checks. Exits 1 if any
kernel fails to assemble.
"""
import os
import re
import subprocess
import sys
import tempfile

path, ptxas, arch = sys.argv[1:4]
text = open(path).read()
binaries = re.findall(r'gpu\.binary @(\w+)\s*\[(.*?)\]\s*$', text, re.M | re.S)
ptx = []
for name, body in binaries:
    m = re.search(r'assembly = "((?:[^"\\]|\\.)*)"', body)
    if not m:
        continue
    raw = re.sub(rb'\\([0-9A-Fa-f]{2})', lambda h: bytes([int(h.group(1), 16)]),
                 m.group(1).encode()).replace(b'\\\\', b'\\')
    ptx.append((name, raw.decode()))

ok = 0
kernels = 0
spills = 0
lines = []
with tempfile.TemporaryDirectory() as d:
    for name, code in ptx:
        f = os.path.join(d, name + ".ptx")
        open(f, "w").write(code)
        r = subprocess.run([ptxas, "-arch=" + arch, "-v", f, "-o", os.devnull],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("ptxas failed on %s:\n%s" % (name, r.stderr))
            continue
        ok += 1
        # One section per entry function of the module.
        parts = re.split(r"Compiling entry function '(\w+)'", r.stderr)
        for fn, info in zip(parts[1::2], parts[2::2]):
            kernels += 1
            regs = sum(int(x) for x in re.findall(r"Used (\d+) registers", info))
            st = sum(int(x) for x in re.findall(r"(\d+) bytes spill stores", info))
            ld = sum(int(x) for x in re.findall(r"(\d+) bytes spill loads", info))
            stack = sum(int(x) for x in re.findall(r"(\d+) bytes stack frame", info))
            spills += st + ld
            lines.append("kernel %s: %d registers, %d spill bytes, %d bytes local memory"
                         % (fn, regs, st + ld, stack))
print("modules: %d" % len(ptx))
print("assembled: %d" % ok)
print("kernels: %d" % kernels)
print("spill bytes: %d" % spills)
for l in lines:
    print(l)
if "--print-ptx" in sys.argv:
    for name, code in ptx:
        print("// ---- %s" % name)
        print(code)
sys.exit(0 if ok == len(ptx) and ptx else 1)
