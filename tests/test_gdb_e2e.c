/* test_gdb_e2e.c - gdb-multiarch in batch mode debugging the real firmware inside a cosim run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"


static const char *digest_of(const char *out)
{
    const char *d = strstr(out, "digest ");
    cr_assert_not_null(d, "no digest in: %s", out);
    return d;
}

/* break at the feature-negotiation check, read a variable, step, continue to DRIVER_OK */
Test(gdb_e2e, breakpoint_read_step_continue_to_driver_ok, .timeout = 300)
{
    static char out[65536], ref[16384];
    int st = sh("timeout 240 gdb-multiarch -nx -batch build/fw/vdpu-fw.elf"
                " -ex 'target remote | ./build/vdpu run --engine cosim --seed 1 --gdb-stdio -q'"
                " -ex 'break policy_check_features' -ex 'continue'"
                " -ex 'print/x drv[1]' -ex 'print fw.status' -ex 'next' -ex 'info line *$pc'"
                " -ex 'delete' -ex 'continue'",
                out, sizeof out);
    cr_assert_eq(st, 0, "gdb-multiarch failed (%d): %s", st, out);
    cr_assert(strstr(out, "Breakpoint 1, policy_check_features"), "breakpoint not hit: %s", out);
    cr_assert(strstr(out, "$1 = 0x149"), "driver feature word 1 (VERSION_1|IN_ORDER|NOTIFICATION_DATA|RING_RESET): %s",
              out);
    cr_assert(strstr(out, "$2 = 3"), "device status ACKNOWLEDGE|DRIVER while negotiating: %s", out);
    cr_assert(strstr(out, "DRIVER_OK at cycle"), "run did not reach DRIVER_OK: %s", out);
    cr_assert(strstr(out, "result: PASS"), "%s", out);
    cr_assert(strstr(out, "exited normally"), "gdb did not see the run end: %s", out);
    /* virtual time is frozen while halted: the run is cycle-identical to one without a debugger */
    cr_assert_eq(sh("./build/vdpu run --engine cosim --seed 1 -q", ref, sizeof ref), 0);
    cr_assert_eq(strncmp(digest_of(out), digest_of(ref), 23), 0, "a debugged run must have the same digest");
}

Test(gdb_e2e, tcp_port_loopback, .timeout = 300)
{
    static char out[65536];
    /* try a few ports: one may be taken by something else on this machine */
    int st = sh("for try in 1 2 3 4 5; do port=$((20000 + ($$ * 7 + try * 131) % 40000)); rm -f build/gdb-tcp.log; "
                "(./build/vdpu run --engine model --gdb $port -q > build/gdb-tcp.log 2>&1 &); "
                "for i in $(seq 50); do grep -q 'listening\\|cannot\\|error' build/gdb-tcp.log 2>/dev/null && break; "
                "sleep 0.1; done; grep -q listening build/gdb-tcp.log && break; done; "
                "timeout 120 gdb-multiarch -nx -batch build/fw/vdpu-fw.elf -ex \"target remote 127.0.0.1:$port\""
                " -ex 'break policy_check_features' -ex 'continue' -ex 'stepi' -ex 'delete' -ex 'continue'; "
                "rc=$?; sleep 0.5; cat build/gdb-tcp.log; exit $rc",
                out, sizeof out);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(strstr(out, "listening on 127.0.0.1:"), "%s", out);
    cr_assert(strstr(out, "Breakpoint 1, policy_check_features"), "%s", out);
    cr_assert(strstr(out, "exited normally"), "%s", out);
    cr_assert(strstr(out, "result: PASS"), "%s", out);
}
