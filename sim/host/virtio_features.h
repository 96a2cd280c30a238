/* virtio_features.h - virtio feature bit names (spec spelling) for reports and option parsing. */
#ifndef VDPU_FEATURES_H
#define VDPU_FEATURES_H

#include <stddef.h>
#include <stdint.h>

/* VIRTIO_F_NOTIFICATION_DATA is missing from Debian 12's linux/virtio_config.h */
#ifndef VIRTIO_F_NOTIFICATION_DATA
#define VIRTIO_F_NOTIFICATION_DATA 38
#endif

const char *virtio_feature_name(unsigned bit); /* NULL if unnamed */
/* Space-separated names of the set bits of a 128-bit mask (w[0] = bits 0..31). */
void virtio_feature_list(const uint32_t w[4], char *buf, size_t len);

/* Bit number of a feature by its spec name ("VIRTIO_NET_F_MQ", "VIRTIO_F_RING_PACKED", or
 * without the prefix, "MQ"; case-insensitive). -1 if unknown. */
int virtio_feature_bit(const char *name);

/* Parse --features: a comma-separated list of names replacing the default set, or
 * +NAME / -NAME items adding to / removing from it (the forms may not be mixed).
 * Every named feature must be in `supported`. 0 ok, -1 with a one-line reason in err. */
int virtio_features_parse(const char *list, const uint32_t def[4], const uint32_t supported[4], uint32_t out[4],
                          char *err, size_t errlen);

#endif
