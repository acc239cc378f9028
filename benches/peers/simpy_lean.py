#!/usr/bin/env python3
"""M/M/c in SimPy written lean: callbacks on plain events, no processes or
Resource (the fastest way to write it in SimPy). Prints one line of JSON
with the customers served, the wall time and the mean wait (issue 26's
benchmark, benches/peers).

    python3 simpy_lean.py --c 10 --lam 18 --mu 2 --horizon 3600
"""
import argparse
import collections
import json
import random
import time

import simpy


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--c", type=int, default=10)
    p.add_argument("--lam", type=float, default=18.0)
    p.add_argument("--mu", type=float, default=2.0)
    p.add_argument("--horizon", type=float, default=3600.0)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    env = simpy.Environment()
    state = {"busy": 0, "served": 0, "wait": 0.0}
    queue = collections.deque()

    def depart(_event):
        state["served"] += 1
        if queue:
            state["wait"] += env.now - queue.popleft()
            env.timeout(rng.expovariate(a.mu)).callbacks.append(depart)
        else:
            state["busy"] -= 1

    def arrive(_event):
        env.timeout(rng.expovariate(a.lam)).callbacks.append(arrive)
        if state["busy"] < a.c:
            state["busy"] += 1
            env.timeout(rng.expovariate(a.mu)).callbacks.append(depart)
        else:
            queue.append(env.now)

    env.timeout(rng.expovariate(a.lam)).callbacks.append(arrive)
    start = time.perf_counter()
    env.run(until=a.horizon)
    wall = time.perf_counter() - start
    print(json.dumps({
        "simulator": "simpy " + simpy.__version__ + " (lean callbacks)",
        "requests": state["served"],
        "wall_s": wall,
        "mean_wait_ms": 1000.0 * state["wait"] / max(state["served"], 1),
    }))


if __name__ == "__main__":
    main()
