/* session_ckpt.h - a session's state (device, host memory, bus, link, network port, firmware) in a checkpoint. */
#ifndef VDPU_SESSION_CKPT_H
#define VDPU_SESSION_CKPT_H

#include "ckpt.h"
#include "session.h"

/* The layout signature of a checkpoint of this build: the session's structures, the RTL design's
 * state and the driver model's (sizes given by the caller, which knows them). */
uint64_t vdpu_ckpt_layout(size_t driver_bytes, size_t traffic_bytes);
/* Append the session's sections. 0, or -1 with a one-line reason (an engine that cannot be saved). */
int vdpu_session_save(vdpu_session_t *s, ckpt_t *k, char *err, size_t errlen);
/* Make the session, opened with the options of the saved one, that session again (the sections in
 * the order vdpu_session_save wrote them). 0, or -1 with a one-line reason. */
int vdpu_session_load(vdpu_session_t *s, ckpt_t *k, char *err, size_t errlen);

#endif
