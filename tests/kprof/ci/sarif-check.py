# SPDX-License-Identifier: MIT
# sarif-check.py SCHEMA FILE: checks a SARIF log written by kprof.
#  - the bytes are UTF-8 (strict) and the text is JSON (strict: no NaN);
#  - the structure SARIF 2.1.0 requires and code scanning reads, field by
#    field (version, runs, tool.driver, rules, results with ruleId/ruleIndex
#    matching a rule, message.text, locations, regions, code flows);
#  - with the jsonschema module: the log validates against SCHEMA (the
#    OASIS SARIF 2.1.0 JSON schema, draft 4).
# Prints one line per result, tab-separated:
#   ruleId uri startLine logical-name suppressed(0/1) level
# then "schema: valid" or "schema: no jsonschema module". Exit 1 with a
# message on the first violation.
import json
import sys


def fail(msg):
    print("sarif-check: " + msg, file=sys.stderr)
    sys.exit(1)


def need(cond, msg):
    if not cond:
        fail(msg)


def no_const(x):
    fail("non-JSON constant " + x)


def check_location(loc, where, roots):
    need(isinstance(loc, dict), where + ": location is not an object")
    phys = loc.get("physicalLocation")
    if phys is not None:
        art = phys.get("artifactLocation")
        need(isinstance(art, dict) and isinstance(art.get("uri"), str) and art["uri"],
             where + ": physicalLocation without artifactLocation.uri")
        base = art.get("uriBaseId")
        need(base is None or base in roots, where + ": unknown uriBaseId %r" % base)
        need(base is not None or art["uri"].startswith("file:///"),
             where + ": a uri without uriBaseId must be an absolute file URI")
        for c in art["uri"]:
            need(c.isascii() and c not in ' "<>\\^`{|}' and ord(c) > 0x20,
                 where + ": uri %r is not percent-encoded" % art["uri"])
        reg = phys.get("region")
        if reg is not None:
            need(isinstance(reg.get("startLine"), int) and reg["startLine"] >= 1,
                 where + ": region.startLine must be an integer >= 1")
    msg = loc.get("message")
    need(msg is None or isinstance(msg.get("text"), str), where + ": message without text")


def main():
    if len(sys.argv) != 3:
        fail("usage: sarif-check.py SCHEMA FILE")
    raw = open(sys.argv[2], "rb").read()
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        fail("not UTF-8: %s" % e)
    try:
        log = json.loads(text, parse_constant=no_const)
    except ValueError as e:
        fail("not JSON: %s" % e)
    need(isinstance(log, dict), "top level is not an object")
    need(log.get("version") == "2.1.0", "version is not 2.1.0")
    need(isinstance(log.get("runs"), list) and len(log["runs"]) == 1, "want exactly one run")
    run = log["runs"][0]
    driver = run.get("tool", {}).get("driver")
    need(isinstance(driver, dict) and driver.get("name") == "kprof", "tool.driver.name is not kprof")
    rules = driver.get("rules", [])
    need(isinstance(rules, list) and rules, "no rules")
    ids = [r.get("id") for r in rules]
    for r in rules:
        need(isinstance(r.get("id"), str) and r["id"], "rule without id")
        need(isinstance(r.get("shortDescription", {}).get("text"), str), "rule %s without shortDescription" % r["id"])
        need(r.get("defaultConfiguration", {}).get("level") in ("error", "warning", "note"),
             "rule %s: bad default level" % r["id"])
    need(len(set(ids)) == len(ids), "duplicate rule ids")
    roots = run.get("originalUriBaseIds", {})
    for k, v in roots.items():
        need(isinstance(v.get("uri"), str) and v["uri"].startswith("file:///") and v["uri"].endswith("/"),
             "originalUriBaseIds.%s must be an absolute file URI ending in /" % k)
    results = run.get("results")
    need(isinstance(results, list), "results is not an array")
    out = []
    for i, res in enumerate(results):
        where = "results[%d]" % i
        need(res.get("ruleId") in ids, where + ": ruleId not among the rules")
        need(ids[res.get("ruleIndex", -1)] == res["ruleId"], where + ": ruleIndex does not match ruleId")
        need(res.get("level") in ("error", "warning", "note"), where + ": bad level")
        need(isinstance(res.get("message", {}).get("text"), str) and res["message"]["text"],
             where + ": no message.text")
        locs = res.get("locations")
        need(isinstance(locs, list) and len(locs) == 1, where + ": want one primary location")
        check_location(locs[0], where + ".locations[0]", roots)
        for cf in res.get("codeFlows", []):
            need(cf.get("threadFlows"), where + ": codeFlow without threadFlows")
            for tf in cf["threadFlows"]:
                need(tf.get("locations"), where + ": threadFlow without locations")
                orders = []
                for j, tfl in enumerate(tf["locations"]):
                    check_location(tfl.get("location", {}), where + ".threadFlow[%d]" % j, roots)
                    orders.append(tfl.get("executionOrder"))
                need(orders == sorted(orders), where + ": threadFlow not in execution order")
        for st in res.get("stacks", []):
            need(isinstance(st.get("frames"), list) and st["frames"], where + ": stack without frames")
        for sp in res.get("suppressions", []):
            need(sp.get("kind") in ("inSource", "external"), where + ": bad suppression kind")
        fps = res.get("partialFingerprints", {})
        need(all(isinstance(v, str) for v in fps.values()), where + ": partialFingerprints must be strings")
        phys = locs[0].get("physicalLocation", {})
        uri = phys.get("artifactLocation", {}).get("uri", "-")
        line = phys.get("region", {}).get("startLine", 0)
        logical = (locs[0].get("logicalLocations") or [{}])[0].get("name", "-")
        out.append("%s\t%s\t%d\t%s\t%d\t%s" % (res["ruleId"], uri, line, logical,
                                               1 if res.get("suppressions") else 0, res["level"]))
    try:
        import jsonschema
    except ImportError:
        jsonschema = None
    if jsonschema is not None:
        schema = json.load(open(sys.argv[1], encoding="utf-8"))
        try:
            jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(log)
        except jsonschema.ValidationError as e:
            fail("schema: %s at %s" % (e.message, "/".join(str(p) for p in e.absolute_path)))
    for line in out:
        print(line)
    print("schema: valid" if jsonschema is not None else "schema: no jsonschema module")


main()
