/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading a module with its dependencies, in the order the image recorded
 * in /etc/microbed/modules/NAME (one module path a line; the guest has no
 * modprobe), skipping modules already loaded: one finit_module(2) each.
 * Shared by mb-load-module (the scenarios' loader) and mb-init (the
 * guest's /init, which loads the boot's modules in its own process).
 */
#ifndef MB_MODLOAD_H
#define MB_MODLOAD_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ORDER_DIR "/etc/microbed/modules/"

/* "/lib/modules/x/foo-bar.ko" -> "foo_bar", as the kernel names it in /sys/module. */
static void module_name(const char *path, char *name, size_t size)
{
	const char *base = strrchr(path, '/');
	size_t i, n;

	base = base ? base + 1 : path;
	n = strcspn(base, ".");
	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		name[i] = base[i] == '-' ? '_' : base[i];
	name[n] = 0;
}

static int loaded(const char *name)
{
	char dir[300];
	struct stat st;

	snprintf(dir, sizeof(dir), "/sys/module/%s", name);
	return stat(dir, &st) == 0;
}

/* 0 loaded (or already there), 1 failed (said on stderr; the failing
 * module's name in failed), 2 no order file. */
static int load_with_deps(const char *top, char *failed, size_t failed_size)
{
	char order[300], line[512], name[256];
	FILE *f;
	int fd, rc = 0;

	if (strchr(top, '/')) {
		fprintf(stderr, "mb-load-module: %s: give a module name, not a path\n", top);
		return 2;
	}
	snprintf(order, sizeof(order), ORDER_DIR "%s", top);
	f = fopen(order, "r");
	if (!f) {
		fprintf(stderr, "mb-load-module: %s: the image carries no such module (%s: %s)\n", top, order, strerror(errno));
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0])
			continue;
		module_name(line, name, sizeof(name));
		if (loaded(name))
			continue;
		fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0) {
			/* EEXIST: loaded meanwhile by someone else, as the shell's check would miss too */
			if (errno == EEXIST) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			fprintf(stderr, "mb-load-module: can't insert '%s': %s\n", line, strerror(errno));
			snprintf(failed, failed_size, "%s", name);
			rc = 1;
			if (fd >= 0)
				close(fd);
			break;
		}
		close(fd);
	}
	fclose(f);
	return rc;
}

#endif
