#!/usr/bin/env bash
# negsim against SimPy on the same M/M/c model (c = 10, lambda = 450/s,
# mu = 50/s, rho = 0.9), side by side on this machine, one core each in turn.
# Installs SimPy into a virtual environment under target/ on first use.
# The default hour gives negsim about half a second of work: with the ten
# minutes used before, its 0.08 s was at the mercy of this machine's noise
# (26 to 36 times SimPy in one sitting).
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
./target/release/negsim run scenarios/mmc-validation.toml --duration "${horizon}s" -o "$out" --quiet
negsim_rate=$(python3 -c "import json,sys; print(json.load(open('$out/run.json'))['requests_per_wall_s'])")
negsim_requests=$(python3 -c "import json,sys; print(json.load(open('$out/run.json'))['requests'])")
simpy_json=$("$venv/bin/python" benches/simpy_mmc.py --c 10 --lam 450 --mu 50 --horizon "$horizon" --seed 1)
simpy_rate=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['requests_per_wall_s'])" "$simpy_json")
echo "model: M/M/c, c = 10, lambda = 450/s, mu = 50/s, ${horizon} s simulated"
echo "negsim: ${negsim_requests} requests, $(printf '%.0f' "$negsim_rate") requests per wall-clock second"
echo "simpy:  $simpy_json"
python3 -c "print(f'ratio: negsim is {float(\"$negsim_rate\") / float(\"$simpy_rate\"):.0f} times as fast')"
rm -rf "$out"
