# The openwashing GitHub App: `openwashing serve` under uvicorn, as a non-root user.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite:////data/openwashing.sqlite3

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY app ./app
COPY rules ./rules
COPY templates ./templates
RUN pip install . && rm -rf /src

RUN useradd --system --uid 10001 --home-dir /data --create-home openwashing
USER openwashing
WORKDIR /data
VOLUME ["/data"]
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4).status == 200 else 1)"

CMD ["openwashing", "serve", "--host", "0.0.0.0", "--port", "3000"]
