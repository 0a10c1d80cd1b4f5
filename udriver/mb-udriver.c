// SPDX-License-Identifier: GPL-2.0
/*
 * mb-udriver: the u-driver daemon.  Attaches to every k-driver instance
 * of every driver in its table (mbu_drivers, generated from the list of
 * specs) that no one serves, and answers their
 * upcalls until SIGTERM/SIGINT.  Exit status: 0 on a signal, 1 when the
 * channel cannot be used, 2 on bad arguments, 3 when too many of its
 * per-instance workers hung (dispatch.c).  A supervisor restarts it
 * after a crash; the kernel replays the state.
 *
 * As a standby (MB_STANDBY_FD set, by mb-supervise) it does everything a
 * start needs that touches no kernel state, then blocks reading that fd:
 * one byte means "the active u-driver died, take over" (it renames itself
 * from mb-standby to its own name, arms any fault, opens the channel and
 * attaches as a fresh u-driver does); EOF or a signal means "not needed",
 * and it exits 0.  Faults are armed only after the go, so that -o FILE
 * sees the FILE an earlier u-driver's firing created.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lib/mbu.h"
#include "lib/chanfault.h"


static volatile int stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void usage(void)
{
	const struct mbu_driver *const *d;

	fprintf(stderr, "usage: mb-udriver [-v] [-d /dev/microbed] [-z OP:MS]\n"
			"                  [-f KIND[.SUB][:OP[:N]] | -S SEED] [-D DRIVER] [-o FILE]\n"
			"  -v     more logging (twice: every upcall)\n"
			"  -z     fault injection: sleep MS before serving upcall OP\n"
			"         (a number: the op numbers are in each driver's generated\n"
			"         protocol header, udriver/<driver>/gen/<driver>_proto.h)\n"
			"  -f     arm one internal fault point, fired on the Nth call\n"
			"         (default 1) of operation OP (name or number, default\n"
			"         the driver's periodic one): crash, retval[.eio|.positive|\n"
			"         .nonerrno], range[.SUB, the driver's], late,\n"
			"         garbage[.random|.length|.seq], loop, leak;\n"
			"         e.g. -f crash:SET_MTU:1\n"
			"  -S     arm one fault chosen from SEED (kind, sub, op, N)\n"
			"  -D     the driver whose instances the fault is armed in\n"
			"         (default: the first of");
	for (d = mbu_drivers; *d; d++)
		fprintf(stderr, " %s", (*d)->name);
	fprintf(stderr, ")\n"
			"  -o     once: do not arm if FILE exists; create it on firing\n"
			"  -A     on each SIGUSR1, arm what FILE says, one line: \"fault SPEC\"\n"
			"         (as -f), \"seed N\" (as -S) or \"chan SPEC\" (corrupt one\n"
			"         downcall at the channel boundary: arg:SEED, ret:SEED\n"
			"         or SEED); said in the kernel log as event=swifi-armed\n");
	exit(2);
}

static const struct mbu_driver *driver_named(const char *name)
{
	const struct mbu_driver *const *d;

	for (d = mbu_drivers; *d; d++)
		if (!name || !strcmp((*d)->name, name))
			return *d;
	return NULL;
}

/*
 * -A FILE: a thread that waits for SIGUSR1 (blocked in every other
 * thread) and then arms what FILE says.  The arming races only with an
 * upcall served at that moment, and the campaign arms an idle u-driver.
 */
static const char *arm_file, *arm_driver;
static sigset_t arm_sigs;

/* The campaign waits for this line before it runs its workload. */
static void arm_said(const char *what, const char *arg, int err)
{
	char line[320];
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC), n;

	n = snprintf(line, sizeof(line), "microbed: event=swifi-armed prog=mb-udriver pid=%d what=%s arg=%s result=%d\n",
		     (int)getpid(), what, arg ? arg : "-", err);
	if (fd >= 0 && n > 0 && n < (int)sizeof(line)) {
		ssize_t w = write(fd, line, (size_t)n);

		(void)w;	/* the daemon log has it anyway */
	}
	if (fd >= 0)
		close(fd);
}

static void arm_from_file(void)
{
	const struct mbu_driver *fd = driver_named(arm_driver);
	char line[256], *arg;
	FILE *f = fopen(arm_file, "r");
	int err = -EINVAL;

	if (!f) {
		mbu_log("-A: cannot read %s: %s\n", arm_file, strerror(errno));
		return;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	line[strcspn(line, "\n")] = 0;
	arg = strchr(line, ' ');
	if (arg)
		*arg++ = 0;
	if (!arg || !*arg)
		mbu_log("-A: %s says \"%s\": want fault SPEC, seed N or chan SPEC\n", arm_file, line);
	else if (!strcmp(line, "chan"))
		err = mbu_chanfault_arm(arg);
	else if ((!strcmp(line, "fault") || !strcmp(line, "seed")) && fd && fd->fault_arm)
		err = fd->fault_arm(line[0] == 'f' ? arg : NULL, line[0] == 's' ? arg : NULL, NULL);
	else
		mbu_log("-A: %s says \"%s\": want fault SPEC, seed N or chan SPEC (with a driver that has fault points)\n",
			arm_file, line);
	mbu_log("%s %s %s\n", err ? "-A: not armed:" : "armed", line, arg ? arg : "");
	arm_said(line, arg, err);
}

static void *arm_thread(void *unused)
{
	int sig;

	for (;;)
		if (!sigwait(&arm_sigs, &sig) && sig == SIGUSR1)
			arm_from_file();
	return NULL;
}

/* 1: take over; 0: not needed (EOF or a signal); no MB_STANDBY_FD: 1 at once. */
static int standby_wait(const char *argv0)
{
	const char *env = getenv("MB_STANDBY_FD");
	const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	ssize_t n;
	char b;
	int fd;

	if (!env)
		return 1;
	fd = atoi(env);
	unsetenv("MB_STANDBY_FD");
	do
		n = read(fd, &b, 1);
	while (n < 0 && errno == EINTR && !stop);
	close(fd);
	if (n != 1)
		return 0;
	prctl(PR_SET_NAME, base, 0, 0, 0);
	mbu_log("standby: taking over\n");
	return 1;
}

int main(int argc, char **argv)
{
	const char *path = "/dev/microbed";
	struct sigaction sa = { .sa_handler = on_signal };
	const char *fault_spec = NULL, *fault_seed = NULL, *fault_once = NULL;
	const char *fault_driver = NULL;
	const struct mbu_driver *const *d, *fd;
	struct mbu_chan *c;
	int opt, err = 0;

	while ((opt = getopt(argc, argv, "vd:z:f:S:D:o:A:")) != -1) {
		if (opt == 'v')
			mbu_verbose++;
		else if (opt == 'd')
			path = optarg;
		else if (opt == 'z' &&
			 sscanf(optarg, "%d:%d", &mbu_stall_op, &mbu_stall_ms) == 2)
			;
		else if (opt == 'f' && !fault_seed)
			fault_spec = optarg;
		else if (opt == 'S' && !fault_spec)
			fault_seed = optarg;
		else if (opt == 'D')
			fault_driver = optarg;
		else if (opt == 'o')
			fault_once = optarg;
		else if (opt == 'A')
			arm_file = optarg;
		else
			usage();
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (!standby_wait(argv[0]))
		return 0;
	if (fault_spec || fault_seed) {
		fd = driver_named(fault_driver);
		if (!fd || !fd->fault_arm) {
			mbu_log("fault: no driver \"%s\" with fault points here\n",
				fault_driver ? fault_driver : "?");
			usage();
		}
		if (fd->fault_arm(fault_spec, fault_seed, fault_once))
			return 2;
	}

	if (arm_file) {
		pthread_t t;

		arm_driver = fault_driver;
		sigemptyset(&arm_sigs);
		sigaddset(&arm_sigs, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &arm_sigs, NULL);	/* inherited by every thread */
		err = pthread_create(&t, NULL, arm_thread, NULL);
		if (err) {
			mbu_log("-A: cannot start the arming thread: %s\n", strerror(err));
			return 1;
		}
		pthread_setname_np(t, "mb-arm");	/* mb-swifi -x leaves its stack alone */
		pthread_detach(t);
	}
	c = mbu_open(path, &err);
	if (!c) {
		mbu_log("cannot open %s: %s\n", path, strerror(-err));
		return 1;
	}
	for (d = mbu_drivers; *d; d++)
		mbu_log("serving %s instances on %s (protocol %u, layout %08x)\n",
			(*d)->name, path, MB_PROTO_VERSION, (*d)->layout);
	err = mbu_run(c, mbu_drivers, &stop);
	mbu_close(c);
	if (err == MBU_RUN_WEDGED) {
		mbu_log("exiting: workers wedged\n");
		return 3;
	}
	mbu_log("exiting: %s\n", err ? strerror(-err) : "signal");
	return err ? 1 : 0;
}
