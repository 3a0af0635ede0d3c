/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "choose.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "device.h"
#include "imgdev.h"
#include "macros.h"
#include "swaps.h"

/* path (root-prefixed) as a path of the system: the root's prefix taken off. */
static const char *setup_unroot(const struct kj_root *root, const char *path)
{
	size_t n = strlen(root->prefix);
	return n && !strncmp(path, root->prefix, n) && path[n] == '/' ? path + n : path;
}

/* With resume_offset=: the swap file in use that starts at that page of the device. */
static void find_swapfile(const struct kj_root *root, const struct setup_swap *e, size_t n,
			  struct setup_device *d)
{
	size_t i;
	if (d->offset && setup_swap_find(root, e, n, d->path, d->offset, &i) > 0)
		snprintf(d->swapfile, sizeof(d->swapfile), "%s", e[i].name);
}

int setup_device_choose(const struct kj_root *root, struct setup_device *ret)
{
	_cleanup_free_ char *cl = NULL, *sw = NULL;
	_cleanup_free_ struct setup_swap *e = NULL;
	size_t cl_size = 0, sw_size = 0, n = 0, i;
	struct setup_device d = {0};
	char path[PATH_MAX];
	int rc = -ENOENT;

	if (kj_root_read_file(root, "/proc/swaps", 1 << 20, &sw, &sw_size) == 0 &&
	    setup_swaps_parse(sw, sw_size, &e, &n) < 0)
		return -ENOMEM;
	if (kj_root_read_file(root, "/proc/cmdline", 65536, &cl, &cl_size) == 0)
		rc = resume_device_from_cmdline(root, cl, cl_size, path, sizeof(path), &d.offset);
	if (rc == 0) {
		/* the node a /dev/disk/by-* link names, as /proc/swaps shows it */
		char real[PATH_MAX];
		if (realpath(path, real) && !strncmp(real, root->prefix, strlen(root->prefix)))
			snprintf(path, sizeof(path), "%s", real);
		snprintf(d.path, sizeof(d.path), "%s", setup_unroot(root, path));
		d.from_cmdline = 1;
		find_swapfile(root, e, n, &d);
	} else if (rc == -ENOENT) {
		if ((rc = setup_swap_first_partition(e, n, &i)) < 0)
			return rc;
		snprintf(d.path, sizeof(d.path), "%s", e[i].name);
	} else
		return rc;
	*ret = d;
	return 0;
}

int setup_swapfile_map(const struct kj_root *root, const char *path, char *ret_dev, size_t devsize,
		       uint64_t *ret_offset, char **ret_extents)
{
	struct kj_extent e[KJ_EXTMAP_MAX];
	char p[PATH_MAX], node[PATH_MAX];
	char *buf = NULL;
	size_t n, len = 0;
	dev_t devno;
	FILE *m;
	int fd, rc;

	if (kj_root_path(root, path, p, sizeof(p)) < 0)
		return -ENAMETOOLONG;
	if ((fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return -errno;
	rc = kj_file_extents(root, fd, e, KJ_EXTMAP_MAX, &n, &devno);
	close(fd);
	if (rc < 0)
		return rc;
	if (!(m = open_memstream(&buf, &len)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		fprintf(m, "%s%" PRIu64 ":%" PRIu64 ":%" PRIu64, i ? "," : "", e[i].file_page,
			e[i].dev_page, e[i].count);
	if (fclose(m) != 0) {
		free(buf);
		return -ENOMEM;
	}
	if (resume_device_by_devnum(root, major(devno), minor(devno), node, sizeof(node)) == 0)
		snprintf(ret_dev, devsize, "%s", setup_unroot(root, node));
	else
		snprintf(ret_dev, devsize, "%u:%u", major(devno), minor(devno));
	*ret_offset = e[0].dev_page;
	*ret_extents = buf;
	return 0;
}
