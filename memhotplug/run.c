/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmdline.h"
#include "exitcode.h"
#include "log.h"
#include "macros.h"

static void on_step(const struct memhp_step_result *r, void *ud)
{
	const struct memhp_plan *p = ud;
	uint64_t s = r->step->start, e = s + p->block_size - 1;

	if (r->rc < 0)
		log_error("memory block %llu (0x%llx-0x%llx): %s failed: %s",
			  (unsigned long long)r->step->index, (unsigned long long)s,
			  (unsigned long long)e, r->stage, strerror(-r->rc));
	else
		log_debug("memory block %llu (0x%llx-0x%llx) %s",
			  (unsigned long long)r->step->index, (unsigned long long)s,
			  (unsigned long long)e, r->was_online ? "already online" : "online");
}

/* A parameter that restricts the boot's RAM (and is dropped for a full boot). */
static int is_restriction(const struct kj_cmdline_param *p)
{
	const char *v = p->value;
	if (kj_cmdline_key_eq(p->key, "mem"))
		return 1;
	if (!kj_cmdline_key_eq(p->key, "memmap") || !v)
		return 0;
	/* exactmap and size@start define RAM; size$start, size#start, size!start reserve
	 * or mark memory and stay. */
	return !strcmp(v, "exactmap") || (strchr(v, '@') && !strpbrk(v, "$#!"));
}

int memhp_unrestricted_cmdline(const char *in, char *out, size_t size)
{
	struct kj_cmdline_param p;
	size_t o = 0, pos = 0, len = strlen(in);

	while (kj_cmdline_next(in, len, &pos, &p) > 0) {
		if (is_restriction(&p) || kj_cmdline_key_eq(p.key, "kjump.fallback"))
			continue;
		if (o + p.raw_len + 2 > size)
			return -E2BIG;
		if (o)
			out[o++] = ' ';
		memcpy(out + o, p.raw, p.raw_len); /* as written, quotes and all */
		o += p.raw_len;
	}
	/* Mark the new boot so that it never falls back again. */
	if (o + 22 > size)
		return -E2BIG;
	o += (size_t)snprintf(out + o, size - o, "%skjump.fallback=done", o ? " " : "");
	return 0;
}

static int run_cmd(char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int fallback(const struct kj_root *root, const struct memhp_run_opts *o, uint64_t missing)
{
	char *cl = NULL, newcl[4096], appendarg[4200], initrdarg[4200], val[16];
	const char *kexec = o->kexec ? o->kexec : "kexec";
	char *argv[8];
	int n = 0, rc;

	if (!o->fallback_kernel) {
		log_warning("this kernel has no memory probe interface (CONFIG_ARCH_MEMORY_PROBE): "
			    "%llu MiB of RAM stay unused until the next full boot. Configure a "
			    "fallback kernel (kjump.fallback_kernel=) to boot with all memory.",
			    (unsigned long long)(missing >> 20));
		return KJ_EXIT_OK;
	}
	if (o->cmdline)
		cl = strdup(o->cmdline);
	else if (kj_root_read_file(root, "/proc/cmdline", 65536, &cl, NULL) < 0)
		cl = strdup("");
	if (!cl)
		return KJ_EXIT_FAILURE;
	if (kj_cmdline_get(cl, strlen(cl), "kjump.fallback", val, sizeof(val)) && !strcmp(val, "done")) {
		log_error("already booted through the fallback kernel and memory is still missing; "
			  "continuing with what is there");
		free(cl);
		return KJ_EXIT_FAILURE;
	}
	rc = memhp_unrestricted_cmdline(cl, newcl, sizeof(newcl));
	free(cl);
	if (rc < 0) {
		log_error("kernel command line too long for the fallback kernel");
		return KJ_EXIT_FAILURE;
	}
	log_notice("no memory probe interface: booting %s with all memory (kexec, no firmware)",
		   o->fallback_kernel);
	if (o->dry_run) {
		log_info("dry run: would kexec %s with: %s", o->fallback_kernel, newcl);
		return KJ_EXIT_OK;
	}
	snprintf(appendarg, sizeof(appendarg), "--append=%s", newcl);
	argv[n++] = (char *)kexec;
	argv[n++] = (char *)"-l";
	argv[n++] = (char *)o->fallback_kernel;
	if (o->fallback_initrd) {
		snprintf(initrdarg, sizeof(initrdarg), "--initrd=%s", o->fallback_initrd);
		argv[n++] = initrdarg;
	}
	argv[n++] = appendarg;
	argv[n] = NULL;
	rc = run_cmd(argv);
	if (rc != 0) {
		log_error("kexec -l %s failed (status %d); continuing with the memory present",
			  o->fallback_kernel, rc);
		return KJ_EXIT_FAILURE;
	}
	argv[1] = (char *)"-e";
	argv[2] = NULL;
	rc = run_cmd(argv);
	log_error("kexec -e failed (status %d); continuing with the memory present", rc);
	return KJ_EXIT_FAILURE;
}

int memhp_run(const struct kj_root *root, const struct memhp_run_opts *o)
{
	struct memhp_plan p;
	struct memhp_result r = {0};
	struct memhp_limit lim[4];
	uint64_t before = 0, after = 0, probe_bytes = 0;
	int have_total;
	size_t nlim = 0;
	char err[256];
	int rc;

	rc = memhp_plan_build(root, &p, err, sizeof(err));
	if (rc < 0) {
		log_warning("memory hot-add: %s", err);
		return KJ_EXIT_FAILURE;
	}
	for (size_t i = 0; i < p.n_steps; i++)
		if (p.steps[i].action == MEMHP_PROBE_ONLINE)
			probe_bytes += p.block_size;
	log_notice("memory: block size %llu MiB, firmware RAM %llu MiB, online %llu MiB, to add "
		 "%llu MiB in %zu blocks, left out %llu KiB",
		 (unsigned long long)(p.block_size >> 20), (unsigned long long)(p.fw_ram_bytes >> 20),
		 (unsigned long long)(p.online_bytes >> 20), (unsigned long long)(p.add_bytes >> 20),
		 p.n_steps, (unsigned long long)(p.left_bytes >> 10));
	for (size_t i = 0; i < p.n_left; i++)
		log_notice("left out: 0x%llx-0x%llx (%llu KiB): %s", (unsigned long long)p.left[i].start,
			   (unsigned long long)p.left[i].end - 1,
			   (unsigned long long)((p.left[i].end - p.left[i].start) >> 10), p.left[i].why);
	if (!p.have_probe && probe_bytes) {
		rc = fallback(root, o, probe_bytes);
		memhp_plan_free(&p);
		return rc;
	}
	if (o->dry_run) {
		for (size_t i = 0; i < p.n_steps; i++)
			log_info("would %s memory block %llu (0x%llx-0x%llx) as %s",
				 p.steps[i].action == MEMHP_PROBE_ONLINE ? "probe and online" : "online",
				 (unsigned long long)p.steps[i].index,
				 (unsigned long long)p.steps[i].start,
				 (unsigned long long)(p.steps[i].start + p.block_size - 1),
				 memhp_zone_state(o->zone));
		memhp_plan_free(&p);
		return KJ_EXIT_OK;
	}
	if (p.n_steps == 0) {
		memhp_plan_free(&p);
		return KJ_EXIT_OK;
	}
	have_total = memhp_memtotal(root, &before) == 0;
	memhp_apply(root, &p, o->zone, o->ops, on_step, &p, &r);
	have_total = have_total && memhp_memtotal(root, &after) == 0;
	log_notice("memory: added %llu MiB in %zu blocks, %zu failed; left out %llu KiB; MemTotal "
		 "%llu MiB -> %llu MiB",
		 (unsigned long long)(r.added_bytes >> 20), r.added, r.failed,
		 (unsigned long long)(p.left_bytes >> 10), (unsigned long long)(before >> 20),
		 (unsigned long long)(after >> 20));
	if (!have_total)
		log_warning("cannot read MemTotal from /proc/meminfo: boot-sized limits not raised");
	else
		memhp_raise_limits(root, before, after, o->ops, lim, ARRAY_SIZE(lim), &nlim);
	for (size_t i = 0; i < nlim; i++) {
		if (lim[i].rc < 0)
			log_warning("cannot raise %s to %llu: %s", lim[i].name,
				    (unsigned long long)lim[i].after, strerror(-lim[i].rc));
		else
			log_info("raised %s from %llu to %llu", lim[i].name,
				 (unsigned long long)lim[i].before, (unsigned long long)lim[i].after);
	}
	if (after > 2 * before && before)
		log_notice("hash tables (dentry, inode, TCP, mount) keep their boot size; for a large "
			   "machine boot with dhash_entries=, ihash_entries=, thash_entries=, "
			   "mhash_entries= (see kjump(7))");
	memhp_plan_free(&p);
	return r.failed == 0 ? KJ_EXIT_OK : r.added ? KJ_EXIT_PARTIAL : KJ_EXIT_FAILURE;
}
