/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: a whole image as the loader sees it, from a memory file standing for
 * the device: open, validate, check its MAC (with the key the authenticated seed was made
 * with: 32 bytes of 0x5a), walk the range table, decode and check every
 * block against its CRC and, authenticated, its digest. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "auth.h"
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
	struct kj_image_key key;
	uint8_t kb[32];

	if (fd < 0 || size > (16u << 20))
		goto out;
	if (write(fd, data, size) != (ssize_t)size)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (kj_imgdev_open(path, 0, 0, &dev) < 0)
		goto out;
	memset(kb, 0x5a, sizeof(kb));
	kj_image_key_set(&key, kb, sizeof(kb));
	if (kj_image_open(&dev, &img, NULL, err, sizeof(err)) == 0 &&
	    kj_image_check_auth(&img, img.auth_off ? &key : NULL, err, sizeof(err)) == 0 &&
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
