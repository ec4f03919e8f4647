"""Public testing API: ``from bot.simulation import Simulation`` drives a whole Tandem on the
emulator, the way a programme tests its own programme file. It lives in ``bot.devtools``."""

from bot.devtools.simulation import Simulation as Simulation
