/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "memhp.h"

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "memmap.h"

#define MEMDIR	   "/sys/devices/system/memory"
#define LOW_MEMORY ((uint64_t)1 << 20)

void memhp_plan_free(struct memhp_plan *p)
{
	free(p->steps);
	free(p->left);
	p->steps = NULL;
	p->left = NULL;
	p->n_steps = p->n_left = 0;
}

const char *memhp_zone_state(enum memhp_zone z)
{
	switch (z) {
	case MEMHP_ZONE_MOVABLE: return "online_movable";
	case MEMHP_ZONE_AUTO: return "online";
	case MEMHP_ZONE_KERNEL: break;
	}
	/* Not plain "online": policies may send it to ZONE_MOVABLE, which cannot hold the
	 * struct pages of the blocks added after it. */
	return "online_kernel";
}

/* State of block index: 1 online, 0 offline/going-offline, -ENOENT absent. */
static int block_state(const struct kj_root *root, uint64_t index)
{
	char p[128], st[64];
	snprintf(p, sizeof(p), MEMDIR "/memory%llu/state", (unsigned long long)index);
	if (kj_root_read_line(root, p, st, sizeof(st)) < 0)
		return -ENOENT;
	return !strcmp(st, "online");
}

static int push_step(struct memhp_plan *p, uint64_t index, uint64_t bs, enum memhp_action a)
{
	struct memhp_step *n = realloc(p->steps, (p->n_steps + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->steps = n;
	p->steps[p->n_steps++] = (struct memhp_step){index, index * bs, a};
	return 0;
}

static int push_left(struct memhp_plan *p, uint64_t s, uint64_t e, const char *why)
{
	struct memhp_leftout *n;
	if (p->n_left && p->left[p->n_left - 1].end == s && p->left[p->n_left - 1].why == why) {
		p->left[p->n_left - 1].end = e; /* merge neighbours with the same reason */
		p->left_bytes += e - s;
		return 0;
	}
	n = realloc(p->left, (p->n_left + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->left = n;
	p->left[p->n_left++] = (struct memhp_leftout){s, e, why};
	p->left_bytes += e - s;
	return 0;
}

/* The memory-block size: hex without 0x, as the kernel prints it. */
static int read_block_size(const struct kj_root *root, uint64_t *ret, char *err, size_t errlen)
{
	char buf[64], hex[72];
	uint64_t bs;
	int rc = kj_root_read_line(root, MEMDIR "/block_size_bytes", buf, sizeof(buf));

	if (rc < 0) {
		snprintf(err, errlen, "no memory hotplug in this kernel (%s: %s)",
			 MEMDIR "/block_size_bytes", strerror(-rc));
		return -EOPNOTSUPP;
	}
	snprintf(hex, sizeof(hex), "0x%s", buf);
	if (kj_parse_u64(hex, &bs) < 0 || bs < KJ_PAGE_SIZE || (bs & (bs - 1))) {
		snprintf(err, errlen, "bad block_size_bytes '%s'", buf);
		return -EBADMSG;
	}
	*ret = bs;
	return 0;
}

/* A present block that this boot has only in part (mem= not block-aligned): the
 * missing RAM is left out. Below 1 MiB the kernel keeps pieces for itself. */
static int leave_out_missing(struct memhp_plan *p, const struct kj_ranges *ram,
			     const struct kj_ranges *have)
{
	int rc = 0;

	for (size_t k = 0; k < ram->n && rc >= 0; k++) {
		struct kj_ranges one = {0}, miss = {0};
		rc = kj_ranges_add(&one, ram->r[k].start, ram->r[k].end);
		if (rc >= 0)
			rc = kj_ranges_subtract(&one, have, &miss);
		for (size_t m = 0; m < miss.n && rc >= 0; m++)
			if (miss.r[m].end > LOW_MEMORY)
				rc = push_left(p, MAX(miss.r[m].start, LOW_MEMORY), miss.r[m].end,
					       "block already present only in part (boot memory "
					       "limit not block-aligned)");
		kj_ranges_free(&one);
		kj_ranges_free(&miss);
	}
	return rc;
}

/* Block b: online already, offline (online it), absent and all RAM (probe it), or
 * absent and partly reserved by the firmware (cannot be probed: left out). */
static int plan_block(const struct kj_root *root, struct memhp_plan *p, uint64_t b,
		      const struct kj_ranges *fw, const struct kj_ranges *have)
{
	uint64_t bs = p->block_size, s = b * bs, ram_bytes;
	struct kj_ranges blk = {0}, ram = {0}, in = {0};
	int rc, st;

	if ((rc = kj_ranges_add(&blk, s, s + bs)) < 0 ||
	    (rc = kj_ranges_intersect(&blk, fw, &ram)) < 0 ||
	    (rc = kj_ranges_intersect(&ram, have, &in)) < 0)
		goto out;
	ram_bytes = kj_ranges_total(&ram);
	st = block_state(root, b);
	if (st == 1) {
		p->online_bytes += kj_ranges_total(&in);
		rc = leave_out_missing(p, &ram, have);
	} else if (st == 0) {
		rc = push_step(p, b, bs, MEMHP_ONLINE);
		p->add_bytes += ram_bytes;
	} else if (ram_bytes == bs) {
		rc = push_step(p, b, bs, MEMHP_PROBE_ONLINE);
		p->add_bytes += bs;
	} else {
		for (size_t k = 0; k < ram.n && rc >= 0; k++)
			rc = push_left(p, ram.r[k].start, ram.r[k].end,
				       "block only partly RAM (the firmware reserves the rest), "
				       "cannot be probed");
	}
out:
	kj_ranges_free(&blk);
	kj_ranges_free(&ram);
	kj_ranges_free(&in);
	return rc;
}

int memhp_plan_build(const struct kj_root *root, struct memhp_plan *ret, char *err, size_t errlen)
{
	struct memhp_plan p = {0};
	struct kj_memmap mm = {0};
	struct kj_ranges fw = {0}, have = {0};
	uint64_t bs;
	int rc;

	if ((rc = read_block_size(root, &bs, err, errlen)) < 0)
		return rc;
	p.block_size = bs;
	p.have_probe = kj_root_exists(root, MEMDIR "/probe");
	rc = kj_memmap_read(root, &mm);
	if (rc < 0) {
		snprintf(err, errlen,
			 "cannot read the firmware memory map (/sys/firmware/memmap): %s",
			 strerror(-rc));
		return rc == -ENOENT ? -EOPNOTSUPP : rc;
	}
	/* The kernel's own RAM, to tell partly present blocks apart. */
	if ((rc = kj_memmap_ranges(&mm, KJ_MEM_RAM, &fw)) < 0 ||
	    (rc = kj_iomem_read_ram(root, &have)) < 0) {
		snprintf(err, errlen, "cannot read the memory maps: %s", strerror(-rc));
		goto out;
	}
	p.fw_ram_bytes = kj_ranges_total(&fw);
	for (size_t i = 0; i < fw.n; i++)
		for (uint64_t b = fw.r[i].start / bs; b * bs < fw.r[i].end; b++) {
			/* Blocks spanning two RAM entries are handled once, at the first. */
			if (i > 0 && b * bs < fw.r[i - 1].end)
				continue;
			if ((rc = plan_block(root, &p, b, &fw, &have)) < 0)
				goto out;
		}
	*ret = p;
	memset(&p, 0, sizeof(p));
	rc = 0;
out:
	memhp_plan_free(&p);
	kj_memmap_free(&mm);
	kj_ranges_free(&fw);
	kj_ranges_free(&have);
	return rc;
}

static int default_write(const struct kj_root *root, const char *path, const char *value, void *ud)
{
	(void)ud;
	return kj_root_write_str(root, path, value);
}

int memhp_apply(const struct kj_root *root, const struct memhp_plan *p, enum memhp_zone zone,
		const struct memhp_ops *ops,
		void (*on_step)(const struct memhp_step_result *, void *), void *ud,
		struct memhp_result *ret)
{
	static const struct memhp_ops dflt = {default_write, NULL};
	struct memhp_result r = {0};

	if (!ops)
		ops = &dflt;
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct memhp_step *s = &p->steps[i];
		struct memhp_step_result sr = {.step = s};
		char path[128], val[32];
		int st;

		if (s->action == MEMHP_PROBE_ONLINE) {
			if (!p->have_probe) {
				sr.rc = -EOPNOTSUPP;
				sr.stage = "probe";
				goto done;
			}
			snprintf(val, sizeof(val), "0x%llx", (unsigned long long)s->start);
			sr.rc = ops->write_attr(root, MEMDIR "/probe", val, ops->ud);
			if (sr.rc < 0) {
				sr.stage = "probe";
				goto done;
			}
		}
		/* auto_online_blocks may have onlined it already (and fails silently). */
		st = block_state(root, s->index);
		if (st == 1) {
			sr.was_online = 1;
			goto done;
		}
		if (st < 0) {
			sr.rc = -ENOENT;
			sr.stage = "online";
			goto done;
		}
		snprintf(path, sizeof(path), MEMDIR "/memory%llu/state",
			 (unsigned long long)s->index);
		sr.rc = ops->write_attr(root, path, memhp_zone_state(zone), ops->ud);
		if (sr.rc < 0)
			sr.stage = "online";
		else if (block_state(root, s->index) != 1) {
			sr.rc = -EIO; /* accepted, but the block did not come online */
			sr.stage = "online";
		}
	done:
		if (sr.rc < 0) {
			r.failed++;
			r.failed_bytes += p->block_size;
		} else {
			r.added++;
			r.added_bytes += p->block_size;
		}
		if (on_step)
			on_step(&sr, ud);
	}
	if (ret)
		*ret = r;
	return r.failed ? -EIO : 0;
}

int memhp_meminfo(const struct kj_root *root, const char *field, uint64_t *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t n = strlen(field);
	unsigned long long kb;
	int rc = kj_root_read_file(root, "/proc/meminfo", 1 << 16, &buf, NULL);

	if (rc < 0)
		return rc;
	for (const char *l = buf; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, field, n) && l[n] == ':') {
			if (sscanf(l + n + 1, " %llu kB", &kb) != 1)
				return -EBADMSG;
			*ret = (uint64_t)kb << 10;
			return 0;
		}
	return -EBADMSG;
}

int memhp_bzimage_init_size(const uint8_t *buf, size_t size, uint64_t *ret)
{
	uint32_t v;
	uint16_t version;

	if (!buf || size < 0x264 || memcmp(buf + 0x202, "HdrS", 4))
		return -EINVAL;
	memcpy(&version, buf + 0x206, 2);
	if (le16toh(version) < 0x20a)
		return -EINVAL;
	memcpy(&v, buf + 0x260, 4);
	*ret = le32toh(v);
	return 0;
}

int memhp_memtotal(const struct kj_root *root, uint64_t *ret)
{
	return memhp_meminfo(root, "MemTotal", ret);
}

/* v * new / old, capped at what the file accepts: threads-max at FUTEX_TID_MASK, the
 * others (long and unsigned long in the kernel) at LONG_MAX. */
static uint64_t scaled_limit(const char *name, uint64_t v, uint64_t old_total, uint64_t new_total)
{
	unsigned __int128 x = (unsigned __int128)v * new_total / old_total;
	uint64_t cap = !strcmp(name, "kernel.threads-max") ? 0x3fffffff : (uint64_t)INT64_MAX;

	return x > cap ? cap : (uint64_t)x;
}

int memhp_raise_limits(const struct kj_root *root, uint64_t old_total, uint64_t new_total,
		       const struct memhp_ops *ops, struct memhp_limit *ret, size_t max,
		       size_t *ret_n)
{
	/* The kernel sizes these from the RAM it booted with, linearly. */
	static const char *const files[][2] = {
	    {"kernel.threads-max", "/proc/sys/kernel/threads-max"},
	    {"fs.file-max", "/proc/sys/fs/file-max"},
	    {"/sys/power/image_size", "/sys/power/image_size"},
	};
	static const struct memhp_ops dflt = {default_write, NULL};
	size_t n = 0;

	if (!ops)
		ops = &dflt;
	if (old_total == 0 || new_total <= old_total) {
		*ret_n = 0;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(files) && n < max; i++) {
		char buf[64];
		uint64_t v;
		struct memhp_limit *l = &ret[n];

		if (kj_root_read_line(root, files[i][1], buf, sizeof(buf)) < 0 ||
		    kj_parse_u64(buf, &v) < 0)
			continue;
		l->name = files[i][0];
		l->before = v;
		l->after = scaled_limit(l->name, v, old_total, new_total);
		/* Set higher than the kernel's boot size already (systemd sets fs.file-max to
		 * LONG_MAX): left alone, never lowered. */
		if (l->after <= v)
			continue;
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->after);
		l->rc = ops->write_attr(root, files[i][1], buf, ops->ud);
		n++;
	}
	*ret_n = n;
	return 0;
}
