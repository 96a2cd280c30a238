/* test_host_errors.c - the host driver model stops at once, with the device's own error, when the device fails mid-traffic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define VDPU "./build/vdpu"

/* An internal error at cycle 200,000 of a 100,000-frame run: the firmware sets DEVICE_NEEDS_RESET
 * and raises the config interrupt; the driver's config handler reads device_status and stops the
 * traffic there. Before, the host kept waiting for frames the stopped queues would never complete,
 * up to a cycle limit of two billion, and then reported a misleading timeout. */
static void needs_reset_stops(const char *engine, const char *extra)
{
    char cmd[256], out[16384];
    snprintf(cmd, sizeof cmd, VDPU " run -q --engine %s --workload net-tx --packets 100000 --dp-error-at 200000 %s",
             engine, extra);
    int st = sh(cmd, out, sizeof out);
    cr_assert_eq(st, 1, "exit %d:\n%s", st, out);
    cr_assert(strstr(out, "DEVICE_NEEDS_RESET"), "the failure names the device's error:\n%s", out);
    cr_assert(!strstr(out, "cycle limit"), "not a timeout:\n%s", out);
    const char *c = strstr(out, "\ncycles ");
    cr_assert(c, "no cycle count:\n%s", out);
    unsigned long long cyc = strtoull(c + 8, NULL, 10);
    cr_assert_lt(cyc, 300000ull, "the host stopped at cycle %llu, long after the error at 200,000", cyc);
}

Test(host_errors, needs_reset_stops_traffic_model, .timeout = 120) { needs_reset_stops("model", ""); }
Test(host_errors, needs_reset_stops_traffic_intx_model, .timeout = 120) { needs_reset_stops("model", "--intx"); }
Test(host_errors, needs_reset_stops_traffic_rtl, .timeout = 120) { needs_reset_stops("rtl", ""); }
Test(host_errors, needs_reset_stops_traffic_cosim, .timeout = 120) { needs_reset_stops("cosim", ""); }
Test(host_errors, needs_reset_stops_two_pairs_cosim, .timeout = 120) { needs_reset_stops("cosim", "--pairs 2"); }
