// SPDX-License-Identifier: GPL-2.0
/*
 * mb-bare: the /init of the bare-boot reference.  `bench` boots the same
 * kernel with the same QEMU command line, but an initramfs that holds only
 * this program, and times QEMU's start to the line this prints: what any
 * guest costs before it does anything of its own.  It says how long the
 * kernel took to reach it (its uptime) and powers off.
 * Output, on the console:
 *   microbed: event=bare-init uptime=<s>
 */
#include <stdio.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char up[64] = "?";
	FILE *f;

	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	f = fopen("/proc/uptime", "r");
	if (f) {
		if (fscanf(f, "%63s", up) != 1)
			up[0] = '?', up[1] = 0;
		fclose(f);
	}
	printf("microbed: event=bare-init uptime=%s\n", up);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;	/* only if the reboot failed: the kernel panics, QEMU exits (-no-reboot) */
}
