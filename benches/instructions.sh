#!/usr/bin/env bash
# Instructions per simulated request in the engine's loop, counted by
# valgrind's callgrind: a figure that does not drift with this machine's
# mood the way wall time does (see benches/RESULTS.md, "Noise"), for
# comparing two versions of the hot path. The scenario is the day at
# 10,000 requests/s of benches/day_at_10k.sh (global_at_10k.sh), cut to
# its first seconds, with no warmup; only the event loop (`engine::run_observed`) is counted,
# not reading the scenario or writing the report.
#
#   benches/instructions.sh [simulated seconds] [negsim binary]   (default 30, target/release/negsim)
#
# Needs valgrind. Takes about 15 s for the default 30 simulated seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
bin="${2:-target/release/negsim}"
if ! command -v valgrind > /dev/null; then
  echo "valgrind is not installed (apt install valgrind)" >&2
  exit 2
fi
if [ "$bin" = target/release/negsim ]; then
  cargo build --release --quiet
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
benches/global_at_10k.sh "${seconds}s" 0s > "$dir/g10k.toml"
valgrind --tool=callgrind --toggle-collect='negsim::engine::run_observed*' \
  --callgrind-out-file="$dir/callgrind.out" \
  "$bin" run "$dir/g10k.toml" -o "$dir/out" --quiet 2> "$dir/valgrind.txt"
python3 - "$dir/valgrind.txt" "$dir/out/run.json" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
ir = int(re.search(r"Collected : (\d+)", text).group(1))
if ir == 0:
    sys.exit("no instruction counted: the event loop `negsim::engine::run_observed` was not found in the binary")
run = json.load(open(sys.argv[2]))
print(f"{run['requests']:,} requests, {run['events']:,} events: {ir:,} instructions in the event loop, "
      f"{ir / run['requests']:.0f} per request, {ir / run['events']:.0f} per event")
PY
