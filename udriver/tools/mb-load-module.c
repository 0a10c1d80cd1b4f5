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

/* 0 loaded (or already there), 1 failed (said), 2 no order file. */
static int load_with_deps(const char *top)
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
			printf("%s\n", name);
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

int main(int argc, char **argv)
{
	int i, rc;

	if (argc < 2) {
		fprintf(stderr, "usage: mb-load-module NAME...  (the names in " ORDER_DIR ")\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		rc = load_with_deps(argv[i]);
		if (rc)
			return rc;
	}
	return 0;
}
