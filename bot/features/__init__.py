"""Features: what people do with Tandem, one module each, each exporting one ``FEATURE`` record
(its commands, button prefixes, due-job kinds, flows, menu and help lines).

May import: the kernel (modules directly in ``bot/``), ``bot.services``, ``conversations`` and
``storage``; never ``bot.runtime``, ``bot.devtools`` or another feature.
"""
