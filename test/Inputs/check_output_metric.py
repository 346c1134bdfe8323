"""check_output_metric.py RANK H_JSON < rotq-opt output: checks the first
rotq.calibration.output_metric attribute against NumPy's eigh of the
second moments H (a JSON nested list, already divided by the token count):
rows 1..RANK, as V^T V, must equal the RANK leading eigenpairs' part
sum l_k u_k u_k^T, and row 0 the diagonal of H minus that part."""
import json
import re
import sys

import numpy as np

rank = int(sys.argv[1])
h = np.array(json.loads(sys.argv[2]), np.float64)
text = sys.stdin.read()
m = re.search(r"rotq\.calibration\.output_metric = dense<(.*?)> : "
              r"tensor<(\d+)x(\d+)xf64>", text)
if not m:
    sys.exit("no rotq.calibration.output_metric in the input")
rows = np.array(json.loads(m.group(1)), np.float64)
assert rows.shape == (1 + rank, h.shape[0]), rows.shape
vals, vecs = np.linalg.eigh(h)
top = vecs[:, ::-1][:, :rank] * vals[::-1][:rank]
lead = top @ vecs[:, ::-1][:, :rank].T
got_lead = rows[1:].T @ rows[1:]
want_diag = np.maximum(np.diag(h - lead), 0)
err = max(np.abs(got_lead - lead).max(), np.abs(rows[0] - want_diag).max())
print("metric error %.3g" % err)
sys.exit(0 if err <= 1e-9 * np.abs(h).max() else 1)
