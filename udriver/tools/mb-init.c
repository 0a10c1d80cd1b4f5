// SPDX-License-Identifier: GPL-2.0
/*
 * mb-init: the guest's /init.  The orchestrator says everything on the
 * kernel command line:
 *   microbed.modules=a,b     top-level modules to load (each with its dependencies, in order)
 *   microbed.mgmt=MAC,IP/N   management NIC: renamed mgmt0, SSH listens here
 *   microbed.dut=MAC,IP/N    NIC under test: renamed dut0
 *   microbed.dut1=MAC,IP/N   a second NIC under test (--nic both): dut1
 *   microbed.udriver=PROG    split variant: the u-driver daemon to run under mb-supervise
 * NICs are named by MAC, never by probe order.  Progress goes to the
 * console as "microbed: ..." lines, and the boot's steps into the kernel
 * log as "microbed: event=boot step=..." (bench reads their timestamps).
 *
 * It was a busybox script; under TCG each fork+exec costs 5-20 ms, and the
 * script forked about forty times before SSH (mounts, sysctls, the module
 * loader, and per NIC a cat for every netdev, grep, ip three times): 0.45 s
 * of a 3.7 s boot.  Here the mounts, sysctls, modules (finit_module), NIC
 * renames, addresses (netlink) and links are done in this process; it
 * forks only mb-supervise and dropbear (whose host key the image carries).
 * Then it stays PID 1
 * and reaps orphans; the orchestrator powers the guest off (QMP or
 * `poweroff -f`).
 */
#define _GNU_SOURCE
#include "modload.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#define HOST_KEY "/etc/dropbear/dropbear_ed25519_host_key"

static char cmdline[4096];

static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "microbed: ", 10) < 0 || write(fd, line, n) < 0) {
		/* nothing to tell: the console is where we would say it */
	}
	close(fd);
}

/* A boot step into the kernel log, with its timestamp. */
static void mark(const char *step)
{
	char line[128];
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	int n;

	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "microbed: event=boot step=%s\n", step);
	if (write(fd, line, n) < 0) {
		/* a step missing from the log: bench says the breakdown lacks it */
	}
	close(fd);
}

/* The value of microbed.NAME= on the kernel command line, copied to out; 0 if absent. */
static int arg(const char *name, char *out, size_t size)
{
	char key[64];
	const char *p = cmdline;
	size_t klen;

	klen = snprintf(key, sizeof(key), "microbed.%s=", name);
	while (*p) {
		size_t w;

		p += strspn(p, " \n");
		w = strcspn(p, " \n");
		if (w > klen && !strncmp(p, key, klen)) {
			size_t v = w - klen;

			if (v >= size)
				v = size - 1;
			memcpy(out, p + klen, v);
			out[v] = 0;
			return 1;
		}
		p += w;
	}
	return 0;
}

static void mnt(const char *src, const char *dir, const char *type, const char *opts)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, opts) != 0 && errno != EBUSY)
		say("event=init-error what=mount-%s error=%s", dir, strerror(errno));
}

/* Writes value to path (a sysctl, or a file made or emptied here). */
static void put(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		say("event=init-error what=write-%s error=%s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* fork+exec path with argv and init's environment; the child's pid, or -1 (said). */
static pid_t spawn(const char *path, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		execv(path, argv);
		_exit(127);
	}
	if (pid < 0)
		say("event=init-error what=fork-%s error=%s", path, strerror(errno));
	return pid;
}

/* Waits for one child (reaping any orphan that exits meanwhile); its exit status, or -1. */
static int wait_for(pid_t pid)
{
	int st;

	if (pid <= 0)
		return -1;
	for (;;) {
		pid_t got = waitpid(-1, &st, 0);

		if (got == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (got < 0 && errno != EINTR)
			return -1;
	}
}

static int ifreq_sock = -1;

static int set_flags(const char *ifname, short on)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(ifreq_sock, SIOCGIFFLAGS, &ifr) != 0)
		return -1;
	ifr.ifr_flags |= on;
	return ioctl(ifreq_sock, SIOCSIFFLAGS, &ifr);
}

/* The netdev whose address is mac (lower case, as sysfs prints it), into name; 0 if none. */
static int find_by_mac(const char *mac, char *name, size_t size)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char path[300], addr[64];
		ssize_t n;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/address", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, addr, sizeof(addr) - 1);
		close(fd);
		if (n <= 0)
			continue;
		addr[n] = 0;
		addr[strcspn(addr, "\n")] = 0;
		if (!strcasecmp(addr, mac) && strlen(e->d_name) < size) {
			memcpy(name, e->d_name, strlen(e->d_name) + 1);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

/* ip addr add ADDR/PREFIX dev IFINDEX, over rtnetlink; 0 or an errno. */
static int add_address(int ifindex, struct in_addr a, int prefix)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		char attrs[64];
	} req;
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct rtattr *rta;
	int fd, rc = 0;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	req.nh.nlmsg_type = RTM_NEWADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	req.nh.nlmsg_seq = 1;
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = prefix;
	req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	req.ifa.ifa_index = ifindex;
	for (int type = IFA_LOCAL; type >= IFA_ADDRESS; type--) {
		rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
		rta->rta_type = type;
		rta->rta_len = RTA_LENGTH(sizeof(a));
		memcpy(RTA_DATA(rta), &a, sizeof(a));
		req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return errno;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		rc = errno;
	} else {
		n = recv(fd, &ack, sizeof(ack), 0);
		if (n < 0)
			rc = errno;
		else if (n < (ssize_t)sizeof(ack) || ack.nh.nlmsg_type != NLMSG_ERROR)
			rc = EPROTO;
		else
			rc = -ack.err.error;
	}
	close(fd);
	return rc;
}

/*
 * Names the NIC with spec "MAC,IP/N" ifname, gives it its address and
 * brings it up.  udev is absent: the driver's netdev is waited for (5 s at
 * most).  0, or -1 said on the console.
 */
static int setup_nic(const char *ifname, const char *spec)
{
	char mac[32], addr[32], old[IFNAMSIZ], path[128];
	const char *comma = strchr(spec, ',');
	struct in_addr a;
	struct ifreq ifr;
	char *slash;
	int prefix, i, rc;

	if (!comma || (size_t)(comma - spec) >= sizeof(mac)) {
		say("event=nic-bad-spec name=%s spec=%s", ifname, spec);
		return -1;
	}
	memcpy(mac, spec, comma - spec);
	mac[comma - spec] = 0;
	snprintf(addr, sizeof(addr), "%s", comma + 1);
	slash = strchr(addr, '/');
	prefix = slash ? atoi(slash + 1) : 32;
	if (slash)
		*slash = 0;
	if (inet_pton(AF_INET, addr, &a) != 1 || prefix < 0 || prefix > 32) {
		say("event=nic-bad-spec name=%s spec=%s", ifname, spec);
		return -1;
	}
	for (i = 0; !find_by_mac(mac, old, sizeof(old)); i++) {
		if (i == 500) {
			say("event=nic-missing mac=%s name=%s", mac, ifname);
			return -1;
		}
		usleep(10000);
	}
	if (strcmp(old, ifname)) {
		memset(&ifr, 0, sizeof(ifr));
		memcpy(ifr.ifr_name, old, sizeof(old));
		snprintf(ifr.ifr_newname, IFNAMSIZ, "%s", ifname);
		if (ioctl(ifreq_sock, SIOCSIFNAME, &ifr) != 0) {
			say("event=nic-rename-failed mac=%s from=%s name=%s error=%s", mac, old, ifname, strerror(errno));
			return -1;
		}
	}
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", ifname);
	put(path, "1");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	rc = ioctl(ifreq_sock, SIOCGIFINDEX, &ifr) != 0 ? errno : add_address(ifr.ifr_ifindex, a, prefix);
	if (rc) {
		say("event=nic-address-failed name=%s addr=%s/%d error=%s", ifname, addr, prefix, strerror(rc));
		return -1;
	}
	if (set_flags(ifname, IFF_UP) != 0) {
		say("event=nic-up-failed name=%s error=%s", ifname, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char modules[1024], udriver[128], spec[128], failed[256], prog[160];
	/* argv[0] not a path: given one, dropbear re-executes itself for every connection (fexecve
	 * of that path), 40 ms more per SSH session under TCG. */
	char *const sshd[] = { "dropbear", "-r", HOST_KEY, "-s", "-p", "22", "-P", "/run/dropbear.pid", NULL };
	pid_t supervisor = 0;
	struct timespec up;
	char *m, *save;
	int fd, have_udriver, rc;
	ssize_t n;

	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	mnt("proc", "/proc", "proc", NULL);
	mnt("sysfs", "/sys", "sysfs", NULL);
	mnt("devtmpfs", "/dev", "devtmpfs", NULL);
	mnt("devpts", "/dev/pts", "devpts", "gid=5,mode=620,ptmxmode=666");
	mkdir("/dev/shm", 01777);
	mnt("tmpfs", "/run", "tmpfs", NULL);
	mnt("tmpfs", "/tmp", "tmpfs", NULL);
	if (sethostname("microbed", 8) != 0)
		say("event=init-error what=hostname error=%s", strerror(errno));
	mark("init");

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, cmdline, sizeof(cmdline) - 1) : -1;
	if (fd >= 0)
		close(fd);
	cmdline[n > 0 ? n : 0] = 0;

	/* Guest addresses come from the loopback range (127.x), so the interfaces must route it. */
	put("/proc/sys/net/ipv4/conf/all/route_localnet", "1");
	put("/proc/sys/net/ipv4/conf/default/route_localnet", "1");
	ifreq_sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ifreq_sock < 0 || set_flags("lo", IFF_UP) != 0)
		say("event=init-error what=lo-up error=%s", strerror(errno));

	/* split variant: the u-driver is started (supervised) as soon as the runtime's channel
	 * exists, so a k-driver that probes next finds it; it logs to /var/log/PROG.log. */
	have_udriver = arg("udriver", udriver, sizeof(udriver)) && udriver[0];
	if (arg("modules", modules, sizeof(modules))) {
		for (m = strtok_r(modules, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
			rc = load_with_deps(m, failed, sizeof(failed));

			if (rc == 2)
				say("event=module-missing module=%s", m);
			else if (rc)
				say("event=module-failed module=%s", failed);
			if (have_udriver && !supervisor && access("/dev/microbed", F_OK) == 0) {
				char *const sv[] = { "mb-supervise", prog, NULL };

				snprintf(prog, sizeof(prog), "/usr/sbin/%s", udriver);
				supervisor = spawn("/usr/sbin/mb-supervise", sv);
				if (supervisor > 0) {
					char pid[24];

					snprintf(pid, sizeof(pid), "%d\n", (int)supervisor);
					put("/run/mb-supervise.pid", pid);
				}
			}
		}
	}
	if (have_udriver && !supervisor)
		say("event=udriver-not-started reason=no-/dev/microbed");
	mark("modules-loaded");

	if (arg("mgmt", spec, sizeof(spec)))
		setup_nic("mgmt0", spec);
	if (arg("dut", spec, sizeof(spec)))
		setup_nic("dut0", spec);
	if (arg("dut1", spec, sizeof(spec)))
		setup_nic("dut1", spec);
	mark("nics-up");

	/* Root logs in with the orchestrator's key; the host key is the image's (the image builder
	 * made it once, and the orchestrator checks it).  dropbear returns once it listens (it
	 * daemonizes after binding). */
	rc = wait_for(spawn("/usr/sbin/dropbear", sshd));
	if (rc != 0)
		say("event=init-error what=dropbear status=%d", rc);
	mark("ssh-listening");
	clock_gettime(CLOCK_BOOTTIME, &up);
	say("event=guest-ready uptime=%ld.%02ld", (long)up.tv_sec, up.tv_nsec / 10000000);

	/* PID 1: reap whatever is orphaned, forever (with no child left, look again each second). */
	for (;;)
		if (wait(NULL) < 0)
			sleep(1);
}
