# syntax=docker/dockerfile:1
# `app`: the worker, the beat and the one-shot `scheduler init` (docker-compose.yml picks the command).
# `cards`: the same plus Debian's Chromium and the card fonts, for the worker on the `cards` queue only.

FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# README.md* so the build works before the README exists; pyproject.toml names it as the long description.
COPY pyproject.toml README.md* celeryconfig.py ./
COPY scheduler ./scheduler
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install .


FROM python:3.11-slim AS app

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SCHEDULER_VAR_DIR=/data \
    SCHEDULER_TEMPLATES_DIR=/app/templates

# /data is created and owned before VOLUME so that a new named volume starts out writable by the app user.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /data \
    && chown app:app /data

COPY --from=build /opt/venv /opt/venv
# The default templates dir is computed from the package location, which is site-packages here. Owned by
# the app user: admins edit templates in the web app, kept on the `templates` volume (seeded from here).
COPY --chown=app:app templates /app/templates

WORKDIR /app
USER app
VOLUME ["/data"]

CMD ["celery", "-A", "scheduler.celery_app", "worker", "-Q", "publish,render,default", "--loglevel", "INFO"]


FROM app AS cards

USER root
# Playwright drives this Chromium; it never downloads a browser. The fonts cover Latin, Arabic, Hebrew,
# CJK and colour emoji, so no character on a card falls back to an empty box.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        chromium fonts-inter fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji \
    && rm -rf /var/lib/apt/lists/*
ENV SCHEDULER_CHROMIUM_PATH=/usr/bin/chromium
USER app

CMD ["celery", "-A", "scheduler.celery_app", "worker", "-Q", "cards", "--concurrency", "2", "--loglevel", "INFO"]
