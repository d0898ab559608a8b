#!/usr/bin/env bash
# Single-node Apache Kafka broker (KRaft combined mode: broker + controller in one JVM)
# built from the jars that kafka/pom.xml lists on Maven Central.
#
#   kafka/broker.sh fetch    copy the jars into kafka/lib (only if missing or older than pom.xml)
#   kafka/broker.sh start    fetch, fresh storage, start in the background, wait until it serves clients
#   kafka/broker.sh stop     stop the broker this script started (exit 0 if none)
#   kafka/broker.sh status   "running" (exit 0) or "not running" (exit 1)
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
#   KAFKA_STATE_DIR (<repo>/.kafka), PYTHON (<repo>/.venv/bin/python, needs kafka-python),
#   KAFKA_START_TIMEOUT (90, seconds).
#   KAFKA_SASL_PORT (unset): also listen with SASL_PLAINTEXT on 127.0.0.1:$KAFKA_SASL_PORT, SCRAM-SHA-256
#   and SCRAM-SHA-512, with one user KAFKA_SCRAM_USER (cityops) / KAFKA_SCRAM_PASSWORD (cityops-test-secret)
#   created at format time. A test listener: the password shows on the format command line (ps).
# Only `fetch` uses the network (Maven); running the broker downloads nothing.
set -euo pipefail

KAFKA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$KAFKA_DIR")"
LIB_DIR="$KAFKA_DIR/lib"
POM="$KAFKA_DIR/pom.xml"
STAMP="$LIB_DIR/.fetched"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
STATE_DIR="${KAFKA_STATE_DIR:-$REPO_DIR/.kafka}"
PYTHON="${PYTHON:-$REPO_DIR/.venv/bin/python}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
SASL_PORT="${KAFKA_SASL_PORT:-}"
SCRAM_USER="${KAFKA_SCRAM_USER:-cityops}"
SCRAM_PASSWORD="${KAFKA_SCRAM_PASSWORD:-cityops-test-secret}"

PID_FILE="$STATE_DIR/broker.pid"
LOG_FILE="$STATE_DIR/broker.log"
CONFIG="$STATE_DIR/server.properties"
DATA_DIR="$STATE_DIR/data"

log() { echo "[broker.sh] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- fetch -------------------------------------------------------------------

fetch() {
    if [[ -f "$STAMP" && "$STAMP" -nt "$POM" ]]; then
        return 0
    fi
    command -v mvn >/dev/null || die "mvn not found (apt-get install -y maven)"
    log "copying Kafka jars from Maven into $LIB_DIR ..."
    local tmp="$KAFKA_DIR/lib.tmp.$$"
    rm -rf "$tmp"
    if ! mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
            -Dkafka.lib.dir="$tmp"; then
        rm -rf "$tmp"
        die "mvn dependency:copy-dependencies failed"
    fi
    ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "no kafka_2.13 jar was copied"; }
    touch "$tmp/.fetched"
    rm -rf "$LIB_DIR"
    mv "$tmp" "$LIB_DIR"
    log "$(find "$LIB_DIR" -maxdepth 1 -name "*.jar" | wc -l) jars in $LIB_DIR"
}

# --- process helpers ---------------------------------------------------------

# Prints the pid of the broker this script started, if it is still alive.
running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    # Guard against a recycled pid: it must be our kafka.Kafka JVM.
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
    echo "$pid"
}

stop() {
    local pid
    if ! pid="$(running_pid)"; then
        rm -f "$PID_FILE"
        log "no broker running"
        return 0
    fi
    log "stopping broker (pid $pid) ..."
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "broker did not stop within 20 s, sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    rm -f "$PID_FILE"
    log "broker stopped"
}

status() {
    local pid
    if pid="$(running_pid)"; then
        echo "Kafka broker running (pid $pid, 127.0.0.1:$KAFKA_PORT)"
        return 0
    fi
    echo "Kafka broker not running"
    return 1
}

# --- start -------------------------------------------------------------------

port_in_use() {
    "$PYTHON" - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(0.5)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
}

write_config() {
    local listeners="PLAINTEXT://127.0.0.1:$KAFKA_PORT"
    local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    if [[ -n "$SASL_PORT" ]]; then
        listeners="$listeners,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT"
        protocols="$protocols,SASL_PLAINTEXT:SASL_PLAINTEXT"
    fi
    cat >"$CONFIG" <<EOF
# Written by kafka/broker.sh start; rewritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=$listeners,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=$listeners
listener.security.protocol.map=$protocols
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA_DIR
num.partitions=6
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
log.retention.check.interval.ms=10000
log.cleaner.backoff.ms=1000
num.network.threads=2
num.io.threads=4
EOF
    if [[ -n "$SASL_PORT" ]]; then
        # SCRAM credentials live in the cluster metadata (KRaft); `StorageTool format --add-scram` writes
        # them before the first start. Each mechanism of a listener needs its own JAAS line.
        cat >>"$CONFIG" <<EOF
listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOF
    fi
}

# wait_ready PID PORT: until an admin client on PORT lists topics. With PROBE_SCRAM_USER and
# PROBE_SCRAM_PASSWORD in the environment it signs in with SCRAM-SHA-512 (SASL_PLAINTEXT).
wait_ready() {
    local pid="$1" port="$2"
    "$PYTHON" - "127.0.0.1:$port" "$pid" "$START_TIMEOUT" <<'PY'
import logging, os, sys, time
logging.disable(logging.CRITICAL)  # kafka-python logs every refused connection
from kafka import KafkaAdminClient
from kafka.errors import KafkaConfigurationError

bootstrap, pid, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
security = {}
if os.environ.get("PROBE_SCRAM_USER"):
    security = dict(security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
                    sasl_plain_username=os.environ["PROBE_SCRAM_USER"],
                    sasl_plain_password=os.environ["PROBE_SCRAM_PASSWORD"])
deadline = time.monotonic() + timeout
last = "no attempt"
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        print("broker process exited", file=sys.stderr)
        sys.exit(2)
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="broker-sh-probe",
                                 request_timeout_ms=5000, bootstrap_timeout_ms=3000, **security)
        try:
            admin.list_topics()
        finally:
            admin.close()
        sys.exit(0)
    except KafkaConfigurationError as exc:  # a bug in this probe, not "not up yet"
        print(f"probe misconfigured: {exc}", file=sys.stderr)
        sys.exit(3)
    except Exception as exc:  # not up yet
        last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.5)
print(f"timed out after {timeout:.0f} s; last error: {last}", file=sys.stderr)
sys.exit(1)
PY
}

new_cluster_id() {
    # Kafka Uuid: 16 random bytes, URL-safe base64 without padding, not starting with '-'.
    "$PYTHON" -c '
import base64, uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not s.startswith("-"):
        print(s)
        break'
}

start() {
    fetch
    command -v java >/dev/null || die "java not found (apt-get install -y openjdk-17-jre-headless)"
    [[ -x "$PYTHON" ]] || die "python not found at $PYTHON (set PYTHON=... to a python with kafka-python)"
    "$PYTHON" -c 'import kafka' 2>/dev/null || die "$PYTHON cannot import kafka (pip install kafka-python)"

    mkdir -p "$STATE_DIR"
    if running_pid >/dev/null; then
        stop
    fi
    local port
    for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" ${SASL_PORT:+"$SASL_PORT"}; do
        if port_in_use "$port"; then
            die "127.0.0.1:$port is already in use by another process (not a broker started by this script)"
        fi
    done

    # Fresh storage on every start.
    rm -rf "$DATA_DIR" "$STATE_DIR/logs"
    rm -f "$LOG_FILE" "$PID_FILE"
    mkdir -p "$DATA_DIR" "$STATE_DIR/logs"
    write_config

    local cp="$LIB_DIR/*"
    local -a jvm_opts=(
        -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties"
        -Dkafka.logs.dir="$STATE_DIR/logs"
        -Djava.awt.headless=true
    )
    local cluster_id
    cluster_id="$(new_cluster_id)"
    local -a scram=()
    if [[ -n "$SASL_PORT" ]]; then
        scram=(--add-scram "SCRAM-SHA-256=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]"
               --add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]")
    fi
    log "formatting storage in $DATA_DIR (cluster id $cluster_id) ..."
    if ! java "${jvm_opts[@]}" -cp "$cp" kafka.tools.StorageTool format --standalone \
            -t "$cluster_id" -c "$CONFIG" "${scram[@]}" >"$STATE_DIR/format.log" 2>&1; then
        cat "$STATE_DIR/format.log" >&2
        die "kafka-storage format failed"
    fi

    log "starting broker on 127.0.0.1:$KAFKA_PORT${SASL_PORT:+ and 127.0.0.1:$SASL_PORT (SASL)} (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT) ..."
    # setsid: own session, so the broker outlives this script and a Ctrl-C in the caller's
    # terminal; in a non-interactive shell setsid execs in place, so $! is the JVM's pid.
    setsid nohup java -Xms256m -Xmx512m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
        "${jvm_opts[@]}" -cp "$cp" kafka.Kafka "$CONFIG" \
        >"$LOG_FILE" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$PID_FILE"

    local t0=$SECONDS
    if ! wait_ready "$pid" "$KAFKA_PORT"; then
        log "broker did not become ready; last lines of $LOG_FILE:"
        tail -n 60 "$LOG_FILE" >&2 || true
        stop || true
        exit 1
    fi
    if [[ -n "$SASL_PORT" ]] && ! PROBE_SCRAM_USER="$SCRAM_USER" PROBE_SCRAM_PASSWORD="$SCRAM_PASSWORD" \
            wait_ready "$pid" "$SASL_PORT"; then
        log "the SASL listener did not accept $SCRAM_USER; last lines of $LOG_FILE:"
        tail -n 60 "$LOG_FILE" >&2 || true
        stop || true
        exit 1
    fi
    log "ready after $((SECONDS - t0)) s (pid $pid, log $LOG_FILE)"
    echo "Kafka broker ready at 127.0.0.1:$KAFKA_PORT"
    if [[ -n "$SASL_PORT" ]]; then
        echo "SASL_PLAINTEXT (SCRAM-SHA-256, SCRAM-SHA-512; user $SCRAM_USER) at 127.0.0.1:$SASL_PORT"
    fi
}

case "${1:-}" in
    fetch) fetch ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    *)
        echo "usage: $0 {fetch|start|stop|status}" >&2
        exit 2
        ;;
esac
