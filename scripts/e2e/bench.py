"""Pipeline benchmark (not a test): the same processes as the end-to-end test (scripts/e2e/pipeline.py),
release build. Prints:

1. detect-to-block latency over several attackers (attack request sent → first 403 for that
   client), p50/p99/max, with normal clients running in the background;
2. throughput through the gateway: wrk against nginx (normal requests from many client addresses,
   bounded duration), then the time until the aggregator has processed a verdict for every record
   the mirror accepted → requests/s through gateway + tap + pipeline;
3. throughput through `palisade replay` directly into the mirror, likewise until every record is
   scored and its verdict processed.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline import (MIRROR_TOKEN, Pipeline, PipelineError, RequestLog, Traffic,  # noqa: E402
                      attack_and_wait_blocked, ATTACKS, Client, percentile, wait_until)

WRK_SCRIPT = r"""
-- wrk: normal API requests from 500 client addresses (X-Forwarded-For; nginx trusts loopback)
local paths = { "/v1/products/17", "/v1/users/42/orders", "/v1/search?q=blue+running+shoes&page=2",
                "/v1/products/9?fields=name,price", "/v1/users/7" }
local n = 0
request = function()
  n = n + 1
  local ip = "198.18." .. (n % 2) .. "." .. (n % 250 + 1)
  return wrk.format("GET", paths[n % #paths + 1], { ["X-Forwarded-For"] = ip, ["Host"] = "api.bench.test" })
end
"""


def verdict_count(pipeline):
    status = pipeline.aggregator_status() or {}
    return (status.get("counters") or {}).get("verdicts")


def wait_scored(pipeline, target, timeout):
    """Waits until the aggregator has processed `target` verdicts in total; returns the monotonic
    time it first saw them (polled every 50 ms)."""
    wait_until("%d verdicts" % target, lambda: (verdict_count(pipeline) or 0) >= target, timeout, interval=0.05,
               alive=pipeline.check_alive)
    return time.monotonic()


def capture_lines(count):
    """Capture records (no ids: the mirror assigns them) from 500 clients over a handful of endpoints,
    about 1 in 50 an attack."""
    bodies = ['{"sku":"A-%d","quantity":2,"note":"leave at the door"}', '{"sku":"B-%d","quantity":1}']
    out = []
    for n in range(count):
        ip = "198.19.%d.%d" % (n % 2, n % 250 + 1)
        if n % 50 == 49:
            rec = {"method": "GET", "path": "/v1/search?q=1%27%20OR%20%271%27%3D%271", "client_ip": ip}
        elif n % 3 == 0:
            rec = {"method": "POST", "path": "/v1/orders", "client_ip": ip, "body": bodies[n % 2] % n,
                   "headers": [["Content-Type", "application/json"]]}
        else:
            rec = {"method": "GET", "path": "/v1/products/%d" % (n % 997), "client_ip": ip}
        rec.update({"host": "api.bench.test", "scheme": "https", "status": 200})
        out.append(json.dumps(rec, separators=(",", ":")))
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--palisade", required=True)
    parser.add_argument("--workdir")
    parser.add_argument("--attackers", type=int, default=40)
    parser.add_argument("--wrk-seconds", type=int, default=20)
    parser.add_argument("--wrk-connections", type=int, default=32)
    parser.add_argument("--replay-records", type=int, default=100000)
    parser.add_argument("--scoring-tasks", type=int, default=1, help="per worker (2 workers)")
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="palisade-bench-")
    pipeline = Pipeline(args.palisade, workdir, scoring_tasks=args.scoring_tasks, log_level="error")
    log = RequestLog()
    results = {}
    try:
        pipeline.start(workers=2)
        warm = Client(pipeline.gateway_port, "198.51.100.200", "warmup", log)
        _, warm_id, _ = warm.request("GET", "/v1/products/1")
        warm.close()
        wait_until("the first verdict", lambda: pipeline.verdict(warm_id), 120, interval=0.1)
        wait_until("the gateway's decision sync",
                   lambda: ((pipeline.gateway_status() or {}).get("decisions") or {}).get("version"), 60)

        # 1. detect-to-block latency, normal clients in the background (8 × ~20 requests/s)
        traffic = Traffic(pipeline.gateway_port, log, ["198.51.100.%d" % i for i in range(1, 9)]).start()
        latencies, unblocked = [], 0
        try:
            for n in range(args.attackers):
                seconds = attack_and_wait_blocked(pipeline.gateway_port, log, "203.0.%d.%d" % (113 + n // 250,
                                                                                               n % 250 + 1),
                                                  "atk%d" % n, ATTACKS[n % len(ATTACKS)], 10.0)
                if seconds is None:
                    unblocked += 1
                else:
                    latencies.append(seconds)
                time.sleep(0.2)
        finally:
            traffic.stop()
        results["latency"] = {"attackers": args.attackers, "blocked": len(latencies), "not_blocked": unblocked,
                              "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
                              "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
                              "max_ms": round(max(latencies) * 1000, 1),
                              "min_ms": round(min(latencies) * 1000, 1)}
        print("detect-to-block: %s" % json.dumps(results["latency"]), flush=True)

        # 2. gateway + tap + pipeline, with wrk
        accepted0 = pipeline.mirror_metric("palisade_mirror_records_accepted_total")
        wait_until("the pipeline to drain", lambda: verdict_count(pipeline) >= accepted0, 120, interval=0.1)
        verdicts0 = verdict_count(pipeline)
        script = os.path.join(workdir, "bench.lua")
        with open(script, "w") as f:
            f.write(WRK_SCRIPT)
        t0 = time.monotonic()
        wrk = subprocess.run(["wrk", "-t2", "-c%d" % args.wrk_connections, "-d%ds" % args.wrk_seconds, "--latency",
                              "-s", script, "http://127.0.0.1:%d/" % pipeline.gateway_port],
                             capture_output=True, text=True, timeout=args.wrk_seconds + 60)
        wrk_end = time.monotonic()
        print(wrk.stdout, flush=True)
        sent = int([line for line in wrk.stdout.splitlines() if "requests in" in line][0].split()[0])
        # the tap flushes what it holds; then every accepted record must be scored
        # until the mirror has every record, or nothing more arrives for 5 s (the tap dropped some)
        last, since = None, time.monotonic()
        while True:
            accepted = pipeline.mirror_metric("palisade_mirror_records_accepted_total") - accepted0
            if accepted >= sent or time.monotonic() - since > 5:
                break
            if accepted != last:
                last, since = accepted, time.monotonic()
            time.sleep(0.1)
        done = wait_scored(pipeline, verdicts0 + accepted, 600)
        results["gateway"] = {"wrk_requests": sent, "wrk_seconds": round(wrk_end - t0, 2),
                              "gateway_rps": round(sent / (wrk_end - t0)), "mirror_accepted": int(accepted),
                              "tap_dropped": int(max(0, sent - accepted)),  # wrk leaves out requests cut off at its end
                              "scored_after_s": round(done - t0, 2),
                              "pipeline_rps": round(accepted / (done - t0))}
        print("gateway: %s" % json.dumps(results["gateway"]), flush=True)

        # 3. replay straight into the mirror
        captures = os.path.join(workdir, "captures.jsonl")
        with open(captures, "w") as f:
            f.write(capture_lines(args.replay_records))
        verdicts1 = verdict_count(pipeline)
        t0 = time.monotonic()
        replay = subprocess.run([args.palisade, "replay", captures, "--to", "http://127.0.0.1:%d" % pipeline.mirror_port,
                                 "--token", MIRROR_TOKEN, "--batch", "500", "--concurrency", "4", "--quiet"],
                                capture_output=True, text=True, timeout=600)
        replay_end = time.monotonic()
        report = json.loads(replay.stdout.strip().splitlines()[-1])
        done = wait_scored(pipeline, verdicts1 + report["accepted"], 600)
        results["replay"] = {"records": report["accepted"], "replay_seconds": round(replay_end - t0, 2),
                             "mirror_ingest_rps": round(report["accepted"] / (replay_end - t0)),
                             "scored_after_s": round(done - t0, 2),
                             "pipeline_rps": round(report["accepted"] / (done - t0))}
        print("replay: %s" % json.dumps(results["replay"]), flush=True)
        print("RESULTS " + json.dumps(results), flush=True)
        return 0
    except (PipelineError, OSError, subprocess.SubprocessError, ValueError, IndexError) as e:
        print("bench failed: %s" % e, flush=True)
        for proc in pipeline.procs:
            print("# ---- %s log tail:\n%s" % (proc.name, proc.log_tail(10)))
        return 1
    finally:
        pipeline.stop()


if __name__ == "__main__":
    sys.exit(main())
