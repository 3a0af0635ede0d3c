/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Entered from relocate_kernel (preserve_context) in 64-bit mode on the jumping
 * kernel's identity map, interrupts off, GDT/IDT unusable: take our own stack and
 * never touch segment registers. */
	.section .text.start, "ax"
	.globl _start
	.code64
_start:
	cli
	lea	stack_top(%rip), %rsp
	call	payload_main
1:	hlt
	jmp	1b

	.section .bss
	.balign 16
	.space 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
