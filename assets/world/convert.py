#!/usr/bin/env python3
"""Converts world-atlas's land-110m.json (TopoJSON of Natural Earth's 1:110m
land polygons) into land-110m.txt: one polygon ring per line, as
"lon,lat lon,lat ..." with two decimals, the format negsim's world map reads.

Source: the npm package world-atlas 2.0.2 (ISC licence, LICENSE-world-atlas),
built from Natural Earth (public domain). To regenerate:

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python3 convert.py package/land-110m.json > land-110m.txt
"""
import json
import sys

topo = json.load(open(sys.argv[1]))
sx, sy = topo["transform"]["scale"]
tx, ty = topo["transform"]["translate"]

arcs = []
for arc in topo["arcs"]:
    x = y = 0
    points = []
    for dx, dy in arc:
        x += dx
        y += dy
        points.append((x * sx + tx, y * sy + ty))
    arcs.append(points)


def ring(indices):
    out = []
    for i in indices:
        pts = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        # Consecutive arcs share their end points.
        out.extend(pts if not out else pts[1:])
    return out


def polygons(geometry):
    if geometry["type"] == "Polygon":
        yield geometry["arcs"]
    elif geometry["type"] == "MultiPolygon":
        yield from geometry["arcs"]
    elif geometry["type"] == "GeometryCollection":
        for g in geometry["geometries"]:
            yield from polygons(g)


for polygon in polygons(topo["objects"]["land"]):
    for indices in polygon:
        pts = ring(indices)
        print(" ".join(f"{lon:.2f},{lat:.2f}" for lon, lat in pts))
