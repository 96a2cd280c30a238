/* pcap_io.h - the network port's pcap backends (libpcap): capture transmitted frames, replay a capture. */
#ifndef VDPU_PCAP_IO_H
#define VDPU_PCAP_IO_H

#include <stddef.h>
#include <stdint.h>

typedef struct pcap_sink pcap_sink_t;

/* Ethernet capture file; NULL with a one-line reason in err. */
pcap_sink_t *pcap_sink_open(const char *path, char *err, size_t errlen);
/* netport tap: one record per frame, stamped with the simulated time of its last beat. */
void pcap_sink_frame(void *sink, const uint8_t *frame, unsigned len, uint64_t cycle);
uint64_t pcap_sink_frames(const pcap_sink_t *s);
/* Flush, check every write and close: 0, or -1 with "cannot write pcap file '<path>': <reason>"
 * in err (a full disk, /dev/full). s may be NULL. */
int pcap_sink_close(pcap_sink_t *s, char *err, size_t errlen);

/* Every frame of an Ethernet capture, in order. 0 ok; -1 with a one-line reason (not a pcap file,
 * not Ethernet, truncated record, frame longer than max_len). Free with pcap_frames_free. */
struct pcap_frames {
    uint8_t **data;
    unsigned *len;
    size_t n;
};
int pcap_frames_load(const char *path, unsigned max_len, struct pcap_frames *out, char *err, size_t errlen);
void pcap_frames_free(struct pcap_frames *f);

#endif
