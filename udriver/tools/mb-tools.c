// SPDX-License-Identifier: GPL-2.0
/*
 * mb-tools: the guest's own tools in one static binary, run as busybox's
 * applets are: by the name it was executed under (the image links
 * /usr/sbin/mb-NAME and /init to it), or as `mb-tools NAME ARGS...`.
 * `mb-tools --list` prints the names, one a line (the image builder asks
 * it).  Each tool is its own tools/mb-NAME.c with its main renamed
 * (Makefile: -Dmain=mbt_NAME_main); nothing here knows what they do.
 * One binary because static glibc costs ~0.7 MiB in each program and the
 * guest's kernel unpacks the whole initramfs at every boot.
 */
#include <stdio.h>
#include <string.h>

int mbt_init_main(int argc, char **argv);
int mbt_supervise_main(int argc, char **argv);
int mbt_load_module_main(int argc, char **argv);
int mbt_hostile_main(int argc, char **argv);
int mbt_bench_main(int argc, char **argv);
int mbt_fuzz_main(int argc, char **argv);
int mbt_pkt_main(int argc, char **argv);
int mbt_swifi_main(int argc, char **argv);

static const struct tool {
	const char *name;
	int (*main)(int argc, char **argv);
} tools[] = {
	{ "mb-init", mbt_init_main },
	{ "mb-supervise", mbt_supervise_main },
	{ "mb-load-module", mbt_load_module_main },
	{ "mb-hostile", mbt_hostile_main },
	{ "mb-bench", mbt_bench_main },
	{ "mb-fuzz", mbt_fuzz_main },
	{ "mb-pkt", mbt_pkt_main },
	{ "mb-swifi", mbt_swifi_main },
};

#define NTOOLS (sizeof(tools) / sizeof(tools[0]))

static const struct tool *lookup(const char *name)
{
	const char *slash = strrchr(name, '/');

	if (slash)
		name = slash + 1;
	/* the kernel runs the guest's init as /init */
	if (!strcmp(name, "init"))
		name = "mb-init";
	for (size_t i = 0; i < NTOOLS; i++)
		if (!strcmp(tools[i].name, name))
			return &tools[i];
	return NULL;
}

static int usage(const char *why)
{
	fprintf(stderr, "mb-tools: %s\nusage: mb-tools NAME [ARGS...], or run it as NAME (a link); mb-tools --list\nNAME is one of:", why);
	for (size_t i = 0; i < NTOOLS; i++)
		fprintf(stderr, " %s", tools[i].name);
	fputc('\n', stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const struct tool *t = argc > 0 ? lookup(argv[0]) : NULL;

	if (t)
		return t->main(argc, argv);
	if (argc < 2)
		return usage("no tool named");
	if (!strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < NTOOLS; i++)
			printf("%s\n", tools[i].name);
		return 0;
	}
	t = lookup(argv[1]);
	if (!t) {
		char why[160];

		snprintf(why, sizeof(why), "no tool named \"%s\"", argv[1]);
		return usage(why);
	}
	return t->main(argc - 1, argv + 1);
}
