/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: a whole image as the loader sees it, from a memory file standing for
 * the device: open, validate, walk the range table, decode and check every block. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image.h"
#include "imgdev.h"
#include "load.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("kjump-fuzz", 0);
	char path[64], err[256];
	struct kj_imgdev dev;
	struct kj_image img = {0};
	struct kj_plan plan = {0};
	struct kj_load_opts lo = {.threads = 2, .verify_only = 1};

	if (fd < 0 || size > (16u << 20))
		goto out;
	if (write(fd, data, size) != (ssize_t)size)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (kj_imgdev_open(path, 0, 0, &dev) < 0)
		goto out;
	if (kj_image_open(&dev, &img, NULL, err, sizeof(err)) == 0 &&
	    kj_plan_build(&img, NULL, NULL, &plan, err, sizeof(err)) == 0)
		kj_image_load(&img, NULL, &lo, err, sizeof(err));
	kj_plan_free(&plan);
	kj_image_close(&img);
	kj_imgdev_close(&dev);
out:
	if (fd >= 0)
		close(fd);
	return 0;
}
