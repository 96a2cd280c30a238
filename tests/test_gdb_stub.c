/* test_gdb_stub.c - the GDB stub over a socketpair against a fake CPU: packets, checksums, breakpoints, step, Ctrl-C, kill. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gdb_stub.h"

#define MEM_BASE 0x1000u
#define MEM_SIZE 0x100u              /* the fake program: a loop of 64 four-byte "instructions" */
#define LOOP_LEN (MEM_SIZE / 4)
#define STEP_LIMIT 200000000ull      /* the fake CPU gives up eventually, so no test can spin forever */
#define WAIT_MS 5000                 /* longest wait for any reply */
#define REG_MEPC (65 + 0x341)

struct fake {
    rv_cpu_t cpu;
    uint8_t mem[MEM_SIZE];
    gdb_stub_t *g;
    int client;       /* the GDB side of the connection */
    bool noack;
    pthread_t th;
    atomic_bool done;
    uint64_t halt_at; /* the "simulator" requests a halt when this many instructions retired (0: never) */
    bool stalled;
    uint16_t port;    /* TCP test: where the stub listens */
    uint64_t limit;   /* hook calls before the fake simulation ends by itself (0: STEP_LIMIT) */
    int exit_code;    /* when it does: report this exit status to GDB (0: do not) */
};

static bool fake_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    struct fake *f = ctx;
    if (addr < MEM_BASE || addr - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (addr - MEM_BASE)) return false;
    memcpy(buf, f->mem + (addr - MEM_BASE), len);
    return true;
}

static bool fake_write(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    struct fake *f = ctx;
    if (addr < MEM_BASE || addr - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (addr - MEM_BASE)) return false;
    memcpy(f->mem + (addr - MEM_BASE), buf, len);
    return true;
}

/* One "instruction": t0 (x5) counts, pc walks the loop. Instructions at pc with bit 2 set stall once first,
 * as a real memory wait would, so the hook runs twice for them. */
static void fake_exec(struct fake *f)
{
    rv_cpu_t *c = &f->cpu;
    if ((c->pc & 4) && !f->stalled) {
        f->stalled = true;
        return;
    }
    f->stalled = false;
    c->x[5]++;
    c->pc = MEM_BASE + (c->pc - MEM_BASE + 4) % MEM_SIZE;
    c->retired++;
    if (f->halt_at && c->retired == f->halt_at) gdb_stub_request_halt(f->g);
}

static void run_cpu(struct fake *f)
{
    for (uint64_t i = 0; i < (f->limit ? f->limit : STEP_LIMIT); i++) {
        gdb_before_step(f->g, &f->cpu);
        if (!gdb_stub_connected(f->g)) break;
        fake_exec(f);
    }
    if (f->exit_code) gdb_stub_report_exit(f->g, f->exit_code);
    atomic_store(&f->done, true);
}

static void *cpu_thread(void *arg)
{
    run_cpu(arg);
    return NULL;
}

static void init_fake(struct fake *f)
{
    for (unsigned i = 1; i < 32; i++) f->cpu.x[i] = 0x10000000u | i;
    f->cpu.x[5] = 0; /* the instruction counter */
    f->cpu.pc = MEM_BASE;
    f->cpu.csr.mepc = 0xABCD;
    for (unsigned i = 0; i < MEM_SIZE; i++) f->mem[i] = (uint8_t)i;
    struct gdb_target t = {f, &f->cpu, fake_read, fake_write};
    gdb_stub_attach(f->g, &t);
}

static struct fake *start_halt_at(uint64_t halt_at)
{
    struct fake *f = calloc(1, sizeof *f);
    cr_assert_not_null(f);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    f->g = gdb_stub_fds(sv[0], sv[0]);
    cr_assert_not_null(f->g);
    f->client = sv[1];
    f->halt_at = halt_at;
    init_fake(f);
    cr_assert_eq(pthread_create(&f->th, NULL, cpu_thread, f), 0);
    return f;
}

static struct fake *start(void) { return start_halt_at(0); }

/* the CPU thread ends within WAIT_MS */
static void join(struct fake *f)
{
    for (int i = 0; i < WAIT_MS && !atomic_load(&f->done); i++) usleep(1000);
    cr_assert(atomic_load(&f->done), "the simulation did not resume after the debugger left");
    pthread_join(f->th, NULL);
}

static void finish(struct fake *f)
{
    if (f->client >= 0) close(f->client); /* the stub sees the connection drop and lets the CPU go */
    join(f);
    gdb_stub_close(f->g);
    free(f);
}

/* next byte from the stub, -1 on EOF; fails the test after WAIT_MS */
static int rd(struct fake *f)
{
    struct pollfd p = {.fd = f->client, .events = POLLIN};
    cr_assert_gt(poll(&p, 1, WAIT_MS), 0, "no reply from the stub");
    unsigned char c;
    return read(f->client, &c, 1) == 1 ? c : -1;
}

static void raw(struct fake *f, const void *s, size_t len)
{
    cr_assert_eq(write(f->client, s, len), (ssize_t)len);
}

static void frame(struct fake *f, const char *payload, size_t len, bool good_sum)
{
    unsigned char sum = 0;
    for (size_t i = 0; i < len; i++) sum += (unsigned char)payload[i];
    char tail[4];
    snprintf(tail, sizeof tail, "#%02x", good_sum ? sum : (unsigned char)(sum + 1));
    raw(f, "$", 1);
    raw(f, payload, len);
    raw(f, tail, 3);
}

static void send_bin(struct fake *f, const char *payload, size_t len)
{
    frame(f, payload, len, true);
    if (!f->noack) cr_assert_eq(rd(f), '+');
}

static void send_pkt(struct fake *f, const char *payload) { send_bin(f, payload, strlen(payload)); }

static char *recv_pkt(struct fake *f)
{
    static char buf[8192];
    int c;
    while ((c = rd(f)) != '$') cr_assert_neq(c, -1, "connection closed instead of a reply");
    size_t n = 0;
    unsigned char sum = 0;
    while ((c = rd(f)) != '#') {
        cr_assert_neq(c, -1);
        cr_assert_lt(n, sizeof buf - 1);
        buf[n++] = (char)c;
        sum += (unsigned char)c;
    }
    buf[n] = 0;
    char hex[3] = {(char)rd(f), (char)rd(f), 0};
    cr_assert_eq(strtoul(hex, NULL, 16), sum, "bad checksum from the stub on '%s'", buf);
    if (!f->noack) raw(f, "+", 1);
    return buf;
}

static char *xfer(struct fake *f, const char *payload)
{
    send_pkt(f, payload);
    return recv_pkt(f);
}

static void expect(struct fake *f, const char *payload, const char *reply)
{
    cr_assert_str_eq(xfer(f, payload), reply, "request '%s'", payload);
}

/* register n through 'p' */
static uint32_t reg(struct fake *f, unsigned n)
{
    char req[16];
    snprintf(req, sizeof req, "p%x", n);
    const char *r = xfer(f, req);
    cr_assert_eq(strlen(r), 8, "p%x -> '%s'", n, r);
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) {
        unsigned b;
        sscanf(r + 2 * i, "%2x", &b);
        v = v << 8 | b;
    }
    return v;
}

Test(gdb_stub, starts_halted_and_answers_queries, .timeout = 20)
{
    struct fake *f = start();
    expect(f, "?", "S05");
    const char *sup = xfer(f, "qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
    cr_assert(strstr(sup, "PacketSize=1000"), "%s", sup);
    cr_assert(strstr(sup, "swbreak+"), "%s", sup);
    expect(f, "qAttached", "1");
    expect(f, "qC", "QC1");
    expect(f, "qfThreadInfo", "m1");
    expect(f, "qsThreadInfo", "l");
    expect(f, "Hg0", "OK");
    expect(f, "Hc-1", "OK");
    expect(f, "vCont?", "");
    expect(f, "qTStatus", "");
    expect(f, "!", "");
    finish(f);
}

Test(gdb_stub, bad_checksum_is_nacked_and_resent, .timeout = 20)
{
    struct fake *f = start();
    frame(f, "?", 1, false);
    cr_assert_eq(rd(f), '-');
    frame(f, "?", 1, true);
    cr_assert_eq(rd(f), '+');
    cr_assert_str_eq(recv_pkt(f), "S05");
    /* garbage between packets, a truncated packet restarted by '$', a non-hex checksum */
    raw(f, "+++\x03junk$g$?#3f", 15);
    cr_assert_eq(rd(f), '+');
    cr_assert_str_eq(recv_pkt(f), "S05");
    raw(f, "$?#zz", 5);
    cr_assert_eq(rd(f), '-');
    /* the stub resends a reply we nack */
    send_pkt(f, "qC");
    cr_assert_str_eq(recv_pkt(f), "QC1");
    f->noack = true; /* do not ack the next reply ourselves */
    send_bin(f, "qAttached", 9);
    cr_assert_eq(rd(f), '+');
    cr_assert_str_eq(recv_pkt(f), "1");
    raw(f, "-", 1);
    cr_assert_str_eq(recv_pkt(f), "1");
    raw(f, "+", 1);
    f->noack = false;
    expect(f, "?", "S05");
    finish(f);
}

Test(gdb_stub, registers_g_G_p_P, .timeout = 20)
{
    struct fake *f = start();
    const char *g = xfer(f, "g");
    cr_assert_eq(strlen(g), 33 * 8, "%s", g);
    cr_assert(!strncmp(g, "00000000", 8));
    cr_assert(!strncmp(g + 8, "01000010", 8), "x1 little-endian: %.8s", g + 8);
    cr_assert(!strncmp(g + 32 * 8, "00100000", 8), "pc: %.8s", g + 256);
    cr_assert_eq(reg(f, 31), 0x1000001F);
    cr_assert_eq(reg(f, 32), MEM_BASE);
    cr_assert_eq(reg(f, REG_MEPC), 0xABCD);

    char G[1 + 33 * 8 + 1] = "G";
    for (unsigned i = 0; i < 33; i++) snprintf(G + 1 + 8 * i, 9, "%02x%02x0000", i, 0xA0);
    expect(f, G, "OK");
    cr_assert_eq(reg(f, 0), 0, "x0 stays zero");
    cr_assert_eq(reg(f, 7), 0xA007);
    cr_assert_eq(reg(f, 32), 0xA020);
    expect(f, "P20=04100000", "OK");
    cr_assert_eq(reg(f, 32), 0x1004);
    expect(f, "P3=efbeadde", "OK");
    cr_assert_eq(reg(f, 3), 0xDEADBEEF);
    expect(f, "P0=ffffffff", "OK");
    cr_assert_eq(reg(f, 0), 0);
    char req[32];
    snprintf(req, sizeof req, "P%x=78563412", REG_MEPC);
    expect(f, req, "OK");
    cr_assert_eq(reg(f, REG_MEPC), 0x12345678);
    expect(f, "p21", "E02"); /* an FP register: this core has none */
    finish(f);
}

Test(gdb_stub, memory_m_M_X, .timeout = 20)
{
    struct fake *f = start();
    expect(f, "m1000,8", "0001020304050607");
    expect(f, "M1004,2:beef", "OK");
    expect(f, "m1004,2", "beef");
    /* X: binary, with '}' escaping the bytes that would frame the packet */
    static const char x[] = "X1008,3:}]}\x03" "A";
    send_bin(f, x, sizeof x - 1);
    cr_assert_str_eq(recv_pkt(f), "OK");
    expect(f, "m1008,3", "7d2341");
    expect(f, "X1000,0:", "OK");
    expect(f, "m10fe,8", "feff"); /* a read running off the end returns what is readable */
    expect(f, "m0,4", "E14");
    expect(f, "M0,1:00", "E14");
    expect(f, "m1000,0", "");
    finish(f);
}

Test(gdb_stub, malformed_packets_get_errors, .timeout = 20)
{
    struct fake *f = start();
    static const char *const bad[] = {
        "m", "mzz,4", "m1000", "m1000,", "m1000,4x", "m11111111111111111,1", "M1000,4:zz", "M1000,2:abc",
        "M1000,4:00", "M1000", "X1000,2:a", "G12", "Gzz", "p", "pzz", "p1x", "P1", "P1=", "P1=123", "P1=zzzzzzzz",
        "P1=0000000000", "Z0", "Z0,", "Z0,1000", "Z0,zz,4", "z0,1000,", "c1000x", "sq", "Cxx", "S05;zz",
        "qXfer:features:read:foo.xml:0,10", "qXfer:features:read:target.xml:zz", "g1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *r = xfer(f, bad[i]);
        cr_assert_eq(r[0], 'E', "'%s' -> '%s'", bad[i], r);
    }
    expect(f, "Z2,1000,4", ""); /* watchpoints: unsupported, not an error */
    expect(f, "Z1,1000", "E01");
    expect(f, "", "");
    /* longer than the advertised PacketSize: acked, refused */
    static char big[6000];
    memset(big, 'M', sizeof big);
    send_bin(f, big, sizeof big);
    cr_assert_str_eq(recv_pkt(f), "E01");
    cr_assert_eq(reg(f, 32), MEM_BASE, "nothing moved");
    expect(f, "?", "S05");
    finish(f);
}

Test(gdb_stub, target_xml_in_chunks, .timeout = 20)
{
    struct fake *f = start();
    cr_assert(strstr(xfer(f, "qSupported"), "qXfer:features:read+"));
    char xml[8192] = "";
    size_t off = 0;
    for (int i = 0; i < 100; i++) {
        char req[64];
        snprintf(req, sizeof req, "qXfer:features:read:target.xml:%zx,80", off);
        const char *r = xfer(f, req);
        cr_assert(r[0] == 'm' || r[0] == 'l', "%s", r);
        cr_assert_leq(strlen(r + 1), 0x80);
        strcat(xml, r + 1);
        off += strlen(r + 1);
        if (r[0] == 'l') break;
    }
    cr_assert(strstr(xml, "<architecture>riscv:rv32</architecture>"), "%s", xml);
    cr_assert(strstr(xml, "org.gnu.gdb.riscv.cpu"));
    cr_assert(strstr(xml, "<reg name=\"zero\""));
    cr_assert(strstr(xml, "<reg name=\"t6\""));
    cr_assert(strstr(xml, "<reg name=\"pc\""));
    cr_assert(strstr(xml, "</target>"));
    expect(f, "qXfer:features:read:target.xml:ffff,10", "l");
    finish(f);
}

Test(gdb_stub, single_step_runs_one_instruction, .timeout = 20)
{
    struct fake *f = start();
    for (unsigned i = 1; i <= 3; i++) { /* 0x1004 stalls once: still one instruction */
        expect(f, "s", "S05");
        cr_assert_eq(reg(f, 32), MEM_BASE + 4 * i);
        cr_assert_eq(reg(f, 5), i);
    }
    expect(f, "s1020", "S05");
    cr_assert_eq(reg(f, 32), 0x1024);
    cr_assert_eq(reg(f, 5), 4);
    expect(f, "S05;1040", "S05");
    cr_assert_eq(reg(f, 32), 0x1044);
    finish(f);
}

Test(gdb_stub, software_breakpoint_hits_every_time_round, .timeout = 20)
{
    struct fake *f = start();
    expect(f, "Z0,1010,4", "OK");
    expect(f, "Z0,1010,4", "OK"); /* inserting twice is harmless */
    expect(f, "c", "T05swbreak:;");
    cr_assert_eq(reg(f, 32), 0x1010);
    uint32_t n = reg(f, 5);
    cr_assert_eq(n, 4);
    expect(f, "?", "T05swbreak:;");
    /* resuming from the breakpoint runs its instruction, then hits it again one loop later */
    expect(f, "c", "T05swbreak:;");
    cr_assert_eq(reg(f, 32), 0x1010);
    cr_assert_eq(reg(f, 5) - n, LOOP_LEN);
    /* a breakpoint at a stalling instruction stops once, not on every retry */
    expect(f, "Z0,1014,2", "OK");
    expect(f, "c", "T05swbreak:;");
    cr_assert_eq(reg(f, 32), 0x1014);
    expect(f, "c", "T05swbreak:;");
    cr_assert_eq(reg(f, 32), 0x1010);
    expect(f, "z0,1010,4", "OK");
    expect(f, "z0,1010,4", "OK");
    expect(f, "z0,1014,2", "OK");
    expect(f, "Z1,1020,4", "OK"); /* hbreak: same table */
    expect(f, "c", "T05swbreak:;");
    cr_assert_eq(reg(f, 32), 0x1020);
    expect(f, "z1,1020,4", "OK");
    expect(f, "P20=10100000", "OK");
    expect(f, "s", "S05");
    cr_assert_eq(reg(f, 32), 0x1014);
    /* no breakpoints left: c runs until interrupted */
    send_pkt(f, "c");
    usleep(20000);
    raw(f, "\x03", 1);
    cr_assert_str_eq(recv_pkt(f), "S02");
    finish(f);
}

Test(gdb_stub, ctrl_c_interrupts_a_running_target, .timeout = 20)
{
    struct fake *f = start();
    send_pkt(f, "c");
    usleep(50000);
    raw(f, "\x03", 1);
    cr_assert_str_eq(recv_pkt(f), "S02");
    uint32_t n = reg(f, 5);
    cr_assert_gt(n, 1000, "it really ran: %u instructions", n);
    expect(f, "?", "S02");
    usleep(20000);
    cr_assert_eq(reg(f, 5), n, "halted means frozen");
    /* and it runs again */
    send_pkt(f, "c");
    usleep(20000);
    raw(f, "\x03", 1);
    cr_assert_str_eq(recv_pkt(f), "S02");
    cr_assert_gt(reg(f, 5), n);
    finish(f);
}

Test(gdb_stub, simulator_requested_halt, .timeout = 20)
{
    struct fake *f = start_halt_at(100);
    expect(f, "c", "S05");
    cr_assert_eq(reg(f, 5), 100);
    finish(f);
}

Test(gdb_stub, no_ack_mode, .timeout = 20)
{
    struct fake *f = start();
    expect(f, "QStartNoAckMode", "OK");
    f->noack = true;
    expect(f, "?", "S05");
    expect(f, "s", "S05");
    cr_assert_eq(reg(f, 32), 0x1004);
    finish(f);
}

Test(gdb_stub, kill_stops_the_simulation, .timeout = 20)
{
    struct fake *f = start();
    expect(f, "?", "S05");
    send_pkt(f, "k");
    join(f);
    cr_assert(gdb_stub_killed(f->g));
    cr_assert(!gdb_stub_connected(f->g));
    cr_assert_eq(rd(f), -1, "the stub closed the connection");
    close(f->client);
    gdb_stub_close(f->g);
    free(f);
}

Test(gdb_stub, detach_lets_the_simulation_run_on, .timeout = 20)
{
    struct fake *f = start();
    expect(f, "Z0,1010,4", "OK");
    expect(f, "D", "OK");
    join(f);
    cr_assert(!gdb_stub_killed(f->g));
    cr_assert(!gdb_stub_connected(f->g));
    gdb_before_step(f->g, &f->cpu); /* a detached stub returns at once */
    close(f->client);
    gdb_stub_close(f->g);
    free(f);
}

Test(gdb_stub, lost_connection_while_halted_or_running, .timeout = 20)
{
    struct fake *f = start();
    expect(f, "?", "S05");
    close(f->client);
    f->client = -1;
    join(f);
    cr_assert(!gdb_stub_killed(f->g));
    gdb_stub_close(f->g);
    free(f);

    f = start();
    send_pkt(f, "c");
    usleep(10000);
    close(f->client);
    f->client = -1;
    join(f);
    cr_assert(!gdb_stub_killed(f->g));
    gdb_stub_close(f->g);
    free(f);

    /* mid-packet */
    f = start();
    raw(f, "$m1000,", 7);
    close(f->client);
    f->client = -1;
    join(f);
    gdb_stub_close(f->g);
    free(f);
}

Test(gdb_stub, exit_report_while_running, .timeout = 20)
{
    struct fake *f = start();
    f->limit = 5000; /* the "simulation" ends by itself after this many hook calls */
    f->exit_code = 3;
    send_pkt(f, "c");
    cr_assert_str_eq(recv_pkt(f), "W03", "GDB waiting for a stop is told the program exited");
    join(f);
    cr_assert(!gdb_stub_connected(f->g));
    cr_assert_eq(rd(f), -1);
    close(f->client);
    gdb_stub_close(f->g);
    free(f);
}

Test(gdb_stub, null_and_unattached_are_harmless)
{
    gdb_before_step(NULL, NULL);
    gdb_stub_request_halt(NULL);
    cr_assert(!gdb_stub_killed(NULL));
    cr_assert(!gdb_stub_connected(NULL));
    gdb_stub_report_exit(NULL, 0);
    gdb_stub_close(NULL);
    cr_assert_null(gdb_stub_fds(-1, -1));
}

static uint16_t free_port(int *keep)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
    if (keep) *keep = s;
    else close(s);
    return ntohs(a.sin_port);
}

Test(gdb_stub, tcp_port_in_use_is_an_error, .timeout = 20)
{
    int s;
    uint16_t port = free_port(&s);
    cr_assert_eq(listen(s, 1), 0);
    char err[160] = "";
    cr_assert_null(gdb_stub_listen_tcp(port, err, sizeof err));
    cr_assert(strstr(err, "127.0.0.1"), "%s", err);
    close(s);
}

static void *tcp_thread(void *arg)
{
    struct fake *f = arg;
    char err[160];
    f->g = gdb_stub_listen_tcp(f->port, err, sizeof err);
    if (!f->g) {
        atomic_store(&f->done, true);
        return NULL;
    }
    init_fake(f);
    run_cpu(f);
    return NULL;
}

Test(gdb_stub, tcp_loopback_session, .timeout = 20)
{
    struct fake *f = calloc(1, sizeof *f);
    f->port = free_port(NULL);
    cr_assert_eq(pthread_create(&f->th, NULL, tcp_thread, f), 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(f->port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    f->client = -1;
    for (int i = 0; i < 500 && f->client < 0; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) f->client = s;
        else {
            close(s);
            usleep(10000);
        }
    }
    cr_assert_geq(f->client, 0, "could not connect to the stub");
    expect(f, "?", "S05");
    expect(f, "s", "S05");
    send_pkt(f, "k");
    join(f);
    cr_assert(gdb_stub_killed(f->g));
    close(f->client);
    gdb_stub_close(f->g);
    free(f);
}
