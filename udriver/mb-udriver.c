// SPDX-License-Identifier: GPL-2.0
/*
 * mb-udriver: the u-driver daemon.  Attaches to every e1000 k-driver
 * instance no one serves and answers its upcalls until SIGTERM/SIGINT.
 * Exit status: 0 on a signal, 1 when the channel cannot be used.
 * A supervisor restarts it after a crash; the kernel replays the state.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/mbu.h"
#include "e1000/e1000_udrv.h"

static volatile int stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: mb-udriver [-v] [-d /dev/microbed] [-z OP:MS]\n"
			"                  [-f KIND[.SUB][:OP[:N]] | -S SEED] [-o FILE]\n"
			"  -v     more logging (twice: every upcall)\n"
			"  -z     fault injection: sleep MS before serving upcall OP\n"
			"         (e.g. -z 16:3000 stalls INIT, see mb_proto.h)\n"
			"  -f     arm one internal fault point, fired on the Nth call\n"
			"         (default 1) of upcall OP (name or number, default\n"
			"         WATCHDOG): crash, retval[.eio|.positive|.nonerrno],\n"
			"         range[.mtu|.speed|.rxbuf], late, garbage[.random|\n"
			"         .length|.seq], loop, leak; e.g. -f crash:SET_MTU:1\n"
			"  -S     arm one fault chosen from SEED (kind, sub, op, N)\n"
			"  -o     once: do not arm if FILE exists; create it on firing\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *path = "/dev/microbed";
	struct sigaction sa = { .sa_handler = on_signal };
	const char *fault_spec = NULL, *fault_seed = NULL, *fault_once = NULL;
	struct mbu_chan *c;
	int opt, err = 0;

	while ((opt = getopt(argc, argv, "vd:z:f:S:o:")) != -1) {
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
		else if (opt == 'o')
			fault_once = optarg;
		else
			usage();
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stderr, NULL, _IOLBF, 0);
	if ((fault_spec || fault_seed) &&
	    e1000_u_fault_arm(fault_spec, fault_seed, fault_once))
		return 2;

	c = mbu_open(path, &err);
	if (!c) {
		mbu_log("cannot open %s: %s\n", path, strerror(-err));
		return 1;
	}
	mbu_log("serving %s instances on %s (protocol %u, layout %08x)\n",
		e1000_udriver.name, path, MB_PROTO_VERSION,
		e1000_udriver.layout);
	err = mbu_run(c, &e1000_udriver, &stop);
	mbu_close(c);
	mbu_log("exiting: %s\n", err ? strerror(-err) : "signal");
	return err ? 1 : 0;
}
