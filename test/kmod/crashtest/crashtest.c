// SPDX-License-Identifier: GPL-2.0
/*
 * A module that crashes the kernel on purpose, so the testbed's crash detector is tested on
 * the real reports of the guest's own kernel. It is only ever loaded by tests, by hand:
 *   insmod /lib/modules/microbed/mb_crashtest.ko mode=warn|bug|null|gpf|panic
 * Loading it without a known mode does nothing and fails with -EINVAL.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/string.h>

static char *mode = "";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "which crash to cause: warn, bug, null, gpf, panic");

static noinline int mb_crash(const char *how)
{
	if (!strcmp(how, "warn")) {
		WARN(1, "microbed crashtest: deliberate WARNING\n");
		return -EAGAIN; /* warned; refuse to stay loaded */
	}
	if (!strcmp(how, "bug"))
		BUG();
	if (!strcmp(how, "null"))
		return *(volatile int *)NULL;
	if (!strcmp(how, "gpf"))
		return *(volatile int *)0xdead000000000100UL; /* non-canonical address */
	if (!strcmp(how, "panic"))
		panic("microbed crashtest: deliberate panic");
	return -EINVAL;
}

static int __init mb_crashtest_init(void)
{
	pr_info("microbed: event=crashtest mode=%s\n", mode);
	return mb_crash(mode);
}

module_init(mb_crashtest_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("microbed: deliberate kernel crashes for testing the crash detector");
