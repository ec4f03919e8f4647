"""The runtime: the dispatcher (one transaction per update), the routes it reads (the features'
records merged), the scheduler of due jobs, the postman and its send limits, the web server
(webhook, health, metrics), logs and the long-running service.

May import: the kernel (modules directly in ``bot/``), ``bot.services``, ``conversations`` and
``storage``; never ``bot.features`` (the composition root hands their records in), ``bot.devtools``
or an adapter in ``handlers/``.
"""
