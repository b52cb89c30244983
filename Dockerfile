# One image for the web app and the workers (`docker build .`, the last stage), and the same
# with NVIDIA's CUDA libraries for a GPU worker (`docker build --target gpu .`).
#
# It runs as the unprivileged user videosparring (uid/gid 10001) on a read-only root file
# system: the code and the installed packages belong to root and the user cannot change
# them; it writes only in /data (the data folder: a volume) and /tmp (a tmpfs in
# docker-compose.yml). No secret is in the image: they come from the environment.
FROM python:3.11-slim-bookworm AS base
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 videosparring \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
    --shell /usr/sbin/nologin videosparring \
 && install -d -o 10001 -g 10001 -m 0750 /data
WORKDIR /srv/videosparring
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY workers ./workers
COPY migrations ./migrations
COPY templates ./templates
# Installed in place (as scripts/start does): the code finds templates/, migrations/ and
# app/static/ beside itself. Compiled now, as root, so Python need write no bytecode later.
RUN pip install --no-cache-dir --disable-pip-version-check -e . \
 && python -m compileall -q app workers migrations \
 && chmod -R go-w /srv/videosparring
# Nothing written into the (read-only) tree at run time; every cache under /data or /tmp.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SPARRING_DATA_DIR=/data \
    SPARRING_HOST=0.0.0.0 \
    SPARRING_PORT=8000 \
    HOME=/data \
    TMPDIR=/tmp \
    XDG_CACHE_HOME=/tmp/cache \
    XDG_CONFIG_HOME=/tmp/config \
    HF_HOME=/data/cache/huggingface \
    MPLCONFIGDIR=/tmp/matplotlib
VOLUME ["/data"]
EXPOSE 8000
# Ready: database, queue, media store and free disk answer (GET /readyz, 503 otherwise).
# A worker serves no HTTP: docker-compose.yml turns this check off for it.
HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('SPARRING_PORT', '8000') + '/readyz', timeout=5)"]
USER 10001:10001
CMD ["videosparring", "serve"]

# A GPU worker: faster-whisper's CTranslate2 needs cuBLAS 12 and cuDNN 9 on the host's NVIDIA
# driver (the NVIDIA Container Toolkit hands the GPU in); SPARRING_WHISPER_DEVICE=cuda.
FROM base AS gpu
USER root
RUN pip install --no-cache-dir --disable-pip-version-check \
    "nvidia-cublas-cu12==12.*" "nvidia-cudnn-cu12==9.*"
ENV LD_LIBRARY_PATH=/usr/local/lib/python3.11/site-packages/nvidia/cublas/lib:/usr/local/lib/python3.11/site-packages/nvidia/cudnn/lib
HEALTHCHECK NONE
USER 10001:10001
CMD ["videosparring", "worker"]

# The default image (the last stage): the web app, or `videosparring worker` on a CPU.
FROM base AS runtime
USER 10001:10001
CMD ["videosparring", "serve"]
