# The Temporal Web UI server image of the lab, as the ui-server module's Dockerfile
# (github.com/temporalio/ui-server/v2 v2.58.1) lays it out: /home/ui-server/{ui-server,
# config/docker.yaml,start-ui-server.sh}, user temporal (1000:1000), port 8080; config/docker.yaml is
# rendered by the UI server itself from the environment (TEMPORAL_ADDRESS, TEMPORAL_TLS_*, ...).
# Built by lab/temporal/images.sh.
ARG BASE
FROM ${BASE}
RUN groupadd -g 1000 temporal && useradd -u 1000 -g temporal -d /home/ui-server -m -s /bin/bash temporal
WORKDIR /home/ui-server
COPY --chown=1000:1000 ui-server start-ui-server.sh ./
COPY --chown=1000:1000 docker.yaml ./config/docker.yaml
USER temporal
EXPOSE 8080
ENTRYPOINT ["./start-ui-server.sh"]
