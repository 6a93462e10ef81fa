# cellmeet: the bot in a small image, run as a non-root user, database on the /data volume.
#   docker build -t cellmeet .
#   docker run -d --env-file .env -v cellmeet-data:/data cellmeet

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Only what the package needs (pyproject's readme is README.md); no dev extras.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY config ./config
COPY sandbox ./sandbox
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install . \
    && /opt/venv/bin/python -c "import bot.__main__, storage.db; storage.db.migrations()"

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/cellmeet.sqlite3 \
    MPLCONFIGDIR=/tmp/matplotlib
RUN groupadd --system --gid 10001 cellmeet \
    && useradd --system --uid 10001 --gid cellmeet --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin cellmeet \
    && mkdir -p /data \
    && chown cellmeet:cellmeet /data
COPY --from=build /opt/venv /opt/venv
# The working directory is the volume, so even a relative DATABASE_PATH stays on it.
WORKDIR /data
VOLUME ["/data"]
USER cellmeet
# Only used in webhook mode (WEBHOOK_PORT); long polling needs no open port.
EXPOSE 8443
# (MPLCONFIGDIR: the charts' font cache stays out of the database's volume.)
# `run`, not the bare command: without a token the image stops with exit 2 instead of opening
# the training sandbox (which serves 127.0.0.1 only, of no use in a container).
CMD ["python", "-m", "bot", "run"]
