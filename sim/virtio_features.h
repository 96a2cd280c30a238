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

#endif
