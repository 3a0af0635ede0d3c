/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* kjump-setup's output for the shell: NAME='value' lines that `eval` takes safely
 * whatever bytes value holds (a ' is written as '\''; nothing else is special between
 * single quotes). */
#include <stdint.h>
#include <stdio.h>

void setup_put(FILE *f, const char *name, const char *value);
void setup_put_u64(FILE *f, const char *name, uint64_t value);
