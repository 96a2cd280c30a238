/* pcap_io.c - libpcap capture and replay for the network port. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_io.h"

#define CLOCK_NS 4 /* 250 MHz device clock */

struct pcap_sink {
    pcap_t *pc;
    pcap_dumper_t *d;
    uint64_t frames;
    char path[4096];
};

pcap_sink_t *pcap_sink_open(const char *path, char *err, size_t errlen)
{
    pcap_sink_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->pc = pcap_open_dead(DLT_EN10MB, 65535);
    s->d = s->pc ? pcap_dump_open(s->pc, path) : NULL;
    if (!s->d) {
        snprintf(err, errlen, "cannot write pcap file '%s': %s", path, s->pc ? pcap_geterr(s->pc) : "libpcap");
        if (s->pc) pcap_close(s->pc);
        free(s);
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    return s;
}

void pcap_sink_frame(void *sink, const uint8_t *frame, unsigned len, uint64_t cycle)
{
    pcap_sink_t *s = sink;
    struct pcap_pkthdr h;
    uint64_t ns = cycle * CLOCK_NS;
    h.ts.tv_sec = (time_t)(ns / 1000000000ull);
    h.ts.tv_usec = (suseconds_t)(ns % 1000000000ull / 1000);
    h.caplen = h.len = len;
    pcap_dump((u_char *)s->d, &h, frame);
    s->frames++;
}

uint64_t pcap_sink_frames(const pcap_sink_t *s) { return s->frames; }

int pcap_sink_close(pcap_sink_t *s, char *err, size_t errlen)
{
    if (!s) return 0;
    /* pcap_dump writes through stdio and reports nothing: flush and read the stream's error flag
     * before libpcap closes it (pcap_dump_close returns no status) */
    errno = 0;
    int rc = pcap_dump_flush(s->d);
    int e = errno;
    if (rc || ferror(pcap_dump_file(s->d))) {
        snprintf(err, errlen, "cannot write pcap file '%s': %s", s->path, e ? strerror(e) : "a write failed");
        rc = -1;
    }
    pcap_dump_close(s->d);
    pcap_close(s->pc);
    free(s);
    return rc;
}

void pcap_frames_free(struct pcap_frames *f)
{
    for (size_t i = 0; i < f->n; i++) free(f->data[i]);
    free(f->data);
    free(f->len);
    memset(f, 0, sizeof *f);
}

int pcap_frames_load(const char *path, unsigned max_len, struct pcap_frames *out, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    memset(out, 0, sizeof *out);
    pcap_t *pc = pcap_open_offline(path, perr);
    if (!pc) {
        snprintf(err, errlen, "bad pcap '%s': %s", path, perr);
        return -1;
    }
    if (pcap_datalink(pc) != DLT_EN10MB) {
        snprintf(err, errlen, "bad pcap '%s': link type %d is not Ethernet", path, pcap_datalink(pc));
        pcap_close(pc);
        return -1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    size_t cap = 0;
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
        if (h->caplen != h->len || h->caplen < 14 || h->caplen > max_len) {
            snprintf(err, errlen, "bad pcap '%s': record %zu is %u bytes (captured %u); frames of 14..%u whole bytes needed",
                     path, out->n + 1, h->len, h->caplen, max_len);
            goto fail;
        }
        if (out->n == cap) {
            cap = cap ? 2 * cap : 64;
            uint8_t **nd = realloc(out->data, cap * sizeof *nd);
            unsigned *nl = nd ? realloc(out->len, cap * sizeof *nl) : NULL;
            if (nd) out->data = nd;
            if (!nd || !nl) goto oom;
            out->len = nl;
        }
        out->data[out->n] = malloc(h->caplen);
        if (!out->data[out->n]) goto oom;
        memcpy(out->data[out->n], data, h->caplen);
        out->len[out->n] = h->caplen;
        out->n++;
    }
    if (rc == -1) { /* -2 is the normal end of file */
        snprintf(err, errlen, "bad pcap '%s': %s", path, pcap_geterr(pc));
        goto fail;
    }
    pcap_close(pc);
    if (!out->n) {
        snprintf(err, errlen, "bad pcap '%s': no frames", path);
        pcap_frames_free(out);
        return -1;
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory reading '%s'", path);
fail:
    pcap_close(pc);
    pcap_frames_free(out);
    return -1;
}
