#include "virtio_suspend.h"
enum drv_result virtio_drv_suspend(virtio_drv_t *d) { (void)d; return DRV_REFUSED; }
int virtio_drv_queue_state(virtio_drv_t *d, unsigned q, uint16_t *ai, bool *aw, uint16_t *ui, bool *uw) { (void)d;(void)q; *ai=*ui=0; *aw=*uw=1; return 0; }
