#!/usr/bin/env bash
# A day of the global example at 10,000 requests per second on average
# (about 864 million requests), on one core, with its wall time and peak
# memory. The scenario is the global example scaled by global_at_10k.sh,
# for 24 hours.
#
#   benches/day_at_10k.sh            (takes several minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
benches/global_at_10k.sh 24h > "$dir/global-day-10k.toml"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -v ./target/release/negsim run "$dir/global-day-10k.toml" -o "$dir/out" --quiet 2> "$dir/time.txt"
  grep -E "Elapsed|Maximum resident" "$dir/time.txt"
else
  ./target/release/negsim run "$dir/global-day-10k.toml" -o "$dir/out" --quiet
fi
python3 - "$dir/out/run.json" <<'PY' 2>/dev/null || cat "$dir/out/run.json"
import json, sys
j = json.load(open(sys.argv[1]))
print(f"{j['requests']:,} requests, {j['events']:,} events in {j['wall_s']:.1f} s of simulation: "
      f"{j['requests_per_wall_s'] / 1e6:.2f} M requests per second, {j['mean_pending_events']:.0f} pending events on average")
PY
