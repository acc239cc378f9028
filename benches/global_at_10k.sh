#!/usr/bin/env bash
# Prints scenarios/global-three-region.toml scaled to a mean of 10,000
# requests/s over a day: every city's rps scaled so that the day's mean is
# 10,000 (every city there follows the default diurnal cosine, whose mean
# is (1 + 0.3) / 2 of the peak), max_instances raised to 1,000 so the
# regions can serve it. Used by day_at_10k.sh and instructions.sh.
#
#   benches/global_at_10k.sh DURATION [WARMUP] > scenario.toml
#   (DURATION and WARMUP as in a scenario file, e.g. 24h, 30s, 0s;
#   the example's warmup when WARMUP is left out)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="$1"
warmup="${2:-}"
src=scenarios/global-three-region.toml
peak=$(awk '$1 == "rps" { s += $3 } END { print s }' "$src")
scale=$(awk -v p="$peak" 'BEGIN { printf "%.6f", 10000 / (p * 0.65) }')
echo "scenario: $src, rps x $scale (peak $peak rps -> day mean 10,000 rps), max_instances 1000, $duration" >&2
awk -v s="$scale" -v d="$duration" -v w="$warmup" '
  $1 == "rps" { $3 = sprintf("%.3f", $3 * s) }
  $1 == "max_instances" { $3 = 1000 }
  $1 == "duration" { $3 = "\"" d "\"" }
  $1 == "warmup" && w != "" { $3 = "\"" w "\"" }
  $1 == "name" && !named { $3 = "\"global-day-10k\""; named = 1 }
  { print }' "$src"
