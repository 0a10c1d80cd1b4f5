// SPDX-License-Identifier: GPL-2.0
/*
 * mb-ref: the physical references every figure is quoted against, measured
 * in the guest that measures the figure (absolute times on these machines
 * swing by 2x from day to day; a ratio to a reference of the same run does
 * not).  Three costs every system has, whatever its drivers:
 *   pipe round trip   one byte to another process over a pipe and back
 *   fork+exec+wait    fork, execve of a trivial program (this one, static,
 *                     told to exit at once), waitpid
 *   null syscall      getppid(2) through syscall(2), never cached by libc
 *   mb-ref [-p PIPES] [-f FORKS] [-s SYSCALLS]   defaults 2000, 100, 200000
 * Output, one line (averages per operation):
 *   pipe_rtt_us=<avg> fork_exec_us=<avg> null_syscall_us=<avg> pipes=<n> forks=<n> syscalls=<n>
 * Exit 1 when an operation fails (the line is not printed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int fail(const char *what)
{
	fprintf(stderr, "mb-ref: %s: %s\n", what, strerror(errno));
	return -1;
}

/* The echo process: reads a byte, writes it back, until EOF. */
static void echo_loop(int in, int out)
{
	char b;

	while (read(in, &b, 1) == 1)
		if (write(out, &b, 1) != 1)
			break;
	_exit(0);
}

static int pipe_rtt(unsigned long n, double *us)
{
	int to[2], from[2], status;
	unsigned long i;
	double t0;
	pid_t pid;
	char b = 'x';

	if (pipe(to) || pipe(from))
		return fail("pipe");
	pid = fork();
	if (pid < 0)
		return fail("fork");
	if (!pid) {
		close(to[1]);
		close(from[0]);
		echo_loop(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	/* one round first: the echo process must be running before the clock starts */
	if (write(to[1], &b, 1) != 1 || read(from[0], &b, 1) != 1)
		return fail("pipe round trip");
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (write(to[1], &b, 1) != 1 || read(from[0], &b, 1) != 1)
			return fail("pipe round trip");
	*us = (now_ns() - t0) / n / 1000;
	close(to[1]);
	close(from[0]);
	if (waitpid(pid, &status, 0) != pid)
		return fail("waitpid");
	return 0;
}

static int fork_exec(unsigned long n, double *us)
{
	char *const args[] = { "mb-ref", "--exit", NULL };
	unsigned long i;
	int status;
	double t0;
	pid_t pid;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			return fail("fork");
		if (!pid) {
			execv("/proc/self/exe", args);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid)
			return fail("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			errno = ENOEXEC;
			return fail("the exec'd program did not exit 0");
		}
	}
	*us = (now_ns() - t0) / n / 1000;
	return 0;
}

static void null_syscall(unsigned long n, double *us)
{
	unsigned long i;
	double t0;

	t0 = now_ns();
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	*us = (now_ns() - t0) / n / 1000;
}

int main(int argc, char **argv)
{
	unsigned long pipes = 2000, forks = 100, syscalls = 200000;
	double pipe_us = 0, fork_us = 0, sys_us = 0;
	int opt;

	if (argc == 2 && !strcmp(argv[1], "--exit"))
		return 0;
	while ((opt = getopt(argc, argv, "p:f:s:")) != -1) {
		unsigned long v = strtoul(optarg, NULL, 0);

		if (!v) {
			fprintf(stderr, "mb-ref: -%c needs a count above 0\n", opt);
			return 2;
		}
		if (opt == 'p')
			pipes = v;
		else if (opt == 'f')
			forks = v;
		else if (opt == 's')
			syscalls = v;
		else
			return 2;
	}
	if (pipe_rtt(pipes, &pipe_us) || fork_exec(forks, &fork_us))
		return 1;
	null_syscall(syscalls, &sys_us);
	printf("pipe_rtt_us=%.2f fork_exec_us=%.1f null_syscall_us=%.3f pipes=%lu forks=%lu syscalls=%lu\n",
	       pipe_us, fork_us, sys_us, pipes, forks, syscalls);
	return 0;
}
