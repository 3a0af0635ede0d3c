/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kjump-image: inspect, verify, invalidate and extract kjump images. */
#include <errno.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "image.h"
#include "imgdev.h"
#include "load.h"
#include "exitcode.h"
#include "log.h"
#include "macros.h"
#include "options.h"
#include "efirt.h"
#include "memmap.h"
#include "plan.h"
#include "root.h"
#include "auth.h"
#include "err.h"
#include "sys.h"

struct args {
	const char *cmd, *device, *output, *mac_key, *root;
	uint64_t offset;
	int json, blocks, clear, no_flush;
	const char *set;
	enum kj_log_target log;
};

static void usage(FILE *f)
{
	fputs("Usage: kjump-image COMMAND [OPTIONS] DEVICE\n"
	      "Commands:\n"
	      "  info [--json] [--blocks]\n"
	      "                         header, ranges, sizes and compression ratio; with\n"
	      "                         --blocks, each data block's offset and length\n"
	      "  verify                 check every checksum; exit 0 only if all hold\n"
	      "  invalidate             restore the swap signature: the image can no longer\n"
	      "                         be resumed\n"
	      "  extract --output FILE  write the saved memory into FILE (offset = address)\n"
	      "  status [--clear]       why the last hibernation could not save (exit 1: no\n"
	      "                         failure recorded); --set MSG records one (flushed to\n"
	      "                         the device, unless --no-flush)\n"
	      "  snapshot               whether a kept image (a snapshot) is there: one line,\n"
	      "                         when it was made and how often resumed (exit 1: none)\n"
	      "  reseed                 after the resume of a snapshot: feed the fresh entropy\n"
	      "                         the resume kernel left to this kernel's random\n"
	      "                         generator, reseed it, wipe the record; say when the\n"
	      "                         clock is behind the resume kernel's (exit 1: no\n"
	      "                         fresh entropy there)\n"
	      "  extents SWAPFILE       print the swap file's device, resume_offset and extent\n"
	      "                         list for kjump-save --extents (run where it is mounted)\n"
	      "Options:\n"
	      "      --offset PAGES     swap header at this page (resume_offset)\n"
	      "      --mac-key FILE     verify, extract: check the image's MAC with this image\n"
	      "                         key (an authenticated image is otherwise checked\n"
	      "                         for corruption only)\n"
	      "      --root DIR         read /proc, /sys and /dev under DIR\n"
	      "      --log auto|stderr|kmsg  where messages go (default stderr)\n"
	      "  -v, --verbose / -q, --quiet\n"
	      "  -h, --help / --version\n"
	      "Exit status: 0 success, 1 no image or a check failed, 2 usage error.\n",
	      f);
}

static int parse_args(int argc, char **argv, struct args *a)
{
	enum { O_OFFSET = 256, O_JSON, O_BLOCKS, O_CLEAR, O_SET, O_NO_FLUSH, O_MAC_KEY, O_ROOT };
	static const struct option opts[] = {{"offset", required_argument, NULL, O_OFFSET},
					     {"json", no_argument, NULL, O_JSON},
					     {"blocks", no_argument, NULL, O_BLOCKS},
					     {"clear", no_argument, NULL, O_CLEAR},
					     {"set", required_argument, NULL, O_SET},
					     {"no-flush", no_argument, NULL, O_NO_FLUSH},
					     {"mac-key", required_argument, NULL, O_MAC_KEY},
					     {"root", required_argument, NULL, O_ROOT},
					     {"output", required_argument, NULL, 'o'},
					     KJ_COMMON_OPTIONS,
					     {0}};
	int c, r;

	a->log = KJ_LOG_STDERR;
	while ((c = getopt_long(argc, argv, "o:hvq", opts, NULL)) >= 0) {
		switch (c) {
		case O_OFFSET:
			if (kj_parse_u64(optarg, &a->offset) < 0)
				return kj_options_bad_value(optarg);
			break;
		case O_JSON: a->json = 1; break;
		case O_BLOCKS: a->blocks = 1; break;
		case O_CLEAR: a->clear = 1; break;
		case O_SET: a->set = optarg; break;
		case O_NO_FLUSH: a->no_flush = 1; break;
		case O_MAC_KEY: a->mac_key = optarg; break;
		case O_ROOT: a->root = optarg; break;
		case 'o': a->output = optarg; break;
		default:
			if ((r = kj_options_common(c, optarg, &a->log, usage)) == KJ_OPT_DONE)
				return 1;
			if (r < 0)
				return r;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return -EINVAL;
	}
	a->cmd = argv[optind];
	a->device = argv[optind + 1];
	if (strcmp(a->cmd, "info") && strcmp(a->cmd, "verify") && strcmp(a->cmd, "invalidate") &&
	    strcmp(a->cmd, "extract") && strcmp(a->cmd, "extents") && strcmp(a->cmd, "status") &&
	    strcmp(a->cmd, "snapshot") && strcmp(a->cmd, "reseed")) {
		fprintf(stderr, "kjump-image: unknown command '%s'\n", a->cmd);
		return -EINVAL;
	}
	if (!strcmp(a->cmd, "extract") != !!a->output) {
		fprintf(stderr, "kjump-image: --output goes with extract, and extract needs it\n");
		return -EINVAL;
	}
	return 0;
}

static void print_uuid(FILE *f, const uint8_t *u)
{
	fprintf(f, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
		u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		u[14], u[15]);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* One line a block: index, byte offset in the image, stored length, encoding. */
static int list_blocks(struct kj_image *img, const char *img_name)
{
	uint64_t off = img->hdr.data_off;

	for (uint64_t i = 0; i < img->hdr.nr_blocks; i++) {
		uint8_t raw[sizeof(struct kj_disk_block)];
		struct kj_block b;
		int rc = kj_imgdev_pread(img->dev, off, raw, sizeof(raw));
		if (rc == 0)
			rc = kj_block_parse(raw, sizeof(raw), img->hdr.block_pages, &b, NULL, 0);
		if (rc < 0) {
			log_error("%s: block %" PRIu64 " at %" PRIu64 " is %s", img_name, i, off,
				  rc == -EBADMSG ? "corrupt" : strerror(-rc));
			return rc;
		}
		printf("block %" PRIu64 " offset %" PRIu64 " stored %u raw %u %s\n", i, off,
		       b.stored_len, b.raw_len, b.flags & KJ_BLOCK_LZO ? "lzo" : "stored");
		off += sizeof(raw) + b.stored_len;
	}
	return 0;
}

static const char *const filter_states[] = {"not asked for", "on", "off"};

/* How often a kept image was resumed (its reseed record's count), 0 when never. */
static uint64_t kept_resumes(struct kj_image *img)
{
	struct kj_seed sd;

	if (!(img->hdr.compat_flags & KJ_COMPAT_KEPT) ||
	    kj_seed_read(img->dev, &sd, NULL, 0) <= 0 || sd.image_id != img->hdr.image_id)
		return 0;
	return sd.resumes;
}

static const char *resumes_text(struct kj_image *img, char *buf, size_t size)
{
	uint64_t n = kept_resumes(img);

	if (n)
		snprintf(buf, size, "; resumed %" PRIu64 " time%s", n, n == 1 ? "" : "s");
	else
		snprintf(buf, size, "; not resumed yet");
	return buf;
}

/* info --json, up to the ranges list (left open for them). */
static void info_json_header(struct kj_image *img)
{
	const struct kj_header *h = &img->hdr;
	uint64_t raw = h->total_pages << KJ_PAGE_SHIFT;
	uint64_t stored = img->image_end;
	double ratio = raw ? (double)stored / (double)raw : 0;

	printf("{\"version\":\"%u.%u\",\"release\":", h->version_major, h->version_minor);
	json_str(h->release);
	printf(",\"swap_uuid\":\"");
	print_uuid(stdout, img->swap.uuid);
	printf("\",\"swap_label\":");
	json_str(img->swap.label);
	printf(",\"created\":%" PRIu64 ",\"entry\":%" PRIu64 ",\"page_size\":%u,"
	       "\"compression\":\"%s\",\"block_pages\":%u,\"total_pages\":%" PRIu64
	       ",\"data_pages\":%" PRIu64 ",\"zero_pages\":%" PRIu64 ",\"blocks\":%" PRIu64
	       ",\"image_bytes\":%" PRIu64 ",\"ratio\":%.4f,\"data_offset\":%" PRIu64
	       ",\"data_bytes\":%" PRIu64 ",\"table_offset\":%" PRIu64 ",\"region\":[",
	       h->created, h->entry, h->page_size, h->compression == KJ_COMP_LZO ? "lzo" : "none",
	       h->block_pages, h->total_pages, h->data_pages, h->total_pages - h->data_pages,
	       h->nr_blocks, stored, ratio, h->data_off, h->data_bytes, h->table_off);
	for (uint32_t i = 0; i < h->nr_region; i++)
		printf("%s{\"start\":%" PRIu64 ",\"end\":%" PRIu64 "}", i ? "," : "",
		       h->region[i].start, h->region[i].end);
	printf("],\"memmap\":[");
	for (uint32_t i = 0; i < h->nr_memmap; i++)
		printf("%s{\"start\":%" PRIu64 ",\"end\":%" PRIu64 ",\"type\":\"%s\"}",
		       i ? "," : "", h->memmap[i].start, h->memmap[i].end,
		       kj_mem_type_to_string(h->memmap[i].type));
	printf("]");
	if (h->compat_flags & KJ_COMPAT_FILTER) {
		printf(",\"filter\":{\"state\":\"%s\",\"mode\":\"%s\",\"free\":%" PRIu64
		       ",\"offline\":%" PRIu64 ",\"poison\":%" PRIu64 ",\"a_free\":%" PRIu64
		       ",\"reason\":",
		       filter_states[h->filter.state], h->filter.mode ? "zero" : "omit",
		       h->filter.free_pages, h->filter.offline_pages, h->filter.poison_pages,
		       h->filter.a_free_pages);
		json_str(h->filter.reason);
		printf("}");
	}
	if (h->compat_flags & KJ_COMPAT_EFI_RT) {
		printf(",\"efi_runtime\":{\"regions\":%u,\"crc32c\":%u,\"first\":[", h->nr_efi_rt,
		       h->efi_rt_crc);
		for (uint32_t i = 0; i < h->nr_efi_rt && i < KJ_MAX_EFI_RT; i++)
			printf("%s{\"type\":%u,\"phys\":%" PRIu64 ",\"virt\":%" PRIu64
			       ",\"pages\":%" PRIu64 "}",
			       i ? "," : "", h->efi_rt[i].type, h->efi_rt[i].phys,
			       h->efi_rt[i].virt, h->efi_rt[i].pages);
		printf("]}");
	}
	printf(",\"kept\":%s,\"resumes\":%" PRIu64,
	       h->compat_flags & KJ_COMPAT_KEPT ? "true" : "false", kept_resumes(img));
	printf(",\"authenticated\":%s", img->auth_off ? "true" : "false");
	printf(",\"ranges\":[");
}

/* The page filter's record: what was left out, or why nothing was. */
static void print_filter(const struct kj_header *h, char *esc, size_t size)
{
	const struct kj_filter_record *f = &h->filter;

	if (!(h->compat_flags & KJ_COMPAT_FILTER))
		return;
	printf("page filter:    %s", filter_states[f->state]);
	if (f->state == KJ_FILTER_ON)
		printf(" (%s): %" PRIu64 " free, %" PRIu64 " offline, %" PRIu64
		       " poisoned pages %s",
		       f->mode == KJ_FILTER_ZERO ? "free pages as zero" : "free pages left out",
		       f->free_pages, f->offline_pages, f->poison_pages,
		       f->mode == KJ_FILTER_ZERO ? "zeroed or left out" : "left out");
	if (f->state == KJ_FILTER_ON && f->a_free_pages)
		printf("; A counted %" PRIu64 " free", f->a_free_pages);
	if (f->state == KJ_FILTER_OFF)
		printf(": %s", kj_escape(f->reason, esc, size));
	printf("\n");
}

static void print_auth(struct kj_image *img)
{
	struct kj_auth a;
	int rc = kj_image_read_auth(img, &a, NULL, NULL, 0); /* info only: verify checks it */

	printf("authenticated:  ");
	if (rc == -ENOENT) {
		printf("no\n");
		return;
	}
	if (rc < 0) {
		printf("yes, but the auth record is unreadable or corrupt\n");
		return;
	}
	printf("HMAC-SHA256, key id ");
	for (unsigned i = 0; i < sizeof(a.key_id); i++)
		printf("%02x", a.key_id[i]);
	printf(" (kjump-image verify --mac-key checks it)\n");
}

/* info, up to the ranges. */
static void info_text_header(struct kj_image *img)
{
	const struct kj_header *h = &img->hdr;
	uint64_t raw = h->total_pages << KJ_PAGE_SHIFT;
	uint64_t stored = img->image_end;
	double ratio = raw ? (double)stored / (double)raw : 0;
	char esc[400], when[80];

	printf("kjump image, format %u.%u\n", h->version_major, h->version_minor);
	printf("swap UUID:      ");
	print_uuid(stdout, img->swap.uuid);
	printf("\nswap LABEL:     %s\n", kj_escape(img->swap.label, esc, sizeof(esc)));
	printf("kernel:         %s\n", kj_escape(h->release, esc, sizeof(esc)));
	printf("created:        %s\n", kj_disk_time(h->created, when, sizeof(when)));
	if (h->compat_flags & KJ_COMPAT_KEPT)
		printf("kept:           yes, a snapshot: every boot resumes it until it is "
		       "discarded%s\n",
		       resumes_text(img, esc, sizeof(esc)));
	printf("entry:          0x%" PRIx64 "\n", h->entry);
	printf("compression:    %s, %u pages a block, %" PRIu64 " blocks\n",
	       h->compression == KJ_COMP_LZO ? "lzo" : "none", h->block_pages, h->nr_blocks);
	printf("memory:         %" PRIu64 " pages (%" PRIu64 " MiB), %" PRIu64 " zero pages\n",
	       h->total_pages, raw >> 20, h->total_pages - h->data_pages);
	printf("image size:     %" PRIu64 " bytes (%.1f %% of the memory)\n", stored, ratio * 100);
	for (uint32_t i = 0; i < h->nr_region; i++)
		printf("region:         0x%" PRIx64 "-0x%" PRIx64 "\n", h->region[i].start,
		       h->region[i].end);
	for (uint32_t i = 0; i < h->nr_memmap; i++)
		printf("firmware map:   0x%" PRIx64 "-0x%" PRIx64 " %s\n", h->memmap[i].start,
		       h->memmap[i].end, kj_mem_type_to_string(h->memmap[i].type));
	print_filter(h, esc, sizeof(esc));
	print_auth(img);
	if (h->compat_flags & KJ_COMPAT_EFI_RT)
		printf("EFI runtime:    %u regions (CRC32C 0x%08x)\n", h->nr_efi_rt, h->efi_rt_crc);
	for (uint32_t i = 0; i < h->nr_efi_rt && i < KJ_MAX_EFI_RT; i++)
		printf("EFI region:     0x%" PRIx64 "-0x%" PRIx64 " %s at 0x%" PRIx64 "\n",
		       h->efi_rt[i].phys, h->efi_rt[i].phys + (h->efi_rt[i].pages << 12) - 1,
		       kj_efi_type_to_string(h->efi_rt[i].type), h->efi_rt[i].virt);
	printf("ranges (%" PRIu64 "):\n", h->nr_ranges);
}

/* info: the header, then the ranges (or the blocks); exit 1 when they are corrupt. */
static int cmd_info(struct kj_image *img, const struct args *a)
{
	struct kj_range_cursor *cur;
	uint64_t pfn, n;
	uint32_t flags;
	int rc;

	if (a->blocks)
		return list_blocks(img, a->device) < 0 ? KJ_EXIT_FAILURE : KJ_EXIT_OK;
	if (!(cur = malloc(sizeof(*cur)))) {
		log_error("%s", strerror(ENOMEM));
		return KJ_EXIT_FAILURE;
	}
	if (a->json)
		info_json_header(img);
	else
		info_text_header(img);
	kj_range_cursor_init(cur, img);
	for (uint64_t i = 0; (rc = kj_range_cursor_next(cur, &pfn, &n, &flags)) > 0; i++) {
		if (a->json)
			printf("%s{\"start\":%" PRIu64 ",\"end\":%" PRIu64 ",\"zero\":%s}",
			       i ? "," : "", pfn << KJ_PAGE_SHIFT, (pfn + n) << KJ_PAGE_SHIFT,
			       flags & KJ_RANGE_ZERO ? "true" : "false");
		else
			printf("  0x%" PRIx64 "-0x%" PRIx64 " %s\n", pfn << KJ_PAGE_SHIFT,
			       (pfn + n) << KJ_PAGE_SHIFT, flags & KJ_RANGE_ZERO ? "zero" : "data");
	}
	if (a->json)
		printf("]}\n");
	free(cur);
	if (rc < 0)
		log_error("%s: range table is %s", a->device,
			  rc == -EBADMSG ? "corrupt" : strerror(-rc));
	return rc < 0 ? KJ_EXIT_FAILURE : KJ_EXIT_OK;
}

static int cmd_extents(const struct kj_root *root, const char *path)
{
	struct kj_extent e[KJ_EXTMAP_MAX];
	size_t n;
	dev_t devno;
	char uevent[96], *buf = NULL, *name;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0) {
		log_error("cannot open %s: %m", path);
		return -errno;
	}
	rc = kj_file_extents(root, fd, e, KJ_EXTMAP_MAX, &n, &devno);
	close(fd);
	if (rc < 0) {
		log_error("%s: %s", path, kj_file_extents_strerror(rc));
		return rc;
	}
	snprintf(uevent, sizeof(uevent), "/sys/dev/block/%u:%u/uevent", major(devno), minor(devno));
	if (kj_root_read_file(root, uevent, 4096, &buf, NULL) == 0 &&
	    (name = strstr(buf, "DEVNAME="))) {
		name += 8;
		name[strcspn(name, "\n")] = 0;
		printf("device=/dev/%s ", name);
	} else
		printf("device=%u:%u ", major(devno), minor(devno));
	free(buf);
	printf("resume_offset=%" PRIu64 " extents=", e[0].dev_page);
	for (size_t i = 0; i < n; i++)
		printf("%s%" PRIu64 ":%" PRIu64 ":%" PRIu64, i ? "," : "", e[i].file_page,
		       e[i].dev_page, e[i].count);
	printf("\n");
	return 0;
}

/* status: why the last hibernation failed (or --set / --clear it). */
static int cmd_status(struct kj_imgdev *dev, const struct args *a)
{
	char err[256] = "", esc[1100], ts[80];
	struct kj_status st;
	int rc;

	if (a->set) {
		if ((rc = kj_status_write(dev, -EIO, a->set, !a->no_flush)) < 0)
			log_error("%s: cannot record the status: %s", a->device, strerror(-rc));
		return rc < 0 ? KJ_EXIT_FAILURE : KJ_EXIT_OK;
	}
	rc = kj_status_read(dev, &st, err, sizeof(err));
	if (rc == -EBADMSG)
		log_error("%s: no valid status: %s", a->device, err);
	else if (rc < 0)
		log_error("%s: cannot read the status: %s", a->device, strerror(-rc));
	if (rc <= 0)
		return KJ_EXIT_FAILURE; /* also "no failure recorded" */
	printf("hibernation failed at %s: %s\n", kj_disk_time(st.time, ts, sizeof(ts)),
	       kj_escape(st.msg, esc, sizeof(esc)));
	if (a->clear && (rc = kj_status_clear(dev)) < 0)
		log_error("%s: cannot clear the status: %s", a->device, strerror(-rc));
	return KJ_EXIT_OK;
}

/* snapshot: one line when the image is kept. */
static int cmd_snapshot(struct kj_image *img, const struct args *a)
{
	char when[80], n[64], esc[400];

	if (!(img->hdr.compat_flags & KJ_COMPAT_KEPT)) {
		log_info("%s: the image is not kept (a hibernation, resumed once)", a->device);
		return KJ_EXIT_FAILURE;
	}
	printf("a kept snapshot of %s, made %s%s\n", kj_escape(img->hdr.release, esc, sizeof(esc)),
	       kj_disk_time(img->hdr.created, when, sizeof(when)), resumes_text(img, n, sizeof(n)));
	return KJ_EXIT_OK;
}

/* The clock against the resume kernel's at its write. The resumed kernel reads the
 * real-time clock when the jump returns; one that is behind the resume kernel's is
 * said, not set: the resume kernel's clock is the RTC read as UTC, which a machine
 * that keeps its RTC in local time has wrong in the initramfs. */
static void check_clock(const struct kj_seed *sd)
{
	int64_t now = (int64_t)time(NULL), then = (int64_t)sd->time;

	if (now + 2 >= then)
		log_info("clock: %" PRId64 " s after the resume kernel's at the jump", now - then);
	else
		log_warning("this kernel's clock is %" PRId64 " s behind the resume kernel's at "
			    "the jump: check it (timedatectl)",
			    then - now);
}

/* reseed: the resume kernel's fresh entropy into this kernel's generator, then wiped
 * from the device (the count stays, for info). */
static int cmd_reseed(struct kj_imgdev *dev, const struct args *a)
{
	char err[256] = "", path[4096];
	struct kj_root root;
	struct kj_seed sd;
	int rc = kj_seed_read(dev, &sd, err, sizeof(err));

	if (rc <= 0 || sd.state != KJ_SEED_FRESH) {
		if (rc < 0)
			log_error("%s: %s", a->device, err[0] ? err : strerror(-rc));
		else
			log_info("%s: no fresh entropy left by a resume kernel", a->device);
		explicit_bzero(&sd, sizeof(sd));
		return KJ_EXIT_FAILURE;
	}
	rc = kj_root_init(&root, a->root) < 0 ? -ENAMETOOLONG : 0;
	if (rc < 0 || (rc = kj_root_path(&root, "/dev/urandom", path, sizeof(path))) < 0 ||
	    (rc = kj_sys()->add_entropy(path, sd.seed, sizeof(sd.seed), KJ_SEED_LEN * 8)) < 0)
		log_error("%s: cannot feed the fresh entropy to this kernel: %s", a->device,
			  strerror(-rc));
	check_clock(&sd);
	sd.state = KJ_SEED_CONSUMED; /* wiped, whatever the feeding did: never fed twice */
	explicit_bzero(sd.seed, sizeof(sd.seed));
	if (kj_seed_write(dev, &sd) < 0) {
		log_error("%s: cannot wipe the reseed record", a->device);
		return KJ_EXIT_FAILURE;
	}
	if (rc < 0)
		return KJ_EXIT_FAILURE;
	printf("reseeded the random generator with %u bytes of fresh entropy from the resume "
	       "kernel (resume %" PRIu64 " of the snapshot)\n",
	       KJ_SEED_LEN, sd.resumes);
	return KJ_EXIT_OK;
}

static int cmd_invalidate(struct kj_imgdev *dev, const struct args *a)
{
	int rc = kj_image_invalidate(dev);

	if (rc < 0)
		log_error("%s: invalidation failed: %s", a->device, strerror(-rc));
	else
		log_info("%s: %s", a->device, rc ? "image invalidated" : "no image to invalidate");
	return rc < 0 ? KJ_EXIT_FAILURE : KJ_EXIT_OK;
}

/* Every check a resume makes: the MAC (with --mac-key), the range table (its CRC),
 * then every block. */
static int verify_all(struct kj_image *img, const struct args *a, char *err, size_t errlen)
{
	struct kj_load_opts lo = {.direct_io = 1, .verify_only = 1};
	struct kj_plan plan = {0};
	struct kj_image_key key;
	int rc = 0;

	if (a->mac_key && (rc = kj_image_key_read(NULL, a->mac_key, &key)) < 0)
		return kj_errf(rc, err, errlen, "--mac-key %s: %s", a->mac_key,
			       rc == -EINVAL ? "not an image key (32 to 256 bytes)"
					     : strerror(-rc));
	rc = kj_image_check_auth(img, a->mac_key ? &key : NULL, err, errlen);
	kj_image_key_wipe(&key);
	if (rc == -ENOKEY) {
		log_notice("%s: authenticated image: its MAC is not checked without --mac-key",
			   a->device);
		rc = 0;
	}
	if (rc == 0)
		rc = kj_plan_build(img, NULL, NULL, &plan, err, errlen);
	kj_plan_free(&plan);
	return rc < 0 ? rc : kj_image_load(img, NULL, &lo, err, errlen);
}

static int cmd_verify(struct kj_image *img, const struct args *a)
{
	char err[256] = "";
	int rc = verify_all(img, a, err, sizeof(err));

	if (rc < 0)
		log_error("%s: verification failed: %s", a->device, err);
	else
		log_info("%s: image verified: %" PRIu64 " blocks, %" PRIu64 " ranges, all "
			 "checksums hold%s",
			 a->device, img->hdr.nr_blocks, img->hdr.nr_ranges,
			 a->mac_key ? ", the MAC matches" : "");
	return rc < 0 ? KJ_EXIT_FAILURE : KJ_EXIT_OK;
}

/* extract: the memory as a sparse file; verified first, so that a bad image never
 * leaves a half-written file. */
static int cmd_extract(struct kj_image *img, const struct args *a)
{
	struct kj_load_opts lo = {.direct_io = 1};
	struct kj_plan plan = {0};
	struct kj_backend *be = NULL;
	char spec[4200], err[256] = "";
	int rc = verify_all(img, a, err, sizeof(err));

	snprintf(spec, sizeof(spec), "file:%s", a->output);
	if (rc == 0)
		rc = kj_plan_build(img, NULL, NULL, &plan, err, sizeof(err));
	if (rc == 0 && (rc = kj_backend_open(spec, NULL, 1, &be)) < 0)
		snprintf(err, sizeof(err), "cannot open %s: %s", a->output, strerror(-rc));
	if (rc == 0) {
		kj_plan_set_target(&plan, be, 1);
		rc = kj_image_load(img, &plan, &lo, err, sizeof(err));
		if (rc == 0)
			rc = be->ops->sync(be);
	}
	if (rc < 0)
		log_error("%s: extract failed: %s", a->device, err);
	kj_backend_close(be);
	kj_plan_free(&plan);
	return rc < 0 ? KJ_EXIT_FAILURE : KJ_EXIT_OK;
}

/* The commands: those on the device alone, and those on a valid image. Each returns an
 * exit status of kjump-image(8) (enum kj_exit), never an -errno. */
static const struct {
	const char *name;
	int writes;
	int (*on_device)(struct kj_imgdev *dev, const struct args *a);
	int (*on_image)(struct kj_image *img, const struct args *a);
} commands[] = {
    {"status", 0, cmd_status, NULL},   {"invalidate", 1, cmd_invalidate, NULL},
    {"info", 0, NULL, cmd_info},       {"verify", 0, NULL, cmd_verify},
    {"extract", 0, NULL, cmd_extract}, {"snapshot", 0, NULL, cmd_snapshot},
    {"reseed", 1, cmd_reseed, NULL},
};

int main(int argc, char **argv)
{
	struct args a = {0};
	struct kj_imgdev dev = KJ_IMGDEV_CLOSED;
	struct kj_image img = {0};
	struct kj_root root;
	enum kj_sig_kind kind;
	char err[256] = "";
	size_t c = 0;
	int rc, ret = KJ_EXIT_FAILURE;

	atexit(kj_close_stdout);

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc > 0 ? KJ_EXIT_OK : KJ_EXIT_USAGE;
	kj_log_open("kjump-image", a.log, NULL);
	if (kj_root_init(&root, a.root) < 0) {
		log_error("--root path too long");
		return KJ_EXIT_USAGE;
	}
	if (!strcmp(a.cmd, "extents"))
		return cmd_extents(&root, a.device) < 0 ? KJ_EXIT_FAILURE : KJ_EXIT_OK;
	while (strcmp(commands[c].name, a.cmd)) /* parse_args knows the names */
		c++;
	rc = kj_imgdev_open(a.device, a.offset, commands[c].writes || a.clear || a.set, &dev);
	if (rc < 0) {
		log_error("cannot open %s: %s", a.device, strerror(-rc));
		return KJ_EXIT_FAILURE;
	}
	if (commands[c].on_device)
		ret = commands[c].on_device(&dev, &a);
	else if ((rc = kj_image_open(&dev, &img, &kind, err, sizeof(err))) < 0)
		log_error("%s: %s", a.device, err);
	else
		ret = commands[c].on_image(&img, &a);
	kj_image_close(&img);
	kj_imgdev_close(&dev);
	return ret == KJ_EXIT_OK ? KJ_EXIT_OK : KJ_EXIT_FAILURE; /* the only other status */
}
