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
# Or, for issue 26's M/M/c loads (benches/peers), 200,000 customers of
# scenarios/mmc-validation.toml reshaped as benches/peers reshapes it,
# with its per-window metrics and time series written:
#
#   benches/instructions.sh mmc-a [negsim binary]   (180/s, 0.5 s, c = 100)
#   benches/instructions.sh mmc-b [negsim binary]   (18/s, 0.5 s, c = 10)
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
case "$seconds" in
  mmc-a | mmc-b)
    # λ per second and c: 200,000 customers take 200,000 / λ seconds.
    if [ "$seconds" = mmc-a ]; then lambda=180 c=100; else lambda=18 c=10; fi
    sed -e "s/duration = \"1h\"/duration = \"$((200000 / lambda))s\"/" \
      -e 's/warmup = "2m"/warmup = "0s"/' \
      -e "s/min_instances = 10/min_instances = $c/" -e "s/max_instances = 10/max_instances = $c/" \
      -e 's/mean = "20ms"/mean = "500ms"/' -e "s/rps = 450.0/rps = $lambda/" \
      scenarios/mmc-validation.toml > "$dir/scenario.toml"
    echo "scenario: scenarios/mmc-validation.toml as $seconds: $lambda/s, 0.5 s, c = $c, $((200000 / lambda)) s" >&2
    ;;
  *) benches/global_at_10k.sh "${seconds}s" 0s > "$dir/scenario.toml" ;;
esac
valgrind --tool=callgrind --toggle-collect='negsim::engine::run_observed*' \
  --callgrind-out-file="$dir/callgrind.out" \
  "$bin" run "$dir/scenario.toml" -o "$dir/out" --quiet 2> "$dir/valgrind.txt"
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
