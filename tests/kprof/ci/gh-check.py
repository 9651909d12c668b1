# SPDX-License-Identifier: MIT
# gh-check.py FILE: reads GitHub Actions workflow commands as the runner
# does (toolkit command.ts: "::name k=v,k=v::message", property values
# unescaped from %25 %0D %0A %3A %2C, the message from %25 %0D %0A) and
# prints one JSON object per line: {"cmd","file","line","title","msg"}.
# Exit 1 when a line is not a command, a property is unknown, a value holds
# a raw CR/LF or an unescaped ':' / ',' in a property, or the text is not
# UTF-8.
import json
import re
import sys

CMD = re.compile(r"^::(error|warning|notice)( [^:]*)?::(.*)$")


def unescape(s, prop):
    pairs = [("%0D", "\r"), ("%0A", "\n")]
    if prop:
        pairs += [("%3A", ":"), ("%2C", ",")]
    for a, b in pairs:
        s = s.replace(a, b)
    return s.replace("%25", "%")


def main():
    raw = open(sys.argv[1], "rb").read()
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        print("gh-check: not UTF-8: %s" % e, file=sys.stderr)
        sys.exit(1)
    for n, line in enumerate(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), 1):
        if not line:
            continue
        m = CMD.match(line)
        if not m or "\r" in line:
            print("gh-check: line %d is not a workflow command: %r" % (n, line[:80]), file=sys.stderr)
            sys.exit(1)
        out = {"cmd": m.group(1), "msg": unescape(m.group(3), False)}
        props = (m.group(2) or "").strip()
        for kv in props.split(",") if props else []:
            k, eq, v = kv.partition("=")
            if not eq or k not in ("file", "line", "endLine", "col", "endColumn", "title"):
                print("gh-check: line %d: bad property %r" % (n, kv), file=sys.stderr)
                sys.exit(1)
            out[k] = unescape(v, True)
        print(json.dumps(out, ensure_ascii=False, sort_keys=True))


main()
