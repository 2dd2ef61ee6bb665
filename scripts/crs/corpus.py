#!/usr/bin/env python3
"""Corpus → requests for the ModSecurity + CRS side-by-side (scripts/compare-crs.sh).

  corpus.py build CORPUS_DIR OUT_DIR [--sample N]   requests.jsonl (raw HTTP + labels) and captures.jsonl
  corpus.py replay OUT_DIR PORT LABEL               sends every request to 127.0.0.1:PORT, writes LABEL.status
  corpus.py wrk OUT_DIR                             wrk.lua cycling through the well-formed requests
  corpus.py score OUT_DIR LABEL... --palisade F...  prints the table (Markdown)

Placements mirror Tests/PalisadeDetectTests/RequestCorpus.swift. Value-only lines (sqli.txt, xss.txt,
benign.txt, `[field:NAME]` lines) rotate through four placements by line number: query parameter,
JSON body field, form field, cookie. Tagged lines ([json], [query], [header:…], [graphql] …) keep
their placement. Both sides see byte-identical requests: the raw HTTP sent to nginx and the capture
record given to `palisade scan` are built from the same method, path, headers and body.
"""
import base64, json, os, random, socket, sys, time, urllib.parse

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
EXCLUDED = {"protocol_anomaly"}  # framing/encoding anomalies: nginx rejects many before ModSecurity runs


def unescape(line):
    out, i = [], 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line) and line[i + 1] in "nrt\\":
            out.append({"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}[line[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def load(path):
    with open(path, encoding="utf-8") as f:
        return [unescape(l) for l in f.read().split("\n") if l and not l.startswith("##")]


def wire_safe(raw):
    """Percent-encode what cannot travel in a request line (spaces, controls, non-ASCII, quotes)."""
    return urllib.parse.quote(raw, safe="/?&=%[]$:;,@!*'()+~.-_{}|^`#\"<>\\")\
        .replace(" ", "%20").replace('"', "%22").replace("<", "%3C").replace(">", "%3E").replace("\\", "%5C")\
        .replace("`", "%60").replace("{", "%7B").replace("}", "%7D").replace("|", "%7C").replace("^", "%5E")\
        .replace("#", "%23")


def pct(value):
    return urllib.parse.quote(value, safe="-_.~")


def place(line, index):
    method, path, headers, body = "GET", "/api/v1/items", [], ""

    def tagged(tag):
        if line.startswith(tag):
            rest = line[len(tag):]
            return rest[1:] if rest.startswith(" ") else rest
        return None

    if (rest := tagged("[json]")) is not None:
        method, body = "POST", rest
        headers.append(("Content-Type", "application/json"))
    elif (rest := tagged("[form]")) is not None:
        method, body = "POST", rest
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    elif (rest := tagged("[query]")) is not None:
        path += "?" + wire_safe(rest[1:] if rest.startswith("?") else rest)
    elif (rest := tagged("[path]")) is not None:
        path = wire_safe(rest)
    elif (rest := tagged("[graphql]")) is not None:
        method, path, body = "POST", "/graphql", json.dumps({"query": rest}, separators=(",", ":"))
        headers.append(("Content-Type", "application/json"))
    elif line.startswith("[header:") and "]" in line:
        name, _, value = line[8:].partition("]")
        headers.append((name, value[1:] if value.startswith(" ") else value))
    elif line.startswith("[body:") and "]" in line:
        ctype, _, value = line[6:].partition("]")
        method, body = "POST", value[1:] if value.startswith(" ") else value
        headers.append(("Content-Type", ctype))
    elif (rest := tagged("[request]")) is not None:
        head, _, body = rest.partition("\n\n")
        lines = head.split("\n")
        method, _, path = lines[0].rpartition(" ")
        for field in lines[1:]:
            if ":" in field:
                n, _, v = field.partition(":")
                headers.append((n, v[1:] if v.startswith(" ") else v))
    else:
        field, value = "q", line
        if line.startswith("[field:") and "]" in line:
            field, _, value = line[7:].partition("]")
            value = value[1:] if value.startswith(" ") else value
        slot = index % 4
        if slot == 0:
            path = "/api/v1/search?" + pct(field) + "=" + pct(value)
        elif slot == 1:
            method, body = "POST", json.dumps({field: value, "page": 1}, ensure_ascii=False)
            headers.append(("Content-Type", "application/json"))
        elif slot == 2:
            method, body = "POST", pct(field) + "=" + pct(value) + "&page=1"
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        else:
            headers.append(("Cookie", "session=abc123; " + pct(field) + "=" + pct(value)))
    names = {n.lower() for n, _ in headers}
    if "user-agent" not in names:
        headers.append(("User-Agent", BROWSER))
    if "accept" not in names:
        headers.append(("Accept", "application/json"))
    return method, path, headers, body


def raw_http(method, path, headers, body):
    data = body.encode("utf-8")
    names = {n.lower().strip() for n, _ in headers}
    out = [f"{method} {path} HTTP/1.1", "Host: api.example.com"]
    out += [f"{n}: {v}" for n, v in headers]
    chunked = any(n.lower() == "transfer-encoding" and v.strip().lower() == "chunked" for n, v in headers)
    if chunked:
        data = (b"%x\r\n" % len(data) + data + b"\r\n" if data else b"") + b"0\r\n\r\n"
    elif "content-length" not in names and (data or method in ("POST", "PUT", "PATCH")):
        out.append(f"Content-Length: {len(data)}")
    out.append("Connection: close")
    return ("\r\n".join(out) + "\r\n\r\n").encode("utf-8", "surrogateescape") + data


def build(corpus_dir, out_dir, sample):
    rng = random.Random(7)
    records = []
    for name in sorted(os.listdir(corpus_dir)):
        if not name.endswith(".txt"):
            continue
        label = name[:-4]
        benign = label.startswith("benign")
        if label in EXCLUDED:
            continue
        lines = load(os.path.join(corpus_dir, name))
        if sample and len(lines) > sample:
            lines = rng.sample(lines, sample)
        for i, line in enumerate(lines):
            method, path, headers, body = place(line, i)
            records.append({"class": "benign" if benign else label, "file": name, "line": line[:200],
                            "raw": base64.b64encode(raw_http(method, path, headers, body)).decode(),
                            "capture": {"id": f"r{len(records)}", "method": method, "path": path,
                                        "host": "api.example.com",
                                        "headers": [["host", "api.example.com"]] + [[n.lower(), v] for n, v in headers],
                                        "body_b64": base64.b64encode(body.encode()).decode()}})
    with open(os.path.join(out_dir, "requests.jsonl"), "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    with open(os.path.join(out_dir, "captures.jsonl"), "w") as f:
        for r in records:
            f.write(json.dumps(r["capture"]) + "\n")
    print(f"{len(records)} requests "
          f"({sum(r['class'] != 'benign' for r in records)} attacks, {sum(r['class'] == 'benign' for r in records)} benign)")


def requests(out_dir):
    with open(os.path.join(out_dir, "requests.jsonl")) as f:
        return [json.loads(l) for l in f]


def send(port, raw):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(raw)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        parts = data.split(b" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    except OSError:
        return 0


def replay(out_dir, port, label):
    statuses = [send(int(port), base64.b64decode(r["raw"])) for r in requests(out_dir)]
    with open(os.path.join(out_dir, label + ".status"), "w") as f:
        f.write("\n".join(map(str, statuses)) + "\n")


def wrk(out_dir):
    """A wrk script cycling through the requests nginx parses (framing oddities left out)."""
    items = []
    for r in requests(out_dir):
        c = r["capture"]
        if any(h[0] in ("transfer-encoding", "content-length", "host") for h in c["headers"][1:]):
            continue
        if any(ord(ch) < 0x21 for ch in c["method"] + c["path"]):
            continue
        headers = {h[0]: h[1] for h in c["headers"][1:]}
        items.append((c["method"], c["path"], headers, base64.b64decode(c["body_b64"]).decode("utf-8", "replace")))
    lua = ["local reqs = {}"]
    for m, p, h, b in items:
        hs = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in h.items())
        lua.append(f"reqs[#reqs+1] = wrk.format({json.dumps(m)}, {json.dumps(p)}, {{{hs}}}, {json.dumps(b) if b else 'nil'})")
    lua.append("local i = 0")
    lua.append("request = function() i = i % #reqs + 1; return reqs[i] end")
    with open(os.path.join(out_dir, "wrk.lua"), "w") as f:
        f.write("\n".join(lua) + "\n")


def score(out_dir, labels, palisade_files, rates):
    reqs = requests(out_dir)
    classes = sorted({r["class"] for r in reqs} - {"benign"})
    rows = []

    def row(name, flagged, rate):
        att = [f for r, f in zip(reqs, flagged) if r["class"] != "benign"]
        ben = [f for r, f in zip(reqs, flagged) if r["class"] == "benign"]
        per = []
        for c in classes:
            cf = [f for r, f in zip(reqs, flagged) if r["class"] == c]
            per.append(f"{100 * sum(cf) / max(len(cf), 1):.1f}")
        rows.append((name, 100 * sum(att) / max(len(att), 1), 100 * sum(ben) / max(len(ben), 1), rate, per))

    for label in labels:
        with open(os.path.join(out_dir, label + ".status")) as f:
            st = [int(x) for x in f.read().split()]
        row(f"ModSecurity + CRS {label}", [s != 200 for s in st], rates.get(label, ""))
    for pf in palisade_files:
        name = os.path.basename(pf).rsplit(".", 1)[0]
        flagged = {}
        with open(pf) as f:
            for l in f:
                v = json.loads(l)
                flagged[v["id"]] = v["attack"]
        row(f"Palisade {name}", [flagged.get(r["capture"]["id"], False) for r in reqs], rates.get(name, ""))
    n_att = sum(r["class"] != "benign" for r in reqs)
    n_ben = len(reqs) - n_att
    counts = ", ".join("%s %d" % (c, sum(r["class"] == c for r in reqs)) for c in classes)
    print(f"{n_att} attack requests ({counts}), {n_ben} benign requests\n")
    print("| engine | TPR | FPR | requests/s | " + " | ".join(f"TPR {c}" for c in classes) + " |")
    print("|---|---|---|---|" + "---|" * len(classes))
    for name, tpr, fpr, rate, per in rows:
        print(f"| {name} | {tpr:.1f} % | {fpr:.1f} % | {rate} | " + " | ".join(f"{p} %" for p in per) + " |")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "build":
        sample = int(sys.argv[sys.argv.index("--sample") + 1]) if "--sample" in sys.argv else 0
        build(sys.argv[2], sys.argv[3], sample)
    elif cmd == "replay":
        replay(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "wrk":
        wrk(sys.argv[2])
    elif cmd == "score":
        args = sys.argv[3:]
        pal = args[args.index("--palisade") + 1:] if "--palisade" in args else []
        labels = args[:args.index("--palisade")] if "--palisade" in args else args
        rates = {}
        if os.path.exists(os.path.join(sys.argv[2], "rates.txt")):
            for l in open(os.path.join(sys.argv[2], "rates.txt")):
                k, _, v = l.strip().partition(" ")
                rates[k] = v
        score(sys.argv[2], labels, pal, rates)
