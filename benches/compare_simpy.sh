#!/usr/bin/env bash
# negsim against SimPy on the same M/M/c model (c = 10, lambda = 450/s,
# mu = 50/s, rho = 0.9), side by side on this machine, one core each in turn.
# Installs SimPy into a virtual environment under target/ on first use.
#
# SimPy's run takes about 17 s over the default simulated hour, negsim's
# about 0.4 s: one negsim run is at the mercy of this machine's noise (15 to
# 25 % between runs minutes apart, see benches/RESULTS.md), so negsim runs
# three times before SimPy and three times after, and the ratio is taken
# with the median of its six rates. Each of its runs is printed too.
#
#   benches/compare_simpy.sh [simulated seconds]   (default 3600)
set -euo pipefail
cd "$(dirname "$0")/.."
horizon="${1:-3600}"
venv=target/simpy-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet simpy
fi
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
negsim_runs() {
  for _ in 1 2 3; do
    ./target/release/negsim run scenarios/mmc-validation.toml --duration "${horizon}s" -o "$out" --quiet --force
    python3 -c "import json, sys; r = json.load(open(sys.argv[1])); print(r['requests'], r['requests_per_wall_s'])" \
      "$out/run.json" >> "$out/negsim.txt"
  done
}
negsim_runs
simpy_json=$("$venv/bin/python" benches/simpy_mmc.py --c 10 --lam 450 --mu 50 --horizon "$horizon" --seed 1)
negsim_runs
python3 - "$out/negsim.txt" "$simpy_json" "$horizon" <<'PY'
import json, statistics, sys
runs = [line.split() for line in open(sys.argv[1])]
rates = [float(rate) for _, rate in runs]
simpy = json.loads(sys.argv[2])
negsim = statistics.median(rates)
print(f"model: M/M/c, c = 10, lambda = 450/s, mu = 50/s, {sys.argv[3]} s simulated")
print(f"negsim: {runs[0][0]} requests, {negsim:.0f} requests per wall-clock second "
      f"(median of {len(rates)} runs: {', '.join(f'{r / 1e6:.2f} M' for r in rates)})")
print(f"simpy:  {json.dumps(simpy)}")
print(f"ratio: negsim is {negsim / simpy['requests_per_wall_s']:.0f} times as fast")
PY
