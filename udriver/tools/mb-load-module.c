// SPDX-License-Identifier: GPL-2.0
/*
 * mb-load-module NAME...: loads each NAME with its dependencies, in the order
 * the image recorded in /etc/microbed/modules/NAME (one module path a line;
 * the guest has no modprobe), skipping modules already loaded.  One process
 * and one finit_module(2) per module: the guest's init loads about ten
 * modules before SSH, and under TCG each fork+exec costs ~12 ms (mb-ref's
 * reference), which the shell loop it replaces paid four times per module.
 * Exit 0: all loaded; 2: the image carries no such NAME (no order file);
 * 1: a module failed to load (its name on stdout, the reason on stderr).
 */
#define _GNU_SOURCE
#include "modload.h"

int main(int argc, char **argv)
{
	char failed[256];
	int i, rc;

	if (argc < 2) {
		fprintf(stderr, "usage: mb-load-module NAME...  (the names in " ORDER_DIR ")\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		rc = load_with_deps(argv[i], failed, sizeof(failed));
		if (rc == 1)
			printf("%s\n", failed);
		if (rc)
			return rc;
	}
	return 0;
}
