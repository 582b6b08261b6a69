"""The run's random streams: one generator per subsystem and position (docs/model.md §1.3)."""

from __future__ import annotations

import numpy as np

#: The subsystems that draw random numbers, each with its own stream.
STREAMS = ("network", "endowments", "negotiation", "shocks", "investment")


class Streams:
    """Generators derived from the run's seed, one per subsystem and position."""

    def __init__(self, seed: int) -> None:
        self.entropy = int(seed)

    def __call__(self, name: str, *key: int) -> np.random.Generator:
        """A generator for one subsystem at one position (year, round, agent...).

        Each subsystem in ``STREAMS`` has its own stream, and each position within it its own
        generator, derived from the run's seed with NumPy's SeedSequence (spawn key = stream,
        *key): it depends on nothing but the seed and the position. A policy variant and its
        baseline with the same seed therefore draw the same numbers for the same decisions even
        after their histories diverge (common random numbers); streams spawned once and drawn
        in sequence would drift apart as soon as one variant made a different number of draws.
        NetworkX generators, if used, take seeds drawn from the ``network`` stream.
        """
        sequence = np.random.SeedSequence(
            entropy=self.entropy, spawn_key=(STREAMS.index(name), *key)
        )
        return np.random.Generator(np.random.PCG64(sequence))
