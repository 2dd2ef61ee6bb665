#!/usr/bin/env python3
"""Blind holdout (issue 3): per-class recall and benign look-alike false positives through `palisade scan`.

  scripts/eval-holdout.py [--palisade PATH] [--sensitivity default] [--misses]

PATH defaults to the newer of .build/release/palisade and .build/debug/palisade.

Reads Tests/PalisadeDetectTests/Corpus/holdout/<class>.txt (attacks) and
Tests/PalisadeDetectTests/Corpus/benign-holdout.txt (look-alikes, attributed to a class by
"## lookalike: CLASS" comments), places every line in a request exactly like RequestCorpus.swift does,
scans them with `palisade scan` and prints a Markdown table. A line counts as
- "attack" when the verdict is an attack (any class: the request would be blocked),
- "as class" when a hit of the line's own class reaches the threshold (0.6 at default), or is a
  monitor-level rule (introspection; reported below the threshold by design), as in
  RequestCorpusTests.
See docs/DETECTION.md ("Blind holdout").
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Tests", "PalisadeDetectTests", "Corpus")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
THRESHOLD = {"low": 0.8, "default": 0.6, "high": 0.4}
MONITOR_RULES = {"graphql_abuse.introspection"}


def unescape(line):
    out, i = [], 0
    while i < len(line):
        c = line[i]
        if c != "\\" or i + 1 >= len(line):
            out.append(c)
            i += 1
            continue
        n = line[i + 1]
        out.append({"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}.get(n, "\\" + n))
        i += 2
    return "".join(out)


def load(path):
    """(value, lookalike class) per line; blank lines and ## comments skipped."""
    out, cls = [], None
    with open(path, encoding="utf-8") as f:
        for raw in f.read().split("\n"):
            if raw.startswith("## lookalike:"):
                cls = raw.split(":", 1)[1].strip()
            if not raw or raw.startswith("##"):
                continue
            out.append((unescape(raw), cls))
    return out


def pct(text):
    safe = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~")
    return "".join(chr(b) if b in safe else "%%%02X" % b for b in text.encode("utf-8"))


def tagged(line, tag):
    if not line.startswith(tag):
        return None
    rest = line[len(tag):]
    return rest[1:] if rest.startswith(" ") else rest


def record(rid, line):
    """The request RequestCorpus.record(_:) builds for a corpus line."""
    method, path, headers, body = "GET", "/api/v1/items", [], ""
    if (rest := tagged(line, "[json]")) is not None:
        method, body = "POST", rest
        headers.append(("content-type", "application/json"))
    elif (rest := tagged(line, "[form]")) is not None:
        method, body = "POST", rest
        headers.append(("content-type", "application/x-www-form-urlencoded"))
    elif (rest := tagged(line, "[query]")) is not None:
        path += "?" + (rest[1:] if rest.startswith("?") else rest)
    elif (rest := tagged(line, "[path]")) is not None:
        path = rest
    elif (rest := tagged(line, "[graphql]")) is not None:
        method, path = "POST", "/graphql"
        body = '{"query":' + json.dumps(rest, ensure_ascii=False) + "}"
        headers.append(("content-type", "application/json"))
    elif line.startswith("[header:") and "]" in line:
        close = line.index("]")
        value = line[close + 1:]
        headers.append((line[8:close], value[1:] if value.startswith(" ") else value))
    elif line.startswith("[body:") and "]" in line:
        close = line.index("]")
        value = line[close + 1:]
        method, body = "POST", value[1:] if value.startswith(" ") else value
        headers.append(("content-type", line[6:close]))
    elif (rest := tagged(line, "[request]")) is not None:
        parts = rest.split("\n\n")
        head = parts[0].split("\n")
        body = "\n\n".join(parts[1:])
        if " " in head[0]:
            method, path = head[0].rsplit(" ", 1)
        for field in head[1:]:
            if ":" in field:
                name, value = field.split(":", 1)
                headers.append((name, value[1:] if value.startswith(" ") else value))
    else:
        field, value = "q", line
        if line.startswith("[field:") and "]" in line:
            close = line.index("]")
            field, value = line[7:close], line[close + 1:]
            value = value[1:] if value.startswith(" ") else value
        path = "/api/v1/search?" + field + "=" + pct(value)
    names = {n.lower() for n, _ in headers}
    if "user-agent" not in names:
        headers.append(("user-agent", BROWSER))
    if "accept" not in names:
        headers.append(("accept", "application/json"))
    return {"id": rid, "ts": 0, "client_ip": "203.0.113.7", "method": method, "host": "api.example.com",
            "path": path, "headers": [[n, v] for n, v in headers],
            "body_b64": base64.b64encode(body.encode("utf-8")).decode()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--palisade", default=None)
    ap.add_argument("--sensitivity", default="default", choices=["low", "default", "high"])
    ap.add_argument("--misses", action="store_true", help="list misses and false positives")
    args = ap.parse_args()
    palisade = args.palisade
    if palisade is None:  # the newer of the release and debug builds
        built = [os.path.join(ROOT, c) for c in (".build/release/palisade", ".build/debug/palisade")]
        built = [c for c in built if os.access(c, os.X_OK)]
        if built:
            palisade = max(built, key=os.path.getmtime)
    if palisade is None:
        sys.exit("eval-holdout: no palisade binary; build it or pass --palisade")

    items = []  # (id, kind, class, line)
    hold = os.path.join(CORPUS, "holdout")
    for name in sorted(os.listdir(hold)):
        if name.endswith(".txt"):
            for value, _ in load(os.path.join(hold, name)):
                items.append(("a%d" % len(items), "attack", name[:-4], value))
    for value, cls in load(os.path.join(CORPUS, "benign-holdout.txt")):
        items.append(("b%d" % len(items), "benign", cls or "-", value))

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for rid, _, _, line in items:
            f.write(json.dumps(record(rid, line)) + "\n")
        captures = f.name
    try:
        run = subprocess.run([palisade, "scan", "--sensitivity", args.sensitivity, captures],
                             capture_output=True, text=True, errors="replace")
    finally:
        os.unlink(captures)
    if run.returncode not in (0, 1):
        sys.exit("eval-holdout: palisade scan exited %d: %s" % (run.returncode, run.stderr[-500:]))
    verdicts = {}
    for line in run.stdout.split("\n"):
        if not line.strip():
            continue
        v = json.loads(line, strict=False)
        verdicts[v["id"]] = v
    threshold = THRESHOLD[args.sensitivity]

    classes = sorted({c for _, k, c, _ in items if k == "attack"})
    print("| class | attacks | attack (any class) | as own class | look-alikes | FP |")
    print("|---|---:|---:|---:|---:|---:|")
    totals = [0, 0, 0, 0, 0]
    misses, fps = [], []
    for cls in classes:
        att = [(rid, line) for rid, k, c, line in items if k == "attack" and c == cls]
        ben = [(rid, line) for rid, k, c, line in items if k == "benign" and c == cls]
        any_hit = own_hit = fp = 0
        for rid, line in att:
            v = verdicts.get(rid, {"attack": False, "hits": []})
            own = any(h["class"] == cls and (h["confidence"] >= threshold or h["rule"] in MONITOR_RULES)
                      for h in v["hits"])
            any_hit += v["attack"]
            own_hit += own
            if not own:
                best = ", ".join("%s %s" % (h["rule"], h["confidence"]) for h in v["hits"]) or "none"
                misses.append("%s\t%s\t[%s]\t%s" % (cls, "attack-other" if v["attack"] else "miss", best,
                                                     json.dumps(line, ensure_ascii=False)[:200]))
        for rid, line in ben:
            v = verdicts.get(rid, {"attack": False, "hits": []})
            if v["attack"]:
                fp += 1
                best = ", ".join("%s %s" % (h["rule"], h["confidence"]) for h in v["hits"])
                fps.append("%s\tFP\t[%s]\t%s" % (cls, best, json.dumps(line, ensure_ascii=False)[:200]))
        print("| %s | %d | %d (%.1f %%) | %d (%.1f %%) | %d | %d |" % (
            cls, len(att), any_hit, 100.0 * any_hit / max(len(att), 1), own_hit,
            100.0 * own_hit / max(len(att), 1), len(ben), fp))
        for i, n in enumerate((len(att), any_hit, own_hit, len(ben), fp)):
            totals[i] += n
    print("| **all** | %d | %d (%.1f %%) | %d (%.1f %%) | %d | %d (%.1f %%) |" % (
        totals[0], totals[1], 100.0 * totals[1] / max(totals[0], 1), totals[2],
        100.0 * totals[2] / max(totals[0], 1), totals[3], totals[4], 100.0 * totals[4] / max(totals[3], 1)))
    if args.misses:
        for line in misses + fps:
            print(line)


if __name__ == "__main__":
    main()
