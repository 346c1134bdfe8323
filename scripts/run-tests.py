#!/usr/bin/env python3
"""Runs lit over the given suites and ends with 'rotq: N passed, N failed'."""
import re
import subprocess
import sys

lit, suites = sys.argv[1], sys.argv[2:]
proc = subprocess.run([sys.executable, lit, "-sv", *suites],
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
sys.stdout.write(proc.stdout)
counts = {}
for key in ("Passed", "Failed", "Unsupported", "Expectedly Failed",
            "Unresolved", "Timed Out", "Unexpectedly Passed", "Excluded",
            "Skipped"):
    m = re.search(r"^\s*%s\s*:\s*(\d+)" % key, proc.stdout, re.M)
    counts[key] = int(m.group(1)) if m else 0
passed = counts["Passed"] + counts["Expectedly Failed"]
failed = (counts["Failed"] + counts["Unresolved"] + counts["Timed Out"] +
          counts["Unexpectedly Passed"])
skipped = counts["Unsupported"] + counts["Skipped"] + counts["Excluded"]
print("rotq: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if proc.returncode != 0 or failed or passed == 0 else 0)
