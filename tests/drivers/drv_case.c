/* drv_case.c - start, watch and stop `vdpu vhost-user` for the real-client tests. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "drv_case.h"

bool bridge_prepare(struct bridge_run *b, const char *tag)
{
    memset(b, 0, sizeof *b);
    if (tmpdir_make(b->dir, sizeof b->dir, tag)) return false;
    snprintf(b->sock, sizeof b->sock, "%s/vhost.sock", b->dir);
    snprintf(b->log, sizeof b->log, "%s/bridge.log", b->dir);
    snprintf(b->pcap_out, sizeof b->pcap_out, "%s/tx.pcap", b->dir);
    snprintf(b->json, sizeof b->json, "%s/run.json", b->dir);
    return true;
}

bool bridge_launch(struct bridge_run *b, const char *engine, const char *const *extra)
{
    char *argv[48];
    unsigned n = 0;
    argv[n++] = VDPU_BIN;
    argv[n++] = "vhost-user";
    argv[n++] = "--engine";
    argv[n++] = (char *)engine;
    argv[n++] = "--socket";
    argv[n++] = b->sock;
    argv[n++] = "--exit-after";
    argv[n++] = "1";
    argv[n++] = "--pcap-out";
    argv[n++] = b->pcap_out;
    argv[n++] = "--json";
    argv[n++] = b->json;
    for (unsigned i = 0; extra && extra[i] && n < 47; i++) argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    if (proc_spawn(&b->p, "bridge", argv, false, b->log)) return false;
    return proc_expect(&b->p, "vdpu vhost-user: socket ", 120, NULL, 0);
}

bool bridge_wait_started(struct bridge_run *b, double timeout_s)
{
    b->idle_tx = b->idle_rx = UINT64_MAX; /* idle reports count per connection */
    return proc_expect(&b->p, "device started", timeout_s, NULL, 0);
}

bool bridge_wait_idle(struct bridge_run *b, uint64_t tx, int64_t rx, double timeout_s)
{
    char line[512];
    if (b->idle_tx == tx && (rx < 0 || b->idle_rx == (uint64_t)rx)) return true;
    while (proc_expect(&b->p, "idle at cycle", timeout_s, line, sizeof line)) {
        unsigned long long cyc, t, r;
        if (sscanf(strstr(line, "idle at cycle"), "idle at cycle %llu: %llu frames transmitted, %llu received", &cyc, &t,
                   &r) != 3)
            continue;
        b->idle_tx = t;
        b->idle_rx = r;
        if (t == tx && (rx < 0 || r == (uint64_t)rx)) return true;
    }
    return false;
}

int bridge_end(struct bridge_run *b, double timeout_s)
{
    char line[512];
    for (unsigned i = 0; i < 4; i++) b->stop_avail[i] = b->stop_used[i] = -1;
    while (proc_expect(&b->p, "] ", timeout_s, line, sizeof line)) {
        unsigned v, a, u;
        const char *s = strstr(line, "] vring ");
        if (s && sscanf(s, "] vring %u stopped at avail 0x%x used 0x%x", &v, &a, &u) == 3 && v < 4) {
            b->stop_avail[v] = (int)a;
            b->stop_used[v] = (int)u;
        }
        if (strstr(line, "connection") && strstr(line, "frames transmitted")) break;
    }
    if (proc_expect(&b->p, "network port:", timeout_s, line, sizeof line)) {
        unsigned long long t = 0, r = 0, tb, rb;
        const char *s = strstr(line, "network port:");
        if (sscanf(s, "network port: %llu frames transmitted (%llu bytes), %llu received (%llu bytes)", &t, &tb, &r, &rb) == 4) {
            b->tx_frames = t;
            b->rx_frames = r;
        }
    }
    if (proc_expect(&b->p, " ms simulated) in ", timeout_s, line, sizeof line)) {
        unsigned long long c;
        double ms, w;
        if (sscanf(line, "cycles %llu (%lf ms simulated) in %lf s wall", &c, &ms, &w) == 3) {
            b->cycles = c;
            b->wall = w;
        }
    }
    return proc_wait(&b->p, timeout_s);
}

void bridge_cleanup(struct bridge_run *b, bool keep)
{
    proc_kill(&b->p);
    if (keep) {
        char tail[2048];
        proc_log_tail(b->log, tail, sizeof tail);
        fprintf(stderr, "--- bridge log (%s), last lines:\n%s\n---\n", b->log, tail);
    } else {
        tmpdir_remove(b->dir);
    }
}

void case_finish(struct bridge_run *b, struct proc *frontend, const char *what, const char *log, bool ok)
{
    if (!ok) {
        char tail[3000];
        proc_log_tail(log, tail, sizeof tail);
        fprintf(stderr, "--- %s (%s):\n%s\n---\n", what, log, tail);
    }
    proc_kill(frontend);
    bridge_cleanup(b, !ok);
    cr_assert(ok, "%s case failed (logs above)", what);
}

void matrix_line(const char *fmt, ...)
{
    char s[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    fprintf(stderr, "[matrix] %s\n", s);
    FILE *f = fopen("build/tests/driver-matrix.txt", "a");
    if (f) {
        fprintf(f, "%s\n", s);
        fclose(f);
    }
}

/* ---- DPDK testpmd ---- */

/* "show port stats 0" and parse its RX/TX lines. */
bool tp_stats(struct proc *tp, struct port_stats *st)
{
    char line[512];
    proc_send(tp, "show port stats 0");
    if (!proc_expect(tp, "NIC statistics for port 0", 30, NULL, 0)) return false;
    unsigned long long a, b, c;
    if (!proc_expect(tp, "RX-packets:", 10, line, sizeof line) ||
        sscanf(strstr(line, "RX-packets:"), "RX-packets: %llu RX-missed: %llu RX-bytes: %llu", &a, &b, &c) != 3)
        return false;
    st->rx = a;
    st->rx_bytes = c;
    if (!proc_expect(tp, "TX-packets:", 10, line, sizeof line) ||
        sscanf(strstr(line, "TX-packets:"), "TX-packets: %llu TX-errors: %llu TX-bytes: %llu", &a, &b, &c) != 3)
        return false;
    st->tx = a;
    st->tx_bytes = c;
    return true;
}

/* A capture of n UDP-looking frames of 60..1014 bytes for the io case. */
bool write_capture(const char *path, unsigned n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    uint32_t gh[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
    bool ok = fwrite(gh, sizeof gh, 1, f) == 1;
    for (unsigned i = 0; i < n && ok; i++) {
        uint8_t fr[1514];
        unsigned len = 60 + (i * 97) % 955;
        memset(fr, 0, sizeof fr);
        const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x01}, src[6] = {0x02, 0, 0, 0, 0, 0x02};
        memcpy(fr, dst, 6);
        memcpy(fr + 6, src, 6);
        fr[12] = 0x08;
        for (unsigned k = 14; k < len; k++) fr[k] = (uint8_t)(i + k);
        uint32_t rh[4] = {i, 0, len, len};
        ok = fwrite(rh, sizeof rh, 1, f) == 1 && fwrite(fr, len, 1, f) == 1;
    }
    return fclose(f) == 0 && ok;
}


int tp_spawn(struct proc *tp, const char *sock, const char *devargs, unsigned queues, const char *log)
{
    static unsigned seq;
    char vdev[320], prefix[48], rxq[16], txq[16];
    snprintf(prefix, sizeof prefix, "vdpu-tp-%d-%u", (int)getpid(), seq++);
    snprintf(vdev, sizeof vdev, "net_virtio_user0,path=%s%s", sock, devargs);
    snprintf(rxq, sizeof rxq, "--rxq=%u", queues);
    snprintf(txq, sizeof txq, "--txq=%u", queues);
    /* stdbuf: testpmd's prompt answers must reach the pipe line by line */
    char *argv[] = {"timeout", "-k", "5", "240", "stdbuf", "-oL", "dpdk-testpmd", "-l", "0-1", "--no-huge", "-m",
                    "512", "--no-pci", "--no-shconf", "--file-prefix", prefix, "--vdev", vdev, "--", "-i",
                    "--no-flush-rx", "--total-num-mbufs=8192", rxq, txq, "--nb-cores=1", NULL};
    return proc_spawn(tp, "testpmd", argv, true, log);
}

bool tp_rxonly_burst(struct proc *tp, unsigned bursts, struct port_stats *st)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "start tx_first %u", bursts);
    proc_send(tp, "set fwd rxonly");
    proc_send(tp, cmd);
    return tp_stats(tp, st);
}

bool tp_wait_rx(struct proc *tp, uint64_t rx, double timeout_s)
{
    struct port_stats st;
    for (double t = 0; t < timeout_s; t += 0.1) {
        if (!tp_stats(tp, &st)) return false;
        if (st.rx >= rx) return true;
        usleep(100000);
    }
    return false;
}

int tp_finish(struct proc *tp, struct port_stats *st)
{
    proc_send(tp, "stop");
    bool ok = tp_stats(tp, st);
    proc_send(tp, "quit");
    int rc = proc_wait(tp, 60);
    return ok ? rc : -1;
}

bool qemu_monitor(const char *path, const char *cmd, char *reply, size_t n)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
        cr_log_error("monitor %s: cannot connect", path);
        if (fd >= 0) close(fd);
        return false;
    }
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    static char buf[16384];
    size_t len = 0;
    bool sent = false;
    const char *answer = NULL;
    while (!answer && len < sizeof buf - 1) {
        ssize_t k = read(fd, buf + len, sizeof buf - 1 - len);
        if (k <= 0) break;
        len += (size_t)k;
        buf[len] = 0;
        char *first = strstr(buf, "(qemu)");
        if (first && !sent) {
            char line[256];
            int l = snprintf(line, sizeof line, "%s\n", cmd);
            sent = write(fd, line, (size_t)l) == l;
        }
        if (sent && first && strstr(first + 6, "(qemu)")) answer = first + 6;
    }
    close(fd);
    if (!answer && sent && !strcmp(cmd, "quit")) return true; /* QEMU exits without a prompt */
    if (!answer) cr_log_error("monitor: '%s' not answered: %s", cmd, buf);
    else if (reply) snprintf(reply, n, "%s", answer);
    return answer != NULL;
}
