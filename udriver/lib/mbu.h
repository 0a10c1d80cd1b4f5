/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libmbu: the user half of the microbed runtime.  A u-driver process
 * opens the channel, attaches to every k-driver instance of every driver
 * in its table, and runs the dispatch loop, which turns each upcall into
 * a call of that driver's handler and sends the reply.  Device access goes
 * through downcalls (drvapi.h).
 */
#ifndef MBU_H
#define MBU_H

#include <stdint.h>
#include <stddef.h>

#include "../../kmod/include/uapi/microbed.h"

struct mbu_chan;
struct mbu_inst;

/* A u-driver: one per kind of NIC, a table of operations. */
struct mbu_driver {
	const char *name;	/* matches the k-driver's (MB_<DRIVER>_DRIVER) */
	uint32_t layout;	/* and its message layout (MB_<DRIVER>_LAYOUT) */
	int (*attach)(struct mbu_inst *inst);
	/* Serve one upcall: fill rep (payload after the header) and its
	 * length; return the operation's status (0 or -errno), or
	 * MBU_NO_REPLY when the handler answered (or chose not to) itself. */
	int (*upcall)(struct mbu_inst *inst, const void *req, uint32_t len,
		      void *rep, uint32_t *rep_len);
	void (*gone)(struct mbu_inst *inst);
	/* Fault injection (fault.h): arm one fault by spec or, when seed is
	 * set, chosen from the seed; once: a file whose existence keeps it
	 * disarmed and that firing creates.  0 or -errno (said why). */
	int (*fault_arm)(const char *spec, const char *seed, const char *once);
};

#define MBU_NO_REPLY	INT32_MIN

/* The environment the portable control path sees as struct mb_dev. */
struct mb_dev {
	struct mbu_chan *chan;
	uint32_t handle;
	const char *device;
	int gone;	/* the kernel dropped this handle: stop asking */
};

struct mbu_inst {
	struct mb_dev dev;
	uint32_t handle;
	char device[MB_NAME_LEN];
	const struct mbu_driver *drv;
	void *priv;		/* the driver's per-instance state */
	struct mbu_worker *worker;	/* dispatch.c: the thread serving it */
	struct mbu_inst *next;
};

/* channel.c: thin wrappers, each returning 0 or -errno */
struct mbu_chan *mbu_open(const char *path, int *err);
void mbu_close(struct mbu_chan *c);
int mbu_fd(const struct mbu_chan *c);
int mbu_list(struct mbu_chan *c, struct mb_ioc_list *out);
int mbu_attach(struct mbu_chan *c, uint32_t handle, const char *driver,
	       uint32_t layout);
int mbu_detach(struct mbu_chan *c, uint32_t handle);
int mbu_downcall(struct mbu_chan *c, uint32_t handle, uint16_t op,
		 void *payload, uint32_t len);
int mbu_rd(struct mbu_chan *c, uint32_t handle, unsigned int width,
	   uint32_t reg, uint32_t *val);
int mbu_wr(struct mbu_chan *c, uint32_t handle, unsigned int width,
	   uint32_t reg, uint32_t val);
int mbu_rd32(struct mbu_chan *c, uint32_t handle, uint32_t reg, uint32_t *val);
int mbu_wr32(struct mbu_chan *c, uint32_t handle, uint32_t reg, uint32_t val);

/* dispatch.c */
extern int mbu_verbose;
/* Fault injection for tests: sleep stall_ms before serving upcall stall_op. */
extern int mbu_stall_op, mbu_stall_ms;
/* The drivers mb-udriver serves, NULL-terminated: udriver/gen/drivers.c,
 * generated from the list of specs (orchestrator/slicer/specs/index.ts). */
extern const struct mbu_driver *const mbu_drivers[];

/* Serve every instance of every driver in drivers (NULL-terminated), each
 * by its own worker thread, until *stop; 0, -errno when the channel cannot
 * be used, or MBU_RUN_WEDGED when too many workers hung in upcalls the
 * kernel gave up on (restart the process: the kernel replays). */
#define MBU_RUN_WEDGED	(-100000)
int mbu_run(struct mbu_chan *c, const struct mbu_driver *const *drivers,
	    volatile int *stop);
void mbu_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* MBU_H */
