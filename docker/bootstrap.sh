#!/usr/bin/env bash
# Brings up the workbook's SPIRE deployment (compose.yaml) from nothing, in the order SPIRE needs:
#
#   1. start the SPIRE Server and wait until it reports healthy;
#   2. have it mint a one-time join token, and copy its trust bundle out for the agent;
#   3. start the SPIRE Agent, which attests with the token, and wait until it reports healthy;
#   4. register the two workloads, parented to the agent's SPIFFE ID:
#        spiffe://example.org/service-a  <-  unix:uid:1000
#        spiffe://example.org/service-b  <-  unix:uid:1001
#   5. build and start the two workload services and check that each gets its SVID.
#
#   docker/bootstrap.sh            do all of the above
#   docker/bootstrap.sh --reset    first remove a previous deployment: its containers, its volumes
#                                  (the server's CA and entries, the agent's SVID) and the token
#
# The SPIRE images have no shell, so every SPIRE command runs as the binary itself inside its
# container: `docker compose exec -T spire-server /opt/spire/bin/spire-server ...`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

say() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

reset=false
case "${1:-}" in
    "") ;;
    --reset) reset=true ;;
    -h | --help)
        sed -n '2,19s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    *) die "unknown option '$1' (try --help)" ;;
esac

command -v docker >/dev/null 2>&1 || die "docker is not installed; without Docker, follow README.md's 'Without Docker' steps with spiffe-demo agent"
docker compose version >/dev/null 2>&1 || die "the Docker Compose plugin is missing ('docker compose version' failed)"

# Polls a health command every 2 seconds, for at most a minute: long enough for a cold start,
# short enough that a broken deployment fails with a pointer to its logs instead of hanging.
wait_until() {
    local what=$1 service=$2
    shift 2
    say "waiting for $what"
    for _ in $(seq 30); do
        if "$@" >/dev/null 2>&1; then
            say "$what: yes"
            return 0
        fi
        sleep 2
    done
    die "$what: still no after a minute; see 'docker compose logs $service' (in docker/)"
}

if $reset; then
    say "removing the previous deployment (containers, volumes, join token)"
    docker compose down --volumes --remove-orphans
    rm -rf bootstrap
elif [ -e bootstrap/join_token ]; then
    # A join token works once, and the agent keeps the identity it got with it in its volume.
    # Running the steps again over a live deployment would register entries under a new agent ID
    # that no agent has.
    die "already bootstrapped (docker/bootstrap/join_token exists): 'docker compose up -d' starts it again, '$0 --reset' starts over"
fi
mkdir -p bootstrap

# 1. The server.
say "starting spire-server"
docker compose up -d spire-server
wait_until "spire-server is healthy" spire-server \
    docker compose exec -T spire-server /opt/spire/bin/spire-server healthcheck

# 2. A join token (valid for 10 minutes, usable once) and the bundle the agent must trust.
token_output=$(docker compose exec -T spire-server /opt/spire/bin/spire-server token generate -ttl 600)
token=$(printf '%s\n' "$token_output" | sed -n 's/^Token: //p')
[[ $token =~ ^[A-Za-z0-9-]+$ ]] || die "could not read a join token from: $token_output"
agent_id="spiffe://example.org/spire/agent/join_token/$token"
say "join token generated; the agent will be $agent_id"

docker compose exec -T spire-server /opt/spire/bin/spire-server bundle show -format pem >bootstrap/bundle.pem.tmp
grep -q 'BEGIN CERTIFICATE' bootstrap/bundle.pem.tmp || die "spire-server bundle show printed no certificate"
mv bootstrap/bundle.pem.tmp bootstrap/bundle.pem
# The token is a credential: readable by its owner only, written whole or not at all.
(umask 077 && printf '%s\n' "$token" >bootstrap/join_token.tmp)
mv bootstrap/join_token.tmp bootstrap/join_token

# 3. The agent: it reads bootstrap/join_token and bootstrap/bundle.pem (agent.conf), attests, and
# opens the Workload API socket only once it has its own SVID.
say "starting spire-agent"
docker compose up -d spire-agent
wait_until "spire-agent is healthy" spire-agent \
    docker compose exec -T spire-agent /opt/spire/bin/spire-agent healthcheck -socketPath /tmp/spire-agent/public/api.sock
docker compose exec -T spire-server /opt/spire/bin/spire-server agent show -spiffeID "$agent_id" >/dev/null ||
    die "the server does not know an agent $agent_id; see 'docker compose logs spire-agent'"
say "spire-agent attested as $agent_id"

# 4. The registration entries: an SVID for each workload whose caller has the selector, handed out
# by the agent whose ID is the parent.
docker compose exec -T spire-server /opt/spire/bin/spire-server entry create \
    -parentID "$agent_id" \
    -spiffeID spiffe://example.org/service-a \
    -selector unix:uid:1000
docker compose exec -T spire-server /opt/spire/bin/spire-server entry create \
    -parentID "$agent_id" \
    -spiffeID spiffe://example.org/service-b \
    -selector unix:uid:1001

# 5. The workloads. The first build compiles spiffe-demo in a Swift image: several minutes.
say "building and starting service-a and service-b (the first build takes several minutes)"
docker compose up -d --build service-a service-b
# The agent learns new entries from the server every few seconds, so the first fetch may meet
# "no identity issued"; poll.
wait_until "service-a gets spiffe://example.org/service-a" service-a \
    sh -c 'docker compose exec -T service-a spiffe-demo fetch --live | grep -q "spiffe://example.org/service-a"'
wait_until "service-b gets spiffe://example.org/service-b" service-b \
    sh -c 'docker compose exec -T service-b spiffe-demo fetch --live | grep -q "spiffe://example.org/service-b"'

say "done. Next: docker/README.md, 'Using it' (svid-exchange, the mTLS pair, --live)"
