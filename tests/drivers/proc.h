/* proc.h - real clients under test: child processes with their output read line by line, bounded by timeouts. */
#ifndef VDPU_TEST_PROC_H
#define VDPU_TEST_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One child in its own process group; stdout and stderr go to its log file, which we read as it grows. */
struct proc {
    const char *name;
    pid_t pid;
    int in_fd, out_fd;  /* its stdin (or -1), its log file opened for reading */
    char buf[1 << 16];  /* output not yet consumed as lines */
    size_t len;
    bool eof;
    int status;         /* exit status once reaped (-1 while running, 128+sig if killed) */
    bool spawned;       /* proc_kill of a struct that never ran does nothing */
};

/* Start argv[0] with argv; with_stdin: a pipe to its stdin. 0 or -1. */
int proc_spawn(struct proc *p, const char *name, char *const argv[], bool with_stdin, const char *log_path);
/* Read output lines until one contains `needle` (copied to line) or timeout_s passes or EOF. */
bool proc_expect(struct proc *p, const char *needle, double timeout_s, char *line, size_t n);
/* Send a line to its stdin. */
bool proc_send(struct proc *p, const char *line);
/* Wait for it to exit; on timeout kill it. Returns the exit status
 * (128 + signal when killed), or -1 after the kill of a timeout. */
int proc_wait(struct proc *p, double timeout_s);
/* Kill the whole process group (SIGTERM, then SIGKILL) and reap. */
void proc_kill(struct proc *p);
/* The last `max` bytes of its log, for a failure message. */
void proc_log_tail(const char *log_path, char *out, size_t max);

/* A scratch directory under /tmp, removed by tmpdir_remove. */
int tmpdir_make(char *path, size_t n, const char *tag);
void tmpdir_remove(const char *path);

/* Frames and bytes in a pcap file (libpcap), -1 if unreadable. */
int64_t pcap_count(const char *path, uint64_t *bytes);

#endif
