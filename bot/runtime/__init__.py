"""The runtime: the dispatcher (one transaction per update), the scheduler of due jobs, the postman
and its send limits, the command menus, the web server (webhook, health, metrics), logs and the
long-running service.

May import: the kernel (modules directly in ``bot/``), ``bot.services``, ``bot.features``,
``conversations`` and ``storage``; never ``bot.devtools`` or an adapter in ``handlers/``.
"""
