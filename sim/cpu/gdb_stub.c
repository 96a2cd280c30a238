/* gdb_stub.c - GDB remote serial protocol stub: halts the single-threaded simulation inside the CPU's before-step hook. */
#include "gdb_stub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GDB_PKT_MAX 4096     /* payload bytes we accept (advertised as PacketSize); replies stay within it too */
#define GDB_POLL_EVERY 1024  /* hook calls between non-blocking checks for Ctrl-C: a syscall per 1024 steps is free */
#define GDB_MAX_BPS 256
#define GDB_NREGS 33         /* the 'g' packet: x0-x31, pc */
#define GDB_REG_PC 32
#define GDB_REG_CSR0 65      /* GDB's riscv numbering puts CSR n at 65 + n */
#define GDB_MAX_NAKS 10      /* retransmissions before we stop insisting (a broken peer must not loop us forever) */

enum gdb_state {
    GDB_HALTED,   /* serving packets inside gdb_before_step; the simulation is frozen */
    GDB_RUNNING,  /* the CPU executes; we only check for breakpoints, step end, halt requests, Ctrl-C */
    GDB_DETACHED, /* no debugger any more (D, k, lost connection): the hook returns at once */
};

struct gdb_stub {
    int in_fd, out_fd;
    bool out_is_sock; /* send(MSG_NOSIGNAL) works; otherwise SIGPIPE is blocked around write() */
    struct gdb_target t;
    enum gdb_state state;
    bool killed, noack, stepping;
    volatile sig_atomic_t halt_req;
    /* where the last c/s resumed: the breakpoint there is skipped, and a step is complete, once the CPU moved on
     * (retired an instruction or changed pc) - the hook may run several times per instruction (stalls, WFI) */
    uint32_t resume_pc;
    uint64_t resume_retired;
    unsigned poll_count;
    uint32_t bps[GDB_MAX_BPS];
    unsigned nbps;
    char last_stop[16];
    unsigned char rx[4096];
    size_t rx_pos, rx_len;
    char pkt[GDB_PKT_MAX + 1]; /* received payload, NUL-terminated (X data may hold NULs: use pkt_len) */
    size_t pkt_len;
    char reply[GDB_PKT_MAX + 1];
    char frame[GDB_PKT_MAX + 8];
};

/* machine CSRs exposed to GDB (org.gnu.gdb.riscv.csr), remote register number GDB_REG_CSR0 + num */
static const struct { const char *name; unsigned num; } gdb_csrs[] = {
    {"mstatus", 0x300}, {"misa", 0x301},     {"mie", 0x304},      {"mtvec", 0x305},   {"mscratch", 0x340},
    {"mepc", 0x341},    {"mcause", 0x342},   {"mtval", 0x343},    {"mip", 0x344},     {"mcycle", 0xB00},
    {"minstret", 0xB02}, {"mcycleh", 0xB80}, {"minstreth", 0xB82},
};

static const char *const gdb_xnames[32] = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "fp", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6",   "a7", "s2", "s3", "s4",  "s5",  "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static char gdb_xml[4096];
static size_t gdb_xml_len;

/* target.xml, built once: register names/types as GDB's own riscv 32bit-cpu.xml so `info registers` looks native */
static void build_xml(void)
{
    size_t n = 0, cap = sizeof gdb_xml;
#define XML(...) n += (size_t)snprintf(gdb_xml + n, n < cap ? cap - n : 0, __VA_ARGS__)
    XML("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n"
        "<architecture>riscv:rv32</architecture>\n<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
    for (unsigned i = 0; i < 32; i++) {
        const char *type = i == 1 ? "code_ptr" : (i == 2 || i == 3 || i == 4 || i == 8) ? "data_ptr" : "int";
        XML("<reg name=\"%s\" bitsize=\"32\" type=\"%s\" regnum=\"%u\"/>\n", gdb_xnames[i], type, i);
    }
    XML("<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\" regnum=\"%u\"/>\n</feature>\n", GDB_REG_PC);
    XML("<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    for (size_t i = 0; i < sizeof gdb_csrs / sizeof gdb_csrs[0]; i++)
        XML("<reg name=\"%s\" bitsize=\"32\" regnum=\"%u\"/>\n", gdb_csrs[i].name, GDB_REG_CSR0 + gdb_csrs[i].num);
    XML("</feature>\n</target>\n");
#undef XML
    gdb_xml_len = n < cap ? n : cap - 1;
}

/* ---- registers ----------------------------------------------------------- */

static bool reg_get(const rv_cpu_t *c, unsigned n, uint32_t *v)
{
    if (n < 32) *v = n ? c->x[n] : 0;
    else if (n == GDB_REG_PC) *v = c->pc;
    else if (n < GDB_REG_CSR0) return false;
    else switch (n - GDB_REG_CSR0) {
        case 0x300: *v = c->csr.mstatus; break;
        case 0x301: *v = c->csr.misa; break;
        case 0x304: *v = c->csr.mie; break;
        case 0x305: *v = c->csr.mtvec; break;
        case 0x340: *v = c->csr.mscratch; break;
        case 0x341: *v = c->csr.mepc; break;
        case 0x342: *v = c->csr.mcause; break;
        case 0x343: *v = c->csr.mtval; break;
        case 0x344: *v = c->csr.mip; break;
        case 0xB00: *v = (uint32_t)c->csr.mcycle; break;
        case 0xB02: *v = (uint32_t)c->csr.minstret; break;
        case 0xB80: *v = (uint32_t)(c->csr.mcycle >> 32); break;
        case 0xB82: *v = (uint32_t)(c->csr.minstret >> 32); break;
        default: return false;
        }
    return true;
}

static void set_lo(uint64_t *r, uint32_t v) { *r = (*r & ~(uint64_t)0xFFFFFFFFu) | v; }
static void set_hi(uint64_t *r, uint32_t v) { *r = (*r & 0xFFFFFFFFu) | (uint64_t)v << 32; }

static bool reg_set(rv_cpu_t *c, unsigned n, uint32_t v)
{
    if (n < 32) {
        if (n) c->x[n] = v; /* x0 is hardwired: accept the write, keep the zero the CPU relies on */
    } else if (n == GDB_REG_PC) c->pc = v;
    else if (n < GDB_REG_CSR0) return false;
    else switch (n - GDB_REG_CSR0) {
        case 0x300: c->csr.mstatus = v; break;
        case 0x301: break; /* misa describes the simulated core: read-only here as in hardware */
        case 0x304: c->csr.mie = v; break;
        case 0x305: c->csr.mtvec = v; break;
        case 0x340: c->csr.mscratch = v; break;
        case 0x341: c->csr.mepc = v; break;
        case 0x342: c->csr.mcause = v; break;
        case 0x343: c->csr.mtval = v; break;
        case 0x344: c->csr.mip = v; break;
        case 0xB00: set_lo(&c->csr.mcycle, v); break;
        case 0xB02: set_lo(&c->csr.minstret, v); break;
        case 0xB80: set_hi(&c->csr.mcycle, v); break;
        case 0xB82: set_hi(&c->csr.minstret, v); break;
        default: return false;
        }
    return true;
}

/* ---- hex ----------------------------------------------------------------- */

static const char hexd[] = "0123456789abcdef";

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Parse 1-16 hex digits at *p into *v, advancing *p; false if none or too many. */
static bool parse_hex(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    int n = 0;
    for (int d; (d = hexval((unsigned char)*s)) >= 0; s++, n++) {
        if (n == 16) return false;
        x = x << 4 | (uint64_t)d;
    }
    if (!n) return false;
    *p = s;
    *v = x;
    return true;
}

static bool parse_u32(const char **p, uint32_t *v)
{
    uint64_t x;
    if (!parse_hex(p, &x) || x > 0xFFFFFFFFu) return false;
    *v = (uint32_t)x;
    return true;
}

/* "addr,len" followed by the character end; len clamped so the range does not wrap past 4 GiB */
static bool parse_addr_len(const char **p, uint32_t *addr, uint32_t *len, char end)
{
    uint64_t l;
    if (!parse_u32(p, addr) || **p != ',') return false;
    (*p)++;
    if (!parse_hex(p, &l) || **p != end) return false;
    if (l > 0x100000000ull - *addr) l = 0x100000000ull - *addr;
    *len = (uint32_t)l;
    return true;
}

/* 8 hex digits of target (little-endian) byte order */
static void put_le32(char *o, uint32_t v)
{
    for (int i = 0; i < 4; i++, v >>= 8) {
        o[2 * i] = hexd[(v >> 4) & 0xF];
        o[2 * i + 1] = hexd[v & 0xF];
    }
}

static bool get_le32(const char *s, uint32_t *v)
{
    uint32_t x = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval((unsigned char)s[2 * i]), l = h < 0 ? -1 : hexval((unsigned char)s[2 * i + 1]);
        if (l < 0) return false;
        x |= (uint32_t)(h << 4 | l) << (8 * i);
    }
    *v = x;
    return true;
}

/* ---- connection ---------------------------------------------------------- */

static void drop_connection(gdb_stub_t *g)
{
    if (g->in_fd >= 0) close(g->in_fd);
    if (g->out_fd >= 0 && g->out_fd != g->in_fd) close(g->out_fd);
    g->in_fd = g->out_fd = -1;
    g->state = GDB_DETACHED;
    g->stepping = false;
}

static void lost(gdb_stub_t *g)
{
    if (g->state != GDB_DETACHED) fprintf(stderr, "gdb: connection lost, running on without the debugger\n");
    drop_connection(g);
}

/* write() to a pipe whose reader is gone raises SIGPIPE, which would kill the simulator: block it for the
 * call and swallow the one we caused, so a vanished GDB is just a lost connection */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t len)
{
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    ssize_t r = write(fd, buf, len);
    int e = errno;
    if (r < 0 && e == EPIPE && !sigismember(&old, SIGPIPE)) {
        sigset_t pend;
        struct timespec zero = {0, 0};
        if (sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE)) sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return r;
}

static bool tx_all(gdb_stub_t *g, const char *buf, size_t len)
{
    while (len) {
        if (g->out_fd < 0) return false;
        ssize_t n = g->out_is_sock ? send(g->out_fd, buf, len, MSG_NOSIGNAL) : write_nosigpipe(g->out_fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* next received byte, or -1 when the connection is gone */
static int rx_byte(gdb_stub_t *g)
{
    if (g->rx_pos == g->rx_len) {
        if (g->in_fd < 0) return -1;
        ssize_t n;
        do n = read(g->in_fd, g->rx, sizeof g->rx);
        while (n < 0 && errno == EINTR);
        if (n <= 0) return -1;
        g->rx_pos = 0;
        g->rx_len = (size_t)n;
    }
    return g->rx[g->rx_pos++];
}

/* a byte (or EOF) can be read without blocking */
static bool rx_ready(gdb_stub_t *g)
{
    if (g->rx_pos < g->rx_len) return true;
    if (g->in_fd < 0) return false;
    struct pollfd p = {.fd = g->in_fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/* Send one packet and, unless in no-ack mode, wait for GDB's '+' (retransmitting on '-').
 * False when the connection is gone. */
static bool send_packet(gdb_stub_t *g, const char *data, size_t len)
{
    if (len > GDB_PKT_MAX) len = GDB_PKT_MAX; /* cannot happen: every reply is built within the limit */
    unsigned char sum = 0;
    g->frame[0] = '$';
    for (size_t i = 0; i < len; i++) {
        g->frame[1 + i] = data[i];
        sum += (unsigned char)data[i];
    }
    g->frame[1 + len] = '#';
    g->frame[2 + len] = hexd[sum >> 4];
    g->frame[3 + len] = hexd[sum & 0xF];
    for (int naks = 0;;) {
        if (!tx_all(g, g->frame, len + 4)) return false;
        if (g->noack) return true;
        for (;;) {
            int c = rx_byte(g);
            if (c < 0) return false;
            if (c == '+') return true;
            if (c == '$') { /* GDB moved on without acking: take it as an ack and keep its packet */
                g->rx_pos--;
                return true;
            }
            if (c == '-') break;
            /* anything else (a late ^C) is noise here */
        }
        if (++naks > GDB_MAX_NAKS) return true;
    }
}

static bool send_str(gdb_stub_t *g, const char *s) { return send_packet(g, s, strlen(s)); }

/* Receive the next packet into g->pkt and ack it. Returns 1 for a packet, 0 for one too long to hold
 * (acked, to be answered with an error), -1 when the connection is gone. Bytes between packets
 * (stray acks, a ^C while already halted) and packets with a bad checksum ('-': GDB resends) are skipped. */
static int rx_packet(gdb_stub_t *g)
{
    for (;;) {
        int c;
        do c = rx_byte(g);
        while (c >= 0 && c != '$');
        if (c < 0) return -1;
    restart:;
        size_t n = 0;
        bool overflow = false;
        unsigned char sum = 0;
        for (;;) {
            c = rx_byte(g);
            if (c < 0) return -1;
            if (c == '$') goto restart; /* a new packet began: the previous one was cut short */
            if (c == '#') break;
            sum += (unsigned char)c;
            if (n < GDB_PKT_MAX) g->pkt[n++] = (char)c;
            else overflow = true;
        }
        int hi = rx_byte(g), lo = hi < 0 ? -1 : rx_byte(g);
        if (lo < 0) return -1;
        bool good = hexval(hi) >= 0 && hexval(lo) >= 0 && (hexval(hi) << 4 | hexval(lo)) == sum;
        if (!good) {
            if (!g->noack && !tx_all(g, "-", 1)) return -1;
            continue;
        }
        if (!g->noack && !tx_all(g, "+", 1)) return -1;
        g->pkt[n] = 0;
        g->pkt_len = n;
        return overflow ? 0 : 1;
    }
}

/* ---- public setup ------------------------------------------------------ */

gdb_stub_t *gdb_stub_fds(int in_fd, int out_fd)
{
    if (in_fd < 0 || out_fd < 0) return NULL;
    gdb_stub_t *g = calloc(1, sizeof *g);
    if (!g) {
        close(in_fd);
        if (out_fd != in_fd) close(out_fd);
        return NULL;
    }
    struct stat st;
    g->in_fd = in_fd;
    g->out_fd = out_fd;
    g->out_is_sock = fstat(out_fd, &st) == 0 && S_ISSOCK(st.st_mode);
    g->state = GDB_HALTED; /* GDB connects to a stopped target and asks '?' */
    strcpy(g->last_stop, "S05");
    static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
    pthread_once(&xml_once, build_xml);
    return g;
}

static void set_err(char *err, size_t errlen, const char *what, uint16_t port)
{
    if (err && errlen) snprintf(err, errlen, "gdb: cannot %s 127.0.0.1:%u: %s", what, port, strerror(errno));
}

gdb_stub_t *gdb_stub_listen_tcp(uint16_t port, char *err, size_t errlen)
{
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0) {
        set_err(err, errlen, "listen on", port);
        return NULL;
    }
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* restart right after a previous session */
    /* loopback only: the stub reads and writes simulator memory on request, so it must not face the network */
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1) < 0 ||
        getsockname(ls, (struct sockaddr *)&a, &alen) < 0) {
        set_err(err, errlen, "listen on", port);
        close(ls);
        return NULL;
    }
    port = ntohs(a.sin_port);
    fprintf(stderr, "gdb: listening on 127.0.0.1:%u\n", port);
    int fd;
    do fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
    if (fd < 0) {
        set_err(err, errlen, "accept on", port);
        close(ls);
        return NULL;
    }
    close(ls); /* one debugger per run */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* small request/reply packets: no Nagle delay */
    fprintf(stderr, "gdb: debugger connected\n");
    return gdb_stub_fds(fd, fd);
}

gdb_stub_t *gdb_stub_stdio(void)
{
    fflush(stdout);
    int in = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
    int out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (in < 0 || out < 0) {
        if (in >= 0) close(in);
        if (out >= 0) close(out);
        return NULL;
    }
    /* from now on fd 1 is stderr: simulator prints cannot corrupt the protocol */
    dup2(STDERR_FILENO, STDOUT_FILENO);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (nul >= 0) {
        dup2(nul, STDIN_FILENO);
        close(nul);
    }
    return gdb_stub_fds(in, out);
}

void gdb_stub_attach(gdb_stub_t *g, const struct gdb_target *t)
{
    if (g && t) g->t = *t;
}

void gdb_stub_request_halt(gdb_stub_t *g)
{
    if (g) g->halt_req = 1;
}

bool gdb_stub_killed(gdb_stub_t *g) { return g && g->killed; }

bool gdb_stub_connected(gdb_stub_t *g) { return g && g->state != GDB_DETACHED; }

void gdb_stub_report_exit(gdb_stub_t *g, int code)
{
    if (!g || g->state == GDB_DETACHED) return;
    if (g->state == GDB_RUNNING) { /* GDB waits for a stop reply: tell it why nothing will come */
        char w[8];
        snprintf(w, sizeof w, "W%02x", (unsigned)code & 0xFF);
        send_str(g, w);
    }
    drop_connection(g);
}

void gdb_stub_close(gdb_stub_t *g)
{
    if (!g) return;
    drop_connection(g);
    free(g);
}

/* ---- packet handlers ------------------------------------------------------ */

static bool bp_at(const gdb_stub_t *g, uint32_t pc)
{
    for (unsigned i = 0; i < g->nbps; i++)
        if (g->bps[i] == pc) return true;
    return false;
}

/* Z0/z0, Z1/z1: breakpoints live in a table checked before each instruction, so memory is never patched
 * (and ROM or not-yet-loaded code can hold breakpoints too) */
static const char *cmd_breakpoint(gdb_stub_t *g, const char *p, bool insert)
{
    uint32_t addr;
    uint64_t kind;
    /* Z1 (hbreak) shares the table: neither kind patches memory, so they behave identically */
    if (*p != '0' && *p != '1') return ""; /* watchpoints: not supported */
    p++;
    if (*p++ != ',' || !parse_u32(&p, &addr) || *p++ != ',' || !parse_hex(&p, &kind)) return "E01";
    if (*p && *p != ';') return "E01"; /* ";cond..." lists would follow; we never advertised them */
    if (insert) {
        if (bp_at(g, addr)) return "OK";
        if (g->nbps == GDB_MAX_BPS) return "E28"; /* ENOSPC */
        g->bps[g->nbps++] = addr;
    } else {
        for (unsigned i = 0; i < g->nbps; i++)
            if (g->bps[i] == addr) { /* addresses are unique: insert refuses duplicates */
                g->bps[i] = g->bps[--g->nbps];
                break;
            }
    }
    return "OK";
}

static const char *cmd_read_mem(gdb_stub_t *g, const char *p)
{
    uint32_t addr, len;
    if (!parse_addr_len(&p, &addr, &len, 0)) return "E01";
    if (!g->t.mem_read) return "E14";
    if (len > GDB_PKT_MAX / 2) len = GDB_PKT_MAX / 2; /* a short reply is a legal partial read */
    unsigned char buf[GDB_PKT_MAX / 2];
    size_t got = len;
    if (len && !g->t.mem_read(g->t.ctx, addr, buf, len)) {
        /* the range runs into unmapped space: return the readable prefix, as GDB expects */
        for (got = 0; got < len && g->t.mem_read(g->t.ctx, addr + (uint32_t)got, buf + got, 1); got++) {}
        if (!got) return "E14"; /* EFAULT */
    }
    for (size_t i = 0; i < got; i++) {
        g->reply[2 * i] = hexd[buf[i] >> 4];
        g->reply[2 * i + 1] = hexd[buf[i] & 0xF];
    }
    g->reply[2 * got] = 0;
    return g->reply;
}

static const char *cmd_write_mem(gdb_stub_t *g, const char *p, bool binary)
{
    uint32_t addr, len;
    if (!parse_addr_len(&p, &addr, &len, ':')) return "E01";
    p++;
    unsigned char buf[GDB_PKT_MAX];
    size_t n = 0, avail = g->pkt_len - (size_t)(p - g->pkt);
    if (binary) {
        for (size_t i = 0; i < avail && n < sizeof buf; i++) /* '}' escapes the next byte, xor 0x20 */
            buf[n++] = p[i] == '}' && i + 1 < avail ? (unsigned char)(p[++i] ^ 0x20) : (unsigned char)p[i];
    } else {
        if (avail % 2) return "E01";
        for (size_t i = 0; i + 1 < avail; i += 2) {
            int h = hexval((unsigned char)p[i]), l = hexval((unsigned char)p[i + 1]);
            if (h < 0 || l < 0) return "E01";
            buf[n++] = (unsigned char)(h << 4 | l);
        }
    }
    if (n != len) return "E01";
    if (!len) return "OK"; /* GDB probes X support with an empty write */
    if (!g->t.mem_write || !g->t.mem_write(g->t.ctx, addr, buf, len)) return "E14";
    return "OK";
}

static const char *cmd_read_regs(gdb_stub_t *g)
{
    for (unsigned i = 0; i < GDB_NREGS; i++) {
        uint32_t v = 0;
        reg_get(g->t.cpu, i, &v);
        put_le32(g->reply + 8 * i, v);
    }
    g->reply[8 * GDB_NREGS] = 0;
    return g->reply;
}

static const char *cmd_write_regs(gdb_stub_t *g, const char *p)
{
    uint32_t v[GDB_NREGS];
    if (strlen(p) < 8 * GDB_NREGS) return "E01";
    for (unsigned i = 0; i < GDB_NREGS; i++)
        if (!get_le32(p + 8 * i, &v[i])) return "E01";
    for (unsigned i = 0; i < GDB_NREGS; i++) reg_set(g->t.cpu, i, v[i]); /* all or nothing */
    return "OK";
}

static const char *cmd_read_reg(gdb_stub_t *g, const char *p)
{
    uint32_t n, v;
    if (!parse_u32(&p, &n) || *p) return "E01";
    if (!reg_get(g->t.cpu, n, &v)) return "E02";
    put_le32(g->reply, v);
    g->reply[8] = 0;
    return g->reply;
}

static const char *cmd_write_reg(gdb_stub_t *g, const char *p)
{
    uint32_t n, v;
    if (!parse_u32(&p, &n) || *p++ != '=' || strlen(p) != 8 || !get_le32(p, &v)) return "E01";
    return reg_set(g->t.cpu, n, v) ? "OK" : "E02";
}

/* qXfer:features:read:ANNEX:off,len - we serve one self-contained target.xml */
static const char *cmd_xfer_features(gdb_stub_t *g, const char *p)
{
    static const char annex[] = "target.xml:";
    uint32_t off, len;
    if (strncmp(p, annex, sizeof annex - 1)) return "E00";
    p += sizeof annex - 1;
    if (!parse_addr_len(&p, &off, &len, 0)) return "E01";
    if (off >= gdb_xml_len) return "l";
    size_t o = 1;
    size_t i = off;
    for (; i < gdb_xml_len && i - off < len && o + 2 < GDB_PKT_MAX; i++) {
        char c = gdb_xml[i];
        if (c == '$' || c == '#' || c == '}' || c == '*') {
            g->reply[o++] = '}';
            c ^= 0x20;
        }
        g->reply[o++] = c;
    }
    g->reply[0] = i < gdb_xml_len ? 'm' : 'l';
    g->reply[o] = 0;
    return g->reply;
}

static const char *cmd_query(gdb_stub_t *g, const char *p)
{
    if (!strncmp(p, "qSupported", 10)) {
        snprintf(g->reply, sizeof g->reply, "PacketSize=%x;swbreak+;qXfer:features:read+;QStartNoAckMode+", GDB_PKT_MAX);
        return g->reply;
    }
    if (!strcmp(p, "qAttached")) return "1"; /* an existing process: GDB detaches rather than kills on quit */
    if (!strcmp(p, "qC")) return "QC1";
    if (!strcmp(p, "qfThreadInfo")) return "m1";
    if (!strcmp(p, "qsThreadInfo")) return "l";
    if (!strncmp(p, "qXfer:features:read:", 20)) return cmd_xfer_features(g, p + 20);
    if (!strcmp(p, "QStartNoAckMode")) return "OK"; /* takes effect after this reply is acked */
    return "";
}

/* c/s/C/S: optional resume address (after the signal for C/S, which we do not deliver: no signals here) */
static const char *cmd_resume(gdb_stub_t *g, const char *p, bool step, bool with_sig)
{
    uint32_t addr;
    if (with_sig) {
        uint64_t sig;
        if (!parse_hex(&p, &sig)) return "E01";
        if (*p == ';') p++;
        else if (*p) return "E01";
    }
    if (*p) {
        if (!parse_u32(&p, &addr) || *p) return "E01";
        g->t.cpu->pc = addr;
    }
    g->stepping = step;
    g->halt_req = 0; /* a request that came while halted is satisfied already */
    g->resume_pc = g->t.cpu->pc;
    g->resume_retired = g->t.cpu->retired;
    g->poll_count = 0;
    g->state = GDB_RUNNING;
    return NULL; /* the reply is the stop reply, later */
}

/* Handle one packet while halted. Returns the reply, or NULL when none is due (resume, kill). */
static const char *dispatch(gdb_stub_t *g)
{
    const char *p = g->pkt;
    switch (*p++) {
    case '?': return g->last_stop;
    case 'g': return *p ? "E01" : cmd_read_regs(g);
    case 'G': return cmd_write_regs(g, p);
    case 'p': return cmd_read_reg(g, p);
    case 'P': return cmd_write_reg(g, p);
    case 'm': return cmd_read_mem(g, p);
    case 'M': return cmd_write_mem(g, p, false);
    case 'X': return cmd_write_mem(g, p, true);
    case 'c': return cmd_resume(g, p, false, false);
    case 's': return cmd_resume(g, p, true, false);
    case 'C': return cmd_resume(g, p, false, true);
    case 'S': return cmd_resume(g, p, true, true);
    case 'Z': return cmd_breakpoint(g, p, true);
    case 'z': return cmd_breakpoint(g, p, false);
    case 'q':
    case 'Q': return cmd_query(g, g->pkt);
    case 'H': return "OK"; /* one thread: any thread selection is that thread */
    case 'T': return "OK"; /* thread alive */
    case 'D': g->state = GDB_DETACHED; return "OK";
    case 'k': g->killed = true; g->state = GDB_DETACHED; return NULL;
    default: return ""; /* unsupported, including vCont? (GDB then uses c/s) */
    }
}

/* Serve packets until GDB resumes, detaches, kills or goes away. */
static void serve_halted(gdb_stub_t *g)
{
    while (g->state == GDB_HALTED) {
        int r = rx_packet(g);
        if (r < 0) {
            lost(g);
            return;
        }
        const char *reply = r ? dispatch(g) : "E01";
        if (reply && !send_str(g, reply)) {
            lost(g);
            return;
        }
        if (r && !strcmp(g->pkt, "QStartNoAckMode")) g->noack = true;
    }
    if (g->state == GDB_DETACHED) drop_connection(g); /* after D's OK or k */
}

/* While running: a Ctrl-C from GDB? Returns the stop reply, or NULL (also when the connection was lost). */
static const char *poll_interrupt(gdb_stub_t *g)
{
    while (rx_ready(g)) {
        int c = rx_byte(g);
        if (c < 0) {
            lost(g);
            return NULL;
        }
        if (c == 0x03) return "S02"; /* SIGINT */
        /* anything else while running (late acks) carries no meaning in all-stop mode */
    }
    return NULL;
}

void gdb_before_step(void *vg, rv_cpu_t *cpu)
{
    gdb_stub_t *g = vg;
    if (!g || g->state == GDB_DETACHED) return;
    if (!g->t.cpu) g->t.cpu = cpu;
    if (!cpu) cpu = g->t.cpu;
    if (!cpu) return;
    if (g->state == GDB_RUNNING) {
        bool moved = cpu->retired != g->resume_retired || cpu->pc != g->resume_pc;
        const char *why = NULL;
        if (g->stepping && moved) why = "S05";
        else if (g->halt_req) why = "S05";
        else if (g->nbps && moved && bp_at(g, cpu->pc)) why = "T05swbreak:;";
        else if (++g->poll_count >= GDB_POLL_EVERY) {
            g->poll_count = 0;
            why = poll_interrupt(g);
        }
        if (!why) return;
        g->halt_req = 0;
        g->stepping = false;
        g->state = GDB_HALTED;
        snprintf(g->last_stop, sizeof g->last_stop, "%s", why);
        if (!send_str(g, why)) {
            lost(g);
            return;
        }
    }
    serve_halted(g);
}
