#!/usr/bin/env python3
"""The M/M/c queue of scenarios/mmc-validation.toml, written idiomatically in
SimPy: c servers (a Resource), Poisson arrivals at rate lam, exponential
service with rate mu. Prints one line of JSON with the customers served,
the wall time and the mean wait, to compare with negsim (see compare_simpy.sh).

    python3 simpy_mmc.py --c 10 --lam 450 --mu 50 --horizon 600 --seed 1
"""
import argparse
import json
import random
import time

import simpy


def customer(env, servers, mu, rng, stats):
    arrived = env.now
    with servers.request() as req:
        yield req
        stats["wait"] += env.now - arrived
        yield env.timeout(rng.expovariate(mu))
    stats["served"] += 1


def source(env, servers, lam, mu, rng, stats):
    while True:
        yield env.timeout(rng.expovariate(lam))
        env.process(customer(env, servers, mu, rng, stats))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--c", type=int, default=10)
    p.add_argument("--lam", type=float, default=450.0)
    p.add_argument("--mu", type=float, default=50.0)
    p.add_argument("--horizon", type=float, default=600.0)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=a.c)
    stats = {"served": 0, "wait": 0.0}
    env.process(source(env, servers, a.lam, a.mu, rng, stats))
    start = time.perf_counter()
    env.run(until=a.horizon)
    wall = time.perf_counter() - start
    print(json.dumps({
        "simulator": "simpy " + simpy.__version__,
        "requests": stats["served"],
        "wall_s": wall,
        "requests_per_wall_s": stats["served"] / wall,
        "mean_wait_ms": 1000.0 * stats["wait"] / max(stats["served"], 1),
    }))


if __name__ == "__main__":
    main()
