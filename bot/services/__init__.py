"""Domain services: the programme's logic with no conversation in it (matching, the calendar,
attendance, erasure, invites, progress charts, mentor readiness, wellbeing areas, phrase
screening, training courses, concerns: raising, signals, deadlines and their alerts).

May import: the kernel (modules directly in ``bot/``) and ``storage``; never ``conversations``,
``bot.features``, ``bot.runtime`` or ``bot.devtools``.
"""
