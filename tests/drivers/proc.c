/* proc.c - spawning and reading real clients (testpmd, QEMU, the bridge) in tests, with timeouts. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/*
 * The child writes its output (stdout and stderr) straight into its log file, and the test reads that
 * file as it grows. So the log holds everything the child said however the case ends (a test that
 * stopped reading, a timeout, a kill), and a child is never held up by output nobody reads: through a
 * pipe, a QEMU guest console or a bridge log the test was not reading at that moment could block its
 * writer once the pipe was full.
 */
int proc_spawn(struct proc *p, const char *name, char *const argv[], bool with_stdin, const char *log_path)
{
    memset(p, 0, sizeof *p);
    p->name = name;
    p->in_fd = p->out_fd = -1;
    p->status = -1;
    int in[2] = {-1, -1};
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) return -1;
    p->out_fd = open(log_path, O_RDONLY | O_CLOEXEC);
    if (p->out_fd < 0 || (with_stdin && pipe2(in, O_CLOEXEC))) {
        close(log_fd);
        if (p->out_fd >= 0) close(p->out_fd);
        p->out_fd = -1;
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(log_fd);
        close(p->out_fd);
        p->out_fd = -1;
        if (with_stdin) {
            close(in[0]);
            close(in[1]);
        }
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(log_fd, 1);
        dup2(log_fd, 2);
        if (with_stdin) dup2(in[0], 0);
        else {
            int nul = open("/dev/null", O_RDONLY);
            dup2(nul, 0);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    close(log_fd);
    if (with_stdin) {
        close(in[0]);
        p->in_fd = in[1];
    }
    p->pid = pid;
    p->spawned = true;
    return 0;
}

static int decode(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

/* Reap the child if it has ended (blocking: wait for it). true once it has. */
static bool reap(struct proc *p, bool block)
{
    if (p->pid <= 0) return true;
    int st;
    if (waitpid(p->pid, &st, block ? 0 : WNOHANG) != p->pid) return false;
    p->status = decode(st);
    p->pid = 0;
    return true;
}

/* Read what the child has written to its log since the last read, waiting up to timeout_ms for more.
 * false at the end: the child has ended and everything it wrote was read. */
static bool fill(struct proc *p, int timeout_ms)
{
    if (p->eof || p->out_fd < 0) return false;
    for (int waited = 0;; waited += 10) {
        if (p->len == sizeof p->buf) p->len = 0; /* a line longer than the buffer: drop it */
        bool ended = reap(p, false);            /* before the read: what it wrote before ending is read now */
        ssize_t n = read(p->out_fd, p->buf + p->len, sizeof p->buf - p->len);
        if (n > 0) {
            p->len += (size_t)n;
            return true;
        }
        if (ended) {
            p->eof = true;
            return false;
        }
        if (waited >= timeout_ms) return true;
        usleep(10000);
    }
}

/* Take one complete line out of buf; false if there is none. */
static bool take_line(struct proc *p, char *line, size_t n)
{
    char *nl = memchr(p->buf, '\n', p->len);
    if (!nl) return false;
    size_t l = (size_t)(nl - p->buf);
    size_t c = l < n - 1 ? l : n - 1;
    memcpy(line, p->buf, c);
    line[c] = 0;
    memmove(p->buf, nl + 1, p->len - l - 1);
    p->len -= l + 1;
    return true;
}

bool proc_expect(struct proc *p, const char *needle, double timeout_s, char *line, size_t n)
{
    char tmp[4096];
    char *l = line ? line : tmp;
    size_t ln = line ? n : sizeof tmp;
    double end = now_s() + timeout_s;
    for (;;) {
        while (take_line(p, l, ln))
            if (strstr(l, needle)) return true;
        double left = end - now_s();
        if (left <= 0) return false;
        if (!fill(p, (int)(left * 1000) + 1) && p->len == 0) return false;
    }
}

bool proc_send(struct proc *p, const char *line)
{
    if (p->in_fd < 0) return false;
    size_t n = strlen(line);
    return write(p->in_fd, line, n) == (ssize_t)n && write(p->in_fd, "\n", 1) == 1;
}

int proc_wait(struct proc *p, double timeout_s)
{
    if (p->in_fd >= 0) {
        close(p->in_fd);
        p->in_fd = -1;
    }
    double end = now_s() + timeout_s;
    while (!reap(p, false)) {
        if (now_s() > end) {
            proc_kill(p);
            return -1;
        }
        usleep(20000);
    }
    return p->status;
}

void proc_kill(struct proc *p)
{
    if (!p->spawned) return;
    if (p->pid > 0) {
        kill(-p->pid, SIGTERM);
        for (int i = 0; i < 40 && !reap(p, false); i++) usleep(50000);
        if (p->pid > 0) {
            kill(-p->pid, SIGKILL);
            reap(p, true);
        }
    }
    if (p->in_fd >= 0) close(p->in_fd);
    if (p->out_fd >= 0) close(p->out_fd);
    p->in_fd = p->out_fd = -1;
    p->spawned = false;
}

void proc_log_tail(const char *log_path, char *out, size_t max)
{
    out[0] = 0;
    int fd = open(log_path, O_RDONLY);
    if (fd < 0) return;
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)(max - 1) ? end - (off_t)(max - 1) : 0;
    ssize_t n = pread(fd, out, max - 1, from);
    out[n > 0 ? n : 0] = 0;
    close(fd);
}

int tmpdir_make(char *path, size_t n, const char *tag)
{
    snprintf(path, n, "/tmp/vdpu-%s-XXXXXX", tag);
    return mkdtemp(path) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void tmpdir_remove(const char *path)
{
    if (path[0]) nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int64_t pcap_count(const char *path, uint64_t *bytes)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc) return -1;
    struct pcap_pkthdr *h;
    const u_char *d;
    int64_t n = 0;
    *bytes = 0;
    while (pcap_next_ex(pc, &h, &d) == 1) {
        n++;
        *bytes += h->caplen;
    }
    pcap_close(pc);
    return n;
}
