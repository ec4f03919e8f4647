# syntax=docker/dockerfile:1
# Tandem: `tandem run` (long polling) by default; `tandem run --webhook` for replicas behind a proxy.
#
#   docker build -t tandem .
#   docker run -d --name tandem --stop-timeout 90 -e TANDEM_BOT_TOKEN=... -v tandem-var:/app/var tandem
#
# Settings come from the environment at run time (docs/operations.md lists them all). The token
# and the database URL are never baked into the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# Every dependency has a cp311 manylinux wheel (asyncpg, numpy, scipy, matplotlib included), so
# no compiler. The source is bind-mounted for the install only: it does not stay in the image.
RUN --mount=type=bind,source=.,target=/src,rw \
    pip install /src

# A user without a login and without rights outside its home and /app/var. A fixed id, so a
# host folder mounted on /app/var can be given to it (chown 10001:10001). Its home holds
# matplotlib's font cache (/progress charts), built once on first use.
RUN groupadd --system --gid 10001 tandem \
    && useradd --system --uid 10001 --gid tandem --create-home --home-dir /home/tandem \
       --shell /usr/sbin/nologin tandem \
    && mkdir -p /app/var \
    && chown tandem:tandem /app/var \
    && chmod 0700 /app/var

WORKDIR /app
USER tandem

# Listen on every interface of the container (the host decides what is published). JSON logs,
# one event a line. The SQLite default (sqlite+aiosqlite:///var/tandem.db) lands in /app/var.
ENV TANDEM_HTTP_HOST=0.0.0.0 \
    TANDEM_LOG_FORMAT=json
VOLUME ["/app/var"]
EXPOSE 8080

# Liveness: /healthz answers while the process serves HTTP. Python's standard library, because
# the slim image has no curl. A load balancer asks /readyz instead (see docs/operations.md).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('TANDEM_HTTP_PORT', '8080'), timeout=4)"]

# SIGTERM drains: updates refused, the work in progress finished. Give it time to:
# `docker stop -t 90`, or `--stop-timeout 90` on `docker run`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["tandem"]
CMD ["run"]
