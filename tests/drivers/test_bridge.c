/* test_bridge.c - `vdpu vhost-user` itself: reconnects, refusals, idle cost, signals, cosim reports, client mode, usage. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drv_case.h"
#include "vdpu_regmap.h"

/* One testpmd session: connect, `bursts` bursts looped back, wait for the device, quit. */
static bool session(struct bridge_run *b, const char *devargs, unsigned bursts, uint64_t already, uint64_t *sent)
{
    struct proc tp = {0};
    char log[160];
    struct port_stats st, st2;
    snprintf(log, sizeof log, "%s/testpmd-%llu.log", b->dir, (unsigned long long)already);
    memset(&st2, 0, sizeof st2);
    const char *step = "testpmd start";
    bool ok = tp_spawn(&tp, b->sock, devargs, 1, log) == 0 && (step = "device start", bridge_wait_started(b, 120)) &&
              (step = "tx_first", tp_rxonly_burst(&tp, bursts, &st)) &&
              (step = "device idle", bridge_wait_idle(b, st.tx, (int64_t)st.tx, 120)) &&
              (step = "testpmd receive", tp_wait_rx(&tp, st.tx, 30)) &&
              (step = "testpmd quit", tp_finish(&tp, &st2) == 0) && (step = "counts", st2.tx == st.tx && st2.rx == st.tx);
    if (!ok)
        cr_log_error("session %s failed at %s: testpmd tx %llu rx %llu, device idle at %llu / %llu", devargs, step,
                     (unsigned long long)st2.tx, (unsigned long long)st2.rx, (unsigned long long)b->idle_tx,
                     (unsigned long long)b->idle_rx);
    *sent = st2.tx;
    proc_kill(&tp);
    return ok;
}

static uint64_t cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* fields after the command name */
    unsigned long long ut = 0, st = 0;
    if (p) sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st);
    return ut + st;
}

/* A frontend leaves, a new one connects: no restart of vdpu, the device starts afresh each time
 * (split, then packed). While connected but quiet the bridge sleeps: it burns (almost) no CPU. */
Test(bridge, reconnect_and_idle, .timeout = 600)
{
    struct bridge_run b;
    const char *extra[] = {"--exit-after", "2", NULL};
    cr_assert(bridge_prepare(&b, "rc"));
    bool ok = bridge_launch(&b, "model", extra);
    uint64_t a = 0, c = 0;
    ok = ok && session(&b, ",queues=1,packed_vq=0", 4, 0, &a);
    cr_expect(ok, "first frontend");
    /* the second one stays connected and idle a while before it sends */
    struct proc tp = {0};
    char log[160];
    struct port_stats st, st2;
    snprintf(log, sizeof log, "%s/testpmd-idle.log", b.dir);
    ok = ok && tp_spawn(&tp, b.sock, ",queues=1,packed_vq=1", 1, log) == 0 &&
         bridge_wait_started(&b, 120);
    sleep(1);
    uint64_t t0 = cpu_ticks(b.p.pid);
    sleep(3);
    uint64_t idle_ticks = cpu_ticks(b.p.pid) - t0;
    cr_expect(idle_ticks <= 15, "the bridge used %llu ticks of CPU in 3 s with an idle frontend: it should sleep",
              (unsigned long long)idle_ticks);
    ok = ok && tp_rxonly_burst(&tp, 4, &st) && bridge_wait_idle(&b, st.tx, (int64_t)st.tx, 120) &&
         tp_wait_rx(&tp, st.tx, 30) && tp_finish(&tp, &st2) == 0;
    c = st2.tx;
    proc_kill(&tp);
    int bs = ok ? bridge_end(&b, 60) : -1;
    cr_expect_eq(bs, 0, "bridge exit %d", bs);
    cr_expect_eq(b.tx_frames, a + c, "two connections: %llu + %llu frames, the device sent %llu", (unsigned long long)a,
                 (unsigned long long)c, (unsigned long long)b.tx_frames);
    matrix_line("bridge | reconnect split then packed | model | %llu + %llu frames | idle %llu ticks in 3 s",
                (unsigned long long)a, (unsigned long long)c, (unsigned long long)idle_ticks);
    bridge_cleanup(&b, !(ok && bs == 0));
    cr_assert(ok && bs == 0);
}

/* A ring the device cannot hold is refused at SET_VRING_NUM: testpmd is told and gives up, the
 * bridge neither hangs nor stops serving (the next frontend works). */
Test(bridge, refused_ring_size, .timeout = 300)
{
    struct bridge_run b;
    const char *extra[] = {"--exit-after", "2", NULL};
    cr_assert(bridge_prepare(&b, "rf"));
    bool ok = bridge_launch(&b, "model", extra);
    struct proc tp = {0};
    char log[160], line[512], arg[64], size[16];
    snprintf(log, sizeof log, "%s/testpmd-refused.log", b.dir);
    /* a power of two above queue_size's maximum (QSIZE_MAX) */
    snprintf(size, sizeof size, "%u", 2u * VDPU_QSIZE_MAX);
    snprintf(arg, sizeof arg, ",queues=1,queue_size=%s", size);
    ok = ok && tp_spawn(&tp, b.sock, arg, 1, log) == 0;
    bool told = ok && proc_expect(&b.p, "refused", 60, line, sizeof line);
    cr_expect(told, "the bridge did not report the refusal");
    cr_expect(strstr(line, size), "the refusal names the size: %s", line);
    proc_send(&tp, "quit");
    proc_wait(&tp, 60); /* testpmd may or may not have a port left to quit from */
    uint64_t sent = 0;
    ok = ok && told && session(&b, ",queues=1", 2, 0, &sent);
    cr_expect(ok, "the next frontend was not served");
    int bs = ok ? bridge_end(&b, 60) : -1;
    cr_expect_eq(bs, 0);
    bridge_cleanup(&b, !(ok && bs == 0));
    cr_assert(ok && bs == 0);
}

/* SIGTERM while a frontend is connected: every output file is complete (JSON parses, the pcap
 * reads, the FST exists), exit 0. */
Test(bridge, sigterm_flushes_outputs, .timeout = 300)
{
    struct bridge_run b;
    cr_assert(bridge_prepare(&b, "st"));
    char wave[160];
    snprintf(wave, sizeof wave, "%s/run.fst", b.dir);
    const char *extra[] = {"--wave", wave, NULL};
    bool ok = bridge_launch(&b, "rtl", extra);
    struct proc tp = {0};
    char log[160];
    struct port_stats st;
    snprintf(log, sizeof log, "%s/testpmd.log", b.dir);
    ok = ok && tp_spawn(&tp, b.sock, ",queues=1", 1, log) == 0 && bridge_wait_started(&b, 120) &&
         tp_rxonly_burst(&tp, 2, &st) && bridge_wait_idle(&b, st.tx, (int64_t)st.tx, 120);
    cr_expect(ok, "traffic before the signal");
    kill(b.p.pid, SIGTERM);
    int bs = bridge_end(&b, 60);
    cr_expect_eq(bs, 0, "exit status %d after SIGTERM", bs);
    uint64_t bytes;
    cr_expect_eq(pcap_count(b.pcap_out, &bytes), (int64_t)st.tx, "the pcap holds every frame sent");
    FILE *f = fopen(b.json, "r");
    char buf[16384] = {0};
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    cJSON *j = n ? cJSON_Parse(buf) : NULL;
    cJSON *pk = j ? cJSON_GetObjectItem(j, "packets") : NULL;
    cr_expect(pk && (uint64_t)pk->valuedouble == st.tx, "JSON packets = frames sent");
    cJSON_Delete(j);
    struct stat ws;
    cr_expect(stat(wave, &ws) == 0 && ws.st_size > 1000, "the FST wave was written");
    proc_send(&tp, "quit");
    proc_kill(&tp);
    bridge_cleanup(&b, !(ok && bs == 0));
}

/* A cosim mismatch stops the backend with the usual report (the model is made wrong on purpose). */
Test(bridge, cosim_mismatch_stops, .timeout = 300)
{
    struct bridge_run b;
    const char *extra[] = {"--inject-fault", "msix-data", NULL};
    cr_assert(bridge_prepare(&b, "cm"));
    bool ok = bridge_launch(&b, "cosim", extra);
    struct proc tp = {0};
    char log[160];
    snprintf(log, sizeof log, "%s/testpmd.log", b.dir);
    ok = ok && tp_spawn(&tp, b.sock, ",queues=1", 1, log) == 0;
    bool reported = ok && proc_expect(&b.p, "MISMATCH", 120, NULL, 0);
    cr_expect(reported, "no mismatch report");
    int bs = proc_wait(&b.p, 60);
    cr_expect_eq(bs, 1, "exit status %d (1: a check failed)", bs);
    proc_kill(&tp);
    bridge_cleanup(&b, !(reported && bs == 1));
}

/* --client: testpmd's virtio-user is the socket server, the bridge connects to it. */
Test(bridge, client_mode, .timeout = 300)
{
    struct bridge_run b;
    cr_assert(bridge_prepare(&b, "cl"));
    struct proc tp = {0};
    char log[160], devargs[64];
    struct port_stats st, st2;
    snprintf(log, sizeof log, "%s/testpmd.log", b.dir);
    snprintf(devargs, sizeof devargs, ",queues=1,server=1");
    bool ok = tp_spawn(&tp, b.sock, devargs, 1, log) == 0;
    for (int i = 0; ok && i < 100 && access(b.sock, F_OK); i++) usleep(100000); /* testpmd creates the socket */
    const char *extra[] = {"--client", NULL};
    ok = ok && bridge_launch(&b, "model", extra) && bridge_wait_started(&b, 120) &&
         tp_rxonly_burst(&tp, 2, &st) && bridge_wait_idle(&b, st.tx, (int64_t)st.tx, 120) &&
         tp_wait_rx(&tp, st.tx, 30) && tp_finish(&tp, &st2) == 0;
    cr_expect(ok, "client-mode traffic");
    int bs = ok ? bridge_end(&b, 60) : -1;
    cr_expect_eq(bs, 0);
    cr_expect_eq(b.tx_frames, st2.tx);
    proc_kill(&tp);
    bridge_cleanup(&b, !(ok && bs == 0));
}

/* Bad arguments: one line on stderr, exit 2, nothing started. */
Test(bridge, usage_errors)
{
    static const char *const bad[] = {
        VDPU_BIN " vhost-user",
        VDPU_BIN " vhost-user --socket /tmp/x.sock --sink --loopback",
        VDPU_BIN " vhost-user --socket /tmp/x.sock --exit-after 0",
        VDPU_BIN " vhost-user --socket /tmp/x.sock --bogus",
        VDPU_BIN " vhost-user --socket /tmp/x.sock --fw builtin",
        VDPU_BIN " vhost-user --socket /tmp/x.sock --pcap-in /nonexistent.pcap",
        VDPU_BIN " vhost-user --socket /tmp/x.sock --json /nonexistent/dir/x.json",
        VDPU_BIN " vhost-user --socket /tmp/x.sock --engine model --wave /tmp/w.fst",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cmd[512], out[2048] = {0};
        snprintf(cmd, sizeof cmd, "%s 2>&1 >/dev/null", bad[i]);
        FILE *p = popen(cmd, "r");
        size_t n = fread(out, 1, sizeof out - 1, p);
        int st = pclose(p);
        out[n] = 0;
        cr_expect_eq(WEXITSTATUS(st), 2, "'%s' exited %d", bad[i], WEXITSTATUS(st));
        cr_expect(n > 0 && strchr(out, '\n') == out + n - 1, "'%s': want one line, got: %s", bad[i], out);
    }
}
