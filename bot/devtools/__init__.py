"""Developer tools: the benchmarks, the simulation (a whole Tandem on the emulator), the scenario
runner behind ``tandem simulate``, and the fan-out seeding of the send benchmark.

May import everything in ``bot`` (the composition root included), ``conversations`` and ``storage``;
nothing but the CLI and tests imports it.
"""
