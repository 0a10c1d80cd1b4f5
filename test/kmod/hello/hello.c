// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest out-of-tree module: proves that Debian's unpacked headers build modules that
 * the guest kernel loads. The guest test loads it and looks for this line in dmesg.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/utsname.h>

static int __init mb_hello_init(void)
{
	pr_info("microbed: event=hello-loaded kernel=%s\n", init_utsname()->release);
	return 0;
}

static void __exit mb_hello_exit(void)
{
	pr_info("microbed: event=hello-unloaded\n");
}

module_init(mb_hello_init);
module_exit(mb_hello_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("microbed: proof that out-of-tree modules build against the unpacked headers");
