# SPDX-License-Identifier: MIT
# hostile-leaks.py OUT: a leaks.json whose function, file and program names
# hold ill-formed UTF-8 (raw bytes, as libkalloc writes names the way the
# binary has them), markup, quotes, newlines, CR, TAB, a C0 control, %,
# "::", commas and colons. The JSON text itself is what the parser accepts.
import sys

FRAME = '{"function":"%s","file":"%s","line":%d,"object":"/src/a.out"}'
evil = FRAME % ('evil<b>&amp;\\"\'</b>\\n::error file=x::pwned%0A', "/src/dir with space/evil%,x:y<z>.c", 7)
bad = FRAME % ("bad\xff\xfeutf8\xc0\xaf\\r\\t\\u0001end", "/src/\xed\xa0\x80.c", 9)
main = FRAME % ("main", "/src/main.c", 3)
doc = ('{"schema":"kprof-leaks/1","program":"/bin/pro\xffg<&>\\"x\\"",'
       '"definitely_lost":{"blocks":2,"bytes":64},"indirectly_lost":{"blocks":0,"bytes":0},'
       '"still_reachable":{"blocks":0,"bytes":0},"suppressed":{"blocks":0,"bytes":0},"leaks":['
       '{"kind":"definite","blocks":1,"bytes":32,"stack":[%s,%s]},'
       '{"kind":"definite","blocks":1,"bytes":32,"stack":[%s]}]}') % (evil, main, bad)
# every character above is < 256: latin-1 turns each into that very byte
open(sys.argv[1], "wb").write(doc.encode("latin-1"))
