#!/usr/bin/env bash
# Two-thread scaling of a sweep, whole runs timed (issue 20): 24 runs of
# 10 simulated minutes at 500 requests/s, alternately on one and two
# threads, ROUNDS times (default 5); prints each time, the means and their
# ratio. Run from the repository: bash benches/sweep-scaling/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet
rounds=${ROUNDS:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for _ in $(seq "$rounds"); do
  for t in 1 2; do
    start=$(date +%s%N)
    ./target/release/negsim sweep benches/sweep-scaling/sweep.toml --threads "$t" -o "$out/t$t" --quiet
    echo "$t $(( ($(date +%s%N) - start) / 1000000 ))"
  done
done | awk '{a[$1]+=$2; n[$1]++; printf "threads %s: %.2f s\n", $1, $2 / 1000}
  END {printf "mean: 1 thread %.2f s, 2 threads %.2f s, ratio %.2f\n", a[1]/n[1]/1000, a[2]/n[2]/1000, (a[1]/n[1])/(a[2]/n[2])}'
