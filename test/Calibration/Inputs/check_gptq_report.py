"""check_gptq_report.py REPORT COUNT: every rotq-gptq remark must show a
smaller output error for GPTQ than for RTN on the same calibration data;
exactly COUNT linears must be reported."""
import re
import sys

pairs = [(float(g), float(r)) for g, r in re.findall(
    r"output error ([0-9.e+-]+) \(RTN ([0-9.e+-]+)\)", open(sys.argv[1]).read())]
if len(pairs) != int(sys.argv[2]):
    sys.exit("expected %s reports, found %d" % (sys.argv[2], len(pairs)))
worse = [p for p in pairs if not p[0] < p[1]]
if worse:
    sys.exit("GPTQ not better than RTN: %s" % worse)
print("OK %d linears, GPTQ/RTN error ratio %.2f..%.2f" %
      (len(pairs), min(g / r for g, r in pairs), max(g / r for g, r in pairs)))
