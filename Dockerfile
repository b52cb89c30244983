# One image for the web app and the workers.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/videosparring
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY workers ./workers
COPY migrations ./migrations
COPY templates ./templates
RUN pip install --no-cache-dir .
ENV SPARRING_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8000
CMD ["videosparring", "serve"]
