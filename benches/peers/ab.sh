#!/usr/bin/env bash
# Two versions of negsim against SimCore, in alternated sittings: did a
# change make issue 26's ratio better or worse in time, not only in
# instructions? Instruction counts (benches/instructions.sh) are not a
# safe proxy: forcing eight functions of the request chain inline took
# 3.9 % of (a)'s instructions and lowered its ratio from 0.97 to between
# 0.76 and 0.93 (benches/RESULTS.md, "Against SimCore"). And one sitting
# is not a measurement here: this machine's speed drifts by 20 % between
# minutes, so the two versions take turns.
#
#   benches/peers/ab.sh REV_A REV_B [sittings] [rounds] [customers]
#                       (default 3 sittings of 11 rounds of 1,000,000)
#
# REV_A and REV_B are anything `git rev-parse` takes; `WORKTREE` stands
# for the working tree as it is, uncommitted changes included. Each is
# checked out in a temporary worktree and benches/peers built there
# (both builds share one target folder, so SimCore and the other
# dependencies build once). SimPy does not run (a worktree has no
# target/simpy-venv). Prints each sitting's per-round median ratios,
# then the median over the sittings, then the same sittings' ratios of
# negsim's bare engine (SimCore's M/M/c written on negsim's engine) to
# SimCore: a change to the event queue shows there on its own.
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,22p' "$0" >&2
  exit 2
fi
a="$1" b="$2" sittings="${3:-3}" rounds="${4:-11}" customers="${5:-1000000}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
tmp=$(mktemp -d)
cleanup() {
  for w in "$tmp"/tree-*; do
    [ -d "$w" ] && git -C "$repo" worktree remove --force "$w" > /dev/null 2>&1 || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
build() { # name rev
  local tree="$tmp/tree-$1"
  if [ "$2" = WORKTREE ]; then
    # The working tree's files, uncommitted changes included (not the
    # ignored ones: no target/, no output/).
    # A tracked file deleted in the working tree is left out.
    mkdir -p "$tree"
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard |
      xargs -0 -I{} sh -c '[ ! -e "$1" ] || cp --parents "$1" "$2"' _ {} "$tree")
    echo "building $1: the working tree ($(git -C "$repo" rev-parse --short HEAD) and its changes)" >&2
  else
    git -C "$repo" worktree add --quiet --detach "$tree" "$2"
    echo "building $1: $2 ($(git -C "$repo" rev-parse --short "$2"))" >&2
  fi
  CARGO_TARGET_DIR="$tmp/target" cargo build --release --quiet --manifest-path "$tree/benches/peers/Cargo.toml"
  cp "$tmp/target/release/negsim-peers" "$tmp/peers-$1"
}
build A "$a"
build B "$b"
for s in $(seq "$sittings"); do
  for v in A B; do
    out=$("$tmp/peers-$v" "$rounds" "$customers")
    ratios() { # the line's leading words
      echo "$out" | sed -n "s/.*$1: median \([0-9.]*\), from \([0-9.]*\) to \([0-9.]*\).*/\1 \2 \3/p" | paste -sd' '
    }
    # The bare engine's ratios, from versions that print them (after 22e8f27).
    bare=$(ratios 'bare engine \/ SimCore, per round')
    echo "$s $v $(ratios 'within each round') ${bare:-- - - - - -}" >> "$tmp/ratios.txt"
  done
done
python3 - "$tmp/ratios.txt" "$a" "$b" << 'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
names = {"A": sys.argv[2], "B": sys.argv[3]}
print("negsim / SimCore, per-round median (range), each sitting:")
print(f"{'sitting':>7}  {'version':<12} {'(a) 180/s, c = 100':<22} {'(b) 18/s, c = 10':<22}")
def cell(m, lo, hi):
    return "-" if m == "-" else f"{m} ({lo}-{hi})"
for r in rows:
    s, v, a, alo, ahi, b, blo, bhi = r[:8]
    print(f"{s:>7}  {v + ' ' + names[v][:10]:<12} {cell(a, alo, ahi):<22} {cell(b, blo, bhi):<22}")
for v in "AB":
    mine = [r for r in rows if r[1] == v]
    a = statistics.median(float(r[2]) for r in mine)
    b = statistics.median(float(r[5]) for r in mine)
    print(f"median over sittings, {v} = {names[v]}: (a) {a:.2f}, (b) {b:.2f}")
print("the bare engine (negsim's engine running SimCore's M/M/c) / SimCore, per-round median (range):")
for r in rows:
    a, alo, ahi, b, blo, bhi = r[8:14]
    print(f"{r[0]:>7}  {r[1] + ' ' + names[r[1]][:10]:<12} {cell(a, alo, ahi):<22} {cell(b, blo, bhi):<22}")
PY
