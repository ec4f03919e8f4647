"""The distribution's own name as a module, so that ``python -m tandem`` works as ``tandem`` does.

The code lives in ``bot/`` and its neighbours; this package only points there.
"""
