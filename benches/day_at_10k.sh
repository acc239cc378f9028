#!/usr/bin/env bash
# A day of the global example at 10,000 requests per second on average
# (about 864 million requests), on one core, with its wall time and peak
# memory. The scenario is scenarios/global-three-region.toml with every
# city's rps scaled so that the day's mean is 10,000 per second (every city
# there follows the default diurnal cosine, whose mean is (1 + 0.3) / 2 of
# the peak), max_instances raised to 1,000 so the regions can serve it, and
# a duration of 24 hours.
#
#   benches/day_at_10k.sh            (takes several minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
src=scenarios/global-three-region.toml
peak=$(awk '$1 == "rps" { s += $3 } END { print s }' "$src")
scale=$(awk -v p="$peak" 'BEGIN { printf "%.6f", 10000 / (p * 0.65) }')
awk -v s="$scale" '
  $1 == "rps" { $3 = sprintf("%.3f", $3 * s) }
  $1 == "max_instances" { $3 = 1000 }
  $1 == "duration" { $3 = "\"24h\"" }
  $1 == "name" && !named { $3 = "\"global-day-10k\""; named = 1 }
  { print }' "$src" > "$dir/global-day-10k.toml"
echo "scenario: $src, rps x $scale (peak $peak rps -> day mean 10,000 rps), max_instances 1000, 24h"
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
