"""misalign_st.py IN OUT: rewrites a .safetensors file with its header padded
(with spaces, which JSON allows) so that the data starts at an odd offset:
every tensor is then misaligned for its element type."""
import struct
import sys

with open(sys.argv[1], "rb") as f:
    raw = f.read()
n = struct.unpack("<Q", raw[:8])[0]
header, data = raw[8:8 + n], raw[8 + n:]
while (8 + len(header)) % 8 != 1:
    header += b" "
with open(sys.argv[2], "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header + data)
