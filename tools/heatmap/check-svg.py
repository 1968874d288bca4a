#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check-svg.py SVG [ROWS BLOCKS_PER_ROW|-] [live=N cached=N free=N remote=N]

Parses a hakmem-heatmap SVG as XML and checks it: an <svg> root, ROWS slab
groups of BLOCKS_PER_ROW cells each (- : any, but every row's cell count
must equal its data-blocks), and the given total cells per state.  Prints
"rows R cells C live L cached K free F remote M" and exits 1 on mismatch.
"""
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def main():
    a = sys.argv[1:]
    root = ET.parse(a[0]).getroot()
    if root.tag != NS + "svg":
        sys.exit(f"check-svg: root is {root.tag}, not svg")
    rows = [g for g in root.iter(NS + "g") if g.get("class") == "slab"]
    count = {"live": 0, "cached": 0, "free": 0, "remote": 0}
    cells = 0
    for g in rows:
        rects = g.findall(NS + "rect")
        if len(rects) != int(g.get("data-blocks")):
            sys.exit(f"check-svg: slab {g.get('data-slab')}: {len(rects)} "
                     f"cells, data-blocks {g.get('data-blocks')}")
        if sum(r.get("class") == "live" for r in rects) != \
                int(g.get("data-inuse")):
            sys.exit(f"check-svg: slab {g.get('data-slab')}: live cells "
                     f"!= data-inuse")
        for r in rects:
            count[r.get("class")] += 1
        cells += len(rects)
    got = (f"rows {len(rows)} cells {cells} " +
           " ".join(f"{k} {v}" for k, v in count.items()))
    print(got)
    want = a[1:]
    if len(want) >= 2:
        if int(want[0]) != len(rows):
            sys.exit(f"check-svg: {len(rows)} rows, want {want[0]}")
        if want[1] != "-" and any(len(g.findall(NS + "rect")) !=
                                  int(want[1]) for g in rows):
            sys.exit(f"check-svg: a row without {want[1]} cells")
        want = want[2:]
    for kv in want:
        k, v = kv.split("=")
        if count[k] != int(v):
            sys.exit(f"check-svg: {k} {count[k]}, want {v}")


if __name__ == "__main__":
    main()
