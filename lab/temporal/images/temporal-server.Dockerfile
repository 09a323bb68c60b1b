# The Temporal server image of the lab, as upstream's docker/targets/server.Dockerfile (go.temporal.io/server
# v1.32.2) lays it out: /usr/local/bin/temporal-server, /etc/temporal/entrypoint.sh (upstream's, unchanged)
# as the command, user temporal (1000:1000), WORKDIR /etc/temporal; the base is the lab's Debian root file
# system instead of alpine (no registry here). Built by lab/temporal/images.sh.
ARG BASE
FROM ${BASE}
RUN groupadd -g 1000 temporal && useradd -u 1000 -g temporal -d /etc/temporal -M -s /usr/sbin/nologin temporal
COPY temporal-server /usr/local/bin/temporal-server
COPY entrypoint.sh /etc/temporal/entrypoint.sh
WORKDIR /etc/temporal
USER temporal
# upstream's script is `#!/bin/sh` with `set -o pipefail`, which alpine's ash has and Debian 12's dash
# has not ("set: Illegal option -o pipefail"): bash runs it here, unchanged.
CMD ["bash", "/etc/temporal/entrypoint.sh"]
