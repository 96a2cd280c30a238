#ifndef TMP_SUSP
#define TMP_SUSP
#include "virtio_drv.h"
#ifndef VIRTIO_F_SUSPEND
#define VIRTIO_F_SUSPEND 43
#endif
enum drv_result virtio_drv_suspend(virtio_drv_t *d);
int virtio_drv_queue_state(virtio_drv_t *d, unsigned q, uint16_t *ai, bool *aw, uint16_t *ui, bool *uw);
#endif
