/* virtio_features.c - virtio feature bit names. */
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "virtio_features.h"
#include "virtio_spec.h" /* the 1.2 / 1.3 bits Debian's headers lack */

static const struct { unsigned bit; const char *name; } names[] = {
    {VIRTIO_NET_F_CSUM, "CSUM"},           {VIRTIO_NET_F_GUEST_CSUM, "GUEST_CSUM"},
    {VIRTIO_NET_F_MTU, "MTU"},             {VIRTIO_NET_F_MAC, "MAC"},
    {VIRTIO_NET_F_MRG_RXBUF, "MRG_RXBUF"}, {VIRTIO_NET_F_STATUS, "STATUS"},
    {VIRTIO_NET_F_CTRL_VQ, "CTRL_VQ"},     {VIRTIO_NET_F_CTRL_RX, "CTRL_RX"},
    {VIRTIO_NET_F_MQ, "MQ"},               {VIRTIO_NET_F_CTRL_MAC_ADDR, "CTRL_MAC_ADDR"},
    {28, "INDIRECT_DESC"},                 {29, "EVENT_IDX"},
    {VIRTIO_F_VERSION_1, "VERSION_1"},     {VIRTIO_F_ACCESS_PLATFORM, "ACCESS_PLATFORM"},
    {VIRTIO_F_RING_PACKED, "RING_PACKED"}, {VIRTIO_F_IN_ORDER, "IN_ORDER"},
    {VIRTIO_F_ORDER_PLATFORM, "ORDER_PLATFORM"}, {VIRTIO_F_NOTIFICATION_DATA, "NOTIFICATION_DATA"},
    {VIRTIO_F_RING_RESET, "RING_RESET"},   {VIRTIO_F_SUSPEND, "SUSPEND"},
};

const char *virtio_feature_name(unsigned bit)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].bit == bit) return names[i].name;
    return NULL;
}

void virtio_feature_list(const uint32_t w[4], char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (unsigned bit = 0; bit < 128 && at < len; bit++) {
        if (!((w[bit / 32] >> (bit % 32)) & 1)) continue;
        const char *n = virtio_feature_name(bit);
        int k = n ? snprintf(buf + at, len - at, "%s%s", at ? " " : "", n)
                  : snprintf(buf + at, len - at, "%sbit%u", at ? " " : "", bit);
        if (k < 0) break;
        at += (size_t)k;
    }
}

int virtio_feature_bit(const char *name)
{
    static const char *const prefixes[] = {"VIRTIO_NET_F_", "VIRTIO_RING_F_", "VIRTIO_F_"};
    for (size_t p = 0; p < 3; p++) {
        size_t n = strlen(prefixes[p]);
        if (!strncasecmp(name, prefixes[p], n)) {
            name += n;
            break;
        }
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(name, names[i].name)) return (int)names[i].bit;
    return -1;
}

int virtio_features_parse(const char *list, const uint32_t def[4], const uint32_t supported[4], uint32_t out[4],
                          char *err, size_t errlen)
{
    char buf[1024];
    int mode = 0; /* 0 unknown, 1 absolute, 2 relative */
    if (!list || !*list) {
        snprintf(err, errlen, "empty feature list");
        return -1;
    }
    if (strlen(list) >= sizeof buf) {
        snprintf(err, errlen, "feature list too long");
        return -1;
    }
    strcpy(buf, list);
    uint32_t res[4] = {0, 0, 0, 0};
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char sign = (*tok == '+' || *tok == '-') ? *tok++ : 0;
        int m = sign ? 2 : 1;
        if (mode && m != mode) {
            snprintf(err, errlen, "mix of NAME and +NAME/-NAME items in '%s'", list);
            return -1;
        }
        if (!mode && m == 2) memcpy(res, def, sizeof res);
        mode = m;
        int bit = virtio_feature_bit(tok);
        if (bit < 0) {
            snprintf(err, errlen, "unknown feature '%s'", tok);
            return -1;
        }
        if (!((supported[bit / 32] >> (bit % 32)) & 1)) {
            snprintf(err, errlen, "feature '%s' is not implemented by the device", tok);
            return -1;
        }
        if (sign == '-') res[bit / 32] &= ~(1u << (bit % 32));
        else res[bit / 32] |= 1u << (bit % 32);
    }
    if (!mode) {
        snprintf(err, errlen, "empty feature list");
        return -1;
    }
    memcpy(out, res, sizeof res);
    return 0;
}
