# screenbot: a slim, non-root image. Build: docker build -t screenbot .
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 screenbot
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY question_banks ./question_banks
COPY conversations ./conversations
USER screenbot
ENV PYTHONUNBUFFERED=1 \
    SCREENBOT_HTTP_HOST=0.0.0.0 \
    SCREENBOT_HTTP_PORT=8080 \
    SCREENBOT_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"
CMD ["screenbot", "run"]
