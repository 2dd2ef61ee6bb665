"""End-to-end test of Palisade over Kafka, each role a separate process (issue 9, items 3 and 4).

nginx + the Palisade Lua plugin in front of a tiny API taps every request to `palisade mirror`;
`palisade dev-kafka` (librdkafka's mock cluster, 3 brokers) carries it to 2 × `palisade worker`
and `palisade aggregator`, whose decisions nginx long-polls and enforces. Clients are told apart
by X-Forwarded-For (nginx realip). Normal clients run throughout and must always get 200.

Phase 1 (steady state): single-request attacks and a brute-force run, each from its own address,
are blocked (403) while normal clients pass; detect-to-block latency is printed.
Phase 2 (failures, traffic running): a worker is SIGKILLed (the other takes its partitions); a
broker goes down and comes back; the aggregator is SIGKILLed and restarted on its SQLite file.
After each, a new attacker is blocked; after the restart the earlier decisions are still there and
still enforced. At the end every request sent through the gateway has been accepted by the mirror
and has a verdict processed by the aggregator (its de-duplication record, by request id).

Prints "ok - …" / "not ok - …" per check and last "e2e: N passed, M failed"; exit 1 on failure.
"""
import argparse
import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline import (ATTACKS, Client, Pipeline, PipelineError, RequestLog, Traffic,  # noqa: E402
                      attack_and_wait_blocked, brute_force_and_wait_blocked, percentile, wait_blocked,
                      wait_until)

PASSED, FAILED = [], []
NORMAL_IPS = ["198.51.100.%d" % i for i in range(1, 7)] + ["2001:db8::%d" % i for i in range(1, 3)]
BLOCK_TIMEOUT = 30.0  # steady state: a block is expected within about a second
RECOVERY_TIMEOUT = 120.0  # after a fault: session timeouts (10 s), rebalances, restarts on a loaded machine


def check(name, cond, detail=""):
    (PASSED if cond else FAILED).append(name)
    print(("ok - %s" if cond else "not ok - %s") % name + ((" # " + detail) if detail and not cond else ""),
          flush=True)
    return cond


def note(text):
    print("# " + text, flush=True)


def epoch_of(version):
    return version.rsplit(":", 1)[0] if version else None


def attack(pipeline, log, ip, label, n, timeout, latencies=None):
    """One attacker; checks it is blocked and returns the latency."""
    seconds = attack_and_wait_blocked(pipeline.gateway_port, log, ip, "atk-" + label, ATTACKS[n % len(ATTACKS)],
                                      timeout)
    if seconds is not None:
        note("detect-to-block %-28s %s: %.3f s" % (label, ip, seconds))
        if latencies is not None:
            latencies.append(seconds)
    check("%s: attacker %s is blocked (403) after its attack" % (label, ip), seconds is not None,
          "no 403 within %.0f s" % timeout)
    return seconds


def still_blocked(pipeline, log, ips, label):
    statuses = {}
    for ip in ips:
        client = Client(pipeline.gateway_port, ip, "recheck-%s-%s" % (label, ip), log)
        statuses[ip] = client.request("GET", "/v1/products/3")[0]
        client.close()
    bad = {ip: s for ip, s in statuses.items() if s != 403}
    check("%s: every blocked attacker still gets 403 (%d)" % (label, len(ips)), not bad, "got %s" % bad)


def normal_clients_served(log, label):
    statuses = log.statuses(set(NORMAL_IPS))
    bad = [s for s in statuses if s != 200]
    check("%s: normal clients always get 200 (%d requests)" % (label, len(statuses)), statuses and not bad,
          "%d of %d were not 200: %s" % (len(bad), len(statuses), sorted(set(map(str, bad)))))


def verdicts_via_api(pipeline, ids, timeout):
    """Waits until the aggregator's API has a verdict for each id; returns the ids still missing."""
    missing = set(ids)

    def done():
        for request_id in list(missing):
            if pipeline.verdict(request_id) is not None:
                missing.discard(request_id)
        return not missing

    try:
        wait_until("verdicts of %d requests" % len(ids), done, timeout, interval=0.5)
    except PipelineError:
        pass
    return missing


def run(pipeline, log):
    started = time.monotonic()
    pipeline.start(workers=2)
    note("pipeline up in %.1f s (bootstrap %s)" % (time.monotonic() - started, pipeline.bootstrap))

    # Warm-up: one request through the whole pipeline (group assignment, first fetches).
    warm = Client(pipeline.gateway_port, "198.51.100.200", "warmup", log)
    _, warm_id, _ = warm.request("GET", "/v1/products/1")
    warm.close()
    t = time.monotonic()
    wait_until("the first verdict", lambda: pipeline.verdict(warm_id), pipeline.startup_timeout, interval=0.1,
               alive=pipeline.check_alive)
    wait_until("the gateway's first decision sync",
               lambda: ((pipeline.gateway_status() or {}).get("decisions") or {}).get("version"), 60)
    note("first request scored end to end after %.1f s" % (time.monotonic() - t))

    traffic = Traffic(pipeline.gateway_port, log, NORMAL_IPS).start()
    blocked = []
    try:
        # ---- phase 1: steady state --------------------------------------------------------
        latencies = []
        for n in range(len(ATTACKS)):
            ip = "203.0.113.%d" % (10 + n)
            if attack(pipeline, log, ip, "steady attack %d" % (n + 1), n, BLOCK_TIMEOUT, latencies) is not None:
                blocked.append(ip)
        ip = "2001:db8:bad::%d" % 1
        if attack(pipeline, log, ip, "steady attack ipv6", 0, BLOCK_TIMEOUT, latencies) is not None:
            blocked.append(ip)
        ip = "203.0.113.50"
        seconds = brute_force_and_wait_blocked(pipeline.gateway_port, log, ip, "brute", 12, BLOCK_TIMEOUT)
        if seconds is not None:
            note("detect-to-block %-28s %s: %.3f s (from the 12th failed login)" % ("brute force", ip, seconds))
            blocked.append(ip)
        check("steady: brute-force client %s (12 failed logins) is blocked" % ip, seconds is not None)
        if latencies:
            note("detect-to-block, steady state: n=%d p50=%.3f s max=%.3f s" % (
                len(latencies), percentile(latencies, 0.5), max(latencies)))
        still_blocked(pipeline, log, blocked, "steady")
        normal_clients_served(log, "steady")
        sent = log.ids()
        missing = verdicts_via_api(pipeline, sent, 60)
        check("steady: GET /v1/verdicts/{id} answers for every request sent so far (%d)" % len(sent), not missing,
              "%d missing, e.g. %s" % (len(missing), sorted(missing)[:5]))

        # ---- phase 2a: a worker dies ------------------------------------------------------
        victim = pipeline.workers[1]
        victim.kill()
        note("SIGKILLed %s (pid %d) mid-stream" % (victim.name, victim.popen.pid))
        ip = "203.0.113.60"
        if attack(pipeline, log, ip, "after worker kill", 1, RECOVERY_TIMEOUT) is not None:
            blocked.append(ip)
        survivor = pipeline.workers[0]
        check("worker kill: the other worker is still running", survivor.running())

        # ---- phase 2b: a broker goes down and comes back ---------------------------------
        pipeline.kafka_control("broker down 2")
        note("broker 2 down")
        down_at = time.monotonic()
        ip = "203.0.113.61"
        attacker = Client(pipeline.gateway_port, ip, "atk-broker", log)
        attacker.request(*ATTACKS[2][:3])
        attacker.close()
        time.sleep(max(0.0, 5.0 - (time.monotonic() - down_at)))  # a 5 s outage, with traffic flowing
        pipeline.kafka_control("broker up 2")
        note("broker 2 up again")
        t0 = time.perf_counter()
        seconds = wait_blocked(pipeline.gateway_port, log, ip, "atk-broker-poll", RECOVERY_TIMEOUT)
        check("broker outage: the attacker of the outage is blocked once the broker is back", seconds is not None)
        if seconds is not None:
            blocked.append(ip)
            note("attack sent during the broker outage blocked %.1f s after the broker came back" % (
                time.perf_counter() - t0))
        ip = "203.0.113.62"
        if attack(pipeline, log, ip, "after broker outage", 3, RECOVERY_TIMEOUT) is not None:
            blocked.append(ip)

        # ---- phase 2c: the aggregator is killed and restarted ----------------------------
        before = pipeline.decisions() or {}
        old_epoch = (pipeline.aggregator_status() or {}).get("epoch")
        pipeline.aggregator.kill()
        note("SIGKILLed the aggregator with %d decisions" % len(before))
        ip = "203.0.113.63"  # attacks while the aggregator is down: its verdict waits in Kafka
        attacker = Client(pipeline.gateway_port, ip, "atk-aggdown", log)
        attacker.request(*ATTACKS[0][:3])
        attacker.close()
        time.sleep(2.0)  # traffic keeps flowing while it is down
        still_blocked(pipeline, log, blocked, "aggregator down")
        pipeline.start_aggregator()
        status = pipeline.aggregator_status() or {}
        note("aggregator restarted (epoch %s → %s)" % (old_epoch, status.get("epoch")))
        after = pipeline.decisions() or {}
        lost = sorted(set(before) - set(after))
        check("aggregator restart: every decision survived (%d)" % len(before), before and not lost,
              "lost %s" % lost)
        check("aggregator restart: decisions are served in a new epoch",
              status.get("epoch") and status.get("epoch") != old_epoch)
        try:
            wait_until("the gateway to sync the new epoch",
                       lambda: epoch_of(((pipeline.gateway_status() or {}).get("decisions") or {}).get("version"))
                       == status.get("epoch"), 60)
            synced = True
        except PipelineError:
            synced = False
        check("aggregator restart: the gateway took the new epoch's snapshot", synced)
        still_blocked(pipeline, log, blocked, "after restart")
        seconds = wait_blocked(pipeline.gateway_port, log, ip, "atk-aggdown-poll", RECOVERY_TIMEOUT)
        check("aggregator restart: the attacker of the outage is blocked once it is back", seconds is not None)
        if seconds is not None:
            blocked.append(ip)
            note("attack sent during the aggregator outage blocked %.1f s after the restart" % seconds)
        ip = "203.0.113.64"
        if attack(pipeline, log, ip, "after aggregator restart", 1, RECOVERY_TIMEOUT) is not None:
            blocked.append(ip)
        still_blocked(pipeline, log, blocked, "end")
    finally:
        traffic.stop()
    normal_clients_served(log, "whole run")

    # ---- every request: accepted by the mirror, verdict processed by the aggregator ------
    sent = log.ids()
    try:
        accepted = wait_until("the mirror to accept every record",
                              lambda: (pipeline.mirror_metric("palisade_mirror_records_accepted_total") or 0)
                              >= len(sent) and pipeline.mirror_metric("palisade_mirror_records_accepted_total"),
                              60, interval=0.2)
    except PipelineError:
        accepted = pipeline.mirror_metric("palisade_mirror_records_accepted_total")
    check("the mirror accepted every request sent through the gateway (%d)" % len(sent), accepted == len(sent),
          "accepted %s" % accepted)
    dropped = pipeline.mirror_metric("palisade_mirror_records_dropped_total")
    check("the mirror dropped nothing", dropped == 0, "dropped %s" % dropped)
    processed = set()

    def all_processed():
        processed.clear()
        processed.update(pipeline.processed_verdict_ids())
        return sent <= processed

    t = time.monotonic()
    try:
        wait_until("a verdict for every request", all_processed, RECOVERY_TIMEOUT, interval=0.5,
                   alive=pipeline.check_alive)
    except PipelineError:
        pass
    missing = sent - processed
    check("every accepted request got a verdict, across the failures (%d)" % len(sent), not missing,
          "%d missing, e.g. %s" % (len(missing), sorted(missing)[:5]))
    extra = processed - sent
    check("no verdict for a request that was not sent", not extra, "%d extra, e.g. %s" % (len(extra),
                                                                                          sorted(extra)[:5]))
    status = pipeline.aggregator_status() or {}
    note("verdicts complete %.1f s after the traffic stopped; the restarted aggregator counted %s duplicate "
         "verdicts (redeliveries, de-duplicated by request id)" % (
             time.monotonic() - t, (status.get("counters") or {}).get("duplicate_verdicts")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--palisade", default=os.path.join(os.getcwd(), ".build", "debug", "palisade"))
    parser.add_argument("--workdir", help="directory for logs, configs and the SQLite file (default: a temp dir)")
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="palisade-e2e-")
    os.makedirs(workdir, exist_ok=True)
    note("work directory %s" % workdir)

    def on_signal(number, _frame):
        raise SystemExit("interrupted by signal %d" % number)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    pipeline = Pipeline(args.palisade, workdir)
    log = RequestLog()
    started = time.monotonic()
    try:
        run(pipeline, log)
    except (PipelineError, OSError, SystemExit) as e:  # SystemExit: SIGTERM/SIGINT (on_signal)
        check("the pipeline runs to the end", False, str(e))
    finally:
        pipeline.stop()
    if FAILED:
        for proc in pipeline.procs:
            print("# ---- %s (%s) log tail:\n%s" % (proc.name, proc.log_path, proc.log_tail(15)))
        ngx_log = os.path.join(workdir, "nginx", "error.log")
        if os.path.exists(ngx_log):
            print("# ---- nginx error.log tail:\n" + "".join(open(ngx_log, errors="replace").readlines()[-15:]))
    note("%d requests through the gateway; e2e took %.1f s" % (len(log.ids()), time.monotonic() - started))
    print("e2e: %d passed, %d failed" % (len(PASSED), len(FAILED)), flush=True)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
