/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The devmem backend over a fake /dev/mem (a plain file under --root): it fails closed,
 * so once its windows are set nothing outside them is mapped or written (no MMIO, not
 * the running kernel's RAM), and what is inside them reaches the right bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "root.h"
#include "tap.h"

#define MiB (1ull << 20)

static int byte_at(const char *path, uint64_t off)
{
	unsigned char c = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	if (fseek(f, (long)off, SEEK_SET) < 0 || fread(&c, 1, 1, f) != 1)
		c = 0;
	fclose(f);
	return c;
}

int main(void)
{
	char dir[] = "/tmp/kjump-backend-XXXXXX", p[256], cmd[300];
	unsigned char buf[8192];
	struct kj_ranges win = {0};
	struct kj_backend *be = NULL;
	struct kj_root root;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(p, sizeof(p), "%s/dev", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/dev/mem", dir);
	CHECK((f = fopen(p, "w")) != NULL);
	if (f) {
		CHECK_EQ(ftruncate(fileno(f), (off_t)(16 * MiB)), 0);
		fclose(f);
	}
	CHECK_EQ(kj_root_init(&root, dir), 0);
	CHECK_EQ(kj_backend_open("devmem", &root, 1, &be), 0);
	if (!be)
		return kj_test_result("unit-backend");
	memset(buf, 0x5a, sizeof(buf));

	/* before the windows: each access maps its own pages (kjump-save --ranges) */
	CHECK_EQ(be->ops->write(be, 3 * MiB, buf, 4096), 0);
	CHECK_EQ(byte_at(p, 3 * MiB), 0x5a);

	kj_ranges_add(&win, 1 * MiB, 2 * MiB);
	kj_ranges_add(&win, 4 * MiB, 8 * MiB);
	CHECK_EQ(kj_backend_set_windows(be, &win), 0);
	CHECK_EQ(be->ops->write(be, 1 * MiB + 100, buf, 5000), 0);
	CHECK_EQ(byte_at(p, 1 * MiB + 100), 0x5a);
	CHECK_EQ(byte_at(p, 1 * MiB + 5099), 0x5a);
	CHECK_EQ(byte_at(p, 1 * MiB + 5100), 0);
	CHECK_EQ(be->ops->read(be, 1 * MiB + 100, buf + 4096, 16), 0);
	CHECK_EQ(buf[4096], 0x5a);
	CHECK_EQ(be->ops->zero(be, 4 * MiB, 2 * MiB), 0);
	CHECK_EQ(kj_backend_probe(be, 5 * MiB), 0);

	/* outside: refused, and nothing changes there */
	CHECK_EQ(be->ops->write(be, 3 * MiB, buf, 4096), -EFAULT);
	CHECK_EQ(be->ops->zero(be, 3 * MiB, 4096), -EFAULT);
	CHECK_EQ(byte_at(p, 3 * MiB), 0x5a);
	CHECK_EQ(be->ops->read(be, 9 * MiB, buf, 4096), -EFAULT);
	/* straddling a window's end, or wrapping around */
	CHECK_EQ(be->ops->write(be, 2 * MiB - 4096, buf, 8192), -EFAULT);
	CHECK_EQ(byte_at(p, 2 * MiB - 4096), 0);
	CHECK_EQ(be->ops->write(be, UINT64_MAX - 100, buf, 4096), -EFAULT);
	CHECK_EQ(be->ops->write(be, 8 * MiB - 4096, buf, 4096), 0);

	kj_backend_close(be);
	kj_ranges_free(&win);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ(system(cmd), 0);
	return kj_test_result("unit-backend");
}
