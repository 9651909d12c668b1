# SPDX-License-Identifier: MIT
# gdb-compare.py: run a corpus program under gdb (gdb -batch -x this
# --args PROGRAM ...) with UW_GDB=K set. At every uw_gdb_mark() stop the
# harness has stored its CFI walk in uw_gdb_pcs[0..uw_gdb_n); this
# compares it with gdb's own backtrace from frame uw_gdb_skip on (real
# frames only: inlined calls, which gdb shows as extra frames at the same
# pc, and the tail calls it infers from call-site records are not on the
# stack) and prints one line per stop:
#   uw-gdb: same frames=N
#   uw-gdb: differ first=I cfi=N gdb=M
# followed by the two stacks for the first few differences.
import gdb

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set print thread-events off")
gdb.execute("set backtrace past-main on")
gdb.execute("set backtrace past-entry on")
gdb.execute("set backtrace limit unlimited")
for sig in ("SIGPROF", "SIGALRM", "SIGUSR1", "SIGUSR2"):
    gdb.execute("handle %s nostop noprint pass" % sig)

shown = [0]


def name(pc):
    try:
        s = gdb.execute("info symbol 0x%x" % pc, to_string=True).strip()
    except gdb.error:
        s = "??"
    return s


class Mark(gdb.Breakpoint):
    def stop(self):
        n = int(gdb.parse_and_eval("uw_gdb_n"))
        skip = int(gdb.parse_and_eval("uw_gdb_skip"))
        pcs = gdb.parse_and_eval("uw_gdb_pcs")
        ours = [int(pcs[i]) & 0xFFFFFFFFFFFFFFFF for i in range(n)]
        theirs = []
        f = gdb.newest_frame()
        i = 0
        try:
            while f is not None and len(theirs) < n + 16:
                # Inlined calls and the tail calls gdb infers from DWARF
                # call-site records are not frames on the stack.
                if f.type() not in (gdb.INLINE_FRAME, gdb.TAILCALL_FRAME):
                    if i >= skip:
                        theirs.append(f.pc())
                    i += 1
                f = f.older()
        except gdb.error as e:
            theirs.append(-1)
        if ours == theirs:
            print("uw-gdb: same frames=%d" % n)
            return False
        first = 0
        while first < len(ours) and first < len(theirs) and ours[first] == theirs[first]:
            first += 1
        print("uw-gdb: differ first=%d cfi=%d gdb=%d" % (first, len(ours), len(theirs)))
        if shown[0] < 5:
            shown[0] += 1
            for k in range(max(len(ours), len(theirs))):
                a = "0x%x %s" % (ours[k], name(ours[k])) if k < len(ours) else "-"
                b = "0x%x %s" % (theirs[k], name(theirs[k])) if k < len(theirs) and theirs[k] >= 0 else "-"
                print("uw-gdb:   #%-3d cfi %s | gdb %s" % (k, a, b))
        return False


Mark("uw_gdb_mark", internal=True)
gdb.execute("run")
