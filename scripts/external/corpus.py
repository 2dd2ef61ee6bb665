#!/usr/bin/env python3
"""External corpora → capture records for `palisade scan`, and the score (scripts/eval-external.sh).

  corpus.py build OUT_DIR [--seed N]           values.jsonl, captures.jsonl, excluded.tsv, sources.txt
  corpus.py score OUT_DIR low.jsonl default.jsonl high.jsonl    per-class TPR/FPR (Markdown) + miss lists

Nothing here is copied into the repository: every value is read at run time from files that Debian
packages install (wfuzz, wapiti, sqlmap, python3-fake-factory, iso-codes, wamerican, miscfiles) and
the sources are listed in OUT_DIR/sources.txt with their package versions.

Attack values are placed the way the tools send them: raw (not re-encoded) in the query string, the
path and a form body — so a `%2e%2e` in a list reaches the server as the tool sent it — and as a
literal string in a JSON body, a cookie and the User-Agent header. Benign values are placed the way
a well-behaved client sends them (percent-encoded) in the query, a JSON body, a form body, a cookie,
and for single tokens a path segment; real-looking browser user agents go into User-Agent.

Lines of the attack lists that are not attacks in an API value on their own — single probe
characters (`'`, `%0a`, `&`), bare words (`asc`, `NULL`, `admin`), the application's own file names
and plain external URLs — are excluded from the TPR and written to excluded.tsv with the reason.
"""
import base64, gzip, json, os, random, re, subprocess, sys, urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crs"))
from corpus import BROWSER, pct, raw_http, wire_safe  # noqa: E402  (shared with compare-crs)

WFUZZ = "/usr/share/wfuzz/wordlist"
WAPITI = "/usr/lib/python3/dist-packages/wapitiCore/data/attacks"
SQLMAP = "/usr/share/sqlmap/data/xml"
ATTACK_PLACEMENTS = ["query", "json", "form", "cookie", "header", "path"]
BENIGN_PLACEMENTS = ["query", "json", "form", "cookie"]
CHANGELOG_PACKAGES = ["wfuzz", "wapiti", "sqlmap", "python3-fake-factory", "iso-codes", "wamerican", "miscfiles"]
FIELDS = ["q", "id", "name", "value", "data", "input"]  # neutral names, rotated


def lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        return [l.rstrip("\n").rstrip("\r") for l in f]


def package_version(pkg):
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True).stdout
    except OSError:
        return "?"


# --- attack sources -------------------------------------------------------------------------------

def not_an_attack(v):
    """Why a list line cannot be an attack in an API value on its own (None when it can)."""
    s = v.strip()
    if len(s) <= 3:
        return "probe character(s)"
    if re.fullmatch(r"[A-Za-z0-9_ .-]+", s):
        return "bare word(s)"
    if re.fullmatch(r"(%[0-9A-Fa-f]{2}|\\x[0-9A-Fa-f]{2}|\\0+|&#[xX]?0*[0-9A-Fa-f]+;?|&[a-z]+;|\\[0-9]+)+", s):
        return "encoded probe character(s)"
    return None


def wfuzz_list(name, cls):
    out = []
    for l in lines(os.path.join(WFUZZ, name)):
        if not l.strip() or l.startswith("#"):
            continue
        out.append((cls, "wfuzz/" + name, l))
    return out


TRAVERSAL_TARGETS = ["etc/passwd", "etc/shadow", "etc/hosts", "windows/win.ini", "boot.ini",
                     "proc/self/environ", "WEB-INF/web.xml", "windows/system32/drivers/etc/hosts"]


def wfuzz_traversal(rng, sample):
    out = []
    for name in ["vulns/dirTraversal.txt", "vulns/dirTraversal-nix.txt", "vulns/dirTraversal-win.txt"]:
        got = [l for l in lines(os.path.join(WFUZZ, name)) if l.strip() and not l.startswith("#")]
        for i, l in enumerate(rng.sample(got, min(sample, len(got)))):
            out.append(("path_traversal", "wfuzz/" + name, l.replace("{FILE}", TRAVERSAL_TARGETS[i % len(TRAVERSAL_TARGETS)])))
    return out


WAPITI_SUBST = {"[TIME]": "5", "[TIMEOUT]": "", "[LF]": "\n", "[TAB]": "\t", "[FF]": "\f", "[VALUE]": "report",
                "[DIRVALUE]": "docs", "[EXTVALUE]": "pdf", "[ATTR_SEP]": " ", "[VALUE_SEP]": "", "__XSS__": "w4x91k",
                "[EXTERNAL_ENDPOINT]": "http://wapiti3.ovh/", "\\0": "\x00"}


def wapiti_render(p):
    if p.startswith("[ATTR_SEP]"):
        p = '"' + p  # wapiti closes the attribute it is in first
    for k, v in WAPITI_SUBST.items():
        p = p.replace(k, v)
    return p


def wapiti_ini(name, cls):
    out = []
    for l in lines(os.path.join(WAPITI, name)):
        if l.startswith("payload = "):
            raw = l[len("payload = "):]
            if "[FILE_NAME]" in raw or "[FILE_NOEXT]" in raw:
                out.append((cls, "wapiti/" + name, "EXCLUDE:the application's own file name (source disclosure probe)"))
                continue
            if raw.startswith("[EXTERNAL_ENDPOINT]"):
                out.append((cls, "wapiti/" + name, "EXCLUDE:plain external URL (remote inclusion needs the app's context)"))
                continue
            out.append((cls, "wapiti/" + name, wapiti_render(raw)))
    return out


def wapiti_txt(name, cls):
    return [(cls, "wapiti/" + name, wapiti_render(l)) for l in lines(os.path.join(WAPITI, name)) if l.strip()]


def sqlmap_payloads(rng, sample):
    """Renders sqlmap's boundaries × tests into concrete request values (its agent's prefix/suffix rules)."""
    root = ET.parse(os.path.join(SQLMAP, "boundaries.xml")).getroot()
    boundaries = []
    for b in root.findall("boundary"):
        boundaries.append({k: (b.findtext(k) or "") for k in ["clause", "where", "ptype", "prefix", "suffix"]})
    tests = []
    for name in sorted(os.listdir(os.path.join(SQLMAP, "payloads"))):
        if not name.endswith(".xml"):
            continue
        for t in ET.parse(os.path.join(SQLMAP, "payloads", name)).getroot().findall("test"):
            req = t.find("request")
            tests.append({"file": name, "clause": t.findtext("clause") or "0", "where": t.findtext("where") or "1",
                          "payload": req.findtext("payload") or "", "comment": req.findtext("comment"),
                          "replace": "Parameter replace" in (t.findtext("title") or ""),
                          "union": name == "union_query.xml"})
    rnd = random.Random(11)

    def fill(s, names):
        # Like sqlmap's agent: one value per placeholder name within a payload ([RANDNUM]=[RANDNUM]
        # is a tautology, [RANDNUM]=[RANDNUM1] is not).
        def named(m, make):
            return names.setdefault(m.group(0), make())
        s = s.replace("[GENERIC_SQL_COMMENT]", "-- " + names.setdefault("comment", "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4))))
        s = re.sub(r"\[RANDNUM\d?\]", lambda m: named(m, lambda: str(rnd.randint(1000, 9999))), s)
        s = re.sub(r"\[RANDSTR\d?\]", lambda m: named(m, lambda: "".join(rnd.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))), s)
        s = re.sub(r"\[DELIMITER_(START|STOP)\]", lambda m: named(m, lambda: "q" + "".join(rnd.choice("bjkpqvxz") for _ in range(3)) + "q"), s)
        for k, v in {"[SLEEPTIME]": "5", "[DELAYED]": "5", "[ORIGVALUE]": "1", "[ORIGINAL]": "1", "[CHAR]": "NULL",
                     "[SPACE_REPLACE]": " ", "[DOLLAR_REPLACE]": "$", "[HASH_REPLACE]": "#", "[AT_REPLACE]": "@",
                     "[QUERY]": "SELECT 1", "[INFERENCE]": "1=1"}.items():
            s = s.replace(k, v)
        return s

    def overlap(a, b):
        sa, sb = set(a.split(",")), set(b.split(","))
        return "0" in sa or "0" in sb or bool(sa & sb)

    rendered = []
    for t in tests:
        for b in boundaries:
            if not overlap(t["clause"], b["clause"]) or not (set(t["where"].split(",")) & set(b["where"].split(","))):
                continue
            payload = t["payload"]
            if t["union"]:
                cols = rnd.randint(1, 6)
                items = ["NULL"] * cols
                items[rnd.randrange(cols)] = "CONCAT(0x%s,0x%s,0x%s)" % (
                    "716b767871", "".join(rnd.choice("0123456789abcdef") for _ in range(24)), "7178627a71")
                payload = "UNION ALL SELECT " + ",".join(items)
            where = "3" if t["replace"] else rnd.choice(t["where"].split(","))
            orig = "1" if b["ptype"] in ("1", "6") else "shoes"
            base = {"1": orig, "2": "-" + str(rnd.randint(1000, 9999)), "3": ""}.get(where, orig)
            names = {}
            prefix = fill(b["prefix"], names) if where != "3" else ""  # a replacing payload has no boundary
            expr = fill(payload, names)
            query = prefix
            if not (expr.startswith(";") or (query and query[-1] in "()" and expr[:1] in "()") or query.endswith("(")):
                query += " "
            query += expr
            comment = t["comment"]
            if comment is not None and comment != "":
                query += fill(comment, names)
            elif b["suffix"] and where != "3":
                query += " " + fill(b["suffix"], names)
            rendered.append(("sqli", "sqlmap/" + t["file"], base + query))
    uniq = sorted({r[2]: r for r in rendered}.values(), key=lambda r: r[2])
    return rng.sample(uniq, min(sample, len(uniq)))


PROBE_LISTS = ["apache.txt", "iis.txt", "tomcat.txt", "weblogic.txt", "websphere.txt", "coldfusion.txt",
               "jrun.txt", "frontpage.txt", "iplanet.txt", "netware.txt", "oracle9i.txt", "sunas.txt"]


def probe_paths():
    out = []
    for name in PROBE_LISTS:
        for l in lines(os.path.join(WFUZZ, "vulns", name)):
            l = l.strip()
            if l and not l.startswith("#"):
                out.append(("scanner_probe", "wfuzz/vulns/" + name, "/" + l.lstrip("/")))
    return out


# --- benign sources -------------------------------------------------------------------------------

def benign_values(rng, count):
    from faker import Faker
    out = []
    fakers = [(loc, Faker(loc)) for loc in ["en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "it_IT", "ja_JP", "pt_BR", "nl_NL", "pl_PL"]]
    for i, (_, f) in enumerate(fakers):
        f.seed(1000 + i)
    kinds = [
        ("name", lambda f: f.name()), ("address", lambda f: f.address()), ("street", lambda f: f.street_address()),
        ("city", lambda f: f.city()), ("company", lambda f: f.company()), ("email", lambda f: f.email()),
        ("user_name", lambda f: f.user_name()), ("phone", lambda f: f.phone_number()), ("job", lambda f: f.job()),
        ("sentence", lambda f: f.sentence()), ("paragraph", lambda f: f.paragraph()), ("text", lambda f: f.text(300)),
        ("catch_phrase", lambda f: f.catch_phrase()), ("bs", lambda f: f.bs()), ("url", lambda f: f.url()),
        ("uri", lambda f: f.uri()), ("file_path", lambda f: f.file_path()), ("date", lambda f: f.iso8601()),
        ("iban", lambda f: f.iban()), ("credit_card", lambda f: f.credit_card_number()),
        ("ipv4_public", lambda f: f.ipv4_public()), ("mac", lambda f: f.mac_address()), ("uuid", lambda f: f.uuid4()),
        ("password", lambda f: f.password(length=14, special_chars=True)), ("color", lambda f: f.hex_color()),
        ("domain", lambda f: f.domain_name()), ("slug", lambda f: f.slug()), ("isbn", lambda f: f.isbn13()),
        ("profile_json", lambda f: json.dumps({"name": f.name(), "mail": f.free_email(), "job": f.job(),
                                               "address": f.address(), "website": f.url()}, ensure_ascii=False)),
    ]
    for n in range(count):
        loc, f = fakers[n % len(fakers)]
        kind, fn = kinds[(n // len(fakers)) % len(kinds)]
        try:
            out.append(("benign", "faker/%s/%s" % (loc, kind), kind, fn(f)))
        except Exception:  # a provider missing in this locale
            continue
    # iso-codes: country, subdivision, currency and language names (apostrophes, parentheses, commas).
    iso = "/usr/share/iso-codes/json"
    for fname, key, field in [("iso_3166-1.json", "3166-1", "country"), ("iso_3166-2.json", "3166-2", "region"),
                              ("iso_4217.json", "4217", "currency"), ("iso_639-3.json", "639-3", "language")]:
        path = os.path.join(iso, fname)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as fh:
            items = json.load(fh)[key]
        names = sorted({v for it in items for k, v in it.items() if k in ("name", "official_name", "common_name")})
        for v in rng.sample(names, min(250, len(names))):
            out.append(("benign", "iso-codes/" + fname, field, v))
    # English words with apostrophes and word salads from /usr/share/dict (wamerican).
    words = [w for w in lines("/usr/share/dict/american-english") if w]
    for w in rng.sample([w for w in words if "'" in w], 150):
        out.append(("benign", "wamerican/apostrophe", "q", w))
    for _ in range(250):
        out.append(("benign", "wamerican/phrase", "title", " ".join(rng.choice(words) for _ in range(rng.randint(2, 9)))))
    # miscfiles: airports, cities and proper names.
    for fname, field in [("/usr/share/misc/airport.gz", "airport"), ("/usr/share/misc/cities.dat.gz", "city")]:
        if os.path.exists(fname):
            got = [l.strip() for l in lines(fname) if l.strip() and not l.startswith("#")]
            for v in rng.sample(got, min(150, len(got))):
                out.append(("benign", "miscfiles/" + os.path.basename(fname), field, v))
    # Debian changelog entries: real free text written by developers (mentions of CVEs, SQL, XSS …).
    # Only packages of the `external` bootstrap group, so the set is the same on every machine.
    entries = []
    for pkg in CHANGELOG_PACKAGES:
        for name in ["changelog.Debian.gz", "changelog.gz", "NEWS.gz"]:
            p = os.path.join("/usr/share/doc", pkg, name)
            if os.path.exists(p):
                for l in lines(p):
                    l = l.strip()
                    if l.startswith(("* ", "- ")) and len(l) > 24:
                        entries.append(l[2:].strip())
    for v in rng.sample(entries, min(400, len(entries))):
        out.append(("benign", "debian-changelogs", "comment", v))
    # License texts (base-files): legal prose full of quotes, parentheses, "or"/"and", section signs.
    legal = []
    lic = "/usr/share/common-licenses"
    for name in ["Apache-2.0", "Artistic", "BSD", "GPL-3", "LGPL-2.1", "MPL-2.0", "GFDL-1.3", "CC0-1.0"]:
        if os.path.exists(os.path.join(lic, name)):
            legal += [l.strip() for l in lines(os.path.join(lic, name)) if len(l.strip()) >= 30]
    for i, v in enumerate(rng.sample(sorted(set(legal)), min(600, len(set(legal))))):
        out.append(("benign", "common-licenses", "q" if i % 2 else "description", v))
    return out


def user_agents(rng):
    from faker import Faker
    f = Faker()
    f.seed(77)
    return [("benign", "faker/user_agent", "user-agent", f.user_agent()) for _ in range(200)]


# --- requests -------------------------------------------------------------------------------------

def request(value, placement, field, raw):
    """raw: the value goes into the query, path and form body as it is (a fuzzer's substitution);
    otherwise it is percent-encoded like a well-behaved client does."""
    method, path, headers, body = "GET", "/api/v1/items", [], ""
    enc = (lambda v: wire_safe(v)) if raw else pct
    if placement == "query":
        path = "/api/v1/search?" + pct(field) + "=" + enc(value)
    elif placement == "path":
        path = "/api/v1/items/" + (wire_safe(value).replace("?", "%3F") if raw else pct(value))
    elif placement == "json":
        method, body = "POST", json.dumps({field: value, "page": 1}, ensure_ascii=False)
        headers.append(("Content-Type", "application/json"))
    elif placement == "form":
        method, body = "POST", pct(field) + "=" + (value.replace("&", "%26") if raw else pct(value)) + "&page=1"
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    elif placement == "cookie":
        headers.append(("Cookie", "session=abc123; " + pct(field) + "=" + pct(value)))
    elif placement == "header":
        headers.append(("User-Agent", value.replace("\r", " ").replace("\n", " ")))
    elif placement == "probe":
        path = wire_safe(value)
    names = {n.lower() for n, _ in headers}
    if "user-agent" not in names:
        headers.append(("User-Agent", BROWSER))
    headers.append(("Accept", "application/json"))
    return method, path, headers, body


def build(out_dir, seed):
    rng = random.Random(seed)
    attacks = []
    attacks += wfuzz_list("Injections/SQL.txt", "sqli") + wfuzz_list("vulns/sql_inj.txt", "sqli")
    attacks += wapiti_txt("blindSQLPayloads.txt", "sqli") + sqlmap_payloads(rng, 700)
    attacks += wfuzz_list("Injections/XSS.txt", "xss") + wapiti_ini("xssPayloads.ini", "xss")
    attacks += wfuzz_list("Injections/Traversal.txt", "path_traversal") + wfuzz_traversal(rng, 120)
    attacks += wapiti_ini("fileHandlingPayloads.ini", "path_traversal")
    attacks += wfuzz_list("Injections/XML.txt", "xml_mixed") + wapiti_ini("xxePayloads.ini", "xxe")
    attacks += wapiti_txt("execPayloads.txt", "exec_mixed")
    attacks += [("crlf", "wapiti/mod_crlf.py", "http://www.google.fr\r\nwapiti: 3.0.4 version")]
    attacks += wfuzz_list("Injections/All_attack.txt", "all_attack_mixed")
    records, values, excluded, seen, crs = [], [], [], set(), []

    def add(cls, source, value, placement, field, raw, kind=""):
        method, path, headers, body = request(value, placement, field, raw)
        rid = "r%d" % len(records)
        records.append({"id": rid, "method": method, "path": path, "host": "api.example.com",
                        "headers": [["host", "api.example.com"]] + [[n.lower(), v] for n, v in headers],
                        "body_b64": base64.b64encode(body.encode("utf-8", "surrogateescape")).decode()})
        if cls != "scanner_probe":  # the same request as raw HTTP, for scripts/compare-crs.sh --requests
            crs.append({"class": cls, "file": source, "line": value[:200], "capture": records[-1],
                        "raw": base64.b64encode(raw_http(method, path, headers, body)).decode()})
        values.append({"id": rid, "class": cls, "source": source, "placement": placement, "field": field,
                       "kind": kind, "value": value})

    n = 0
    for cls, source, value in attacks:
        if value.startswith("EXCLUDE:"):
            excluded.append((cls, source, value[8:], ""))
            continue
        why = not_an_attack(value)
        if why:
            excluded.append((cls, source, why, value))
            continue
        if (cls, value) in seen:
            continue
        seen.add((cls, value))
        # wfuzz substitutes its lists into the request verbatim; sqlmap and wapiti URL-encode.
        raw = source.startswith("wfuzz/")
        for placement in ATTACK_PLACEMENTS:
            add(cls, source, value, placement, FIELDS[n % len(FIELDS)], raw)
            n += 1
    for cls, source, value in probe_paths():
        if value not in seen:
            seen.add(value)
            add(cls, source, value, "probe", "", True)
    benign = benign_values(rng, 2400)
    for i, (cls, source, field, value) in enumerate(benign):
        for placement in BENIGN_PLACEMENTS:
            add(cls, source, value, placement, field, False, kind=field)
        if re.fullmatch(r"[\w.@+-]{1,64}", value):
            add(cls, source, value, "path", field, False, kind=field)
    for cls, source, field, value in user_agents(rng):
        add(cls, source, value, "header", field, False, kind=field)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "captures.jsonl"), "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    with open(os.path.join(out_dir, "requests.jsonl"), "w") as f:
        for r in crs:
            f.write(json.dumps(r) + "\n")
    with open(os.path.join(out_dir, "values.jsonl"), "w") as f:
        for v in values:
            f.write(json.dumps(v, ensure_ascii=False) + "\n")
    with open(os.path.join(out_dir, "excluded.tsv"), "w") as f:
        for cls, source, why, value in excluded:
            f.write("%s\t%s\t%s\t%s\n" % (cls, source, why, value.replace("\t", "\\t").replace("\n", "\\n")))
    with open(os.path.join(out_dir, "sources.txt"), "w") as f:
        for pkg in ["wfuzz", "wapiti", "sqlmap", "python3-fake-factory", "iso-codes", "wamerican", "miscfiles", "base-files"]:
            f.write("%s %s\n" % (pkg, package_version(pkg)))
    n_att = sum(v["class"] not in ("benign", "scanner_probe") for v in values)
    print("external: %d requests (%d attack, %d probe paths, %d benign); %d of %d list lines excluded (excluded.tsv)"
          % (len(values), n_att, sum(v["class"] == "scanner_probe" for v in values),
             sum(v["class"] == "benign" for v in values), len(excluded), len(attacks)), file=sys.stderr)


# --- score ----------------------------------------------------------------------------------------

def score(out_dir, verdict_files):
    with open(os.path.join(out_dir, "values.jsonl")) as f:
        values = [json.loads(l) for l in f]
    results = {}
    for vf in verdict_files:
        sens = os.path.basename(vf).split(".")[0]
        got = {}
        with open(vf) as f:
            for l in f:
                v = json.loads(l)
                got[v["id"]] = v
        results[sens] = got
    sens_list = list(results)
    classes = sorted({v["class"] for v in values} - {"benign", "scanner_probe"})
    print("| class | requests | " + " | ".join("TPR %s" % s for s in sens_list) + " |")
    print("|---|---|" + "---|" * len(sens_list))
    rows = classes + ["all attacks"]
    for c in rows:
        sel = [v for v in values if (v["class"] == c if c != "all attacks" else v["class"] in classes)]
        cells = []
        for s in sens_list:
            hit = sum(results[s].get(v["id"], {}).get("attack", False) for v in sel)
            cells.append("%.1f %%" % (100.0 * hit / max(len(sel), 1)))
        print("| %s | %d | %s |" % (c, len(sel), " | ".join(cells)))
    probes = [v for v in values if v["class"] == "scanner_probe"]
    ben = [v for v in values if v["class"] == "benign"]
    cells_p, cells_b = [], []
    for s in sens_list:
        rep = sum(bool(results[s].get(v["id"], {}).get("hits")) for v in probes)
        cells_p.append("%.1f %% reported, %.1f %% attack" % (
            100.0 * rep / max(len(probes), 1),
            100.0 * sum(results[s].get(v["id"], {}).get("attack", False) for v in probes) / max(len(probes), 1)))
        fp = sum(results[s].get(v["id"], {}).get("attack", False) for v in ben)
        cells_b.append("%.2f %% (%d)" % (100.0 * fp / max(len(ben), 1), fp))
    print("| probe paths (monitor level) | %d | %s |" % (len(probes), " | ".join(cells_p)))
    print("| **benign (FPR)** | %d | %s |" % (len(ben), " | ".join(cells_b)))
    print()
    print("TPR by placement (default):")
    d = results.get("default", results[sens_list[0]])
    for p in ATTACK_PLACEMENTS:
        sel = [v for v in values if v["class"] in classes and v["placement"] == p]
        hit = sum(d.get(v["id"], {}).get("attack", False) for v in sel)
        print("  %-7s %5.1f %% (%d/%d)" % (p, 100.0 * hit / max(len(sel), 1), hit, len(sel)))
    print("\nTPR by source (default):")
    for src in sorted({v["source"] for v in values if v["class"] in classes}):
        sel = [v for v in values if v["class"] in classes and v["source"] == src]
        hit = sum(d.get(v["id"], {}).get("attack", False) for v in sel)
        print("  %-40s %5.1f %% (%d/%d)" % (src, 100.0 * hit / max(len(sel), 1), hit, len(sel)))
    for s in sens_list:
        with open(os.path.join(out_dir, "misses-%s.tsv" % s), "w") as f:
            for v in values:
                if v["class"] in classes and not results[s].get(v["id"], {}).get("attack", False):
                    best = max(results[s].get(v["id"], {}).get("hits", []) or [{}], key=lambda h: h.get("confidence", 0))
                    f.write("%s\t%s\t%s\t%s\t%s\t%s\n" % (v["class"], v["source"], v["placement"],
                            best.get("rule", "-"), best.get("confidence", "-"), json.dumps(v["value"], ensure_ascii=False)))
        with open(os.path.join(out_dir, "fps-%s.tsv" % s), "w") as f:
            for v in ben:
                r = results[s].get(v["id"], {})
                if r.get("attack", False):
                    rules = ",".join("%s:%s" % (h.get("rule"), h.get("confidence")) for h in r.get("hits", []))
                    f.write("%s\t%s\t%s\t%s\t%s\n" % (v["source"], v["placement"], v["field"], rules,
                            json.dumps(v["value"], ensure_ascii=False)))
    print("\nmisses: %s/misses-<sensitivity>.tsv, false positives: %s/fps-<sensitivity>.tsv" % (out_dir, out_dir))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "build":
        build(sys.argv[2], int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 3)
    elif len(sys.argv) >= 4 and sys.argv[1] == "score":
        score(sys.argv[2], sys.argv[3:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(64)
