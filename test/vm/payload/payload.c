/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Synthetic "hibernated kernel" for the QEMU tests: checks that kjump-resume put every
 * byte of the image where it belongs, reports on the serial port, and ends QEMU through
 * isa-debug-exit (exit status 33 = all good, 35 = mismatch). */
#include <stdint.h>

#include "pattern.h"

__attribute__((used, section(".data.manifest"))) volatile struct kj_manifest manifest = {
    .magic = KJ_MANIFEST_MAGIC,
};

/* Identity map of the first 64 GiB with 2 MiB pages: the jumping kernel's map covered
 * only its own RAM and the kexec segments. */
#define MAP_GIB 64
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[MAP_GIB][512] __attribute__((aligned(4096)));

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc_serial(char c)
{
	for (int i = 0; i < 100000 && !(inb(0x3f8 + 5) & 0x20); i++)
		;
	outb(0x3f8, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	while (*s) {
		if (*s == '\n')
			putc_serial('\r');
		putc_serial(*s++);
	}
}

static void puthex(uint64_t v)
{
	char b[19] = "0x";
	for (int i = 0; i < 16; i++)
		b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	b[18] = 0;
	puts_serial(b);
}

static void putdec(uint64_t v)
{
	char b[24];
	int i = 23;
	b[i] = 0;
	do
		b[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	puts_serial(b + i);
}

void payload_main(void)
{
	uint64_t pages = 0, bad = 0;

	for (int g = 0; g < MAP_GIB; g++) {
		for (int i = 0; i < 512; i++)
			pd[g][i] = ((uint64_t)g << 30) + ((uint64_t)i << 21) + 0x83; /* P|RW|PS */
		pdpt[g] = (uint64_t)(uintptr_t)pd[g] + 0x3;
	}
	for (int g = MAP_GIB; g < 512; g++)
		pdpt[g] = 0;
	pml4[0] = (uint64_t)(uintptr_t)pdpt + 0x3;
	for (int i = 1; i < 512; i++)
		pml4[i] = 0;
	__asm__ volatile("mov %0, %%cr3" ::"r"((uint64_t)(uintptr_t)pml4) : "memory");

	puts_serial("\nKJPAYLOAD: running, checking ");
	putdec(manifest.n);
	puts_serial(" ranges\n");
	if (manifest.magic != KJ_MANIFEST_MAGIC || manifest.n == 0 ||
	    manifest.n > KJ_MANIFEST_MAX) {
		puts_serial("KJPAYLOAD: BAD manifest\n");
		outb(0xf4, 0x11);
		return;
	}
	for (uint32_t r = 0; r < manifest.n; r++) {
		for (uint64_t a = manifest.r[r].start; a < manifest.r[r].end; a += 8) {
			uint64_t got = *(volatile uint64_t *)(uintptr_t)a,
				 want = kj_pattern_word(a);
			if ((a & 4095) == 0)
				pages++;
			if (got != want) {
				if (bad < 8) {
					puts_serial("KJPAYLOAD: mismatch at ");
					puthex(a);
					puts_serial(" got ");
					puthex(got);
					puts_serial(" want ");
					puthex(want);
					puts_serial("\n");
				}
				bad++;
			}
		}
	}
	if (bad) {
		puts_serial("KJPAYLOAD: BAD ");
		putdec(bad);
		puts_serial(" words differ\n");
		outb(0xf4, 0x11);
	} else {
		puts_serial("KJPAYLOAD: OK ");
		putdec(pages);
		puts_serial(" pages match\n");
		outb(0xf4, 0x10);
	}
}
