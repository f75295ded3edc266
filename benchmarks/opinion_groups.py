"""Opinion groups for a large consultation: 5 000 participants × 500 statements.

    python -m benchmarks.opinion_groups [--participants 5000] [--statements 500] [--seen 0.2]

Three camps vote on a random ``seen`` share of the statements (each person sees 20 % by
default, i.e. 100 votes each, 500 000 votes in all); the time is that of `analyse` (PCA,
k-means for k = 2..5 with silhouettes, representativeness and consensus), building the
matrix from rows included. Target: ≤ 5 s.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from insights.opinion_groups import analyse, vote_matrix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--statements", type=int, default=500)
    parser.add_argument("--seen", type=float, default=0.2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    camp = rng.integers(0, 3, size=args.participants)
    leaning = rng.choice([-1, 1], size=(3, args.statements))
    rows = []
    for person in range(args.participants):
        seen = np.flatnonzero(rng.random(args.statements) < args.seen)
        votes = leaning[camp[person], seen] * np.where(rng.random(len(seen)) < 0.15, -1, 1)
        rows.extend(zip([f"p{person}"] * len(seen), seen.tolist(), votes.tolist(), strict=True))
    print(f"{args.participants} participants × {args.statements} statements, {len(rows)} votes")
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        result = analyse(vote_matrix(rows))
        times.append(time.perf_counter() - started)
    sizes = sorted((g.size for g in result.groups), reverse=True)
    print(f"groups: {sizes}; consensus: {len(result.consensus)}")
    print(
        f"seconds per analysis: best {min(times):.2f}, median {sorted(times)[len(times) // 2]:.2f}"
    )


if __name__ == "__main__":
    main()
