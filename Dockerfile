# liqwatch runtime image: the `liqwatch` CLI with the pinned dependencies of pyproject.toml.
#   docker build -t liqwatch .
#   docker run --rm liqwatch demo        (embedded broker + chDB under /data)
# docker-compose.yml runs it against Kafka and ClickHouse servers.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LIQWATCH_DATA_DIR=/data

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
# Every pinned dependency ships manylinux wheels for CPython 3.11, so no compiler is needed.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself, installed editable from /app: storage/migrate.py finds the DDL at
# Path(__file__).resolve().parents[1] / "sql", i.e. /app/sql, which a regular (wheel)
# install would not ship.
COPY . .
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin liqwatch \
    && mkdir -p /data \
    && chown liqwatch:liqwatch /data

USER liqwatch
ENTRYPOINT ["liqwatch"]
CMD ["--help"]
