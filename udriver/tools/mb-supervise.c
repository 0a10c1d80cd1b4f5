// SPDX-License-Identifier: GPL-2.0
/*
 * mb-supervise PROGRAM [ARGS...]: keeps the u-driver running, with a
 * standby ready to take over (as MINIX's reincarnation server keeps the
 * replacement at hand).  Recovery time is what the device is without its
 * control path, and most of it used to be the restart itself: a fork and
 * exec of the u-driver, its start-up, and the shell's own forks.  So a
 * second copy of PROGRAM is started ahead of need, as "mb-standby" (its
 * process name, so that `pgrep -x PROGRAM` still finds only the active
 * one): it parses its arguments and then blocks on a pipe (fd
 * MB_STANDBY_FD) before it opens the channel.  When the active u-driver
 * exits, the supervisor writes one byte to that pipe; the standby renames
 * itself PROGRAM, opens the channel and attaches as any new u-driver does.
 * The kernel sees an ordinary restart: the recovery semantics, the
 * crash-loop count and the backoff are those of a fresh start.
 *
 * Restarts: at once after a run that lasted 2 s, then with a backoff
 * (0.1 s doubling to 2 s while it keeps dying within 2 s of its start; the
 * kernel's crash-loop limit stops a real loop).  MB_BACKOFF_MAX_MS caps
 * the backoff (0: always at once), for a fault campaign that kills a
 * u-driver every second on purpose with the kernel's limit lifted.  Each start and exit is
 * said in the kernel log in the fixed form "microbed: event=udriver-...".
 * MB_FIRST_ARGS, when set, are added to the first run only (an injected
 * fault must not follow the u-driver into its restarts); a standby never
 * gets them.  The u-drivers' output goes to /var/log/<PROGRAM>.log.
 * A new standby is started REFILL_MS after a takeover (not at once: its
 * fork and exec would compete for the CPU with the replay); a death
 * before that is restarted by fork and exec, as without a standby.
 * SIGTERM/SIGINT: the active u-driver gets SIGTERM, the standby is told to
 * go (EOF on its pipe), and the supervisor exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HEALTHY_MS	2000	/* a run this long resets the backoff */
#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	2000
#define REFILL_MS	300	/* after a takeover, before a new standby */
#define STANDBY_FD	3	/* the standby's end of its pipe */

static const char *prog, *name, *logfile;
static char standby_path[PATH_MAX];
static char **prog_args;	/* argv for PROGRAM: name, ARGS... */
static sigset_t handled;
static int backoff_max_ms = BACKOFF_MAX_MS;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void kmsg(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int fd, n;

	n = snprintf(line, sizeof(line), "microbed: ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open("/dev/console", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t w = write(fd, line, n);	/* a failure: nowhere left to say it */

		(void)w;
		close(fd);
	}
}

/*
 * The child's side of a start: signals as a fresh process has them, output
 * to the log, then exec.  standby_rd >= 0: a standby, exec'd through
 * standby_path so that its process name is "mb-standby".
 */
static void exec_child(char **argv, int standby_rd)
{
	int fd;

	sigprocmask(SIG_UNBLOCK, &handled, NULL);
	signal(SIGPIPE, SIG_DFL);
	fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (standby_rd >= 0) {
		if (standby_rd != STANDBY_FD) {
			dup2(standby_rd, STANDBY_FD);	/* dup2 clears close-on-exec */
			close(standby_rd);
		} else {
			fcntl(STANDBY_FD, F_SETFD, 0);
		}
		setenv("MB_STANDBY_FD", "3", 1);
		execv(standby_path, argv);
	} else {
		unsetenv("MB_STANDBY_FD");
		execv(prog, argv);
	}
	fprintf(stderr, "mb-supervise: exec %s: %s\n", prog, strerror(errno));
	_exit(127);
}

/* PROGRAM ARGS, with MB_FIRST_ARGS (split at blanks) after PROGRAM when asked. */
static char **args_for(int first)
{
	static char *buf;
	const char *extra = first ? getenv("MB_FIRST_ARGS") : NULL;
	size_t n = 0, k = 0;
	char **v, *tok;

	while (prog_args[n])
		n++;
	v = calloc(n + 64, sizeof(*v));
	if (!v)
		return prog_args;
	v[k++] = prog_args[0];
	if (extra && *extra) {
		free(buf);
		buf = strdup(extra);
		for (tok = strtok(buf, " \t"); tok && k < 60; tok = strtok(NULL, " \t"))
			v[k++] = tok;
	}
	for (size_t i = 1; i < n; i++)
		v[k++] = prog_args[i];
	return v;
}

static pid_t start_direct(int first)
{
	char **argv = args_for(first);
	pid_t pid = fork();

	if (!pid)
		exec_child(argv, -1);
	if (argv != prog_args)
		free(argv);
	if (pid < 0)
		kmsg("event=udriver-fork-failed prog=%s errno=%d", name, errno);
	return pid;
}

struct standby {
	pid_t pid;
	int go;		/* write end of its pipe; -1: none */
};

static void start_standby(struct standby *s)
{
	int p[2];

	s->pid = -1;
	s->go = -1;
	if (pipe2(p, O_CLOEXEC))
		return;
	s->pid = fork();
	if (!s->pid)
		exec_child(prog_args, p[0]);
	close(p[0]);
	if (s->pid < 0) {
		close(p[1]);
		return;
	}
	s->go = p[1];
}

static void drop_standby(struct standby *s)
{
	if (s->go >= 0)
		close(s->go);	/* EOF: the standby exits by itself */
	s->go = -1;
	s->pid = -1;
}

/* Hands over to the standby; its pid, or -1 when it cannot take over. */
static pid_t take_over(struct standby *s)
{
	pid_t pid = s->pid;
	char b = 'g';

	if (pid <= 0 || s->go < 0 || write(s->go, &b, 1) != 1) {
		if (pid > 0)
			kill(pid, SIGKILL);
		drop_standby(s);
		return -1;
	}
	close(s->go);
	s->go = -1;
	s->pid = -1;
	return pid;
}

/* A private directory for the "mb-standby" link to PROGRAM. */
static int make_standby_link(void)
{
	char dir[PATH_MAX / 2], target[PATH_MAX];

	if (!realpath(prog, target))
		return -1;
	snprintf(dir, sizeof(dir), "/run/mb-supervise.%d", (int)getpid());
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -1;
	snprintf(standby_path, sizeof(standby_path), "%s/mb-standby", dir);
	unlink(standby_path);
	return symlink(target, standby_path);
}

static void remove_standby_link(void)
{
	char dir[PATH_MAX];

	if (!standby_path[0])
		return;
	unlink(standby_path);
	snprintf(dir, sizeof(dir), "%s", standby_path);
	rmdir(dirname(dir));
}

int main(int argc, char **argv)
{
	struct standby sb = { .pid = -1, .go = -1 };
	double started = 0, refill_at = 0, restart_at = -1;
	int delay_ms = 0, use_standby, sfd, run = 0;
	pid_t child;
	char logbuf[PATH_MAX];

	if (argc < 2) {
		fprintf(stderr, "usage: mb-supervise PROGRAM [ARGS...]\n");
		return 2;
	}
	prog = argv[1];
	prog_args = argv + 1;
	name = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
	snprintf(logbuf, sizeof(logbuf), "/var/log/%s.log", name);
	logfile = logbuf;
	mkdir("/var/log", 0755);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&handled);
	sigaddset(&handled, SIGCHLD);
	sigaddset(&handled, SIGTERM);
	sigaddset(&handled, SIGINT);
	sigprocmask(SIG_BLOCK, &handled, NULL);
	sfd = signalfd(-1, &handled, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("mb-supervise: signalfd");
		return 1;
	}
	if (getenv("MB_BACKOFF_MAX_MS")) {
		char *end;
		long v = strtol(getenv("MB_BACKOFF_MAX_MS"), &end, 10);

		if (*end || v < 0 || v > BACKOFF_MAX_MS) {
			fprintf(stderr, "mb-supervise: MB_BACKOFF_MAX_MS must be 0..%d ms, not '%s'\n",
				BACKOFF_MAX_MS, getenv("MB_BACKOFF_MAX_MS"));
			return 2;
		}
		backoff_max_ms = (int)v;
	}
	/* MB_NO_STANDBY=1: restarts by fork and exec only (the old way, for comparison) */
	use_standby = !getenv("MB_NO_STANDBY") && !make_standby_link();

	run = 1;
	child = start_direct(1);
	started = now_ms();
	if (child > 0)
		kmsg("event=udriver-start prog=%s pid=%d run=%d", name, (int)child, run);
	refill_at = started + REFILL_MS;

	for (;;) {
		struct signalfd_siginfo si;
		struct pollfd p = { .fd = sfd, .events = POLLIN };
		double now = now_ms(), next = -1;
		int timeout = -1, status;
		pid_t pid;

		if (use_standby && sb.pid <= 0 && refill_at >= 0 && now >= refill_at) {
			start_standby(&sb);
			refill_at = -1;
		}
		if (child <= 0 && restart_at >= 0 && now >= restart_at) {
			run++;
			started = now_ms();
			restart_at = -1;
			/* Said before the go, so that the kernel log reads start, attach, replay. */
			child = -1;
			if (use_standby && sb.pid > 0 && sb.go >= 0) {
				kmsg("event=udriver-start prog=%s pid=%d run=%d standby=1",
				     name, (int)sb.pid, run);
				child = take_over(&sb);
			}
			if (child <= 0) {
				child = start_direct(0);
				if (child > 0)
					kmsg("event=udriver-start prog=%s pid=%d run=%d standby=0",
					     name, (int)child, run);
			}
			if (use_standby && sb.pid <= 0)
				refill_at = started + REFILL_MS;
			continue;
		}
		if (restart_at >= 0)
			next = restart_at;
		if (use_standby && sb.pid <= 0 && refill_at >= 0 && (next < 0 || refill_at < next))
			next = refill_at;
		if (child <= 0 && restart_at < 0) {
			/* fork failed: try again after the backoff */
			restart_at = now + (delay_ms > 0 ? delay_ms : BACKOFF_MIN_MS);
			continue;
		}
		if (next >= 0)
			timeout = next > now ? (int)(next - now) + 1 : 0;
		if (poll(&p, 1, timeout) < 0 && errno != EINTR)
			break;
		if (!(p.revents & POLLIN))
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			break;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);

			if (pid == sb.pid) {	/* the standby died waiting: start another */
				drop_standby(&sb);
				refill_at = now_ms() + REFILL_MS;
				continue;
			}
			if (pid != child)
				continue;
			child = -1;
			kmsg("event=udriver-exit prog=%s status=%d run=%d", name, code, run);
			now = now_ms();
			if (now - started >= HEALTHY_MS)
				delay_ms = 0;
			restart_at = now + delay_ms;
			delay_ms = delay_ms * 2;
			if (delay_ms < BACKOFF_MIN_MS)
				delay_ms = BACKOFF_MIN_MS;
			if (delay_ms > backoff_max_ms)
				delay_ms = backoff_max_ms;
		}
	}
	if (child > 0)
		kill(child, SIGTERM);
	if (sb.pid > 0)
		kill(sb.pid, SIGTERM);
	drop_standby(&sb);
	remove_standby_link();
	return 0;
}
