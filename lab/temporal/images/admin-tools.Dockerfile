# The lab's stand-in for upstream's admin-tools image (docker/targets/admin-tools.Dockerfile of
# go.temporal.io/server v1.32.2), reduced to what the schema job needs: temporal-sql-tool and the
# schema files at /etc/temporal/schema (postgresql/v12/{temporal,visibility}/versioned), user temporal
# (1000:1000). Built by lab/temporal/images.sh.
ARG BASE
FROM ${BASE}
RUN groupadd -g 1000 temporal && useradd -u 1000 -g temporal -d /etc/temporal -M -s /usr/sbin/nologin temporal
COPY temporal-sql-tool /usr/local/bin/temporal-sql-tool
COPY schema /etc/temporal/schema
USER temporal
CMD ["sh", "-c", "trap exit INT HUP TERM; sleep infinity & wait"]
