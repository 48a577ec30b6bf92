#!/usr/bin/env python3
"""The closing line CI reads, from Surefire's XML reports: `LABEL: N passed, N failed, N skipped`.

    python3 scripts/lib/surefire_count.py LABEL REPORTS_DIR
"""
import glob
import sys
import xml.etree.ElementTree as ET

label, reports = sys.argv[1], sys.argv[2]
t = f = e = s = 0
for path in glob.glob(reports + "/TEST-*.xml"):
    r = ET.parse(path).getroot()
    t += int(r.get("tests", 0))
    f += int(r.get("failures", 0))
    e += int(r.get("errors", 0))
    s += int(r.get("skipped", 0))
print(f"{label}: {t - f - e - s} passed, {f + e} failed, {s} skipped")
